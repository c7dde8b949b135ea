#pragma once
// Graph: a task graph written key by key, like a Dask graph dict. Each key holds a value
// or a call whose arguments are values or references to other keys:
//
//   tessera::Graph g;
//   g.add_value("x", 1);
//   g.add("y", inc, tessera::ref("x"));          // y = inc(x)
//   g.add("z", "add", {tessera::ref("y"), tessera::Value(10)});   // by registered name
//   int z = g.delayed<int>("z").compute();        // 12
//
// References are checked when the graph is used: a missing key or a cycle is a GraphError
// that names the keys involved.

#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "tessera/delayed.hpp"
#include "tessera/key.hpp"
#include "tessera/task.hpp"
#include "tessera/value.hpp"

namespace tessera {

/// An argument that is the result of another key of the graph.
struct Ref {
  Key key;
};
inline Ref ref(Key key) { return Ref{std::move(key)}; }

/// References to many keys, for a std::vector<T> parameter: each key is an input, and the
/// function sees the vector of their results (as Dask takes a list of keys).
inline std::vector<Ref> refs(const std::vector<Key>& keys) {
  std::vector<Ref> all;
  all.reserve(keys.size());
  for (const auto& key : keys) all.push_back(Ref{key});
  return all;
}

/// An argument of a graph task: a literal value, a reference to a key, or references to
/// many keys (for a std::vector parameter).
using GraphArg = std::variant<Value, Ref, std::vector<Ref>>;

class Graph {
 public:
  /// key = value.
  void add_value(Key key, Value value);

  /// key = fn(args...); an argument is a value (converted to the parameter's type), a Ref,
  /// whose result must have the parameter's type when the task runs, or for a
  /// std::vector<T> parameter a std::vector<Ref> (refs({...})) to results of type T.
  template <class F, class... A>
  void add(Key key, F fn, A&&... args) {
    using Sig = detail::Signature<F>;
    static_assert(Sig::known, "Graph::add needs a function whose parameter types are fixed");
    add_call(std::move(key), typed_code(std::move(fn), typename Sig::parameters{}),
             convert_args(typename Sig::parameters{}, std::forward<A>(args)...));
  }

  /// key = the function registered as `function` (TESSERA_TASK) applied to args.
  /// RegistryError if no function has that name; GraphError if the arity differs.
  void add(Key key, std::string_view function, std::vector<GraphArg> args, int retries = 0);

  bool contains(const Key& key) const { return entries_.count(key) != 0; }
  std::size_t size() const noexcept { return entries_.size(); }

  /// The result of `key` as a Delayed, to compute or to use in other Delayeds. Throws
  /// GraphError if the graph behind it references a missing key or has a cycle.
  template <class T>
  Delayed<T> delayed(const Key& key) const {
    return Delayed<T>(node(key));
  }

  /// Graphviz DOT of what computing `keys` runs.
  std::string to_dot(const std::vector<Key>& keys) const;

  /// The graph behind `key` as a node (see delayed<T>).
  detail::NodePtr node(const Key& key) const;
  std::vector<detail::NodePtr> nodes(const std::vector<Key>& keys) const;

 private:
  struct Entry {
    detail::TaskCodePtr code;  // null: a value, held in args[0]
    std::vector<GraphArg> args;
  };

  template <class F, class... P>
  static detail::TaskCodePtr typed_code(F fn, detail::TypeList<P...>) {
    auto code = detail::code_for(std::move(fn));
    code.invoke = &detail::invoke<F, P...>;
    return detail::TaskCodePtr::make(std::move(code));
  }

  template <class... P, class... A>
  static std::vector<GraphArg> convert_args(detail::TypeList<P...>, A&&... args) {
    static_assert(sizeof...(P) == sizeof...(A), "wrong number of arguments for the function");
    std::vector<GraphArg> converted;
    converted.reserve(sizeof...(A));
    (converted.push_back(convert_arg<A, P>(std::forward<A>(args))), ...);
    return converted;
  }

  template <class A, class P>
  static GraphArg convert_arg(A&& arg) {
    if constexpr (std::is_same_v<std::decay_t<A>, Ref>) {
      return GraphArg{std::forward<A>(arg)};
    } else if constexpr (std::is_same_v<std::decay_t<A>, std::vector<Ref>>) {
      static_assert(detail::IsVector<P>::value,
                    "a std::vector<Ref> argument needs a std::vector<T> parameter");
      return GraphArg{std::forward<A>(arg)};
    } else {
      return GraphArg{Value(P(std::forward<A>(arg)))};
    }
  }

  void add_call(Key key, detail::TaskCodePtr code, std::vector<GraphArg> args);
  void insert(Key key, Entry entry);

  std::unordered_map<Key, Entry> entries_;
};

}  // namespace tessera
