#include "tessera/runtime.hpp"

#include <mpi.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "client/client_impl.hpp"
#include "cluster/cluster_backend.hpp"
#include "cluster/cluster_client.hpp"
#include "cluster/scheduler.hpp"
#include "cluster/store.hpp"
#include "cluster/worker_rank.hpp"
#include "diagnostics/dashboard.hpp"
#include "elastic/scheduler_file.hpp"
#include "mpi/transport.hpp"
#include "support/thread_name.hpp"
#if TESSERA_WITH_UCX
#include "elastic/ucx_transport.hpp"
#endif
#include "tessera/config.hpp"
#include "tessera/errors.hpp"
#include "tessera/events.hpp"

namespace tessera {

namespace {

bool launched_by_mpi() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE",
                           "MPI_LOCALNRANKS", "HYDRA_CONTROL_FD"}) {
    if (std::getenv(name)) return true;
  }
  return false;
}

// Called when the job is one rank: srun without PMI (no --mpi=pmix, MpiDefault=none) starts
// separate copies that each see a job of one rank and would each run the whole program alone.
void check_not_split_by_srun() {
  const char* step_tasks = std::getenv("SLURM_STEP_NUM_TASKS");
  const int tasks = step_tasks ? std::atoi(step_tasks) : 0;
  if (tasks > 1) {
    throw Error("tessera::Runtime: srun started " + std::to_string(tasks) +
                " tasks, but MPI sees a job of one rank in each, so every task would run the "
                "whole program alone; launch with `srun --mpi=pmix` (or set MpiDefault=pmix in "
                "slurm.conf; `srun --mpi=list` shows what this Slurm offers)");
  }
}

// The "transport" setting, as Open MPI's own settings; those the user set win.
void select_transport() {
  std::string transport;
  try {
    transport = config::get("transport");
  } catch (const ConfigError&) {
    return;  // a bad value is reported with the others once MPI runs (validate_settings)
  }
  auto set = [](const char* name, const char* value) { setenv(name, value, 0); };
  if (transport == "shm") {
    set("OMPI_MCA_pml", "ob1");
    set("OMPI_MCA_btl", "self,vader");
  } else if (transport == "tcp") {
    set("OMPI_MCA_pml", "ob1");
    set("OMPI_MCA_btl", "self,tcp");
  } else if (transport == "ucx") {
    set("OMPI_MCA_pml", "ucx");
  }
}

// Threads per worker: the "worker_threads" setting, else the CPUs this rank may run on shared
// among the workers on its node that may run on the same CPUs. Launchers bind ranks (Open
// MPI binds each of two ranks to one core, more to a socket; srun --cpu-bind), so counting
// the node's cores would put many threads on one core.
std::uint32_t worker_threads(int rank) {
  cpu_set_t mask;
  CPU_ZERO(&mask);
  int cpus = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::uint64_t mask_hash = 0;
  if (sched_getaffinity(0, sizeof mask, &mask) == 0) {
    cpus = std::max(1, CPU_COUNT(&mask));
    mask_hash = std::hash<std::string_view>{}(
        std::string_view(reinterpret_cast<const char*>(&mask), sizeof mask));
  }
  // Every rank on the node says which CPUs it has; rank 0 (client, scheduler) says none.
  MPI_Comm node;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
  int ranks_here = 1;
  MPI_Comm_size(node, &ranks_here);
  const std::uint64_t mine = rank == 0 ? 0 : mask_hash | 1;
  std::vector<std::uint64_t> all(static_cast<std::size_t>(ranks_here));
  MPI_Allgather(&mine, 1, MPI_UINT64_T, all.data(), 1, MPI_UINT64_T, node);
  MPI_Comm_free(&node);
  if (rank == 0) return 0;
  auto threads = static_cast<std::uint32_t>(config::get_int("worker_threads"));
  if (threads > 0) return threads;
  const auto sharing = std::count(all.begin(), all.end(), mine);
  return static_cast<std::uint32_t>(std::max<long>(1, cpus / std::max<long>(1, sharing)));
}

// This process's place in the job, for this_rank() and job_size().
int process_rank = 0;
int process_count = 1;

