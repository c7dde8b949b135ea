#include "reduce.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "dispatch.hpp"
#include "evaluate.hpp"
#include "kernels.hpp"
#include "kernels/reduce_state.hpp"
#include "lowering.hpp"
#include "tasks.hpp"
#include "tessera/array/errors.hpp"
#include "tessera/config.hpp"

namespace tessera::detail::array {
namespace {

using namespace reference;  // the reference kernels

const bool split_every_defined = config::define(
    {"array_split_every", "8",
     "an integer in [2, 65536] (how many partial results one reduction task combines)",
     config::is_integer_in<2, 65536>});

using Family = ReduceFamily;

struct OpInfo {
  Family family;
  bool nan_skip = false;
  bool is_max = false;  // max, argmax; all for anyall
  bool is_std = false;
  const char* name;
};

OpInfo info(Reduction op) {
  switch (op) {
    case Reduction::sum:
      return {Family::sum, false, false, false, "sum"};
    case Reduction::nansum:
      return {Family::sum, true, false, false, "nansum"};
    case Reduction::prod:
      return {Family::prod, false, false, false, "prod"};
    case Reduction::nanprod:
      return {Family::prod, true, false, false, "nanprod"};
    case Reduction::min:
      return {Family::minmax, false, false, false, "min"};
    case Reduction::max:
      return {Family::minmax, false, true, false, "max"};
    case Reduction::nanmin:
      return {Family::minmax, true, false, false, "nanmin"};
    case Reduction::nanmax:
      return {Family::minmax, true, true, false, "nanmax"};
    case Reduction::mean:
      return {Family::mean, false, false, false, "mean"};
    case Reduction::nanmean:
      return {Family::mean, true, false, false, "nanmean"};
    case Reduction::var:
      return {Family::var, false, false, false, "var"};
    case Reduction::nanvar:
      return {Family::var, true, false, false, "nanvar"};
    case Reduction::std:
      return {Family::var, false, false, true, "std"};
    case Reduction::nanstd:
      return {Family::var, true, false, true, "nanstd"};
    case Reduction::argmin:
      return {Family::arg, false, false, false, "argmin"};
    case Reduction::argmax:
      return {Family::arg, false, true, false, "argmax"};
    case Reduction::nanargmin:
      return {Family::arg, true, false, false, "nanargmin"};
    case Reduction::nanargmax:
      return {Family::arg, true, true, false, "nanargmax"};
    case Reduction::any:
      return {Family::anyall, false, false, false, "any"};
    case Reduction::all:
      return {Family::anyall, false, true, false, "all"};
  }
  return {Family::sum, false, false, false, "reduce"};
}

DType accumulator(DType input) {
  if (is_floating(input)) return DType::float64;
  if (input == DType::uint8 || input == DType::uint64) return DType::uint64;
  return DType::int64;
}

template <class T>
bool is_nan(T x) noexcept {
  if constexpr (is_float_v<T>) {
    return std::isnan(x);
  } else {
    (void)x;
    return false;
  }
}

template <class T>
T* field(Partial& p, std::size_t k) {
  return reinterpret_cast<T*>(p[k].data.data());
}
template <class T>
const T* field(const Partial& p, std::size_t k) {
  return reinterpret_cast<const T*>(p[k].data.data());
}

Partial make_partial(const OpInfo& op, DType input, const Shape& cells_shape) {
  std::int64_t cells = 1;
  for (std::int64_t n : cells_shape) cells *= n;
  auto add = [&](Partial& p, DType dtype) { p.push_back(Block::allocate(dtype, cells_shape)); };
  Partial p;
  switch (op.family) {
    case Family::sum:
    case Family::prod:
      add(p, accumulator(input));
      with_type(accumulator(input), [&](auto tag) {
        using A = typename decltype(tag)::type;
        std::fill_n(field<A>(p, 0), cells, op.family == Family::sum ? A(0) : A(1));
      });
      break;
    case Family::minmax:
      add(p, input);
      add(p, DType::int64);
      add(p, DType::int64);
      if (cells) std::memset(p[0].data.data(), 0, p[0].data.size());  // no data: null
      std::fill_n(field<std::int64_t>(p, 1), cells, 0);
      std::fill_n(field<std::int64_t>(p, 2), cells, 0);
      break;
    case Family::mean:
      add(p, DType::float64);
      add(p, DType::int64);
      std::fill_n(field<double>(p, 0), cells, 0.0);
      std::fill_n(field<std::int64_t>(p, 1), cells, 0);
      break;
    case Family::var:
      add(p, DType::int64);
      add(p, DType::float64);
      add(p, DType::float64);
      std::fill_n(field<std::int64_t>(p, 0), cells, 0);
      std::fill_n(field<double>(p, 1), cells, 0.0);
      std::fill_n(field<double>(p, 2), cells, 0.0);
      break;
    case Family::arg:
      add(p, input);
      add(p, DType::int64);
      add(p, DType::int64);
      add(p, DType::int64);
      if (cells) std::memset(p[0].data.data(), 0, p[0].data.size());  // no data: null
      std::fill_n(field<std::int64_t>(p, 1), cells, -1);
      std::fill_n(field<std::int64_t>(p, 2), cells, 0);
      std::fill_n(field<std::int64_t>(p, 3), cells, 0);
      break;
    case Family::anyall:
      add(p, DType::bool_);
      std::fill_n(field<bool>(p, 0), cells, op.is_max);
      break;
  }
  return p;
}

// --- per-element updates, shared by the tiles and the merges -------------------------------

// Counts of elements added as partial results are merged. Real counts never overflow; those
// of a corrupt message wrap instead of being undefined behaviour.
std::int64_t count_add(std::int64_t a, std::int64_t b) noexcept {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) + static_cast<std::uint64_t>(b));
}

