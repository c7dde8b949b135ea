#include "matmul.hpp"

#include <cstring>
#include <mutex>
#include <numeric>
#include <string>

#include "../dispatch.hpp"
#include "../kernels.hpp"
#include "../lowering.hpp"
#include "../structure.hpp"
#include "gemm.hpp"
#include "tessera/array/errors.hpp"
#include "tessera/config.hpp"
#include "tessera/key.hpp"
#include "tessera/task.hpp"
#include "tree.hpp"

namespace tessera::detail::array {
namespace {

std::int64_t product(const Shape& shape, std::size_t begin, std::size_t end) {
  std::int64_t n = 1;
  for (std::size_t d = begin; d < end; ++d) n *= shape[d];
  return n;
}

Block zeros(DType dtype, const Shape& shape) {
  Block block = Block::allocate(dtype, shape);
  if (block.data.size()) std::memset(block.data.data(), 0, block.data.size());
  return block;
}

// The pairs of one output block: a[i, k] and b[k, j] for every block k along the contracted
// axes, in C order of those axes.
class ContractionLayer final : public Layer {
 public:
  ContractionLayer(Handle a, Handle b, ProductSpec spec, std::int64_t group,
                   std::int64_t split_every, ChunkGrid grid, std::string name)
      : Layer(spec.dtype, std::move(grid), std::move(name)),
        a_(std::move(a)),
        b_(std::move(b)),
        spec_(spec),
        group_(group),
        split_every_(split_every) {}

  NodePtr make_block(Lowering& lowering, std::int64_t linear) const override {
    const auto free_a = static_cast<std::size_t>(spec_.free_a);
    const auto contracted = static_cast<std::size_t>(spec_.contracted);
    const Shape out = grid.block_index(linear);
    const Shape shape = grid.block_shape(out);

    Shape a_index(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(free_a));
    a_index.resize(free_a + contracted, 0);
    Shape b_index(contracted, 0);
    b_index.insert(b_index.end(), out.begin() + static_cast<std::ptrdiff_t>(free_a), out.end());
    std::int64_t pairs = 1;
    for (std::size_t c = 0; c < contracted; ++c) pairs *= a_->grid.count(free_a + c);

    // Groups of `group_` pairs, each multiplied into one accumulator by one task.
    std::vector<std::pair<std::vector<Delayed<Block>>, std::vector<Delayed<Block>>>> groups(1);
    for (std::int64_t p = 0; p < pairs; ++p) {
      if (static_cast<std::int64_t>(groups.back().first.size()) == group_) groups.emplace_back();
      groups.back().first.emplace_back(lowering.block(*a_, a_->grid.linear(a_index)));
      groups.back().second.emplace_back(lowering.block(*b_, b_->grid.linear(b_index)));
      for (std::size_t c = contracted; c-- > 0;) {  // the next k, in C order
        if (++b_index[c] < b_->grid.count(c)) {
          a_index[free_a + c] = b_index[c];
          break;
        }
        b_index[c] = a_index[free_a + c] = 0;
      }
    }
    if (groups.size() == 1) {  // (no pairs at all when a contracted axis is empty: zeros)
      return task_node<&product_task>(block_key(name, out), spec_, shape,
                                      std::move(groups[0].first), std::move(groups[0].second));
    }
    std::vector<NodePtr> level;
    for (auto& [as, bs] : groups) {
      level.push_back(task_node<&product_task>(
          block_key(name + "-product", extend(out, static_cast<std::int64_t>(level.size()))), spec_,
          shape, std::move(as), std::move(bs)));
    }
    auto parts = merge_tree<Block>(
        std::move(level), split_every_,
        [&](std::vector<Delayed<Block>> group, std::int64_t depth, std::int64_t position) {
          return task_node<&sum_task>(
              block_key(name + "-sum-" + std::to_string(depth), extend(out, position)),
              std::move(group));
        });
    return task_node<&sum_task>(block_key(name, out), std::move(parts));
  }

