#pragma once
// How a task's arguments reach a C++ callable, and the entries of the function registry:
// internals of tessera/task.hpp, not part of the API.
//
// A task receives its arguments as a list of Values, one per parameter, except that a
// std::vector<T> parameter may also receive its elements as separate arguments (each the
// result of another task): a PackHeader holding their count, then the elements. The invoker
// assembles the vector from them.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

#include "tessera/value.hpp"

namespace tessera::detail {

/// Arguments of a task, as pointers to the Values they are read from.
using ArgList = const Value* const*;
/// Calls a callable on arguments and wraps its result.
using InvokeFn = Value (*)(const void* callable, ArgList args);

/// Leads the elements of a std::vector argument that are passed as separate arguments.
struct PackHeader {
  std::uint64_t size = 0;
};

/// One parameter of a registered function: its type, and for a std::vector its element
/// type (which the elements of a pack must have).
struct Parameter {
  const std::type_info* type = nullptr;
  const std::type_info* element = nullptr;  ///< null unless the parameter is a std::vector
};

/// A function registered under a stable name.
struct FunctionEntry {
  std::string name;
  const void* callable;
  InvokeFn invoke;
  std::vector<Parameter> parameters;
};

/// Where a task may run (TaskOptions::resources and ::workers), shared by a function's calls.
struct Placement {
  std::map<std::string, double> resources;
  std::vector<int> workers;
};

/// A task's body and how it runs: an invoker plus what it calls, and the options of the
/// calls made through one delayed function (so that a million calls share them). Functions
/// are plain pointers; closures are owned by `owner`.
struct TaskCode {
  InvokeFn invoke = nullptr;
  const void* callable = nullptr;
  const FunctionEntry* registered = nullptr;  ///< null for unregistered callables
  std::shared_ptr<const void> owner;
  std::string_view name;  ///< prefix of generated keys: the registered name, or "task"
  /// Every task with this code has a key made from `name` ("<name>-<token>"), so its key's
  /// prefix is known without reading the key (the dashboard labels tasks by prefix).
  bool keys_from_name = false;
  int retries = 0;
  std::shared_ptr<const Placement> placement;  ///< null: anywhere

  /// The TaskCodePtrs that hold it; a copy of a TaskCode starts with none.
  struct References {
    mutable std::atomic<std::uint32_t> count{0};
    References() = default;
    References(const References&) noexcept {}
    References& operator=(const References&) noexcept { return *this; }
  } references;
};

/// Shared ownership of a TaskCode, in one word: every graph node holds one (a std::shared_ptr
/// would take two words, 8 bytes a task more).
class TaskCodePtr {
 public:
  TaskCodePtr() noexcept = default;
  TaskCodePtr(std::nullptr_t) noexcept {}  // NOLINT(google-explicit-constructor): as a pointer
  /// A new TaskCode holding `code`.
  static TaskCodePtr make(TaskCode code) { return TaskCodePtr(new TaskCode(std::move(code))); }

  TaskCodePtr(const TaskCodePtr& other) noexcept : code_(other.code_) { hold(); }
  TaskCodePtr(TaskCodePtr&& other) noexcept : code_(std::exchange(other.code_, nullptr)) {}
  TaskCodePtr& operator=(TaskCodePtr other) noexcept {
    std::swap(code_, other.code_);
    return *this;
  }
  ~TaskCodePtr() { drop(); }

  const TaskCode* get() const noexcept { return code_; }
  const TaskCode& operator*() const noexcept { return *code_; }
  const TaskCode* operator->() const noexcept { return code_; }
  explicit operator bool() const noexcept { return code_ != nullptr; }
  friend bool operator==(const TaskCodePtr& a, std::nullptr_t) noexcept { return !a.code_; }