void merge_moments(std::int64_t& n, double& mean, double& m2, std::int64_t nb, double mean_b,
                   double m2_b) noexcept {
  if (nb == 0) return;
  if (n == 0) {
    n = nb;
    mean = mean_b;
    m2 = m2_b;
    return;
  }
  const auto total = static_cast<double>(count_add(n, nb));
  const double delta = mean_b - mean;
  mean += delta * static_cast<double>(nb) / total;
  m2 += m2_b + delta * delta * static_cast<double>(n) * static_cast<double>(nb) / total;
  n = count_add(n, nb);
}

// --- partial results of a block ----------------------------------------------------------------

/// The sum of n values as double, in four interleaved partial sums (which also pipelines).
/// It is what a reduction over a whole block does with each tile read from memory, one stream
/// that the hardware prefetcher runs too little ahead of: a hint 32 KiB ahead of each cache
/// line made x.std() read about 20 % faster here (median 15.7 -> 18.8 GB/s). Prefetches never
/// fault, so reading past the end of the values (or of a tile in cache) costs only the hint.
template <class T>
double sum_of(const T* x, std::int64_t n) noexcept {
  constexpr std::uintptr_t ahead = 32 << 10;
  double s[4] = {0, 0, 0, 0};
  std::int64_t j = 0;
  for (; j + 8 <= n; j += 8) {  // a 64-byte line of doubles per trip, a hint per line
    __builtin_prefetch(
        reinterpret_cast<const void*>(reinterpret_cast<std::uintptr_t>(x + j) + ahead));
    for (int u = 0; u < 4; ++u) s[u] += static_cast<double>(x[j + u]);
    for (int u = 0; u < 4; ++u) s[u] += static_cast<double>(x[j + 4 + u]);
  }
  for (; j + 4 <= n; j += 4) {
    for (int u = 0; u < 4; ++u) s[u] += static_cast<double>(x[j + u]);
  }
  for (; j < n; ++j) s[0] += static_cast<double>(x[j]);
  return (s[0] + s[1]) + (s[2] + s[3]);
}

/// Adds rows a, b, c and d to acc in double, in that order: four rows of a block summed along
/// its outer axis with one load and store of each cell, not four (x.mean(0) 1.3x faster than a
/// row at a time), and the same additions, so the same result to the last bit.
template <class T>
void add_four_rows(double* __restrict acc, const T* __restrict a, const T* __restrict b,
                   const T* __restrict c, const T* __restrict d, std::int64_t n) noexcept {
  for (std::int64_t j = 0; j < n; ++j) {
    acc[j] = (((acc[j] + static_cast<double>(a[j])) + static_cast<double>(b[j])) +
              static_cast<double>(c[j])) +
             static_cast<double>(d[j]);
  }
}

template <class T>
class PartialSink final : public TileSink {
 public:
  PartialSink(const OpInfo& op, Partial& p) : op_(op), p_(p) {}

  bool takes_rows_together() const noexcept override { return true; }

  void tiles(const void* const* values, int rows, std::int64_t n, const std::int64_t* bases,
             const std::int64_t* steps) override {
    const bool float_sum = op_.family == Family::sum && is_float_v<T>;
    if (rows != 4 || steps[0] != 1 || op_.nan_skip || !(float_sum || op_.family == Family::mean)) {
      TileSink::tiles(values, rows, n, bases, steps);
      return;
    }
    const std::int64_t cell = bases[0];
    add_four_rows(field<double>(p_, 0) + cell, static_cast<const T*>(values[0]),
                  static_cast<const T*>(values[1]), static_cast<const T*>(values[2]),
                  static_cast<const T*>(values[3]), n);
    if (op_.family == Family::mean) {
      std::int64_t* count = field<std::int64_t>(p_, 1) + cell;
      for (std::int64_t j = 0; j < n; ++j) count[j] += 4;
    }
  }

  void tile(const void* values, std::int64_t n, const std::int64_t* bases,
            const std::int64_t* steps) override {
    const T* x = static_cast<const T*>(values);
    const std::int64_t cell = bases[0], step = steps[0];
    switch (op_.family) {
      case Family::sum:
      case Family::prod:
        with_type(accumulator(dtype_of<T>()), [&](auto tag) {
          using A = typename decltype(tag)::type;
          accumulate<A>(field<A>(p_, 0), x, n, cell, step);
        });
        break;
      case Family::minmax:
        minmax(x, n, cell, step);
        break;
      case Family::mean:
        mean(x, n, cell, step);
        break;
      case Family::var:
        var(x, n, cell, step);
        break;
      case Family::arg:
        arg(x, n, cell, step, bases[1], steps[1]);
        break;
      case Family::anyall:
        anyall(x, n, cell, step);
        break;
    }
  }

