#include "tessera/client.hpp"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <utility>

#include "client/client_impl.hpp"
#include "diagnostics/progress_settings.hpp"
#include "diagnostics/run_progress.hpp"
#include "tessera/errors.hpp"
#include "tessera/graph.hpp"
#include "tessera/runtime.hpp"

namespace tessera {

namespace {

// The client whose backend runs the current task (set on pool threads and around sync runs).
thread_local Client::Impl* current_client = nullptr;

std::mutex default_mutex;
std::weak_ptr<Client::Impl> newest_client;
std::shared_ptr<Client::Impl> fallback_client;

}  // namespace

namespace detail {

void set_running_client(Client::Impl* impl) { current_client = impl; }

Client::Impl* running_client() noexcept { return current_client; }

void make_default(const std::shared_ptr<Client::Impl>& impl) {
  std::lock_guard lock(default_mutex);
  newest_client = impl;
}

}  // namespace detail

Client::Client() : Client(ClientOptions{}) {}

Client::Client(ClientOptions options) : impl_(detail::make_local_impl(std::move(options))) {
  std::lock_guard lock(default_mutex);
  newest_client = impl_;
}

const char* Client::scheduler() const noexcept { return impl_->backend->name(); }

std::uint32_t Client::threads() const noexcept { return impl_->backend->threads(); }

std::size_t Client::workers() const noexcept { return impl_->backend->workers(); }

SchedulerLoad Client::scheduler_load() const { return impl_->backend->load(); }

void Client::expect_worker_offers(WorkerOffers offers) const {
  impl_->backend->expect_worker_offers(std::move(offers));
}

void Client::wait_for_workers(std::size_t count, std::chrono::milliseconds timeout) const {
  const auto there = impl_->backend->wait_for_workers(count, timeout);
  if (there >= count) return;
  throw TimeoutError("wait_for_workers: " + std::to_string(there) + " of the " +
                     std::to_string(count) + " workers asked for are connected after " +
                     std::to_string(timeout.count()) + " ms" +
                     (impl_->backend->name() == std::string_view("mpi")
                          ? " (are the worker jobs queued or running? do they find the "
                            "scheduler file?)"
                          : std::string(" (a ") + impl_->backend->name() +
                                " client has one worker: this process)"));
}

std::vector<detail::FutureStatePtr> Client::run(const std::vector<detail::NodePtr>& outputs) {
  return launch(outputs, nullptr);
}

// Tasks that compute, and MPI workers, never draw: the bar is the user's, on the client.
std::vector<detail::FutureStatePtr> Client::compute_nodes(
    const std::vector<detail::NodePtr>& outputs, const ProgressOptions* progress) {
  if (detail::running_client() || this_rank() != 0) return launch(outputs, nullptr);
  if (!progress && detail::progress_always()) progress = &tessera::progress;
  return launch(outputs, progress);
}

std::vector<detail::FutureStatePtr> Client::launch(const std::vector<detail::NodePtr>& outputs,
                                                   const ProgressOptions* progress) {
  std::vector<detail::FutureStatePtr> states(outputs.size());
  std::vector<detail::NodePtr> tasks;
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    const auto& node = *outputs[i];
    if (node.is_task()) {
      tasks.push_back(outputs[i]);
    } else if (const auto* future = node.args()[0].future()) {
      states[i] = future->state();
    } else {
      states[i] = std::make_shared<detail::FutureState>(node.key);
      states[i]->finish(*node.args()[0].value());
    }
  }
  if (tasks.empty()) return states;

  // Its clock starts before the graph is planned, and before the sync scheduler runs it all
  // inside submit().
  std::optional<ProgressBar> bar;
  if (progress) bar.emplace(*progress);
  std::vector<std::uint32_t> task_ids;
  detail::Plan plan = detail::lower(tasks, task_ids);
  // Each output task's index among plan.outputs, by task: sorted pairs, as a graph of
  // millions of tasks has few outputs.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> slot_of;
  slot_of.reserve(plan.outputs.size());
  for (std::uint32_t i = 0; i < plan.outputs.size(); ++i) slot_of.emplace_back(plan.outputs[i], i);
  std::sort(slot_of.begin(), slot_of.end());
  auto fill_states = [&](const std::vector<detail::FutureStatePtr>& plan_outputs) {
    for (std::size_t i = 0, k = 0; i < outputs.size(); ++i) {
      if (states[i]) continue;
      const auto task = task_ids[k++];
      const auto found =
          std::lower_bound(slot_of.begin(), slot_of.end(), std::pair{task, std::uint32_t{0}});
      states[i] = plan_outputs[found->second];
    }
  };
  auto submitted = impl_->backend->submit(std::move(plan), bar.has_value());
  fill_states(submitted.outputs);
  if (bar) detail::show_progress(*bar, *submitted.progress, submitted.outputs);
  return states;
}

detail::FutureStatePtr Client::scatter_value(Value value, bool broadcast) {
  return impl_->backend->scatter(std::move(value), broadcast);
}

std::vector<detail::FutureStatePtr> Client::get(const Graph& graph, const std::vector<Key>& keys) {
  return run(graph.nodes(keys));
}

std::vector<TaskRecord> Client::task_stream() const { return impl_->stream->records(); }

Client get_client() {
  if (current_client) return Client(current_client->shared_from_this());
  std::lock_guard lock(default_mutex);
  if (auto newest = newest_client.lock()) return Client(std::move(newest));
  if (!fallback_client) fallback_client = detail::make_local_impl(ClientOptions{});
  newest_client = fallback_client;
  return Client(fallback_client);
}

}  // namespace tessera
