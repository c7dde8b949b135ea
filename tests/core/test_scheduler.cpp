// The cluster scheduler's decisions, in one process: messages go in as workers and clients
// would send them, and what the scheduler sends is recorded by an Outbox instead of MPI.

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "cluster/scheduler.hpp"  // private to tessera::core: the test reaches in
#include "cluster/scheduler_state.hpp"
#include "message_recorder.hpp"
#include "mpi/messages.hpp"
#include "tessera/errors.hpp"

namespace {

using namespace tessera::detail;

class RecordingOutbox final : public Outbox, public MessageRecorder {
 public:
  explicit RecordingOutbox(int ranks) : ranks_(ranks) {}
  int ranks() const noexcept override { return ranks_; }
  void post(int dest, Kind kind, BodyWriter write) override { record(dest, kind, write); }

 private:
  int ranks_;
};

// A scheduler with a client (rank 0) and `ranks - 1` workers, driven message by message.
struct Cluster {
  explicit Cluster(int ranks, double worker_timeout = 0.0)
      : outbox(ranks), scheduler(outbox, nullptr, worker_timeout) {}

  // Hands the scheduler a message; whether it was one for the scheduler.
  template <class M>
  bool receive(int source, const M& message) {
    std::vector<std::byte> bytes;
    WireWriter out(bytes);
    message.write(out);
    WireReader in(bytes, kind_name(M::kind));
    return scheduler.on_message(source, M::kind, in);
  }
  template <class M>
  void deliver(int source, const M& message) {
    REQUIRE(receive(source, message));
  }

  void join(int rank, std::uint32_t threads = 1,
            std::vector<std::pair<std::string, double>> resources = {}) {
    deliver(rank, Hello{threads, std::move(resources)});
  }

  // The specs of run `run`: task t reads the tasks inputs[t] (of the same run) and is keyed
  // "t<t>", each a kind of its own, or "<kind>-<t>", all of one kind.
  static std::vector<std::byte> specs_of(
      std::uint64_t run, const std::vector<std::vector<std::uint32_t>>& inputs,
      const std::map<std::uint32_t, std::vector<std::pair<std::string, double>>>& resources = {},
      const char* kind = nullptr) {
    std::vector<std::byte> specs;
    WireWriter out(specs);
    std::vector<std::string> keys;
    for (std::uint32_t t = 0; t < inputs.size(); ++t) {
      char key[24];  // not "t" + to_string(t): GCC 12 warns wrongly (-Wrestrict) on that
      if (kind) {
        std::snprintf(key, sizeof key, "%.8s-%u", kind, t);
      } else {
        std::snprintf(key, sizeof key, "t%u", t);
      }
      keys.emplace_back(key);
    }
    for (std::uint32_t t = 0; t < inputs.size(); ++t) {
      TaskSpec spec;
      spec.function = "f";
      spec.key = keys[t];
      for (auto input : inputs[t]) spec.args.push_back({ArgKind::task, {}, DataKey{run, input}});
      if (auto it = resources.find(t); it != resources.end()) {
        for (const auto& [name, amount] : it->second) spec.resources.emplace_back(name, amount);
      }
      write_task(out, spec);
    }
    return specs;
  }

  // Submits run `run` (see specs_of); all tasks are outputs unless `outputs` says which.
  void submit(std::uint64_t run, const std::vector<std::vector<std::uint32_t>>& inputs,
              std::vector<std::uint32_t> outputs = {},
              std::map<std::uint32_t, std::vector<std::pair<std::string, double>>> resources = {},
              const char* kind = nullptr) {
    const auto specs = specs_of(run, inputs, resources, kind);
    if (outputs.empty()) {
      for (std::uint32_t t = 0; t < inputs.size(); ++t) outputs.push_back(t);
    }
    deliver(0, Submit{run, static_cast<std::uint32_t>(inputs.size()), specs, outputs, false});
  }

  // Submits run `run`: `count` tasks keyed "<prefix>-<t>" (t from 1) that each read `input`
  // of an earlier run; returns where they were assigned, by task.
  std::map<std::uint32_t, int> submit_readers(std::uint64_t run, const char* prefix,
                                              std::uint32_t count, DataKey input) {
    submit_reading(run, prefix, count, input);
    return assigned();
  }
  void submit_reading(std::uint64_t run, const char* prefix, std::uint32_t count, DataKey input,
                      std::vector<std::pair<std::string, double>> resources = {}) {
    std::vector<std::byte> specs;
    WireWriter out(specs);
    std::vector<std::string> keys(count);  // specs point at them
    for (std::uint32_t t = 0; t < count; ++t) {
      keys[t] = std::string(prefix) + "-" + std::to_string(t + 1);
      TaskSpec spec;
      spec.function = "f";
      spec.key = keys[t];
      spec.args.push_back({ArgKind::external, {}, input});
      for (const auto& [name, amount] : resources) spec.resources.emplace_back(name, amount);
      write_task(out, spec);
    }
    std::vector<std::uint32_t> outputs(count);
    for (std::uint32_t t = 0; t < count; ++t) outputs[t] = t;
    deliver(0, Submit{run, count, specs, outputs, false});
  }

