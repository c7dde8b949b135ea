#pragma once
// Delayed<T>: a lazy result. delayed(fn)(args...) records a call without running it; a
// Delayed may be the argument of another, so a program builds a graph by calling functions.
//
//   auto x = tessera::delayed(inc)(1);
//   auto y = tessera::delayed(add)(x, 10);   // depends on x
//   int v = y.compute();                      // runs inc, then add

#include <array>
#include <memory>
#include <span>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "tessera/future.hpp"
#include "tessera/key.hpp"
#include "tessera/task.hpp"
#include "tessera/value.hpp"

namespace tessera {

template <class T>
class Delayed;

namespace detail {

struct Node;
using NodePtr = std::shared_ptr<const Node>;

/// An argument of a recorded call: a literal, the result of another call, or of a future.
using NodeArg = std::variant<Value, NodePtr, FutureRef>;

/// One recorded call; immutable once built. A node without code stands for a value: the
/// literal args[0] (delayed_value) or the future args[0] (a persisted result). The
/// arguments live in the derived object, in the same allocation as the node.
struct Node {
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  Key key;
  std::shared_ptr<const TaskCode> code;  ///< shared by all calls of one function
  int retries = 0;
  bool chosen_key = false;  ///< explicit or pure: other nodes may have the same key
  std::shared_ptr<const Placement> placement;  ///< null: anywhere
  std::span<const NodeArg> args;

  bool is_task() const noexcept { return code != nullptr; }

  // Scratch space of the lowering to a plan, which holds a global lock while it uses it.
  mutable std::uint64_t lowering_epoch = 0;
  mutable std::uint32_t plan_index = 0;

 protected:
  Node() = default;
  ~Node() = default;
};

/// A node with N arguments (the size a call site knows at compile time).
template <std::size_t N>
struct NodeOf final : Node {
  explicit NodeOf(std::array<NodeArg, N> a) : storage(std::move(a)) { args = storage; }
  std::array<NodeArg, N> storage;
};

/// A node with a number of arguments known only at run time (graphs written key by key).
struct NodeOfMany final : Node {
  explicit NodeOfMany(std::vector<NodeArg> a) : storage(std::move(a)) { args = storage; }
  std::vector<NodeArg> storage;
};

/// "name-<hash of the function and arguments>" for pure tasks; a unique key if an argument
/// cannot be hashed (it does not serialize).
Key pure_key(const TaskCode& code, std::span<const NodeArg> args);

NodePtr value_node(Value value);
NodePtr future_node(FutureStatePtr state);

/// Graphviz DOT of the graph that computing `outputs` would run (after optimization).
std::string to_dot(const std::vector<NodePtr>& outputs);

template <class T>
struct IsDelayed : std::false_type {};
template <class T>
struct IsDelayed<Delayed<T>> : std::true_type {};
template <class T>
struct IsFuture : std::false_type {};
template <class T>
struct IsFuture<Future<T>> : std::true_type {};

/// The type a task sees for an argument of type A: T for Delayed<T> and Future<T>.
template <class D>
struct ArgumentValue {
  using type = D;
};
template <class T>
struct ArgumentValue<Delayed<T>> {
  using type = T;
};
template <class T>
struct ArgumentValue<Future<T>> {
  using type = T;
};
template <class A>
using argument_value_t = typename ArgumentValue<std::decay_t<A>>::type;

/// Records one argument of a call to a function taking P.
template <class P, class A>
NodeArg make_arg(A&& arg) {
  using D = std::decay_t<A>;
  if constexpr (IsDelayed<D>::value) {
    static_assert(std::is_same_v<typename D::value_type, P>,
                  "a Delayed<T> argument must have exactly the type of the parameter");
    return NodeArg{arg.node()};
  } else if constexpr (IsFuture<D>::value) {
    static_assert(std::is_same_v<typename D::value_type, P>,
                  "a Future<T> argument must have exactly the type of the parameter");
    return NodeArg{FutureRef(arg.state())};
  } else {
    static_assert(std::is_constructible_v<P, A&&>, "argument does not convert to the parameter");
    return NodeArg{Value(P(std::forward<A>(arg)))};
  }
}

template <class F>
TaskCode code_for(F fn) {
  TaskCode code;
  if constexpr (std::is_pointer_v<F>) {
    code.callable = reinterpret_cast<const void*>(fn);
    code.registered = find_function_at(code.callable);
    code.name = code.registered ? std::string_view(code.registered->name) : "task";
  } else {
    auto owner = std::make_shared<const F>(std::move(fn));
    code.callable = owner.get();
    code.owner = std::move(owner);
    code.name = "lambda";
  }
  return code;
}

}  // namespace detail

/// A lazy result of type T (void for functions returning nothing).
template <class T>
class Delayed {
 public:
  using value_type = T;