 private:
  template <class A>
  void accumulate(A* acc, const T* x, std::int64_t n, std::int64_t cell, std::int64_t step) {
    const bool product = op_.family == Family::prod;
    if (step == 0) {
      A total = product ? A(1) : A(0);
      if (product) {
        for (std::int64_t j = 0; j < n; ++j) {
          if (!(op_.nan_skip && is_nan(x[j]))) total = wrap_mul(total, static_cast<A>(x[j]));
        }
        acc[cell] = wrap_mul(acc[cell], total);
      } else if constexpr (is_float_v<T>) {
        double s0 = 0;
        if (!op_.nan_skip) {
          s0 = sum_of(x, n);
        } else {
          for (std::int64_t j = 0; j < n; ++j) {
            if (!std::isnan(x[j])) s0 += x[j];
          }
        }
        acc[cell] += static_cast<A>(s0);
      } else {
        for (std::int64_t j = 0; j < n; ++j) total = wrap_add(total, static_cast<A>(x[j]));
        acc[cell] = wrap_add(acc[cell], total);
      }
      return;
    }
    for (std::int64_t j = 0; j < n; ++j) {
      A& a = acc[cell + j * step];
      if (op_.nan_skip && is_nan(x[j])) continue;
      a = product ? wrap_mul(a, static_cast<A>(x[j])) : wrap_add(a, static_cast<A>(x[j]));
    }
  }

  void minmax(const T* x, std::int64_t n, std::int64_t cell, std::int64_t step) {
    T* value = field<T>(p_, 0);
    std::int64_t* valid = field<std::int64_t>(p_, 1);
    std::int64_t* total = field<std::int64_t>(p_, 2);
    for (std::int64_t j = 0; j < n; ++j) {
      const std::int64_t c = cell + j * step;
      ++total[c];
      if (op_.nan_skip && is_nan(x[j])) continue;
      if (valid[c]++ == 0 || better(op_.nan_skip, op_.is_max, x[j], value[c])) value[c] = x[j];
    }
  }

  void mean(const T* x, std::int64_t n, std::int64_t cell, std::int64_t step) {
    double* sum = field<double>(p_, 0);
    std::int64_t* count = field<std::int64_t>(p_, 1);
    if (step == 0 && !op_.nan_skip) {
      sum[cell] += sum_of(x, n);
      count[cell] += n;
      return;
    }
    for (std::int64_t j = 0; j < n; ++j) {
      if (op_.nan_skip && is_nan(x[j])) continue;
      const std::int64_t c = cell + j * step;
      sum[c] += static_cast<double>(x[j]);
      ++count[c];
    }
  }

  void var(const T* x, std::int64_t n, std::int64_t cell, std::int64_t step) {
    std::int64_t* count = field<std::int64_t>(p_, 0);
    double* mean = field<double>(p_, 1);
    double* m2 = field<double>(p_, 2);
    if (step == 0) {  // the tile's own moments (two passes over cached data), then merged
      std::int64_t k = 0;
      double m = 0, squares = 0;
      if (op_.nan_skip) {
        double sum = 0;
        for (std::int64_t j = 0; j < n; ++j) {
          if (is_nan(x[j])) continue;
          sum += static_cast<double>(x[j]);
          ++k;
        }
        if (k == 0) return;
        m = sum / static_cast<double>(k);
        for (std::int64_t j = 0; j < n; ++j) {
          if (is_nan(x[j])) continue;
          const double d = static_cast<double>(x[j]) - m;
          squares += d * d;
        }
      } else {
        k = n;
        m = sum_of(x, n) / static_cast<double>(n);
        double q[4] = {0, 0, 0, 0};
        std::int64_t j = 0;
        for (; j + 4 <= n; j += 4) {
          for (int u = 0; u < 4; ++u) {
            const double d = static_cast<double>(x[j + u]) - m;
            q[u] += d * d;
          }
        }
        for (; j < n; ++j) {
          const double d = static_cast<double>(x[j]) - m;
          q[0] += d * d;
        }
        squares = (q[0] + q[1]) + (q[2] + q[3]);
      }
      merge_moments(count[cell], mean[cell], m2[cell], k, m, squares);
      return;
    }
    for (std::int64_t j = 0; j < n; ++j) {  // Welford's update per cell
      if (op_.nan_skip && is_nan(x[j])) continue;
      const std::int64_t c = cell + j * step;
      const auto v = static_cast<double>(x[j]);
      ++count[c];
      const double delta = v - mean[c];
      mean[c] += delta / static_cast<double>(count[c]);
      m2[c] += delta * (v - mean[c]);
    }
  }

  void arg(const T* x, std::int64_t n, std::int64_t cell, std::int64_t step, std::int64_t index,
           std::int64_t index_step) {
    T* value = field<T>(p_, 0);
    std::int64_t* where = field<std::int64_t>(p_, 1);
    std::int64_t* valid = field<std::int64_t>(p_, 2);
    std::int64_t* total = field<std::int64_t>(p_, 3);
    for (std::int64_t j = 0; j < n; ++j) {
      const std::int64_t c = cell + j * step;
      ++total[c];
      if (op_.nan_skip && is_nan(x[j])) continue;
      if (valid[c]++ == 0 || better(op_.nan_skip, op_.is_max, x[j], value[c])) {
        value[c] = x[j];
        where[c] = index + j * index_step;
      }
    }
  }

