#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>

#include "local/executor.hpp"
#include "local/local_run.hpp"
#include "support/spin.hpp"
#include "support/thread_name.hpp"
#include "support/ticks.hpp"
#include "tessera/events.hpp"

namespace tessera::detail {
namespace {

// A work-stealing pool: each thread owns a deque, takes its own newest task first (depth
// first, which keeps memory low) and steals the oldest task of others. A finished task's
// first ready dependent runs right away on the same thread, without a queue round trip.
// Idle threads spin briefly with their mailbox open, then park on a condition variable. A task
// made ready while another thread spins goes straight into that thread's mailbox: between two
// cores only the mailbox's cache line moves, not the deque's lock, its storage and the shared
// count (at a dependency per step, as in a stencil, that hand-off is the step's overhead).
class ThreadPool final : public Executor {
 public:
  ThreadPool(std::uint32_t threads, std::function<void()> on_thread_start)
      : on_thread_start_(std::move(on_thread_start)), queues_(threads) {
    workers_.reserve(threads);
    for (std::uint32_t i = 0; i < threads; ++i)
      workers_.push_back(std::make_unique<PoolThread>(*this, i));
    for (auto& worker : workers_) {
      worker->thread = std::thread([this, w = worker.get()] { work(*w); });
    }
  }

  ~ThreadPool() override {
    stop_.store(true, std::memory_order_seq_cst);
    wake_all();
    for (auto& worker : workers_) worker->thread.join();
  }

  void start(const std::shared_ptr<LocalRun>& run) override {
    run->begin(*this);
    const auto& roots = run->roots();
    if (roots.empty()) return;
    PoolThread* self = current_thread();
    if (self && roots.size() <= batch) {
      for (auto it = roots.rbegin(); it != roots.rend(); ++it) push(self->index, {run.get(), *it});
      return;
    }
    {
      std::lock_guard lock(feeding_mutex_);
      feeding_.push_back(Feed{run, 0});
      feeding_count_.fetch_add(1, std::memory_order_seq_cst);
    }
    wake(static_cast<std::uint32_t>(std::min<std::size_t>(roots.size(), workers_.size())));
  }

  void schedule(LocalRun& run, std::uint32_t task) override {
    if (PoolThread* self = current_thread()) {
      push(self->index, {&run, task});
      return;
    }
    {
      std::lock_guard lock(injected_.mutex);
      injected_.items.push_back({&run, task});
    }
    queued_.fetch_add(1, std::memory_order_seq_cst);
    wake(1);
  }

  std::uint32_t worker_count() const noexcept override {
    return static_cast<std::uint32_t>(workers_.size());
  }
  std::string worker_name(std::uint32_t worker) const override {
    return "thread " + std::to_string(worker);
  }
  const char* name() const noexcept override { return "threads"; }

 private:
  static constexpr std::size_t batch = 16;  // roots a thread takes at once
  // An idle thread spins this long between yields, and yields this many times before it
  // parks (a third of a millisecond in all). Between the tasks of a stencil it waits a few
  // microseconds: a yield among them makes the hand-off wait for the system call (with 2 us
  // between yields, a stencil step of 3.5 us tasks spent 0.9 us outside them; 0.5 us now).
  static constexpr std::chrono::microseconds spin_between_yields{20};
  static constexpr int spins = 16;

  struct Item {
    LocalRun* run;
    std::uint32_t task;
  };

  struct alignas(64) Queue {
    std::mutex mutex;
    std::deque<Item> items;
  };

  // closed: its thread takes no hand-off; open: it spins and takes one; claimed: a pusher
  // writes the item; full: the item is there. Only a pusher moves open -> claimed -> full,
  // only the owner moves open or full -> closed.
  enum MailState : std::uint32_t { closed, open, claimed, full };
  struct alignas(64) Mailbox {
    std::atomic<std::uint32_t> state{closed};
    Item item{};
  };

  struct Feed {
    std::shared_ptr<LocalRun> run;
    std::size_t next_root;
  };

  struct PoolThread final : Helper {
    PoolThread(ThreadPool& p, std::uint32_t i) : pool(p), index(i) {}
    Mailbox mailbox;
    // Tasks of one run that this thread has executed and not yet counted (count_done).
    LocalRun* counting = nullptr;
    std::uint32_t uncounted = 0;
    std::uint64_t counted_at = 0;  // ticks() when it last counted
    bool help_until(const std::function<bool()>& pred, Clock::time_point deadline) override {
      return pool.help_until(*this, pred, deadline);
    }
    void wake_all() override { pool.wake_all(); }
    ThreadPool& pool;
    std::uint32_t index;
    std::thread thread;
  };

