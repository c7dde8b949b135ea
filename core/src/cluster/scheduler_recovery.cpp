// What the scheduler does when a worker of an elastic cluster is lost (killed, crashed, its
// node gone, or silent past worker_timeout): the tasks it was running run again elsewhere, and
// the results only it held are made again from the graph (the lineage), with every input of
// theirs that is gone too. Workers waiting for one of those results are told where it will be
// made, or where a copy of it is (Moved); clients holding one hear it is done again, elsewhere
// (OutputDone).

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "cluster/scheduler.hpp"
#include "cluster/scheduler_state.hpp"
#include "mpi/messages.hpp"
#include "tessera/events.hpp"

namespace tessera::detail {

namespace {
// A task that was on this many lost workers is not tried again: it may be what kills them.
constexpr std::uint8_t lost_workers_allowed = 3;
}  // namespace

void Scheduler::worker_lost(int rank) {
  if (rank < 1 || rank >= worker_end()) return;
  auto& worker = workers_[static_cast<std::size_t>(rank)];
  if (worker.gone) return;
  if (worker.retiring) --retiring_;
  worker.gone = true;
  worker.lost = true;
  worker.in_flight = 0;
  worker.queued.clear();
  worker.steal_pending = false;
  update_roster();
  const auto recomputed = recover(rank);
  log_event("elastic", "worker rank " + std::to_string(rank) + " was lost; " +
                           std::to_string(recomputed) + " tasks run again elsewhere");
  if (done()) {
    for (int other = 1; other < worker_end(); ++other) {
      if (workers_[static_cast<std::size_t>(other)].said_goodbye) post(outbox_, other, Exit{});
    }
  }
}

std::size_t Scheduler::recover(int rank) {
  // Recovery may make a forgotten result again on the worker told to forget it: that worker
  // must hear the Forget first, so the gathered ones go out now, and recovery's own at once.
  send_forgets();
  forget_at_once_ = true;
  const auto recomputed = recover_from(rank);
  forget_at_once_ = false;
  return recomputed;
}

std::size_t Scheduler::recover_from(int rank) {
  // 1. The tasks it was running, and the results only it held.
  std::vector<DataKey> work;
  std::unordered_map<DataKey, int, DataKeyHash> copied;  // result -> the copy's worker now
  for (auto& [id, run] : runs_) {
    for (auto& [task, holders] : run->replicas) std::erase(holders, rank);
    for (std::uint32_t t = 0; t < run->tasks.size(); ++t) {
      auto& task = run->tasks[t];
      if (task.worker != rank) continue;
      if (task.state == TaskState::done) {
        auto copies = run->replicas.find(t);
        if (copies != run->replicas.end() && !copies->second.empty()) {
          task.worker = copies->second.back();  // a copy (broadcast, or handed over) lives on
          copies->second.pop_back();
          copied.emplace(DataKey{id, t}, task.worker);
          continue;
        }
      } else if (task.state != TaskState::assigned) {
        continue;
      }
      work.push_back(DataKey{id, t});
    }
  }

  // 2. With the inputs they need that are gone as well (forgotten once used, or lost), up
  // the graph. Scattered data cannot be made again: it and what reads it fail.
  std::unordered_map<DataKey, TaskState, DataKeyHash> reset;  // task -> its state before
  std::vector<DataKey> unrecoverable;
  while (!work.empty()) {
    const auto key = work.back();
    work.pop_back();
    if (reset.contains(key)) continue;
    Submission* run = find_run(key.run);
    if (!run) continue;
    auto& task = run->tasks[key.task];
    if (run->body.empty()) {  // scattered data
      unrecoverable.push_back(key);
      continue;
    }
    reset.emplace(key, task.state);
    if (task.state == TaskState::assigned) continue;  // its inputs are still kept for it
    for (auto i = run->input_begin[key.task]; i < run->input_begin[key.task + 1]; ++i) {
      const auto input = run->input(i);
      const Submission* source = input.run == run->id ? run : find_run(input.run);
      if (!source) continue;  // checked when counting what it waits for (below)
      const auto state = source->tasks[input.task].state;
      if (state == TaskState::forgotten ||
          (state == TaskState::done && source->tasks[input.task].worker == rank)) {
        work.push_back(input);
      }
    }
  }

  // 3. They wait again. A result that was done counts as a use of its inputs again, and as
  // not done for the run.
  std::vector<DataKey> failing;
  for (const auto& [key, before] : reset) {
    Submission& run = *find_run(key.run);
    auto& task = run.tasks[key.task];
    task.state = TaskState::waiting;
    task.worker = -1;
    if (before == TaskState::done) --run.holding;
    if (before == TaskState::done || before == TaskState::forgotten) {
      ++run.remaining;
      for (auto i = run.input_begin[key.task]; i < run.input_begin[key.task + 1]; ++i) {
        const auto input = run.input(i);
        Submission* source = input.run == run.id ? &run : find_run(input.run);
        if (source) ++source->tasks[input.task].uses;
      }
    } else if (++lost_with_[key] >= lost_workers_allowed) {
      failing.push_back(key);
    }
    run.report_progress();
    touched_.push_back(key.run);
  }

  // 4. What every reset task waits for; tasks reading a result that is not done any more
  // wait for it again, and workers waiting for one hear where it is made next.
  auto not_done = [&](DataKey input) {
    const Submission* source = find_run(input.run);
    return !source || source->tasks[input.task].state != TaskState::done;
  };
  for (auto& [id, run] : runs_) {
    for (std::uint32_t t = 0; t < run->tasks.size(); ++t) {
      auto& task = run->tasks[t];
      const DataKey key{id, t};
      const bool again = reset.contains(key);
      if (!again && task.state != TaskState::waiting && task.state != TaskState::queued &&
          task.state != TaskState::assigned) {
        continue;
      }
      if (again) task.waiting = 0;
      for (auto i = run->input_begin[t]; i < run->input_begin[t + 1]; ++i) {
        const auto input = run->input(i);
        if (!again && task.state == TaskState::assigned && !copied.empty()) {
          // Its worker may be fetching the input from the lost one: from the copy now.
          auto copy = copied.find(input);
          if (copy != copied.end() && copy->second != task.worker) {
            post(outbox_, task.worker, Moved{input, copy->second});
          }
        }
        auto was = reset.find(input);
        const bool lost_input =
            std::find(unrecoverable.begin(), unrecoverable.end(), input) != unrecoverable.end();
        if (again) {
          if (!not_done(input)) continue;
          ++task.waiting;
          if (input.run != id) {
            if (Submission* source = find_run(input.run)) {
              source->external_waiters[input.task].push_back(key);
            }
          }
          continue;
        }
        if (was == reset.end() && !lost_input) continue;
        if (task.state == TaskState::assigned) {
          auto& waiters = moved_waiters_[input];
          if (std::find(waiters.begin(), waiters.end(), task.worker) == waiters.end()) {
            waiters.push_back(task.worker);
          }
          continue;
        }
        if (lost_input) continue;  // failed below, with the data it reads
        // Waiting or queued: it had counted the input as done.
        if (was->second == TaskState::done || was->second == TaskState::forgotten) {
          ++task.waiting;
          task.state = TaskState::waiting;  // a queued entry of it is skipped
          if (input.run != id) {
            if (Submission* source = find_run(input.run)) {
              source->external_waiters[input.task].push_back(key);
            }
          }
        }
      }
    }
  }

  // 5. Scattered data that was only there is gone: what reads it fails.
  for (const auto key : unrecoverable) {
    Submission& run = *find_run(key.run);
    Failure failure{key_of(run, key.task), "worker rank " + std::to_string(rank), "tessera::Error",
                    "scattered data was lost with worker rank " + std::to_string(rank) +
                        ", which held the only copy (scatter it again, or with broadcast)"};
    lost_scatter(run, key.task, failure);
    if (auto waiters = moved_waiters_.find(key); waiters != moved_waiters_.end()) {
      for (int worker : waiters->second) post(outbox_, worker, Moved{key, -1});
      moved_waiters_.erase(waiters);
    }
  }

  // 6. Tasks that were on too many lost workers fail; the others run again when they can.
  for (const auto key : failing) {
    Submission& run = *find_run(key.run);
    reset.erase(key);
    skip(run, key.task,
         Failure{key_of(run, key.task), "worker rank " + std::to_string(rank), "tessera::Error",
                 "task '" + key_of(run, key.task) + "' was on " +
                     std::to_string(lost_workers_allowed) +
                     " workers that were lost (killed, crashed or silent); it is not run "
                     "again, as it may be what ends them"});
  }
  for (const auto& [key, before] : reset) {
    Submission* run = find_run(key.run);
    if (!run || run->tasks[key.task].state != TaskState::waiting ||
        run->tasks[key.task].waiting != 0) {
      continue;
    }
    // Tasks that were on the lost worker go one by one to the least loaded workers, not in a
    // block to one: if one of them kills its workers, the others part from it, and are not
    // blamed with it at the next loss.
    if (before == TaskState::assigned) {
      place(*run, key.task);
    } else {
      ready(*run, key.task);
    }
  }
  return reset.size();
}

// Scattered data that no worker holds any more: it fails, as does everything that reads it.
void Scheduler::lost_scatter(Submission& run, std::uint32_t task, const Failure& failure) {
  auto& t = run.tasks[task];
  if (t.state != TaskState::done) return;
  t.state = TaskState::failed;
  --run.holding;
  run.failures.emplace(task, failure);
  if (t.output) notify_output(run, task);
  for (auto& [id, other] : runs_) {
    for (std::uint32_t d = 0; d < other->tasks.size(); ++d) {
      const auto state = other->tasks[d].state;
      if (state != TaskState::waiting && state != TaskState::queued) continue;
      for (auto i = other->input_begin[d]; i < other->input_begin[d + 1]; ++i) {
        if (other->input(i) == DataKey{run.id, task}) {
          skip(*other, d, failure);
          break;
        }
      }
    }
  }
  touched_.push_back(run.id);
}

}  // namespace tessera::detail