 private:
  Handle a_, b_;
  ProductSpec spec_;
  std::int64_t group_;
  std::int64_t split_every_;
};

int normal_axis(const char* operation, int axis, const Handle& x, const char* which) {
  const auto n = static_cast<int>(x->shape.size());
  if (axis < -n || axis >= n) {
    throw ArrayError(std::string(operation) + ": axis " + std::to_string(axis) + " of " + which +
                     " is out of bounds for an array of dimension " + std::to_string(n) +
                     " (shape " + to_string(x->shape) + ")");
  }
  return axis < 0 ? axis + n : axis;
}

// The axes of x that are not in `contracted`, in order.
std::vector<int> free_axes(const Handle& x, const std::vector<int>& contracted) {
  std::vector<int> free;
  for (int d = 0; d < static_cast<int>(x->shape.size()); ++d) {
    if (std::find(contracted.begin(), contracted.end(), d) == contracted.end()) free.push_back(d);
  }
  return free;
}

Handle arranged(const Handle& x, DType dtype, const std::vector<int>& order) {
  Handle y = astype(x, dtype);
  std::vector<int> identity(order.size());
  std::iota(identity.begin(), identity.end(), 0);
  return order == identity ? y : transpose(y, order);
}

// Pairs that one product task multiplies into its accumulator. One: each product is a task
// and the products of a block are added in a tree, split_every at a time. Measured here on a
// 4000 x 4000 float64 matmul in 1000 x 1000 chunks on 2 threads, one product per task and one
// task accumulating all four gave the same rate (121 and 122 GFLOP/s), and the tree keeps
// the cores busy when the result has fewer blocks than there are workers.
constexpr std::int64_t pairs_per_product = 1;

// a and b with each pair of contracted axes split alike: where their chunks differ, both are
// rechunked to the common refinement of the two (as Dask's unify_chunks), so that the
// blocks along the contracted axes pair up.
std::pair<Handle, Handle> split_alike(const Handle& a, const Handle& b,
                                      const std::vector<int>& a_axes,
                                      const std::vector<int>& b_axes, const char* operation) {
  Chunks a_chunks = a->grid.chunks(), b_chunks = b->grid.chunks();
  bool differ = false;
  for (std::size_t i = 0; i < a_axes.size(); ++i) {
    const auto x = static_cast<std::size_t>(a_axes[i]), y = static_cast<std::size_t>(b_axes[i]);
    if (a->grid.same_axis(x, b->grid, y)) continue;
    require_known(*a, operation);
    require_known(*b, operation);
    a_chunks[x] = b_chunks[y] = common_refinement(a_chunks[x], b_chunks[y]);
    differ = true;
  }
  if (!differ) return {a, b};
  return {rechunk_to(a, a_chunks, 0, operation), rechunk_to(b, b_chunks, 0, operation)};
}

}  // namespace

Block product_task(const ProductSpec& spec, const Shape& shape, const std::vector<Block>& a,
                   const std::vector<Block>& b) {
  Block out = zeros(spec.dtype, shape);
  if (a.size() != b.size()) throw ArrayError("matmul: a block product of unpaired blocks");
  const auto free_a = static_cast<std::size_t>(spec.free_a);
  const auto contracted = static_cast<std::size_t>(spec.contracted);
  for (std::size_t p = 0; p < a.size(); ++p) {
    a[p].check();
    b[p].check();
    if (a[p].dtype != spec.dtype || b[p].dtype != spec.dtype || a[p].shape.size() < free_a ||
        b[p].shape.size() < contracted) {
      throw ArrayError(std::string("matmul: blocks of ") + dtype_name(a[p].dtype) + " " +
                       to_string(a[p].shape) + " and " + dtype_name(b[p].dtype) + " " +
                       to_string(b[p].shape) + " where " + dtype_name(spec.dtype) +
                       " blocks were expected");
    }
    const std::int64_t m = product(a[p].shape, 0, free_a);
    const std::int64_t k = product(a[p].shape, free_a, a[p].shape.size());
    const std::int64_t n = product(b[p].shape, contracted, b[p].shape.size());
    if (k != product(b[p].shape, 0, contracted) || m * n != out.size()) {
      throw ArrayError("matmul: blocks " + to_string(a[p].shape) + " and " + to_string(b[p].shape) +
                       " do not make a product of shape " + to_string(shape));
    }
    gemm(spec.dtype, m, n, k, a[p].data.data(), b[p].data.data(), out.data.data());
  }
  return out;
}

Block sum_task(const std::vector<Block>& parts) {
  if (parts.empty()) throw ArrayError("matmul: no partial products to add");
  Block out = Block::allocate(parts[0].dtype, parts[0].shape);
  if (out.data.size()) std::memcpy(out.data.data(), parts[0].data.data(), out.data.size());
  for (std::size_t p = 1; p < parts.size(); ++p) {
    parts[p].check();
    if (parts[p].dtype != out.dtype || parts[p].shape != out.shape) {
      throw ArrayError("matmul: partial products of shapes " + to_string(out.shape) + " and " +
                       to_string(parts[p].shape));
    }
    with_type(out.dtype, [&](auto tag) {
      using T = typename decltype(tag)::type;
      T* x = reinterpret_cast<T*>(out.data.data());
      const T* y = reinterpret_cast<const T*>(parts[p].data.data());
      const std::int64_t n = out.size();
      for (std::int64_t i = 0; i < n; ++i) x[i] = reference::wrap_add(x[i], y[i]);
    });
  }
  return out;
}

TESSERA_TASK_NAMED("tessera.array.product", product_task);
TESSERA_TASK_NAMED("tessera.array.product_sum", sum_task);

Handle tensordot(const Handle& a, const Handle& b, const std::vector<int>& a_axes_in,
                 const std::vector<int>& b_axes_in, const char* operation) {
  check_valid(a, operation);
  check_valid(b, operation);
  if (a_axes_in.size() != b_axes_in.size()) {
    throw ArrayError(std::string(operation) + ": " + std::to_string(a_axes_in.size()) +
                     " axes of a and " + std::to_string(b_axes_in.size()) +
                     " axes of b to contract: give as many of each");
  }
  std::vector<int> a_axes, b_axes;
  for (std::size_t i = 0; i < a_axes_in.size(); ++i) {
    const int x = normal_axis(operation, a_axes_in[i], a, "a");
    const int y = normal_axis(operation, b_axes_in[i], b, "b");
    if (std::find(a_axes.begin(), a_axes.end(), x) != a_axes.end() ||
        std::find(b_axes.begin(), b_axes.end(), y) != b_axes.end()) {
      throw ArrayError(std::string(operation) + ": an axis is contracted twice");
    }
    if (a->shape[static_cast<std::size_t>(x)] != b->shape[static_cast<std::size_t>(y)]) {
      throw ArrayError(std::string(operation) + ": shapes " + to_string(a->shape) + " and " +
                       to_string(b->shape) +
                       " do not align: " + std::to_string(a->shape[static_cast<std::size_t>(x)]) +
                       " (axis " + std::to_string(x) +
                       ") != " + std::to_string(b->shape[static_cast<std::size_t>(y)]) + " (axis " +
                       std::to_string(y) + ")");
    }
    a_axes.push_back(x);
    b_axes.push_back(y);
  }
  const auto [a_split, b_split] = split_alike(a, b, a_axes, b_axes, operation);
  const std::vector<int> a_free = free_axes(a, a_axes), b_free = free_axes(b, b_axes);
  std::vector<int> a_order = a_free, b_order = b_axes;
  a_order.insert(a_order.end(), a_axes.begin(), a_axes.end());
  b_order.insert(b_order.end(), b_free.begin(), b_free.end());
  const DType dtype = promote(a->dtype, b->dtype);
  Handle x = arranged(a_split, dtype, a_order), y = arranged(b_split, dtype, b_order);

  Chunks chunks;
  for (int d : a_free) chunks.push_back(a->grid.lengths(static_cast<std::size_t>(d)));
  for (int d : b_free) chunks.push_back(b->grid.lengths(static_cast<std::size_t>(d)));
  ProductSpec spec;
  spec.dtype = dtype;
  spec.free_a = static_cast<std::int32_t>(a_free.size());
  spec.contracted = static_cast<std::int32_t>(a_axes.size());
  const std::int64_t split_every = config::get_int("array_split_every");
  return array_of_layer(std::make_shared<ContractionLayer>(
      std::move(x), std::move(y), spec, pairs_per_product, split_every,
      ChunkGrid(chunks, operation), unique_key(operation)));
}

Handle tensordot(const Handle& a, const Handle& b, int axes) {
  check_valid(a, "tensordot");
  check_valid(b, "tensordot");
  const auto na = static_cast<int>(a->shape.size()), nb = static_cast<int>(b->shape.size());
  if (axes < 0 || axes > na || axes > nb) {
    throw ArrayError("tensordot: cannot contract " + std::to_string(axes) +
                     " axes of arrays of shapes " + to_string(a->shape) + " and " +
                     to_string(b->shape));
  }
  std::vector<int> a_axes, b_axes;
  for (int i = 0; i < axes; ++i) {
    a_axes.push_back(na - axes + i);
    b_axes.push_back(i);
  }
  return tensordot(a, b, a_axes, b_axes, "tensordot");
}

Handle matmul(const Handle& a, const Handle& b) {
  check_valid(a, "matmul");
  check_valid(b, "matmul");
  const std::size_t na = a->shape.size(), nb = b->shape.size();
  if (na == 0 || nb == 0) {
    throw ArrayError("matmul: shapes " + to_string(a->shape) + " and " + to_string(b->shape) +
                     ": an operand is a scalar (0-d); use multiply");
  }
  if (na > 2 || nb > 2) {
    throw ArrayError("matmul: shapes " + to_string(a->shape) + " and " + to_string(b->shape) +
                     ": stacks of matrices (more than 2 dimensions) are not supported; use "
                     "tensordot");
  }
  return tensordot(a, b, {static_cast<int>(na) - 1}, {0}, "matmul");
}

Handle dot(const Handle& a, const Handle& b) {
  check_valid(a, "dot");
  check_valid(b, "dot");
  const auto na = static_cast<int>(a->shape.size()), nb = static_cast<int>(b->shape.size());
  if (na == 0 || nb == 0) return binary(Binary::multiply, a, b);
  return tensordot(a, b, {na - 1}, {nb == 1 ? 0 : nb - 2}, "dot");
}

}  // namespace tessera::detail::array
