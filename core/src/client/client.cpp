#include "tessera/client.hpp"

#include <atomic>
#include <mutex>
#include <thread>

#include "client/client_impl.hpp"
#include "cluster/cluster_client.hpp"
#include "local/executor.hpp"
#include "local/local_run.hpp"
#include "support/task_stream.hpp"
#include "tessera/config.hpp"
#include "tessera/graph.hpp"

namespace tessera {

struct Client::Impl : std::enable_shared_from_this<Client::Impl> {
  std::unique_ptr<detail::Executor> executor;      // local schedulers
  std::shared_ptr<detail::ClusterClient> cluster;  // the MPI cluster
  std::uint32_t cluster_threads = 0;
  std::atomic<bool> closed{false};
  std::shared_ptr<detail::TaskStream> stream;

  detail::ClusterClient& cluster_client() const {
    if (closed.load(std::memory_order_acquire)) {
      throw Error(
          "this client's MPI runtime has ended: keep the tessera::Runtime alive while "
          "you compute");
    }
    return *cluster;
  }
};

namespace {

// The client whose executor runs the current task (set on pool threads and around sync runs).
thread_local Client::Impl* running_client = nullptr;

std::mutex default_mutex;
std::weak_ptr<Client::Impl> newest_client;
std::shared_ptr<Client::Impl> fallback_client;

std::shared_ptr<Client::Impl> make_impl(ClientOptions options) {
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
  impl->stream = std::make_shared<detail::TaskStream>(
      static_cast<std::size_t>(config::get_int("task_stream_limit")));
  impl->executor =
      options.scheduler == "sync"
          ? detail::make_sync_executor()
          : detail::make_thread_pool(threads, [raw = impl.get()] { running_client = raw; });
  return impl;
}

}  // namespace

namespace detail {

std::shared_ptr<Client::Impl> make_cluster_impl(std::shared_ptr<ClusterClient> cluster,
                                                std::shared_ptr<TaskStream> stream,
                                                std::uint32_t threads) {
  auto impl = std::make_shared<Client::Impl>();
  impl->cluster = std::move(cluster);
  impl->cluster_threads = threads;
  impl->stream = stream ? std::move(stream) : std::make_shared<TaskStream>(0);
  return impl;
}

void close_cluster_impl(Client::Impl& impl) {
  impl.closed.store(true, std::memory_order_release);
  if (impl.cluster) impl.cluster->close();
}

void set_running_client(Client::Impl* impl) { running_client = impl; }

void make_default(const std::shared_ptr<Client::Impl>& impl) {
  std::lock_guard lock(default_mutex);
  newest_client = impl;
}

}  // namespace detail

Client::Client() : Client(ClientOptions{}) {}

Client::Client(ClientOptions options) : impl_(make_impl(std::move(options))) {
  std::lock_guard lock(default_mutex);
  newest_client = impl_;
}

const char* Client::scheduler() const noexcept {
  return impl_->cluster ? "mpi" : impl_->executor->name();
}

std::uint32_t Client::threads() const noexcept {
  return impl_->cluster ? impl_->cluster_threads : impl_->executor->worker_count();
}

std::vector<detail::FutureStatePtr> Client::run(const std::vector<detail::NodePtr>& outputs) {
  std::vector<detail::FutureStatePtr> states(outputs.size());
  std::vector<detail::NodePtr> tasks;
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    const auto& node = *outputs[i];
    if (node.is_task()) {
      tasks.push_back(outputs[i]);
    } else if (const auto* future = std::get_if<detail::FutureRef>(&node.args[0])) {
      states[i] = future->state();
    } else {
      states[i] = std::make_shared<detail::FutureState>(node.key);
      states[i]->finish(std::get<Value>(node.args[0]));
    }
  }
  if (tasks.empty()) return states;

  std::vector<std::uint32_t> task_ids;
  detail::Plan plan = detail::lower(tasks, task_ids);
  std::vector<std::uint32_t> slot_of(plan.size(), detail::no_task);
  for (std::uint32_t i = 0; i < plan.outputs.size(); ++i) slot_of[plan.outputs[i]] = i;
  auto fill_states = [&](const std::vector<detail::FutureStatePtr>& plan_outputs) {
    for (std::size_t i = 0, k = 0; i < outputs.size(); ++i) {
      if (!states[i]) states[i] = plan_outputs[slot_of[task_ids[k++]]];
    }
  };
  if (impl_->cluster) {
    fill_states(impl_->cluster_client().submit(std::move(plan)));
    return states;
  }
  std::vector<detail::FutureStatePtr> plan_outputs;
  plan_outputs.reserve(plan.outputs.size());
  for (auto t : plan.outputs) {
    plan_outputs.push_back(std::make_shared<detail::FutureState>(*plan.keys[t]));
  }
  fill_states(plan_outputs);
  auto run = std::make_shared<detail::LocalRun>(std::move(plan), std::move(plan_outputs),
                                                impl_->stream, impl_->executor->worker_count());
  auto* previous = running_client;
  running_client = impl_.get();
  try {
    impl_->executor->start(run);
  } catch (...) {
    running_client = previous;
    throw;
  }
  running_client = previous;
  return states;
}

detail::FutureStatePtr Client::scatter_value(Value value, bool broadcast) {
  if (impl_->cluster) return impl_->cluster_client().scatter(value, broadcast);
  auto state = std::make_shared<detail::FutureState>(unique_key("scatter"));
  state->finish(std::move(value));
  return state;
}

std::vector<detail::FutureStatePtr> Client::get(const Graph& graph, const std::vector<Key>& keys) {
  return run(graph.nodes(keys));
}

std::vector<TaskRecord> Client::task_stream() const { return impl_->stream->records(); }

Client get_client() {
  if (running_client) return Client(running_client->shared_from_this());
  std::lock_guard lock(default_mutex);
  if (auto newest = newest_client.lock()) return Client(std::move(newest));
  if (!fallback_client) fallback_client = make_impl(ClientOptions{});
  newest_client = fallback_client;
  return Client(fallback_client);
}

}  // namespace tessera
