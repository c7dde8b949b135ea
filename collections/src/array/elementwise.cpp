// Elementwise operations: result types, broadcasting and chunk alignment, and the expression
// that the blocks of the result evaluate.

#include <limits>
#include <string>
#include <unordered_map>

#include "expr.hpp"
#include "kernels.hpp"
#include "structure.hpp"
#include "tessera/array/errors.hpp"

namespace tessera::detail::array {
namespace {

const char* name_of(Unary op) {
  static const char* const names[] = {
      "negative", "positive", "abs",    "sign",   "square", "sqrt",     "cbrt",        "exp",
      "exp2",     "expm1",    "log",    "log2",   "log10",  "log1p",    "sin",         "cos",
      "tan",      "arcsin",   "arccos", "arctan", "sinh",   "cosh",     "tanh",        "floor",
      "ceil",     "trunc",    "rint",   "isnan",  "isinf",  "isfinite", "logical_not", "invert"};
  return names[static_cast<int>(op)];
}

const char* name_of(Binary op) {
  static const char* const names[] = {
      "add",        "subtract",    "multiply",    "divide",        "floor_divide",
      "remainder",  "power",       "maximum",     "minimum",       "fmax",
      "fmin",       "arctan2",     "hypot",       "equal",         "not_equal",
      "less",       "less_equal",  "greater",     "greater_equal", "logical_and",
      "logical_or", "logical_xor", "bitwise_and", "bitwise_or",    "bitwise_xor"};
  return names[static_cast<int>(op)];
}

ExprPtr cast_to(const ExprPtr& e, DType dtype) {
  if (e->dtype == dtype) return e;
  auto c = std::make_shared<Expr>();
  c->op = ExprOp::cast;
  c->dtype = dtype;
  c->operands = {e};
  return c;
}

// `e` (an expression over the axes of an array of shape `from`) as an expression over the
// axes of `to`, which `from` broadcasts to.
ExprPtr rebase(const ExprPtr& e, const Shape& from, const Shape& to,
               std::unordered_map<const Expr*, ExprPtr>& done) {
  if (from == to) return e;
  if (auto it = done.find(e.get()); it != done.end()) return it->second;
  ExprPtr result;
  if (e->op == ExprOp::load || e->op == ExprOp::generate) {
    auto leaf = std::make_shared<Expr>(*e);
    const std::size_t lead = to.size() - from.size();
    leaf->axis_map.assign(to.size(), -1);
    for (std::size_t d = lead; d < to.size(); ++d) {
      const std::size_t od = d - lead;
      if (from[od] == to[d]) leaf->axis_map[d] = e->axis_map[od];
    }
    result = leaf;
  } else if (e->operands.empty()) {
    result = e;
  } else {
    auto copy = std::make_shared<Expr>(*e);
    for (auto& operand : copy->operands) operand = rebase(operand, from, to, done);
    result = copy;
  }
  done.emplace(e.get(), result);
  return result;
}

// Operands broadcast together: the shape and grid of the result, and each operand's
// expression over the result's axes. Operands split differently along an axis are rechunked
// to the common refinement of their chunks (Dask's unify_chunks).
struct Broadcast {
  Shape shape;
  ChunkGrid grid;
  std::vector<ExprPtr> exprs;
};

std::string shapes_text(const std::vector<Handle>& arrays) {
  std::string text;
  for (std::size_t i = 0; i < arrays.size(); ++i) {
    if (i) text += i + 1 == arrays.size() ? " and " : ", ";
    text += to_string(arrays[i]->shape);
  }
  return text;
}

Broadcast broadcast(const std::vector<Handle>& arrays, const char* operation) {
  std::size_t n = 0;
  for (const auto& a : arrays) n = std::max(n, a->shape.size());
  Broadcast out;
  out.shape.assign(n, 1);
  auto unknown_error = [&](std::size_t d) {
    return ArrayError(std::string(operation) + ": shapes " + shapes_text(arrays) +
                      " have unknown chunk sizes along axis " + std::to_string(d) +
                      " that cannot be matched; call compute_chunk_sizes() first");
  };
  for (const auto& a : arrays) {
    const std::size_t lead = n - a->shape.size();
    for (std::size_t d = lead; d < n; ++d) {
      const std::int64_t len = a->shape[d - lead];
      if (len == 1) continue;
      if (out.shape[d] != 1 && out.shape[d] != len) {
        if (len < 0 || out.shape[d] < 0) throw unknown_error(d);
        throw ArrayError(std::string(operation) + ": shapes " + shapes_text(arrays) +
                         " do not broadcast");
      }
      out.shape[d] = len;
    }
  }
  Chunks chunks(n, std::vector<std::int64_t>{1});
  for (std::size_t d = 0; d < n; ++d) {
    bool first = true;
    for (const auto& a : arrays) {
      const std::size_t lead = n - a->shape.size();
      if (d < lead || a->shape[d - lead] == 1) continue;
      auto lengths = a->grid.lengths(d - lead);
      if (first) {
        chunks[d] = std::move(lengths);
        first = false;
      } else if (lengths != chunks[d]) {
        if (out.shape[d] < 0) throw unknown_error(d);
        chunks[d] = common_refinement(chunks[d], lengths);
      }
    }
  }
  // An axis of length 0 in some operand: every operand is 0 long there or broadcasts.
  for (const auto& a : arrays) {
    const std::size_t lead = n - a->shape.size();
    for (std::size_t d = lead; d < n; ++d) {
      if (a->shape[d - lead] == 0 && out.shape[d] == 1) {
        out.shape[d] = 0;
        chunks[d] = {0};
      }
    }
  }
  out.grid = ChunkGrid(chunks, operation);
  for (const auto& given : arrays) {
    Handle a = given;
    const std::size_t lead = n - a->shape.size();
    Chunks own = a->grid.chunks();
    bool differs = false;
    for (std::size_t d = lead; d < n; ++d) {
      if (a->shape[d - lead] != 1 && own[d - lead] != chunks[d]) {
        own[d - lead] = chunks[d];
        differs = true;
      }
    }
    if (differs) a = rechunk_to(a, own, 0, operation);
    std::unordered_map<const Expr*, ExprPtr> done;
    out.exprs.push_back(rebase(a->expr, a->shape, out.shape, done));
  }
  return out;
}

void check_bool_arithmetic(Binary op, DType common) {
  if (common != DType::bool_) return;
  switch (op) {
    case Binary::subtract:
      throw ArrayError(
          "subtract: bool arrays cannot be subtracted (as in NumPy); use "
          "bitwise_xor or logical_xor");
    case Binary::floor_divide:
    case Binary::remainder:
    case Binary::power:
      throw ArrayError(std::string(name_of(op)) +
                       ": not supported for bool arrays (NumPy gives int8, which tessera "
                       "does not have); convert with astype<std::int32_t>() first");
    default:
      break;
  }
}

DType binary_result(Binary op, DType common, DType& operand) {
  check_bool_arithmetic(op, common);
  operand = common;
  switch (op) {
    case Binary::divide:
      operand = division_result(common);
      return operand;
    case Binary::arctan2:
    case Binary::hypot:
      operand = floating_result(common);
      return operand;
    case Binary::bitwise_and:
    case Binary::bitwise_or:
    case Binary::bitwise_xor:
      if (is_floating(common)) {
        throw ArrayError(std::string(name_of(op)) + ": not supported for " + dtype_name(common) +
                         " arrays (only integers and bool)");
      }
      return common;
    case Binary::logical_and:
    case Binary::logical_or:
    case Binary::logical_xor:
      operand = DType::bool_;
      return DType::bool_;
    default:
      return reference::is_predicate(op) ? DType::bool_ : common;
  }
}

ExprPtr binary_expr(Binary op, DType result, DType operand, ExprPtr a, ExprPtr b) {
  auto e = std::make_shared<Expr>();
  e->op = ExprOp::binary;
  e->binary = op;
  e->dtype = result;
  e->operands = {cast_to(a, operand), cast_to(b, operand)};
  return e;
}

ExprPtr constant(Scalar s, DType dtype) {
  auto e = std::make_shared<Expr>();
  e->op = ExprOp::constant;
  e->dtype = dtype;
  e->scalar = s;
  return e;
}

// Whether an integer scalar is within the range of an integer type (NumPy 2 refuses others).
bool scalar_fits(Scalar s, DType dtype) {
  if (s.kind != ScalarKind::integer || !is_integer(dtype)) return true;
  if (s.f > 0 && s.i < 0) return dtype == DType::uint64;  // an unsigned value above int64's
  switch (dtype) {
    case DType::uint8:
      return s.i >= 0 && s.i <= 255;
    case DType::int32:
      return s.i >= INT32_MIN && s.i <= INT32_MAX;
    case DType::uint64:
      return s.i >= 0;
    default:
      return true;
  }
}

void check_scalar_fits(Scalar s, DType dtype, const char* operation) {
  if (!scalar_fits(s, dtype)) {
    const std::string value = s.f > 0 && s.i < 0 ? std::to_string(s.u) : std::to_string(s.i);
    throw ArrayError(std::string(operation) + ": the integer " + value + " is out of bounds for " +
                     dtype_name(dtype) + " (as in NumPy 2; convert the array with astype first)");
  }
}

bool is_comparison(Binary op) { return op >= Binary::equal && op <= Binary::greater_equal; }

// NumPy 2 answers the comparison of an integer array with an integer outside its type's range:
// the same for every element.
bool out_of_range_comparison(Binary op, Scalar s, bool scalar_first) {
  const bool above = s.f > 0;  // the scalar is above every element (else below every one)
  const bool left_less = scalar_first ? !above : above;  // never equal
  switch (op) {
    case Binary::equal:
      return false;
    case Binary::not_equal:
      return true;
    case Binary::less:
    case Binary::less_equal:
      return left_less;
    default:  // greater, greater_equal
      return !left_less;
  }
}

}  // namespace

void check_valid(const Handle& a, const char* operation) {
  if (!a) {
    throw ArrayError(std::string(operation) +
                     ": the array is empty (default-constructed); "
                     "assign it from an array operation first");
  }
}

DType dtype(const Handle& a) { return a->dtype; }
const Shape& shape(const Handle& a) { return a->shape; }
Chunks chunks(const Handle& a) { return a->grid.chunks(); }
Shape numblocks(const Handle& a) { return a->grid.numblocks(); }

std::string summary(const Handle& a) {
  std::int64_t elements = 1;
  for (std::int64_t n : a->shape) elements *= n;
  Shape chunksize;
  for (std::size_t d = 0; d < a->grid.ndim(); ++d) chunksize.push_back(a->grid.length(d, 0));
  const double bytes = static_cast<double>(elements) * static_cast<double>(itemsize(a->dtype));
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  double value = bytes;
  int unit = 0;
  while (value >= 1024 && unit < 5) {
    value /= 1024;
    ++unit;
  }
  char size[32];
  std::snprintf(size, sizeof size, unit ? "%.1f %s" : "%.0f %s", value, units[unit]);
  if (!a->grid.known()) std::snprintf(size, sizeof size, "nan B");
  return std::string("tessera.Array<") + dtype_name(a->dtype) + ", shape=" + to_string(a->shape) +
         ", chunksize=" + to_string(chunksize) + ", blocks=" + std::to_string(a->grid.blocks()) +
         ", " + size + ">";
}

Handle unary(Unary op, const Handle& a) {
  check_valid(a, name_of(op));
  DType operand = a->dtype;
  DType result = a->dtype;
  const bool is_bool = a->dtype == DType::bool_;
  switch (op) {
    case Unary::negative:
    case Unary::sign:
    case Unary::square:
      if (is_bool) {
        throw ArrayError(std::string(name_of(op)) +
                         ": not supported for bool arrays (as in "
                         "NumPy); use logical_not or invert (~)");
      }
      break;
    case Unary::invert:
      if (is_floating(a->dtype)) {
        throw ArrayError(std::string("invert: not supported for ") + dtype_name(a->dtype) +
                         " arrays (only integers and bool)");
      }
      break;
    case Unary::positive:
      if (is_bool) {
        throw ArrayError(
            "positive: not supported for bool arrays (as in NumPy); convert with astype first");
      }
      break;
    case Unary::abs:
    case Unary::floor:
    case Unary::ceil:
    case Unary::trunc:
      break;
    case Unary::isnan:
    case Unary::isinf:
    case Unary::isfinite:
    case Unary::logical_not:
      result = DType::bool_;
      break;
    default:  // the floating functions
      operand = result = floating_result(a->dtype);
      break;
  }
  if (op == Unary::positive) return a;
  auto e = std::make_shared<Expr>();
  e->op = ExprOp::unary;
  e->unary = op;
  e->dtype = result;
  e->operands = {cast_to(a->expr, operand)};
  return array_of_expr(std::move(e), a->grid, name_of(op));
}

Handle binary(Binary op, const Handle& a, const Handle& b) {
  check_valid(a, name_of(op));
  check_valid(b, name_of(op));
  DType operand;
  const DType result = binary_result(op, promote(a->dtype, b->dtype), operand);
  Broadcast bc = broadcast({a, b}, name_of(op));
  return array_of_expr(binary_expr(op, result, operand, bc.exprs[0], bc.exprs[1]),
                       std::move(bc.grid), name_of(op));
}

Handle binary_scalar(Binary op, const Handle& a, Scalar s, bool scalar_first) {
  check_valid(a, name_of(op));
  const DType common = promote_with_scalar(a->dtype, s.kind);
  DType operand;
  const DType result = binary_result(op, common, operand);
  if (is_comparison(op) && !scalar_fits(s, operand)) {
    return array_of_expr(
        constant(Scalar::of(out_of_range_comparison(op, s, scalar_first)), DType::bool_), a->grid,
        name_of(op));
  }
  // Only a scalar that becomes an integer must fit (true division and logical operations
  // convert it to float64 or bool).
  check_scalar_fits(s, operand, name_of(op));
  ExprPtr c = constant(s, operand);  // -2 for uint8 / -2 is -2.0, not 254
  ExprPtr x = a->expr;
  return array_of_expr(scalar_first ? binary_expr(op, result, operand, c, x)
                                    : binary_expr(op, result, operand, x, c),
                       a->grid, name_of(op));
}

Handle where(const Handle& condition, const Handle& a, const Handle& b) {
  check_valid(condition, "where");
  check_valid(a, "where");
  check_valid(b, "where");
  const DType result = promote(a->dtype, b->dtype);
  Broadcast bc = broadcast({condition, a, b}, "where");
  auto e = std::make_shared<Expr>();
  e->op = ExprOp::where;
  e->dtype = result;
  e->operands = {cast_to(bc.exprs[0], DType::bool_), cast_to(bc.exprs[1], result),
                 cast_to(bc.exprs[2], result)};
  return array_of_expr(std::move(e), std::move(bc.grid), "where");
}

Handle astype(const Handle& a, DType dtype) {
  check_valid(a, "astype");
  if (a->dtype == dtype) return a;
  return array_of_expr(cast_to(a->expr, dtype), a->grid, "astype");
}

Handle transpose(const Handle& a, const std::vector<int>& axes_in) {
  check_valid(a, "transpose");
  const auto n = static_cast<int>(a->shape.size());
  std::vector<int> axes = axes_in;
  if (axes.empty()) {
    for (int d = n - 1; d >= 0; --d) axes.push_back(d);
  }
  std::vector<bool> seen(static_cast<std::size_t>(n), false);
  bool valid = static_cast<int>(axes.size()) == n;
  for (int& axis : axes) {
    if (!valid) break;
    if (axis < 0) axis += n;
    valid = axis >= 0 && axis < n && !seen[static_cast<std::size_t>(axis)];
    if (valid) seen[static_cast<std::size_t>(axis)] = true;
  }
  if (!valid) {
    std::string given;
    for (std::size_t i = 0; i < axes_in.size(); ++i)
      given += (i ? ", " : "") + std::to_string(axes_in[i]);
    throw ArrayError("transpose: axes (" + given + ") are not a permutation of the " +
                     std::to_string(n) + " axes of shape " + to_string(a->shape));
  }
  bool identity = true;
  for (int d = 0; d < n; ++d) identity = identity && axes[static_cast<std::size_t>(d)] == d;
  if (identity) return a;

  std::unordered_map<const Expr*, ExprPtr> done;
  std::function<ExprPtr(const ExprPtr&)> permute = [&](const ExprPtr& e) -> ExprPtr {
    if (auto it = done.find(e.get()); it != done.end()) return it->second;
    ExprPtr result;
    if (e->op == ExprOp::load || e->op == ExprOp::generate) {
      auto leaf = std::make_shared<Expr>(*e);
      for (int d = 0; d < n; ++d) {
        leaf->axis_map[static_cast<std::size_t>(d)] =
            e->axis_map[static_cast<std::size_t>(axes[static_cast<std::size_t>(d)])];
      }
      result = leaf;
    } else if (e->operands.empty()) {
      result = e;
    } else {
      auto copy = std::make_shared<Expr>(*e);
      for (auto& operand : copy->operands) operand = permute(operand);
      result = copy;
    }
    done.emplace(e.get(), result);
    return result;
  };
  Chunks chunks;
  for (int d = 0; d < n; ++d)
    chunks.push_back(a->grid.lengths(static_cast<std::size_t>(axes[static_cast<std::size_t>(d)])));
  return array_of_expr(permute(a->expr), ChunkGrid(chunks, "transpose"), "transpose");
}

// --- values that are a function of the index --------------------------------------------------

namespace {
ExprPtr generator_expr(DType dtype, Generator g, const Shape& shape) {
  auto e = std::make_shared<Expr>();
  e->op = ExprOp::generate;
  e->dtype = dtype;
  e->axis_map = identity_map(shape.size());
  g.shape = shape;
  e->generator = std::move(g);
  return e;
}

Handle generated(DType dtype, Generator g, const Shape& shape, const ChunkSpec& chunks,
                 const char* operation) {
  return array_of_expr(generator_expr(dtype, std::move(g), shape),
                       ChunkGrid(normalize_chunks(chunks, shape, dtype, operation), operation),
                       operation);
}
}  // namespace

Handle full(DType dtype, const Shape& shape, Scalar value, const ChunkSpec& chunks) {
  return array_of_expr(constant(value, dtype),
                       ChunkGrid(normalize_chunks(chunks, shape, dtype, "full"), "full"), "full");
}

Handle arange(DType dtype, double start, double step, std::int64_t count, const ChunkSpec& chunks) {
  Generator g;
  g.kind = GeneratorKind::iota;
  g.a = start;
  g.b = step;
  return generated(dtype, g, {count}, chunks, "arange");
}

Handle linspace(DType dtype, double start, double stop, std::int64_t count, bool endpoint,
                const ChunkSpec& chunks) {
  if (count < 0)
    throw ArrayError("linspace: the number of samples " + std::to_string(count) + " is negative");
  Generator g;
  g.kind = GeneratorKind::iota;
  g.a = start;
  const std::int64_t div = endpoint ? count - 1 : count;
  g.b = div > 0 ? (stop - start) / static_cast<double>(div) : 0;
  if (endpoint && count > 1) {
    g.last_index = count - 1;
    g.last = stop;
  }
  if (is_integer(dtype)) {  // NumPy 2 rounds the values towards minus infinity
    auto floor = std::make_shared<Expr>();
    floor->op = ExprOp::unary;
    floor->unary = Unary::floor;
    floor->dtype = DType::float64;
    floor->operands = {generator_expr(DType::float64, g, {count})};
    return array_of_expr(
        cast_to(floor, dtype),
        ChunkGrid(normalize_chunks(chunks, {count}, dtype, "linspace"), "linspace"), "linspace");
  }
  return generated(dtype, g, {count}, chunks, "linspace");
}

Handle random(DType dtype, Distribution distribution, std::uint64_t seed, double a, double b,
              const Shape& shape, const ChunkSpec& chunks) {
  const char* operation = distribution == Distribution::uniform  ? "random.uniform"
                          : distribution == Distribution::normal ? "random.normal"
                                                                 : "random.integers";
  if (distribution == Distribution::integers) {
    constexpr double limit = 0x1p63;  // doubles in [-limit, limit) convert to int64
    if (!(a >= -limit && a < limit && b >= -limit && b < limit)) {
      throw ArrayError(std::string(operation) + ": low " + std::to_string(a) + " or high " +
                       std::to_string(b) + " is not an int64");
    }
    return random_integers(dtype, seed, static_cast<std::int64_t>(a), static_cast<std::int64_t>(b),
                           shape, chunks);
  }
  if (distribution == Distribution::normal && !(b >= 0)) {
    throw ArrayError(std::string(operation) + ": the standard deviation " + std::to_string(b) +
                     " is negative");
  }
  Generator g;
  g.kind = GeneratorKind::random;
  g.distribution = distribution;
  g.seed = seed;
  g.a = a;
  g.b = b;
  return generated(dtype, g, shape, chunks, operation);
}

Handle random_integers(DType dtype, std::uint64_t seed, std::int64_t low, std::int64_t high,
                       const Shape& shape, const ChunkSpec& chunks) {
  const char* operation = "random.integers";
  if (!(low < high)) {
    throw ArrayError(std::string(operation) + ": low " + std::to_string(low) +
                     " is not below high " + std::to_string(high));
  }
  // The values must fit the type: NumPy's "high is out of bounds for int32".
  std::int64_t least = 0, most = std::numeric_limits<std::int64_t>::max();
  if (dtype == DType::int64) least = std::numeric_limits<std::int64_t>::min();
  if (dtype == DType::int32) least = std::numeric_limits<std::int32_t>::min();
  if (dtype == DType::int32) most = std::int64_t{std::numeric_limits<std::int32_t>::max()} + 1;
  if (dtype == DType::uint8) most = 256;
  if (low < least || high > most) {
    throw ArrayError(std::string(operation) + ": low " + std::to_string(low) + " and high " +
                     std::to_string(high) + " are out of bounds for " + dtype_name(dtype) +
                     " (expected " + std::to_string(least) +
                     " <= low < high <= " + std::to_string(most) + ")");
  }
  Generator g;
  g.kind = GeneratorKind::random;
  g.distribution = Distribution::integers;
  g.seed = seed;
  g.low = low;
  g.high = high;
  return generated(dtype, g, shape, chunks, operation);
}

}  // namespace tessera::detail::array
