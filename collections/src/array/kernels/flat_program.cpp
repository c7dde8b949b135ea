#include "kernels/flat_program.hpp"

#include <cmath>
#include <string>

#include "dispatch.hpp"
#include "evaluate.hpp"
#include "scalar_as.hpp"
#include "tessera/array/errors.hpp"

namespace tessera::detail::array {

bool fits_flat(const Program& program) noexcept {
  int leaves = 0;
  for (const Instruction& in : program.code) {
    leaves += in.op == ExprOp::load || in.op == ExprOp::generate;
  }
  return program.grid.ndim() <= flat_max_dims &&
         program.code.size() <= static_cast<std::size_t>(flat_max_instructions) &&
         leaves <= flat_max_leaves;
}

FlatProgram flatten(const Program& program, std::int64_t block, std::span<const Block> inputs,
                    std::span<const void* const> input_data) {
  if (!fits_flat(program)) {
    throw ArrayError("array kernels: the expression has more than " +
                     std::to_string(flat_max_instructions) + " operations, " +
                     std::to_string(flat_max_leaves) + " inputs or " +
                     std::to_string(flat_max_dims) + " dimensions for a device kernel");
  }
  validate(program, inputs);
  const LeafStreams streams = leaf_streams(program, block, inputs);
  FlatProgram flat;
  flat.ndim = static_cast<std::int32_t>(streams.shape.size());
  for (std::size_t d = 0; d < streams.shape.size(); ++d) {
    flat.shape[d] = streams.shape[d];
    flat.size *= streams.shape[d];
  }
  flat.count = static_cast<std::int32_t>(program.code.size());
  flat.dtype = program.dtype;
  for (std::size_t i = 0; i < program.code.size(); ++i) {
    const Instruction& in = program.code[i];
    FlatInstruction& out = flat.code[i];
    out = FlatInstruction{in.op,
                          in.code,
                          in.dtype,
                          in.from,
                          static_cast<std::int16_t>(in.a),
                          static_cast<std::int16_t>(in.b),
                          static_cast<std::int16_t>(in.c),
                          -1};
    if (in.op == ExprOp::constant) {
      const Scalar& s = program.constants[static_cast<std::size_t>(in.leaf)];
      with_type(in.dtype, [&](auto tag) {
        using T = typename decltype(tag)::type;
        flat.constant[i] = flat_value(scalar_as<T>(s));
      });
    }
    const std::int32_t stream = streams.stream_of[i];
    if (stream < 0) continue;
    const auto leaf_index = static_cast<std::size_t>(stream);
    out.leaf = static_cast<std::int16_t>(stream);
    FlatLeaf& leaf = flat.leaves[leaf_index];
    leaf.base = streams.bases[leaf_index];
    for (std::size_t d = 0; d < streams.shape.size(); ++d)
      leaf.strides[d] = streams.strides[leaf_index][d];
    if (in.op == ExprOp::load) {
      leaf.data = input_data[static_cast<std::size_t>(in.leaf)];
    } else {
      const GeneratorSpec& g = program.generators[static_cast<std::size_t>(in.leaf)];
      leaf.kind = g.kind;
      leaf.distribution = g.distribution;
      leaf.seed = g.seed;
      leaf.a = g.a;
      leaf.b = g.b;
      leaf.last = g.last;
      leaf.last_index = g.last_index;
      leaf.low = g.low;
      leaf.high = g.high;
      leaf.below_high = std::nextafter(static_cast<float>(g.b), static_cast<float>(g.a));
    }
  }
  return flat;
}

}  // namespace tessera::detail::array
