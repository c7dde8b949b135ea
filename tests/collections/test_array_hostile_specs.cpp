// Corrupt task arguments of the array module, as a worker would read them from a message:
// programs, reduction specs, chunk grids and blocks that no compiled array makes are refused
// with a tessera error, never run (an unknown operation left a slot unset and crashed).

#include <catch2/catch.hpp>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "array/evaluate.hpp"
#include "array/program.hpp"
#include "array/reduce.hpp"
#include "tessera/array.hpp"

using namespace tessera::detail::array;
using tessera::ArrayError;
using tessera::Block;
using tessera::Chunks;
using tessera::DType;
using tessera::SerializationError;
using tessera::Shape;

namespace {

Block ramp(DType dtype, Shape shape) {
  Block b = Block::allocate(dtype, std::move(shape));
  for (std::size_t i = 0; i < b.data.size(); ++i) {
    b.data.data()[i] = static_cast<std::byte>(dtype == DType::bool_ ? i % 2 : i);
  }
  return b;
}

// (x * 2) > iota over a 2-d grid of 4 x 3 blocks of (2, 3): a load, a constant, a generator,
// a binary operation, a comparison.
Program sample() {
  Program p;
  p.dtype = DType::bool_;
  p.grid = ChunkGrid(Chunks{{2, 2}, {3, 3}}, "test");
  p.axis_maps = {0, 1};
  p.constants = {Scalar::of(2.0)};
  p.generator_shapes = {4, 6};
  GeneratorSpec iota;
  iota.kind = GeneratorKind::iota;
  iota.b = 1;
  iota.ndim = 2;
  p.generators = {iota};
  Instruction load;
  load.op = ExprOp::load;
  load.leaf = 0;
  load.map = 0;
  Instruction two;
  two.op = ExprOp::constant;
  two.leaf = 0;
  Instruction times;
  times.op = ExprOp::binary;
  times.code = static_cast<std::uint8_t>(Binary::multiply);
  times.a = 0;
  times.b = 1;
  Instruction gen;
  gen.op = ExprOp::generate;
  gen.leaf = 0;
  gen.map = 0;
  Instruction greater;
  greater.op = ExprOp::binary;
  greater.code = static_cast<std::uint8_t>(Binary::greater);
  greater.dtype = DType::bool_;
  greater.a = 2;
  greater.b = 3;
  p.code = {load, two, times, gen, greater};
  p.inputs = 1;
  return p;
}

}  // namespace

