#pragma once
// Structured events and the task stream: what happened, where and when.

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/key.hpp"

namespace tessera {

/// One structured event.
struct Event {
  double time;          ///< seconds since the Unix epoch
  std::string topic;    ///< e.g. "scheduler", or the user's own topic
  std::string message;  ///< free text (JSON if the user wants structure)
  std::string source;   ///< where it was logged: "client", "thread 2", later "worker rank 3"
};

/// Records an event under `topic`; each topic keeps its newest `events_limit` events.
void log_event(std::string_view topic, std::string message);

/// Events of one topic, oldest first.
std::vector<Event> get_events(std::string_view topic);

/// One task's run, as the task stream records it.
struct TaskRecord {
  Key key;
  std::string worker;  ///< "thread 1"; under MPI "worker rank 2 thread 0"
  double start;        ///< seconds since the Unix epoch
  double stop;
};

/// Seconds since the Unix epoch, from a monotonic clock (steady within the process).
double wall_time() noexcept;

namespace detail {
/// Name of the worker running on this thread ("client" outside tasks).
const std::string& current_worker_name();
void set_current_worker_name(std::string name);
/// Appends an event to this process's log as it is (events that other ranks logged).
void record_event(Event event);
/// The events of every topic logged after `since` (at most the newest `most`), oldest first.
std::vector<Event> events_since(double since, std::size_t most);
/// Also hands every event logged in this process to `forward` (workers send them to rank 0).
void set_event_forwarder(std::function<void(const Event&)> forward);
}  // namespace detail

}  // namespace tessera