// What a crashing worker says before it dies (mpirun then ends the job).
thread_local const char* running_task_key = nullptr;
int crash_rank = -1;

void on_crash(int signal) {
  char text[512];
  const char* task = running_task_key ? running_task_key : "(none)";
  const int length =
      std::snprintf(text, sizeof text,
                    "tessera: worker rank %d crashed with signal %d (%s) while running task '%s'; "
                    "the job ends\n",
                    crash_rank, signal, strsignal(signal), task);
  if (length > 0) [[maybe_unused]]
    auto written = write(STDERR_FILENO, text, static_cast<std::size_t>(length));
  std::signal(signal, SIG_DFL);
  std::raise(signal);
}

bool mpi_running() {
  int initialized = 0;
  int finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  return initialized && !finalized;
}

// Ends the MPI job, or this process of an elastic cluster.
[[noreturn]] void fatal(int rank, const std::exception& error) {
  if (rank < 0) {
    std::fprintf(stderr, "tessera: worker (not yet joined): %s\n", error.what());
  } else {
    std::fprintf(stderr, "tessera: rank %d: %s\n", rank, error.what());
  }
  std::fflush(stderr);
  if (mpi_running()) MPI_Abort(MPI_COMM_WORLD, 1);
  std::_Exit(1);
}

// A worker of an elastic cluster asked to end (SIGTERM: Slurm's notice before a walltime kill
// or a scancel) retires instead of dying: the loop sees the flag.
std::atomic<bool> retire_signalled{false};
void on_retire_signal(int) { retire_signalled.store(true, std::memory_order_relaxed); }

// The worker_lifetime setting, moved up or down by up to worker_lifetime_stagger at random.
double staggered_lifetime() {
  const double lifetime = config::get_double("worker_lifetime");
  const double stagger = config::get_double("worker_lifetime_stagger");
  if (lifetime <= 0) return 0;
  std::random_device seed;
  std::uniform_real_distribution<double> shift(-stagger, stagger);
  return std::max(1.0, lifetime + (stagger > 0 ? shift(seed) : 0.0));
}

// Task threads of a worker of an elastic cluster: the "worker_threads" setting, else the CPUs
// this process may run on (a batch system's cgroup or srun's binding gives it its own).
std::uint32_t elastic_worker_threads() {
  auto threads = static_cast<std::uint32_t>(config::get_int("worker_threads"));
  if (threads > 0) return threads;
  cpu_set_t mask;
  CPU_ZERO(&mask);
  if (sched_getaffinity(0, sizeof mask, &mask) == 0) return std::max(1, CPU_COUNT(&mask));
  return std::max(1u, std::thread::hardware_concurrency());
}

// Every rank checks every setting. A worker with a bad one says so before the ranks compare
// notes, so that its message is out before the job ends. If a worker has a bad setting, it
// ends the job (MPI_Abort) while the other ranks wait for that; if only rank 0 has one, the
// workers leave and rank 0 throws to the program.
void validate_settings(int rank) {
  std::string problem;
  try {
    config::validate_all();
  } catch (const ConfigError& error) {
    problem = error.what();
    if (rank != 0) std::fprintf(stderr, "tessera: rank %d: %s\n", rank, error.what());
  }
  constexpr int client_bad = 1, worker_bad = 2;
  const int mine = problem.empty() ? 0 : rank == 0 ? client_bad : worker_bad;
  int any = 0;
  MPI_Allreduce(&mine, &any, 1, MPI_INT, MPI_BOR, MPI_COMM_WORLD);
  if (any == 0) return;
  if (any & worker_bad) {
    if (mine == worker_bad) {
      MPI_Abort(MPI_COMM_WORLD, 1);
    } else if (!problem.empty()) {
      std::fprintf(stderr, "tessera: rank %d: %s\n", rank, problem.c_str());
    }
    MPI_Barrier(MPI_COMM_WORLD);  // never passes: the job is ending
    std::abort();
  }
  if (rank == 0) throw ConfigError(problem);
  MPI_Finalize();
  std::exit(0);
}