  void complete(int worker, DataKey key, std::uint64_t bytes = 8) {
    deliver(worker, Completed{key, 0.0, 1e-4, 0, bytes, std::nullopt});
  }

  // The worker each assigned task went to, by task.
  std::map<std::uint32_t, int> assigned() {
    std::map<std::uint32_t, int> where;
    for (const auto& [dest, assign] : outbox.take<Assign>()) where[assign.key.task] = dest;
    return where;
  }

  RecordingOutbox outbox;
  Scheduler scheduler;
};

}  // namespace

TEST_CASE("a chain goes ahead to the worker that makes its first link, naming it the holder") {
  Cluster cluster(3);
  cluster.join(1);
  cluster.join(2);
  cluster.submit(1, {{}, {0}, {1}});  // a chain t0 -> t1 -> t2
  cluster.scheduler.on_turn();
  auto assigns = cluster.outbox.take<Assign>();
  REQUIRE(assigns.size() == 3);
  const int worker = assigns[0].first;
  for (std::uint32_t t = 0; t < 3; ++t) {
    CHECK(assigns[t].first == worker);
    CHECK(assigns[t].second.key == DataKey{1, t});
  }
  // The worker finds t1's input among its own tasks: no fetch, no word from rank 0.
  CHECK(assigns[1].second.holders == std::vector<std::int32_t>{worker});
  CHECK(assigns[1].second.pending == std::vector<std::uint32_t>{0});
  CHECK(assigns[2].second.holders == std::vector<std::int32_t>{worker});
  CHECK(cluster.outbox.take<Pin>().empty());  // nothing made elsewhere

  cluster.complete(worker, DataKey{1, 0});
  CHECK(cluster.assigned().empty());  // nothing to hand out: t1 is there already
}

TEST_CASE("a task whose inputs are made on different workers goes ahead, and they are pinned") {
  Cluster cluster(3);
  cluster.join(1);
  cluster.join(2);
  cluster.submit(1, {{}, {}, {0, 1}}, {2});  // two roots, one per worker, and t2 reads both
  cluster.scheduler.on_turn();
  auto assigns = cluster.outbox.take<Assign>();
  REQUIRE(assigns.size() == 3);
  const int first = assigns[0].first;
  const int second = assigns[1].first;
  REQUIRE(first != second);
  // t2 goes to one of them, naming where each input is being made.
  CHECK(assigns[2].second.key == DataKey{1, 2});
  const int reader = assigns[2].first;
  REQUIRE((reader == first || reader == second));
  CHECK(assigns[2].second.holders == std::vector<std::int32_t>{first, second});
  CHECK(assigns[2].second.pending == std::vector<std::uint32_t>{0, 1});
  // The other worker keeps its input for t2's fetch, even when asked to steal.
  auto pins = cluster.outbox.take<Pin>();
  REQUIRE(pins.size() == 1);
  CHECK(pins[0].first == (reader == first ? second : first));
  CHECK(pins[0].second.keys == std::vector<DataKey>{DataKey{1, reader == first ? 1u : 0u}});
}

TEST_CASE("the tasks of a stencil's columns go ahead to their columns' workers, not all to one") {
  // Two columns and four steps: (s, c) reads (s - 1, 0) and (s - 1, 1), its own column twice
  // (the clamped neighbour). Once the kinds' run times are known, each worker's queue counts:
  // a step's two tasks must not both go ahead to the worker that made the last input.
  Cluster cluster(3);
  cluster.join(1);
  cluster.join(2);
  const auto stencil = [](std::uint32_t steps) {
    std::vector<std::vector<std::uint32_t>> inputs{{}, {}};
    for (std::uint32_t s = 1; s < steps; ++s) {
      const std::uint32_t left = 2 * (s - 1), right = left + 1;
      inputs.push_back({left, left, right});
      inputs.push_back({left, right, right});
    }
    return inputs;
  };
  const std::uint32_t steps = 4;
  // A first run teaches the scheduler how long its tasks take (all of one kind).
  cluster.submit(1, stencil(1), {0, 1}, {}, "step");
  cluster.scheduler.on_turn();
  for (const auto& [rank, assign] : cluster.outbox.take<Assign>()) {
    cluster.complete(rank, assign.key);  // 100 us each
  }
  cluster.submit(2, stencil(steps), {2 * steps - 2, 2 * steps - 1}, {}, "step");
  cluster.scheduler.on_turn();
  auto assigns = cluster.outbox.take<Assign>();
  REQUIRE(assigns.size() == 2 * steps);  // all of them ahead
  std::map<std::uint32_t, int> worker_of;
  for (const auto& [rank, assign] : assigns) worker_of[assign.key.task] = rank;
  for (std::uint32_t s = 0; s < steps; ++s) {
    INFO("step " << s);
    CHECK(worker_of[2 * s] != worker_of[2 * s + 1]);
  }
}

