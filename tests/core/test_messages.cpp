// The runtime's control messages: every kind reads back what was written, and a cut or
// corrupted message is a SerializationError naming it, never a crash or a huge allocation.

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mpi/control_batches.hpp"
#include "mpi/messages.hpp"  // private to tessera::core: the test reaches in
#include "tessera/errors.hpp"

namespace {

using namespace tessera::detail;

template <class Message>
std::vector<std::byte> encode(const Message& message) {
  std::vector<std::byte> bytes;
  WireWriter out(bytes);
  message.write(out);
  return bytes;
}

// Writes, reads back, checks that the whole body was read; returns what was read. The bytes
// are returned too, since spans in the message point into them.
template <class Message>
Message round_trip(const Message& message, std::vector<std::byte>& bytes) {
  bytes = encode(message);
  WireReader in(bytes, std::string(kind_name(Message::kind)) + " message");
  Message read = Message::read(in);
  CHECK(in.at_end());
  // Every shorter prefix is refused (the last fields cannot be read).
  for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
    WireReader truncated(std::span<const std::byte>(bytes).first(cut), "cut message");
    bool refused = false;
    try {
      Message::read(truncated);
      refused = !truncated.at_end();  // a prefix that parses must not be the whole message
    } catch (const tessera::SerializationError& error) {
      refused = std::string(error.what()).find("cut message") != std::string::npos;
    }
    if (!refused)
      FAIL("a " << kind_name(Message::kind) << " message cut at " << cut << " of " << bytes.size()
                << " bytes was read without an error");
  }
  return read;
}

std::span<const std::byte> bytes_of(const std::string& text) {
  return std::as_bytes(std::span(text.data(), text.size()));
}

std::string text_of(std::span<const std::byte> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

bool same_failure(const std::optional<Failure>& a, const std::optional<Failure>& b) {
  if (a.has_value() != b.has_value()) return false;
  if (!a) return true;
  return a->key == b->key && a->worker == b->worker && a->type == b->type &&
         a->message == b->message && a->cancelled == b->cancelled;
}

const Failure failure{"inc-7", "worker rank 2 thread 0", "std::runtime_error", "boom", false};

}  // namespace