// One Runtime per process (it owns MPI and the workers); see Runtime::Runtime.
std::atomic<bool> runtime_alive{false};
// A distributed Runtime has ended: its workers have exited.
std::atomic<bool> distributed_runtime_ended{false};

void claim_process() {
  if (runtime_alive.exchange(true)) {
    throw Error(
        "tessera::Runtime: one Runtime per process, and one is alive already; make one "
        "Runtime in main for the life of the program and pass its client() along (tasks "
        "reach it with get_client())");
  }
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (finalized || distributed_runtime_ended.load()) {
    runtime_alive.store(false);
    throw Error(
        "tessera::Runtime: an earlier Runtime of this MPI job has ended (MPI cannot be "
        "initialized again after MPI_Finalize, and the workers have left); keep one "
        "Runtime for the life of the program");
  }
}

}  // namespace

namespace detail {
void set_running_task(const char* key) noexcept { running_task_key = key; }
const char* running_task() noexcept { return running_task_key; }
}  // namespace detail

struct Runtime::State {
  bool mpi_started_here = false;
  int rank = 0;
  int size = 1;
  Client client{std::shared_ptr<Client::Impl>()};
  std::shared_ptr<Client::Impl> impl;

  // Rank 0 of a distributed run (the MPI transport, or the UCX one of an elastic cluster).
  std::unique_ptr<detail::Link> transport;
  std::shared_ptr<void> scheduler_file;  // published while an elastic scheduler runs
  std::shared_ptr<detail::WorkerRoster> roster = std::make_shared<detail::WorkerRoster>();
  std::unique_ptr<detail::Scheduler> scheduler;
  std::shared_ptr<detail::ClusterClient> cluster;
  std::thread progress;
  std::atomic<bool> stop_requested{false};
  std::shared_ptr<void> dashboard;  // while the dashboard_address setting asks for one

  void claim_and_start(int* argc, char*** argv);
  void start(int* argc, char*** argv);
  void start_elastic_scheduler(const std::string& file);
  void start_scheduler(std::uint32_t threads, bool elastic);
  [[noreturn]] void work(std::uint32_t threads);
  [[noreturn]] void join_elastic_cluster();
  static void serve(detail::Link& transport, std::uint32_t threads, int rank, double lifetime = 0);
  void stop();
};

void Runtime::State::start(int* argc, char*** argv) {
  if (config::get("role") == "worker") join_elastic_cluster();
  const std::string elastic_file = config::get("scheduler_file");
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized && !launched_by_mpi()) {
    if (!elastic_file.empty()) return start_elastic_scheduler(elastic_file);
    check_not_split_by_srun();
    client = Client();
    return;
  }
  if (!initialized) {
    select_transport();
    int provided = 0;
    MPI_Init_thread(argc, argv, MPI_THREAD_SERIALIZED, &provided);
    mpi_started_here = true;
    if (provided < MPI_THREAD_SERIALIZED) {
      std::fprintf(stderr, "tessera: this MPI library does not support MPI_THREAD_SERIALIZED\n");
      MPI_Abort(MPI_COMM_WORLD, 1);
    }
  } else {
    int provided = 0;
    MPI_Query_thread(&provided);
    if (provided < MPI_THREAD_SERIALIZED) {
      throw Error(
          "tessera::Runtime: MPI was initialized without thread support; call "
          "MPI_Init_thread with MPI_THREAD_SERIALIZED or more (or let the Runtime "
          "initialize MPI)");
    }
  }
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (size == 1) {
    if (!elastic_file.empty()) return start_elastic_scheduler(elastic_file);
    check_not_split_by_srun();
    client = Client();
    return;
  }
  if (!elastic_file.empty()) {
    throw ConfigError(
        "tessera::Runtime: the scheduler_file setting (TESSERA_SCHEDULER_FILE) is \"" +
        elastic_file + "\", but this is an MPI job of " + std::to_string(size) +
        " ranks: the scheduler of an elastic cluster is one process (start it "
        "without mpirun), and its workers join it with TESSERA_ROLE=worker");
  }
  try {
    validate_settings(rank);
  } catch (const ConfigError&) {  // on rank 0 only: the workers have left
    if (mpi_started_here) MPI_Finalize();
    throw;
  }
  process_rank = rank;
  process_count = size;
  std::uint32_t mine = 0;
  try {
    mine = worker_threads(rank);           // collective on each node
  } catch (const std::exception& error) {  // a bad setting on this worker
    fatal(rank, error);
  }
  std::uint32_t total = 0;
  MPI_Reduce(&mine, &total, 1, MPI_UINT32_T, MPI_SUM, 0, MPI_COMM_WORLD);
  if (rank == 0) {
    transport = std::make_unique<detail::Transport>(MPI_COMM_WORLD);
    start_scheduler(total, false);
  } else {
    work(mine);
  }
}

