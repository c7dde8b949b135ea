// Writes the seed corpus of fuzz_array_specs: valid task arguments of each kind the fuzzer
// decodes (a selector byte, then the frame header), one file each
// (corpus/array_specs/<n>.bin). Run through the fuzz_array_corpus target.

#include <cstdio>
#include <fstream>
#include <string>
#include <tuple>
#include <vector>

#include "program.hpp"
#include "reduce.hpp"

namespace {

using namespace tessera;
using namespace tessera::detail::array;

Block block_of(DType dtype, Shape shape) {
  Block b = Block::allocate(dtype, std::move(shape));
  for (std::size_t i = 0; i < b.data.size(); ++i) {
    b.data.data()[i] = static_cast<std::byte>(dtype == DType::bool_ ? i % 2 : i * 7);
  }
  return b;
}

Instruction op(ExprOp kind, DType dtype, DType from = DType::float64) {
  Instruction in;
  in.op = kind;
  in.dtype = dtype;
  in.from = from;
  return in;
}

// x * 2.5 + 1 over a ragged 1-d grid, reading one input block.
Program scaled() {
  Program p;
  p.grid = ChunkGrid(Chunks{{4, 4, 2}}, "corpus");
  p.axis_maps = {0};
  p.constants = {Scalar::of(2.5), Scalar::of(1)};
  Instruction load = op(ExprOp::load, DType::float64);
  load.leaf = 0;
  load.map = 0;
  Instruction c0 = op(ExprOp::constant, DType::float64), c1 = c0;
  c0.leaf = 0;
  c1.leaf = 1;
  Instruction mul = op(ExprOp::binary, DType::float64);
  mul.code = static_cast<std::uint8_t>(Binary::multiply);
  mul.a = 0;
  mul.b = 1;
  Instruction add = mul;
  add.code = static_cast<std::uint8_t>(Binary::add);
  add.a = 3;
  add.b = 2;
  p.code = {load, c0, c1, mul, add};
  p.inputs = 1;
  return p;
}

// where(uniform > 0.5, integers, cast(iota)) over a 2-d grid, with no inputs.
Program generated() {
  Program p;
  p.dtype = DType::int64;
  p.grid = ChunkGrid(Chunks{{3, 3}, {2, 2, 1}}, "corpus");
  p.axis_maps = {0, 1};
  p.generator_shapes = {6, 5};
  GeneratorSpec uniform;
  uniform.kind = GeneratorKind::random;
  uniform.distribution = Distribution::uniform;
  uniform.b = 1;
  uniform.ndim = 2;
  GeneratorSpec integers = uniform;
  integers.distribution = Distribution::integers;
  integers.low = -5;
  integers.high = 5;
  GeneratorSpec iota;
  iota.kind = GeneratorKind::iota;
  iota.b = 1;
  iota.ndim = 2;
  p.generators = {uniform, integers, iota};
  p.constants = {Scalar::of(0.5)};
  std::vector<Instruction> code;
  for (std::int32_t g = 0; g < 3; ++g) {
    Instruction in = op(ExprOp::generate, g == 1 ? DType::int64 : DType::float64);
    in.leaf = g;
    in.map = 0;
    code.push_back(in);
  }
  Instruction half = op(ExprOp::constant, DType::float64);
  half.leaf = 0;
  code.push_back(half);  // 3
  Instruction greater = op(ExprOp::binary, DType::bool_);
  greater.code = static_cast<std::uint8_t>(Binary::greater);
  greater.a = 0;
  greater.b = 3;
  code.push_back(greater);  // 4
  Instruction cast = op(ExprOp::cast, DType::int64);
  cast.a = 2;
  code.push_back(cast);  // 5
  Instruction where = op(ExprOp::where, DType::int64);
  where.a = 4;
  where.b = 1;
  where.c = 5;
  code.push_back(where);
  p.code = code;
  return p;
}

// The 2-d input read with a halo of 1 on each side and shifted by (-1, +1), negated.
Program halo() {
  Program p;
  p.grid = ChunkGrid(Chunks{{4, 4}, {3, 3}}, "corpus");
  p.axis_maps = {0, 1};
  p.halos = {0, 2, 2, 2};
  Instruction load = op(ExprOp::load, DType::float64);
  load.leaf = 0;
  load.map = 0;
  load.halo = 0;
  Instruction negative = op(ExprOp::unary, DType::float64);
  negative.code = static_cast<std::uint8_t>(Unary::negative);
  negative.a = 0;
  p.code = {load, negative};
  p.inputs = 1;
  return p;
}

ReduceSpec reduction(Program input, Reduction r, std::vector<std::uint8_t> reduced) {
  ReduceSpec spec;
  spec.result = reduction_result(r, input.dtype);
  spec.input = std::move(input);
  spec.op = r;
  spec.reduced = std::move(reduced);
  return spec;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <corpus directory>\n", argv[0]);
    return 2;
  }
  int index = 0;
  bool ok = true;
  auto write = [&](std::uint8_t kind, const auto& value) {
    const Frames frames = serialize(value);
    const std::string path = std::string(argv[1]) + "/" + std::to_string(index++) + ".bin";
    std::ofstream out(path, std::ios::binary);
    out.put(static_cast<char>(kind));
    out.write(reinterpret_cast<const char*>(frames.header.data()),
              static_cast<std::streamsize>(frames.header.size()));
    ok = ok && static_cast<bool>(out);
  };
  using Inputs = std::vector<Block>;
  write(0, std::make_tuple(scaled(), std::int64_t{2}, Inputs{block_of(DType::float64, {2})}));
  write(0, std::make_tuple(generated(), std::int64_t{4}, Inputs{}));
  write(0, std::make_tuple(halo(), std::int64_t{3}, Inputs{block_of(DType::float64, {6, 5})}));
  for (Reduction r : {Reduction::sum, Reduction::argmax, Reduction::var, Reduction::nanmin}) {
    write(1, std::make_tuple(reduction(scaled(), r, {1}), std::int64_t{0},
                             Inputs{block_of(DType::float64, {4})}));
  }
  write(1,
        std::make_tuple(reduction(generated(), Reduction::any, {0, 1}), std::int64_t{1}, Inputs{}));
  {
    const Partial sum{block_of(DType::float64, {1, 2})};
    write(2, std::make_tuple(reduction(generated(), Reduction::sum, {1, 0}),
                             std::vector<Partial>{sum, sum}));
    const Partial arg{block_of(DType::int64, {1}), block_of(DType::int64, {1}),
                      block_of(DType::int64, {1}), block_of(DType::int64, {1})};
    write(2, std::make_tuple(reduction(generated(), Reduction::argmin, {1, 0}),
                             std::vector<Partial>{arg, arg, arg}));
  }
  write(3, ChunkGrid(Chunks{{4, 4, 2}, {0}, {1, 0, 3}}, "corpus"));
  write(3, ChunkGrid(Chunks{{-1, 2, -1}, {5, 5}}, "corpus"));
  std::printf("make_array_corpus: wrote %d seeds to %s\n", index, argv[1]);
  return ok ? 0 : 1;
}
