// cumsum and cumprod along an axis, as Dask does them: the total of each block along the
// axis (a thin slice), a chain of carries along the axis (carry i = carry i-1 op total i-1),
// then each block scanned from its carry. Every task reads at most one block, and the graph
// has a few tasks per block.

#include <string>

#include "dispatch.hpp"
#include "expr.hpp"
#include "fields_codec.hpp"
#include "kernels.hpp"
#include "lowering.hpp"
#include "tessera/array/blocks.hpp"
#include "tessera/array/errors.hpp"
#include "tessera/key.hpp"
#include "tessera/task.hpp"

namespace tessera::detail::array {

struct ScanSpec {
  Scan op = Scan::sum;
  std::int32_t axis = 0;
  DType result = DType::int64;

  static constexpr auto fields() {
    return std::make_tuple(&ScanSpec::op, &ScanSpec::axis, &ScanSpec::result);
  }
};

}  // namespace tessera::detail::array

namespace tessera::detail {
template <>
struct StdCodec<array::ScanSpec> : array::FieldsCodec<array::ScanSpec> {};
}  // namespace tessera::detail

namespace tessera::detail::array {
namespace {

template <class R>
R step(Scan op, R a, R b) noexcept {
  return op == Scan::sum ? reference::wrap_add(a, b) : reference::wrap_mul(a, b);
}

// The block's shape as (outer, along, inner) around the axis.
struct Around {
  std::int64_t outer = 1, along = 1, inner = 1;
};
Around around(const Shape& shape, std::size_t axis) {
  Around a;
  for (std::size_t d = 0; d < shape.size(); ++d) {
    if (d < axis) a.outer *= shape[d];
    if (d == axis) a.along = shape[d];
    if (d > axis) a.inner *= shape[d];
  }
  return a;
}

void check_axis(const ScanSpec& spec, const Block& block) {
  if (spec.axis < 0 || static_cast<std::size_t>(spec.axis) >= block.shape.size()) {
    throw ArrayError("cumulative: axis " + std::to_string(spec.axis) +
                     " is out of range for a block of shape " + to_string(block.shape));
  }
  block.check();
}

// Scans `block` along the axis from `carry` (the identity when null) into `out` (when not
// null), and returns the last slice: the block's total with the carry.
Block scan(const ScanSpec& spec, const Block& block, const Block* carry, Block* out) {
  check_axis(spec, block);
  const auto axis = static_cast<std::size_t>(spec.axis);
  Shape slice_shape = block.shape;
  slice_shape[axis] = 1;
  Block last = Block::allocate(spec.result, slice_shape);
  if (carry && (carry->dtype != spec.result || carry->shape != slice_shape)) {
    throw ArrayError("cumulative: a carry of shape " + to_string(carry->shape) + " where " +
                     to_string(slice_shape) + " was expected");
  }
  const Around a = around(block.shape, axis);
  with_type(block.dtype, [&](auto in_tag) {
    using T = typename decltype(in_tag)::type;
    with_type(spec.result, [&](auto out_tag) {
      using R = typename decltype(out_tag)::type;
      const T* x = reinterpret_cast<const T*>(block.data.data());
      R* acc = reinterpret_cast<R*>(last.data.data());
      R* y = out ? reinterpret_cast<R*>(out->data.data()) : nullptr;
      const R identity = spec.op == Scan::sum ? R(0) : R(1);
      for (std::int64_t o = 0; o < a.outer; ++o) {
        R* running = acc + o * a.inner;
        if (carry) {
          std::copy_n(reinterpret_cast<const R*>(carry->data.data()) + o * a.inner, a.inner,
                      running);
        } else {
          std::fill_n(running, a.inner, identity);
        }
        for (std::int64_t j = 0; j < a.along; ++j) {
          const std::int64_t row = (o * a.along + j) * a.inner;
          for (std::int64_t k = 0; k < a.inner; ++k) {
            running[k] = step(spec.op, running[k], static_cast<R>(x[row + k]));
          }
          if (y) std::copy_n(running, a.inner, y + row);
        }
      }
    });
  });
  return last;
}

Block scan_total_task(const ScanSpec& spec, const Block& block) {
  return scan(spec, block, nullptr, nullptr);
}

Block scan_carry_task(const ScanSpec& spec, const Block& carry, const Block& total) {
  if (carry.dtype != spec.result || total.dtype != spec.result || carry.shape != total.shape) {
    throw ArrayError("cumulative: a carry of shape " + to_string(carry.shape) +
                     " and a block total of shape " + to_string(total.shape) + " do not match");
  }
  Block out = Block::allocate(spec.result, carry.shape);
  with_type(spec.result, [&](auto tag) {
    using R = typename decltype(tag)::type;
    const R* a = reinterpret_cast<const R*>(carry.data.data());
    const R* b = reinterpret_cast<const R*>(total.data.data());
    R* c = reinterpret_cast<R*>(out.data.data());
    for (std::int64_t i = 0; i < out.size(); ++i) c[i] = step(spec.op, a[i], b[i]);
  });
  return out;
}

Block scan_block_task(const ScanSpec& spec, const std::vector<Block>& carry, const Block& block) {
  check_axis(spec, block);
  Block out = Block::allocate(spec.result, block.shape);
  scan(spec, block, carry.empty() ? nullptr : &carry[0], &out);
  return out;
}

TESSERA_TASK_NAMED("tessera.array.scan_total", scan_total_task);
TESSERA_TASK_NAMED("tessera.array.scan_carry", scan_carry_task);
TESSERA_TASK_NAMED("tessera.array.scan_block", scan_block_task);

ChunkGrid slice_grid(const ChunkGrid& grid, std::size_t axis) {
  Chunks chunks = grid.chunks();
  chunks[axis].assign(chunks[axis].size(), 1);
  return ChunkGrid(chunks, "cumulative");
}

/// The totals of the input's blocks along the axis (length 1 there).
class TotalsLayer final : public Layer {
 public:
  TotalsLayer(Handle input, DType result, Delayed<ScanSpec> spec, std::size_t axis,
              std::string name)
      : Layer(result, slice_grid(input->grid, axis), std::move(name)),
        input_(std::move(input)),
        spec_(std::move(spec)) {}
  NodePtr make_block(Lowering& lowering, std::int64_t linear) const override {
    return task_node<&scan_total_task>(block_key(name, grid.block_index(linear)), spec_,
                                       Delayed<Block>(lowering.block(*input_, linear)));
  }

