#include "cluster/scheduler.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <utility>

#include "cluster/scheduler_state.hpp"
#include "diagnostics/prefix_labeller.hpp"
#include "diagnostics/progress_board.hpp"
#include "graph/plan.hpp"
#include "tessera/events.hpp"

namespace tessera::detail {

namespace {
constexpr double transfer_latency = 50e-6;  // seconds per fetched input
constexpr double transfer_bandwidth = 2e9;  // bytes per second between workers
constexpr int placement_window = 8;         // workers besides the input holders per placement
constexpr std::uint64_t kept_copy_bytes = 1 << 20;  // smaller inputs are moved again if need be
}  // namespace

Scheduler::Scheduler(Outbox& outbox, std::shared_ptr<TaskStream> stream, double worker_timeout)
    : outbox_(outbox), stream_(std::move(stream)), worker_timeout_(worker_timeout) {
  workers_.resize(static_cast<std::size_t>(outbox_.ranks()));
  held_inputs_.assign(workers_.size(), 0);
  held_bytes_.assign(workers_.size(), 0.0);
  const double now = wall_time();  // a worker that never says hello is lost too
  for (auto& worker : workers_) worker.last_heard = now;
}

Scheduler::~Scheduler() { flush_records(); }

int Scheduler::worker_end() const noexcept { return static_cast<int>(workers_.size()); }

bool Scheduler::done() const noexcept {
  if (!shutting_down_) return false;
  for (std::size_t rank = 1; rank < workers_.size(); ++rank) {
    if (!workers_[rank].gone) return false;
  }
  return true;
}

void Scheduler::shutdown() {
  send_forgets();
  shutting_down_ = true;
  for (int rank = 1; rank < worker_end(); ++rank) {
    post(outbox_, rank, Shutdown{});
  }
}

bool Scheduler::on_message(int source, Kind kind, WireReader& in) {
  if (source > 0 && source < worker_end()) {
    auto& worker = workers_[static_cast<std::size_t>(source)];
    if (worker.lost) return true;  // what it said before it was lost is done again elsewhere
    worker.heard = true;           // no clock read per message
  }
  const bool handled = handle(source, kind, in);
  // Runs are erased only here, never while a handler may still hold one.
  if (touched_.empty()) return handled;
  erasing_.swap(touched_);  // both keep their memory: a message per task comes through here
  std::sort(erasing_.begin(), erasing_.end());
  erasing_.erase(std::unique(erasing_.begin(), erasing_.end()), erasing_.end());
  for (auto id : erasing_) maybe_erase(id);
  erasing_.clear();
  return handled;
}

bool Scheduler::handle(int source, Kind kind, WireReader& in) {
  switch (kind) {
    case Kind::hello:
      hello(source, Hello::read(in));
      return true;
    case Kind::submit:
      submit(source, Submit::read(in));
      return true;
    case Kind::scatter:
      scatter(source, Scatter::read(in));
      return true;
    case Kind::completed:
      completed(source, Completed::read(in));
      return true;
    case Kind::stolen:
      stolen(source, Stolen::read(in));
      return true;
    case Kind::cancel:
      cancel(Cancel::read(in));
      return true;
    case Kind::release:
      release(Release::read(in));
      return true;
    case Kind::status:
      workers_[static_cast<std::size_t>(source)].paused = Status::read(in).paused;
      return true;
    case Kind::event: {
      const auto logged = EventLogged::read(in);
      record_event(Event{logged.time, std::string(logged.topic), std::string(logged.message),
                         std::string(logged.source)});
      return true;
    }
    case Kind::stored:
      stored(source, Stored::read(in));
      return true;
    case Kind::lost:
      lost(source, Lost::read(in));
      return true;
    case Kind::heartbeat:
      Heartbeat::read(in);
      return true;
    case Kind::retire:
      retire(source, Retire::read(in).urgent);
      return true;
    case Kind::metrics:
      workers_[static_cast<std::size_t>(source)].metrics = WorkerMetrics::read(in);
      return true;
    case Kind::goodbye:
      Goodbye::read(in);
      workers_[static_cast<std::size_t>(source)].gone = true;
      workers_[static_cast<std::size_t>(source)].said_goodbye = true;
      update_roster();
      if (workers_[static_cast<std::size_t>(source)].retiring) retired(source);
      if (done()) {
        for (int rank = 1; rank < worker_end(); ++rank) {
          if (workers_[static_cast<std::size_t>(rank)].said_goodbye) post(outbox_, rank, Exit{});
        }
      }
      return true;
    default:
      return false;
  }
}

void Scheduler::hello(int source, const Hello& message) {
  if (source < 1) throw Error("a hello message from rank " + std::to_string(source));
  if (source >= worker_end()) {  // a worker that joined an elastic cluster
    // Ranks are given as workers join; their hellos may come in another order. Those between
    // have joined too and have worker_timeout from now to say hello, as at the start.
    const std::size_t first_new = workers_.size();
    workers_.resize(static_cast<std::size_t>(source) + 1);
    const double now = wall_time();
    for (std::size_t r = first_new; r < workers_.size(); ++r) workers_[r].last_heard = now;
    held_inputs_.resize(workers_.size(), 0);
    held_bytes_.resize(workers_.size(), 0.0);
  }
  auto& worker = workers_[static_cast<std::size_t>(source)];
  worker.joined = true;
  worker.last_heard = wall_time();
  worker.threads = std::max<std::uint32_t>(1, message.threads);
  for (const auto& [name, amount] : message.resources) worker.resources[name] = amount;
  worker.memory_limit = message.memory_limit;
  ++hellos_;
  update_roster();
  if (shutting_down_) {
    post(outbox_, source, Shutdown{});
    return;
  }
  for (auto& scatter : std::exchange(unstored_, {})) {
    post(outbox_, source, StoreData{scatter.key, scatter.literal});
  }
}

// Whether a worker that may still join an elastic cluster could run a task that asks for
// `requirement`: any could, unless the cluster said what its workers offer.
bool Scheduler::may_join_for(const Submission& run, std::uint32_t task) {
  if (roster_) roster_->offers_since(offers_version_, offers_);  // the newest word on them
  const auto* requirement = run.requirement(task);
  if (offers_version_ == 0 || !requirement || requirement->resources.empty()) return true;
  for (const auto& offer : offers_) {
    bool enough = true;
    for (const auto& [name, amount] : requirement->resources) {
      auto found = offer.find(name);
      enough = enough && found != offer.end() && found->second >= amount;
    }
    if (enough) return true;
  }
  return false;
}

// The load adapt() reads, and the resources tasks wait for that no worker has.
void Scheduler::publish_load() {
  SchedulerLoad load;
  for (const auto& [id, run] : runs_) {
    if (!run->body.empty()) load.remaining += run->remaining;
    load.held_results += run->holding;
  }
  for (const auto& worker : workers_) {
    if (!worker.usable()) continue;
    load.processing += worker.in_flight;
    load.paused_workers += worker.paused;
  }
  load.task_seconds = average_duration_;
  std::size_t looked = 0;
  for (auto key : unplaced_) {
    if (++looked > 1000) break;
    const Submission* run = find_run(key.run);
    const auto* requirement = run ? run->requirement(key.task) : nullptr;
    if (!requirement) continue;
    for (const auto& [name, amount] : requirement->resources) {
      bool offered = false;
      for (const auto& worker : workers_) {
        auto found = worker.resources.find(name);
        offered = offered ||
                  (worker.usable() && found != worker.resources.end() && found->second >= amount);
      }
      if (!offered && std::find(load.wanted_resources.begin(), load.wanted_resources.end(), name) ==
                          load.wanted_resources.end()) {
        load.wanted_resources.push_back(name);
      }
    }
  }
  roster_->set_load(std::move(load));
}

void Scheduler::update_roster() {
  if (!roster_) return;
  std::size_t count = 0;
  std::uint32_t threads = 0;
  for (const auto& worker : workers_) {
    if (!worker.usable()) continue;
    ++count;
    threads += worker.threads;
  }
  roster_->update(count, threads);
}

Scheduler::Submission* Scheduler::find_run(std::uint64_t id) {
  if (last_found_ && last_found_->id == id) return last_found_;  // most messages: one run
  auto found = runs_.find(id);
  if (found == runs_.end()) return nullptr;
  last_found_ = found->second.get();
  return last_found_;
}

std::string Scheduler::key_of(const Submission& run, std::uint32_t task) const {
  return std::string(key_view(run, task));
}

std::string_view Scheduler::key_view(const Submission& run, std::uint32_t task) const {
  if (run.body.empty()) return "scattered data";
  WireReader in(run.spec(task), "task spec");
  return read_task_key(in);
}

void Scheduler::flush_records() {
  last_flush_ = wall_time();
  if (records_.empty()) return;
  std::vector<TaskStream::Entry> entries;
  entries.reserve(records_.size());
  for (const auto& record : records_) {
    const Submission* run = find_run(record.key.run);
    if (!run) continue;
    entries.push_back(TaskStream::Entry{key_view(*run, record.key.task), record.worker,
                                        record.start, record.stop});
  }
  records_.clear();
  stream_->add(entries);
}

void Scheduler::submit(int source, const Submit& message) {
  auto owned = std::make_unique<Submission>();
  Submission& run = *owned;
  run.owner = source;
  run.seq = next_seq_++;
  // The specs are kept: assignments forward each task's spec from them as it is.
  if (message.handed_over) {
    auto specs = source == 0 && handoff_ ? handoff_->take(message.run) : std::nullopt;
    if (!specs) {
      throw SerializationError("submit message from rank " + std::to_string(source) +
                               ": its task specs were to be handed over in rank 0's memory, "
                               "and are not there");
    }
    run.body = std::move(*specs);
  } else {
    run.body.assign(message.specs.begin(), message.specs.end());
  }
  WireReader body(run.body, "submit message from rank " + std::to_string(source));
  run.id = message.run;
  run.progress = take_watched_run(run.id);
  const auto n = message.tasks;
  if (n >= Submission::external_input) {
    throw SerializationError("submit message from rank " + std::to_string(source) + ": " +
                             std::to_string(n) + " tasks, over the " +
                             std::to_string(Submission::external_input - 1) +
                             " a run may hold: split the graph into several computes");
  }
  run.tasks.resize(n);
  run.remaining = n;
  if (run.wide_specs()) {
    run.wide_spec_begin.reserve(n + 1);
  } else {
    run.spec_begin.reserve(n + 1);
  }
  run.input_begin.reserve(n + 1);
  run.input_begin.push_back(0);
  run.prefix_of.reserve(n);
  std::vector<std::uint32_t> dependent_count(n, 0);
  TaskSpec spec;
  for (std::uint32_t t = 0; t < n; ++t) {
    run.add_spec_begin(body.offset());
    read_task(body, run.id, spec);
    run.prefix_of.push_back(labeller_.id_of_key(spec.key, nullptr));
    for (const auto& arg : spec.args) {
      if (arg.kind == ArgKind::literal) continue;
      run.add_input(arg.input);
      if (arg.kind == ArgKind::task) {
        if (arg.input.task >= t) {
          throw SerializationError("submit message from rank " + std::to_string(source) +
                                   ": task " + std::to_string(t) + " depends on a later task");
        }
        ++dependent_count[arg.input.task];
      }
    }
    run.input_begin.push_back(static_cast<std::uint32_t>(run.inputs.size()));
    if (!spec.resources.empty() || !spec.workers.empty()) {
      Submission::Requirement requirement;
      for (auto [name, amount] : spec.resources) requirement.resources.emplace_back(name, amount);
      requirement.workers = spec.workers;
      run.placement_of.resize(n, no_task);
      run.placement_of[t] = static_cast<std::uint32_t>(run.placements.size());
      run.placements.push_back(std::move(requirement));
    }
  }
  run.add_spec_begin(body.offset());
  if (!body.at_end()) {
    throw SerializationError("submit message from rank " + std::to_string(source) + ": " +
                             std::to_string(body.remaining()) + " bytes after its " +
                             std::to_string(n) + " tasks");
  }
  const auto& outputs = message.outputs;

  run.dependent_begin.assign(n + 1, 0);
  for (std::uint32_t t = 0; t < n; ++t) {
    run.dependent_begin[t + 1] = run.dependent_begin[t] + dependent_count[t];
  }
  run.dependents.resize(run.dependent_begin[n]);
  std::vector<std::uint32_t> fill(run.dependent_begin.begin(), run.dependent_begin.end() - 1);
  for (std::uint32_t t = 0; t < n; ++t) {
    for (auto i = run.input_begin[t]; i < run.input_begin[t + 1]; ++i) {
      const auto input = run.input(i);
      if (input.run == run.id) run.dependents[fill[input.task]++] = t;
    }
    run.tasks[t].uses = dependent_count[t];
  }
  for (auto t : outputs) {
    if (t >= n) throw SerializationError("submit message: output beyond the tasks");
    if (run.tasks[t].held) continue;
    run.tasks[t].output = true;
    run.tasks[t].held = true;
    ++run.tasks[t].uses;
    ++run.held_outputs;
  }
  const auto id = run.id;
  runs_.emplace(id, std::move(owned));

  // Inputs: this run's tasks, and earlier runs' results (futures).
  for (std::uint32_t t = 0; t < n; ++t) {
    auto& task = run.tasks[t];
    std::optional<Failure> failed_input;
    for (auto i = run.input_begin[t]; i < run.input_begin[t + 1]; ++i) {
      const auto input = run.input(i);
      if (input.run == id) {
        ++task.waiting;
        continue;
      }
      Submission* other = find_run(input.run);
      if (!other || input.task >= other->tasks.size() ||
          other->tasks[input.task].state == TaskState::forgotten) {
        failed_input = Failure{key_of(run, t), "scheduler", "tessera::Error",
                               "an input of this task (a future's result) is no longer held in "
                               "the cluster: keep the Future until the tasks using it are done"};
        continue;
      }
      auto& source_task = other->tasks[input.task];
      ++source_task.uses;
      if (source_task.state == TaskState::failed) {
        failed_input = other->failures.at(input.task);
      } else if (source_task.state != TaskState::done) {
        ++task.waiting;
        other->external_waiters[input.task].push_back(DataKey{id, t});
      }
    }
    if (failed_input) {
      skip(run, t, *failed_input);
    }
  }
  for (std::uint32_t t = 0; t < n; ++t) {
    if (run.tasks[t].state == TaskState::waiting && run.tasks[t].waiting == 0) ready(run, t);
  }
  touched_.push_back(id);
}

// The data is done once a worker says it keeps it: a reader placed elsewhere must not ask
// that worker for it before the store message has reached it.
void Scheduler::scatter(int source, const Scatter& message) {
  const auto key = message.key;
  const bool broadcast = message.broadcast;
  const auto literal = message.literal;
  auto owned = std::make_unique<Submission>();
  Submission& run = *owned;
  run.id = key.run;
  run.owner = source;
  run.seq = next_seq_++;
  run.tasks.resize(1);
  run.input_begin.assign(2, 0);
  run.dependent_begin.assign(2, 0);
  run.remaining = 1;
  run.held_outputs = 1;
  auto& task = run.tasks[0];
  task.output = task.held = true;
  task.uses = 1;
  task.bytes = literal.size();
  task.state = TaskState::assigned;
  std::vector<int> targets;
  for (int rank = 1; rank < worker_end(); ++rank) {
    if (!workers_[static_cast<std::size_t>(rank)].usable()) continue;
    if (broadcast) {
      targets.push_back(rank);
    } else if (targets.empty() || workers_[static_cast<std::size_t>(rank)].in_flight <
                                      workers_[static_cast<std::size_t>(targets[0])].in_flight) {
      targets.assign(1, rank);
    }
  }
  for (int rank : targets) {
    post(outbox_, rank, StoreData{DataKey{run.id, 0}, literal});
  }
  // No worker yet, or none that stays (gone, or retiring, while their replacements have yet
  // to join): the first to say hello keeps it.
  if (targets.empty()) {
    unstored_.push_back(UnstoredScatter{DataKey{run.id, 0},
                                        std::vector<std::byte>(literal.begin(), literal.end())});
  }
  runs_.emplace(run.id, std::move(owned));
}

void Scheduler::stored(int source, const Stored& message) {
  const auto key = message.key;
  Submission* run = find_run(key.run);
  const auto state =
      run && key.task < run->tasks.size() ? run->tasks[key.task].state : TaskState::forgotten;
  if (state == TaskState::assigned && run->body.empty()) {  // scattered data, kept
    finish(*run, key.task, source, run->tasks[key.task].bytes);
    touched_.push_back(key.run);
  } else if (state == TaskState::done || state == TaskState::assigned) {
    // A broadcast copy, one handed over by a retiring worker, or one kept after a fetch. A
    // result being made again (its holder was lost meanwhile) is done only when its task says
    // so: the copy is as good.
    run->replicas[key.task].push_back(source);
  } else {
    post(outbox_, source, Forget{{key}});
  }
}

void Scheduler::ready(Submission& run, std::uint32_t task) {
  const bool root = run.input_begin[task] == run.input_begin[task + 1];
  if (root && !run.requirement(task)) {
    run.tasks[task].state = TaskState::queued;
    roots_.push(Queued{(run.seq << 32) | task, run.id, task});
  } else {
    place(run, task);
  }
}

int Scheduler::holder_for(DataKey key, int worker) {
  const Submission* found = find_run(key.run);
  if (!found) return -1;
  const Submission& run = *found;
  if (run.replicas.empty()) return run.tasks[key.task].worker;
  if (auto replicas = run.replicas.find(key.task); replicas != run.replicas.end()) {
    for (int rank : replicas->second) {
      if (rank == worker) return rank;
    }
  }
  return run.tasks[key.task].worker;
}

double Scheduler::capacity(const WorkerInfo& worker) const {
  // Enough queued work to cover ~2 ms of scheduling latency, at least two per thread.
  const double per_thread = std::clamp(2e-3 / std::max(average_duration_, 1e-7), 2.0, 1024.0);
  return per_thread * worker.threads;
}

std::uint32_t Scheduler::kind_of(const Submission& run, std::uint32_t task) const {
  return task < run.prefix_of.size() ? run.prefix_of[task] : WorkerInfo::unknown_kind;
}

// Where `task` could start first among the workers `allowed` lets through: when its queue
// there (by its tasks' kinds; a nanosecond a task breaks ties) is through and its inputs still
// being made elsewhere are ready, then its inputs' moves. Candidates are the workers that hold
// its inputs and a window of the others taken in turn (a few however many ranks there are;
// with few workers, all of them), or every worker with `everywhere`. Tasks of kinds that have
// not run yet count nothing, so they stay with their inputs; stealing spreads what piles up.
// -1 if none is allowed; `any_allowed` tells whether one was, though paused.
template <class Allowed>
int Scheduler::cheapest(Submission& run, std::uint32_t task, bool everywhere,
                        const Allowed& allowed, bool& any_allowed) {
  // One pass over the inputs: their count and bytes, and what each holder has of them. A
  // task may have 100,000 inputs; every candidate then costs O(1).
  std::uint32_t input_count = 0;
  double input_bytes = 0.0;
  for (int rank : holders_) {
    held_inputs_[static_cast<std::size_t>(rank)] = 0;
    held_bytes_[static_cast<std::size_t>(rank)] = 0.0;
  }
  holders_.clear();
  const int workers = worker_end() - 1;
  auto credit = [&](int rank, double bytes) {
    if (rank < 1 || rank > workers) return;
    auto& count = held_inputs_[static_cast<std::size_t>(rank)];
    if (count == 0) holders_.push_back(rank);  // first input it holds: in input order
    ++count;
    held_bytes_[static_cast<std::size_t>(rank)] += bytes;
  };
  // Inputs still being made (the task goes ahead of them): ready when their workers' queues
  // are through, at the latest. The two latest, on different workers, so that a candidate
  // that makes the latest itself waits for the other.
  int latest_maker = -1;
  double latest = 0.0, second_latest = 0.0;
  for (auto i = run.input_begin[task]; i < run.input_begin[task + 1]; ++i) {
    const auto input = run.input(i);
    const Submission* other = input.run == run.id ? &run : find_run(input.run);
    if (!other) continue;
    const auto& source = other->tasks[input.task];
    const double bytes = static_cast<double>(source.bytes);
    ++input_count;
    input_bytes += bytes;
    credit(source.worker, bytes);
    if (other == &run && source.state == TaskState::assigned && source.worker != latest_maker &&
        source.worker >= 1 && source.worker <= workers) {
      const double ready =
          workers_[static_cast<std::size_t>(source.worker)].queue_seconds(prefix_durations_);
      if (ready > latest) {
        second_latest = latest;
        latest = ready;
        latest_maker = source.worker;
      } else if (ready > second_latest) {
        second_latest = ready;
      }
    }
    if (!other->replicas.empty()) {
      if (auto copies = other->replicas.find(input.task); copies != other->replicas.end()) {
        for (int rank : copies->second) {
          if (rank != source.worker) credit(rank, bytes);
        }
      }
    }
  }
  int best = -1;
  double best_cost = std::numeric_limits<double>::infinity();
  auto consider = [&](int rank) {
    if (!allowed(rank)) return;
    any_allowed = true;
    const auto& worker = workers_[static_cast<std::size_t>(rank)];
    if (worker.paused) return;
    const auto held = held_inputs_[static_cast<std::size_t>(rank)];
    const double inputs_ready = rank == latest_maker ? second_latest : latest;
    const double cost =
        std::max(worker.occupancy(prefix_durations_), inputs_ready) +
        worker.in_flight * 1e-9 / worker.threads + (input_count - held) * transfer_latency +
        (input_bytes - held_bytes_[static_cast<std::size_t>(rank)]) / transfer_bandwidth;
    if (cost < best_cost) {
      best_cost = cost;
      best = rank;
    }
  };
  if (!everywhere) {
    for (int holder : holders_) consider(holder);
    for (int k = 0; k < std::min(workers, placement_window); ++k) {
      next_candidate_ = next_candidate_ % workers + 1;
      if (held_inputs_[static_cast<std::size_t>(next_candidate_)] == 0) consider(next_candidate_);
    }
  } else {
    for (int rank = 1; rank <= workers; ++rank) consider(rank);
  }
  return best;
}

void Scheduler::place(Submission& run, std::uint32_t task) {
  const auto* requirement = run.requirement(task);
  auto allowed = [&](int rank) {
    const auto& worker = workers_[static_cast<std::size_t>(rank)];
    if (!worker.usable()) return false;
    if (requirement) {
      if (!requirement->workers.empty() &&
          std::find(requirement->workers.begin(), requirement->workers.end(), rank) ==
              requirement->workers.end()) {
        return false;
      }
      for (const auto& [name, amount] : requirement->resources) {
        auto offered = worker.resources.find(name);
        if (offered == worker.resources.end() || offered->second < amount) return false;
      }
    }
    return true;
  };
  bool any_allowed = false;
  // A task with requirements looks at every worker: few may offer what it asks for.
  int best = requirement ? -1 : cheapest(run, task, false, allowed, any_allowed);
  if (best < 0) best = cheapest(run, task, true, allowed, any_allowed);
  if (best >= 0) {
    assign(run, task, best);
    return;
  }
  // Wait for a worker to unpause, or to join (one that may run it, in an elastic cluster).
  if (any_allowed || hellos_ < outbox_.ranks() - 1 || (expect_joins_ && may_join_for(run, task))) {
    run.tasks[task].state = TaskState::queued;
    unplaced_.push_back(DataKey{run.id, task});
    return;
  }
  auto amounts = [](const auto& resources) {
    std::string text;
    for (const auto& [name, amount] : resources) {
      if (!text.empty()) text.append(", ");
      char number[32];
      std::snprintf(number, sizeof number, "%g", amount);
      text.append(name).append("=").append(number);
    }
    return text;
  };
  std::string wanted;
  if (requirement) {
    wanted = amounts(requirement->resources);
    if (!requirement->workers.empty()) {
      wanted.append(wanted.empty() ? "workers" : "; workers");
      for (int rank : requirement->workers) wanted.append(" ").append(std::to_string(rank));
    }
  }
  std::string offered;
  for (int rank = 1; rank < worker_end(); ++rank) {
    if (!offered.empty()) offered.append("; ");
    offered.append("rank ").append(std::to_string(rank)).append(" {");
    offered.append(amounts(workers_[static_cast<std::size_t>(rank)].resources)).append("}");
  }
  if (expect_joins_) {
    offered.append(offered.empty() ? "" : "; ").append("and the workers that may join offer");
    for (const auto& offer : offers_) {
      std::vector<std::pair<std::string, double>> items(offer.begin(), offer.end());
      offered.append(" {").append(amounts(items)).append("}");
    }
  }
  fail(run, task,
       Failure{key_of(run, task), "scheduler", "tessera::Error",
               "no worker can run this task: it asks for " + wanted + ", and the workers offer " +
                   offered +
                   " (set the \"resources\" setting, TESSERA_RESOURCES, on the workers "
                   "that have them)"});
}

void Scheduler::assign(Submission& run, std::uint32_t task, int rank) {
  auto& t = run.tasks[task];
  t.state = TaskState::assigned;
  t.worker = rank;
  workers_[static_cast<std::size_t>(rank)].enqueue(kind_of(run, task));
  assign_.key = DataKey{run.id, task};
  assign_.priority = (run.seq << 32) | task;
  assign_.spec = run.spec(task);
  assign_.inputs.clear();
  for (auto i = run.input_begin[task]; i < run.input_begin[task + 1]; ++i)
    assign_.inputs.push_back(run.input(i));
  assign_.holders.clear();
  for (auto input : assign_.inputs) assign_.holders.push_back(holder_for(input, rank));
  // Large results of earlier runs that it fetches (persisted data, most often) may stay there
  // as copies, as far as its worker_replica_memory goes: later tasks that need them move
  // nothing, and the copies are forgotten with the results.
  assign_.keep.clear();
  for (std::uint32_t i = 0; i < assign_.inputs.size(); ++i) {
    const auto input = assign_.inputs[i];
    if (input.run == run.id || assign_.holders[i] == rank || assign_.holders[i] < 0) continue;
    const auto& source = find_run(input.run)->tasks[input.task];
    if (source.state == TaskState::done && source.bytes >= kept_copy_bytes) {
      assign_.keep.push_back(i);
    }
  }
  // Inputs still being made (it goes ahead of them): awaited there, and kept by their workers.
  assign_.pending.clear();
  for (std::uint32_t i = 0; i < assign_.inputs.size(); ++i) {
    const auto input = assign_.inputs[i];
    if (input.run != run.id || run.tasks[input.task].state != TaskState::assigned) continue;
    assign_.pending.push_back(i);
    const int maker = run.tasks[input.task].worker;
    if (maker != rank) post(outbox_, maker, Pin{{input}});
  }
  post(outbox_, rank, assign_);
  if (!moved_waiters_.empty()) tell_moved(assign_.key, rank);
  assign_ahead(run, task, rank);
}

// Assigns the dependents of `task` (just assigned to `rank`) whose inputs are now all
// assigned, each where it could start first if that worker has room in its queue, and theirs
// in turn (a work list, not recursion: a chain may be long). The others wait for their inputs.
// None go ahead while `rank` is full: most often then so are the others, and placing them
// would be done again when their inputs are made.
void Scheduler::assign_ahead(Submission& run, std::uint32_t task, int rank) {
  ahead_.emplace_back(task, rank);
  if (assigning_ahead_) return;  // the outer call goes on with it
  assigning_ahead_ = true;
  while (!ahead_.empty()) {
    const auto [t, maker] = ahead_.back();
    ahead_.pop_back();
    const auto& made_at = workers_[static_cast<std::size_t>(maker)];
    if (made_at.in_flight >= capacity(made_at)) continue;
    for (auto d = run.dependent_begin[t]; d < run.dependent_begin[t + 1]; ++d) {
      const auto dependent = run.dependents[d];
      if (!may_run_ahead(run, dependent)) continue;
      auto allowed = [&](int rank) { return may_run_ahead_on(run, dependent, rank); };
      bool any_allowed = false;
      const int best = cheapest(run, dependent, false, allowed, any_allowed);
      if (best < 0) continue;
      const auto& worker = workers_[static_cast<std::size_t>(best)];
      if (worker.in_flight < capacity(worker)) assign(run, dependent, best);
    }
  }
  assigning_ahead_ = false;
}

// Workers wait for `key` from a worker that was lost: it is made at `rank` now, which keeps it
// for them.
void Scheduler::tell_moved(DataKey key, int rank) {
  auto waiters = moved_waiters_.find(key);
  if (waiters == moved_waiters_.end()) return;
  bool elsewhere = false;
  for (int worker : waiters->second) {
    post(outbox_, worker, Moved{key, rank});
    elsewhere = elsewhere || worker != rank;
  }
  if (elsewhere) post(outbox_, rank, Pin{{key}});
  moved_waiters_.erase(waiters);
}

// Whether `task` waits only for inputs of its own run that are assigned (and whose makers are
// not asked for a steal), so that it may go ahead of them.
bool Scheduler::may_run_ahead(const Submission& run, std::uint32_t task) {
  const auto& t = run.tasks[task];
  if (t.state != TaskState::waiting || t.waiting == 0 || run.requirement(task)) return false;
  for (auto i = run.input_begin[task]; i < run.input_begin[task + 1]; ++i) {
    const auto input = run.input(i);
    if (input.run != run.id) {
      const Submission* other = find_run(input.run);
      if (!other || other->tasks[input.task].state != TaskState::done) return false;
      continue;
    }
    const auto& source = run.tasks[input.task];
    if (source.state == TaskState::done) continue;
    if (source.state != TaskState::assigned) return false;
    // Not while a steal is asked of its maker: it may be on its way elsewhere (a worker keeps
    // what is pinned, but only by pins that came before the steal).
    if (workers_[static_cast<std::size_t>(source.worker)].steal_pending) return false;
  }
  return true;
}

// Whether `task` (may_run_ahead) may go ahead to `rank`: a worker with a memory limit takes
// only tasks whose inputs being made are made there (a fetch ahead could overrun its limit).
bool Scheduler::may_run_ahead_on(const Submission& run, std::uint32_t task, int rank) {
  const auto& worker = workers_[static_cast<std::size_t>(rank)];
  if (!worker.usable()) return false;
  if (worker.memory_limit == 0) return true;
  for (auto i = run.input_begin[task]; i < run.input_begin[task + 1]; ++i) {
    const auto input = run.input(i);
    if (input.run != run.id) continue;
    const auto& source = run.tasks[input.task];
    if (source.state == TaskState::assigned && source.worker != rank) return false;
  }
  return true;
}

bool Scheduler::on_turn() {
  bool busy = false;
  if (!unplaced_.empty()) {
    auto waiting = std::move(unplaced_);
    unplaced_.clear();
    for (auto key : waiting) {
      Submission* run = find_run(key.run);
      if (run && run->tasks[key.task].state == TaskState::queued) place(*run, key.task);
    }
    busy = unplaced_.size() < waiting.size();
  }
  // Roots go in blocks, in priority order, to workers with room; each worker's block is at
  // most its share by threads, so a few thousand tiny tasks still spread over all workers.
  std::uint64_t open_threads = 0;
  if (!roots_.empty()) {
    for (int rank = 1; rank < worker_end(); ++rank) {
      const auto& worker = workers_[static_cast<std::size_t>(rank)];
      if (worker.usable() && !worker.paused) open_threads += worker.threads;
    }
  }
  const double roots = static_cast<double>(roots_.size());
  for (int rank = 1; rank < worker_end() && !roots_.empty(); ++rank) {
    auto& worker = workers_[static_cast<std::size_t>(rank)];
    if (!worker.usable() || worker.paused) continue;
    const double share = std::ceil(roots * worker.threads / static_cast<double>(open_threads));
    const double room = std::min(share, capacity(worker) - worker.in_flight);
    for (double given = 0; given < room && !roots_.empty();) {
      auto next = roots_.top();
      roots_.pop();
      Submission* run = find_run(next.run);
      if (!run || run->tasks[next.task].state != TaskState::queued) continue;
      assign(*run, next.task, rank);
      given += 1;
      busy = true;
    }
  }
  const double now = wall_time();
  if (now - last_balance_ > 5e-3) {
    last_balance_ = now;
    balance();
  }
  if (roster_ && now - last_load_ > 50e-3) {
    last_load_ = now;
    roster_->offers_since(offers_version_, offers_);
    if (roster_->load_asked()) publish_load();
  }
  if (retiring_ > 0 && now - last_hand_over_ > 50e-3) {
    last_hand_over_ = now;
    hand_over();
  }
  if (worker_timeout_ > 0 && !shutting_down_ &&
      now - last_liveness_check_ > std::min(0.1, worker_timeout_ / 4)) {
    last_liveness_check_ = now;
    check_liveness(now);
  }
  if (!forget_ranks_.empty()) send_forgets();
  if (!records_.empty() && now - last_flush_ > 0.1) flush_records();  // a live task stream
  if (metrics_ && metrics_->wanted()) metrics_->publish(metrics_snapshot());
  return busy;
}

void Scheduler::check_liveness(double now) {
  for (int rank = 1; rank < worker_end(); ++rank) {
    auto& worker = workers_[static_cast<std::size_t>(rank)];
    if (std::exchange(worker.heard, false)) worker.last_heard = now;
    if (!worker.gone && now - worker.last_heard > worker_timeout_) {
      // An elastic cluster goes on without it; an MPI job cannot (the rank is part of it).
      if (!expect_joins_) lose_worker(rank, now - worker.last_heard);
      log_event("elastic", "worker rank " + std::to_string(rank) + " has been silent for " +
                               std::to_string(now - worker.last_heard) + " s (worker_timeout)");
      worker_lost(rank);
    }
  }
}

// In an MPI job a lost worker ends the job: its rank cannot be replaced, and waiting for it
// would hang the client forever. (Elastic clusters recover instead: scheduler_recovery.cpp.)
void Scheduler::lose_worker(int rank, double silent_for) {
  std::vector<std::string> running;
  std::vector<std::string> holding;
  std::size_t running_count = 0;
  std::size_t holding_count = 0;
  constexpr std::size_t listed = 10;
  for (const auto& [id, run] : runs_) {
    for (std::uint32_t t = 0; t < run->tasks.size(); ++t) {
      const auto& task = run->tasks[t];
      if (task.worker != rank) continue;
      if (task.state == TaskState::assigned) {
        if (running_count++ < listed) running.push_back(key_of(*run, t));
      } else if (task.state == TaskState::done) {
        if (holding_count++ < listed) holding.push_back(key_of(*run, t));
      }
    }
  }
  auto list = [](const std::vector<std::string>& keys, std::size_t count) {
    std::string text;
    for (const auto& key : keys) text += (text.empty() ? "'" : ", '") + key + "'";
    if (count > keys.size()) text += ", and " + std::to_string(count - keys.size()) + " more";
    return text.empty() ? std::string("none") : text;
  };
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%.1f", silent_for);
  const std::string what =
      silent_for < 0 ? " lost its connection to the scheduler: it was killed or crashed, or "
                       "its node is lost"
                     : std::string(" has not been heard from for ") + seconds +
                           " s (the worker_timeout setting): it is stopped, hung, or its node "
                           "is lost";
  throw Error("worker rank " + std::to_string(rank) + what + ". It was running " +
              std::to_string(running_count) + " tasks (" + list(running, running_count) +
              ") and held " + std::to_string(holding_count) + " results (" +
              list(holding, holding_count) + "); the job ends");
}

void Scheduler::balance() {
  if (!roots_.empty()) return;
  int idle = -1;
  int busiest = -1;
  for (int rank = 1; rank < worker_end(); ++rank) {
    const auto& worker = workers_[static_cast<std::size_t>(rank)];
    if (!worker.usable()) continue;
    if (worker.in_flight == 0 && !worker.paused) idle = rank;
    if (!worker.steal_pending && worker.in_flight > 2 * worker.threads &&
        (busiest < 0 || worker.in_flight > workers_[static_cast<std::size_t>(busiest)].in_flight)) {
      busiest = rank;
    }
  }
  if (idle < 0 || busiest < 0) return;
  auto& victim = workers_[static_cast<std::size_t>(busiest)];
  victim.steal_pending = true;
  post(outbox_, busiest, Steal{victim.in_flight / 2});
}

void Scheduler::stolen(int source, const Stolen& message) {
  auto& victim = workers_[static_cast<std::size_t>(source)];
  const auto& keys = message.keys;
  if (!keys.empty())
    log_event("stealing",
              std::to_string(keys.size()) + " tasks taken from rank " + std::to_string(source));
  for (auto key : keys) {
    Submission* run = find_run(key.run);
    if (!run || key.task >= run->tasks.size()) {
      victim.unqueue(WorkerInfo::unknown_kind);
      continue;
    }
    victim.unqueue(kind_of(*run, key.task));
    auto& task = run->tasks[key.task];
    if (task.state != TaskState::assigned || task.worker != source) continue;
    if (task.cancelled) {
      skip(*run, key.task, run->failures.at(key.task));
      continue;
    }
    if (wait_again(*run, key.task)) continue;
    // Placed anew; the victim's queue is what made it costly there.
    victim.penalty = 1e9;
    place(*run, key.task);
    victim.penalty = 0.0;
  }
  // Only now: while the tasks of this batch are placed, the others are still recorded on the
  // victim, and nothing may go ahead of them there (assign_ahead checks steal_pending).
  victim.steal_pending = false;
}

// An assigned task whose input is to be made again (its worker was lost meanwhile; recovery
// left the task to hear where from, as it stays assigned): taken back, it waits for it again
// rather than going out naming no holder.
bool Scheduler::wait_again(Submission& run, std::uint32_t task) {
  std::uint32_t missing = 0;
  for (auto i = run.input_begin[task]; i < run.input_begin[task + 1]; ++i) {
    const auto input = run.input(i);
    Submission* source = input.run == run.id ? &run : find_run(input.run);
    if (!source) continue;
    const auto state = source->tasks[input.task].state;
    if (state == TaskState::done || (state == TaskState::assigned && source == &run)) continue;
    ++missing;
    if (source != &run) source->external_waiters[input.task].push_back(DataKey{run.id, task});
  }
  if (missing == 0) return false;
  auto& t = run.tasks[task];
  t.state = TaskState::waiting;
  t.worker = -1;
  t.waiting = missing;
  return true;
}

void Scheduler::completed(int source, const Completed& message) {
  auto& worker = workers_[static_cast<std::size_t>(source)];
  const auto key = message.key;
  const bool ok = !message.failure;
  const double duration = std::max(message.stop - message.start, 0.0);
  average_duration_ = 0.95 * average_duration_ + 0.05 * duration;
  if (metrics_ && ok) durations_.add(duration);
  Submission* run = find_run(key.run);
  if (!run || key.task >= run->tasks.size() || run->tasks[key.task].state != TaskState::assigned ||
      run->tasks[key.task].worker != source) {
    worker.unqueue(run && key.task < run->tasks.size() ? kind_of(*run, key.task)
                                                       : WorkerInfo::unknown_kind);
    // A cancelled run already gone, or a task cancelled meanwhile: drop what it made.
    if (ok) post(outbox_, source, Forget{{key}});
    return;
  }
  const std::uint32_t prefix = kind_of(*run, key.task);
  worker.unqueue(prefix);
  if (prefix != WorkerInfo::unknown_kind) {
    if (prefix_durations_.size() <= prefix) prefix_durations_.resize(prefix + 1, 0.0);
    double& by_prefix = prefix_durations_[prefix];
    by_prefix = by_prefix > 0.0 ? 0.8 * by_prefix + 0.2 * duration : std::max(duration, 1e-9);
  }
  if (stream_ && stream_->limit() > 0 && run->owner == 0) {
    if (worker_names_.size() <= static_cast<std::size_t>(source)) {
      worker_names_.resize(static_cast<std::size_t>(source) + 1);
    }
    auto& names = worker_names_[static_cast<std::size_t>(source)];
    if (names.size() <= message.thread) names.resize(message.thread + 1, 0);
    auto& name = names[message.thread];
    if (name == 0) {
      std::string text = "worker rank ";
      text.append(std::to_string(source)).append(" thread ").append(std::to_string(message.thread));
      name = stream_->worker_id(text) + 1;
    }
    records_.push_back(CompletedRecord{key, name - 1, message.start, message.stop});
    // In batches of a few thousand: a batch of records costs ~70 bytes each until recorded.
    if (records_.size() >= std::min<std::size_t>(stream_->limit(), 4096)) flush_records();
  }
  if (ok) {
    finish(*run, key.task, source, message.bytes);
  } else {
    fail(*run, key.task, *message.failure);
  }
  touched_.push_back(key.run);
}

void Scheduler::finish(Submission& run, std::uint32_t task, int worker, std::uint64_t bytes) {
  auto& t = run.tasks[task];
  t.state = TaskState::done;
  t.worker = worker;
  t.bytes = bytes;
  ++run.holding;
  --run.remaining;
  run.report_progress();
  if (t.output) notify_output(run, task);
  for (auto i = run.input_begin[task]; i < run.input_begin[task + 1]; ++i) {
    const auto input = run.input(i);
    if (input.run == run.id) {
      use_done_in(run, input.task);
    } else {
      use_done(input);
    }
  }
  for (auto d = run.dependent_begin[task]; d < run.dependent_begin[task + 1]; ++d) {
    const auto dependent = run.dependents[d];
    auto& dt = run.tasks[dependent];
    if (dt.state == TaskState::waiting && --dt.waiting == 0) ready(run, dependent);
  }
  if (auto waiters = run.external_waiters.find(task); waiters != run.external_waiters.end()) {
    auto keys = std::move(waiters->second);
    run.external_waiters.erase(waiters);
    for (auto key : keys) {
      Submission* other = find_run(key.run);
      if (!other) continue;
      auto& ot = other->tasks[key.task];
      if (ot.state == TaskState::waiting && --ot.waiting == 0) ready(*other, key.task);
    }
  }
  if (t.uses == 0) forget(run, task);
}

// A worker could not keep a result it had made (spilling it to disk failed): the task fails
// after all, and so does every task of its run that still needs it (tasks of other runs fail
// when they ask that worker for it, which answers with the reason).
void Scheduler::lost(int source, const Lost& message) {
  const auto key = message.key;
  Failure failure = message.failure;
  Submission* run = find_run(key.run);
  if (!run || key.task >= run->tasks.size()) return;
  auto& t = run->tasks[key.task];
  if (t.state != TaskState::done) return;  // forgotten meanwhile
  if (auto replicas = run->replicas.find(key.task); replicas != run->replicas.end()) {
    std::erase(replicas->second, source);
    if (t.worker == source && !replicas->second.empty()) {
      t.worker = replicas->second.back();
      replicas->second.pop_back();
    }
  }
  if (t.worker != source) return;  // another worker holds a copy
  failure.key = key_of(*run, key.task);
  t.state = TaskState::failed;
  --run->holding;
  run->failures.emplace(key.task, failure);
  // The worker keeps the reason for a client that still holds the future and asks for it.
  if (!t.held) post(outbox_, source, Forget{{key}});
  for (auto d = run->dependent_begin[key.task]; d < run->dependent_begin[key.task + 1]; ++d) {
    skip(*run, run->dependents[d], failure);
  }
  touched_.push_back(key.run);
}

void Scheduler::fail(Submission& run, std::uint32_t task, const Failure& failure) {
  skip(run, task, failure);
}

// The task will not run (it failed, an input failed, or it was cancelled), and neither will
// anything downstream of it.
void Scheduler::skip(Submission& run, std::uint32_t task, const Failure& failure) {
  std::vector<DataKey> downstream{DataKey{run.id, task}};
  while (!downstream.empty()) {
    const auto key = downstream.back();
    downstream.pop_back();
    Submission* r = key.run == run.id ? &run : find_run(key.run);
    if (!r) continue;
    auto& t = r->tasks[key.task];
    if (t.state == TaskState::done || t.state == TaskState::failed ||
        t.state == TaskState::forgotten) {
      continue;
    }
    // An assigned task may have started: its worker drops it if not, and the scheduler
    // drops its result if it reports one.
    if (t.state == TaskState::assigned && t.worker > 0) {
      post(outbox_, t.worker, Drop{{key}});
    }
    t.state = TaskState::failed;
    r->failures.emplace(key.task, failure);
    --r->remaining;
    r->report_progress();
    if (t.output) notify_output(*r, key.task);
    for (auto i = r->input_begin[key.task]; i < r->input_begin[key.task + 1]; ++i) {
      use_done(r->input(i));
    }
    for (auto d = r->dependent_begin[key.task]; d < r->dependent_begin[key.task + 1]; ++d) {
      downstream.push_back(DataKey{r->id, r->dependents[d]});
    }
    if (auto waiters = r->external_waiters.find(key.task); waiters != r->external_waiters.end()) {
      for (auto waiter : waiters->second) downstream.push_back(waiter);
      r->external_waiters.erase(waiters);
    }
    touched_.push_back(r->id);
  }
}

void Scheduler::use_done(DataKey input) {
  Submission* run = find_run(input.run);
  if (!run) return;
  use_done_in(*run, input.task);
  touched_.push_back(input.run);
}

void Scheduler::use_done_in(Submission& run, std::uint32_t task) {
  auto& t = run.tasks[task];
  if (t.uses > 0 && --t.uses == 0 && t.state == TaskState::done) forget(run, task);
}

void Scheduler::forget(Submission& run, std::uint32_t task) {
  auto& t = run.tasks[task];
  t.state = TaskState::forgotten;
  --run.holding;
  const DataKey key{run.id, task};
  auto send = [&](int rank) {
    if (forget_at_once_) {
      post(outbox_, rank, Forget{{key}});
      return;
    }
    if (forgets_.size() <= static_cast<std::size_t>(rank)) {
      forgets_.resize(static_cast<std::size_t>(rank) + 1);
    }
    auto& keys = forgets_[static_cast<std::size_t>(rank)].keys;
    if (keys.empty()) forget_ranks_.push_back(rank);
    keys.push_back(key);
  };
  send(t.worker);
  if (auto replicas = run.replicas.find(task); replicas != run.replicas.end()) {
    for (int rank : replicas->second) send(rank);
  }
}

void Scheduler::send_forgets() {
  for (int rank : forget_ranks_) {
    auto& forget = forgets_[static_cast<std::size_t>(rank)];
    post(outbox_, rank, forget);
    forget.keys.clear();
  }
  forget_ranks_.clear();
}

void Scheduler::notify_output(Submission& run, std::uint32_t task) {
  // The client that hears of an output finds its tasks in the task stream.
  if (run.owner == 0 && !records_.empty()) flush_records();
  const auto& t = run.tasks[task];
  OutputDone done{DataKey{run.id, task}, t.worker, t.bytes, std::nullopt};
  if (t.state != TaskState::done) done.failure = run.failures.at(task);
  post(outbox_, run.owner, done);
}

void Scheduler::cancel(const Cancel& message) {
  const auto key = message.key;
  const bool released = message.released;
  Submission* run = find_run(key.run);
  if (!run || key.task >= run->tasks.size()) return;
  if (run->tasks[key.task].held) {
    run->tasks[key.task].held = false;
    --run->held_outputs;
    use_done(key);
  }
  auto& task = run->tasks[key.task];
  if (released && task.uses > 0) return;  // other tasks read it: it runs for them
  if (task.state == TaskState::done || task.state == TaskState::failed ||
      task.state == TaskState::forgotten) {
    return;
  }
  task.cancelled = true;
  Failure failure{key_of(*run, key.task), "client", "tessera::CancelledError",
                  "task '" + key_of(*run, key.task) + "' was cancelled", true};
  skip(*run, key.task, failure);
  touched_.push_back(key.run);
}

void Scheduler::release(const Release& message) {
  const auto key = message.key;
  Submission* run = find_run(key.run);
  if (!run || key.task >= run->tasks.size()) return;
  auto& t = run->tasks[key.task];
  if (!t.held) return;
  t.held = false;
  --run->held_outputs;
  use_done(key);
}

void Scheduler::maybe_erase(std::uint64_t run_id) {
  Submission* run = find_run(run_id);
  if (!run || run->remaining != 0 || run->holding != 0 || run->held_outputs != 0 ||
      !run->external_waiters.empty()) {
    return;
  }
  if (!records_.empty()) flush_records();  // while the run's keys are at hand
  if (!run->body.empty()) {                // scattered data is no task
    erased_.tasks_submitted += run->tasks.size();
    erased_.tasks_failed += run->failures.size();
    erased_.tasks_completed += run->tasks.size() - run->failures.size();
    if (metrics_) count_prefixes(*run, erased_prefixes_);
  }
  if (last_found_ == run) last_found_ = nullptr;
  runs_.erase(run_id);
}

// Adds the run's tasks to the counts of their prefixes (labelled as the run came).
void Scheduler::count_prefixes(const Submission& run, std::vector<PrefixProgress>& counts) {
  if (counts.size() < prefixes_.size()) counts.resize(prefixes_.size());
  for (std::uint32_t t = 0; t < run.tasks.size(); ++t) {
    auto& count = counts[run.prefix_of[t]];
    ++count.total;
    switch (run.tasks[t].state) {
      case TaskState::done:
      case TaskState::forgotten:
        ++count.done;
        break;
      case TaskState::failed:
        ++count.failed;
        break;
      case TaskState::assigned:
        ++count.processing;
        break;
      default:
        break;
    }
  }
}

// Walks the runs in flight: a scrape a second costs the scheduler a pass over their tasks.
MetricsSnapshot Scheduler::metrics_snapshot() {
  MetricsSnapshot s = erased_;
  auto by_prefix = erased_prefixes_;
  s.durations = durations_;
  static constexpr const char* state_names[] = {"waiting", "queued", "processing", "memory",
                                                "erred"};
  std::uint64_t by_state[std::size(state_names)] = {};
  for (const auto& [id, run] : runs_) {
    if (run->body.empty()) continue;
    s.tasks_submitted += run->tasks.size();
    s.tasks_failed += run->failures.size();
    s.tasks_completed += run->tasks.size() - run->remaining - run->failures.size();
    for (const auto& task : run->tasks) {
      const auto state = static_cast<std::size_t>(task.state);
      if (state < std::size(state_names)) ++by_state[state];
    }
    count_prefixes(*run, by_prefix);
  }
  for (std::uint32_t id = 0; id < by_prefix.size(); ++id)
    s.prefixes[prefixes_.name(id)] = by_prefix[id];
  for (std::size_t i = 0; i < std::size(state_names); ++i)
    s.tasks_by_state[state_names[i]] = by_state[i];
  for (int rank = 1; rank < worker_end(); ++rank) {
    const auto& worker = workers_[static_cast<std::size_t>(rank)];
    if (!worker.joined) continue;
    ++s.workers_joined;
    if (worker.gone) {
      ++s.workers_left;
      continue;
    }
    s.threads += worker.threads;
    const auto& m = worker.metrics;
    s.workers.push_back(WorkerGauges{rank, worker.threads, worker.in_flight, m.memory_bytes,
                                     m.memory_limit, m.spilled_bytes, m.spilled_total,
                                     worker.paused});
    for (const auto& r : m.received) {
      s.transfers.push_back(TransferTotals{static_cast<int>(r.source), rank, r.bytes, r.count});
    }
  }
  return s;
}

}  // namespace tessera::detail
