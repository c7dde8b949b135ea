#pragma once
// How a C++ function becomes a task that any process of the job can run: it is registered
// under a stable name (every rank runs the same binary, so a name found here is found there
// too), and per-task settings.
//
//   int inc(int x) { return x + 1; }
//   TESSERA_TASK(inc);                                // registered as "inc"
//
//   template <class T> T sum_of(std::vector<T> xs);
//   TESSERA_TASK(sum_of<double>);                     // one name per instantiation
//   TESSERA_TASK_NAMED("stats.merge", merge);         // a name of your choice
//
// A parameter of type std::vector<T> takes a std::vector<T>, or a std::vector of
// Delayed<T> or Future<T>: each element is then an input of the task (as Dask accepts a
// list of delayed values), and the function sees the vector of their results.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tessera/detail/invoke.hpp"
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

/// Registers function F (a function, or an instantiation of a function template) under
/// `name`, as TESSERA_TASK does. Every rank must register it under the same name before
/// tessera::Runtime starts: call it at the start of main, or use the macros at namespace
/// scope. Registering F again under the same name does nothing; RegistryError if F already
/// has another name, or the name belongs to another function.
///   tessera::register_task<&sum_of<float>>("sum_of<float>");
template <auto F>
void register_task(std::string name) {
  detail::register_function<F>(std::move(name));
}

}  // namespace tessera

#define TESSERA_DETAIL_CONCAT2(a, b) a##b
#define TESSERA_DETAIL_CONCAT(a, b) TESSERA_DETAIL_CONCAT2(a, b)
#define TESSERA_DETAIL_REGISTER(name, ...)                                               \
  [[maybe_unused]] static const ::tessera::detail::FunctionEntry& TESSERA_DETAIL_CONCAT( \
      tessera_task_registration_, __COUNTER__) =                                         \
      ::tessera::detail::register_function<&__VA_ARGS__>(name)

/// Registers a function under its name as written, so that tasks calling it can run in any
/// process of the job. Write it once at namespace scope, after the function:
///   TESSERA_TASK(inc);                       // "inc"
///   TESSERA_TASK(pair_sum<int, double>);     // "pair_sum<int, double>"
#define TESSERA_TASK(...) TESSERA_DETAIL_REGISTER(#__VA_ARGS__, __VA_ARGS__)

/// Registers a function under a name of your choice (the same on every rank):
///   TESSERA_TASK_NAMED("stats.merge", merge);
#define TESSERA_TASK_NAMED(name, ...) TESSERA_DETAIL_REGISTER(name, __VA_ARGS__)
