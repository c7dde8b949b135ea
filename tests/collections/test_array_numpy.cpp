// tessera::Array against NumPy itself: numpy_cases.py (run by ctest as a fixture, in a virtual
// environment of the build tree) writes cases with NumPy's inputs and answers as .npy files;
// these tests run each case with tessera, on the sync and threads schedulers and with several
// chunkings, and compare values (integers and bools exactly, floats within a tolerance) and
// result types.
//
// Where tessera deliberately differs from NumPy the case says so (note=) and numpy_cases.py
// writes what tessera promises instead: tessera has no float16 (sqrt, sin, ... of uint8 and
// bool give float32, computed as NumPy does on float32 inputs) and no int8 (floor_divide,
// remainder and power of bools, square of bools are errors instead of int8 results).
// A known difference that no case covers: comparisons between int64 and uint64 arrays go
// through float64 (NumPy 2 compares them exactly: 2^53 + 1 and 2^53 differ).

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "array/dispatch.hpp"
#include "npy.hpp"
#include "tessera/array.hpp"

namespace {

namespace da = tessera::detail::array;
using tessera::DType;
using tessera::Shape;

struct Case {
  std::string line;
  std::string id;
  std::string op;  // "binary:add", "reduce:var", "astype", ...
  std::map<std::string, std::string> params;

  std::string param(const std::string& key, const std::string& otherwise = "") const {
    auto it = params.find(key);
    return it == params.end() ? otherwise : it->second;
  }
  bool flag(const std::string& key) const { return param(key, "0") == "1"; }
};

std::string cases_directory() {
  const char* dir = std::getenv("TESSERA_NUMPY_CASES");
  return dir ? dir : "";
}

std::vector<Case> read_cases(const std::string& dir) {
  std::ifstream in(dir + "/cases.txt");
  std::vector<Case> cases;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream words(line);
    Case c;
    c.line = line;
    words >> c.id >> c.op;
    std::string word;
    while (words >> word) {
      const auto eq = word.find('=');
      c.params[word.substr(0, eq)] = eq == std::string::npos ? "" : word.substr(eq + 1);
    }
    cases.push_back(std::move(c));
  }
  return cases;
}

template <class E, std::size_t N>
E enum_named(const std::string& name, const char* const (&names)[N]) {
  for (std::size_t i = 0; i < N; ++i) {
    if (name == names[i]) return static_cast<E>(i);
  }
  throw std::runtime_error("no operation named " + name);
}

// In the order of the enums of tessera/array/detail/untyped.hpp.
const char* const unary_names[] = {
    "negative", "positive", "abs",    "sign",   "square", "sqrt",     "cbrt",        "exp",
    "exp2",     "expm1",    "log",    "log2",   "log10",  "log1p",    "sin",         "cos",
    "tan",      "arcsin",   "arccos", "arctan", "sinh",   "cosh",     "tanh",        "floor",
    "ceil",     "trunc",    "rint",   "isnan",  "isinf",  "isfinite", "logical_not", "invert"};
const char* const binary_names[] = {
    "add",        "subtract",    "multiply",    "divide",        "floor_divide",
    "remainder",  "power",       "maximum",     "minimum",       "fmax",
    "fmin",       "arctan2",     "hypot",       "equal",         "not_equal",
    "less",       "less_equal",  "greater",     "greater_equal", "logical_and",
    "logical_or", "logical_xor", "bitwise_and", "bitwise_or",    "bitwise_xor"};
const char* const reduction_names[] = {"sum",     "prod",   "min",     "max",       "mean",
                                       "var",     "std",    "argmin",  "argmax",    "any",
                                       "all",     "nansum", "nanprod", "nanmin",    "nanmax",
                                       "nanmean", "nanvar", "nanstd",  "nanargmin", "nanargmax"};

DType dtype_named(const std::string& name) {
  for (int d = 0; d <= static_cast<int>(DType::float64); ++d) {
    if (name == tessera::dtype_name(static_cast<DType>(d))) return static_cast<DType>(d);
  }
  throw std::runtime_error("no dtype named " + name);
}

// Chunkings of the inputs: 0 one block, k > 0 blocks of k along every axis (ragged last ones).
tessera::ChunkSpec chunking(const Shape& shape, int mode) {
  return tessera::ChunkSpec(Shape(shape.size(), mode == 0 ? -1 : mode));
}

da::Scalar scalar_of(const Case& c, const std::string& key = "value") {
  const std::string kind = c.param("kind");
  const std::string text = c.param(key);
  if (kind == "bool") return da::Scalar::of(text == "1");
  if (kind == "int") return da::Scalar::of(static_cast<std::int64_t>(std::stoll(text)));
  if (kind == "uint") return da::Scalar::of(static_cast<std::uint64_t>(std::stoull(text)));
  return da::Scalar::of(std::strtod(text.c_str(), nullptr));
}

tessera::Axes axes_of(const std::string& text) {
  if (text == "all") return {};
  if (text == "none") return tessera::Axes::none();
  std::vector<int> axes;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) axes.push_back(std::stoi(item));
  return tessera::Axes(axes);
}