  void anyall(const T* x, std::int64_t n, std::int64_t cell, std::int64_t step) {
    bool* acc = field<bool>(p_, 0);
    for (std::int64_t j = 0; j < n; ++j) {
      bool& a = acc[cell + j * step];
      const bool truth = x[j] != T(0);
      a = op_.is_max ? (a && truth) : (a || truth);
    }
  }

  const OpInfo& op_;
  Partial& p_;
};

Shape cells_shape(const Shape& block_shape, const std::vector<std::uint8_t>& reduced) {
  Shape cells = block_shape;
  for (std::size_t d = 0; d < cells.size(); ++d) {
    if (reduced[d]) cells[d] = 1;
  }
  return cells;
}

// Merges partial `b` into `a`, cell by cell.
void merge(const OpInfo& op, DType input, Partial& a, const Partial& b) {
  const std::int64_t cells = a[0].size();
  if (b.size() != a.size() || b[0].shape != a[0].shape) {
    throw ArrayError(std::string(op.name) + ": partial results of different shapes " +
                     to_string(a[0].shape) + " and " + to_string(b[0].shape));
  }
  for (std::size_t k = 0; k < a.size(); ++k) {
    if (a[k].dtype != b[k].dtype)
      throw ArrayError(std::string(op.name) + ": partial results of different types");
    b[k].check();
  }
  switch (op.family) {
    case Family::sum:
    case Family::prod:
      with_type(accumulator(input), [&](auto tag) {
        using A = typename decltype(tag)::type;
        A* x = field<A>(a, 0);
        const A* y = field<A>(b, 0);
        for (std::int64_t c = 0; c < cells; ++c) {
          x[c] = op.family == Family::sum ? wrap_add(x[c], y[c]) : wrap_mul(x[c], y[c]);
        }
      });
      break;
    case Family::minmax:
      with_type(input, [&](auto tag) {
        using T = typename decltype(tag)::type;
        T* value = field<T>(a, 0);
        auto* valid = field<std::int64_t>(a, 1);
        auto* total = field<std::int64_t>(a, 2);
        for (std::int64_t c = 0; c < cells; ++c) {
          total[c] = count_add(total[c], field<std::int64_t>(b, 2)[c]);
          const std::int64_t other = field<std::int64_t>(b, 1)[c];
          if (other == 0) continue;
          const T v = field<T>(b, 0)[c];
          if (valid[c] == 0 || better(op.nan_skip, op.is_max, v, value[c])) value[c] = v;
          valid[c] = count_add(valid[c], other);
        }
      });
      break;
    case Family::mean:
      for (std::int64_t c = 0; c < cells; ++c) {
        field<double>(a, 0)[c] += field<double>(b, 0)[c];
        field<std::int64_t>(a, 1)[c] =
            count_add(field<std::int64_t>(a, 1)[c], field<std::int64_t>(b, 1)[c]);
      }
      break;
    case Family::var:
      for (std::int64_t c = 0; c < cells; ++c) {
        merge_moments(field<std::int64_t>(a, 0)[c], field<double>(a, 1)[c], field<double>(a, 2)[c],
                      field<std::int64_t>(b, 0)[c], field<double>(b, 1)[c], field<double>(b, 2)[c]);
      }
      break;
    case Family::arg:
      with_type(input, [&](auto tag) {
        using T = typename decltype(tag)::type;
        T* value = field<T>(a, 0);
        auto* where = field<std::int64_t>(a, 1);
        auto* valid = field<std::int64_t>(a, 2);
        auto* total = field<std::int64_t>(a, 3);
        for (std::int64_t c = 0; c < cells; ++c) {
          total[c] = count_add(total[c], field<std::int64_t>(b, 3)[c]);
          const std::int64_t other = field<std::int64_t>(b, 2)[c];
          if (other == 0) continue;
          const T v = field<T>(b, 0)[c];
          const std::int64_t i = field<std::int64_t>(b, 1)[c];
          // On equal values (or two NaNs) the smaller index wins, as NumPy's first occurrence.
          const bool take = valid[c] == 0 || better(op.nan_skip, op.is_max, v, value[c]) ||
                            (!better(op.nan_skip, op.is_max, value[c], v) && i < where[c]);
          if (take) {
            value[c] = v;
            where[c] = i;
          }
          valid[c] = count_add(valid[c], other);
        }
      });
      break;
    case Family::anyall:
      for (std::int64_t c = 0; c < cells; ++c) {
        bool& x = field<bool>(a, 0)[c];
        x = op.is_max ? (x && field<bool>(b, 0)[c]) : (x || field<bool>(b, 0)[c]);
      }
      break;
  }
}

Partial copy_partial(const Partial& p) {
  Partial copy;
  for (const Block& b : p) {
    Block c = Block::allocate(b.dtype, b.shape);
    if (b.data.size()) std::memcpy(c.data.data(), b.data.data(), b.data.size());
    copy.push_back(std::move(c));
  }
  return copy;
}

// A spec or partial result read from a message, checked before it is used: an unknown
// operation or type, a result type that is not the operation's, partial results whose fields
// are not the operation's.
void check_spec(const ReduceSpec& spec);

