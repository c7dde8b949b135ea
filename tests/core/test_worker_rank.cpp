// A worker rank in one process: messages go in as the scheduler and other workers would send
// them, and what it sends is recorded by a Link instead of MPI or UCX.

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "cluster/worker_rank.hpp"  // private to tessera::core: the test reaches in
#include "message_recorder.hpp"
#include "mpi/messages.hpp"
#include "tessera/errors.hpp"
#include "tessera/task.hpp"

namespace {

using namespace tessera::detail;

std::int64_t worker_rank_twice(std::int64_t x) { return 2 * x; }
std::int64_t worker_rank_seven() { return 7; }
std::int64_t worker_rank_fails(std::int64_t) { throw std::runtime_error("it fails on purpose"); }
// Doubles, once the test opens the gate.
std::atomic<bool> gate_open{false};
std::int64_t worker_rank_gated_twice(std::int64_t x) {
  while (!gate_open.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return 2 * x;
}

// Rank 1 of three.
class RecordingLink : public Link, public MessageRecorder {
 public:
  int ranks() const noexcept override { return 3; }
  int rank() const noexcept override { return 1; }
  void post(int dest, Kind kind, BodyWriter write) override { record(dest, kind, write); }
  void send_data(int dest, DataKey key, tessera::Frames frames,
                 std::shared_ptr<const void>) override {
    std::lock_guard lock(data_mutex_);
    data_sent_.push_back({dest, key, std::move(frames)});
  }
  void run(Handler&) override {}
  void stop() override {}
  void wake() override {}
  std::size_t pending_sends() const noexcept override { return 0; }

  struct DataSent {
    int dest;
    DataKey key;
    tessera::Frames frames;
  };
  /// The results sent so far (to fetches), in order.
  std::vector<DataSent> data_sent() {
    std::lock_guard lock(data_mutex_);
    return data_sent_;
  }

 private:
  std::mutex data_mutex_;
  std::vector<DataSent> data_sent_;
};

template <class M>
bool deliver(WorkerRank& worker, int source, const M& message) {
  std::vector<std::byte> bytes;
  WireWriter out(bytes);
  message.write(out);
  WireReader in(bytes, kind_name(M::kind));
  return worker.on_message(source, M::kind, in);
}

// The assignment of task `key`: `function` applied to the results of `inputs`, which worker
// rank `holder` has.
struct AssignedTask {
  std::vector<std::byte> spec;
  Assign assign;

  AssignedTask(DataKey key, const char* function, std::vector<DataKey> inputs, int holder) {
    TaskSpec task_spec;
    task_spec.function = function;
    task_spec.key = function;
    for (auto input : inputs) task_spec.args.push_back({ArgKind::task, {}, input});
    WireWriter out(spec);
    write_task(out, task_spec);
    assign.key = key;
    assign.spec = spec;
    assign.holders.assign(inputs.size(), holder);
    assign.inputs = std::move(inputs);
  }
};

// Doubles the result of task `input` of the same run.
AssignedTask doubling(std::uint64_t run, std::uint32_t task, std::uint32_t input, int holder) {
  return AssignedTask(DataKey{run, task}, "tests.worker_rank.twice", {DataKey{run, input}}, holder);
}

// Waits (up to 10 s) for the Completed of `key`, turning the worker's loop unless its task
// threads do.
std::optional<Completed> completion(RecordingLink& link, WorkerRank& worker, DataKey key,
                                    bool turn_loop = true) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    if (turn_loop) worker.on_turn();
    for (auto& [dest, done] : link.take<Completed>()) {
      if (dest == 0 && done.key == key) return done;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return std::nullopt;
}

}  // namespace

TEST_CASE("a result handed over by a retiring worker while a task here waits for it is kept") {
  tessera::register_task<&worker_rank_twice>("tests.worker_rank.twice");
  RecordingLink link;
  WorkerRank worker(link, 1, {}, {}, {});
  const DataKey input{7, 0};
  const auto task = doubling(7, 1, 0, 2);  // its input is held by worker rank 2, which retires

  REQUIRE(deliver(worker, 0, task.assign));
  REQUIRE(deliver(worker, 0, Replicate{{input}, 2}));
  const auto fetches = link.take<Fetch>();
  REQUIRE(fetches.size() == 2);  // one for the task, one for the hand-over
  for (const auto& [dest, fetch] : fetches) CHECK(dest == 2);

  // Whichever answer comes first serves both: the scheduler hears that it is kept here...
  CHECK(worker.on_data(2, input, tessera::serialize(std::int64_t{21})));
  const auto stored = link.take<Stored>();
  REQUIRE(stored.size() == 1);
  CHECK(stored[0].first == 0);
  CHECK(stored[0].second.key == input);
  worker.on_data(2, input, tessera::serialize(std::int64_t{21}));  // the second answer

  // ... and the task's end does not drop it, as it would a copy fetched only for the task.
  const auto done = completion(link, worker, task.assign.key);
  REQUIRE(done);
  CHECK_FALSE(done->failure);
  CHECK(worker.store().contains(input));
  CHECK(worker.store().get(input)->get<std::int64_t>() == 21);
  CHECK(worker.store().get(task.assign.key)->get<std::int64_t>() == 42);
}

TEST_CASE("an input fetched only for a task is dropped when the task ends") {
  tessera::register_task<&worker_rank_twice>("tests.worker_rank.twice");
  RecordingLink link;
  WorkerRank worker(link, 1, {}, {}, {});
  const DataKey input{8, 0};
  const auto task = doubling(8, 1, 0, 2);

  REQUIRE(deliver(worker, 0, task.assign));
  CHECK(worker.on_data(2, input, tessera::serialize(std::int64_t{5})));
  const auto done = completion(link, worker, task.assign.key);
  REQUIRE(done);
  CHECK_FALSE(done->failure);
  CHECK(link.take<Stored>().empty());
  CHECK_FALSE(worker.store().contains(input));
  CHECK(worker.store().get(task.assign.key)->get<std::int64_t>() == 10);
}

TEST_CASE("a result handed over after a task here borrowed it stays when the task ends") {
  tessera::register_task<&worker_rank_twice>("tests.worker_rank.twice");
  RecordingLink link;
  WorkerRank worker(link, 1, {}, {}, {});
  const DataKey input{9, 0};
  const auto task = doubling(9, 1, 0, 2);

  REQUIRE(deliver(worker, 0, task.assign));
  CHECK(worker.on_data(2, input, tessera::serialize(std::int64_t{4})));  // borrowed
  REQUIRE(deliver(worker, 0, Replicate{{input}, 2}));
  CHECK(worker.on_data(2, input, tessera::serialize(std::int64_t{4})));  // kept
  const auto done = completion(link, worker, task.assign.key);
  REQUIRE(done);
  CHECK(link.take<Stored>().size() == 1);
  CHECK(worker.store().contains(input));
}

TEST_CASE("a result made here again, which a task here had fetched before, stays when it ends") {
  tessera::register_task<&worker_rank_seven>("tests.worker_rank.seven");
  tessera::register_task<&worker_rank_gated_twice>("tests.worker_rank.gated_twice");
  gate_open = false;
  RecordingLink link;
  WorkerRank worker(link, 2, {}, {}, {});
  const DataKey made{10, 0};
  const AssignedTask reader(DataKey{10, 1}, "tests.worker_rank.gated_twice", {made}, 2);
  REQUIRE(deliver(worker, 0, reader.assign));
  CHECK(worker.on_data(2, made, tessera::serialize(std::int64_t{7})));  // borrowed, from rank 2

  // Rank 2 is lost; its result is made again here while the reader still runs.
  const AssignedTask again(made, "tests.worker_rank.seven", {}, 0);
  REQUIRE(deliver(worker, 0, again.assign));
  REQUIRE(completion(link, worker, made));
  gate_open = true;
  const auto done = completion(link, worker, reader.assign.key);
  REQUIRE(done);
  CHECK_FALSE(done->failure);
  CHECK(worker.store().contains(made));  // the scheduler names this worker as its holder
}

TEST_CASE("tasks assigned in one batch are there for a steal that follows in it") {
  tessera::register_task<&worker_rank_seven>("tests.worker_rank.seven");
  RecordingLink link;
  WorkerRank worker(link, 0, {}, {}, {});  // no task thread: what is assigned stays ready
  std::vector<AssignedTask> tasks;
  for (std::uint32_t t = 0; t < 3; ++t)
    tasks.emplace_back(DataKey{12, t}, "tests.worker_rank.seven", std::vector<DataKey>{}, 0);
  for (const auto& task : tasks) REQUIRE(deliver(worker, 0, task.assign));
  // Assignments are taken in at the end of a turn, or before any other message: the steal
  // in the same batch finds all three, and leaves one.
  REQUIRE(deliver(worker, 0, Steal{2}));
  const auto stolen = link.take<Stolen>();
  REQUIRE(stolen.size() == 1);
  CHECK(stolen[0].second.keys.size() == 2);
}

namespace {

// Rank 1 of three, whose task threads run the turns of its loop: a turn delivers what the
// test put in its inbox. Nobody runs the loop itself.
class HelpedLink final : public RecordingLink {
 public:
  bool takes_helpers() const noexcept override { return true; }
  bool set_helping(bool) override { return false; }

