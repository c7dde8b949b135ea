#include "cluster/cluster_client.hpp"

#include <unordered_map>

#include "diagnostics/progress_board.hpp"
#include "tessera/errors.hpp"

namespace tessera::detail {

namespace {

class ClusterResult final : public RemoteResult {
 public:
  ClusterResult(std::weak_ptr<ClusterClient> client, DataKey key, Key name)
      : client_(std::move(client)), key_(key), name_(std::move(name)) {}
  ~ClusterResult() override {
    if (auto client = client_.lock()) client->release(key_);
  }
  Value fetch(Clock::time_point deadline) override {
    auto client = client_.lock();
    if (!client || client->closed())
      throw Error("the result of future '" + name_ +
                  "' is on an MPI worker, and the runtime has ended: keep the "
                  "tessera::Runtime alive until you have the results you need");
    std::shared_ptr<ClusterClient::Retrieval> started;
    {
      std::lock_guard lock(mutex_);
      started = std::move(prefetched_);
    }
    return client->finish_fetch(started ? started : client->start_fetch(key_, holder()), name_,
                                deadline);
  }
  void prefetch() override {
    auto client = client_.lock();
    if (!client || client->closed()) return;
    std::lock_guard lock(mutex_);
    if (!prefetched_) prefetched_ = client->start_fetch(key_, holder());
  }
  DataKey key() const noexcept { return key_; }
  int holder() const noexcept { return holder_.load(std::memory_order_acquire); }
  void set_holder(int rank) noexcept { holder_.store(rank, std::memory_order_release); }

 private:
  std::weak_ptr<ClusterClient> client_;
  DataKey key_;
  Key name_;
  std::atomic<int> holder_{-1};
  std::mutex mutex_;
  std::shared_ptr<ClusterClient::Retrieval> prefetched_;
};

// Appends `value` to `bytes` in WireWriter::put_frames form.
void encode_literal_into(std::vector<std::byte>& bytes, const Value& value) {
  WireWriter out(bytes);
  out.put_frames(value.serialize());
}

std::vector<std::byte> encode_literal(const Value& value) {
  std::vector<std::byte> bytes;
  encode_literal_into(bytes, value);
  return bytes;
}

}  // namespace

struct ClusterClient::ClientRun final : TaskCanceller {
  std::weak_ptr<ClusterClient> client;
  std::uint64_t id = 0;
  std::unordered_map<std::uint32_t, std::weak_ptr<FutureState>> outputs;
  std::vector<FutureStatePtr> inputs;  // futures the run reads: kept until its outputs are done

