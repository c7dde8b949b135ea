#include "expr.hpp"

#include <iterator>
#include <unordered_set>

#include "lowering.hpp"
#include "tessera/key.hpp"

namespace tessera::detail::array {
namespace {

// Operations fused into one program at most. A longer expression (x = x + 1 ten thousand
// times) is computed block by block as a layer of its own, and what follows reads those
// blocks: compiling, evaluating (a tile of scratch per operation and thread) and destroying
// an expression all go as deep as it is.
constexpr std::size_t max_fused = 512;

bool too_long(const Expr& root) {
  std::unordered_set<const Expr*> seen{&root};
  std::vector<const Expr*> stack{&root};
  while (!stack.empty()) {
    const Expr* e = stack.back();
    stack.pop_back();
    for (const ExprPtr& operand : e->operands) {
      if (seen.insert(operand.get()).second) stack.push_back(operand.get());
    }
    if (seen.size() > max_fused) return true;
  }
  return false;
}

// The blocks of an array's expression, as a layer: each block one elementwise task.
class ComputedLayer final : public Layer {
 public:
  explicit ComputedLayer(Handle array)
      : Layer(array->dtype, array->grid, array->name), array_(std::move(array)) {}
  NodePtr make_block(Lowering& lowering, std::int64_t linear) const override {
    return lowering.block(*array_, linear);
  }

 private:
  Handle array_;
};

// The operands that the outermost ~Expr of this thread releases, or null outside one.
thread_local std::vector<ExprPtr>* releasing = nullptr;

}  // namespace

Expr::~Expr() {
  if (releasing) {  // inside an outer ~Expr, perhaps through a layer and its array
    for (ExprPtr& operand : operands) releasing->push_back(std::move(operand));
    return;
  }
  std::vector<ExprPtr> pending(std::make_move_iterator(operands.begin()),
                               std::make_move_iterator(operands.end()));
  releasing = &pending;
  while (!pending.empty()) {
    ExprPtr last = std::move(pending.back());
    pending.pop_back();
    last.reset();  // may push its own operands
  }
  releasing = nullptr;
}

std::vector<int> identity_map(std::size_t n) {
  std::vector<int> map(n);
  for (std::size_t d = 0; d < n; ++d) map[d] = static_cast<int>(d);
  return map;
}

const Layer* ArrayNode::plain_layer() const noexcept {
  if (expr->op != ExprOp::load || expr->layer->dtype != dtype) return nullptr;
  if (!expr->halo.empty() || !expr->view.empty()) return nullptr;  // reads part of its blocks
  if (expr->layer->grid.ndim() != grid.ndim()) return nullptr;
  for (std::size_t d = 0; d < grid.ndim(); ++d) {
    if (expr->axis_map[d] != static_cast<int>(d) || !grid.same_axis(d, expr->layer->grid, d)) {
      return nullptr;
    }
  }
  return expr->layer.get();
}

Handle array_of_layer(LayerPtr layer) {
  auto expr = std::make_shared<Expr>();
  expr->op = ExprOp::load;
  expr->dtype = layer->dtype;
  expr->axis_map = identity_map(layer->grid.ndim());
  auto node = std::make_shared<ArrayNode>();
  node->dtype = layer->dtype;
  node->grid = layer->grid;
  node->shape = layer->grid.shape();
  node->name = layer->name;
  expr->layer = std::move(layer);
  node->expr = std::move(expr);
  return node;
}

Handle array_of_expr(ExprPtr expr, ChunkGrid grid, const char* operation) {
  auto node = std::make_shared<ArrayNode>();
  node->dtype = expr->dtype;
  node->shape = grid.shape();
  node->grid = std::move(grid);
  node->expr = std::move(expr);
  node->name = unique_key(operation);
  if (too_long(*node->expr)) return array_of_layer(std::make_shared<ComputedLayer>(node));
  return node;
}

}  // namespace tessera::detail::array
