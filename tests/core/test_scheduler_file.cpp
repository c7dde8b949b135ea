// The scheduler file of elastic clusters (core/src/elastic/scheduler_file.hpp): written
// atomically, read back whole, bad content named by file and field.
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>

#include "elastic/scheduler_file.hpp"
#include "tessera/errors.hpp"
#include "test_support.hpp"

namespace {

using tessera::elastic::SchedulerInfo;
using tessera_test::contains;
namespace fs = std::filesystem;

// A fresh directory for one test, removed with everything in it at the end.
class ScratchDirectory {
 public:
  ScratchDirectory() {
    std::string pattern = (fs::temp_directory_path() / "tessera-scheduler-file-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~ScratchDirectory() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const fs::path& path() const { return path_; }
  std::size_t entries() const {
    return static_cast<std::size_t>(std::distance(fs::directory_iterator(path_), {}));
  }

 private:
  fs::path path_;
};

void write_text(const fs::path& path, const std::string& text) { std::ofstream(path) << text; }

// The message of the ConfigError that reading `path` throws ("" when it throws none).
std::string config_error(const fs::path& path) {
  try {
    tessera::elastic::read_scheduler_file(path);
  } catch (const tessera::ConfigError& error) {
    return error.what();
  }
  return "";
}

}  // namespace

TEST_CASE("a scheduler file read back holds what the scheduler wrote", "[elastic]") {
  ScratchDirectory scratch;
  const fs::path file = scratch.path() / "scheduler.json";
  const SchedulerInfo written = tessera::elastic::describe_this_scheduler("ucx", "10.1.2.3:4567");
  CHECK(written.pid == ::getpid());
  CHECK_FALSE(written.host.empty());
  CHECK(written.created > 1.6e9);  // seconds since the epoch, not since boot

  tessera::elastic::write_scheduler_file(file, written);
  const SchedulerInfo read = tessera::elastic::read_scheduler_file(file);
  CHECK(read.transport == "ucx");
  CHECK(read.address == "10.1.2.3:4567");
  CHECK(read.host == written.host);
  CHECK(read.pid == written.pid);
  CHECK(read.created == written.created);
}

TEST_CASE("writing a scheduler file replaces the old one and leaves no temporary file",
          "[elastic]") {
  ScratchDirectory scratch;
  const fs::path file = scratch.path() / "scheduler.json";
  tessera::elastic::write_scheduler_file(
      file, tessera::elastic::describe_this_scheduler("tcp", "node1:1000"));
  tessera::elastic::write_scheduler_file(
      file, tessera::elastic::describe_this_scheduler("tcp", "node2:2000"));
  CHECK(tessera::elastic::read_scheduler_file(file).address == "node2:2000");
  CHECK(scratch.entries() == 1);
}

TEST_CASE("a reader never sees a partly written scheduler file", "[elastic]") {
  ScratchDirectory scratch;
  const fs::path file = scratch.path() / "scheduler.json";
  // Addresses of very different lengths: a torn read would be invalid JSON or a mixed address.
  const std::string short_address = "a:1";
  const std::string long_address = std::string(20000, 'b') + ":2";
  tessera::elastic::write_scheduler_file(
      file, tessera::elastic::describe_this_scheduler("tcp", short_address));
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int i = 0; !stop.load(); ++i)
      tessera::elastic::write_scheduler_file(
          file,
          tessera::elastic::describe_this_scheduler("tcp", i % 2 ? long_address : short_address));
  });
  int reads = 0, torn = 0;
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
  while (std::chrono::steady_clock::now() < end) {
    try {
      const std::string address = tessera::elastic::read_scheduler_file(file).address;
      if (address != short_address && address != long_address) ++torn;
    } catch (const tessera::Error&) {
      ++torn;
    }
    ++reads;
  }
  stop = true;
  writer.join();
  CHECK(reads > 10);
  CHECK(torn == 0);
}

TEST_CASE("a missing scheduler file is an IoError naming the file and the variable", "[elastic]") {
  ScratchDirectory scratch;
  const fs::path file = scratch.path() / "nowhere.json";
  try {
    tessera::elastic::read_scheduler_file(file);
    FAIL("no error");
  } catch (const tessera::IoError& error) {
    CHECK(contains(error.what(), file.string()));
    CHECK(contains(error.what(), "No such file"));
    CHECK(contains(error.what(), "TESSERA_SCHEDULER_FILE"));
  }
}