void check_partial(const ReduceSpec& spec, const Partial& p) {
  const OpInfo op = info(spec.op);
  const Partial expected = make_partial(op, spec.input.dtype, Shape{});
  bool fits = p.size() == expected.size();
  for (std::size_t k = 0; fits && k < p.size(); ++k) {
    fits = p[k].dtype == expected[k].dtype && p[k].shape == p[0].shape;
    if (fits) p[k].check();
  }
  if (!fits) {
    throw ArrayError(std::string(op.name) + ": a partial result of " + std::to_string(p.size()) +
                     " fields that is not one of " + op.name + " on " +
                     dtype_name(spec.input.dtype));
  }
}

}  // namespace

DType reduction_result(Reduction op, DType input) {
  switch (info(op).family) {
    case Family::sum:
    case Family::prod:
      return is_floating(input) ? input : accumulator(input);
    case Family::minmax:
      return input;
    case Family::mean:
    case Family::var:
      return division_result(input);
    case Family::arg:
      return DType::int64;
    case Family::anyall:
      return DType::bool_;
  }
  return input;
}

namespace {
void check_spec(const ReduceSpec& spec) {
  if (static_cast<unsigned>(spec.op) > static_cast<unsigned>(Reduction::nanargmax)) {
    throw ArrayError("array reduction: an unknown operation " +
                     std::to_string(static_cast<int>(spec.op)));
  }
  const OpInfo op = info(spec.op);
  if (static_cast<unsigned>(spec.input.dtype) > static_cast<unsigned>(DType::float64) ||
      static_cast<unsigned>(spec.result) > static_cast<unsigned>(DType::float64) ||
      spec.result != reduction_result(spec.op, spec.input.dtype)) {
    throw ArrayError(std::string(op.name) + ": a reduction spec of the wrong result type");
  }
  if (spec.reduced.size() != spec.input.grid.ndim() ||
      std::any_of(spec.reduced.begin(), spec.reduced.end(), [](auto r) { return r > 1; })) {
    throw ArrayError(std::string(op.name) + ": a reduction of the wrong number of axes");
  }
}
}  // namespace

PartialLayout partial_layout(const ReduceSpec& spec, std::int64_t block,
                             std::span<const Block> inputs) {
  check_spec(spec);
  const OpInfo op = info(spec.op);
  const ChunkGrid& grid = spec.input.grid;
  if (spec.reduced.size() != grid.ndim()) {
    throw ArrayError(std::string(op.name) + ": a reduction of the wrong number of axes");
  }
  if (block < 0 || block >= grid.blocks()) {
    throw ArrayError(std::string(op.name) + ": a block out of range");
  }
  PartialLayout layout;
  const Shape index = grid.block_index(block);
  layout.shape = block_shape(spec.input, block, inputs);
  const Shape start = grid.block_start(index);
  layout.cells = cells_shape(layout.shape, spec.reduced);
  const std::size_t nd = layout.shape.size();
  const auto cell_strides = c_strides(layout.cells);
  layout.cell.strides.assign(nd, 0);
  for (std::size_t d = 0; d < nd; ++d) {
    if (!spec.reduced[d]) layout.cell.strides[d] = cell_strides[d];
  }
  layout.index.strides.assign(nd, 0);
  std::size_t reduced_count = 0;
  for (auto r : spec.reduced) reduced_count += r;
  if (reduced_count == nd) {  // no axis given: the index in the flattened array
    layout.index.strides = c_strides(grid.shape());
  } else {
    for (std::size_t d = 0; d < nd; ++d) {
      if (spec.reduced[d]) layout.index.strides[d] = 1;
    }
  }
  for (std::size_t d = 0; d < nd; ++d) layout.index.base += start[d] * layout.index.strides[d];
  return layout;
}

ReduceKind reduce_kind(const ReduceSpec& spec) {
  const OpInfo op = info(spec.op);
  return ReduceKind{op.family, op.nan_skip, op.is_max, spec.input.dtype,
                    accumulator(spec.input.dtype)};
}

ReduceRuns reduce_runs(const ReduceSpec& spec, const PartialLayout& layout, std::int64_t run) {
  ReduceRuns runs;
  runs.ndim = static_cast<std::int32_t>(layout.shape.size());
  if (runs.ndim > flat_max_dims)
    throw ArrayError("reduce: too many dimensions for a device kernel");
  const auto strides = c_strides(layout.shape);
  std::int64_t size = 1;
  for (std::size_t d = 0; d < layout.shape.size(); ++d) {
    runs.shape[d] = layout.shape[d];
    runs.block_strides[d] = strides[d];
    runs.index_strides[d] = layout.index.strides[d];
    runs.reduced[d] = spec.reduced[d];
    size *= layout.shape[d];
  }
  runs.index_base = layout.index.base;
  for (std::int64_t n : layout.cells) runs.cells *= n;
  runs.per_cell = runs.cells ? size / runs.cells : 0;
  runs.run = run;
  runs.runs = runs.per_cell ? (runs.per_cell + run - 1) / run : 1;
  return runs;
}

namespace {
template <class Evaluate>
Partial partial_by(const ReduceSpec& spec, std::int64_t block, std::span<const Block> inputs,
                   Evaluate&& evaluate_into) {
  const OpInfo op = info(spec.op);
  const PartialLayout layout = partial_layout(spec, block, inputs);
  Partial p = make_partial(op, spec.input.dtype, layout.cells);
  std::vector<Stream> streams{layout.cell};
  if (op.family == Family::arg) streams.push_back(layout.index);
  with_type(spec.input.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    PartialSink<T> sink(op, p);
    evaluate_into(std::span<const Stream>(streams), sink);
  });
  return p;
}
}  // namespace

