// The dashboard's HTTP server (cpp-httplib): a listening thread and a small pool that answers
// requests, serving /metrics from the sources of this process.

#include <httplib.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <mutex>
#include <thread>

#include "diagnostics/dashboard.hpp"
#include "diagnostics/dashboard_settings.hpp"
#include "diagnostics/metrics_sources.hpp"
#include "tessera/dashboard.hpp"

namespace tessera::detail {
namespace {

constexpr const char* prometheus_type = "text/plain; version=0.0.4; charset=utf-8";

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
      response.set_content("tessera dashboard\n/metrics  Prometheus metrics\n", "text/plain");
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
