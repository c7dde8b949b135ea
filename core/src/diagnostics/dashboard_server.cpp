// The dashboard's HTTP server (cpp-httplib): a listening thread and a small pool that answers
// requests, serving the page, its JSON (/api/...) and /metrics from the sources of this process.

#include <httplib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <thread>

#include "diagnostics/dashboard.hpp"
#include "diagnostics/dashboard_json.hpp"
#include "diagnostics/dashboard_page.hpp"
#include "diagnostics/dashboard_settings.hpp"
#include "diagnostics/metrics_sources.hpp"
#include "tessera/dashboard.hpp"

namespace tessera::detail {
namespace {

constexpr const char* prometheus_type = "text/plain; version=0.0.4; charset=utf-8";
constexpr const char* json_type = "application/json";

// A number parameter of the request; `fallback` when absent or not a number.
double number_parameter(const httplib::Request& request, const char* name, double fallback) {
  if (!request.has_param(name)) return fallback;
  try {
    return std::stod(request.get_param_value(name));
  } catch (const std::exception&) {
    return fallback;
  }
}

std::string live_tasks(const httplib::Request& request) {
  const auto most = static_cast<std::size_t>(
      std::clamp(number_parameter(request, "limit", max_live_tasks), 0.0, double(max_live_tasks)));
  return tasks_json(collect_recent_tasks(number_parameter(request, "since", 0.0), most));
}

std::string live_events(const httplib::Request& request) {
  const double now = wall_time();
  return events_json(events_since(number_parameter(request, "since", 0.0), max_live_events), now);
}

// The page starts from the data of now, so that it shows the state before its first poll.
std::string live_page() {
  std::string data = "{\"mode\":\"live\",\"snapshot\":";
  const double now = wall_time();
  data += snapshot_json(collect_metrics(), now);
  data += ",\"tasks\":";
  data += tasks_json(collect_recent_tasks(0.0, max_live_tasks));
  data += ",\"events\":";
  data += events_json(events_since(0.0, max_live_events), now);
  data += '}';
  return dashboard_page("tessera dashboard", data);
}

std::string url_host(const std::string& host) {
  if (host == "0.0.0.0" || host == "::") {  // every interface: name the machine instead
    char name[256] = {};
    if (gethostname(name, sizeof name - 1) == 0 && name[0] != '\0') return name;
  }
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

class Server {
 public:
  explicit Server(const DashboardAddress& address) {
    // Two threads answer: a scraper and a browser at a time are what it serves.
    server_.new_task_queue = [] { return new httplib::ThreadPool(2); };
    // A connection kept alive is dropped after a second idle, so that stop() is quick.
    server_.set_keep_alive_timeout(1);
    server_.Get("/metrics", [](const httplib::Request&, httplib::Response& response) {
      response.set_content(to_prometheus_text(collect_metrics()), prometheus_type);
    });
    server_.Get("/", [](const httplib::Request&, httplib::Response& response) {
      response.set_content(live_page(), "text/html; charset=utf-8");
    });
    server_.Get("/api/snapshot", [](const httplib::Request&, httplib::Response& response) {
      const double now = wall_time();
      response.set_content(snapshot_json(collect_metrics(), now), json_type);
    });
    server_.Get("/api/tasks", [](const httplib::Request& request, httplib::Response& response) {
      response.set_content(live_tasks(request), json_type);
    });
    server_.Get("/api/events", [](const httplib::Request& request, httplib::Response& response) {
      response.set_content(live_events(request), json_type);
    });
    int port = address.port;
    if (port == 0 || !server_.bind_to_port(address.host, port)) {
      if (port != 0) {
        std::fprintf(stderr,
                     "tessera: dashboard: cannot listen on %s:%d (in use?); using a free port "
                     "instead\n",
                     address.host.c_str(), port);
      }
      port = server_.bind_to_any_port(address.host);
    }
    if (port < 0) {
      throw std::runtime_error("cannot listen on " + address.host + " (dashboard_address " +
                               address.host + ":" + std::to_string(address.port) + ")");
    }
    url_ = "http://" + url_host(address.host) + ":" + std::to_string(port) + "/";
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() before the loop runs would not stop it.
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    std::fprintf(stderr, "tessera: dashboard at %s (Prometheus metrics at %smetrics)\n",
                 url_.c_str(), url_.c_str());
  }
  ~Server() {
    server_.stop();
    thread_.join();
  }
  const std::string& url() const noexcept { return url_; }

 private:
  httplib::Server server_;
  std::thread thread_;
  std::string url_;
};

std::mutex server_mutex;
std::weak_ptr<Server> current_server;

}  // namespace

bool dashboard_enabled() { return dashboard_address().has_value(); }

std::shared_ptr<void> open_dashboard() {
  auto address = dashboard_address();
  if (!address) return nullptr;
  std::lock_guard lock(server_mutex);
  if (auto server = current_server.lock()) return server;
  try {
    auto server = std::make_shared<Server>(*address);
    current_server = server;
    return server;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "tessera: dashboard: %s; going on without it\n", error.what());
    return nullptr;
  }
}

}  // namespace tessera::detail

namespace tessera {

std::string dashboard_url() {
  std::lock_guard lock(detail::server_mutex);
  auto server = detail::current_server.lock();
  return server ? server->url() : std::string();
}

}  // namespace tessera
