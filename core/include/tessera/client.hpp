#pragma once
// Client: where graphs run. A local client runs them on the "threads" scheduler (a
// work-stealing pool) or the "sync" one (the calling thread, for debugging).
//
//   tessera::Client client;                    // threads, one per core
//   auto f = client.submit(inc, 1);            // Future<int>, running now
//   auto d = tessera::delayed(add)(f, 2);      // lazy, depends on f
//   int total = client.compute(d).result();    // 4
//   client.compute(d, tessera::progress);      // draws a progress bar until d is computed

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include "tessera/delayed.hpp"
#include "tessera/events.hpp"
#include "tessera/future.hpp"
#include "tessera/progress.hpp"
#include "tessera/task.hpp"

namespace tessera {

class Graph;

struct ClientOptions {
  /// "threads" or "sync"; empty: the "scheduler" setting (config.hpp). The "mpi" scheduler
  /// comes from tessera::Runtime (runtime.hpp).
  std::string scheduler{};
  /// Threads of the "threads" scheduler; 0: the "num_threads" setting, else one per core.
  std::uint32_t threads = 0;
};

/// What a cluster's scheduler has to do, for growing and shrinking it (jobqueue's adapt).
struct SchedulerLoad {
  /// Workers connected and taking work, and their task threads.
  std::size_t workers = 0;
  std::uint32_t threads = 0;
  /// Tasks submitted and not yet done (waiting for inputs, ready, or running).
  std::size_t remaining = 0;
  /// Tasks on workers (assigned, not yet reported done).
  std::size_t processing = 0;
  /// Results kept on workers for tasks or futures that still need them.
  std::size_t held_results = 0;
  /// Workers paused because their memory is above worker_memory_pause.
  std::size_t paused_workers = 0;
  /// Seconds a task has taken on average so far.
  double task_seconds = 0;
  /// Resources that tasks wait for and no connected worker offers ("GPU").
  std::vector<std::string> wanted_resources;
};

/// What the workers a cluster can start will offer (each a worker spec's resources, such as
/// {{"GPU", 1}}), so that the scheduler fails at once a task that none of them could run.
using WorkerOffers = std::vector<std::map<std::string, double>>;

/// A handle to a running scheduler; copies share it. The newest client is the default
/// one, which Delayed::compute() and tessera::compute() use outside tasks.
class Client {
 public:
  Client();
  explicit Client(ClientOptions options);

  /// "threads", "sync" or "mpi".
  const char* scheduler() const noexcept;
  /// Threads that run tasks (under MPI: on all workers together).
  std::uint32_t threads() const noexcept;
  /// Workers that run tasks: 1 for the threads of this process; under MPI and in elastic
  /// clusters, the workers connected now.
  std::size_t workers() const noexcept;
  /// Waits until at least `count` workers are connected (in an elastic cluster, until worker
  /// jobs have joined); throws tessera::TimeoutError saying how many came if they do not
  /// within `timeout`.
  void wait_for_workers(std::size_t count,
                        std::chrono::milliseconds timeout = std::chrono::minutes(10)) const;
  /// The scheduler's load now (a local client: its own threads, nothing queued).
  SchedulerLoad scheduler_load() const;
  /// Tells an elastic cluster's scheduler what the workers that may still join will offer:
  /// a task that asks for resources no connected worker and no offer has fails with an error
  /// naming them, instead of waiting for a worker that never comes.
  void expect_worker_offers(WorkerOffers offers) const;

  /// Runs fn(args...) now; arguments may be values, Futures or Delayeds.
  template <class F, class... A>
  requires(!std::is_same_v<std::decay_t<F>, TaskOptions>) auto submit(F&& fn, A&&... args) {
    return submit(TaskOptions{}, std::forward<F>(fn), std::forward<A>(args)...);
  }
  template <class F, class... A>
  auto submit(const TaskOptions& options, F&& fn, A&&... args) {
    auto d = delayed(std::forward<F>(fn), options)(std::forward<A>(args)...);
    return Future<typename decltype(d)::value_type>(run({d.node()}).front());
  }

  /// Runs fn on every item, as one batch; one future per item, in order.
  template <class F, class Range>
  auto map(F&& fn, const Range& items, const TaskOptions& options = {}) {
    auto call = delayed(std::forward<F>(fn), options);
    using T = typename decltype(call(*std::begin(items)))::value_type;
    std::vector<detail::NodePtr> nodes;
    for (const auto& item : items) nodes.push_back(call(item).node());
    return futures_of<T>(run(nodes));
  }

