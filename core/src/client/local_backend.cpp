// The local backend: plans run as LocalRuns on an executor of this process.

#include <algorithm>
#include <string_view>
#include <thread>

#include "client/client_impl.hpp"
#include "diagnostics/dashboard.hpp"
#include "diagnostics/local_metrics.hpp"
#include "local/executor.hpp"
#include "local/local_run.hpp"
#include "tessera/config.hpp"

namespace tessera::detail {
namespace {

// A run's counts, read without keeping the run alive: when it ends, its memory is freed by
// the thread that ran its last task, as when nobody watches, not by the one drawing its bar.
class LocalProgress final : public RunProgress {
 public:
  explicit LocalProgress(const std::shared_ptr<LocalRun>& run)
      : run_(run), end_(std::make_shared<ProgressCounter>(run->plan().size())) {
    run->report_end_to(end_);
  }
  ProgressCounts counts() const noexcept override {
    if (auto run = run_.lock()) return run->counts();
    return end_->counts();
  }

 private:
  std::weak_ptr<const LocalRun> run_;
  std::shared_ptr<ProgressCounter> end_;
};

class LocalBackend final : public Backend {
 public:
  LocalBackend(std::unique_ptr<Executor> executor, Client::Impl& client,
               std::shared_ptr<TaskStream> stream)
      : executor_(std::move(executor)), client_(client), stream_(std::move(stream)) {
    if (dashboard_enabled()) {
      // The sync executor runs each caller's tasks on the caller's thread, all as worker 0.
      std::vector<std::string> names;
      for (std::uint32_t w = 0; w < executor_->worker_count(); ++w)
        names.push_back(executor_->worker_name(w));
      metrics_ = std::make_shared<LocalMetrics>(std::move(names),
                                                std::string_view(executor_->name()) == "sync");
      dashboard_ = open_dashboard();
    }
  }

  const char* name() const noexcept override { return executor_->name(); }
  std::uint32_t threads() const noexcept override { return executor_->worker_count(); }

  Submitted submit(Plan plan, bool watch) override {
    std::vector<FutureStatePtr> outputs;
    outputs.reserve(plan.outputs.size());
    for (auto t : plan.outputs) outputs.push_back(std::make_shared<FutureState>(*plan.keys[t]));
    auto run =
        std::make_shared<LocalRun>(std::move(plan), outputs, stream_, executor_->worker_count());
    auto progress = watch ? std::make_shared<LocalProgress>(run) : nullptr;
    if (metrics_) run->count_into(metrics_);
    // Tasks that the sync executor runs here, now, submit through this client.
    auto* previous = running_client();
    set_running_client(&client_);
    try {
      executor_->start(run);
    } catch (...) {
      set_running_client(previous);
      throw;
    }
    set_running_client(previous);
    return {std::move(outputs), std::move(progress)};
  }

  FutureStatePtr scatter(Value value, bool) override {
    auto state = std::make_shared<FutureState>(unique_key("scatter"));
    state->finish(std::move(value));
    return state;
  }

 private:
  std::unique_ptr<Executor> executor_;
  Client::Impl& client_;  // owns this backend
  std::shared_ptr<TaskStream> stream_;
  std::shared_ptr<LocalMetrics> metrics_;  // while the dashboard is on
  std::shared_ptr<void> dashboard_;
};

}  // namespace

std::shared_ptr<Client::Impl> make_local_impl(ClientOptions options) {
  config::validate_all();
  if (options.scheduler.empty()) options.scheduler = config::get("scheduler");
  if (options.scheduler != "threads" && options.scheduler != "sync") {
    throw ConfigError("Client: scheduler \"" + options.scheduler +
                      "\" is not one of \"threads\", \"sync\"");
  }
  auto threads = options.threads;
  if (threads == 0) threads = static_cast<std::uint32_t>(config::get_int("num_threads"));
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());

  auto impl = std::make_shared<Client::Impl>();
  impl->stream =
      std::make_shared<TaskStream>(static_cast<std::size_t>(config::get_int("task_stream_limit")));
  auto executor = options.scheduler == "sync"
                      ? make_sync_executor()
                      : make_thread_pool(threads, [raw = impl.get()] { set_running_client(raw); });
  impl->backend = std::make_unique<LocalBackend>(std::move(executor), *impl, impl->stream);
  return impl;
}

}  // namespace tessera::detail