  PoolThread* current_thread() const noexcept {
    auto* helper = dynamic_cast<PoolThread*>(current_helper());
    return helper && &helper->pool == this ? helper : nullptr;
  }

  void push(std::uint32_t worker, Item item) {
    if (hand_off(worker, item)) return;
    {
      std::lock_guard lock(queues_[worker].mutex);
      queues_[worker].items.push_back(item);
    }
    queued_.fetch_add(1, std::memory_order_seq_cst);
    wake(1);
  }

  // Puts `item` into the open mailbox of a thread other than `worker`, if one is open.
  bool hand_off(std::uint32_t worker, Item item) {
    const auto n = static_cast<std::uint32_t>(workers_.size());
    for (std::uint32_t k = 1; k < n; ++k) {
      Mailbox& mailbox = workers_[(worker + k) % n]->mailbox;
      std::uint32_t expected = open;
      if (mailbox.state.load(std::memory_order_relaxed) != open ||
          !mailbox.state.compare_exchange_strong(expected, claimed, std::memory_order_acquire,
                                                 std::memory_order_relaxed)) {
        continue;
      }
      mailbox.item = item;
      mailbox.state.store(full, std::memory_order_release);
      return true;
    }
    return false;
  }

  // Closes the thread's mailbox; false if an item came first (take it with take_mail).
  static bool close_mailbox(PoolThread& self) {
    std::uint32_t expected = open;
    return self.mailbox.state.compare_exchange_strong(expected, closed, std::memory_order_acquire,
                                                      std::memory_order_relaxed) ||
           expected == closed;
  }
  // The item handed to the thread (its mailbox is claimed or full); closes the mailbox.
  static Item take_mail(PoolThread& self) {
    while (self.mailbox.state.load(std::memory_order_acquire) != full) cpu_relax();
    const Item item = self.mailbox.item;
    self.mailbox.state.store(closed, std::memory_order_relaxed);
    return item;
  }

  bool pop_back(Queue& queue, Item& item) {
    std::lock_guard lock(queue.mutex);
    if (queue.items.empty()) return false;
    item = queue.items.back();
    queue.items.pop_back();
    queued_.fetch_sub(1, std::memory_order_relaxed);
    return true;
  }

  bool pop_front(Queue& queue, Item& item) {
    std::lock_guard lock(queue.mutex);
    if (queue.items.empty()) return false;
    item = queue.items.front();
    queue.items.pop_front();
    queued_.fetch_sub(1, std::memory_order_relaxed);
    return true;
  }

  // Takes up to `batch` roots of the oldest run still feeding: the first is returned, the
  // rest go to this thread's deque so that it pops them in priority order.
  bool take_roots(PoolThread& self, Item& item) {
    if (feeding_count_.load(std::memory_order_seq_cst) == 0) return false;
    Item taken[batch];
    std::size_t count = 0;
    {
      std::lock_guard lock(feeding_mutex_);
      if (feeding_.empty()) return false;
      auto& feed = feeding_.front();
      const auto& roots = feed.run->roots();
      LocalRun* run = feed.run.get();
      while (count < batch && feed.next_root < roots.size()) {
        taken[count++] = {run, roots[feed.next_root++]};
      }
      if (feed.next_root == roots.size()) {
        feeding_.pop_front();
        feeding_count_.fetch_sub(1, std::memory_order_seq_cst);
      }
    }
    if (count == 0) return false;
    item = taken[0];
    if (count > 1) {
      auto& queue = queues_[self.index];
      {
        std::lock_guard lock(queue.mutex);
        for (std::size_t i = count; i-- > 1;) queue.items.push_back(taken[i]);
      }
      queued_.fetch_add(static_cast<std::int64_t>(count - 1), std::memory_order_seq_cst);
      wake(1);
    }
    return true;
  }

  bool find_work(PoolThread& self, Item& item) {
    if (pop_back(queues_[self.index], item)) return true;
    if (queued_.load(std::memory_order_relaxed) > 0 && pop_front(injected_, item)) return true;
    if (take_roots(self, item)) return true;
    if (queued_.load(std::memory_order_relaxed) > 0) {
      const auto n = static_cast<std::uint32_t>(queues_.size());
      for (std::uint32_t k = 1; k < n; ++k) {
        if (pop_front(queues_[(self.index + k) % n], item)) return true;
      }
    }
    return false;
  }

  void run_item(PoolThread& self, Item item) {
    auto queue_ready = [this, &self, run = item.run](std::uint32_t task) {
      push(self.index, {run, task});
    };
    auto task = item.task;
    while (task != no_task) {
      const auto next = item.run->execute(task, self.index, queue_ready);
      count_done(self, *item.run);
      task = next;
    }
  }

