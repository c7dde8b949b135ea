// Reductions against a plain C++ reference: every operation, every element type, every subset
// of the axes of a 3-d array with ragged and one-element chunks, keepdims, split_every from 2
// to 8, on the sync and threads schedulers.

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "tessera/array.hpp"

namespace {

using tessera::Array;
using tessera::Shape;
using R = tessera::detail::array::Reduction;

const char* const names[] = {"sum",     "prod",   "min",     "max",       "mean",
                             "var",     "std",    "argmin",  "argmax",    "any",
                             "all",     "nansum", "nanprod", "nanmin",    "nanmax",
                             "nanmean", "nanvar", "nanstd",  "nanargmin", "nanargmax"};

bool is_arg(R op) {
  return op == R::argmin || op == R::argmax || op == R::nanargmin || op == R::nanargmax;
}
bool skips_nan(R op) { return op >= R::nansum; }

template <class T>
bool isnan_of(T v) {
  if constexpr (std::is_floating_point_v<T>) {
    return std::isnan(v);
  } else {
    (void)v;
    return false;
  }
}

// Values of T for a reduction test: small integers (sums fit, products wrap as in NumPy),
// floats with a few NaN if `nans`.
template <class T>
std::vector<T> sample(std::int64_t n, bool nans) {
  std::vector<T> v(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    const std::int64_t k = (i * 7919 + 13) % 11;
    if constexpr (std::is_same_v<T, bool>) {
      v[static_cast<std::size_t>(i)] = k % 3 != 0;
    } else if constexpr (std::is_floating_point_v<T>) {
      v[static_cast<std::size_t>(i)] = static_cast<T>((k - 5) * 0.375 + 1.0 / (i + 3));
      if (nans && i % 9 == 4) v[static_cast<std::size_t>(i)] = std::numeric_limits<T>::quiet_NaN();
    } else if constexpr (std::is_signed_v<T>) {
      v[static_cast<std::size_t>(i)] = static_cast<T>(k - 5);
    } else {
      v[static_cast<std::size_t>(i)] = static_cast<T>(k);
    }
  }
  return v;
}

// The reference of op over `values` (C order of the reduced elements); `index` holds the
// index each value has for argmin/argmax.
template <class T>
double reference(R op, const std::vector<T>& values, const std::vector<std::int64_t>& index,
                 int ddof) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> kept;
  bool has_nan = false;
  for (T v : values) {
    if (isnan_of(v)) {
      has_nan = true;
      if (skips_nan(op)) continue;
    }
    kept.push_back(static_cast<double>(v));
  }
  const auto n = static_cast<double>(kept.size());
  auto mean = [&] {
    double s = 0;
    for (double v : kept) s += v;
    return s / n;
  };
  switch (op) {
    case R::sum:
    case R::nansum:
    case R::prod:
    case R::nanprod: {
      const bool product = op == R::prod || op == R::nanprod;
      if constexpr (std::is_floating_point_v<T>) {
        double r = product ? 1 : 0;
        for (double v : kept) r = product ? r * v : r + v;
        return r;
      } else {  // wraps around as NumPy's integer sums and products
        std::uint64_t r = product ? 1 : 0;
        for (T v : values) {
          const auto u = static_cast<std::uint64_t>(static_cast<std::int64_t>(v));
          r = product ? r * u : r + u;
        }
        if constexpr (std::is_unsigned_v<T>) return static_cast<double>(r);
        return static_cast<double>(static_cast<std::int64_t>(r));
      }
    }
    case R::min:
    case R::max:
    case R::nanmin:
    case R::nanmax: {
      if (has_nan && !skips_nan(op)) return nan;
      if (kept.empty()) return nan;
      double r = kept[0];
      for (double v : kept) r = (op == R::min || op == R::nanmin) ? std::min(r, v) : std::max(r, v);
      return r;
    }
    case R::mean:
    case R::nanmean:
      return kept.empty() ? nan : mean();
    case R::var:
    case R::std:
    case R::nanvar:
    case R::nanstd: {
      if (kept.empty()) return nan;
      const double m = mean();
      double squares = 0;
      for (double v : kept) squares += (v - m) * (v - m);
      const double var = squares / (n - ddof);
      return (op == R::std || op == R::nanstd) ? std::sqrt(var) : var;
    }
    case R::argmin:
    case R::argmax:
    case R::nanargmin:
    case R::nanargmax: {
      const bool is_min = op == R::argmin || op == R::nanargmin;
      std::size_t best = values.size();
      for (std::size_t i = 0; i < values.size(); ++i) {
        if (isnan_of(values[i])) {
          if (skips_nan(op)) continue;
          best = i;  // the first NaN wins
          break;
        }
        if (best == values.size() ||
            (is_min ? values[i] < values[best] : values[i] > values[best])) {
          best = i;
        }
      }
      return static_cast<double>(index[best]);
    }
    case R::any:
      for (T v : values) {
        if (v != T(0)) return 1;
      }
      return 0;
    case R::all:
      for (T v : values) {
        if (v == T(0)) return 0;
      }
      return 1;
  }
  return nan;
}

