// libFuzzer target for the specs of the array tasks, which workers read from messages: the
// first byte chooses what the rest (a frame header) decodes to, then it is validated and run
// on blocks the way the tasks do:
//   0: (Program, block, input blocks) evaluated as an elementwise task;
//   1: (ReduceSpec, block, input blocks) reduced to a partial, then finished;
//   2: (ReduceSpec, partial results) combined and finished as the tree's tasks do;
//   3: a ChunkGrid, whose blocks are walked.
// Anything but a result or a tessera::Error is a bug: a crash, a sanitizer report, a leak, an
// exception of another type, or (with -malloc_limit_mb) an allocation the message cannot
// justify. Blocks the program would make are bounded here (a program may ask for large blocks
// of generated values: that is the user's array, not a corrupt message).

#include <cstddef>
#include <cstdint>
#include <tuple>
#include <vector>

#include "evaluate.hpp"
#include "reduce.hpp"
#include "tessera/errors.hpp"

namespace {

using namespace tessera;
using namespace tessera::detail::array;

constexpr std::int64_t max_elements = std::int64_t{1} << 16;

bool small(const Program& program, std::int64_t block, std::span<const Block> inputs) {
  if (block < 0 || block >= program.grid.blocks()) return true;  // refused by evaluate
  std::int64_t n = 1;
  for (std::int64_t d : block_shape(program, block, inputs)) {
    if (d > max_elements) return false;
    n *= d;
    if (n > max_elements) return false;
  }
  return true;
}

void run(std::uint8_t kind, const Frames& frames) {
  switch (kind % 4) {
    case 0: {
      const auto [program, block, inputs] =
          deserialize<std::tuple<Program, std::int64_t, std::vector<Block>>>(frames);
      validate(program, inputs);
      if (small(program, block, inputs)) (void)evaluate_block(program, block, inputs);
      break;
    }
    case 1: {
      const auto [spec, block, inputs] =
          deserialize<std::tuple<ReduceSpec, std::int64_t, std::vector<Block>>>(frames);
      validate(spec.input, inputs);
      if (small(spec.input, block, inputs)) {
        const Partial p = partial_reduce(spec, block, inputs);
        (void)finish_reduction(spec, {p, p});
      }
      break;
    }
    case 2: {
      const auto [spec, parts] = deserialize<std::tuple<ReduceSpec, std::vector<Partial>>>(frames);
      (void)finish_reduction(spec, parts);
      break;
    }
    default: {
      const auto grid = deserialize<ChunkGrid>(frames);
      const std::int64_t blocks = grid.blocks();
      for (std::int64_t b : {std::int64_t{0}, blocks / 2, blocks - 1}) {
        const Shape index = grid.block_index(b);
        (void)grid.block_shape(index);
        (void)grid.block_start(index);
        if (grid.linear(index) != b) __builtin_trap();
      }
      if (blocks <= max_elements) (void)grid.chunks().size();
      break;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  Frames frames;
  const auto* first = reinterpret_cast<const std::byte*>(data + 1);
  frames.header.assign(first, first + (size - 1));
  try {
    run(data[0], frames);
  } catch (const tessera::Error&) {
  }
  return 0;
}