TEST_CASE("a valid program evaluates, and every corruption of it is an ArrayError") {
  const std::vector<Block> inputs{ramp(DType::float64, {2, 3})};
  const Block ok = evaluate_block(sample(), 3, inputs);
  CHECK(ok.shape == Shape{2, 3});

  const std::vector<std::pair<const char*, std::function<void(Program&)>>> corruptions{
      {"an unknown operation", [](Program& p) { p.code[2].op = static_cast<ExprOp>(200); }},
      {"an unknown element type", [](Program& p) { p.code[1].dtype = static_cast<DType>(9); }},
      {"an unknown operand type", [](Program& p) { p.code[2].from = static_cast<DType>(77); }},
      {"an unknown result type", [](Program& p) { p.dtype = static_cast<DType>(7); }},
      {"an unknown binary code", [](Program& p) { p.code[2].code = 250; }},
      {"a unary op with an unknown code",
       [](Program& p) {
         p.code[2].op = ExprOp::unary;
         p.code[2].code = 99;
       }},
      {"a product that claims to be bool", [](Program& p) { p.code[2].dtype = DType::bool_; }},
      {"a comparison that claims to be float",
       [](Program& p) { p.code[4].dtype = DType::float64; }},
      {"an operand that comes later", [](Program& p) { p.code[2].b = 3; }},
      {"a negative operand", [](Program& p) { p.code[4].a = -7; }},
      {"a load of a missing input", [](Program& p) { p.code[0].leaf = 1; }},
      {"a missing constant", [](Program& p) { p.code[1].leaf = 5; }},
      {"a missing generator", [](Program& p) { p.code[3].leaf = 1; }},
      {"an axis map beyond the maps", [](Program& p) { p.code[0].map = 1; }},
      {"a negative axis map", [](Program& p) { p.code[3].map = -2; }},
      {"an axis map beyond its input",
       [](Program& p) {
         p.axis_maps = {0, 5};
       }},
      {"a halo beyond the halos", [](Program& p) { p.code[0].halo = 0; }},
      {"a halo origin outside its block",
       [](Program& p) {
         p.code[0].halo = 0;
         p.halos = {5, 0, 0, 0};
       }},
      {"a negative halo",
       [](Program& p) {
         p.code[0].halo = 0;
         p.halos = {0, -1, 0, 0};
       }},
      {"a generator shape offset that overflows",
       [](Program& p) { p.generators[0].shape_offset = std::numeric_limits<std::int32_t>::max(); }},
      {"a generator of negative length",
       [](Program& p) {
         p.generator_shapes = {-4, 6};
       }},
      {"a generator whose elements overflow",
       [](Program& p) {
         p.generator_shapes = {std::int64_t{1} << 62, std::int64_t{1} << 62};
       }},
      {"a generator that does not fit the grid",
       [](Program& p) {
         p.generator_shapes = {4, 600};
       }},
      {"an unknown generator",
       [](Program& p) { p.generators[0].kind = static_cast<GeneratorKind>(3); }},
      {"an unknown distribution",
       [](Program& p) { p.generators[0].distribution = static_cast<Distribution>(9); }},
      {"an empty program", [](Program& p) { p.code.clear(); }},
      {"two inputs declared", [](Program& p) { p.inputs = 2; }},
  };
  for (const auto& [what, corrupt] : corruptions) {
    INFO(what);
    Program p = sample();
    corrupt(p);
    // Through the wire as a worker reads it, then run.
    const Program read = tessera::deserialize<Program>(tessera::serialize(p));
    CHECK_THROWS_AS(evaluate_block(read, 3, inputs), ArrayError);
  }
  CHECK_THROWS_WITH(evaluate_block(sample(), 4, inputs), "array task: block 4 of a grid of 4");
  CHECK_THROWS_AS(evaluate_block(sample(), -1, inputs), ArrayError);
  const std::vector<Block> float32{ramp(DType::float32, {2, 3})};
  CHECK_THROWS_AS(evaluate_block(sample(), 3, float32), ArrayError);
  const std::vector<Block> taller{ramp(DType::float64, {3, 3})};
  CHECK_THROWS_AS(evaluate_block(sample(), 3, taller), ArrayError);
}

TEST_CASE("a program keeps its halos through serialization, as map_overlap's stencils need") {
  tessera::Client client(tessera::ClientOptions{"sync"});
  auto x = tessera::arange<double>(0, 20, 1, {5});
  auto shifted =
      tessera::map_overlap([](const tessera::Neighbours<double>& n) { return n(-1) + n(1); }, x,
                           {1}, tessera::Boundary::periodic());
  const Compiled compiled = compile(*shifted.handle());
  REQUIRE_FALSE(compiled.program.halos.empty());
  const Program read = tessera::deserialize<Program>(tessera::serialize(compiled.program));
  CHECK(read.halos == compiled.program.halos);
  // Each neighbour is a load of block 1 of the padded layer: 5 elements and a halo of 1.
  const std::vector<Block> padded(static_cast<std::size_t>(read.inputs), ramp(DType::float64, {7}));
  const Block direct = evaluate_block(compiled.program, 1, padded);
  const Block through = evaluate_block(read, 1, padded);
  CHECK(
      std::equal(direct.data.data(), direct.data.data() + direct.data.size(), through.data.data()));
}