 private:
  explicit TaskCodePtr(const TaskCode* code) noexcept : code_(code) { hold(); }
  void hold() const noexcept {
    if (code_) code_->references.count.fetch_add(1, std::memory_order_relaxed);
  }
  void drop() noexcept {
    if (code_ && code_->references.count.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      delete code_;
    }
  }
  const TaskCode* code_ = nullptr;
};

/// The registered function named `name`; RegistryError (listing what is registered) if none.
const FunctionEntry& find_function(std::string_view name);
/// The registered entry of a function pointer, or null.
const FunctionEntry* find_function_at(const void* callable) noexcept;
/// Registers a function; RegistryError if the name is taken by another function, or the
/// function is registered under another name.
const FunctionEntry& add_function(FunctionEntry entry);

/// Why `count` arguments do not fit `function` (their number or their types), naming the
/// function; empty if they fit. Workers check what they receive with it.
std::string argument_problem(const FunctionEntry& function, ArgList args, std::size_t count);

/// "int, std::vector<double>": the parameter types, for messages.
std::string parameter_list(const FunctionEntry& function);

template <class... T>
struct TypeList {};

/// Parameter types (decayed) and result of a callable whose signature is fixed.
template <class F, class = void>
struct Signature {
  static constexpr bool known = false;
};
template <class R, class... A>
struct Signature<R (*)(A...)> {
  static constexpr bool known = true;
  using result = R;
  using parameters = TypeList<std::decay_t<A>...>;
};
template <class R, class... A>
struct Signature<R (*)(A...) noexcept> : Signature<R (*)(A...)> {};
template <class C, class R, class... A>
struct Signature<R (C::*)(A...) const> : Signature<R (*)(A...)> {};
template <class C, class R, class... A>
struct Signature<R (C::*)(A...) const noexcept> : Signature<R (*)(A...)> {};
template <class C, class R, class... A>
struct Signature<R (C::*)(A...)> : Signature<R (*)(A...)> {};
template <class F>
struct Signature<F, std::void_t<decltype(&F::operator())>> : Signature<decltype(&F::operator())> {};

template <class T>
struct IsStdVector : std::false_type {};
template <class E>
struct IsStdVector<std::vector<E>> : std::true_type {
  using element = E;
};

[[noreturn]] void throw_argument_type(std::size_t index, const Value& given,
                                      const std::type_info& wanted);

/// The index-th argument as an A, or a TypeError naming the argument.
template <class A>
const A& argument(ArgList args, std::size_t index) {
  const Value& value = *args[index];
  if (!value.holds<A>()) throw_argument_type(index, value, typeid(A));
  return value.get<A>();
}

/// A parameter of type P read from the arguments at `cursor`, which it advances.
template <class P>
class ParameterValue {
 public:
  ParameterValue(ArgList args, std::size_t& cursor) : value_(&argument<P>(args, cursor)) {
    ++cursor;
  }
  const P& get() const noexcept { return *value_; }

 private:
  const P* value_;
};

/// A std::vector parameter: one argument holding the vector, or a pack of its elements.
template <class E>
class ParameterValue<std::vector<E>> {
 public:
  ParameterValue(ArgList args, std::size_t& cursor) {
    const Value& first = *args[cursor];
    if (!first.holds<PackHeader>()) {
      whole_ = &argument<std::vector<E>>(args, cursor);
      ++cursor;
      return;
    }
    const auto size = static_cast<std::size_t>(first.get<PackHeader>().size);
    assembled_.reserve(size);
    for (std::size_t i = 1; i <= size; ++i) assembled_.push_back(argument<E>(args, cursor + i));
    cursor += size + 1;
  }
  const std::vector<E>& get() const noexcept { return whole_ ? *whole_ : assembled_; }

 private:
  const std::vector<E>* whole_ = nullptr;
  std::vector<E> assembled_;
};

/// The callable behind `callable`: a function pointer is stored as itself, a closure by address.
template <class F>
decltype(auto) callable_of(const void* callable) {
  if constexpr (std::is_pointer_v<F>) {
    return reinterpret_cast<F>(const_cast<void*>(callable));
  } else {
    return *static_cast<const F*>(callable);
  }
}

template <class Fn, class... P>
Value call_wrapped(Fn&& f, const P&... args) {
  if constexpr (std::is_void_v<std::invoke_result_t<Fn, const P&...>>) {
    std::invoke(std::forward<Fn>(f), args...);
    return Value();
  } else {
    return Value(std::invoke(std::forward<Fn>(f), args...));
  }
}

template <class F, class... A, std::size_t... I>
Value invoke_with(const void* callable, ArgList args, std::index_sequence<I...>) {
  decltype(auto) f = callable_of<F>(callable);
  if constexpr (!(IsStdVector<A>::value || ...)) {  // one argument per parameter
    return call_wrapped(f, argument<A>(args, I)...);
  } else {
    std::size_t cursor = 0;
    // A braced list runs its initializers in order: each reads after the one before.
    std::tuple<ParameterValue<A>...> values{ParameterValue<A>(args, cursor)...};
    return call_wrapped(f, std::get<I>(values).get()...);
  }
}

/// The invoker of F reading its arguments as A... (the declared parameter types when F's
/// signature is fixed, so that every process agrees on them).
template <class F, class... A>
Value invoke(const void* callable, ArgList args) {
  return invoke_with<F, A...>(callable, args, std::index_sequence_for<A...>{});
}

template <class F, class... A>
constexpr InvokeFn invoker_for(TypeList<A...>) {
  return &invoke<F, A...>;
}

template <class P>
Parameter parameter_of() {
  if constexpr (IsStdVector<P>::value) {
    return Parameter{&typeid(P), &typeid(typename IsStdVector<P>::element)};
  } else {
    return Parameter{&typeid(P), nullptr};
  }
}

template <class... A>
std::vector<Parameter> parameters_of(TypeList<A...>) {
  return {parameter_of<A>()...};
}

/// Registers the function pointer F under `name` (TESSERA_TASK, tessera::register_task).
template <auto F>
const FunctionEntry& register_function(std::string name) {
  using Fn = decltype(F);
  static_assert(std::is_pointer_v<Fn> && std::is_function_v<std::remove_pointer_t<Fn>>,
                "a task function to register must be a function (or a function template "
                "instantiation such as sum_of<double>), not a lambda or an object");
  using Params = typename Signature<Fn>::parameters;
  return add_function(FunctionEntry{std::move(name), reinterpret_cast<const void*>(F),
                                    invoker_for<Fn>(Params{}), parameters_of(Params{})});
}

}  // namespace tessera::detail