  /// Starts computing a Delayed; its Future. With the "progress" setting on, draws a
  /// progress bar and returns once it is computed, as below.
  template <class T>
  Future<T> compute(const Delayed<T>& d) {
    return Future<T>(compute_nodes({d.node()}).front());
  }
  /// Computes a Delayed drawing a progress bar (progress.hpp), and returns its Future once it
  /// is done: client.compute(x, tessera::progress). In tasks and on MPI workers nothing is
  /// drawn, and it returns at once.
  template <class T>
  Future<T> compute(const Delayed<T>& d, const ProgressOptions& progress) {
    return Future<T>(compute_nodes({d.node()}, &progress).front());
  }
  /// Starts computing many Delayeds as one graph (shared parts run once).
  template <class T>
  std::vector<Future<T>> compute(const std::vector<Delayed<T>>& ds) {
    return futures_of<T>(compute_nodes(nodes_of(ds)));
  }
  /// Computes many Delayeds as one graph with one progress bar; their Futures once done.
  template <class T>
  std::vector<Future<T>> compute(const std::vector<Delayed<T>>& ds,
                                 const ProgressOptions& progress) {
    return futures_of<T>(compute_nodes(nodes_of(ds), &progress));
  }

  /// Starts computing and returns a Delayed that refers to the result kept in memory.
  template <class T>
  Delayed<T> persist(const Delayed<T>& d) {
    return Delayed<T>(Future<T>(run({d.node()}).front()));
  }

  /// Waits for all futures and returns their results in order (rethrows the first error).
  template <class T>
  std::vector<T> gather(const std::vector<Future<T>>& futures) {
    for (const auto& f : futures) {
      if (f.valid()) f.state()->prefetch();
    }
    std::vector<T> results;
    results.reserve(futures.size());
    for (const auto& f : futures) results.push_back(f.result());
    return results;
  }

  /// Puts a value into the cluster (locally: the client's memory): a finished Future that
  /// tasks can take as input. Under MPI it goes to one worker, or with `broadcast` to every
  /// worker, so that tasks anywhere read it without a transfer.
  template <class T>
  Future<std::decay_t<T>> scatter(T&& value, bool broadcast = false) {
    return Future<std::decay_t<T>>(scatter_value(Value(std::forward<T>(value)), broadcast));
  }

  /// Runs the tasks of `graph` that `keys` need; one future per key.
  std::vector<detail::FutureStatePtr> get(const Graph& graph, const std::vector<Key>& keys);

  /// Runs the graph behind `outputs`; one future state per output, in order.
  std::vector<detail::FutureStatePtr> run(const std::vector<detail::NodePtr>& outputs);
  /// Runs them as compute() does: with a progress bar drawn until they are done when
  /// `progress` is given or the "progress" setting is on, outside tasks, on rank 0.
  std::vector<detail::FutureStatePtr> compute_nodes(const std::vector<detail::NodePtr>& outputs,
                                                    const ProgressOptions* progress = nullptr);

  /// The newest task runs (key, thread, start, stop), oldest first; at most the
  /// "task_stream_limit" setting.
  std::vector<TaskRecord> task_stream() const;

  struct Impl;
  explicit Client(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

 private:
  template <class T>
  static std::vector<Future<T>> futures_of(const std::vector<detail::FutureStatePtr>& states) {
    return std::vector<Future<T>>(states.begin(), states.end());
  }
  template <class T>
  static std::vector<detail::NodePtr> nodes_of(const std::vector<Delayed<T>>& ds) {
    std::vector<detail::NodePtr> nodes;
    nodes.reserve(ds.size());
    for (const auto& d : ds) nodes.push_back(d.node());
    return nodes;
  }
  std::vector<detail::FutureStatePtr> launch(const std::vector<detail::NodePtr>& outputs,
                                             const ProgressOptions* progress);
  detail::FutureStatePtr scatter_value(Value value, bool broadcast);

  std::shared_ptr<Impl> impl_;
};

/// The client running the current task; outside tasks the default (newest) client, made
/// with the configured settings if there is none.
Client get_client();

/// Computes several Delayeds as one graph on the current client: auto [a, b] = compute(x, y).
namespace detail {
template <class... T, std::size_t... I>
std::tuple<T...> results_of(const std::vector<FutureStatePtr>& states, std::index_sequence<I...>) {
  return std::tuple<T...>{Future<T>(states[I]).result()...};
}
}  // namespace detail

template <class... T>
std::tuple<T...> compute(const Delayed<T>&... ds) {
  return detail::results_of<T...>(get_client().compute_nodes({ds.node()...}),
                                  std::index_sequence_for<T...>{});
}

/// Computes many Delayeds of one type as one graph; results in order.
template <class T>
std::vector<T> compute(const std::vector<Delayed<T>>& ds) {
  auto client = get_client();
  return client.gather(client.compute(ds));
}

template <class T>
T Delayed<T>::compute() const {
  return get_client().compute(*this).result();
}

template <class T>
Delayed<T> Delayed<T>::persist() const {
  return get_client().persist(*this);
}

}  // namespace tessera