TEST_CASE("chunk grids from a message whose counts or products overflow are refused") {
  auto read = [](std::vector<ChunkGrid::Axis> axes) {
    return tessera::deserialize<ChunkGrid>(tessera::serialize(ChunkGrid(std::move(axes))));
  };
  constexpr auto max = std::numeric_limits<std::int64_t>::max();
  // Valid: 10 elements in blocks of 4 (3 blocks), and 8 in blocks of 4 with an empty last.
  CHECK(read({{10, 3, 4, {}, {}}}).blocks() == 3);
  CHECK(read({{8, 3, 4, {}, {}}}).lengths(0) == std::vector<std::int64_t>{4, 4, 0});
  // (count - 1) * regular overflows: it used to pass the check as a negative product.
  CHECK_THROWS_AS(read({{max, std::int64_t{1} << 62, 4, {}, {}}}), SerializationError);
  CHECK_THROWS_AS(read({{10, 4, 4, {}, {}}}), SerializationError);
  CHECK_THROWS_AS(read({{10, 2, 4, {}, {}}}), SerializationError);
  // Every axis fine, the number of blocks or of elements in all beyond int64.
  const ChunkGrid::Axis many{std::int64_t{1} << 40, std::int64_t{1} << 40, 1, {}, {}};
  CHECK_THROWS_WITH(read({many, many}), Catch::Contains("more than 2^63 blocks or elements"));
  const ChunkGrid::Axis long_axis{std::int64_t{1} << 40, 1, std::int64_t{1} << 40, {}, {}};
  CHECK_THROWS_AS(read({long_axis, long_axis}), SerializationError);
}

TEST_CASE("bool blocks from a message hold only 0 and 1") {
  Block b = ramp(DType::bool_, {4});
  CHECK(tessera::deserialize<Block>(tessera::serialize(b)).shape == Shape{4});
  b.data.data()[2] = std::byte{2};
  CHECK_THROWS_WITH(tessera::deserialize<Block>(tessera::serialize(b)),
                    Catch::Contains("neither 0 nor 1"));
}

TEST_CASE("reduction specs and partial results that no reduction makes are refused") {
  Program input = sample();
  input.dtype = DType::float64;
  input.code.pop_back();  // x * 2
  const std::vector<Block> inputs{ramp(DType::float64, {2, 3})};
  ReduceSpec spec;
  spec.input = input;
  spec.op = Reduction::argmax;
  spec.reduced = {1, 0};
  spec.result = DType::int64;
  const Partial p = partial_reduce(spec, 1, inputs);
  CHECK(finish_reduction(spec, {p, p}).shape == Shape{3});

  auto corrupt = [&](std::function<void(ReduceSpec&)> change) {
    ReduceSpec s = spec;
    change(s);
    return tessera::deserialize<ReduceSpec>(tessera::serialize(s));
  };
  const ReduceSpec unknown = corrupt([](ReduceSpec& s) { s.op = static_cast<Reduction>(60); });
  CHECK_THROWS_AS(partial_reduce(unknown, 1, inputs), ArrayError);
  CHECK_THROWS_AS(finish_reduction(unknown, {p}), ArrayError);
  // A result type other than the operation's would read its fields as another type.
  const ReduceSpec as_double = corrupt([](ReduceSpec& s) { s.result = DType::float64; });
  CHECK_THROWS_WITH(finish_reduction(as_double, {p}), Catch::Contains("wrong result type"));
  CHECK_THROWS_AS(partial_reduce(as_double, 1, inputs), ArrayError);
  const ReduceSpec one_axis = corrupt([](ReduceSpec& s) { s.reduced = {1}; });
  CHECK_THROWS_AS(finish_reduction(one_axis, {p}), ArrayError);
  CHECK_THROWS_AS(partial_reduce(one_axis, 1, inputs), ArrayError);
  const ReduceSpec two = corrupt([](ReduceSpec& s) { s.reduced = {2, 0}; });
  CHECK_THROWS_AS(partial_reduce(two, 1, inputs), ArrayError);

  // Partial results of another reduction, with fields missing or of other shapes.
  spec.op = Reduction::sum;
  spec.result = DType::float64;
  const Partial sum = partial_reduce(spec, 0, inputs);
  CHECK_THROWS_WITH(finish_reduction(spec, {sum, p}), Catch::Contains("sum: a partial result"));
  CHECK_THROWS_AS(finish_reduction(spec, {Partial{}}), ArrayError);
  spec.op = Reduction::argmax;
  spec.result = DType::int64;
  Partial uneven = p;
  uneven[2] = ramp(DType::int64, {1, 7});
  CHECK_THROWS_AS(finish_reduction(spec, {uneven}), ArrayError);
  CHECK_THROWS_AS(finish_reduction(spec, {p, uneven}), ArrayError);
}