TEST_CASE("every control message reads back what was written") {
  std::vector<std::byte> bytes;
  const DataKey key{(3ull << 40) | 17, 42};

  SECTION("hello") {
    auto read = round_trip(Hello{4, {{"GPU", 1.0}, {"MEMORY", 64e9}}, 1ull << 33}, bytes);
    CHECK(read.threads == 4);
    REQUIRE(read.resources.size() == 2);
    CHECK(read.resources[1].first == "MEMORY");
    CHECK(read.resources[1].second == 64e9);
    CHECK(read.memory_limit == 1ull << 33);
  }
  SECTION("pin") {
    auto read = round_trip(Pin{{key, DataKey{1, 2}}}, bytes);
    CHECK(read.keys == std::vector<DataKey>{key, DataKey{1, 2}});
  }
  SECTION("submit") {
    const std::string specs = "task specs";
    auto read = round_trip(Submit{7, 3, bytes_of(specs), {0, 2}, false}, bytes);
    CHECK(read.run == 7);
    CHECK(read.tasks == 3);
    CHECK(text_of(read.specs) == specs);
    CHECK(read.outputs == std::vector<std::uint32_t>{0, 2});
    CHECK_FALSE(read.handed_over);
    CHECK(round_trip(Submit{8, 1, {}, {0}, true}, bytes).handed_over);
  }
  SECTION("cancel and release") {
    auto cancel = round_trip(Cancel{key, true}, bytes);
    CHECK(cancel.key == key);
    CHECK(cancel.released);
    CHECK(round_trip(Release{key}, bytes).key == key);
  }
  SECTION("scatter and store") {
    const std::string literal = "frames";
    auto scatter = round_trip(Scatter{key, true, bytes_of(literal)}, bytes);
    CHECK(scatter.key == key);
    CHECK(scatter.broadcast);
    CHECK(text_of(scatter.literal) == literal);
    auto store = round_trip(StoreData{key, bytes_of(literal)}, bytes);
    CHECK(store.key == key);
    CHECK(text_of(store.literal) == literal);
  }
  SECTION("completed, finished or failed") {
    auto done = round_trip(Completed{key, 1.5, 2.5, 3, 1 << 20, std::nullopt}, bytes);
    CHECK(done.key == key);
    CHECK(done.start == 1.5);
    CHECK(done.stop == 2.5);
    CHECK(done.thread == 3);
    CHECK(done.bytes == 1 << 20);
    CHECK(!done.failure);
    auto failed = round_trip(Completed{key, 1.5, 2.5, 3, 0, failure}, bytes);
    CHECK(same_failure(failed.failure, failure));
  }
  SECTION("output done, finished or failed") {
    auto done = round_trip(OutputDone{key, 2, 99, std::nullopt}, bytes);
    CHECK(done.key == key);
    CHECK(done.holder == 2);
    CHECK(done.bytes == 99);
    Failure cancelled = failure;
    cancelled.cancelled = true;
    auto failed = round_trip(OutputDone{key, -1, 0, cancelled}, bytes);
    CHECK(same_failure(failed.failure, cancelled));
  }
  SECTION("status, steal, stolen, stored") {
    CHECK(round_trip(Status{true}, bytes).paused);
    CHECK_FALSE(round_trip(Status{false}, bytes).paused);
    CHECK(round_trip(Steal{12}, bytes).count == 12);
    CHECK(round_trip(Stolen{{key, DataKey{1, 2}}}, bytes).keys ==
          std::vector<DataKey>{key, DataKey{1, 2}});
    CHECK(round_trip(Stored{key}, bytes).key == key);
  }
  SECTION("worker metrics") {
    WorkerMetrics metrics{10, 20, 30, 4, {Received{2, 1 << 20, 3}, Received{5, 7, 1}}};
    auto read = round_trip(metrics, bytes);
    CHECK(read.memory_bytes == 10);
    CHECK(read.memory_limit == 20);
    CHECK(read.spilled_bytes == 30);
    CHECK(read.spilled_total == 4);
    CHECK(read.received == metrics.received);
  }
  SECTION("event") {
    auto read = round_trip(EventLogged{12.5, "memory", "spilled", "worker rank 1"}, bytes);
    CHECK(read.time == 12.5);
    CHECK(read.topic == "memory");
    CHECK(read.message == "spilled");
    CHECK(read.source == "worker rank 1");
  }
  SECTION("assign") {
    const std::string spec = "a task spec";
    auto read =
        round_trip(Assign{key, 77, bytes_of(spec), {DataKey{1, 0}, key}, {2, -1}, {1}, {0}}, bytes);
    CHECK(read.key == key);
    CHECK(read.priority == 77);
    CHECK(text_of(read.spec) == spec);
    CHECK(read.inputs == std::vector<DataKey>{DataKey{1, 0}, key});
    CHECK(read.holders == std::vector<std::int32_t>{2, -1});
    CHECK(read.pending == std::vector<std::uint32_t>{1});
    CHECK(read.keep == std::vector<std::uint32_t>{0});
  }
  SECTION("drop, forget, fetch") {
    const std::vector<DataKey> keys{key, DataKey{5, 6}};
    CHECK(round_trip(Drop{keys}, bytes).keys == keys);
    CHECK(round_trip(Forget{keys}, bytes).keys == keys);
    CHECK(round_trip(Fetch{keys}, bytes).keys == keys);
    CHECK_FALSE(round_trip(Fetch{keys}, bytes).wait);
    CHECK(round_trip(Fetch{keys, true}, bytes).wait);
  }
  SECTION("data header") {
    const std::string header = "header";
    auto read = round_trip(DataHeader{key, 123, bytes_of(header), {1ull << 33, 0}}, bytes);
    CHECK(read.key == key);
    CHECK(read.tag == 123);
    CHECK(text_of(read.header) == header);
    CHECK(read.buffer_sizes == std::vector<std::uint64_t>{1ull << 33, 0});
  }
  SECTION("messages without a body") {
    CHECK(encode(Goodbye{}).empty());
    CHECK(encode(Shutdown{}).empty());
    CHECK(encode(Exit{}).empty());
  }
}

