#include "expr.hpp"

#include "tessera/key.hpp"

namespace tessera::detail::array {

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
  return node;
}

}  // namespace tessera::detail::array
