#include "local/local_run.hpp"

#include <algorithm>
#include <typeinfo>

#include "tessera/events.hpp"

namespace tessera::detail {

LocalRun::LocalRun(Plan plan, std::vector<FutureStatePtr> outputs,
                   std::shared_ptr<TaskStream> stream, std::uint32_t workers)
    : plan_(std::move(plan)),
      outputs_(std::move(outputs)),
      results_(plan_.size(), workers),
      remaining_(plan_.size()),
      outputs_left_(static_cast<std::uint32_t>(plan_.outputs.size())),
      stream_(std::move(stream)) {
  const auto n = plan_.size();
  output_bits_.assign((static_cast<std::size_t>(n) + 63) / 64, 0);
  output_slots_.reserve(plan_.outputs.size());
  for (std::uint32_t i = 0; i < plan_.outputs.size(); ++i) {
    const auto task = plan_.outputs[i];
    output_bits_[task >> 6] |= std::uint64_t{1} << (task & 63);
    output_slots_.emplace_back(task, i);
  }
  std::sort(output_slots_.begin(), output_slots_.end());

  for (std::uint32_t t = 0; t < n; ++t) {
    if (plan_.waiting[t] == 0) roots_.push_back(t);
  }

  if (stream_ && stream_->limit() > 0) {
    records_.resize(workers);
    // Room for what a worker may record, made once: a ring that doubles as it grows leaves
    // the arrays it grew out of in the heap.
    const auto most = std::min<std::size_t>(stream_->limit(), n);
    for (auto& worker : records_) worker.ring.reserve(most);
  }
}

LocalRun::~LocalRun() { delete[] failed_.load(std::memory_order_relaxed); }

bool LocalRun::set_failed(std::uint32_t task, std::uint32_t cause, bool replace) {
  auto* failed = failed_.load(std::memory_order_acquire);
  if (!failed) {
    std::lock_guard lock(failed_mutex_);
    failed = failed_.load(std::memory_order_relaxed);
    if (!failed) {
      failed = new std::uint32_t[plan_.size()];
      std::fill(failed, failed + plan_.size(), no_task);
      failed_.store(failed, std::memory_order_release);
    }
  }
  if (replace) {
    atomic(failed[task]).store(cause, std::memory_order_release);
    return true;
  }
  auto expected = no_task;
  return atomic(failed[task]).compare_exchange_strong(expected, cause, std::memory_order_acq_rel);
}

std::uint32_t LocalRun::output_slot(std::uint32_t task) const noexcept {
  const auto found = std::lower_bound(output_slots_.begin(), output_slots_.end(),
                                      std::pair{task, std::uint32_t{0}});
  return found != output_slots_.end() && found->first == task ? found->second : no_task;
}

void LocalRun::begin(Executor& executor) {
  executor_ = &executor;
  self_ = shared_from_this();
  for (std::uint32_t i = 0; i < outputs_.size(); ++i) {
    outputs_[i]->attach(weak_from_this(), plan_.outputs[i]);
  }
  for (const auto& external : plan_.externals) {
    external.state->add_handle();
    external.state->on_done([this, state = external.state.get(), task = external.task] {
      if (state->status() != FutureState::Status::finished) mark_failed(task, state->error());
      if (atomic(plan_.waiting[task]).fetch_sub(1, std::memory_order_acq_rel) == 1) {
        executor_->schedule(*this, task);
      }
    });
  }
}

void LocalRun::invoke(std::uint32_t task, std::uint32_t worker) {
  const TaskCode& code = *plan_.code[task];
  // Where each argument is read from: a literal, or another task's result.
  const auto first = plan_.arg_begin[task];
  const auto count = plan_.arg_begin[task + 1] - first;
  constexpr std::uint32_t inline_count = 8;
  const Value* inline_args[inline_count];
  std::unique_ptr<const Value*[]> many;
  const Value** args = inline_args;
  if (count > inline_count) {
    many.reset(new const Value*[count]);
    args = many.get();
  }
  for (std::uint32_t i = 0; i < count; ++i) {
    const PlanArg arg = plan_.args[first + i];
    args[i] = arg.value() ? arg.value() : &results_[arg.task()];
  }
  const int retries = plan_.retries.empty() ? 0 : plan_.retries[task];
  const bool record = !records_.empty();
  TaskTally* const tally = tallies_ ? &tallies_[worker] : nullptr;
  const std::uint32_t prefix = tally ? prefix_[task] : 0;
  const bool timed = record || tally;
  if (tally) tally->started(prefix);
  Value& result = results_.take(task, worker);
  for (int attempt = 0;; ++attempt) {
    const std::uint64_t start = timed ? ticks() : 0;
    try {
      result = code.invoke(code.callable, args);
    } catch (...) {
      if (attempt < retries) {
        log_event("retries", "task '" + *plan_.keys[task] + "' failed, retry " +
                                 std::to_string(attempt + 1) + " of " + std::to_string(retries));
        continue;
      }
      std::string type = "unknown exception";
      std::string message;
      try {
        throw;
      } catch (const TaskError&) {  // it waited on a failed task: report that one
        fail(task, std::current_exception());
        return;
      } catch (const std::exception& error) {
        type = demangle(typeid(error).name());
        message = error.what();
        if (code.registered && dynamic_cast<const TypeError*>(&error)) {
          // Arguments that do not fit: say so naming the function, as MPI workers do.
          auto problem = argument_problem(*code.registered, args, count);
          if (!problem.empty()) message = std::move(problem);
        }
      } catch (...) {
      }
      fail(task,
           std::make_exception_ptr(TaskError(*plan_.keys[task], executor_->worker_name(worker),
                                             std::move(type), std::move(message))));
      return;
    }
    const std::uint64_t stop = timed ? ticks() : 0;
    if (tally) tally->finished(prefix, start, stop, bounds_);
    if (record) {
      auto& mine = records_[worker];
      const RawRecord raw{task, start, stop};
      if (mine.ring.size() < stream_->limit()) {
        mine.ring.push_back(raw);
      } else {
        mine.ring[mine.next] = raw;
        if (++mine.next == mine.ring.size()) mine.next = 0;
      }
    }
    return;
  }
}

void LocalRun::fail(std::uint32_t task, std::exception_ptr error) {
  {
    std::lock_guard lock(failures_mutex_);
    failures_.emplace(task, std::move(error));
  }
  set_failed(task, task, /*replace=*/true);
}

void LocalRun::mark_failed(std::uint32_t task, std::exception_ptr error) {
  {
    std::lock_guard lock(failures_mutex_);
    failures_.emplace(task, std::move(error));
  }
  set_failed(task, task);
}

void LocalRun::deliver(std::uint32_t task) {
  auto& state = *outputs_[output_slot(task)];
  // Every task feeds an output, so before the last one is delivered all tasks have run: the
  // task stream is complete, and the run lets go of the graph. A big graph is then freed by
  // the caller's thread when it drops its Delayed, not by this worker while the caller is
  // already building the next one.
  if (outputs_left_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    flush_records();
    release_graph();
  }
  const auto failed = failed_of(task);
  if (failed != no_task) {
    std::exception_ptr error;
    {
      std::lock_guard lock(failures_mutex_);
      error = failures_.at(failed);
    }
    const bool cancelled = [&] {
      try {
        std::rethrow_exception(error);
      } catch (const CancelledError&) {
        return true;
      } catch (...) {
        return false;
      }
    }();
    state.fail(error, cancelled ? FutureState::Status::cancelled : FutureState::Status::error);
  } else if (plan_.dependent_begin[task + 1] == plan_.dependent_begin[task]) {
    state.finish(std::move(results_[task]));
  } else {
    state.finish(results_[task]);
  }
}

void LocalRun::cancel_task(std::uint32_t task, bool released) noexcept {
  if (released && plan_.dependent_begin[task + 1] != plan_.dependent_begin[task]) return;
  try {
    // The graph (and so the task's key) may already be released: name the output instead.
    const auto slot = output_slot(task);
    auto error = std::make_exception_ptr(
        CancelledError(slot == no_task ? std::string("a task was cancelled")
                                       : "task '" + outputs_[slot]->key() + "' was cancelled"));
    mark_failed(task, error);
    // Everything downstream is cancelled now, not when the task would have run: its inputs
    // may never arrive.
    std::vector<std::uint32_t> downstream{task};
    while (!downstream.empty()) {
      const auto t = downstream.back();
      downstream.pop_back();
      for (auto d = plan_.dependent_begin[t]; d < plan_.dependent_begin[t + 1]; ++d) {
        const auto dependent = plan_.dependents[d];
        if (!set_failed(dependent, task)) {
          continue;  // already failed or cancelled, and so is what follows it
        }
        if (is_output(dependent)) {
          outputs_[output_slot(dependent)]->fail(error, FutureState::Status::cancelled);
        }
        downstream.push_back(dependent);
      }
    }
    bool all_cancelled = true;
    for (const auto& output : outputs_) {
      all_cancelled = all_cancelled && output->status() == FutureState::Status::cancelled;
    }
    if (all_cancelled) abandoned_.store(true, std::memory_order_relaxed);
  } catch (...) {
    // Out of memory while recording the cancellation: the task simply runs.
  }
}

ProgressCounts LocalRun::counts() const noexcept {
  const std::uint64_t total = plan_.size();
  const std::uint64_t done = total - remaining_.load(std::memory_order_acquire);
  // Failures are counted at once, tasks in batches: no more failed than done.
  return {total, done,
          std::min<std::uint64_t>(done, failed_count_.load(std::memory_order_relaxed))};
}

void LocalRun::flush_records() {
  if (records_.empty()) return;
  // Each worker's ring is in time order once rotated to its oldest record: merge them through
  // a heap of workers, the one whose next record started first on top, and keep the newest.
  const auto limit = stream_->limit();
  std::vector<const RawRecord*> next(records_.size()), end(records_.size());
  std::vector<std::uint32_t> heap, names(records_.size());
  std::size_t total = 0;
  for (std::uint32_t w = 0; w < records_.size(); ++w) {
    auto& ring = records_[w].ring;
    std::rotate(ring.begin(), ring.begin() + static_cast<std::ptrdiff_t>(records_[w].next),
                ring.end());
    next[w] = ring.data();
    end[w] = ring.data() + ring.size();
    total += ring.size();
    if (!ring.empty()) heap.push_back(w);
    names[w] = stream_->worker_id(executor_->worker_name(w));
  }
  const auto later = [&](std::uint32_t a, std::uint32_t b) {
    return next[a]->start > next[b]->start;
  };
  std::make_heap(heap.begin(), heap.end(), later);
  auto skip = total - std::min(total, limit);
  // Handed to the stream a piece at a time: the stream copies them, and this is the end of a
  // big run, while its plan and graph are still held (a copy of all would add 40 bytes a record).
  constexpr std::size_t piece = 4096;
  std::vector<TaskStream::Entry> entries;
  entries.reserve(std::min(piece, total - skip));
  const TickClock clock;
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), later);
    const auto w = heap.back();
    const RawRecord& raw = *next[w]++;
    if (skip > 0) {
      --skip;
    } else {
      entries.push_back(TaskStream::Entry{*plan_.keys[raw.task], names[w], clock.seconds(raw.start),
                                          clock.seconds(raw.stop)});
      if (entries.size() == piece) {
        stream_->add(entries);
        entries.clear();
      }
    }
    if (next[w] == end[w]) {
      heap.pop_back();
    } else {
      std::push_heap(heap.begin(), heap.end(), later);
    }
  }
  stream_->add(entries);
}

void LocalRun::release_graph() noexcept { plan_.keep_alive.clear(); }

void LocalRun::complete() {
  if (end_counter_) end_counter_->set(plan_.size(), failed_count_.load(std::memory_order_relaxed));
  for (const auto& external : plan_.externals) external.state->drop_handle();
  auto keep = std::move(self_);  // the run may end here, when nobody else holds it
}

}  // namespace tessera::detail