namespace {

// The bytes of a task of run 9 with one argument of each kind, a resource and two workers;
// its literal argument points into `literal`.
std::vector<std::byte> sample_spec(const std::string& literal) {
  TaskSpec spec;
  spec.function = "add";
  spec.key = "add-3";
  spec.retries = 2;
  spec.args = {{ArgKind::task, {}, DataKey{9, 1}},
               {ArgKind::literal, bytes_of(literal), {}},
               {ArgKind::external, {}, DataKey{4, 8}}};
  spec.resources = {{"GPU", 1.0}};
  spec.workers = {1, 3};
  std::vector<std::byte> bytes;
  WireWriter out(bytes);
  write_task(out, spec);
  return bytes;
}

}  // namespace

TEST_CASE("a task spec reads back what was written") {
  const std::string literal = "literal frames";
  const auto bytes = sample_spec(literal);

  WireReader in(bytes, "task spec");
  TaskSpec read;
  read_task(in, 9, read);
  CHECK(in.at_end());
  CHECK(read.function == "add");
  CHECK(read.key == "add-3");
  CHECK(read.retries == 2);
  REQUIRE(read.args.size() == 3);
  CHECK(read.args[0].kind == ArgKind::task);
  CHECK(read.args[0].input == DataKey{9, 1});
  CHECK(text_of(read.args[1].literal) == literal);
  CHECK(read.args[2].input == DataKey{4, 8});
  REQUIRE(read.resources.size() == 1);
  CHECK(read.resources[0].first == "GPU");
  CHECK(read.workers == std::vector<int>{1, 3});
}

TEST_CASE("varints read back every width, and a cut or overlong one is a clear error") {
  const std::vector<std::uint64_t> values = {
      0, 1, 127, 128, 16383, 16384, (1ull << 32) - 1, 1ull << 32, 1ull << 63, ~0ull};
  std::vector<std::byte> bytes;
  WireWriter out(bytes);
  for (auto value : values) out.put_varint(value);
  out.put_short_string("key-1f");
  CHECK(bytes.size() == 1 + 1 + 1 + 2 + 2 + 3 + 5 + 5 + 10 + 10 + 1 + 6);
  WireReader in(bytes, "varint test");
  for (auto value : values) CHECK(in.get_varint() == value);
  CHECK(in.get_short_string_view() == "key-1f");
  CHECK(in.at_end());

  // Cut after a byte that says more follow.
  const std::vector<std::byte> cut = {std::byte{0x80}, std::byte{0x80}};
  WireReader cut_in(cut, "assign message from rank 2");
  CHECK_THROWS_WITH(cut_in.get_varint(), Catch::Contains("corrupt assign message from rank 2"));
  // Eleven bytes, or a tenth byte with more than the 64th bit: over 64 bits.
  const std::vector<std::byte> eleven(11, std::byte{0xff});
  WireReader eleven_in(eleven, "task spec");
  CHECK_THROWS_WITH(eleven_in.get_varint(), Catch::Contains("does not fit 64 bits"));
  std::vector<std::byte> high(9, std::byte{0xff});
  high.push_back(std::byte{0x02});
  WireReader high_in(high, "task spec");
  CHECK_THROWS_WITH(high_in.get_varint(), Catch::Contains("does not fit 64 bits"));
}

TEST_CASE("a task spec takes a few bytes beyond its names: the scheduler keeps one per task") {
  // A two-input reduction task, as a graph of millions holds them: names, retries, two
  // varint task ids and empty placement.
  TaskSpec spec;
  spec.function = "add";
  spec.key = "add-1f3a2";
  spec.args = {{ArgKind::task, {}, DataKey{7, 300}}, {ArgKind::task, {}, DataKey{7, 301}}};
  std::vector<std::byte> bytes;
  WireWriter out(bytes);
  write_task(out, spec);
  CHECK(bytes.size() == (1 + 3) + (1 + 9) + 1 + 1 + 2 * (1 + 2) + 1 + 1);
  WireReader in(bytes, "task spec");
  CHECK(read_task_key(in) == "add-1f3a2");

  // A corrupt argument count, resource count or input id is named, never allocated for.
  for (std::size_t at : {std::size_t{15}, bytes.size() - 2}) {
    auto corrupt = bytes;
    corrupt[at] = std::byte{0x7f};  // 127 arguments or resources in a 24-byte spec
    WireReader corrupt_in(corrupt, "task spec");
    TaskSpec read;
    CHECK_THROWS_WITH(read_task(corrupt_in, 7, read), Catch::Contains("corrupt task 'add-1f3a2'"));
  }
}

