#pragma once
// Delayed<T>: a lazy result. delayed(fn)(args...) records a call without running it; a
// Delayed may be the argument of another, so a program builds a graph by calling functions.
//
//   auto x = tessera::delayed(inc)(1);
//   auto y = tessera::delayed(add)(x, 10);   // depends on x
//   int v = y.compute();                      // runs inc, then add
//
// A std::vector<T> parameter also takes a std::vector<Delayed<T>> (or of Future<T>): each
// element is an input of the task, which sees the vector of their results.
//
//   std::vector<tessera::Delayed<double>> parts = ...;
//   auto total = tessera::delayed(sum)(parts);     // double sum(std::vector<double>)

#include <memory>
#include <string>
#include <type_traits>
#include <utility>

#include "tessera/detail/node.hpp"
#include "tessera/future.hpp"
#include "tessera/key.hpp"
#include "tessera/task.hpp"
#include "tessera/value.hpp"

namespace tessera {

/// A lazy result of type T (void for functions returning nothing).
template <class T>
class Delayed {
 public:
  using value_type = T;

  /// An empty Delayed, to assign later: computing it, asking its key or passing it to a
  /// task throws tessera::Error.
  Delayed() = default;
  explicit Delayed(detail::NodePtr node) : node_(std::move(node)) {}
  /// A Delayed standing for a future's result (as after persist()).
  explicit Delayed(const Future<T>& future) : node_(detail::future_node(future.state())) {}

  /// False for an empty (default-constructed) Delayed.
  bool valid() const noexcept { return node_ != nullptr; }

  const Key& key() const { return checked("has no key")->key; }

  /// Runs the graph on the current client (the default one outside tasks) and returns T.
  T compute() const;
  /// Starts computing now; the returned Delayed refers to the result held in memory.
  Delayed<T> persist() const;
  /// The graph as Graphviz DOT (after culling and fusion).
  std::string to_dot() const { return detail::to_dot({checked("has no graph")}); }

  /// The recorded call; Error if the Delayed is empty.
  const detail::NodePtr& node() const { return checked("cannot be computed or used"); }

 private:
  const detail::NodePtr& checked(const char* use) const {
    if (!node_) detail::throw_empty_delayed(typeid(T), use);
    return node_;
  }

  detail::NodePtr node_;
};

/// A callable whose calls are recorded instead of run.
template <class F>
class DelayedFunction {
 public:
  // Out of line: it runs once per delayed function, and inlined it takes the compiler's
  // inlining budget from the calls that record tasks.
  [[gnu::noinline]] DelayedFunction(F fn, TaskOptions options) : options_(std::move(options)) {
    auto code = detail::code_for(std::move(fn));
    if constexpr (detail::Signature<F>::known) {
      code.invoke = detail::invoker_for<F>(typename detail::Signature<F>::parameters{});
    }
    code.retries = options_.retries;
    code.keys_from_name = !options_.key;  // unique or pure keys start with the name
    if (!options_.resources.empty() || !options_.workers.empty()) {
      code.placement = std::make_shared<const detail::Placement>(
          detail::Placement{options_.resources, options_.workers});
    }
    code_ = detail::TaskCodePtr::make(std::move(code));
  }

  /// Records a call; arguments are values (converted to the parameter types), Delayeds,
  /// Futures, or for a std::vector<T> parameter a std::vector of Delayed<T> or Future<T>.
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
  auto call(detail::TypeList<P...> parameters, A&&... args) const {
    using R = std::invoke_result_t<decltype(detail::callable_of<F>(nullptr)), const P&...>;
    auto node = detail::make_call_node(parameters, std::forward<A>(args)...);
    if constexpr (detail::Signature<F>::known) {
      node->code = code_;
    } else {  // a generic lambda: how to read the arguments depends on this call
      detail::TaskCode code = *code_;
      code.invoke = &detail::invoke<F, P...>;
      node->code = detail::TaskCodePtr::make(std::move(code));
    }
    node->chosen_key = options_.key || options_.pure;
    if (options_.key) {
      node->key = *options_.key;
    } else if (options_.pure) {
      node->key = detail::pure_key(*node->code, node->args());
    } else {
      node->key = unique_key(code_->name);
    }
    return Delayed<R>(std::move(node));
  }

  detail::TaskCodePtr code_;
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
