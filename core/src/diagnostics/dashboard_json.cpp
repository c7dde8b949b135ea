#include "diagnostics/dashboard_json.hpp"

#include <nlohmann/json.hpp>

#include "tessera/config.hpp"

namespace tessera::detail {
namespace {

using nlohmann::json;

double setting_or(const char* name, double fallback) {
  try {
    return config::get_double(name);
  } catch (const std::exception&) {
    return fallback;
  }
}

std::string dump(const json& value) {
  // Worker names and messages may hold any bytes: replace what is not UTF-8.
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

std::string snapshot_json(const MetricsSnapshot& s, double now) {
  json tasks{{"submitted", s.tasks_submitted},
             {"completed", s.tasks_completed},
             {"failed", s.tasks_failed},
             {"by_state", s.tasks_by_state}};
  json durations{
      {"bounds", duration_bounds}, {"counts", s.durations.buckets}, {"sum", s.durations.sum}};
  // The thresholds are rank 0's settings: each worker reads its own, usually the same.
  const double spill = setting_or("worker_memory_spill", 0.6);
  const double pause = setting_or("worker_memory_pause", 0.8);
  json workers = json::array();
  for (const auto& w : s.workers) {
    workers.push_back({{"rank", w.rank},
                       {"name", "rank " + std::to_string(w.rank)},
                       {"threads", w.threads},
                       {"processing", w.processing},
                       {"memory", w.memory_bytes},
                       {"memory_limit", w.memory_limit},
                       {"spill_fraction", spill},
                       {"pause_fraction", pause},
                       {"spilled", w.spilled_bytes},
                       {"spilled_total", w.spilled_total},
                       {"paused", w.paused}});
  }
  if (!s.cluster && s.threads > 0) {  // the local schedulers: this process is the one worker
    const auto processing = s.tasks_by_state.find("processing");
    workers.push_back(
        {{"rank", 0},
         {"name", "local"},
         {"threads", s.threads},
         {"processing", processing == s.tasks_by_state.end() ? 0 : processing->second},
         {"memory", nullptr}});
  }
  json transfers = json::array();
  for (const auto& t : s.transfers) {
    transfers.push_back({{"source", t.source},
                         {"destination", t.destination},
                         {"bytes", t.bytes},
                         {"count", t.count}});
  }
  json prefixes = json::object();
  for (const auto& [name, p] : s.prefixes) {
    prefixes[name] = {
        {"total", p.total}, {"done", p.done}, {"failed", p.failed}, {"processing", p.processing}};
  }
  return dump({{"now", now},
               {"cluster", s.cluster},
               {"threads", s.threads},
               {"workers_joined", s.workers_joined},
               {"workers_left", s.workers_left},
               {"tasks", std::move(tasks)},
               {"durations", std::move(durations)},
               {"workers", std::move(workers)},
               {"transfers", std::move(transfers)},
               {"prefixes", std::move(prefixes)}});
}

std::string tasks_json(const LiveTasks& live) {
  json tasks = json::array();
  for (const auto& t : live.tasks) {
    tasks.push_back({{"w", t.worker}, {"p", t.prefix}, {"s", t.start}, {"e", t.stop}});
  }
  return dump({{"now", live.now}, {"truncated", live.truncated}, {"tasks", std::move(tasks)}});
}

std::string events_json(const std::vector<Event>& events, double now) {
  json list = json::array();
  for (const auto& e : events) {
    list.push_back(
        {{"time", e.time}, {"topic", e.topic}, {"message", e.message}, {"source", e.source}});
  }
  return dump({{"now", now}, {"events", std::move(list)}});
}

std::string for_script(std::string text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '<') {
      out += "\\u003c";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace tessera::detail