Partial partial_reduce(const ReduceSpec& spec, std::int64_t block, std::span<const Block> inputs) {
  return partial_by(spec, block, inputs, [&](std::span<const Stream> streams, TileSink& sink) {
    evaluate(spec.input, block, inputs, streams, sink);
  });
}

Partial partial_reduce(const ReduceSpec& spec, std::int64_t block, std::vector<Block>& inputs,
                       RowWindows& windows) {
  return partial_by(spec, block, inputs, [&](std::span<const Stream> streams, TileSink& sink) {
    evaluate_in_windows(spec.input, block, inputs, windows, streams, sink);
  });
}

Partial partial_from_states(const ReduceSpec& spec, const Shape& cells,
                            std::span<const ReduceState> states, std::int64_t segments) {
  const OpInfo op = info(spec.op);
  const DType input = spec.input.dtype;
  std::int64_t count = 1;
  for (std::int64_t n : cells) count *= n;
  if (static_cast<std::int64_t>(states.size()) != count * segments) {
    throw ArrayError(std::string(op.name) + ": reduction states of the wrong size");
  }
  Partial merged;
  for (std::int64_t s = 0; s < segments; ++s) {
    Partial p = make_partial(op, input, cells);
    for (std::int64_t c = 0; c < count; ++c) {
      const ReduceState& st = states[static_cast<std::size_t>(c * segments + s)];
      switch (op.family) {
        case Family::sum:
        case Family::prod:
          with_type(accumulator(input), [&](auto tag) {
            using A = typename decltype(tag)::type;
            field<A>(p, 0)[c] = get<A>(st.value);
          });
          break;
        case Family::minmax:
        case Family::arg:
          with_type(input, [&](auto tag) {
            using T = typename decltype(tag)::type;
            field<T>(p, 0)[c] = get<T>(st.value);
          });
          if (op.family == Family::minmax) {
            field<std::int64_t>(p, 1)[c] = st.valid;
            field<std::int64_t>(p, 2)[c] = st.total;
          } else {
            field<std::int64_t>(p, 1)[c] = st.index;
            field<std::int64_t>(p, 2)[c] = st.valid;
            field<std::int64_t>(p, 3)[c] = st.total;
          }
          break;
        case Family::mean:
          field<double>(p, 0)[c] = st.mean;
          field<std::int64_t>(p, 1)[c] = st.valid;
          break;
        case Family::var:
          field<std::int64_t>(p, 0)[c] = st.valid;
          field<double>(p, 1)[c] = st.mean;
          field<double>(p, 2)[c] = st.m2;
          break;
        case Family::anyall:
          field<bool>(p, 0)[c] = st.value.u != 0;
          break;
      }
    }
    if (s == 0) {
      merged = std::move(p);
    } else {
      merge(op, input, merged, p);
    }
  }
  return merged;
}

Partial combine_partials(const ReduceSpec& spec, const std::vector<Partial>& parts) {
  check_spec(spec);
  const OpInfo op = info(spec.op);
  if (parts.empty()) throw ArrayError(std::string(op.name) + ": nothing to combine");
  for (const Partial& part : parts) check_partial(spec, part);
  Partial merged = copy_partial(parts[0]);
  for (std::size_t i = 1; i < parts.size(); ++i) merge(op, spec.input.dtype, merged, parts[i]);
  return merged;
}

Block finish_reduction(const ReduceSpec& spec, const std::vector<Partial>& parts) {
  const OpInfo op = info(spec.op);
  const Partial p = combine_partials(spec, parts);
  Shape shape = p[0].shape;
  if (shape.size() != spec.reduced.size()) {
    throw ArrayError(std::string(op.name) + ": a partial result of shape " + to_string(shape) +
                     " for a reduction of " + std::to_string(spec.reduced.size()) + " axes");
  }
  const std::int64_t cells = p[0].size();
  Block out = Block::allocate(spec.result, shape);
  with_type(spec.result, [&](auto tag) {
    using R = typename decltype(tag)::type;
    R* r = reinterpret_cast<R*>(out.data.data());
    for (std::int64_t c = 0; c < cells; ++c) {
      switch (op.family) {
        case Family::sum:
        case Family::prod:
          with_type(accumulator(spec.input.dtype), [&](auto acc_tag) {
            using A = typename decltype(acc_tag)::type;
            r[c] = static_cast<R>(field<A>(p, 0)[c]);
          });
          break;
        case Family::minmax:
          if (field<std::int64_t>(p, 2)[c] == 0) {
            throw ArrayError(std::string(op.name) + ": zero-size array to reduction operation " +
                             (op.is_max ? "maximum" : "minimum") + " which has no identity");
          }
          if (field<std::int64_t>(p, 1)[c] == 0) {  // all NaN
            r[c] = static_cast<R>(std::numeric_limits<double>::quiet_NaN());
          } else {
            r[c] = field<R>(p, 0)[c];
          }
          break;
        case Family::mean: {
          const auto count = field<std::int64_t>(p, 1)[c];
          r[c] = static_cast<R>(count ? field<double>(p, 0)[c] / static_cast<double>(count)
                                      : std::numeric_limits<double>::quiet_NaN());
          break;
        }
        case Family::var: {
          const auto n = field<std::int64_t>(p, 0)[c];
          const auto divisor = static_cast<double>(
              std::max<std::int64_t>(count_add(n, -std::int64_t{spec.ddof}), 0));
          // Where ddof >= n, NumPy's var divides by 0 (inf); its nanvar gives NaN, except on
          // integers, where it is var.
          const bool nan_at_zero = op.nan_skip && is_floating(spec.input.dtype);
          double v = n && (divisor > 0 || !nan_at_zero) ? field<double>(p, 2)[c] / divisor
                                                        : std::numeric_limits<double>::quiet_NaN();
          if (op.is_std) v = std::sqrt(v);
          r[c] = static_cast<R>(v);
          break;
        }
        case Family::arg:
          if (field<std::int64_t>(p, 3)[c] == 0) {
            throw ArrayError(std::string(op.name) + ": attempt to get " + op.name +
                             " of an empty sequence");
          }
          if (field<std::int64_t>(p, 2)[c] == 0) {
            throw ArrayError(std::string(op.name) + ": All-NaN slice encountered");
          }
          r[c] = static_cast<R>(field<std::int64_t>(p, 1)[c]);
          break;
        case Family::anyall:
          r[c] = static_cast<R>(field<bool>(p, 0)[c]);
          break;
      }
    }
  });
  if (!spec.keepdims) {
    Shape kept;
    for (std::size_t d = 0; d < shape.size(); ++d) {
      if (!spec.reduced[d]) kept.push_back(shape[d]);
    }
    out.shape = std::move(kept);
  }
  return out;
}