// x.<op>(axes, options) through the typed API, as doubles.
template <class T>
std::vector<double> computed(R op, const Array<T>& x, const tessera::Axes& axes,
                             const tessera::ReduceOptions& o, Shape& shape) {
  auto as_doubles = [&](const auto& array) {
    const auto host = array.compute();
    shape = host.shape();
    std::vector<double> out;
    for (auto v : host.values()) out.push_back(static_cast<double>(v));
    return out;
  };
  switch (op) {
    case R::sum:
      return as_doubles(x.sum(axes, o));
    case R::prod:
      return as_doubles(x.prod(axes, o));
    case R::min:
      return as_doubles(x.min(axes, o));
    case R::max:
      return as_doubles(x.max(axes, o));
    case R::mean:
      return as_doubles(x.mean(axes, o));
    case R::var:
      return as_doubles(x.var(axes, o));
    case R::std:
      return as_doubles(x.std(axes, o));
    case R::argmin:
      return as_doubles(x.argmin(axes, o));
    case R::argmax:
      return as_doubles(x.argmax(axes, o));
    case R::any:
      return as_doubles(x.any(axes, o));
    case R::all:
      return as_doubles(x.all(axes, o));
    case R::nansum:
      return as_doubles(x.nansum(axes, o));
    case R::nanprod:
      return as_doubles(x.nanprod(axes, o));
    case R::nanmin:
      return as_doubles(x.nanmin(axes, o));
    case R::nanmax:
      return as_doubles(x.nanmax(axes, o));
    case R::nanmean:
      return as_doubles(x.nanmean(axes, o));
    case R::nanvar:
      return as_doubles(x.nanvar(axes, o));
    case R::nanstd:
      return as_doubles(x.nanstd(axes, o));
    case R::nanargmin:
      return as_doubles(x.nanargmin(axes, o));
    case R::nanargmax:
      return as_doubles(x.nanargmax(axes, o));
  }
  return {};
}

bool close(double got, double want, bool single) {
  if (std::isnan(want)) return std::isnan(got);
  const double tolerance = single ? 1e-5 : 1e-10;
  return std::fabs(got - want) <= tolerance * (1 + std::fabs(want));
}

// Every reduction of a (5, 6, 4) array of T in blocks of (2, 4, 1) along every subset of axes.
template <class T>
void check_all_reductions(bool nans, int& runs) {
  const Shape shape{5, 6, 4};
  const std::vector<T> values = sample<T>(120, nans);
  const auto x = tessera::from_vector(values, shape, tessera::ChunkSpec{2, 4, 1});
  int split_every = 2;
  for (int op_index = 0; op_index < 20; ++op_index) {
    const auto op = static_cast<R>(op_index);
    for (int mask = 0; mask < 8; ++mask) {  // the reduced axes, bit d for axis d
      const int count = (mask & 1) + ((mask >> 1) & 1) + ((mask >> 2) & 1);
      const bool all_axes = mask == 7;
      if (is_arg(op) && count != 1 && !all_axes) continue;
      for (bool keepdims : {false, true}) {
        if (is_arg(op) && all_axes && keepdims) continue;
        std::vector<int> list;
        for (int d = 0; d < 3; ++d) {
          if (mask >> d & 1) list.push_back(d - (d == 2 ? 3 : 0));  // axis 2 as -1
        }
        const tessera::Axes axes =
            all_axes && (mask + keepdims) % 2 ? tessera::Axes() : tessera::Axes(list);
        tessera::ReduceOptions options;
        options.keepdims = keepdims;
        options.split_every = split_every;
        options.ddof = (op == R::var || op == R::nanstd) ? 1 : 0;
        split_every = split_every == 8 ? 2 : split_every + 1;

        // The reference, cell by cell of the kept axes.
        Shape out_shape;
        for (int d = 0; d < 3; ++d) {
          if (!(mask >> d & 1)) {
            out_shape.push_back(shape[static_cast<std::size_t>(d)]);
          } else if (keepdims) {
            out_shape.push_back(1);
          }
        }
        std::vector<double> expected;
        for (std::int64_t i = 0; i < (mask & 1 ? 1 : 5); ++i) {
          for (std::int64_t j = 0; j < (mask & 2 ? 1 : 6); ++j) {
            for (std::int64_t k = 0; k < (mask & 4 ? 1 : 4); ++k) {
              std::vector<T> cell;
              std::vector<std::int64_t> index;
              for (std::int64_t a = 0; a < 5; ++a) {
                for (std::int64_t b = 0; b < 6; ++b) {
                  for (std::int64_t c = 0; c < 4; ++c) {
                    if ((!(mask & 1) && a != i) || (!(mask & 2) && b != j) ||
                        (!(mask & 4) && c != k))
                      continue;
                    const std::int64_t flat = (a * 6 + b) * 4 + c;
                    cell.push_back(values[static_cast<std::size_t>(flat)]);
                    index.push_back(all_axes ? flat : (mask & 1 ? a : mask & 2 ? b : c));
                  }
                }
              }
              expected.push_back(reference(op, cell, index, options.ddof));
            }
          }
        }
        INFO(tessera::dtype_name(tessera::dtype_of<T>())
             << " " << names[op_index] << " axes mask " << mask << " keepdims " << keepdims
             << " split_every " << options.split_every << (nans ? " with NaN" : ""));
        ++runs;
        Shape got_shape;
        std::vector<double> got;
        try {
          got = computed(op, x, axes, options, got_shape);
        } catch (const tessera::Error& e) {
          // Only an all-NaN slice of nanargmin/nanargmax is an error here.
          const bool all_nan_slice = std::string(e.what()).find("All-NaN") != std::string::npos;
          CHECK(all_nan_slice);
          continue;
        }
        CHECK(got_shape == out_shape);
        REQUIRE(got.size() == expected.size());
        const bool single = std::is_same_v<T, float>;
        for (std::size_t c = 0; c < got.size(); ++c) {
          if (!close(got[c], expected[c], single)) {
            FAIL_CHECK("cell " << c << ": " << got[c] << ", expected " << expected[c]);
            break;
          }
        }
      }
    }
  }
}