TEST_CASE("a worker with a memory limit gets no task ahead of inputs made elsewhere") {
  Cluster cluster(3);
  cluster.join(1);
  cluster.deliver(2, Hello{1, {}, 1ull << 30});
  cluster.submit(1, {{}, {}, {0, 1}, {1}}, {2, 3});  // t2 reads t0 and t1, t3 reads t1
  cluster.scheduler.on_turn();
  auto where = cluster.assigned();
  REQUIRE(where.size() == 4);
  REQUIRE(where[0] == 1);
  REQUIRE(where[1] == 2);  // the limited one
  CHECK(where[2] == 1);    // ahead of t0 and t1, to the worker without a limit
  CHECK(where[3] == 2);    // ahead of t1 only, made there
}

TEST_CASE("the scheduler places a task where its large input is and says who holds each input") {
  Cluster cluster(4);
  // Workers with memory limits: t3 waits for its inputs rather than going ahead of them.
  for (int rank = 1; rank <= 3; ++rank) cluster.deliver(rank, Hello{1, {}, 1ull << 32});
  cluster.submit(1, {{}, {}, {}, {0, 1}}, {3});  // three roots; t3 reads t0 and t1
  cluster.scheduler.on_turn();
  auto roots = cluster.assigned();
  REQUIRE(roots.size() == 3);
  REQUIRE(roots[0] != roots[1]);
  const int holder = roots[1];
  for (std::uint32_t t = 0; t < 3; ++t) {
    cluster.complete(roots[t], DataKey{1, t}, t == 1 ? 1ull << 30 : 8);
  }

  auto assigns = cluster.outbox.take<Assign>();
  REQUIRE(assigns.size() == 1);
  CHECK(assigns[0].first == holder);
  CHECK(assigns[0].second.inputs == std::vector<DataKey>{DataKey{1, 0}, DataKey{1, 1}});
  CHECK(assigns[0].second.holders == std::vector<std::int32_t>{roots[0], holder});
}

TEST_CASE("the scheduler forgets results once their readers are done and the client lets go") {
  Cluster cluster(3);
  cluster.join(1);
  cluster.join(2);
  cluster.submit(1, {{}, {0}}, {1});  // t0 is an intermediate, t1 the output
  cluster.scheduler.on_turn();
  auto where = cluster.assigned();  // both, t1 ahead on t0's worker
  REQUIRE(where.size() == 2);
  cluster.complete(where[0], DataKey{1, 0});
  cluster.scheduler.on_turn();                   // forgets go out at the end of a turn
  CHECK(cluster.outbox.take<Forget>().empty());  // t1 still needs t0

  cluster.complete(where[1], DataKey{1, 1});
  CHECK(cluster.outbox.take<Forget>().empty());  // not before the turn ends
  cluster.scheduler.on_turn();
  auto forgets = cluster.outbox.take<Forget>();
  REQUIRE(forgets.size() == 1);
  CHECK(forgets[0].first == where[0]);
  CHECK(forgets[0].second.keys == std::vector<DataKey>{DataKey{1, 0}});
  auto done = cluster.outbox.take<OutputDone>();
  REQUIRE(done.size() == 1);
  CHECK(done[0].first == 0);
  CHECK(done[0].second.holder == where[1]);

  cluster.deliver(0, Release{DataKey{1, 1}});
  cluster.scheduler.on_turn();
  forgets = cluster.outbox.take<Forget>();
  REQUIRE(forgets.size() == 1);
  CHECK(forgets[0].second.keys == std::vector<DataKey>{DataKey{1, 1}});
}

TEST_CASE("scattered data waits for a worker to join when none that stays is there") {
  Cluster cluster(3);
  cluster.join(1);
  cluster.join(2);
  cluster.scheduler.worker_lost(1);
  cluster.deliver(2, Retire{false});  // it leaves once it has handed its results over
  const std::vector<std::byte> literal(16, std::byte{7});
  cluster.deliver(0, Scatter{DataKey{5, 0}, false, literal});
  cluster.scheduler.on_turn();
  CHECK(cluster.outbox.take<StoreData>().empty());  // not to the lost worker nor the leaving one

  cluster.join(3);  // a replacement
  auto stores = cluster.outbox.take<StoreData>();
  REQUIRE(stores.size() == 1);
  CHECK(stores[0].first == 3);
  CHECK(stores[0].second.key == DataKey{5, 0});
  CHECK(stores[0].second.literal.size() == literal.size());
}