void Runtime::State::start_elastic_scheduler(const std::string& file) {
#if TESSERA_WITH_UCX
  config::validate_all();
  auto ucx =
      elastic::UcxTransport::listen(static_cast<std::uint16_t>(config::get_int("scheduler_port")));
  const std::string address = ucx->address();
  scheduler_file = std::make_shared<elastic::PublishedSchedulerFile>(
      file, elastic::describe_this_scheduler("ucx", address));
  transport = std::move(ucx);
  start_scheduler(0, true);
  log_event("elastic", "scheduler at " + address + "; workers join through " + file);
#else
  throw ConfigError("tessera::Runtime: the scheduler_file setting is \"" + file +
                    "\", but this tessera was built without UCX, which elastic clusters need "
                    "(install libucx-dev and build with -DTESSERA_WITH_UCX=ON)");
#endif
}

void Runtime::State::start_scheduler(std::uint32_t threads, bool elastic) {
  auto stream = std::make_shared<detail::TaskStream>(
      static_cast<std::size_t>(config::get_int("task_stream_limit")));
  scheduler =
      std::make_unique<detail::Scheduler>(*transport, stream, config::get_double("worker_timeout"));
  cluster = std::make_shared<detail::ClusterClient>(*transport);
  auto handoff = std::make_shared<detail::SubmitHandoff>();
  cluster->hand_specs_to(handoff);
  scheduler->take_specs_from(handoff);
  scheduler->set_roster(roster);
  if (elastic) {
    scheduler->expect_joins();
    cluster->outputs_may_move();
  }
  if (detail::dashboard_enabled()) {
    scheduler->set_metrics(std::make_shared<detail::ClusterMetrics>(stream));
    dashboard = detail::open_dashboard();
  }

  struct Handler final : detail::Link::Handler {
    State& state;
    bool shutting_down = false;
    explicit Handler(State& s) : state(s) {}
    void on_message(int source, detail::Kind kind, detail::WireReader& in) override {
      if (state.scheduler->on_message(source, kind, in)) return;
      if (state.cluster->on_message(source, kind, in)) return;
      throw Error(std::string("unexpected ") + detail::kind_name(kind) + " message from rank " +
                  std::to_string(source));
    }
    void on_data(int source, detail::DataKey key, Frames frames) override {
      state.cluster->on_data(source, key, frames);
    }
    void on_lost(int rank) override { state.scheduler->worker_lost(rank); }
    bool on_turn() override {
      if (state.stop_requested.load(std::memory_order_acquire) && !shutting_down) {
        shutting_down = true;
        state.scheduler->shutdown();
      }
      if (shutting_down && state.scheduler->done() && state.transport->pending_sends() == 0) {
        state.transport->stop();
      }
      return state.scheduler->on_turn();
    }
  };
  progress = std::thread([this] {
    detail::name_this_thread("tessera-sched");
    detail::set_current_worker_name("scheduler");
    Handler handler(*this);
    try {
      transport->run(handler);
    } catch (const std::exception& error) {
      fatal(0, error);
    }
  });
  impl = detail::make_cluster_impl(cluster, stream, threads, roster);
  detail::make_default(impl);
  client = Client(impl);
}

void Runtime::State::work(std::uint32_t threads) {
  try {
    detail::Transport transport(MPI_COMM_WORLD);
    serve(transport, threads, rank);
  } catch (const std::exception& error) {
    fatal(rank, error);
  }
  // Workers never return to the program, so they finalize MPI even if it started it.
  MPI_Finalize();
  std::exit(0);
}