TEST_CASE("bad scheduler file content is a ConfigError naming the file and the field",
          "[elastic]") {
  ScratchDirectory scratch;
  const fs::path file = scratch.path() / "scheduler.json";
  const std::string good_rest = R"("host": "n1", "pid": 42, "created": 1700000000.5})";
  struct Case {
    std::string content;
    std::string expected;
  };
  const Case cases[] = {
      {"{\"tessera_scheduler_file\": 1, \"transport\": ", "not valid JSON"},
      {"[1, 2]", "expected a JSON object, found a array"},
      {R"({"transport": "ucx", "address": "a:1", )" + good_rest,
       "field \"tessera_scheduler_file\" is missing"},
      {R"({"tessera_scheduler_file": 2, "transport": "ucx", "address": "a:1", )" + good_rest,
       "field \"tessera_scheduler_file\" is 2: this tessera reads version 1"},
      {R"({"tessera_scheduler_file": 1, "transport": "ucx", )" + good_rest,
       "field \"address\" is missing"},
      {R"({"tessera_scheduler_file": 1, "transport": "ucx", "address": 7, )" + good_rest,
       "field \"address\" is a number: expected a string"},
      {R"({"tessera_scheduler_file": 1, "transport": "smoke", "address": "a:1", )" + good_rest,
       "field \"transport\" is \"smoke\": expected one of \"ucx\", \"tcp\", \"mpi\""},
      {R"({"tessera_scheduler_file": 1, "transport": "ucx", "address": "", )" + good_rest,
       "field \"address\" is empty"},
      {R"({"tessera_scheduler_file": 1, "transport": "ucx", "address": "a:1", "host": "n1",
           "pid": "42", "created": 1.0})",
       "field \"pid\" is a string: expected an integer"},
      {R"({"tessera_scheduler_file": 1, "transport": "ucx", "address": "a:1", "host": "n1",
           "pid": -3, "created": 1.0})",
       "field \"pid\" is -3: expected a process id > 0"},
      {R"({"tessera_scheduler_file": 1, "transport": "ucx", "address": "a:1", "host": "n1",
           "pid": 42, "created": "today"})",
       "field \"created\" is a string: expected seconds since the epoch"},
  };
  for (const Case& c : cases) {
    write_text(file, c.content);
    const std::string message = config_error(file);
    INFO(c.content);
    CHECK(contains(message, "scheduler file '" + file.string() + "'"));
    CHECK(contains(message, c.expected));
  }
}

TEST_CASE("a scheduler file no reader would accept is refused before it is written", "[elastic]") {
  ScratchDirectory scratch;
  const fs::path file = scratch.path() / "scheduler.json";
  SchedulerInfo info = tessera::elastic::describe_this_scheduler("carrier-pigeon", "a:1");
  CHECK_THROWS_WITH(tessera::elastic::write_scheduler_file(file, info),
                    Catch::Contains("\"transport\" is \"carrier-pigeon\""));
  CHECK_FALSE(fs::exists(file));
  CHECK(scratch.entries() == 0);
}

TEST_CASE("a scheduler file in a directory that does not exist is an IoError naming it",
          "[elastic]") {
  ScratchDirectory scratch;
  const fs::path file = scratch.path() / "missing" / "scheduler.json";
  CHECK_THROWS_MATCHES(tessera::elastic::write_scheduler_file(
                           file, tessera::elastic::describe_this_scheduler("ucx", "a:1")),
                       tessera::IoError,
                       Catch::Matchers::Predicate<tessera::IoError>([&](const auto& error) {
                         return contains(error.what(), file.string()) &&
                                contains(error.what(), "No such file or directory");
                       }));
}