TEST_CASE("a task spec with any byte changed or cut off reads as a spec or a clear error") {
  const std::string literal = "frames";
  const auto bytes = sample_spec(literal);
  std::size_t errors = 0;
  for (std::size_t at = 0; at < bytes.size(); ++at) {
    for (unsigned value : {0x00u, 0x01u, 0x7fu, 0x80u, 0xffu}) {
      auto corrupt = bytes;
      corrupt[at] = std::byte(value);
      for (std::size_t size : {corrupt.size(), at}) {  // changed, then also cut there
        WireReader in(std::span<const std::byte>(corrupt).first(size), "task spec");
        TaskSpec read;
        try {
          read_task(in, 9, read);
        } catch (const tessera::SerializationError& error) {
          CHECK_THAT(error.what(), Catch::Contains("corrupt"));
          ++errors;
        }
      }
    }
  }
  CHECK(errors > bytes.size());  // every cut spec at least, and many changed ones

  // Counts of 2^64 - 1 arguments, resources or workers: refused before anything is reserved.
  for (int count = 0; count < 3; ++count) {
    std::vector<std::byte> huge;
    huge.reserve(64);  // GCC 12 warns wrongly (-Wstringop-overflow) on the growths otherwise
    WireWriter huge_out(huge);
    huge_out.put_short_string("f");
    huge_out.put_short_string("f-1");
    huge_out.put<std::uint8_t>(0);
    for (int c = 0; c < count; ++c) huge_out.put_varint(0);
    huge_out.put_varint(~0ull);
    huge_out.put<std::uint64_t>(0);
    WireReader in(huge, "task spec");
    TaskSpec read;
    const char* what[] = {"arguments announced", "resources announced", "workers announced"};
    CHECK_THROWS_WITH(read_task(in, 1, read), Catch::Contains(what[count]));
  }
}

TEST_CASE("a message claiming more elements than it holds is refused without allocating them") {
  // A count of 2^60 keys in a 16-byte message: refused before any allocation.
  std::vector<std::byte> bytes;
  WireWriter out(bytes);
  out.put<std::uint64_t>(1ull << 60);
  out.put<std::uint64_t>(0);
  WireReader in(bytes, "forget message from rank 1");
  CHECK_THROWS_AS(Forget::read(in), tessera::SerializationError);

  std::vector<std::byte> assign;
  WireWriter assign_out(assign);
  Assign{DataKey{1, 1}, 0, {}, {DataKey{1, 0}}, {}, {}, {}}.write(assign_out);
  WireReader assign_in(assign, "assign message from rank 0");
  CHECK_THROWS_WITH(Assign::read(assign_in), Catch::Contains("1 inputs but 0 holders"));

  std::vector<std::byte> pending;
  WireWriter pending_out(pending);
  Assign{DataKey{1, 1}, 0, {}, {DataKey{1, 0}}, {2}, {3}, {}}.write(pending_out);
  WireReader pending_in(pending, "assign message from rank 0");
  CHECK_THROWS_WITH(Assign::read(pending_in), Catch::Contains("pending input 3 of 1"));

  std::vector<std::byte> kept;
  WireWriter kept_out(kept);
  Assign{DataKey{1, 1}, 0, {}, {DataKey{1, 0}, DataKey{1, 2}}, {2, 2}, {}, {1, 1}}.write(kept_out);
  WireReader kept_in(kept, "assign message from rank 0");
  CHECK_THROWS_WITH(Assign::read(kept_in), Catch::Contains("kept input 1 of 2 after 1"));
}

TEST_CASE("a corrupt message from the progress loop is named by its kind and sender") {
  std::vector<std::byte> bytes(3);  // too short for an assign's first field
  WireReader in(bytes, kind_name(Kind::assign), " message", 2);
  CHECK_THROWS_WITH(Assign::read(in), Catch::Contains("corrupt assign message from rank 2"));
}