// Calls f(scalar) with the case's scalar as the C++ type its kind names.
template <class F>
auto with_scalar(const Case& c, const std::string& key, F&& f) {
  const std::string kind = c.param("kind");
  const std::string text = c.param(key);
  if (kind == "bool") return f(text == "1");
  if (kind == "int") return f(static_cast<std::int64_t>(std::stoll(text)));
  return f(std::strtod(text.c_str(), nullptr));
}

// The array the case's operation gives on its inputs.
da::Handle run_case(const Case& c, const std::vector<npy::File>& inputs, int mode) {
  std::vector<da::Handle> in;
  for (const auto& f : inputs) {
    in.push_back(da::from_host(f.dtype, f.data.data(), f.shape, chunking(f.shape, mode)));
  }
  const auto colon = c.op.find(':');
  const std::string family = c.op.substr(0, colon);
  const std::string name = colon == std::string::npos ? "" : c.op.substr(colon + 1);
  if (family == "unary") return da::unary(enum_named<da::Unary>(name, unary_names), in.at(0));
  if (family == "binary") {
    return da::binary(enum_named<da::Binary>(name, binary_names), in.at(0), in.at(1));
  }
  if (family == "scalar") {
    return da::binary_scalar(enum_named<da::Binary>(name, binary_names), in.at(0), scalar_of(c),
                             c.flag("first"));
  }
  if (family == "reduce") {
    tessera::ReduceOptions options;
    options.keepdims = c.flag("keepdims");
    options.ddof = std::stoi(c.param("ddof", "0"));
    options.split_every = mode == 1 ? 2 : 0;
    return da::reduce(enum_named<da::Reduction>(name, reduction_names), in.at(0),
                      axes_of(c.param("axis")), options);
  }
  if (family == "astype") return da::astype(in.at(0), dtype_named(c.param("dtype")));
  if (family == "where") return da::where(in.at(0), in.at(1), in.at(2));
  // The typed functions of tessera/array.hpp, for the element type of the input.
  if (family == "where_scalar") {
    return da::with_type(inputs.at(1).dtype, [&](auto tag) {
      using A = typename decltype(tag)::type;
      const tessera::Array<bool> condition(in.at(0));
      const tessera::Array<A> x(in.at(1));
      return with_scalar(c, "value",
                         [&](auto s) { return tessera::where(condition, x, s).handle(); });
    });
  }
  if (family == "clip") {
    return da::with_type(inputs.at(0).dtype, [&](auto tag) {
      using A = typename decltype(tag)::type;
      const tessera::Array<A> x(in.at(0));
      return with_scalar(c, "low", [&](auto low) {
        return tessera::clip(
                   x, low,
                   static_cast<decltype(low)>(std::strtod(c.param("high").c_str(), nullptr)))
            .handle();
      });
    });
  }
  if (family == "clip_arrays") {
    return da::with_type(inputs.at(0).dtype, [&](auto tag) {
      using A = typename decltype(tag)::type;
      return tessera::clip(tessera::Array<A>(in.at(0)), tessera::Array<A>(in.at(1)),
                           tessera::Array<A>(in.at(2)))
          .handle();
    });
  }
  const tessera::ChunkSpec chunks = mode == 0 ? tessera::ChunkSpec{-1} : tessera::ChunkSpec{mode};
  const double start = std::strtod(c.param("start").c_str(), nullptr);
  const double stop = std::strtod(c.param("stop").c_str(), nullptr);
  if (family == "arange") {
    const double step = std::strtod(c.param("step").c_str(), nullptr);
    return da::with_type(dtype_named(c.param("dtype")), [&](auto tag) {
      using T = typename decltype(tag)::type;
      return tessera::arange<T>(start, stop, step, chunks).handle();
    });
  }
  if (family == "linspace") {
    return da::with_type(dtype_named(c.param("dtype")), [&](auto tag) {
      using T = typename decltype(tag)::type;
      return tessera::linspace<T>(start, stop, std::stoll(c.param("num")), c.flag("endpoint"),
                                  chunks)
          .handle();
    });
  }
  throw std::runtime_error("unknown operation " + c.op);
}

template <class T>
std::string text_of(T v) {
  std::ostringstream out;
  out.precision(17);
  if constexpr (std::is_same_v<T, std::uint8_t> || std::is_same_v<T, bool>) {
    out << static_cast<int>(v);
  } else {
    out << v;
  }
  return out.str();
}

