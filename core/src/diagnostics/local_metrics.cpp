#include "diagnostics/local_metrics.hpp"

#include <algorithm>
#include <array>

#include "diagnostics/prefix_labeller.hpp"

namespace tessera::detail {

LocalMetrics::LocalMetrics(std::vector<std::string> names, bool shared)
    : names_(std::move(names)),
      threads_(static_cast<std::uint32_t>(names_.size())),
      tallies_(std::make_unique<TaskTally[]>(threads_)) {
  if (shared) {
    for (std::uint32_t t = 0; t < threads_; ++t) tallies_[t].allow_many_writers();
  }
  add_metrics_source(*this);
}

LocalMetrics::~LocalMetrics() { remove_metrics_source(*this); }

std::unique_ptr<std::uint32_t[]> LocalMetrics::submitted(
    const std::vector<const Key*>& keys, const std::vector<const TaskCode*>& codes) {
  const auto n = keys.size();
  std::unique_ptr<std::uint32_t[]> ids(new std::uint32_t[n]);
  std::array<std::uint64_t, TaskTally::max_prefixes> counted{};
  {
    std::lock_guard lock(prefix_mutex_);
    // Through plain pointers, which stay in registers across the labeller's calls.
    const Key* const* key = keys.data();
    const TaskCode* const* code = codes.data();
    std::uint32_t* id = ids.get();
    // One per run: it knows codes by address, and a later run's code may have the address of
    // an earlier one's.
    PrefixLabeller labeller(prefixes_);
    // A key lies in its task's node, far from the last one: reading it is a cache miss that
    // costs more than all the rest. While keys are read, those well ahead are asked for, so
    // that the misses overlap (a key may straddle two cache lines).
    constexpr std::size_t ahead = 64;
    for (std::size_t t = 0; t < n; ++t) {
      const TaskCode& c = *code[t];
      std::uint32_t label;
      if (c.keys_from_name) {
        label = labeller.id_of_named(c);
      } else {
        if (t + ahead < n) {
          const auto* later = reinterpret_cast<const char*>(key[t + ahead]);
          __builtin_prefetch(later);
          __builtin_prefetch(later + sizeof(Key) - 1);
        }
        label = labeller.id_of_key(*key[t], c);
      }
      id[t] = label;
      ++counted[std::min(label, TaskTally::max_prefixes - 1)];
    }
    const auto used = std::min(prefixes_.size(), TaskTally::max_prefixes);
    if (totals_.size() < used) totals_.resize(used, 0);
    for (std::uint32_t id = 0; id < used; ++id) totals_[id] += counted[id];
  }
  submitted_.fetch_add(n, std::memory_order_relaxed);
  return ids;
}

std::string LocalMetrics::prefix_name(std::uint32_t id) {
  if (id == TaskTally::max_prefixes - 1 && prefixes_.size() > TaskTally::max_prefixes)
    return "other";
  return id < prefixes_.size() ? prefixes_.name(id) : std::string("other");
}

void LocalMetrics::collect(MetricsSnapshot& snapshot) {
  // Read the submissions last: every task counted done was submitted before.
  std::uint64_t done = 0;
  std::uint64_t running = 0;
  std::vector<std::uint64_t> processing(TaskTally::max_prefixes, 0);
  const TickClock clock;
  for (std::uint32_t t = 0; t < threads_; ++t) {
    const auto& tally = tallies_[t];
    snapshot.tasks_completed += tally.finished_count();
    snapshot.tasks_failed += tally.failed_count();
    done += tally.finished_count() + tally.failed_count();
    if (tally.running()) {
      ++running;
      ++processing[tally.running_prefix()];
    }
    tally.add_to(snapshot.durations, clock);
  }
  const auto submitted = submitted_.load(std::memory_order_relaxed);
  snapshot.tasks_submitted += submitted;
  const auto in_flight = submitted > done ? submitted - done : 0;
  running = std::min(running, in_flight);
  snapshot.tasks_by_state["processing"] += running;
  snapshot.tasks_by_state["waiting"] += in_flight - running;
  snapshot.threads += threads_;

  std::lock_guard lock(prefix_mutex_);
  for (std::uint32_t id = 0; id < totals_.size(); ++id) {
    auto& progress = snapshot.prefixes[prefix_name(id)];
    progress.total += totals_[id];
    for (std::uint32_t t = 0; t < threads_; ++t) {
      progress.done += tallies_[t].done_count(id);
      progress.failed += tallies_[t].failed_count(id);
    }
    progress.processing += processing[id];
  }
}

void LocalMetrics::recent_tasks(double since, double, std::size_t limit,
                                std::vector<LiveTask>& out) {
  std::vector<TaskSpan> spans;
  std::vector<std::uint32_t> owner;
  const TickClock clock;
  for (std::uint32_t t = 0; t < threads_; ++t) {
    tallies_[t].spans_since(since, clock, [&](const TaskSpan& span) {
      spans.push_back(span);
      owner.push_back(t);
    });
  }
  std::vector<std::size_t> order(spans.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  if (order.size() > limit) {  // the newest
    std::nth_element(order.begin(), order.end() - static_cast<std::ptrdiff_t>(limit), order.end(),
                     [&](auto a, auto b) { return spans[a].stop < spans[b].stop; });
    order.erase(order.begin(), order.end() - static_cast<std::ptrdiff_t>(limit));
  }
  std::lock_guard lock(prefix_mutex_);
  for (auto i : order) {
    const auto id = spans[i].prefix;
    out.push_back(LiveTask{names_[owner[i]], id < prefixes_.size() ? prefixes_.name(id) : "other",
                           spans[i].start, spans[i].stop});
  }
}

}  // namespace tessera::detail
