#pragma once
// How a C++ callable becomes a task, and the registry that names functions stably across
// processes (every rank runs the same binary, so a name found here is found there too).
//
//   int inc(int x) { return x + 1; }
//   TESSERA_TASK(inc);       // registered as "inc"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

#include "tessera/key.hpp"
#include "tessera/value.hpp"

namespace tessera {

/// Per-task settings, as Dask's keyword arguments of delayed/submit.
struct TaskOptions {
  /// The task's key; by default a unique "<function>-<n>".
  std::optional<Key> key{};
  /// Key derived from the function and its arguments, so identical calls share one result.
  bool pure = false;
  /// Runs the task again, up to this many times, when it throws.
  int retries = 0;
  /// Under MPI: what the task needs of a worker, e.g. {{"GPU", 1}}; it runs only on workers
  /// that offer at least that much (the "resources" setting), and holds it while it runs.
  std::map<std::string, double> resources{};
  /// Under MPI: the worker ranks the task may run on (empty: any).
  std::vector<int> workers{};
};

namespace detail {

/// Arguments of a task, as pointers to the Values they are read from.
using ArgList = const Value* const*;
/// Calls a callable on arguments and wraps its result.
using InvokeFn = Value (*)(const void* callable, ArgList args);

struct FunctionEntry;

/// Where a task may run (TaskOptions::resources and ::workers), shared by a function's calls.
struct Placement {
  std::map<std::string, double> resources;
  std::vector<int> workers;
};

/// A task's body: an invoker plus what it calls. Functions are plain pointers; closures
/// are owned by `owner`.
struct TaskCode {
  InvokeFn invoke = nullptr;
  const void* callable = nullptr;
  const FunctionEntry* registered = nullptr;  ///< null for unregistered callables
  std::shared_ptr<const void> owner;
  std::string_view name;  ///< prefix of generated keys: the registered name, or "task"
};

/// A function registered under a stable name.
struct FunctionEntry {
  std::string name;
  const void* callable;
  InvokeFn invoke;
  std::vector<std::string> parameter_types;  ///< one per parameter, readable
};

/// The registered function named `name`; RegistryError (listing what is registered) if none.
const FunctionEntry& find_function(std::string_view name);
/// The registered entry of a function pointer, or null.
const FunctionEntry* find_function_at(const void* callable) noexcept;
/// Registers a function; RegistryError if the name is taken by another function.
const FunctionEntry& add_function(FunctionEntry entry);

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

[[noreturn]] void throw_argument_type(std::size_t index, const Value& given,
                                      const std::type_info& wanted);

/// The index-th argument as an A, or a TypeError naming the argument.
template <class A>
const A& argument(ArgList args, std::size_t index) {
  const Value& value = *args[index];
  if (!value.holds<A>()) throw_argument_type(index, value, typeid(A));
  return value.get<A>();
}

/// The callable behind `callable`: a function pointer is stored as itself, a closure by address.
template <class F>
decltype(auto) callable_of(const void* callable) {
  if constexpr (std::is_pointer_v<F>) {
    return reinterpret_cast<F>(const_cast<void*>(callable));
  } else {
    return *static_cast<const F*>(callable);
  }
}

template <class F, class... A, std::size_t... I>
Value invoke_with(const void* callable, ArgList args, std::index_sequence<I...>) {
  decltype(auto) f = callable_of<F>(callable);
  using R = std::invoke_result_t<decltype(f), const A&...>;
  if constexpr (std::is_void_v<R>) {
    std::invoke(f, argument<A>(args, I)...);
    return Value();
  } else {
    return Value(std::invoke(f, argument<A>(args, I)...));
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

template <class... A>
std::vector<std::string> type_names(TypeList<A...>) {
  return {demangle(typeid(A).name())...};
}

/// Registers the function pointer F under `name` (used by TESSERA_TASK).
template <auto F>
const FunctionEntry& register_function(const char* name) {
  using Fn = decltype(F);
  static_assert(std::is_pointer_v<Fn> && std::is_function_v<std::remove_pointer_t<Fn>>,
                "TESSERA_TASK takes the name of a function");
  using Params = typename Signature<Fn>::parameters;
  return add_function(FunctionEntry{name, reinterpret_cast<const void*>(F),
                                    invoker_for<Fn>(Params{}), type_names(Params{})});
}

}  // namespace detail
}  // namespace tessera

#define TESSERA_DETAIL_CONCAT2(a, b) a##b
#define TESSERA_DETAIL_CONCAT(a, b) TESSERA_DETAIL_CONCAT2(a, b)

/// Registers a function under its name, so that tasks calling it can run in any process of
/// the job. Write it once at namespace scope, after the function: TESSERA_TASK(inc);
#define TESSERA_TASK(fn)                                                                 \
  [[maybe_unused]] static const ::tessera::detail::FunctionEntry& TESSERA_DETAIL_CONCAT( \
      tessera_task_registration_, __COUNTER__) = ::tessera::detail::register_function<&fn>(#fn)