// --- the layer -----------------------------------------------------------------------------------

namespace {
// Whether a compiled expression reads some block across its axes' order (a transpose).
bool reads_transposed(const Compiled& compiled) {
  for (const auto& source : compiled.sources) {
    int last = -1;
    for (int p : source.axis_map) {
      if (p < 0) continue;
      if (p < last) return true;
      last = p;
    }
  }
  return false;
}
}  // namespace

ReductionLayer::ReductionLayer(Handle input, ReduceSpec spec, std::int64_t split_every,
                               ChunkGrid grid, std::string name, Handle paired)
    : Layer(spec.result, std::move(grid), std::move(name)),
      input_(std::move(input)),
      spec_(std::move(spec)),
      split_every_(split_every),
      paired_(std::move(paired)) {}

NodePtr ReductionLayer::make_block(Lowering& lowering, std::int64_t linear) const {
  const auto& expression = lowering.expression(*input_);
  std::call_once(spec_once_, [&] {
    ReduceSpec spec = spec_;
    spec.input = expression.compiled.program;
    spec_node_ = delayed_value(std::move(spec));
  });
  const ChunkGrid& in = input_->grid;
  const Shape out_index = grid.block_index(linear);

  // The input blocks of this output block: the kept axes from the output index, every
  // combination of the reduced axes.
  Shape first(in.ndim(), 0);
  std::vector<std::size_t> reduced_axes;
  for (std::size_t d = 0, o = 0; d < in.ndim(); ++d) {
    if (spec_.reduced[d]) {
      reduced_axes.push_back(d);
      if (spec_.keepdims) ++o;
    } else {
      first[d] = out_index[o++];
    }
  }
  std::vector<Shape> order;
  Shape index = first;
  for (;;) {
    order.push_back(index);
    std::size_t k = reduced_axes.size();
    while (k > 0) {
      const std::size_t d = reduced_axes[k - 1];
      if (++index[d] < in.count(d)) break;
      index[d] = 0;
      --k;
    }
    if (k == 0) break;
  }
  if (reads_transposed(expression.compiled) && reduced_axes.size() == 2 &&
      in.count(reduced_axes[0]) == in.count(reduced_axes[1])) {
    // A block and its transpose (x + x.T): tasks (i, j) and (j, i) read the same two blocks,
    // so they go side by side, and the second finds them in cache.
    std::vector<Shape> paired;
    std::vector<bool> placed(order.size(), false);
    const std::int64_t n = in.count(reduced_axes[0]);
    auto position = [&](const Shape& at) {
      return static_cast<std::size_t>(at[reduced_axes[0]] * n + at[reduced_axes[1]]);
    };
    for (const Shape& at : order) {
      if (placed[position(at)]) continue;
      placed[position(at)] = true;
      paired.push_back(at);
      Shape partner = at;
      std::swap(partner[reduced_axes[0]], partner[reduced_axes[1]]);
      if (!placed[position(partner)]) {
        placed[position(partner)] = true;
        paired.push_back(std::move(partner));
      }
    }
    order = std::move(paired);
  }
  const Lowering::Expression* paired = nullptr;
  if (paired_ && reads_transposed(expression.compiled)) {
    paired = &lowering.expression(*paired_);
    std::call_once(paired_once_, [&] {
      ReduceSpec spec = spec_;
      spec.input = paired->compiled.program;
      paired_spec_node_ = delayed_value(std::move(spec));
    });
  }
  std::vector<NodePtr> level;
  for (const Shape& at : order) {
    if (paired && at[0] != at[1]) {
      if (at[0] > at[1]) continue;  // in the pair of (j, i)
      level.push_back(task_node<&partial_task>(block_key(name + "-pair", at), paired_spec_node_,
                                               in.linear(at),
                                               lowering.inputs(paired->compiled, at)));
      continue;
    }
    const std::int64_t b = in.linear(at);
    Key key = block_key(name + "-partial", at);
    NodePtr node = windowed_partial_node(lowering, key, spec_node_, b, expression.compiled, at);
    if (!node) {
      node = task_node<&partial_task>(std::move(key), spec_node_, b,
                                      lowering.inputs(expression.compiled, at));
    }
    level.push_back(std::move(node));
  }

  auto group = [&](std::size_t begin, std::size_t end) {
    std::vector<Delayed<Partial>> parts;
    for (std::size_t i = begin; i < end; ++i) parts.emplace_back(level[i]);
    return parts;
  };
  const auto fan_in = static_cast<std::size_t>(split_every_);
  for (int depth = 1; level.size() > fan_in; ++depth) {
    std::vector<NodePtr> next;
    for (std::size_t i = 0; i < level.size(); i += fan_in) {
      next.push_back(
          task_node<&combine_task>(block_key(name + "-combine-" + std::to_string(depth),
                                             {linear, static_cast<std::int64_t>(i / fan_in)}),
                                   spec_node_, group(i, std::min(level.size(), i + fan_in))));
    }
    level = std::move(next);
  }
  return task_node<&aggregate_task>(block_key(name, out_index), spec_node_, group(0, level.size()));
}

