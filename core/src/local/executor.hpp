#pragma once
// An executor runs the tasks of runs on some threads: "sync" on the calling thread,
// "threads" on a work-stealing pool.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace tessera::detail {

class LocalRun;

class Executor {
 public:
  virtual ~Executor() = default;
  /// Starts executing a run whose roots are ready (returns at once, or, for sync, when done).
  virtual void start(const std::shared_ptr<LocalRun>& run) = 0;
  /// A task became ready outside the executor's own threads (a future it waited for).
  virtual void schedule(LocalRun& run, std::uint32_t task) = 0;
  /// Threads that run tasks; worker ids are 0 .. worker_count() - 1.
  virtual std::uint32_t worker_count() const noexcept = 0;
  virtual std::string worker_name(std::uint32_t worker) const = 0;
  /// "sync" or "threads".
  virtual const char* name() const noexcept = 0;
};

std::unique_ptr<Executor> make_sync_executor();
/// A pool of `threads` workers; each calls on_thread_start first.
std::unique_ptr<Executor> make_thread_pool(std::uint32_t threads,
                                           std::function<void()> on_thread_start);

}  // namespace tessera::detail
