#pragma once
// The recorded calls behind Delayed: internals of tessera/delayed.hpp, not part of the API.

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <span>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

#include "tessera/detail/invoke.hpp"
#include "tessera/future.hpp"
#include "tessera/key.hpp"
#include "tessera/value.hpp"

namespace tessera {

template <class T>
class Delayed;

namespace detail {

struct Node;
using NodePtr = std::shared_ptr<const Node>;

/// An argument of a recorded call: a literal, the result of another call (a NodePtr), or
/// of a future (a FutureRef). All three are kept in a Value, which tells them apart by the
/// type it holds: 32 bytes, where a std::variant of the three took 40, and a graph's call
/// nodes are mostly their arguments (16 bytes a node less, once rounded to 16 bytes).
class NodeArg {
 public:
  // A literal only from a Value itself, so that nothing else becomes one by conversion.
  template <class V>
  requires std::same_as<std::remove_cvref_t<V>, Value> NodeArg(V&& literal)
      : held_(std::forward<V>(literal)) {}                 // NOLINT: converts
  NodeArg(NodePtr node) : held_(std::move(node)) {}        // NOLINT: converts
  NodeArg(FutureRef future) : held_(std::move(future)) {}  // NOLINT: converts

  /// The literal; null for the result of a call or of a future.
  const Value* value() const noexcept {
    return holds<NodePtr>() || holds<FutureRef>() ? nullptr : &held_;
  }
  /// The call whose result it is; null otherwise.
  const NodePtr* node() const noexcept {
    return holds<NodePtr>() ? &held_.get<NodePtr>() : nullptr;
  }
  NodePtr* node() noexcept { return holds<NodePtr>() ? &held_.get<NodePtr>() : nullptr; }
  /// The future whose result it is; null otherwise.
  const FutureRef* future() const noexcept {
    return holds<FutureRef>() ? &held_.get<FutureRef>() : nullptr;
  }

 private:
  // Whether it holds a T, by the type's name as std::type_info compares them, but without a
  // call to strcmp for a literal (a name that starts with another letter): lowering asks of
  // every argument, and the call was 2 % of a run of tiny tasks.
  template <class T>
  bool holds() const noexcept {
    const char* held = held_.type().name();
    const char* wanted = typeid(T).name();
    return held == wanted || (held[0] == wanted[0] && std::strcmp(held, wanted) == 0);
  }
  Value held_;
};

/// One recorded call; immutable once built. A node without code stands for a value: the
/// literal args()[0] (delayed_value) or the future args()[0] (a persisted result). The
/// arguments live in the derived object, right after the node in the same allocation. Graphs
/// hold millions of nodes: every byte here is a byte per task (56 now).
struct Node {
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  Key key;
  TaskCodePtr code;  ///< with the options; shared by one function's calls

  // Scratch space of the lowering to a plan, which holds a global lock while it uses it.
  mutable std::uint64_t lowering_epoch = 0;

 private:
  // The arguments follow the node (see args()): no pointer to them, 8 bytes a node less. With
  // the flags below in one word.
  std::uint32_t arg_count_ : 30 = 0;  // of NodeOf<N>
  std::uint32_t many_args_ : 1 = 0;   // a NodeOfMany: a std::vector of them follows

 public:
  std::uint32_t chosen_key : 1 = 0;  ///< explicit or pure: other nodes may have the same key
  mutable std::uint32_t plan_index = 0;

  std::span<const NodeArg> args() const noexcept {
    if (!many_args_ && arg_count_ == 0) return {};
    const std::byte* after = reinterpret_cast<const std::byte*>(this) + sizeof(Node);
    if (many_args_) {
      const auto* many = std::launder(reinterpret_cast<const std::vector<NodeArg>*>(after));
      return {many->data(), many->size()};
    }
    return {std::launder(reinterpret_cast<const NodeArg*>(after)), arg_count_};
  }
  bool is_task() const noexcept { return code != nullptr; }