void check_every_type(int& runs) {
  check_all_reductions<bool>(false, runs);
  check_all_reductions<std::uint8_t>(false, runs);
  check_all_reductions<std::int32_t>(false, runs);
  check_all_reductions<std::int64_t>(false, runs);
  check_all_reductions<std::uint64_t>(false, runs);
  check_all_reductions<float>(false, runs);
  check_all_reductions<double>(false, runs);
  check_all_reductions<float>(true, runs);
  check_all_reductions<double>(true, runs);
}

}  // namespace

TEST_CASE("every reduction of every type along every set of axes matches a reference (sync)") {
  tessera::Client client(tessera::ClientOptions{"sync"});
  int runs = 0;
  check_every_type(runs);
  CHECK(runs > 2000);
}

TEST_CASE("every reduction of every type along every set of axes matches a reference (threads)") {
  tessera::Client client(tessera::ClientOptions{"threads", 3});
  int runs = 0;
  check_every_type(runs);
  CHECK(runs > 2000);
}

TEST_CASE("var and std stay accurate for data far from zero over many blocks") {
  tessera::Client client(tessera::ClientOptions{"threads", 2});
  const std::int64_t n = 100000;
  std::vector<double> values(static_cast<std::size_t>(n));
  double mean = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    values[static_cast<std::size_t>(i)] = 1e9 + static_cast<double>((i * 37) % 1000) * 1e-3;
    mean += values[static_cast<std::size_t>(i)];
  }
  mean /= static_cast<double>(n);
  double squares = 0;
  for (double v : values) squares += (v - mean) * (v - mean);
  for (std::int64_t chunk : {n, 1000L, 777L}) {
    const auto x = tessera::from_vector(values, tessera::ChunkSpec{chunk});
    CHECK(x.var().compute().item() == Approx(squares / n).epsilon(1e-6));
    CHECK(x.std({}, {.ddof = 1}).compute().item() ==
          Approx(std::sqrt(squares / (n - 1))).epsilon(1e-6));
    CHECK(x.mean().compute().item() == Approx(mean).epsilon(1e-15));
  }
}

TEST_CASE("reductions along no axis give the input as the result type") {
  tessera::Client client(tessera::ClientOptions{"sync"});
  const auto x =
      tessera::from_vector<std::uint8_t>({1, 2, 3, 250, 0, 7}, {2, 3}, tessera::ChunkSpec{1, 2});
  const auto s = x.sum(tessera::Axes::none());
  static_assert(std::is_same_v<decltype(s), const Array<std::uint64_t>>);
  CHECK(s.shape() == Shape{2, 3});
  CHECK(s.compute().to_vector() == std::vector<std::uint64_t>{1, 2, 3, 250, 0, 7});
  CHECK(x.max(tessera::Axes::none(), {.keepdims = true}).compute().to_vector() ==
        std::vector<std::uint8_t>{1, 2, 3, 250, 0, 7});
  CHECK(x.mean(tessera::Axes::none()).compute()(1, 0) == 250.0);
}