TEST_CASE("rank 0's client hands its specs over in memory; from elsewhere that is refused") {
  Cluster cluster(3);
  cluster.join(1);
  auto handoff = std::make_shared<SubmitHandoff>();
  cluster.scheduler.take_specs_from(handoff);
  handoff->put(1, Cluster::specs_of(1, {{}, {0}}));
  cluster.deliver(0, Submit{1, 2, {}, {1}, true});
  CHECK_FALSE(handoff->take(1));  // taken by the scheduler
  cluster.scheduler.on_turn();
  CHECK(cluster.assigned().size() == 2);

  handoff->put(2, Cluster::specs_of(2, {{}}));
  CHECK_THROWS_WITH(cluster.receive(1, Submit{2, 1, {}, {0}, true}),
                    Catch::Contains("from rank 1") && Catch::Contains("handed over"));
  CHECK_THROWS_WITH(cluster.receive(0, Submit{3, 1, {}, {0}, true}),
                    Catch::Contains("handed over") && Catch::Contains("not there"));
}

TEST_CASE("tasks stay with their large input unless those of their kind take long") {
  Cluster cluster(3);
  cluster.join(1);
  cluster.join(2);
  auto readers = [&](std::uint64_t run, const char* prefix, std::uint32_t count) {
    auto where = cluster.submit_readers(run, prefix, count, DataKey{1, 0});
    REQUIRE(where.size() == count);
    return where;
  };
  auto complete_on = [&](int rank, std::uint64_t run, double seconds) {
    cluster.deliver(rank, Completed{DataKey{run, 0}, 0.0, seconds, 0, 8, std::nullopt});
  };
  cluster.submit(1, {{}});  // a 256 MiB result that took a second to make
  cluster.scheduler.on_turn();
  const int holder = cluster.assigned().at(0);
  cluster.deliver(holder, Completed{DataKey{1, 0}, 0.0, 1.0, 0, 1ull << 28, std::nullopt});

  // By the average of all tasks so far (about 50 ms each), a queue of three would cost more
  // than moving 256 MiB (0.13 s).
  SECTION("a kind that has not run yet") {
    for (const auto& [task, rank] : readers(2, "piece", 20)) {
      INFO("task " << task);
      CHECK(rank == holder);
    }
  }
  SECTION("a quick kind") {
    complete_on(readers(2, "piece", 1).at(0), 2, 1e-5);
    for (const auto& [task, rank] : readers(3, "piece", 20)) {
      INFO("task " << task);
      CHECK(rank == holder);
    }
  }
  SECTION("a slow kind spreads over the workers") {
    complete_on(readers(2, "slow", 1).at(0), 2, 1.0);
    int away = 0;
    for (const auto& [task, rank] : readers(3, "slow", 20)) away += rank != holder;
    CHECK(away >= 8);
  }
}

TEST_CASE("a worker's queue is costed by its tasks' kinds as they run now") {
  Cluster cluster(3);
  cluster.join(1);  // alone for now: every task goes to rank 1
  auto readers = [&](std::uint64_t run, const char* prefix, std::uint32_t count) {
    return cluster.submit_readers(run, prefix, count, DataKey{1, 0});
  };
  auto complete = [&](std::uint64_t run, std::uint32_t task, double seconds) {
    cluster.deliver(1, Completed{DataKey{run, task}, 0.0, seconds, 0, 8, std::nullopt});
  };
  cluster.submit(1, {{}});  // 256 MiB on rank 1
  cluster.scheduler.on_turn();
  REQUIRE(cluster.assigned().at(0) == 1);
  cluster.deliver(1, Completed{DataKey{1, 0}, 0.0, 1.0, 0, 1ull << 28, std::nullopt});
  readers(2, "step", 1);
  complete(2, 0, 1.0);                        // steps take a second, so far
  REQUIRE(readers(3, "hold", 1).at(0) == 1);  // stays in flight throughout
  REQUIRE(readers(4, "step", 10).size() == 10);
  for (std::uint32_t t = 0; t < 10; ++t) complete(4, t, 1e-5);  // steps got quick

  // Rank 1 holds only the "hold" task, of a kind not yet timed: a step reading its 256 MiB
  // stays there. Counted as the seconds expected when they came, the ten steps would leave
  // more than the move (0.13 s) on it.
  cluster.join(2);
  CHECK(readers(5, "step", 1).at(0) == 1);
}