TEST_CASE("a worker waiting for the scheduler file gets it once it is written", "[elastic]") {
  ScratchDirectory scratch;
  const fs::path file = scratch.path() / "scheduler.json";
  std::thread scheduler([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    tessera::elastic::write_scheduler_file(
        file, tessera::elastic::describe_this_scheduler("ucx", "late:1"));
  });
  const auto info =
      tessera::elastic::wait_for_scheduler_file(file, std::chrono::milliseconds(5000));
  scheduler.join();
  REQUIRE(info);
  CHECK(info->address == "late:1");
}

TEST_CASE("waiting for a scheduler file that never appears is a TimeoutError naming it",
          "[elastic]") {
  ScratchDirectory scratch;
  const fs::path file = scratch.path() / "scheduler.json";
  const auto start = std::chrono::steady_clock::now();
  CHECK_THROWS_MATCHES(
      tessera::elastic::wait_for_scheduler_file(file, std::chrono::milliseconds(50)),
      tessera::TimeoutError, Catch::Matchers::Predicate<tessera::TimeoutError>([&](const auto& e) {
        return contains(e.what(), file.string()) && contains(e.what(), "within 50 ms");
      }));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
}

TEST_CASE("a scheduler file whose process has exited on this host is known to be stale",
          "[elastic]") {
  SchedulerInfo info = tessera::elastic::describe_this_scheduler("ucx", "a:1");
  CHECK(tessera::elastic::scheduler_may_be_running(info));

  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  REQUIRE(child > 0);
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  info.pid = child;  // reaped: no process has this pid now (pids are not reused at once)
  CHECK_FALSE(tessera::elastic::scheduler_may_be_running(info));

  info.host = "another-node-" + info.host;  // elsewhere: cannot be checked from here
  CHECK(tessera::elastic::scheduler_may_be_running(info));
}

TEST_CASE("a published scheduler file is removed when the scheduler ends, unless replaced",
          "[elastic]") {
  ScratchDirectory scratch;
  const fs::path file = scratch.path() / "scheduler.json";
  {
    tessera::elastic::PublishedSchedulerFile published(
        file, tessera::elastic::describe_this_scheduler("ucx", "mine:1"));
    CHECK(tessera::elastic::read_scheduler_file(published.path()).address == "mine:1");
  }
  CHECK_FALSE(fs::exists(file));

  {
    tessera::elastic::PublishedSchedulerFile published(
        file, tessera::elastic::describe_this_scheduler("ucx", "mine:1"));
    // A second scheduler started with the same file name takes it over.
    tessera::elastic::write_scheduler_file(
        file, tessera::elastic::describe_this_scheduler("ucx", "theirs:2"));
  }
  REQUIRE(fs::exists(file));
  CHECK(tessera::elastic::read_scheduler_file(file).address == "theirs:2");
}

TEST_CASE("a scheduler has ended once its file is gone or names another scheduler", "[elastic]") {
  ScratchDirectory scratch;
  const fs::path file = scratch.path() / "scheduler.json";
  const SchedulerInfo mine = tessera::elastic::describe_this_scheduler("ucx", "mine:1");
  std::optional<tessera::elastic::PublishedSchedulerFile> published;
  published.emplace(file, mine);
  CHECK_FALSE(tessera::elastic::scheduler_has_ended(file, mine));
  SchedulerInfo restarted = mine;
  restarted.created += 1;  // the same process and address, listening again later
  CHECK(tessera::elastic::scheduler_has_ended(file, restarted));
  published.reset();
  CHECK(tessera::elastic::scheduler_has_ended(file, mine));

  tessera::elastic::write_scheduler_file(
      file, tessera::elastic::describe_this_scheduler("ucx", "theirs:2"));
  CHECK(tessera::elastic::scheduler_has_ended(file, mine));
  std::ofstream(file) << "{ torn";
  CHECK(tessera::elastic::scheduler_has_ended(file, mine));
}

TEST_CASE("a worker waiting for the scheduler file stops waiting when asked to", "[elastic]") {
  ScratchDirectory scratch;
  const auto start = std::chrono::steady_clock::now();
  std::atomic<int> asked{0};
  const auto info = tessera::elastic::wait_for_scheduler_file(scratch.path() / "scheduler.json",
                                                              std::chrono::milliseconds(20000),
                                                              [&] { return ++asked > 3; });
  CHECK_FALSE(info);
  CHECK(asked == 4);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
}