void Runtime::State::join_elastic_cluster() {
  const std::string file = config::get("scheduler_file");
  if (file.empty()) {
    throw ConfigError(
        "tessera::Runtime: the role setting (TESSERA_ROLE) is \"worker\", but scheduler_file "
        "(TESSERA_SCHEDULER_FILE) is empty: a worker needs the scheduler file of the cluster "
        "it joins");
  }
#if TESSERA_WITH_UCX
  int rank = -1;
  std::optional<elastic::SchedulerInfo> info;
  // Asked to end (SIGTERM, as a batch system cancels a job) before it joined, or while it
  // serves: it retires.
  std::signal(SIGTERM, on_retire_signal);
  try {
    config::validate_all();
    const auto timeout = std::chrono::milliseconds(
        static_cast<std::int64_t>(config::get_double("worker_death_timeout") * 1000));
    const auto started = std::chrono::steady_clock::now();
    info = elastic::wait_for_scheduler_file(
        file, timeout, [] { return retire_signalled.load(std::memory_order_relaxed); });
    if (!info) {
      std::fprintf(stderr, "tessera: worker: asked to end (SIGTERM) while waiting for %s\n",
                   file.c_str());
      std::exit(0);
    }
    if (info->transport != "ucx") {
      throw ConfigError("scheduler file " + file + ": transport \"" + info->transport +
                        "\"; this worker joins by \"ucx\" only");
    }
    if (!elastic::scheduler_may_be_running(*info)) {
      throw Error("scheduler file " + file + ": its scheduler (pid " + std::to_string(info->pid) +
                  " on " + info->host + ") is no longer running");
    }
    const auto left = std::max(std::chrono::milliseconds(1000),
                               timeout - std::chrono::duration_cast<std::chrono::milliseconds>(
                                             std::chrono::steady_clock::now() - started));
    auto transport = elastic::UcxTransport::join(info->address, left);
    rank = transport->rank();
    process_rank = rank;
    serve(*transport, elastic_worker_threads(), rank, staggered_lifetime());
  } catch (const std::exception& error) {
    // A scheduler that ends normally removes its file before it closes its connections: a
    // worker that came as it ended, or that it had not yet told to exit, has nothing to do.
    if (info && elastic::scheduler_has_ended(file, *info)) {
      const std::string who = rank < 0 ? "worker (not yet joined)" : "rank " + std::to_string(rank);
      std::fprintf(stderr,
                   "tessera: %s: the scheduler at %s has ended (it removed its file %s); this "
                   "worker ends too\n",
                   who.c_str(), info->address.c_str(), file.c_str());
      std::exit(0);
    }
    fatal(rank, error);
  }
  std::exit(0);
#else
  throw ConfigError("tessera::Runtime: the role setting is \"worker\" with scheduler_file \"" +
                    file +
                    "\", but this tessera was built without UCX, which elastic clusters need "
                    "(install libucx-dev and build with -DTESSERA_WITH_UCX=ON)");
#endif
}