// "" if `got` is `expected`, else what differs.
std::string difference(const tessera::Block& got, const npy::File& expected, bool signed_zero) {
  if (got.dtype != expected.dtype) {
    return std::string("dtype ") + tessera::dtype_name(got.dtype) + ", NumPy " +
           tessera::dtype_name(expected.dtype);
  }
  if (got.shape != expected.shape) {
    return "shape " + tessera::to_string(got.shape) + ", NumPy " +
           tessera::to_string(expected.shape);
  }
  return da::with_type(got.dtype, [&](auto tag) -> std::string {
    using T = typename decltype(tag)::type;
    const auto values = got.values<T>();
    const T* want = expected.as<T>();
    for (std::size_t i = 0; i < values.size(); ++i) {
      const T g = values[i];
      const T w = want[i];
      bool same;
      if constexpr (std::is_floating_point_v<T>) {
        const double rtol = std::is_same_v<T, float> ? 1e-5 : 1e-12;
        const double atol = std::is_same_v<T, float> ? 1e-6 : 1e-12;
        if (std::isnan(w) || std::isinf(w)) {
          same = std::isnan(w) ? std::isnan(g) : g == w;
        } else {
          same = std::fabs(static_cast<double>(g) - static_cast<double>(w)) <=
                 atol + rtol * std::fabs(static_cast<double>(w));
          if (same && signed_zero && w == 0) same = std::signbit(g) == std::signbit(w);
        }
      } else {
        same = g == w;
      }
      if (!same) {
        return "element " + std::to_string(i) + " is " + text_of(g) + ", NumPy " + text_of(w);
      }
    }
    return std::string();
  });
}

// Whether an error message names the case's operation.
bool names_operation(const std::string& op, const std::string& what) {
  const auto colon = op.find(':');
  const std::string name = colon == std::string::npos ? op : op.substr(colon + 1);
  if (name == "where_scalar") return what.find("where") != std::string::npos;
  if (name == "clip" || name == "clip_arrays") {  // minimum(maximum(x, low), high)
    return what.find("maximum") != std::string::npos || what.find("minimum") != std::string::npos;
  }
  return what.find(name) != std::string::npos;
}

struct Tally {
  int run = 0;
  int failed = 0;
};

// Runs every case on the current client with the given chunkings.
void run_cases(const std::vector<int>& modes, Tally& tally) {
  const std::string dir = cases_directory();
  REQUIRE_FALSE(dir.empty());  // set by ctest, which generates the cases first
  const auto cases = read_cases(dir);
  REQUIRE(cases.size() > 1000);
  for (const Case& c : cases) {
    if (c.param("platform") == "x86_64") {
#if !defined(__x86_64__)
      continue;
#endif
    }
    std::vector<npy::File> inputs;
    for (int k = 0;; ++k) {
      const std::string path = dir + "/" + c.id + ".in" + std::to_string(k) + ".npy";
      if (!std::ifstream(path)) break;
      inputs.push_back(npy::read(path));
    }
    const bool error = c.flag("error");
    std::optional<npy::File> expected;
    if (!error) expected = npy::read(dir + "/" + c.id + ".out.npy");
    for (int mode : modes) {
      ++tally.run;
      std::string problem;
      try {
        const tessera::Block got = da::compute(run_case(c, inputs, mode));
        problem = error ? "gave a result where NumPy raises an error"
                        : difference(got, *expected, c.flag("signed_zero"));
      } catch (const tessera::Error& e) {
        const std::string what = e.what();
        if (!error) {
          problem = std::string("threw: ") + what;
        } else if (!names_operation(c.op, what)) {
          problem = "the error does not name the operation: " + what;
        }
      }
      if (!problem.empty()) {
        ++tally.failed;
        FAIL_CHECK(c.line << " (chunks of " << mode << "): " << problem);
      }
    }
  }
}

}  // namespace

TEST_CASE("results match NumPy's on the generated cases on the sync scheduler", "[.][numpy]") {
  tessera::Client client(tessera::ClientOptions{"sync"});
  Tally tally;
  run_cases({0, 1, 2}, tally);
  CHECK(tally.failed == 0);
  CHECK(tally.run > 3000);
}

TEST_CASE("results match NumPy's on the generated cases on the threads scheduler", "[.][numpy]") {
  tessera::Client client(tessera::ClientOptions{"threads", 4});
  Tally tally;
  run_cases({2}, tally);
  CHECK(tally.failed == 0);
}

TEST_CASE("npy files written by the tests read back with their type, shape and values") {
  const std::string path = "tessera-npy-roundtrip.npy";
  for (const Shape& shape : {Shape{}, Shape{0}, Shape{3}, Shape{2, 3, 4}}) {
    std::int64_t n = 1;
    for (auto d : shape) n *= d;
    std::vector<std::int32_t> values(static_cast<std::size_t>(n));
    for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<std::int32_t>(i) - 5;
    npy::write(path, DType::int32, shape, values.data());
    const npy::File f = npy::read(path);
    CHECK(f.dtype == DType::int32);
    CHECK(f.shape == shape);
    CHECK(std::vector<std::int32_t>(f.as<std::int32_t>(), f.as<std::int32_t>() + n) == values);
  }
  const bool flags[] = {true, false, true};
  npy::write(path, DType::bool_, {3}, flags);
  CHECK(npy::read(path).dtype == DType::bool_);
  CHECK(npy::dtype_of_descr("<f4") == DType::float32);
  CHECK_THROWS_WITH(npy::dtype_of_descr("<f2"), Catch::Contains("'<f2' is not one of tessera's"));
  CHECK_THROWS_WITH(npy::read("no-such-file.npy"), Catch::Contains("cannot be opened"));
  std::remove(path.c_str());
}
