// A worker of an elastic cluster that leaves on purpose (its lifetime is over, or its job is
// about to end): it takes no new work, gives back the tasks it has not started, finishes the
// others, and hands the results only it holds to other workers before it is told to stop.
// Nothing has to be computed again, unlike for a lost worker (scheduler_recovery.cpp).

#include <algorithm>

#include "cluster/scheduler.hpp"
#include "cluster/scheduler_state.hpp"
#include "mpi/messages.hpp"
#include "tessera/events.hpp"

namespace tessera::detail {

void Scheduler::retire(int rank, bool urgent) {
  if (rank < 1 || rank >= worker_end()) return;
  auto& worker = workers_[static_cast<std::size_t>(rank)];
  if (worker.gone) return;
  worker.retire_urgent = worker.retire_urgent || urgent;
  if (worker.retiring) return;
  worker.retiring = true;
  ++retiring_;
  update_roster();
  log_event("elastic", "worker rank " + std::to_string(rank) +
                           " retires: it takes no new work and hands its results over");
  if (worker.in_flight > 0 && !worker.steal_pending) {
    worker.steal_pending = true;
    post(outbox_, rank, Steal{worker.in_flight});
  }
}

void Scheduler::hand_over() {
  for (int rank = 1; rank < worker_end(); ++rank) {
    auto& worker = workers_[static_cast<std::size_t>(rank)];
    if (!worker.retiring || worker.gone || worker.shutdown_sent) continue;
    if (worker.in_flight > 0 || worker.steal_pending) continue;  // still finishing its tasks
    std::vector<DataKey> only_here;
    for (const auto& [id, run] : runs_) {
      for (std::uint32_t t = 0; t < run->tasks.size(); ++t) {
        const auto& task = run->tasks[t];
        if (task.state != TaskState::done || task.worker != rank) continue;
        // A copy counts only on a worker that stays: one that retires too (a worker keeps
        // copies of what it fetched) may be gone before this one.
        if (auto copies = run->replicas.find(t);
            copies != run->replicas.end() &&
            std::any_of(copies->second.begin(), copies->second.end(), [&](int holder) {
              return workers_[static_cast<std::size_t>(holder)].usable();
            })) {
          continue;
        }
        only_here.push_back(DataKey{id, t});
      }
    }
    if (only_here.empty()) {
      worker.shutdown_sent = true;
      post(outbox_, rank, Shutdown{});
      continue;
    }
    // To the worker with the least work; one that joins later may take the rest.
    int target = -1;
    for (int other = 1; other < worker_end(); ++other) {
      const auto& candidate = workers_[static_cast<std::size_t>(other)];
      if (!candidate.usable() || candidate.paused) continue;
      if (target < 0 || candidate.in_flight < workers_[static_cast<std::size_t>(target)].in_flight)
        target = other;
    }
    if (target < 0) {
      // No worker to take them: it waits for one (a replacement joins ahead of a lifetime's
      // end), unless its job is about to end; then it goes, and what only it held is made
      // again should a task or future need it.
      if (!worker.retire_urgent) continue;
      worker.shutdown_sent = true;
      post(outbox_, rank, Shutdown{});
      log_event("elastic", "worker rank " + std::to_string(rank) + " retires with " +
                               std::to_string(only_here.size()) +
                               " results no other worker can take");
      continue;
    }
    std::vector<DataKey> ask;
    for (const auto key : only_here) {
      auto given = worker.handing.find(key);
      if (given != worker.handing.end() &&
          workers_[static_cast<std::size_t>(given->second)].usable()) {
        continue;  // asked already, of a worker that is still there
      }
      worker.handing[key] = target;
      ask.push_back(key);
    }
    if (!ask.empty()) post(outbox_, target, Replicate{std::move(ask), rank});
  }
}

// It said goodbye: the copies of its results become the results, and it may exit.
void Scheduler::retired(int rank) {
  --retiring_;
  const auto recomputed = recover(rank);
  post(outbox_, rank, Exit{});
  log_event("elastic",
            "worker rank " + std::to_string(rank) + " retired" +
                (recomputed > 0 ? "; " + std::to_string(recomputed) + " tasks run again elsewhere"
                                : std::string()));
}

}  // namespace tessera::detail