TEST_CASE(
    "a worker may keep the large persisted results it fetches, and they are forgotten together") {
  Cluster cluster(3);
  cluster.join(1);
  cluster.submit(1, {{}, {}, {}});  // blocks of 8 MiB, 8 MiB and 512 KiB, all on rank 1
  cluster.scheduler.on_turn();
  const std::vector<std::uint64_t> bytes{8 << 20, 8 << 20, 512 << 10};
  for (const auto& [task, rank] : cluster.assigned()) {
    REQUIRE(rank == 1);
    cluster.complete(1, DataKey{1, task}, bytes[task]);
  }
  cluster.join(2, 1, {{"GPU", 1.0}});  // readers need a GPU, which only rank 2 has
  auto read_on_2 = [&](std::uint64_t run, std::uint32_t input) {
    cluster.submit_reading(run, "gpu-reader", 1, DataKey{1, input}, {{"GPU", 1.0}});
    auto assigns = cluster.outbox.take<Assign>();
    REQUIRE(assigns.size() == 1);
    REQUIRE(assigns[0].first == 2);
    cluster.complete(2, DataKey{run, 0});
    return assigns[0].second;
  };
  auto fetched = read_on_2(2, 0);
  CHECK(fetched.holders == std::vector<std::int32_t>{1});
  CHECK(fetched.keep == std::vector<std::uint32_t>{0});
  cluster.deliver(2, Stored{DataKey{1, 0}});  // it kept the copy: it reads it from now on
  auto again = read_on_2(3, 0);
  CHECK(again.holders == std::vector<std::int32_t>{2});
  CHECK(again.keep.empty());
  CHECK(read_on_2(4, 1).keep == std::vector<std::uint32_t>{0});  // it did not keep this one
  CHECK(read_on_2(5, 1).keep == std::vector<std::uint32_t>{0});
  CHECK(read_on_2(6, 2).keep.empty());  // moved again at little cost

  // The client lets go of block 0: both copies go.
  cluster.deliver(0, Release{DataKey{1, 0}});
  cluster.scheduler.on_turn();
  std::map<int, std::vector<DataKey>> forgotten;
  for (const auto& [rank, forget] : cluster.outbox.take<Forget>()) {
    for (auto key : forget.keys) forgotten[rank].push_back(key);
  }
  CHECK(forgotten[1] == std::vector<DataKey>{DataKey{1, 0}});
  CHECK(forgotten[2] == std::vector<DataKey>{DataKey{1, 0}});
}

TEST_CASE("results of the same run are not kept where they were fetched") {
  Cluster cluster(3);
  cluster.join(1);
  cluster.join(2, 1, {{"GPU", 1.0}});
  // t0 (8 MiB, on rank 1, which has no GPU) is read by t1, which needs one.
  const auto specs = Cluster::specs_of(1, {{}, {0}}, {{1, {{"GPU", 1.0}}}});
  cluster.deliver(0, Submit{1, 2, specs, {1}, false});
  cluster.scheduler.on_turn();
  cluster.complete(1, DataKey{1, 0}, 8 << 20);
  cluster.scheduler.on_turn();
  int reads = 0;
  for (const auto& [rank, assign] : cluster.outbox.take<Assign>()) {
    if (assign.key.task != 1) continue;
    ++reads;
    CHECK(rank == 2);
    CHECK(assign.holders == std::vector<std::int32_t>{1});
    CHECK(assign.keep.empty());
  }
  CHECK(reads == 1);
}

TEST_CASE("an idle worker steals from a busy one") {
  Cluster cluster(3);
  cluster.join(1);
  cluster.submit(1, std::vector<std::vector<std::uint32_t>>(10));  // ten roots, one worker
  cluster.scheduler.on_turn();
  REQUIRE(cluster.assigned().size() == 10);

  cluster.join(2);
  std::this_thread::sleep_for(std::chrono::milliseconds(6));  // balancing runs every 5 ms
  cluster.scheduler.on_turn();
  auto steals = cluster.outbox.take<Steal>();
  REQUIRE(steals.size() == 1);
  CHECK(steals[0].first == 1);
  CHECK(steals[0].second.count == 5);

  cluster.deliver(1, Stolen{{DataKey{1, 8}, DataKey{1, 9}}});
  auto moved = cluster.assigned();
  REQUIRE(moved.size() == 2);
  CHECK(moved[8] == 2);
  CHECK(moved[9] == 2);
}

