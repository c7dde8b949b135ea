#include "tessera/events.hpp"

#include <algorithm>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <mutex>

#include "tessera/config.hpp"

namespace tessera {
namespace {

struct EventLog {
  std::mutex mutex;
  std::map<std::string, std::deque<Event>, std::less<>> topics;
};

EventLog& event_log() {
  static EventLog instance;
  return instance;
}

thread_local std::string worker_name = "client";

std::mutex forwarder_mutex;
std::function<void(const Event&)> forwarder;

}  // namespace

double wall_time() noexcept {
  using namespace std::chrono;
  static const double offset = duration<double>(system_clock::now().time_since_epoch()).count() -
                               duration<double>(steady_clock::now().time_since_epoch()).count();
  return offset + duration<double>(steady_clock::now().time_since_epoch()).count();
}

void log_event(std::string_view topic, std::string message) {
  Event event{wall_time(), std::string(topic), std::move(message), worker_name};
  {
    std::lock_guard lock(forwarder_mutex);
    if (forwarder) forwarder(event);
  }
  detail::record_event(std::move(event));
}

void detail::set_event_forwarder(std::function<void(const Event&)> forward) {
  std::lock_guard lock(forwarder_mutex);
  forwarder = std::move(forward);
}

void detail::record_event(Event event) {
  auto limit = static_cast<std::size_t>(config::get_int("events_limit"));
  const std::string_view topic = event.topic;
  auto& log = event_log();
  std::lock_guard lock(log.mutex);
  auto it = log.topics.find(topic);
  if (it == log.topics.end())
    it = log.topics.emplace(std::string(topic), std::deque<Event>{}).first;
  it->second.push_back(std::move(event));
  while (it->second.size() > limit) it->second.pop_front();
}

std::vector<Event> get_events(std::string_view topic) {
  auto& log = event_log();
  std::lock_guard lock(log.mutex);
  auto it = log.topics.find(topic);
  if (it == log.topics.end()) return {};
  return {it->second.begin(), it->second.end()};
}

namespace detail {
std::vector<Event> events_since(double since, std::size_t most) {
  std::vector<Event> events;
  {
    auto& log = event_log();
    std::lock_guard lock(log.mutex);
    for (const auto& [topic, list] : log.topics) {
      std::size_t taken = 0;
      for (auto it = list.rbegin(); it != list.rend() && taken < most; ++it, ++taken) {
        if (it->time <= since) break;
        events.push_back(*it);
      }
    }
  }
  std::sort(events.begin(), events.end(),
            [](const Event& a, const Event& b) { return a.time < b.time; });
  if (events.size() > most)
    events.erase(events.begin(), events.end() - static_cast<std::ptrdiff_t>(most));
  return events;
}

const std::string& current_worker_name() { return worker_name; }
void set_current_worker_name(std::string name) { worker_name = std::move(name); }
}  // namespace detail

}  // namespace tessera