TEST_CASE("reductions of empty arrays: sums are 0, means NaN, along an empty kept axis empty") {
  tessera::Client client(tessera::ClientOptions{"sync"});
  const auto e = tessera::zeros<double>({0, 4}, tessera::ChunkSpec{2, 2});
  CHECK(e.sum().compute().item() == 0.0);
  CHECK(e.prod().compute().item() == 1.0);
  CHECK(std::isnan(e.mean().compute().item()));
  CHECK(e.sum(0).compute().to_vector() == std::vector<double>{0, 0, 0, 0});
  CHECK(e.max(1).compute().shape() == Shape{0});
  CHECK(e.any().compute().item() == false);
  CHECK(e.all().compute().item() == true);
  CHECK(e.argmax(1).compute().size() == 0);
}

TEST_CASE(
    "sums and means along outer axes of blocks read as they are add each cell's values in "
    "order, to the last bit") {
  // Blocks of a stored array that a reduction reads as they are hand their rows to the
  // reduction four at a time; each cell must still add its values one by one, in order, as
  // the same reduction of an expression (one row at a time) and a plain loop do.
  tessera::Client client(tessera::ClientOptions{"threads", 2});
  const std::int64_t rows = 13, columns = 600;  // 3 groups of 4 rows and one left; 2 tiles a row
  std::vector<double> values(static_cast<std::size_t>(rows * columns));
  for (std::size_t i = 0; i < values.size(); ++i) {
    values[i] = 1.0 / static_cast<double>(i % 97 + 1) + static_cast<double>(i % 7) * 1e8;
  }
  std::vector<double> sums(static_cast<std::size_t>(columns), 0.0);
  for (std::int64_t r = 0; r < rows; ++r) {
    for (std::int64_t c = 0; c < columns; ++c) {
      sums[static_cast<std::size_t>(c)] += values[static_cast<std::size_t>(r * columns + c)];
    }
  }
  // One block along the reduced axis: the block's partial sums are the results.
  const auto whole = tessera::from_vector(values, {rows, columns}, tessera::ChunkSpec{rows, 250});
  CHECK(whole.sum(0).compute().to_vector() == sums);
  std::vector<double> means(sums);
  for (double& m : means) m /= static_cast<double>(rows);
  CHECK(whole.mean(0).compute().to_vector() == means);

  const std::vector<float> singles(values.begin(), values.end());
  const auto narrow = tessera::from_vector(singles, {rows, columns}, tessera::ChunkSpec{rows, 600});
  std::vector<double> float_sums(static_cast<std::size_t>(columns), 0.0);
  for (std::int64_t r = 0; r < rows; ++r) {
    for (std::int64_t c = 0; c < columns; ++c) {
      float_sums[static_cast<std::size_t>(c)] +=
          static_cast<double>(singles[static_cast<std::size_t>(r * columns + c)]);
    }
  }
  const auto float_result = narrow.sum(0).compute().to_vector();
  REQUIRE(float_result.size() == float_sums.size());
  for (std::size_t c = 0; c < float_sums.size(); ++c) {
    CHECK(float_result[c] == static_cast<float>(float_sums[c]));
  }

  // Several blocks, a 3-d array and other axes: the same as the expression x * 1 (exact), which
  // the reduction evaluates a row at a time.
  const auto x = tessera::from_vector(values, {6, 10, 130}, tessera::ChunkSpec{5, 7, 130});
  const auto same = x * 1.0;
  for (const tessera::Axes& axes :
       {tessera::Axes(0), tessera::Axes({0, 1}), tessera::Axes(1), tessera::Axes()}) {
    CHECK(x.sum(axes).compute().to_vector() == same.sum(axes).compute().to_vector());
    CHECK(x.mean(axes).compute().to_vector() == same.mean(axes).compute().to_vector());
  }
  // Not the nan-variants: a NaN is skipped, whatever row it is in.
  std::vector<double> with_nan(values.begin(), values.begin() + 8 * 5);
  with_nan[13] = std::numeric_limits<double>::quiet_NaN();
  const auto y = tessera::from_vector(with_nan, {8, 5}, tessera::ChunkSpec{8, 5});
  const auto nansums = y.nansum(0).compute().to_vector();
  CHECK(nansums[3] == with_nan[3] + with_nan[8] + with_nan[18] + with_nan[23] + with_nan[28] +
                          with_nan[33] + with_nan[38]);
  CHECK(std::isnan(y.sum(0).compute().to_vector()[3]));
  CHECK(y.nanmean(0).compute().to_vector()[3] == Approx(nansums[3] / 7));
}