TEST_CASE("a failed task fails its dependents without running them") {
  Cluster cluster(2);
  cluster.join(1);
  cluster.submit(1, {{}, {0}, {1}}, {2});
  cluster.scheduler.on_turn();
  cluster.assigned();
  const Failure failure{"t0", "worker rank 1 thread 0", "std::runtime_error", "boom", false};
  cluster.deliver(1, Completed{DataKey{1, 0}, 0.0, 1e-4, 0, 0, failure});
  CHECK(cluster.assigned().empty());
  // t1 and t2 went ahead to the worker: it is told to drop them.
  std::vector<DataKey> dropped;
  for (const auto& [rank, drop] : cluster.outbox.take<Drop>()) {
    CHECK(rank == 1);
    dropped.insert(dropped.end(), drop.keys.begin(), drop.keys.end());
  }
  CHECK(std::count(dropped.begin(), dropped.end(), DataKey{1, 1}) == 1);
  CHECK(std::count(dropped.begin(), dropped.end(), DataKey{1, 2}) == 1);
  auto done = cluster.outbox.take<OutputDone>();
  REQUIRE(done.size() == 1);
  CHECK(done[0].second.key == DataKey{1, 2});
  REQUIRE(done[0].second.failure);
  CHECK(done[0].second.failure->key == "t0");
  CHECK(done[0].second.failure->message == "boom");
}

TEST_CASE("cancelling an assigned task tells its worker to drop it") {
  Cluster cluster(2);
  cluster.join(1);
  cluster.submit(1, {{}});
  cluster.scheduler.on_turn();
  REQUIRE(cluster.assigned().size() == 1);
  cluster.deliver(0, Cancel{DataKey{1, 0}, false});
  auto drops = cluster.outbox.take<Drop>();
  REQUIRE(drops.size() == 1);
  CHECK(drops[0].first == 1);
  auto done = cluster.outbox.take<OutputDone>();
  REQUIRE(done.size() == 1);
  REQUIRE(done[0].second.failure);
  CHECK(done[0].second.failure->cancelled);
  // The result it may still report is dropped on the worker.
  cluster.complete(1, DataKey{1, 0});
  CHECK(cluster.outbox.take<Forget>().size() == 1);
}

TEST_CASE("a paused worker gets no new tasks") {
  Cluster cluster(3);
  cluster.join(1);
  cluster.join(2);
  cluster.deliver(1, Status{true});
  cluster.submit(1, std::vector<std::vector<std::uint32_t>>(6));
  cluster.scheduler.on_turn();
  for (const auto& [task, worker] : cluster.assigned()) CHECK(worker == 2);
}

TEST_CASE("a task asking for a resource runs only on a worker that offers it") {
  Cluster cluster(3);
  cluster.join(1);
  cluster.join(2, 1, {{"GPU", 1.0}});
  cluster.submit(1, {{}, {}}, {}, {{0, {{"GPU", 1.0}}}, {1, {{"FPGA", 1.0}}}});
  cluster.scheduler.on_turn();
  auto where = cluster.assigned();
  REQUIRE(where.size() == 1);
  CHECK(where[0] == 2);
  auto done = cluster.outbox.take<OutputDone>();
  REQUIRE(done.size() == 1);
  CHECK(done[0].second.key == DataKey{1, 1});
  REQUIRE(done[0].second.failure);
  CHECK_THAT(done[0].second.failure->message, Catch::Contains("no worker can run this task"));
}

TEST_CASE("a result made again after a retirement is not forgotten after it is made") {
  Cluster cluster(3);
  cluster.join(1, 1, {{"B", 1}});
  cluster.join(2, 1, {{"A", 1}});
  cluster.submit(1, {{}, {0}}, {1}, {{0, {{"A", 1}}}, {1, {{"B", 1}}}});
  cluster.scheduler.on_turn();
  cluster.complete(2, DataKey{1, 0});
  cluster.scheduler.on_turn();
  REQUIRE(cluster.assigned() == std::map<std::uint32_t, int>{{0, 2}, {1, 1}});
  cluster.outbox.take<Forget>();

  // t1 is done, so t0 is forgotten on rank 2; in the same turn t1's worker leaves at once
  // (its job ends) with t1 only there: t0 is made again on rank 2, to make t1 again.
  cluster.complete(1, DataKey{1, 1});
  cluster.deliver(1, Retire{true});
  cluster.deliver(1, Goodbye{});
  cluster.scheduler.on_turn();
  std::vector<Kind> to_rank_2;
  for (Kind kind : cluster.outbox.kinds_to(2)) {
    if (kind == Kind::forget || kind == Kind::assign) to_rank_2.push_back(kind);
  }
  CHECK(to_rank_2 == std::vector<Kind>{Kind::forget, Kind::assign});
  const auto assigns = cluster.assigned();
  CHECK(assigns.at(0) == 2);
}

TEST_CASE("a copy kept by the worker that makes the result again does not end its task") {
  Cluster cluster(3);
  cluster.join(1);
  cluster.join(2);
  cluster.submit(1, {{}, {0}}, {1});
  cluster.scheduler.on_turn();
  const int worker = cluster.assigned().at(0);
  // A copy handed over to it (from a worker lost since) is kept there before its own run ends.
  cluster.deliver(worker, Stored{DataKey{1, 0}});
  CHECK(cluster.outbox.take<Forget>().empty());
  cluster.complete(worker, DataKey{1, 0});
  cluster.scheduler.on_turn();
  CHECK(cluster.outbox.take<Forget>().empty());  // it holds t0, which t1 still needs
  cluster.complete(worker, DataKey{1, 1});
  cluster.scheduler.on_turn();
  const auto forgets = cluster.outbox.take<Forget>();
  REQUIRE_FALSE(forgets.empty());
  for (const auto& [dest, forget] : forgets) CHECK(dest == worker);
}