Handle reduce(Reduction op, const Handle& a, const Axes& axes, const ReduceOptions& options) {
  const OpInfo opi = info(op);
  check_valid(a, opi.name);
  const auto n = static_cast<int>(a->shape.size());
  std::vector<std::uint8_t> reduced(static_cast<std::size_t>(n), axes.all() ? 1 : 0);
  if (!axes.all()) {
    for (int axis : axes.list()) {
      if (axis < -n || axis >= n) {
        throw ArrayError(std::string(opi.name) + ": axis " + std::to_string(axis) +
                         " is out of bounds for an array of dimension " + std::to_string(n) +
                         " (shape " + to_string(a->shape) + ")");
      }
      auto& r = reduced[static_cast<std::size_t>(axis < 0 ? axis + n : axis)];
      if (r)
        throw ArrayError(std::string(opi.name) + ": axis " + std::to_string(axis) +
                         " is given twice");
      r = 1;
    }
    if (opi.family == Family::arg && axes.list().size() != 1) {
      throw ArrayError(std::string(opi.name) +
                       ": give one axis, or none for the index in the "
                       "flattened array (" +
                       std::to_string(axes.list().size()) + " were given)");
    }
  }
  if (opi.family == Family::arg && !a->grid.known()) {
    throw ArrayError(std::string(opi.name) + ": the array of shape " + to_string(a->shape) +
                     " has unknown chunk sizes; call compute_chunk_sizes() first");
  }
  if (options.ddof < 0) {
    throw ArrayError(std::string(opi.name) + ": ddof " + std::to_string(options.ddof) +
                     " is negative");
  }
  if (options.split_every != 0 && options.split_every < 2) {
    throw ArrayError(std::string(opi.name) + ": split_every " +
                     std::to_string(options.split_every) + " is below 2");
  }
  std::int64_t reduced_elements = 1;
  for (std::size_t d = 0; d < reduced.size(); ++d) {
    if (reduced[d]) reduced_elements *= a->shape[d];
  }
  std::int64_t kept_elements = 1;
  for (std::size_t d = 0; d < reduced.size(); ++d) {
    if (!reduced[d]) kept_elements *= a->shape[d];
  }
  if (reduced_elements == 0 && kept_elements > 0) {
    if (opi.family == Family::minmax) {
      throw ArrayError(std::string(opi.name) + ": zero-size array to reduction operation " +
                       (opi.is_max ? "maximum" : "minimum") + " which has no identity (shape " +
                       to_string(a->shape) + ")");
    }
    if (opi.family == Family::arg) {
      throw ArrayError(std::string(opi.name) + ": attempt to get " + opi.name +
                       " of an empty sequence (shape " + to_string(a->shape) + ")");
    }
  }

  ReduceSpec spec;
  spec.op = op;
  spec.reduced = reduced;
  spec.ddof = options.ddof;
  spec.result = reduction_result(op, a->dtype);
  spec.keepdims = options.keepdims;
  spec.input.dtype = a->dtype;
  Chunks chunks;
  for (std::size_t d = 0; d < reduced.size(); ++d) {
    if (!reduced[d]) {
      chunks.push_back(a->grid.lengths(d));
    } else if (options.keepdims) {
      chunks.push_back({1});
    }
  }
  (void)split_every_defined;
  const std::int64_t split_every =
      options.split_every ? options.split_every : config::get_int("array_split_every");
  const std::string name = unique_key(opi.name);
  Handle paired;
  if (op == Reduction::sum && reduced == std::vector<std::uint8_t>{1, 1} && a->grid.known() &&
      a->grid.count(0) > 1 && a->grid.lengths(0) == a->grid.lengths(1)) {
    const DType sum_type = accumulator(a->dtype);
    paired = binary(Binary::add, astype(a, sum_type), astype(transpose(a, {1, 0}), sum_type));
  }
  return array_of_layer(std::make_shared<ReductionLayer>(
      a, std::move(spec), split_every, ChunkGrid(chunks, opi.name), name, std::move(paired)));
}

}  // namespace tessera::detail::array