 private:
  Handle input_;
  Delayed<ScanSpec> spec_;
};

/// The carry into each block: the totals of the blocks before it along the axis, combined.
/// Block 0 along the axis has none (it is not asked for).
class CarryLayer final : public Layer {
 public:
  CarryLayer(const TotalsLayer& totals, Delayed<ScanSpec> spec, std::size_t axis, std::string name)
      : Layer(totals.dtype, totals.grid, std::move(name)),
        totals_(totals),
        spec_(std::move(spec)),
        axis_(axis) {}
  NodePtr make_block(Lowering& lowering, std::int64_t linear) const override {
    Shape index = grid.block_index(linear);
    index[axis_] -= 1;
    NodePtr total = lowering.block(totals_, grid.linear(index));
    if (index[axis_] == 0) return total;
    NodePtr before = lowering.block(*this, grid.linear(index));
    index[axis_] += 1;
    return task_node<&scan_carry_task>(block_key(name, index), spec_,
                                       Delayed<Block>(std::move(before)),
                                       Delayed<Block>(std::move(total)));
  }

 private:
  const TotalsLayer& totals_;
  Delayed<ScanSpec> spec_;
  std::size_t axis_;
};

class ScanLayer final : public Layer {
 public:
  ScanLayer(Handle input, ScanSpec spec, std::string name)
      : Layer(spec.result, input->grid, std::move(name)),
        input_(std::move(input)),
        spec_(delayed_value(spec)),
        axis_(static_cast<std::size_t>(spec.axis)),
        totals_(input_, dtype, spec_, axis_, this->name + "-total"),
        carries_(totals_, spec_, axis_, this->name + "-carry") {}

  NodePtr make_block(Lowering& lowering, std::int64_t linear) const override {
    Shape index = grid.block_index(linear);
    std::vector<Delayed<Block>> carry;
    if (index[axis_] > 0) {
      // Carries in order along the axis, so that each finds the one before it made.
      Shape at = index;
      for (at[axis_] = 1; at[axis_] <= index[axis_]; ++at[axis_]) {
        NodePtr node = lowering.block(carries_, grid.linear(at));
        if (at[axis_] == index[axis_]) carry.emplace_back(std::move(node));
      }
    }
    return task_node<&scan_block_task>(block_key(name, index), spec_, std::move(carry),
                                       Delayed<Block>(lowering.block(*input_, linear)));
  }

 private:
  Handle input_;
  Delayed<ScanSpec> spec_;
  std::size_t axis_;
  TotalsLayer totals_;
  CarryLayer carries_;
};

DType scan_result(DType input) {
  switch (input) {
    case DType::bool_:
    case DType::int32:
    case DType::int64:
      return DType::int64;
    case DType::uint8:
    case DType::uint64:
      return DType::uint64;
    default:
      return input;
  }
}

}  // namespace

Handle cumulative(Scan op, const Handle& input, std::optional<int> axis) {
  const char* operation = op == Scan::sum ? "cumsum" : "cumprod";
  check_valid(input, operation);
  const auto n = static_cast<int>(input->grid.ndim());
  if (!axis) {
    if (n != 1) {
      throw ArrayError(std::string(operation) + ": give an axis for an array of shape " +
                       to_string(input->shape) + " (flattening is not supported)");
    }
    axis = 0;
  }
  if (*axis < -n || *axis >= n) {
    throw ArrayError(std::string(operation) + ": axis " + std::to_string(*axis) +
                     " is out of bounds for an array of dimension " + std::to_string(n) +
                     " (shape " + to_string(input->shape) + ")");
  }
  ScanSpec spec;
  spec.op = op;
  spec.axis = *axis < 0 ? *axis + n : *axis;
  spec.result = scan_result(input->dtype);
  return array_of_layer(std::make_shared<ScanLayer>(input, spec, unique_key(operation)));
}

}  // namespace tessera::detail::array