TEST_CASE("a task taken back while its input is to be made again waits for that input") {
  Cluster cluster(5);
  cluster.scheduler.expect_joins();
  cluster.join(1, 1, {{"A", 1}});
  cluster.join(2, 1, {{"B", 1}});
  cluster.submit(1, {{}, {0}}, {1}, {{0, {{"A", 1}}}, {1, {{"B", 1}}}});
  cluster.scheduler.on_turn();
  cluster.complete(1, DataKey{1, 0});
  cluster.scheduler.on_turn();
  REQUIRE(cluster.assigned() == std::map<std::uint32_t, int>{{0, 1}, {1, 2}});

  // Rank 2 retires, so its unstarted t1 is asked back; meanwhile rank 1, which holds t0, is
  // lost, and no worker can make t0 again yet.
  cluster.deliver(2, Retire{false});
  cluster.scheduler.worker_lost(1);
  cluster.join(3, 1, {{"B", 1}});
  cluster.deliver(2, Stolen{{DataKey{1, 1}}});
  cluster.scheduler.on_turn();
  CHECK(cluster.assigned().empty());  // t1 waits for t0, which waits for a worker

  cluster.join(4, 1, {{"A", 1}});
  cluster.scheduler.on_turn();
  REQUIRE(cluster.assigned() == std::map<std::uint32_t, int>{{0, 4}});
  cluster.complete(4, DataKey{1, 0});
  cluster.scheduler.on_turn();
  const auto assigns = cluster.outbox.take<Assign>();
  REQUIRE(assigns.size() == 1);
  CHECK(assigns[0].first == 3);
  CHECK(assigns[0].second.key == DataKey{1, 1});
  CHECK(assigns[0].second.holders == std::vector<std::int32_t>{4});
}

TEST_CASE("a retiring worker hands over a result whose only copy is on a worker retiring too") {
  Cluster cluster(4);
  cluster.join(1);
  cluster.scheduler.expect_joins();
  cluster.submit(1, {{}});
  cluster.scheduler.on_turn();
  REQUIRE(cluster.assigned().at(0) == 1);
  cluster.complete(1, DataKey{1, 0}, 8 << 20);
  cluster.join(2);
  cluster.join(3);
  cluster.deliver(2, Stored{DataKey{1, 0}});  // a copy rank 2 kept after fetching it
  cluster.deliver(2, Retire{false});
  cluster.deliver(1, Retire{false});
  cluster.scheduler.on_turn();
  // Rank 2 holds nothing of its own and goes; rank 1 gives its result to rank 3, which stays.
  std::map<int, int> shutdowns;
  for (const auto& [rank, shutdown] : cluster.outbox.take<Shutdown>()) ++shutdowns[rank];
  CHECK(shutdowns == std::map<int, int>{{2, 1}});
  const auto replicate = cluster.outbox.take<Replicate>();
  REQUIRE(replicate.size() == 1);
  CHECK(replicate[0].first == 3);
  CHECK(replicate[0].second.keys == std::vector<DataKey>{DataKey{1, 0}});
  CHECK(replicate[0].second.holder == 1);
}

TEST_CASE("a worker fetching from a lost one is told where a copy of the result is") {
  Cluster cluster(4);
  cluster.scheduler.expect_joins();
  cluster.join(1, 1, {{"A", 1}});
  cluster.join(2);
  cluster.join(3, 1, {{"B", 1}});
  cluster.submit(1, {{}, {0}}, {1}, {{0, {{"A", 1}}}, {1, {{"B", 1}}}});
  cluster.scheduler.on_turn();
  cluster.complete(1, DataKey{1, 0});
  cluster.scheduler.on_turn();
  REQUIRE(cluster.assigned() == std::map<std::uint32_t, int>{{0, 1}, {1, 3}});
  cluster.deliver(2, Stored{DataKey{1, 0}});  // a copy, as a retiring rank 1 hands over

  cluster.scheduler.worker_lost(1);  // before rank 3 had t0 from it
  const auto moved = cluster.outbox.take<Moved>();
  REQUIRE(moved.size() == 1);
  CHECK(moved[0].first == 3);
  CHECK(moved[0].second.key == DataKey{1, 0});
  CHECK(moved[0].second.holder == 2);
  CHECK(cluster.assigned().empty());  // nothing is made again
}

