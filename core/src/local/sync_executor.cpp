#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>

#include "local/executor.hpp"
#include "local/local_run.hpp"
#include "tessera/events.hpp"

namespace tessera::detail {
namespace {

// Runs everything on the thread that starts a run, in priority order: deterministic, and
// the place to debug a task with a debugger or printf.
class SyncExecutor final : public Executor {
 public:
  void start(const std::shared_ptr<LocalRun>& run) override {
    run->begin(*this);
    WorkerName as_worker(worker_name(0));
    for (auto root : run->roots()) run_from(*run, root);
    // What is left waits for futures that complete elsewhere. Other threads may run their
    // own computations on this executor at the same time: each takes only its own tasks.
    while (!run->finished()) {
      std::unique_lock lock(mutex_);
      auto mine = scheduled_.end();
      cv_.wait(lock, [&] {
        mine = std::find_if(scheduled_.begin(), scheduled_.end(),
                            [&](const auto& item) { return item.first == run.get(); });
        return mine != scheduled_.end();
      });
      auto task = mine->second;
      scheduled_.erase(mine);
      lock.unlock();
      run_from(*run, task);
    }
  }

  void schedule(LocalRun& run, std::uint32_t task) override {
    {
      std::lock_guard lock(mutex_);
      scheduled_.emplace_back(&run, task);
    }
    cv_.notify_all();
  }

  std::uint32_t worker_count() const noexcept override { return 1; }
  std::string worker_name(std::uint32_t) const override { return "thread 0"; }
  const char* name() const noexcept override { return "sync"; }

 private:
  // Names this thread as the worker while it runs tasks (events name their source).
  struct WorkerName {
    explicit WorkerName(std::string name) : previous(current_worker_name()) {
      set_current_worker_name(std::move(name));
    }
    ~WorkerName() { set_current_worker_name(previous); }
    std::string previous;
  };

  // Runs `task` and, depth first, every task it makes ready.
  static void run_from(LocalRun& run, std::uint32_t task) {
    std::vector<std::uint32_t> ready;
    auto push = [&ready](std::uint32_t t) { ready.push_back(t); };
    std::uint32_t done = 0;
    for (;;) {
      for (; task != no_task; ++done) task = run.execute(task, 0, push);
      if (ready.empty()) {
        run.tasks_done(done);  // the caller holds the run: it may end here
        return;
      }
      task = ready.back();
      ready.pop_back();
    }
  }

  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::pair<LocalRun*, std::uint32_t>> scheduled_;
};

}  // namespace

std::unique_ptr<Executor> make_sync_executor() { return std::make_unique<SyncExecutor>(); }

}  // namespace tessera::detail