  explicit Delayed(detail::NodePtr node) : node_(std::move(node)) {}
  /// A Delayed standing for a future's result (as after persist()).
  explicit Delayed(const Future<T>& future) : node_(detail::future_node(future.state())) {}

  const Key& key() const noexcept { return node_->key; }

  /// Runs the graph on the current client (the default one outside tasks) and returns T.
  T compute() const;
  /// Starts computing now; the returned Delayed refers to the result held in memory.
  Delayed<T> persist() const;
  /// The graph as Graphviz DOT (after culling and fusion).
  std::string to_dot() const { return detail::to_dot({node_}); }

  const detail::NodePtr& node() const noexcept { return node_; }

 private:
  detail::NodePtr node_;
};

/// A callable whose calls are recorded instead of run.
template <class F>
class DelayedFunction {
 public:
  DelayedFunction(F fn, TaskOptions options) : options_(std::move(options)) {
    auto code = detail::code_for(std::move(fn));
    if constexpr (detail::Signature<F>::known) {
      code.invoke = detail::invoker_for<F>(typename detail::Signature<F>::parameters{});
    }
    code_ = std::make_shared<const detail::TaskCode>(std::move(code));
    if (!options_.resources.empty() || !options_.workers.empty()) {
      placement_ = std::make_shared<const detail::Placement>(
          detail::Placement{options_.resources, options_.workers});
    }
  }

  template <class... A>
  auto operator()(A&&... args) const {
    using Sig = detail::Signature<F>;
    if constexpr (Sig::known) {
      return call(typename Sig::parameters{}, std::forward<A>(args)...);
    } else {
      return call(detail::TypeList<detail::argument_value_t<A>...>{}, std::forward<A>(args)...);
    }
  }

  const detail::TaskCode& code() const noexcept { return *code_; }
  const TaskOptions& options() const noexcept { return options_; }

 private:
  template <class... P, class... A>
  auto call(detail::TypeList<P...>, A&&... args) const {
    static_assert(sizeof...(P) == sizeof...(A), "wrong number of arguments for the function");
    using R = std::invoke_result_t<decltype(detail::callable_of<F>(nullptr)), const P&...>;
    auto node = std::make_shared<detail::NodeOf<sizeof...(A)>>(
        std::array<detail::NodeArg, sizeof...(A)>{detail::make_arg<P>(std::forward<A>(args))...});
    if constexpr (detail::Signature<F>::known) {
      node->code = code_;
    } else {  // a generic lambda: how to read the arguments depends on this call
      auto code = std::make_shared<detail::TaskCode>(*code_);
      code->invoke = &detail::invoke<F, P...>;
      node->code = std::move(code);
    }
    node->retries = options_.retries;
    node->placement = placement_;
    node->chosen_key = options_.key || options_.pure;
    if (options_.key) {
      node->key = *options_.key;
    } else if (options_.pure) {
      node->key = detail::pure_key(*node->code, node->args);
    } else {
      node->key = unique_key(code_->name);
    }
    return Delayed<R>(std::move(node));
  }

  std::shared_ptr<const detail::TaskCode> code_;
  std::shared_ptr<const detail::Placement> placement_;
  TaskOptions options_;
};

/// Wraps a function (or lambda) so that calling it records a task:
///   auto d = tessera::delayed(inc)(41);    // Delayed<int>, nothing run yet
template <class F>
DelayedFunction<std::decay_t<F>> delayed(F&& fn, TaskOptions options = {}) {
  return DelayedFunction<std::decay_t<F>>(std::forward<F>(fn), std::move(options));
}

/// Puts a value into the graph once, so that many tasks can share it without copies.
template <class T>
Delayed<std::decay_t<T>> delayed_value(T&& value) {
  return Delayed<std::decay_t<T>>(detail::value_node(Value(std::forward<T>(value))));
}

}  // namespace tessera