 protected:
  Node() = default;
  ~Node() = default;
  void set_args_follow(std::size_t count) noexcept {
    arg_count_ = static_cast<std::uint32_t>(count);
  }
  void set_many_args_follow() noexcept { many_args_ = 1; }
  /// Lets go of the nodes among `inputs` without recursing into theirs, so that releasing
  /// a chain of millions of nodes takes no deeper stack than releasing one.
  static void release_inputs(std::span<NodeArg> inputs) noexcept;
};

/// A node with N arguments (the size a call site knows at compile time).
template <std::size_t N>
struct NodeOf final : Node {
  explicit NodeOf(std::array<NodeArg, N> a) : storage(std::move(a)) {
    // The arguments start right after the node (Node::args() finds them there): nothing
    // between them, and nothing after them.
    static_assert(N == 0 || sizeof(NodeOf) == sizeof(Node) + sizeof(storage));
    set_args_follow(N);
  }
  ~NodeOf() { release_inputs(storage); }
  std::array<NodeArg, N> storage;
};

/// A node with a number of arguments known only at run time (graphs written key by key,
/// calls with std::vector arguments of Delayeds or Futures).
struct NodeOfMany final : Node {
  explicit NodeOfMany(std::vector<NodeArg> a) : storage(std::move(a)) {
    static_assert(sizeof(NodeOfMany) == sizeof(Node) + sizeof(storage));
    set_many_args_follow();
  }
  ~NodeOfMany() { release_inputs(storage); }
  std::vector<NodeArg> storage;
};

/// Memory for a node and its shared_ptr control block, kept by each thread for the next node
/// of the same size (src/graph/node_memory.cpp): a malloc and a free cost as much as the rest
/// of recording and releasing a small call.
void* allocate_node_memory(std::size_t bytes);
void release_node_memory(void* memory, std::size_t bytes) noexcept;

/// The allocator of nodes: std::allocate_shared with it puts a node in that memory.
template <class T>
struct NodeAllocator {
  using value_type = T;
  NodeAllocator() = default;
  template <class U>
  NodeAllocator(const NodeAllocator<U>&) noexcept {}  // NOLINT: rebinding, as allocators do
  T* allocate(std::size_t n) { return static_cast<T*>(allocate_node_memory(n * sizeof(T))); }
  void deallocate(T* p, std::size_t n) noexcept { release_node_memory(p, n * sizeof(T)); }
  template <class U>
  bool operator==(const NodeAllocator<U>&) const noexcept {
    return true;
  }
};

/// A new node of type N made with `args`, in node memory.
template <class N, class... A>
std::shared_ptr<N> make_node(A&&... args) {
  return std::allocate_shared<N>(NodeAllocator<N>{}, std::forward<A>(args)...);
}

/// "name-<hash of the function and arguments>" for pure tasks; a unique key if an argument
/// cannot be hashed (it does not serialize).
Key pure_key(const TaskCode& code, std::span<const NodeArg> args);

NodePtr value_node(Value value);
/// Error if `state` is null (an empty Future).
NodePtr future_node(FutureStatePtr state);

/// Graphviz DOT of the graph that computing `outputs` would run (after optimization).
std::string to_dot(const std::vector<NodePtr>& outputs);

/// Error: "an empty Delayed<T> (default-constructed) <use> ...".
[[noreturn]] void throw_empty_delayed(const std::type_info& type, const char* use);
/// Error: "an empty Future<T> (released or default-constructed) <use> ...".
[[noreturn]] void throw_empty_future(const std::type_info& type, const char* use);

template <class T>
struct IsDelayed : std::false_type {};
template <class T>
struct IsDelayed<Delayed<T>> : std::true_type {};
template <class T>
struct IsFuture : std::false_type {};
template <class T>
struct IsFuture<Future<T>> : std::true_type {};

/// A std::vector of Delayed<T> or Future<T>: its elements become separate inputs.
template <class T>
struct IsPack : std::false_type {};
template <class T>
struct IsPack<std::vector<Delayed<T>>> : std::true_type {
  using element = T;
};
template <class T>
struct IsPack<std::vector<Future<T>>> : std::true_type {
  using element = T;
};

/// The type a task sees for an argument of type A: T for Delayed<T> and Future<T>,
/// std::vector<T> for a std::vector of them.
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
template <class T>
struct ArgumentValue<std::vector<Delayed<T>>> {
  using type = std::vector<T>;
};
template <class T>
struct ArgumentValue<std::vector<Future<T>>> {
  using type = std::vector<T>;
};
template <class A>
using argument_value_t = typename ArgumentValue<std::decay_t<A>>::type;

/// Records one argument of a call to a function taking P (not a pack).
template <class P, class A>
NodeArg make_arg(A&& arg) {
  using D = std::decay_t<A>;
  if constexpr (IsDelayed<D>::value) {
    static_assert(std::is_same_v<typename D::value_type, P>,
                  "a Delayed<T> argument must have exactly the type of the parameter");
    if (!arg.valid()) throw_empty_delayed(typeid(P), "cannot be an argument of a task");
    return NodeArg(arg.node());
  } else if constexpr (IsFuture<D>::value) {
    static_assert(std::is_same_v<typename D::value_type, P>,
                  "a Future<T> argument must have exactly the type of the parameter");
    if (!arg.valid()) throw_empty_future(typeid(P), "cannot be an argument of a task");
    return NodeArg(FutureRef(arg.state()));
  } else {
    static_assert(std::is_constructible_v<P, A&&>, "argument does not convert to the parameter");
    return NodeArg(Value(P(std::forward<A>(arg))));
  }
}

/// How many arguments a call records for `arg`: its elements and a header for a pack.
template <class A>
std::size_t recorded_count(const A& arg) noexcept {
  if constexpr (IsPack<std::decay_t<A>>::value) {
    return arg.size() + 1;
  } else {
    return 1;
  }
}

/// Records an argument of a call to a function taking P: a pack as a PackHeader followed
/// by its elements, anything else as one argument.
template <class P, class A>
void append_arg(std::vector<NodeArg>& recorded, A&& arg) {
  using D = std::decay_t<A>;
  if constexpr (IsPack<D>::value) {
    using E = typename IsPack<D>::element;
    static_assert(std::is_same_v<P, std::vector<E>>,
                  "a std::vector of Delayed<T> or Future<T> is an argument for a "
                  "std::vector<T> parameter, with exactly that T");
    recorded.emplace_back(Value(PackHeader{arg.size()}));
    for (const auto& element : arg) {
      if (!element.valid()) {
        if constexpr (IsDelayed<typename D::value_type>::value) {
          throw_empty_delayed(typeid(E), "in a std::vector argument cannot be an input of a task");
        } else {
          throw_empty_future(typeid(E), "in a std::vector argument cannot be an input of a task");
        }
      }
      recorded.push_back(make_arg<E>(element));
    }
  } else {
    recorded.push_back(make_arg<P>(std::forward<A>(arg)));
  }
}

/// A new node for a call with parameters P... on arguments A...; the caller sets its code
/// and key. Calls without std::vector packs keep their arguments in the node's allocation.
template <class... P, class... A>
std::shared_ptr<Node> make_call_node(TypeList<P...>, A&&... args) {
  static_assert(sizeof...(P) == sizeof...(A), "wrong number of arguments for the function");
  if constexpr (!(IsPack<std::decay_t<A>>::value || ...)) {
    return make_node<NodeOf<sizeof...(A)>>(
        std::array<NodeArg, sizeof...(A)>{make_arg<P>(std::forward<A>(args))...});
  } else {
    std::vector<NodeArg> recorded;
    recorded.reserve((recorded_count(args) + ...));
    (append_arg<P>(recorded, std::forward<A>(args)), ...);
    return make_node<NodeOfMany>(std::move(recorded));
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
}  // namespace tessera