TEST_CASE("a worker not heard from within the timeout is reported with the tasks it held") {
  Cluster cluster(3, 0.2);
  cluster.join(1);
  cluster.join(2);
  cluster.submit(1, {{}, {}, {0}}, {2});
  cluster.scheduler.on_turn();
  auto where = cluster.assigned();  // t2 goes ahead with t0, its input
  REQUIRE(where.size() == 3);
  const int silent = where[0];
  const int alive = 3 - silent;
  REQUIRE(where[2] == silent);
  cluster.complete(silent, DataKey{1, 0});  // t0 is held there, and t2 runs there

  // The other worker keeps saying it is alive; the silent one says nothing.
  const auto start = std::chrono::steady_clock::now();
  std::string error;
  while (error.empty() && std::chrono::steady_clock::now() - start < std::chrono::seconds(5)) {
    cluster.deliver(alive, Heartbeat{});
    try {
      cluster.scheduler.on_turn();
    } catch (const tessera::Error& e) {
      error = e.what();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const double waited =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(waited >= 0.2);
  CHECK(waited < 3.0);  // generous: CI runs this beside other tests, under sanitizers too
  CHECK_THAT(error,
             Catch::Contains("worker rank " + std::to_string(silent) + " has not been heard from"));
  CHECK_THAT(error, Catch::Contains("running 1 tasks ('t2')"));
  CHECK_THAT(error, Catch::Contains("held 1 results ('t0')"));
}

TEST_CASE("workers that keep sending heartbeats are never taken for lost") {
  Cluster cluster(3, 0.5);  // the test lasts 1.5 s: three times the timeout
  cluster.join(1);
  cluster.join(2);
  for (int turn = 0; turn < 50; ++turn) {
    cluster.deliver(1, Heartbeat{});
    cluster.deliver(2, Heartbeat{});
    REQUIRE_NOTHROW(cluster.scheduler.on_turn());
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
  }
}

TEST_CASE("a worker whose hello comes after a later rank's is not taken for lost") {
  // Ranks are given as workers join an elastic cluster; rank 2's hello may arrive first.
  Cluster cluster(1, 0.5);
  cluster.scheduler.expect_joins();
  cluster.join(2);
  cluster.scheduler.on_turn();  // checks liveness: rank 1 has joined, but not said hello yet
  cluster.join(1, 1, {{"A", 1}});
  cluster.submit(1, {{}}, {0}, {{0, {{"A", 1}}}});
  cluster.scheduler.on_turn();
  CHECK(cluster.assigned() == std::map<std::uint32_t, int>{{0, 1}});
}

TEST_CASE("tasks are handed out with their own specs and inputs, whatever the offsets' width") {
  const auto narrow = narrow_spec_body_limit;
  for (std::size_t limit : {narrow, std::size_t{0}}) {  // 0: every body has wide offsets
    narrow_spec_body_limit = limit;
    Cluster cluster(2);
    cluster.join(1);
    cluster.submit(1, {{}, {0}, {0, 1}});
    cluster.scheduler.on_turn();
    auto first = cluster.outbox.take<Assign>();
    REQUIRE(first.size() == 3);
    const char* keys[] = {"t0", "t1", "t2"};
    for (std::uint32_t t = 0; t < 3; ++t) {
      WireReader spec(first[t].second.spec, "task spec");
      TaskSpec read;
      read_task(spec, 1, read);
      CHECK(read.key == keys[t]);
      CHECK(spec.at_end());
    }
    CHECK(first[2].second.inputs == std::vector<DataKey>{{1, 0}, {1, 1}});
    for (std::uint32_t t = 0; t < 3; ++t) cluster.complete(1, DataKey{1, t});

    // Run 2 reads run 1's t2 (a future) between two of its own tasks.
    TaskSpec spec;
    spec.function = "f";
    std::vector<std::byte> specs;
    WireWriter out(specs);
    spec.key = "u0";
    write_task(out, spec);
    spec.key = "u1";
    spec.args = {{ArgKind::task, {}, DataKey{2, 0}},
                 {ArgKind::external, {}, DataKey{1, 2}},
                 {ArgKind::task, {}, DataKey{2, 0}}};
    write_task(out, spec);
    cluster.deliver(0, Submit{2, 2, specs, {1}, false});
    cluster.scheduler.on_turn();
    auto second = cluster.outbox.take<Assign>();
    REQUIRE(second.size() == 2);
    CHECK(second[1].second.key == DataKey{2, 1});
    CHECK(second[1].second.inputs == std::vector<DataKey>{{2, 0}, {1, 2}, {2, 0}});
    WireReader u1(second[1].second.spec, "task spec");
    CHECK(read_task_key(u1) == "u1");
  }
  narrow_spec_body_limit = narrow;
}