  bool progress_here(Handler& handler) override {
    std::unique_lock turn(turn_, std::try_to_lock);
    if (!turn.owns_lock()) return false;
    std::deque<std::function<void(Handler&)>> items;
    {
      std::lock_guard lock(inbox_mutex_);
      items.swap(inbox_);
    }
    for (auto& item : items) item(handler);
    helper_turns_ += items.empty() ? 0 : 1;
    return handler.on_helper_turn() || !items.empty();
  }

  template <class M>
  void arrives(int source, const M& message) {
    auto bytes = std::make_shared<std::vector<std::byte>>();
    WireWriter out(*bytes);
    message.write(out);
    put([source, bytes](Handler& handler) {
      WireReader in(*bytes, kind_name(M::kind));
      handler.on_message(source, M::kind, in);
    });
  }
  void data_arrives(int source, DataKey key, tessera::Frames frames) {
    auto shared = std::make_shared<tessera::Frames>(std::move(frames));
    put([source, key, shared](Handler& handler) { handler.on_data(source, key, *shared); });
  }
  void put(std::function<void(Handler&)> item) {
    std::lock_guard lock(inbox_mutex_);
    inbox_.push_back(std::move(item));
  }
  int helper_turns() const { return helper_turns_.load(); }

 private:
  std::mutex turn_;
  std::mutex inbox_mutex_;
  std::deque<std::function<void(Handler&)>> inbox_;
  std::atomic<int> helper_turns_{0};
};

// The loop's handler, for the worker set once it is made: declared before the worker, it
// outlives the task threads that turn the loop with it until the worker's end joins them.
struct WorkerHandler final : Link::Handler {
  void on_message(int source, Kind kind, WireReader& in) override {
    worker->on_message(source, kind, in);
  }
  void on_data(int source, DataKey key, tessera::Frames frames) override {
    worker->on_data(source, key, frames);
  }
  bool on_turn() override { return worker->on_turn(); }
  bool on_helper_turn() override { return worker->on_helper_turn(); }
  WorkerRank* worker = nullptr;
};

}  // namespace

TEST_CASE("an idle task thread takes in its task and its input itself, with no loop turning") {
  tessera::register_task<&worker_rank_twice>("tests.worker_rank.twice");
  HelpedLink link;
  WorkerHandler handler;
  WorkerRank worker(link, 1, {}, {}, {});
  handler.worker = &worker;
  const DataKey input{21, 0};
  const auto task = doubling(21, 1, 0, 2);  // its input is made on worker rank 2
  link.arrives(0, task.assign);
  link.data_arrives(2, input, tessera::serialize(std::int64_t{4}));

  worker.help_with(handler);  // the task thread wakes up and turns the loop
  const auto done = completion(link, worker, task.assign.key, false);
  REQUIRE(done);
  CHECK_FALSE(done->failure);
  CHECK(worker.store().get(task.assign.key)->get<std::int64_t>() == 8);
  CHECK(link.helper_turns() >= 1);
  // It asked rank 2 for the input first, as the loop thread would have.
  const auto fetches = link.take<Fetch>();
  REQUIRE(fetches.size() == 1);
  CHECK(fetches[0].first == 2);
}

TEST_CASE("an error in a task thread's turn of the loop is thrown by the loop's next turn") {
  HelpedLink link;
  WorkerHandler handler;
  WorkerRank worker(link, 1, {}, {}, {});
  handler.worker = &worker;
  link.put([](Link::Handler&) { throw tessera::Error("a message that cannot be read"); });
  worker.help_with(handler);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  bool thrown = false;
  while (!thrown && std::chrono::steady_clock::now() < deadline) {
    try {
      worker.on_turn();
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    } catch (const tessera::Error& error) {
      thrown = true;
      CHECK(std::string(error.what()) == "a message that cannot be read");
    }
  }
  CHECK(thrown);
}

TEST_CASE("a task whose input failed elsewhere reports that input's own failure") {
  // The scheduler may hear from this worker before it hears from the input's: the cause
  // must not be lost behind "could not fetch its input".
  tessera::register_task<&worker_rank_twice>("tests.worker_rank.twice");
  RecordingLink link;
  WorkerRank worker(link, 1, {}, {}, {});
  const auto task = doubling(31, 1, 0, 2);
  REQUIRE(deliver(worker, 0, task.assign));
  const Failure cause{"power-0", "worker rank 2 thread 0", "tessera::ArrayError",
                      "power: integers to negative integer powers are not allowed"};
  worker.on_data(2, DataKey{31, 0}, failed_task_frames("its task failed on worker rank 2", cause));
  const auto done = completion(link, worker, task.assign.key);
  REQUIRE(done);
  REQUIRE(done->failure);
  CHECK(done->failure->key == cause.key);
  CHECK(done->failure->worker == cause.worker);
  CHECK(done->failure->type == cause.type);
  CHECK(done->failure->message == cause.message);
}

TEST_CASE("a failed task answers fetches of its result, waiting or late, with its failure") {
  tessera::register_task<&worker_rank_fails>("tests.worker_rank.fails");
  RecordingLink link;
  WorkerRank worker(link, 1, {}, {}, {});
  const DataKey input{32, 0};
  const AssignedTask task(DataKey{32, 1}, "tests.worker_rank.fails", {input}, 2);
  REQUIRE(deliver(worker, 0, task.assign));
  REQUIRE(deliver(worker, 2, Fetch{{task.assign.key}, true}));  // waits for it (parked)
  worker.on_data(2, input, tessera::serialize(std::int64_t{1}));
  const auto done = completion(link, worker, task.assign.key);
  REQUIRE(done);
  REQUIRE(done->failure);
  REQUIRE(deliver(worker, 2, Fetch{{task.assign.key}}));  // after the failure
  std::vector<RecordingLink::DataSent> answers;
  for (auto& sent : link.data_sent()) {
    if (sent.key == task.assign.key) answers.push_back(std::move(sent));
  }
  REQUIRE(answers.size() == 2);
  CHECK(answers[0].dest == 2);
  CHECK(answers[1].dest == 2);
  for (const auto& answer : answers) {
    const auto carried = failure_in_error_frames(answer.frames);
    REQUIRE(carried);
    CHECK(carried->type == done->failure->type);
    CHECK(carried->message == "it fails on purpose");
  }
}
