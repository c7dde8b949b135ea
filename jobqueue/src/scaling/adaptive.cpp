#include "scaling/adaptive.hpp"

#include <algorithm>
#include <cmath>
#include <string_view>

namespace tessera::jobqueue::detail {

std::map<std::string, double> offered_resources(const JobSpec& spec) {
  std::map<std::string, double> offered;
  std::string_view text = spec.resources;  // checked by resolve_job_spec: NAME=amount,...
  while (!text.empty()) {
    const auto comma = text.find(',');
    const auto item = text.substr(0, comma);
    const auto equals = item.find('=');
    if (equals != std::string_view::npos) {
      offered[std::string(item.substr(0, equals))] =
          std::stod(std::string(item.substr(equals + 1)));
    }
    if (comma == std::string_view::npos) break;
    text = text.substr(comma + 1);
  }
  return offered;
}

int adaptive_jobs(const SchedulerLoad& load, const JobSpec& spec, int minimum, int maximum,
                  const AdaptOptions& options) {
  const double threads = std::max(1, spec.threads_per_process());
  const double work = static_cast<double>(load.remaining) * std::max(load.task_seconds, 1e-3);
  double workers = std::ceil(work / (std::max(options.target_duration, 1e-3) * threads));
  // Work left, or results kept for tasks and futures, keep one worker at least: letting the
  // last one go would lose those results, to be made again by the next.
  if (load.remaining > 0 || load.held_results > 0) workers = std::max(workers, 1.0);
  // Workers paused for memory while work waits: as many more, to spread the memory.
  if (load.remaining > 0 && load.paused_workers > 0) {
    workers = std::max(workers, static_cast<double>(load.workers + load.paused_workers));
  }
  const int clamped = static_cast<int>(
      std::clamp(workers, static_cast<double>(minimum), static_cast<double>(maximum)));
  return (clamped + spec.processes - 1) / spec.processes;
}

bool pool_wanted(const SchedulerLoad& load, const JobSpec& spec) {
  const auto offered = offered_resources(spec);
  for (const auto& name : load.wanted_resources) {
    if (offered.contains(name)) return true;
  }
  return false;
}

std::chrono::seconds replacement_lead(const JobSpec& spec) {
  const auto quarter = spec.lifetime / 4;
  return spec.lifetime_stagger + std::min<std::chrono::seconds>(quarter, std::chrono::minutes(5));
}

}  // namespace tessera::jobqueue::detail