  // A thread counts the tasks it runs down their run's remaining ones in batches: that count
  // is one word for all threads, and written after every task it took a third of execute()'s
  // time on the reduction graph (its cache line moving between the cores). A batch is at most
  // 64 tasks, or what 100,000 ticks (30 to 100 us) brought: a slow task is counted as it
  // ends, and progress bars stay current. The thread also counts what it holds before it runs
  // another run's task and before it waits for work, so that a run ends as soon as its tasks
  // are done (until they are counted it cannot end).
  static constexpr std::uint32_t count_batch = 64;
  static constexpr std::uint64_t count_ticks = 100'000;
  static void count_done(PoolThread& self, LocalRun& run) {
    if (self.counting != &run) {
      count_now(self);
      self.counting = &run;
    }
    if (++self.uncounted == count_batch || ticks() - self.counted_at > count_ticks) {
      count_now(self);
    }
  }
  static void count_now(PoolThread& self) {
    LocalRun* run = std::exchange(self.counting, nullptr);
    const auto count = std::exchange(self.uncounted, 0);
    if (count == 0) return;
    self.counted_at = ticks();
    run->tasks_done(count);
  }

  bool has_work() const noexcept {
    return queued_.load(std::memory_order_seq_cst) > 0 ||
           feeding_count_.load(std::memory_order_seq_cst) > 0;
  }

  // Sleeps until work may be there, `done` holds, or the deadline (at most 50 ms as a
  // safety net) passes.
  void park(const std::function<bool()>* done, Clock::time_point deadline) {
    std::unique_lock lock(park_mutex_);
    sleepers_.fetch_add(1, std::memory_order_seq_cst);
    const auto epoch = epoch_;
    if (!has_work() && !stop_.load() && !(done && (*done)())) {
      park_cv_.wait_until(lock, std::min(deadline, Clock::now() + std::chrono::milliseconds(50)),
                          [&] { return epoch_ != epoch || stop_.load(); });
    }
    sleepers_.fetch_sub(1, std::memory_order_seq_cst);
  }

  void wake(std::uint32_t count) {
    if (sleepers_.load(std::memory_order_seq_cst) == 0) return;
    {
      std::lock_guard lock(park_mutex_);
      ++epoch_;
    }
    if (count == 1) {
      park_cv_.notify_one();
    } else {
      park_cv_.notify_all();
    }
  }

  void wake_all() { wake(static_cast<std::uint32_t>(workers_.size())); }

  void work(PoolThread& self) {
    current_helper() = &self;
    name_this_thread("tessera-thread-" + std::to_string(self.index));
    set_current_worker_name(worker_name(self.index));
    if (on_thread_start_) on_thread_start_();
    Item item{};
    int idle = 0;
    for (;;) {
      if (!close_mailbox(self)) {
        run_item(self, take_mail(self));
        idle = 0;
      } else if (find_work(self, item)) {
        run_item(self, item);
        idle = 0;
      } else if (count_now(self); stop_.load(std::memory_order_seq_cst)) {
        return;
      } else if (++idle < spins) {
        // Watches its mailbox and the shared counters a moment before yielding: a hand-off
        // or a push shows there at once.
        self.mailbox.state.store(open, std::memory_order_release);
        const auto ready = [this, &self] {
          return self.mailbox.state.load(std::memory_order_relaxed) != open || has_work();
        };
        if (!spin_for(ready, spin_between_yields)) std::this_thread::yield();
      } else {
        park(nullptr, Clock::time_point::max());
      }
    }
  }

  bool help_until(PoolThread& self, const std::function<bool()>& done, Clock::time_point deadline) {
    Item item{};
    for (;;) {
      if (done()) return true;
      if (Clock::now() >= deadline) return false;
      if (find_work(self, item)) {
        run_item(self, item);
      } else {
        count_now(self);
        park(&done, deadline);
      }
    }
  }

  std::function<void()> on_thread_start_;
  std::vector<std::unique_ptr<PoolThread>> workers_;
  std::vector<Queue> queues_;
  Queue injected_;
  std::atomic<std::int64_t> queued_{0};

  std::mutex feeding_mutex_;
  std::deque<Feed> feeding_;
  std::atomic<std::size_t> feeding_count_{0};

  std::mutex park_mutex_;
  std::condition_variable park_cv_;
  std::atomic<std::uint32_t> sleepers_{0};
  std::uint64_t epoch_ = 0;
  std::atomic<bool> stop_{false};
};

}  // namespace

std::unique_ptr<Executor> make_thread_pool(std::uint32_t threads,
                                           std::function<void()> on_thread_start) {
  return std::make_unique<ThreadPool>(std::max<std::uint32_t>(threads, 1),
                                      std::move(on_thread_start));
}

}  // namespace tessera::detail
