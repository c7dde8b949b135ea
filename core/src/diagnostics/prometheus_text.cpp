// The Prometheus text exposition format, version 0.0.4: per metric family a # HELP and a
// # TYPE line, then its samples, "name{label="value",...} number".

#include <charconv>
#include <cmath>
#include <string_view>

#include "diagnostics/metrics_snapshot.hpp"

namespace tessera::detail {
namespace {

class Text {
 public:
  void family(std::string_view name, std::string_view type, std::string_view help) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    out_ += help;
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
  }
  void sample(std::string_view name, std::string_view labels, std::uint64_t value) {
    start(name, labels);
    out_ += std::to_string(value);
    out_ += '\n';
  }
  void sample(std::string_view name, std::string_view labels, double value) {
    start(name, labels);
    out_ += number(value);
    out_ += '\n';
  }
  std::string take() { return std::move(out_); }

  static std::string number(double value) {
    if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
    if (std::isnan(value)) return "NaN";
    char text[32];  // the shortest text that reads back as the same double: 1e-06, 0.1
    auto end = std::to_chars(text, text + sizeof text, value).ptr;
    return std::string(text, end);
  }

 private:
  void start(std::string_view name, std::string_view labels) {
    out_ += name;
    if (!labels.empty()) {
      out_ += '{';
      out_ += labels;
      out_ += '}';
    }
    out_ += ' ';
  }
  std::string out_;
};

std::string label(std::string_view name, std::string_view value) {
  std::string text(name);
  text += "=\"";
  for (char c : value) {
    if (c == '\\' || c == '"') {
      text += '\\';
      text += c;
    } else if (c == '\n') {
      text += "\\n";
    } else {
      text += c;
    }
  }
  return text + '"';
}

std::string worker_label(int rank) { return label("worker", std::to_string(rank)); }

void write_tasks(Text& text, const MetricsSnapshot& s) {
  text.family("tessera_tasks", "gauge", "Tasks of the computations in flight, by state.");
  for (const auto& [state, count] : s.tasks_by_state) {
    text.sample("tessera_tasks", label("state", state), count);
  }
  text.family("tessera_tasks_submitted_total", "counter", "Tasks handed to the scheduler.");
  text.sample("tessera_tasks_submitted_total", "", s.tasks_submitted);
  text.family("tessera_tasks_completed_total", "counter", "Tasks that ran and succeeded.");
  text.sample("tessera_tasks_completed_total", "", s.tasks_completed);
  text.family("tessera_tasks_failed_total", "counter",
              "Tasks that failed, were skipped after a failed input, or were cancelled.");
  text.sample("tessera_tasks_failed_total", "", s.tasks_failed);

  const char* name = "tessera_task_duration_seconds";
  text.family(name, "histogram", "Run time of the tasks that completed, in seconds.");
  const std::string bucket = std::string(name) + "_bucket";
  std::uint64_t cumulative = 0;
  for (std::size_t b = 0; b < s.durations.buckets.size(); ++b) {
    cumulative += s.durations.buckets[b];
    const double bound = b < duration_bounds.size() ? duration_bounds[b] : INFINITY;
    text.sample(bucket, label("le", Text::number(bound)), cumulative);
  }
  text.sample(std::string(name) + "_sum", "", s.durations.sum);
  text.sample(std::string(name) + "_count", "", cumulative);

  text.family("tessera_threads", "gauge", "Threads that run tasks.");
  text.sample("tessera_threads", "", s.threads);
}

void write_workers(Text& text, const MetricsSnapshot& s) {
  text.family("tessera_workers", "gauge", "Worker ranks connected to the scheduler.");
  text.sample("tessera_workers", "", s.workers_joined - s.workers_left);
  text.family("tessera_workers_joined_total", "counter", "Worker ranks that joined.");
  text.sample("tessera_workers_joined_total", "", s.workers_joined);
  text.family("tessera_workers_left_total", "counter", "Worker ranks that left.");
  text.sample("tessera_workers_left_total", "", s.workers_left);
  if (s.workers.empty()) return;

  struct Gauge {
    const char* name;
    const char* type;
    const char* help;
    std::uint64_t (*value)(const WorkerGauges&);
  };
  const Gauge gauges[] = {
      {"tessera_worker_threads", "gauge", "Task threads of a worker.",
       [](const WorkerGauges& w) -> std::uint64_t { return w.threads; }},
      {"tessera_worker_processing", "gauge",
       "Tasks assigned to a worker and not yet reported done.",
       [](const WorkerGauges& w) -> std::uint64_t { return w.processing; }},
      {"tessera_worker_memory_bytes", "gauge", "Bytes of results in a worker's memory.",
       [](const WorkerGauges& w) { return w.memory_bytes; }},
      {"tessera_worker_memory_limit_bytes", "gauge",
       "A worker's memory limit for results (worker_memory_limit; 0 = none).",
       [](const WorkerGauges& w) { return w.memory_limit; }},
      {"tessera_worker_spilled_bytes", "gauge", "Bytes of results a worker holds on disk.",
       [](const WorkerGauges& w) { return w.spilled_bytes; }},
      {"tessera_worker_spilled_total", "counter", "Results a worker has spilled to disk.",
       [](const WorkerGauges& w) { return w.spilled_total; }},
      {"tessera_worker_paused", "gauge",
       "1 while a worker takes no new tasks (memory above worker_memory_pause).",
       [](const WorkerGauges& w) -> std::uint64_t { return w.paused ? 1 : 0; }},
  };
  for (const auto& gauge : gauges) {
    text.family(gauge.name, gauge.type, gauge.help);
    for (const auto& worker : s.workers) {
      text.sample(gauge.name, worker_label(worker.rank), gauge.value(worker));
    }
  }
}

void write_transfers(Text& text, const MetricsSnapshot& s) {
  if (s.transfers.empty()) return;
  auto labels = [](const TransferTotals& t) {
    return label("source", std::to_string(t.source)) + ',' +
           label("destination", std::to_string(t.destination));
  };
  text.family("tessera_transfer_bytes_total", "counter",
              "Bytes of results fetched by one worker from another.");
  for (const auto& t : s.transfers) text.sample("tessera_transfer_bytes_total", labels(t), t.bytes);
  text.family("tessera_transfers_total", "counter", "Results fetched by one worker from another.");
  for (const auto& t : s.transfers) text.sample("tessera_transfers_total", labels(t), t.count);
}

}  // namespace

std::string to_prometheus_text(const MetricsSnapshot& snapshot) {
  Text text;
  write_tasks(text, snapshot);
  if (snapshot.cluster) {
    write_workers(text, snapshot);
    write_transfers(text, snapshot);
  }
  return text.take();
}

}  // namespace tessera::detail
