// tessera::PerformanceReport: notes where the task streams stand, samples the metrics a few
// times a second on its own thread (memory over time), and writes the page in report mode.

#include "tessera/performance_report.hpp"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "diagnostics/dashboard_page.hpp"
#include "diagnostics/report_data.hpp"
#include "tessera/errors.hpp"
#include "tessera/events.hpp"

namespace tessera {
namespace {

constexpr auto sample_interval = std::chrono::milliseconds(250);
constexpr std::size_t max_samples = 4000;  // past it, every other sample is dropped

void check_writable(const std::string& path) {
  if (path.empty()) throw IoError("performance_report: the path is empty (expected a file name)");
  const auto file = std::filesystem::path(path);
  if (std::filesystem::is_directory(file)) {
    throw IoError("performance_report: " + path + " is a directory (expected a file name)");
  }
  const auto dir = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
  if (!std::filesystem::is_directory(dir)) {
    throw IoError("performance_report: " + path + ": the directory " + dir.string() +
                  " does not exist");
  }
  if (::access(dir.c_str(), W_OK) != 0) {
    throw IoError("performance_report: " + path + ": cannot write into " + dir.string() + " (" +
                  std::strerror(errno) + ")");
  }
}

}  // namespace

struct PerformanceReport::State {
  std::string path;
  detail::ReportInputs inputs;
  std::mutex mutex;
  std::condition_variable wake;
  bool stopping = false;
  bool closed = false;
  std::thread sampler;

  void sample(detail::MetricsReading reading) {
    std::lock_guard lock(mutex);
    if (reading.snapshot.workers.empty()) return;
    inputs.samples.push_back(std::move(reading));
    if (inputs.samples.size() > max_samples) {
      std::size_t kept = 0;
      for (std::size_t i = 0; i < inputs.samples.size(); i += 2)
        inputs.samples[kept++] = std::move(inputs.samples[i]);
      inputs.samples.resize(kept);
    }
  }

  void run() {
    std::unique_lock lock(mutex);
    while (!wake.wait_for(lock, sample_interval, [&] { return stopping; })) {
      lock.unlock();
      sample(detail::read_metrics());
      lock.lock();
    }
  }
};

PerformanceReport::PerformanceReport(std::string path) : state_(std::make_unique<State>()) {
  check_writable(path);
  state_->path = std::move(path);
  auto& in = state_->inputs;
  in.start = wall_time();
  in.streams_at_start = detail::task_stream_positions();
  in.first = detail::read_metrics();
  state_->sample(in.first);
  state_->sampler = std::thread([state = state_.get()] { state->run(); });
}

PerformanceReport::~PerformanceReport() {
  try {
    close();
  } catch (const std::exception& error) {
    std::fprintf(stderr, "tessera: %s\n", error.what());
  }
}

const std::string& PerformanceReport::path() const noexcept { return state_->path; }

void PerformanceReport::close() {
  auto& s = *state_;
  if (s.closed) return;
  s.closed = true;
  {
    std::lock_guard lock(s.mutex);
    s.stopping = true;
  }
  s.wake.notify_all();
  s.sampler.join();
  s.inputs.last = detail::read_metrics();
  s.inputs.stop = s.inputs.last.time;
  s.sample(s.inputs.last);
  const auto html =
      detail::dashboard_page("tessera performance report", detail::report_data(s.inputs));
  std::ofstream out(s.path, std::ios::binary | std::ios::trunc);
  if (out) out.write(html.data(), static_cast<std::streamsize>(html.size()));
  if (out) out.close();
  if (!out) {
    throw IoError("performance_report: cannot write " + s.path + " (" + std::strerror(errno) + ")");
  }
}

}  // namespace tessera