TEST_CASE("put_all writes the bytes that one put per value would") {
  const DataKey key{7, 3};
  const std::vector<std::byte> spec{std::byte{1}, std::byte{2}, std::byte{3}};
  const std::vector<std::int32_t> holders{4, -1};
  const std::string_view name = "inc";
  std::vector<std::byte> one_by_one;
  one_by_one.reserve(256);  // else GCC 12 warns of a memset it cannot prove in bounds
  {
    WireWriter out(one_by_one);
    out.put(key);
    out.put<std::uint8_t>(9);
    out.put_bytes(spec.data(), spec.size());
    out.put_string(name);
    out.put_vector(holders);
  }
  std::vector<std::byte> at_once;
  WireWriter out(at_once);
  out.put(std::byte{0xff});  // put_all appends after what is there
  out.put_all(key, std::uint8_t{9}, std::span<const std::byte>(spec), name, holders);
  REQUIRE(at_once.size() == one_by_one.size() + 1);
  CHECK(std::equal(one_by_one.begin(), one_by_one.end(), at_once.begin() + 1));
}

TEST_CASE("the error reply for a failed task carries that task's failure, and only it does") {
  const Failure failure{"power-3", "worker rank 1 thread 0", "tessera::ArrayError",
                        "power: integers to negative integer powers are not allowed"};
  const auto frames = failed_task_frames("its task failed on worker rank 1", failure);
  std::string message;
  REQUIRE(is_error_frames(frames, message));
  CHECK(message == "its task failed on worker rank 1");
  const auto carried = failure_in_error_frames(frames);
  REQUIRE(carried);
  CHECK(carried->key == failure.key);
  CHECK(carried->worker == failure.worker);
  CHECK(carried->type == failure.type);
  CHECK(carried->message == failure.message);

  CHECK_FALSE(failure_in_error_frames(error_frames("it was lost with its worker")));
  // A garbled failure leaves the reply's message, without throwing.
  auto garbled = frames;
  garbled.buffers.front() = tessera::Buffer::allocate(3);
  std::fill_n(garbled.buffers.front().data(), 3, std::byte{0xff});
  CHECK_FALSE(failure_in_error_frames(garbled));
}

TEST_CASE("a batch of task reports may be held back while the other destinations' batches go") {
  using namespace tessera::detail;
  ControlBatches batches;
  auto report = [](std::uint32_t task) {
    return [task](WireWriter& out) {
      Completed{DataKey{1, task}, 0.0, 1e-6, 0, 8, std::nullopt}.write(out);
    };
  };
  batches.append(0, Kind::completed, report(1));
  batches.append(2, Kind::pin, [](WireWriter& out) { Pin{{DataKey{1, 1}}}.write(out); });
  batches.append(0, Kind::completed, report(2));
  CHECK(batches.only_reports(0));
  CHECK_FALSE(batches.only_reports(2));  // not a report
  CHECK_FALSE(batches.only_reports(1));  // no batch

  std::vector<std::pair<int, std::vector<std::byte>>> out;
  batches.take(out, 0);
  REQUIRE(out.size() == 1);
  CHECK(out[0].first == 2);
  CHECK_FALSE(batches.empty());  // rank 0's reports wait, whole

  // A message of another kind makes the batch go with the reports before it, in order.
  batches.append(0, Kind::heartbeat, [](WireWriter& out) { Heartbeat{}.write(out); });
  CHECK_FALSE(batches.only_reports(0));
  out.clear();
  batches.take(out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].first == 0);
  std::vector<Kind> kinds;
  std::vector<std::uint32_t> tasks;
  read_batch(0, out[0].second, [&](Kind kind, WireReader& body) {
    kinds.push_back(kind);
    if (kind == Kind::completed) tasks.push_back(Completed::read(body).key.task);
  });
  CHECK(kinds == std::vector<Kind>{Kind::completed, Kind::completed, Kind::heartbeat});
  CHECK(tasks == std::vector<std::uint32_t>{1, 2});
  CHECK(batches.empty());

  // A new batch starts as reports only again.
  batches.append(0, Kind::completed, report(3));
  CHECK(batches.only_reports(0));
}