  void cancel_task(std::uint32_t task, bool released) noexcept override {
    if (auto c = client.lock()) {
      try {
        c->cancel(DataKey{id, task}, released);
      } catch (...) {
      }
    }
  }
};

struct ClusterClient::Retrieval {
  DataKey key;
  int holder = -1;
  std::mutex mutex;
  bool done = false;
  bool ended = false;  // the runtime ended first
  Frames frames;
  std::shared_ptr<const Value> local;  // held by this rank itself
  std::vector<std::shared_ptr<Signal>> waiters;
};

ClusterClient::ClusterClient(Link& transport,
                             std::function<std::shared_ptr<const Value>(DataKey)> local)
    : transport_(transport), local_(std::move(local)) {}

ClusterClient::~ClusterClient() = default;

std::uint64_t ClusterClient::next_run_id() {
  return (static_cast<std::uint64_t>(transport_.rank()) << 40) |
         (runs_made_.fetch_add(1, std::memory_order_relaxed) + 1);
}

std::vector<FutureStatePtr> ClusterClient::submit(Plan plan,
                                                  std::shared_ptr<ProgressCounter> progress) {
  auto run = std::make_shared<ClientRun>();
  run->client = weak_from_this();
  run->id = next_run_id();

  std::unordered_map<const Value*, FutureStatePtr> external_of;
  for (const auto& external : plan.externals) {
    external_of.emplace(external.state->value_address(), external.state);
  }

  const auto n = plan.size();
  // Room for specs of typical size (tens of bytes) at once: a vector that doubles holds its
  // old and new arrays together as it grows, twice the specs of a million-task graph; room
  // not written to is never touched, so it takes no memory.
  std::vector<std::byte> specs;
  specs.reserve(std::size_t{n} * 64);
  WireWriter out(specs);
  TaskSpec spec;
  // What spec.args' literals point into, one after another (reused from task to task).
  std::vector<std::byte> literals;
  std::vector<std::size_t> literal_ends;
  for (std::uint32_t t = 0; t < n; ++t) {
    const TaskCode& code = *plan.code[t];
    const Key& key = *plan.keys[t];
    if (!code.registered) {
      throw Error("task '" + key +
                  "' calls a function that is not registered: MPI workers find task functions "
                  "by name, so register it with TESSERA_TASK(function) (lambdas cannot run on "
                  "workers)");
    }
    spec.function = code.registered->name;
    spec.key = key;
    spec.retries = plan.retries.empty() ? 0 : plan.retries[t];
    spec.args.clear();
    literals.clear();
    literal_ends.clear();
    for (auto a = plan.arg_begin[t]; a < plan.arg_begin[t + 1]; ++a) {
      const auto& arg = plan.args[a];
      const Value* literal = arg.value();
      if (!literal) {
        spec.args.push_back({ArgKind::task, {}, DataKey{run->id, arg.task()}});
        continue;
      }
      if (auto found = external_of.find(literal); found != external_of.end()) {
        const auto& state = found->second;
        if (auto* remote = dynamic_cast<ClusterResult*>(state->remote())) {
          spec.args.push_back({ArgKind::external, {}, remote->key()});
          run->inputs.push_back(state);
          continue;
        }
        if (!state->done()) {
          throw Error("task '" + key + "' reads future '" + state->key() +
                      "', which belongs to a local client, not to the MPI cluster");
        }
        if (state->status() != FutureState::Status::finished)
          std::rethrow_exception(state->error());
      }
      try {
        encode_literal_into(literals, *literal);
        literal_ends.push_back(literals.size());
      } catch (const std::exception& error) {
        throw SerializationError("task '" + key + "': argument " +
                                 std::to_string(a - plan.arg_begin[t] + 1) +
                                 " cannot be sent to MPI workers: " + error.what());
      }
      spec.args.push_back({ArgKind::literal, {}, {}});
    }
    // Literals are pointed to once all are made: `literals` no longer moves.
    std::size_t next_literal = 0;
    std::size_t literal_begin = 0;
    for (auto& arg : spec.args) {
      if (arg.kind != ArgKind::literal) continue;
      const auto end = literal_ends[next_literal++];
      arg.literal =
          std::span<const std::byte>(literals).subspan(literal_begin, end - literal_begin);
      literal_begin = end;
    }
    const Placement* placement = t < plan.placement.size() ? plan.placement[t] : nullptr;
    spec.resources.clear();
    spec.workers.clear();
    if (placement) {
      for (const auto& [name, amount] : placement->resources)
        spec.resources.emplace_back(name, amount);
      spec.workers = placement->workers;
    }
    write_task(out, spec);
  }

  std::vector<FutureStatePtr> states;
  states.reserve(plan.outputs.size());
  for (auto t : plan.outputs) {
    auto state = std::make_shared<FutureState>(*plan.keys[t]);
    state->set_remote(
        std::make_shared<ClusterResult>(weak_from_this(), DataKey{run->id, t}, *plan.keys[t]));
    state->attach(run, t);
    run->outputs.emplace(t, state);
    states.push_back(std::move(state));
  }
  {
    std::lock_guard lock(mutex_);
    runs_.emplace(run->id, run);
  }
  if (progress) watch_run(run->id, std::move(progress));
  // The specs say all the scheduler needs: the plan goes before the scheduler reads them, so
  // that the two are not held at once.
  const auto outputs = std::move(plan.outputs);
  plan = Plan{};
  if (handoff_) {
    handoff_->put(run->id, std::move(specs));
    post(transport_, 0, Submit{run->id, n, {}, outputs, true});
  } else {
    post(transport_, 0, Submit{run->id, n, specs, outputs, false});
  }
  return states;
}

// The future is finished at once and reads the value here; tasks read it on the workers.
FutureStatePtr ClusterClient::scatter(const Value& value, bool broadcast) {
  const DataKey key{next_run_id(), 0};
  const auto bytes = encode_literal(value);
  auto state = std::make_shared<FutureState>(unique_key("scatter"));
  state->set_remote(std::make_shared<ClusterResult>(weak_from_this(), key, state->key()));
  state->finish(value);
  post(transport_, 0, Scatter{key, broadcast, bytes});
  return state;
}

bool ClusterClient::on_message(int, Kind kind, WireReader& in) {
  if (kind != Kind::output_done) return false;
  const auto message = OutputDone::read(in);
  const auto key = message.key;
  const bool ok = !message.failure;
  const int holder = message.holder;
  std::shared_ptr<ClientRun> run;
  FutureStatePtr state;
  std::vector<std::shared_ptr<Retrieval>> refetch;
  {
    std::lock_guard lock(mutex_);
    auto found = runs_.find(key.run);
    auto output = found == runs_.end() ? decltype(found->second->outputs.end()){}
                                       : found->second->outputs.find(key.task);
    if (found == runs_.end() || output == found->second->outputs.end()) {
      // Done before, on a worker that was lost since: it was made again at `holder`.
      auto finished = finished_.find(key);
      if (finished == finished_.end()) return true;
      state = finished->second.lock();
      if (auto waiting = fetches_.find(key); waiting != fetches_.end()) refetch = waiting->second;
    } else {
      run = found->second;
      state = output->second.lock();
      run->outputs.erase(output);
      if (run->outputs.empty()) runs_.erase(found);
      if (state && ok && outputs_may_move_) finished_.emplace(key, state);
    }
  }
  if (!state) return true;
  if (!run) {
    static_cast<ClusterResult*>(state->remote())->set_holder(ok ? holder : -1);
    if (refetch.empty()) return true;
    if (ok) {
      post(transport_, holder, Fetch{{key}, true});
    } else {
      on_data(-1, key, error_frames(message.failure->message));
    }
    return true;
  }
  if (ok) {
    static_cast<ClusterResult*>(state->remote())->set_holder(holder);
    state->finish_remote();
  } else if (const Failure& failure = *message.failure; failure.cancelled) {
    state->fail(std::make_exception_ptr(CancelledError(failure.message)),
                FutureState::Status::cancelled);
  } else {
    state->fail(std::make_exception_ptr(
        TaskError(failure.key, failure.worker, failure.type, failure.message)));
  }
  return true;
}

bool ClusterClient::on_data(int, DataKey key, const Frames& frames) {
  std::vector<std::shared_ptr<Retrieval>> arrived;
  {
    std::lock_guard lock(mutex_);
    auto found = fetches_.find(key);
    if (found == fetches_.end()) return false;
    arrived = std::move(found->second);
    fetches_.erase(found);
  }
  for (auto& fetch : arrived) {
    std::vector<std::shared_ptr<Signal>> waiters;
    {
      std::lock_guard lock(fetch->mutex);
      fetch->frames = frames;
      fetch->done = true;
      waiters.swap(fetch->waiters);
    }
    for (auto& signal : waiters) signal->notify();
  }
  return true;
}

std::shared_ptr<ClusterClient::Retrieval> ClusterClient::start_fetch(DataKey key, int holder) {
  auto fetch = std::make_shared<Retrieval>();
  fetch->key = key;
  fetch->holder = holder;
  if (local_) fetch->local = local_(key);
  if (fetch->local || holder <= 0) {
    fetch->done = true;
    return fetch;
  }
  {
    std::lock_guard lock(mutex_);
    if (closed()) {
      fetch->done = fetch->ended = true;
      return fetch;
    }
    fetches_[key].push_back(fetch);
  }
  post(transport_, holder, Fetch{{key}});
  return fetch;
}

Value ClusterClient::finish_fetch(const std::shared_ptr<Retrieval>& fetch, const Key& name,
                                  Clock::time_point deadline) {
  if (fetch->local) return *fetch->local;
  const std::string where = "worker rank " + std::to_string(fetch->holder);
  if (fetch->holder <= 0) {
    throw TaskError(name, "scheduler", "tessera::Error",
                    "no worker holds this result (it was lost)");
  }
  auto signal = std::make_shared<Signal>(current_helper());
  {
    std::lock_guard lock(fetch->mutex);
    if (!fetch->done) fetch->waiters.push_back(signal);
  }
  const bool arrived = wait_until(
      [&] {
        std::lock_guard lock(fetch->mutex);
        return fetch->done;
      },
      deadline, *signal);
  if (!arrived) {
    {
      std::lock_guard lock(fetch->mutex);
      std::erase(fetch->waiters, signal);
    }
    throw TimeoutError("future '" + name + "': its result did not come from " + where +
                       " within the timeout");
  }
  if (fetch->ended) {
    throw Error("the result of future '" + name +
                "' was on an MPI worker, and the runtime ended before it came here: keep the "
                "tessera::Runtime alive until you have the results you need");
  }
  std::string error;
  if (is_error_frames(fetch->frames, error)) {
    throw TaskError(name, where, "tessera::Error",
                    "the result could not be brought here from " + where + ": " + error);
  }
  try {
    return Value::decode(fetch->frames);
  } catch (const std::exception& decode_error) {
    throw TaskError(name, where, "tessera::SerializationError",
                    std::string("the result came from ") + where +
                        " but cannot be read here: " + decode_error.what());
  }
}

void ClusterClient::close() {
  std::unordered_map<std::uint64_t, std::shared_ptr<ClientRun>> runs;
  std::unordered_map<DataKey, std::vector<std::shared_ptr<Retrieval>>, DataKeyHash> fetches;
  {
    std::lock_guard lock(mutex_);
    closed_.store(true, std::memory_order_release);
    runs.swap(runs_);
    fetches.swap(fetches_);
  }
  for (auto& [id, run] : runs) {
    for (auto& [task, output] : run->outputs) {
      if (auto state = output.lock()) {
        state->fail(std::make_exception_ptr(
            Error("future '" + state->key() +
                  "' was not done when its tessera::Runtime ended, and never will be: keep "
                  "the Runtime alive until you have the results you need")));
      }
    }
  }
  for (auto& [key, waiting] : fetches) {
    for (auto& fetch : waiting) {
      std::vector<std::shared_ptr<Signal>> waiters;
      {
        std::lock_guard lock(fetch->mutex);
        fetch->done = fetch->ended = true;
        waiters.swap(fetch->waiters);
      }
      for (auto& signal : waiters) signal->notify();
    }
  }
}

void ClusterClient::release(DataKey key) {
  {
    std::lock_guard lock(mutex_);
    if (outputs_may_move_) finished_.erase(key);
  }
  if (closed()) return;
  post(transport_, 0, Release{key});
}

void ClusterClient::cancel(DataKey key, bool released) {
  if (closed()) return;
  post(transport_, 0, Cancel{key, released});
}

}  // namespace tessera::detail