// A worker's life: runs what the scheduler assigns until it says exit.
void Runtime::State::serve(detail::Link& transport, std::uint32_t threads, int rank,
                           double lifetime) {
  crash_rank = rank;
  for (int signal : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) std::signal(signal, on_crash);
  // A file size limit (ulimit -f) makes a spill fail with EFBIG, as a full disk does, rather
  // than kill the worker.
  std::signal(SIGXFSZ, SIG_IGN);
  detail::StoreLimits limits;
  limits.memory_limit = config::get_bytes("worker_memory_limit");
  limits.spill_fraction = config::get_double("worker_memory_spill");
  limits.pause_fraction = config::get_double("worker_memory_pause");
  limits.spill_directory = config::get("spill_directory");
  limits.replica_memory = config::get_bytes("worker_replica_memory");
  if (limits.memory_limit != 0) {
    limits.replica_memory = std::min(limits.replica_memory, limits.memory_limit / 4);
  }
  std::unique_ptr<detail::WorkerRank> worker;
  auto cluster = std::make_shared<detail::ClusterClient>(
      transport, [&worker](detail::DataKey key) { return worker->store().get(key); });
  if (!mpi_running()) cluster->outputs_may_move();  // a worker of an elastic cluster
  auto worker_impl = detail::make_cluster_impl(cluster, nullptr, threads);
  detail::make_default(worker_impl);
  worker = std::make_unique<detail::WorkerRank>(
      transport, threads, detail::parse_resources(config::get("resources")), limits,
      [raw = worker_impl.get()] { detail::set_running_client(raw); });
  const double timeout = config::get_double("worker_timeout");
  worker->set_heartbeat_interval(timeout > 0 ? std::min(1.0, timeout / 4) : 0.0);
  worker->set_metrics_interval(detail::dashboard_enabled() ? 1.0 : 0.0);
  worker->set_lifetime(lifetime);
  detail::set_event_forwarder([&transport](const Event& event) {
    detail::post(transport, 0,
                 detail::EventLogged{event.time, event.topic, event.message, event.source});
  });

  struct Handler final : detail::Link::Handler {
    detail::Link& transport;
    detail::WorkerRank& worker;
    detail::ClusterClient& cluster;
    int rank;
    Handler(detail::Link& t, detail::WorkerRank& w, detail::ClusterClient& c, int r)
        : transport(t), worker(w), cluster(c), rank(r) {}
    void on_message(int source, detail::Kind kind, detail::WireReader& in) override {
      if (worker.on_message(source, kind, in)) return;
      if (cluster.on_message(source, kind, in)) return;
      throw Error(std::string("unexpected ") + detail::kind_name(kind) + " message from rank " +
                  std::to_string(source));
    }
    void on_data(int source, detail::DataKey key, Frames frames) override {
      const bool used = worker.on_data(source, key, frames);
      if (!cluster.on_data(source, key, frames) && !used) {
        // A reply nobody waits for any more (its tasks were cancelled): dropped.
      }
    }
    void on_lost(int lost) override {
      // Only the loss of the scheduler ends a worker of an elastic cluster.
      if (lost == 0) throw Error("the scheduler is gone (its connection broke); this worker ends");
    }
    bool on_helper_turn() override { return worker.on_helper_turn(); }
    bool reports_may_wait() const override { return worker.has_unstarted_tasks(); }
    bool on_turn() override {
      if (retire_signalled.load(std::memory_order_relaxed)) worker.request_retire();
      const bool busy = worker.on_turn();
      if (worker.exited()) transport.stop();
      return busy;
    }
  } handler(transport, *worker, *cluster, rank);
  worker->help_with(handler);
  transport.run(handler);
  detail::set_event_forwarder(nullptr);
  detail::close_cluster_impl(*worker_impl);
  worker.reset();
}

void Runtime::State::stop() {
  if (!scheduler) return;
  // No worker joins a scheduler that is ending, and one that read the file before finds it
  // gone once its connection breaks, and so knows the scheduler ended normally.
  scheduler_file.reset();
  dashboard.reset();
  stop_requested.store(true, std::memory_order_release);
  transport->wake();
  progress.join();
  detail::close_cluster_impl(*impl);
  scheduler.reset();
  cluster.reset();
  transport.reset();
}

// The constructors: the claim on the process is let go if the start fails.
void Runtime::State::claim_and_start(int* argc, char*** argv) {
  claim_process();
  try {
    start(argc, argv);
  } catch (...) {
    runtime_alive.store(false);
    throw;
  }
}

Runtime::Runtime(int& argc, char**& argv) : state_(std::make_unique<State>()) {
  state_->claim_and_start(&argc, &argv);
}

Runtime::Runtime() : state_(std::make_unique<State>()) {
  state_->claim_and_start(nullptr, nullptr);
}

Runtime::~Runtime() {
  if (state_->scheduler) distributed_runtime_ended.store(true);
  state_->stop();
  if (state_->mpi_started_here) MPI_Finalize();
  runtime_alive.store(false);
}

Client Runtime::client() const { return state_->client; }

bool Runtime::distributed() const noexcept { return state_->scheduler != nullptr; }

int Runtime::ranks() const noexcept { return state_->size; }

int this_rank() noexcept { return process_rank; }

int job_size() noexcept { return process_count; }

}  // namespace tessera
