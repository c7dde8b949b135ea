#include "diagnostics/report_data.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "diagnostics/dashboard_json.hpp"
#include "diagnostics/metrics_sources.hpp"
#include "diagnostics/task_prefix.hpp"
#include "support/task_stream.hpp"
#include "tessera/config.hpp"
#include "tessera/events.hpp"

#ifndef TESSERA_VERSION
#define TESSERA_VERSION "unknown"
#endif

namespace tessera::detail {
namespace {

using nlohmann::json;

std::uint64_t minus(std::uint64_t a, std::uint64_t b) { return a > b ? a - b : 0; }

// The counts of what ran between two readings; gauges (memory, tasks processing) as at the end.
MetricsSnapshot between(const MetricsSnapshot& first, const MetricsSnapshot& last) {
  MetricsSnapshot s = last;
  s.tasks_submitted = minus(last.tasks_submitted, first.tasks_submitted);
  s.tasks_completed = minus(last.tasks_completed, first.tasks_completed);
  s.tasks_failed = minus(last.tasks_failed, first.tasks_failed);
  for (std::size_t b = 0; b < s.durations.buckets.size(); ++b)
    s.durations.buckets[b] = minus(last.durations.buckets[b], first.durations.buckets[b]);
  s.durations.sum = std::max(0.0, last.durations.sum - first.durations.sum);
  for (auto& [name, p] : s.prefixes) {
    auto before = first.prefixes.find(name);
    if (before == first.prefixes.end()) continue;
    p.total = minus(p.total, before->second.total);
    p.done = minus(p.done, before->second.done);
    p.failed = minus(p.failed, before->second.failed);
  }
  std::erase_if(s.prefixes, [](const auto& entry) { return entry.second.total == 0; });
  for (auto& t : s.transfers) {
    for (const auto& before : first.transfers) {
      if (before.source == t.source && before.destination == t.destination) {
        t.bytes = minus(t.bytes, before.bytes);
        t.count = minus(t.count, before.count);
      }
    }
  }
  std::erase_if(s.transfers, [](const TransferTotals& t) { return t.count == 0; });
  return s;
}

// Without metrics, what the task stream says: tasks that ran, per prefix, on how many threads.
MetricsSnapshot from_records(const std::vector<LiveTask>& tasks) {
  MetricsSnapshot s;
  std::set<std::string> threads;
  for (const auto& t : tasks) {
    ++s.tasks_completed;
    auto& p = s.prefixes[t.prefix];
    ++p.total;
    ++p.done;
    s.durations.add(t.stop - t.start);
    threads.insert(t.worker);
  }
  s.tasks_submitted = s.tasks_completed;
  s.threads = threads.size();
  return s;
}

}  // namespace

MetricsReading read_metrics() {
  MetricsReading reading;
  reading.time = wall_time();
  reading.snapshot = collect_metrics();
  reading.measured = reading.snapshot.cluster || reading.snapshot.threads > 0;
  return reading;
}

std::map<std::uint64_t, std::uint64_t> task_stream_positions() {
  std::map<std::uint64_t, std::uint64_t> positions;
  for_each_task_stream([&](const TaskStream& stream) {
    std::uint64_t seen = ~std::uint64_t{0};  // reads nothing, tells the count
    stream.records_after(seen, 0);
    positions[stream.id()] = seen;
  });
  return positions;
}

std::string report_data(const ReportInputs& in) {
  LiveTasks tasks;
  tasks.now = in.stop;
  for_each_task_stream([&](const TaskStream& stream) {
    auto found = in.streams_at_start.find(stream.id());
    std::uint64_t seen = found == in.streams_at_start.end() ? 0 : found->second;
    for (auto& record : stream.records_after(seen, stream.limit())) {
      tasks.tasks.push_back(LiveTask{std::move(record.worker), std::string(task_prefix(record.key)),
                                     record.start, record.stop});
    }
  });
  std::sort(tasks.tasks.begin(), tasks.tasks.end(),
            [](const LiveTask& a, const LiveTask& b) { return a.start < b.start; });

  const bool measured = in.last.measured;
  const auto scope =
      measured ? between(in.first.snapshot, in.last.snapshot) : from_records(tasks.tasks);
  json samples = json::array();
  for (const auto& sample : in.samples) {
    json workers = json::array();
    for (const auto& w : sample.snapshot.workers) {
      workers.push_back({{"name", "worker rank " + std::to_string(w.rank)},
                         {"memory", w.memory_bytes},
                         {"spilled", w.spilled_bytes}});
    }
    samples.push_back({{"t", sample.time}, {"workers", std::move(workers)}});
  }
  json settings = json::object();
  for (const auto& name : config::names()) {
    try {
      settings[name] = config::get(name);
    } catch (const std::exception& error) {
      settings[name] = std::string("(unreadable: ") + error.what() + ")";
    }
  }
  json notes = json::array();
  std::string memory_note = "no worker reported its memory while the report was open";
  if (!measured) {
    memory_note =
        "Memory, spilled results and transfers are not in this report: they come from the "
        "dashboard's metrics, which were off. Set dashboard_address (e.g. 127.0.0.1:0) before "
        "the Runtime or Client starts to include them.";
    notes.push_back(memory_note);
  } else if (!scope.cluster) {
    memory_note = "The local schedulers keep results in this process and do not measure them.";
  }
  json report{
      {"start", in.start}, {"stop", in.stop}, {"notes", notes}, {"memory_note", memory_note}};

  // The parts already in JSON are spliced in as they are.
  std::string data = "{\"mode\":\"report\",\"version\":";
  data += json(TESSERA_VERSION).dump();
  data += ",\"report\":";
  data += report.dump(-1, ' ', false, json::error_handler_t::replace);
  data += ",\"settings\":";
  data += settings.dump(-1, ' ', false, json::error_handler_t::replace);
  data += ",\"samples\":";
  data += samples.dump();
  data += ",\"snapshot\":";
  data += snapshot_json(scope, in.stop);
  data += ",\"tasks\":";
  data += tasks_json(tasks);
  data += ",\"events\":";
  std::vector<Event> events = events_since(in.start, 100000);
  std::erase_if(events, [&](const Event& e) { return e.time > in.stop; });
  data += events_json(events, in.stop);
  data += '}';
  return data;
}

}  // namespace tessera::detail
