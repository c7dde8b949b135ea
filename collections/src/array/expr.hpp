#pragma once
// The graph of an array before it is lowered to tasks. An array is an elementwise expression
// (Expr) over layers: a Layer makes blocks by tasks of its own (a source, a reduction, ...),
// and everything elementwise between layers — arithmetic, casts, broadcasting, transposes,
// generated values such as random numbers — stays in the expression, so that it runs fused,
// as one pass over the blocks it reads.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "grid.hpp"
#include "tessera/array/detail/untyped.hpp"

namespace tessera::detail::array {

class Lowering;

/// Makes the blocks of an array by tasks of its own.
class Layer {
 public:
  Layer(DType dtype, ChunkGrid grid, std::string name)
      : dtype(dtype), grid(std::move(grid)), name(std::move(name)) {}
  virtual ~Layer() = default;

  /// The node that makes block `linear` (C order of the grid); `lowering` gives the blocks
  /// of other arrays this one reads, and remembers what it made.
  virtual NodePtr make_block(Lowering& lowering, std::int64_t linear) const = 0;

  DType dtype;
  ChunkGrid grid;
  std::string name;  ///< prefix of the keys of its blocks
};
using LayerPtr = std::shared_ptr<const Layer>;

enum class ExprOp : std::uint8_t { load, constant, generate, unary, binary, where, cast };

enum class GeneratorKind : std::uint8_t { random, iota };

/// Values that are a function of the global index: seeded random numbers, arange, linspace.
struct Generator {
  GeneratorKind kind = GeneratorKind::iota;
  Distribution distribution = Distribution::uniform;
  std::uint64_t seed = 0;
  double a = 0;                  ///< random: low / mean; iota: start
  double b = 0;                  ///< random: high / stddev; iota: step
  std::int64_t last_index = -1;  ///< iota: the index whose value is `last` exactly (linspace)
  double last = 0;
  std::int64_t low = 0, high = 0;  ///< random integers in [low, high), exactly
  Shape shape;                     ///< the generated array's own shape (indices are C order in it)
};

struct Expr;
using ExprPtr = std::shared_ptr<const Expr>;

/// One node of an elementwise expression over the axes of the array it belongs to.
struct Expr {
  Expr() = default;
  Expr(const Expr&) = default;
  Expr& operator=(const Expr&) = default;
  /// Releases operands (and the arrays behind layers) in a loop, not recursively: a chain
  /// of a million operations must not overflow the stack when it goes.
  ~Expr();

  ExprOp op = ExprOp::constant;
  DType dtype = DType::float64;
  Unary unary = Unary::negative;
  Binary binary = Binary::add;
  std::vector<ExprPtr> operands;

  // load and generate: for each axis of the array, the axis of the source it reads, or -1
  // where the source has no such axis or has length 1 there (broadcast).
  std::vector<int> axis_map;
  LayerPtr layer;  ///< load
  /// load of a layer whose blocks carry a halo: per axis of the layer, where the element
  /// read for index 0 lies in its block and how much longer than the array's block the
  /// block is (empty: blocks of the grid's shape).
  std::vector<std::int64_t> halo;
  /// load and generate of part of the source (a slice fused into the expression): per axis
  /// of the source, the position read for index 0 of the array and the step from one index
  /// to the next, in the source's own positions (empty: position = index). A source axis
  /// that no axis of the array maps to is read at its first position. A load's array blocks
  /// each lie inside one block of its layer.
  std::vector<std::int64_t> view;
  Generator generator;  ///< generate
  Scalar scalar;        ///< constant
};

/// An array: its type, shape, grid of blocks and the expression of its elements.
struct ArrayNode {
  DType dtype = DType::float64;
  ChunkGrid grid;
  Shape shape;
  ExprPtr expr;
  std::string name;  ///< prefix of the keys of its blocks when they are computed

  /// The layer whose blocks this array is, if it is one unchanged.
  const Layer* plain_layer() const noexcept;
};

/// An array that is `layer`'s blocks unchanged.
Handle array_of_layer(LayerPtr layer);
/// An array of `expr` over the given grid; the name is made from `operation`.
Handle array_of_expr(ExprPtr expr, ChunkGrid grid, const char* operation);
/// The identity axis map of n axes.
std::vector<int> identity_map(std::size_t n);

}  // namespace tessera::detail::array
