// The worker's result store: accounting, spilling to disk and reading back, errors.

#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <cerrno>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "cluster/store.hpp"  // private to tessera::core: the test reaches in
#include "tessera/buffer.hpp"
#include "tessera/errors.hpp"
#include "tessera/events.hpp"
#include "tessera/value.hpp"
#include "test_support.hpp"

namespace {

namespace fs = std::filesystem;
using tessera::Value;
using tessera::detail::DataKey;
using tessera::detail::Store;
using tessera::detail::StoreLimits;
using tessera_test::contains;

constexpr std::size_t kib = 1024;
constexpr std::size_t mib = 1024 * kib;

// A fresh directory, removed with everything in it at the end of the test.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = fs::temp_directory_path() /
            ("tessera-store-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const fs::path& path() const noexcept { return path_; }

 private:
  fs::path path_;
};

// The size and the allocated bytes of the store's spill file.
struct FileSize {
  std::uint64_t size = 0;
  std::uint64_t allocated = 0;
};
FileSize spill_file_size(const Store& store) {
  struct stat status {};
  REQUIRE(::fstat(store.spill_file(), &status) == 0);
  return {static_cast<std::uint64_t>(status.st_size),
          static_cast<std::uint64_t>(status.st_blocks) * 512};
}

// What /proc says the descriptor points to: "<directory>/#<inode> (deleted)" for O_TMPFILE.
std::string fd_target(int fd) { return fs::read_symlink("/proc/self/fd/" + std::to_string(fd)); }

std::vector<double> samples(std::size_t count, double seed) {
  std::vector<double> values(count);
  for (std::size_t i = 0; i < count; ++i) values[i] = seed + 0.5 * static_cast<double>(i);
  return values;
}

std::shared_ptr<const Value> shared(Value value) {
  return std::make_shared<const Value>(std::move(value));
}

std::string host() {
  char name[256] = {};
  ::gethostname(name, sizeof name - 1);
  return name;
}

// Files written by this process fail with EFBIG beyond `bytes` (a full disk, as spilling
// sees it) while this lives.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    ::getrlimit(RLIMIT_FSIZE, &saved_);
    old_handler_ = std::signal(SIGXFSZ, SIG_IGN);
    rlimit limit = saved_;
    limit.rlim_cur = bytes;
    ::setrlimit(RLIMIT_FSIZE, &limit);
  }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;
  ~FileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &saved_);
    std::signal(SIGXFSZ, old_handler_);
  }

 private:
  rlimit saved_{};
  void (*old_handler_)(int) = nullptr;
};

// Not serializable: a std::function cannot be written to disk.
struct WithCallback {
  std::function<int()> callback;
};

}  // namespace

TEST_CASE("store: put, get, contains and erase") {
  Store store({});
  const DataKey a{1, 0};
  const DataKey b{1, 1};
  const DataKey other_run{2, 0};
  CHECK(store.get(a) == nullptr);
  CHECK_FALSE(store.contains(a));

  store.put(a, shared(Value(42)));
  store.put(b, shared(Value(std::string("forty-three"))));
  CHECK(store.contains(a));
  CHECK(store.contains(b));
  CHECK_FALSE(store.contains(other_run));
  CHECK(store.size() == 2);
  CHECK(store.get(a)->get<int>() == 42);
  CHECK(store.get(b)->get<std::string>() == "forty-three");
  CHECK(store.get(a) == store.get(a));  // the same result, not a copy

  store.put(a, shared(Value(7)));  // replaces
  CHECK(store.get(a)->get<int>() == 7);
  CHECK(store.size() == 2);

  store.erase(a);
  CHECK_FALSE(store.contains(a));
  CHECK(store.get(a) == nullptr);
  store.erase(a);  // absent: no-op
  store.erase(other_run);
  CHECK(store.size() == 1);
  CHECK_THROWS_AS(store.put(a, nullptr), tessera::Error);
}

TEST_CASE("store: memory accounting follows puts, replacements and erases") {
  Store store({});
  CHECK(store.memory_bytes() == 0);
  const auto small = shared(Value(1));
  const auto big = shared(Value(samples(1000, 0)));
  const auto text = shared(Value(std::string(500, 'x')));
  store.put({1, 1}, small);
  store.put({1, 2}, big);
  CHECK(store.memory_bytes() == small->bytes() + big->bytes());
  CHECK(big->bytes() >= 8000);
  store.put({1, 2}, text);  // replacing counts the new value only
  CHECK(store.memory_bytes() == small->bytes() + text->bytes());
  store.erase({1, 1});
  CHECK(store.memory_bytes() == text->bytes());
  store.erase({1, 2});
  CHECK(store.memory_bytes() == 0);
  CHECK(store.spilled_bytes() == 0);
  CHECK(store.spill_count() == 0);
  CHECK_FALSE(store.paused());  // no limit: never paused
}

TEST_CASE("store: results beyond the memory limit spill to disk and come back identical") {
  TempDir temp;
  const StoreLimits limits{.memory_limit = mib, .spill_directory = temp.path().string()};
  Store store(limits);
  CHECK(store.limits().memory_limit == mib);
  const std::size_t count = 64 * kib / sizeof(double);
  for (std::uint32_t task = 0; task < 40; ++task) {
    store.put({3, task}, shared(Value(samples(count, task))));
    CHECK(store.memory_bytes() <= static_cast<std::size_t>(limits.spill_fraction * mib));
  }
  CHECK(store.size() == 40);
  CHECK(store.spill_count() > 0);
  CHECK(store.spilled_bytes() >= store.spill_count() * 64 * kib);
  CHECK(spill_file_size(store).size >= store.spilled_bytes());
  CHECK(fs::is_empty(temp.path()));  // the spill file has no name

  for (std::uint32_t task = 0; task < 40; ++task) {
    const auto value = store.get({3, task});
    REQUIRE(value != nullptr);
    CHECK(value->get<std::vector<double>>() == samples(count, task));
    CHECK(store.memory_bytes() <= static_cast<std::size_t>(limits.spill_fraction * mib) +
                                      value->bytes());  // only the value held here is over
  }
  CHECK(store.size() == 40);

  REQUIRE(store.spilled_bytes() > 0);  // reading back spilled others

  SECTION("erasing the spilled results gives all their disk space back") {
    for (std::uint32_t task = 0; task < 40; ++task) store.erase({3, task});
    CHECK(store.size() == 0);
    CHECK(store.spilled_bytes() == 0);
    CHECK(store.memory_bytes() == 0);
    CHECK(spill_file_size(store).size == 0);
    CHECK(spill_file_size(store).allocated == 0);
  }
  SECTION("replacing the spilled results gives all their disk space back") {
    for (std::uint32_t task = 0; task < 40; ++task) store.put({3, task}, shared(Value(0)));
    CHECK(store.spilled_bytes() == 0);
    CHECK(spill_file_size(store).size == 0);
    CHECK(store.get({3, 0})->get<int>() == 0);
  }
}

TEST_CASE("store: the least recently used result spills first") {
  TempDir temp;
  const auto value = [] { return shared(Value(samples(1000, 1))); };
  const std::size_t bytes = value()->bytes();
  // Room for two results below the spill threshold, not three.
  Store store(
      {.memory_limit = 2 * bytes, .spill_fraction = 1.0, .spill_directory = temp.path().string()});
  store.put({1, 0}, value());
  store.put({1, 1}, value());
  (void)store.get({1, 0});  // now {1, 1} is the least recently used
  store.put({1, 2}, value());
  CHECK(store.spill_count() == 1);
  (void)store.get({1, 0});  // in memory: nothing moves
  CHECK(store.spill_count() == 1);
  (void)store.get({1, 1});  // read back: pushes out the least recently used, {1, 2}
  CHECK(store.spill_count() == 2);
  (void)store.get({1, 0});
  CHECK(store.spill_count() == 2);
}

TEST_CASE("store: a result in use is not spilled") {
  TempDir temp;
  Store store({.memory_limit = 256 * kib, .spill_directory = temp.path().string()});
  store.put({1, 0}, shared(Value(samples(8 * kib, 0))));
  const auto held = store.get({1, 0});
  for (std::uint32_t task = 1; task < 20; ++task) {
    store.put({1, task}, shared(Value(samples(8 * kib, task))));
  }
  CHECK(store.spill_count() == 18);  // all but the newest and the one held
  CHECK(store.get({1, 0}) == held);  // never left memory
  CHECK(store.memory_bytes() >= held->bytes());

  SECTION("everything in use: over the limit, nothing spills") {
    std::vector<std::shared_ptr<const Value>> users;
    for (std::uint32_t task = 0; task < 20; ++task) users.push_back(store.get({1, task}));
    const auto spilled = store.spill_count();
    store.put({1, 99}, users.back());  // the same value under another key: in use
    CHECK(store.spill_count() == spilled);
    CHECK(store.memory_bytes() > store.limits().memory_limit);
    CHECK(store.paused());
  }
}

TEST_CASE("store: a result that cannot be serialized stays in memory and logs an event") {
  TempDir temp;
  Store store({.memory_limit = 1, .spill_directory = temp.path().string()});
  const auto count_events = [] {
    std::size_t found = 0;
    for (const auto& event : tessera::get_events("memory")) {
      if (contains(event.message, "run 77, task 5") && contains(event.message, "WithCallback")) {
        ++found;
      }
    }
    return found;
  };
  const auto before = count_events();
  store.put({77, 5}, shared(Value(WithCallback{[] { return 5; }})));
  CHECK(count_events() == before + 1);
  store.put({77, 6}, shared(Value(6)));  // spills the int, does not log the callback again
  store.put({77, 7}, shared(Value(7)));
  CHECK(count_events() == before + 1);
  CHECK(store.spill_count() == 2);
  CHECK(store.get({77, 5})->get<WithCallback>().callback() == 5);
  CHECK(store.get({77, 6})->get<int>() == 6);
}

TEST_CASE("store: paused() is true above pause_fraction of the limit") {
  const auto value = shared(Value(samples(1000, 0)));
  const std::size_t bytes = value->bytes();
  Store store({.memory_limit = 10 * bytes, .spill_fraction = 1.0, .pause_fraction = 0.5});
  for (std::uint32_t task = 0; task < 5; ++task) store.put({1, task}, value);
  CHECK(store.memory_bytes() == 5 * bytes);
  CHECK_FALSE(store.paused());  // at the threshold, not above
  store.put({1, 5}, shared(Value(1)));
  CHECK(store.paused());
  store.erase({1, 0});
  CHECK_FALSE(store.paused());
}

TEST_CASE("store: a spill directory that cannot be written drops the result with an IoError") {
  TempDir temp;
  const fs::path file = temp.path() / "a-file";
  std::ofstream(file) << "not a directory";
  const fs::path bad = file / "spill";
  Store store({.memory_limit = kib, .spill_directory = bad.string()});
  store.put({1, 0}, shared(Value(samples(1000, 2))));  // does not throw: nobody else to blame
  CHECK(store.contains({1, 0}));
  CHECK(store.spill_count() == 0);
  CHECK(store.memory_bytes() == 0);  // freed: it could neither stay nor go to disk
  const auto lost = store.take_lost();
  REQUIRE(lost.size() == 1);
  CHECK(lost[0].key == DataKey{1, 0});
  CHECK(contains(lost[0].message, bad.string()));
  CHECK(contains(lost[0].message, "ot a directory"));
  CHECK(store.take_lost().empty());
  try {
    (void)store.get({1, 0});
    FAIL("no IoError");
  } catch (const tessera::IoError& error) {
    CHECK(contains(error.what(), bad.string()));
  }
  CHECK_THROWS_AS(store.open_spill_directory(), tessera::IoError);
}

TEST_CASE("store: with the disk full, the results beyond the pause threshold are dropped") {
  TempDir temp;
  const auto value = shared(Value(samples(8 * kib, 0)));  // 64 KiB
  const std::size_t bytes = value->bytes();
  Store store({.memory_limit = 10 * bytes, .spill_directory = temp.path().string()});
  store.put({1, 0}, shared(Value(samples(8 * kib, 0))));
  const auto held = store.get({1, 0});  // in use: never dropped
  {
    FileSizeLimit full(4 * kib);  // every spill file fails with EFBIG
    for (std::uint32_t task = 1; task < 12; ++task) {
      store.put({1, task}, shared(Value(samples(8 * kib, task))));
    }
  }
  CHECK(store.spill_count() == 0);
  CHECK(store.spilled_bytes() == 0);
  CHECK(spill_file_size(store).size == 0);  // what failed to be written was given back
  CHECK(fs::is_empty(temp.path()));
  CHECK_FALSE(store.paused());  // no worker stays paused on memory it cannot free
  CHECK(store.memory_bytes() <= 8 * bytes);
  const auto lost = store.take_lost();
  REQUIRE(lost.size() == 12 - 8);
  CHECK(lost.front().key == DataKey{1, 1});  // least recently used first
  for (const auto& result : lost) {
    CHECK(contains(result.message, "the spill file of process " + std::to_string(::getpid()) +
                                       " in " + temp.path().string() + ":"));
    CHECK(contains(result.message, "File too large"));
    CHECK_THROWS_AS(store.get(result.key), tessera::IoError);
  }
  CHECK(store.get({1, 0}) == held);
  CHECK(store.get({1, 11})->get<std::vector<double>>() == samples(8 * kib, 11));

  SECTION("once the disk has room again, results spill as before") {
    for (std::uint32_t task = 20; task < 24; ++task) {
      store.put({1, task}, shared(Value(samples(8 * kib, task))));
    }
    CHECK(store.spill_count() > 0);
    CHECK(store.take_lost().empty());
    CHECK(store.get({1, 7})->get<std::vector<double>>() == samples(8 * kib, 7));
  }
}

TEST_CASE("store: open_spill_directory opens and checks the spill file, or names why not") {
  TempDir temp;
  SECTION("a writable directory") {
    Store store({.memory_limit = mib, .spill_directory = temp.path().string()});
    CHECK(store.spill_file() == -1);
    store.open_spill_directory();
    REQUIRE(store.spill_file() >= 0);
    CHECK(fs::is_empty(temp.path()));
    CHECK(spill_file_size(store).size == 0);  // the probe record is gone
    CHECK(contains(fd_target(store.spill_file()), temp.path().string() + "/"));
    CHECK(contains(fd_target(store.spill_file()), "(deleted)"));
  }
  SECTION("a missing directory") {
    const auto bad = (temp.path() / "a" / "b").string();
    Store store({.memory_limit = mib, .spill_directory = bad});
    try {
      store.open_spill_directory();
      FAIL("no IoError");
    } catch (const tessera::IoError& error) {
      CHECK(contains(error.what(), "spill directory " + bad + ": No such file or directory"));
    }
  }
  SECTION("a path through a regular file") {
    std::ofstream(temp.path() / "file") << "x";
    const auto bad = (temp.path() / "file" / "spill").string();
    Store store({.memory_limit = mib, .spill_directory = bad});
    try {
      store.open_spill_directory();
      FAIL("no IoError");
    } catch (const tessera::IoError& error) {
      CHECK(contains(error.what(), "spill directory " + bad + ": Not a directory"));
    }
  }
  SECTION("a file system without files (/proc: no O_TMPFILE, and no named file either)") {
    Store store({.memory_limit = mib, .spill_directory = "/proc"});
    try {
      store.open_spill_directory();
      FAIL("no IoError");
    } catch (const tessera::IoError& error) {
      CHECK(contains(error.what(), "spill directory /proc: "));
    }
  }
  SECTION("a read-only file system") {
    const fs::path mount_point = temp.path() / "ro";
    fs::create_directories(mount_point);
    if (::mount("tessera-test", mount_point.c_str(), "tmpfs", MS_RDONLY, "size=64k") != 0) {
      if (::geteuid() == 0) {
        WARN("skipped: cannot mount a read-only tmpfs here (" << std::strerror(errno) << ")");
        return;
      }
      ::chmod(mount_point.c_str(), 0555);  // without root, permissions make it read-only
    }
    struct Unmount {
      fs::path path;
      ~Unmount() { ::umount(path.c_str()); }
    } unmount{mount_point};
    Store store({.memory_limit = mib, .spill_directory = mount_point.string()});
    try {
      store.open_spill_directory();
      FAIL("no IoError");
    } catch (const tessera::IoError& error) {
      CHECK(contains(error.what(), "spill directory " + mount_point.string() + ": "));
      CHECK((contains(error.what(), "Read-only file system") ||
             contains(error.what(), "Permission denied")));
    }
  }
}

TEST_CASE("store: a spill file has no name on disk, also where O_TMPFILE is not supported") {
  TempDir temp;
  for (const bool anonymous : {true, false}) {
    INFO((anonymous ? "O_TMPFILE" : "a named file unlinked at once"));
    const int fd = tessera::detail::open_spill_file(temp.path().string(), anonymous);
    REQUIRE(fd >= 0);
    struct stat status {};
    REQUIRE(::fstat(fd, &status) == 0);
    CHECK(status.st_nlink == 0);
    CHECK(fs::is_empty(temp.path()));
    const std::string target = fd_target(fd);
    CHECK(contains(target, temp.path().string() + "/"));
    CHECK(contains(target, "(deleted)"));
    if (!anonymous) {
      CHECK(contains(target, "/tessera-spill-" + host() + "-" + std::to_string(::getpid()) + "-"));
    }
    CHECK(::pwrite(fd, "spill", 5, 4096) == 5);
    char back[5] = {};
    CHECK(::pread(fd, back, 5, 4096) == 5);
    CHECK(std::string(back, 5) == "spill");
    ::close(fd);
  }
  CHECK(fs::is_empty(temp.path()));
}

TEST_CASE("store: the space of results read back or erased is reused, and the file stays small") {
  TempDir temp;
  const std::size_t count = mib / sizeof(double);  // 1 MiB results: each spills at once
  Store store({.memory_limit = mib, .spill_directory = temp.path().string()});
  const auto put = [&](std::uint32_t task) {
    store.put({1, task}, shared(Value(samples(count, task))));
    REQUIRE(store.spill_record({1, task}).has_value());
  };

  SECTION("100 results spilled one after another, each erased two later") {
    std::uint64_t largest = 0;
    for (std::uint32_t task = 0; task < 100; ++task) {
      put(task);
      if (task >= 2) store.erase({1, task - 2});
      largest = std::max(largest, spill_file_size(store).allocated);
      CHECK(spill_file_size(store).size <= 3 * (mib + 8 * kib));
    }
    CHECK(store.spill_count() == 100);
    CHECK(largest <= 3 * (mib + 8 * kib));  // three records, not a hundred
    CHECK(store.spilled_bytes() < 2 * (mib + kib));
    CHECK(store.get({1, 98})->get<std::vector<double>>() == samples(count, 98));
    CHECK(store.get({1, 99})->get<std::vector<double>>() == samples(count, 99));
  }
  SECTION("a hole in the middle gives its blocks back, and the next result fills it") {
    for (std::uint32_t task = 0; task < 4; ++task) put(task);
    const auto before = spill_file_size(store);
    const auto hole = *store.spill_record({1, 1});
    store.erase({1, 1});
    const auto after = spill_file_size(store);
    CHECK(after.size == before.size);
    CHECK(after.allocated + mib <= before.allocated);  // punched out
    put(4);
    CHECK(store.spill_record({1, 4})->first == hole.first);
    CHECK(spill_file_size(store).size == before.size);

    // Two neighbours freed make one extent that holds a result twice their size.
    store.erase({1, 2});
    store.erase({1, 4});
    store.put({1, 5}, shared(Value(samples(2 * count, 5))));
    REQUIRE(store.spill_record({1, 5}).has_value());
    CHECK(store.spill_record({1, 5})->first == hole.first);
    CHECK(spill_file_size(store).size == before.size);
    // The neighbours of what was freed and punched are intact.
    CHECK(store.get({1, 0})->get<std::vector<double>>() == samples(count, 0));
    CHECK(store.get({1, 3})->get<std::vector<double>>() == samples(count, 3));
    CHECK(store.get({1, 5})->get<std::vector<double>>() == samples(2 * count, 5));
  }
}

TEST_CASE("store: a spilled record that was overwritten or truncated is an IoError naming it") {
  TempDir temp;
  Store store({.memory_limit = kib, .spill_directory = temp.path().string()});
  store.put({1, 0}, shared(Value(samples(1000, 3))));
  REQUIRE(store.spill_count() == 1);
  const auto [offset, length] = *store.spill_record({1, 0});
  const int fd = store.spill_file();
  std::string why;

  SECTION("its magic overwritten") {
    REQUIRE(::pwrite(fd, "garbage!", 8, static_cast<off_t>(offset)) == 8);
    why = "not a tessera spill record";
  }
  SECTION("its header length overwritten") {
    const std::uint64_t huge = std::uint64_t{1} << 40;
    REQUIRE(::pwrite(fd, &huge, sizeof huge, static_cast<off_t>(offset + 8)) == 8);
    why = "truncated";
  }
  SECTION("the file truncated") {
    REQUIRE(::ftruncate(fd, static_cast<off_t>(offset + length - 10)) == 0);
    why = "truncated";
  }
  try {
    (void)store.get({1, 0});
    FAIL("no IoError");
  } catch (const tessera::IoError& error) {
    CHECK(contains(error.what(), "result (run 1, task 0)"));
    CHECK(contains(error.what(), "the spill file of process " + std::to_string(::getpid()) +
                                     " in " + temp.path().string()));
    CHECK(contains(error.what(), why));
  }
  CHECK(store.contains({1, 0}));
  store.erase({1, 0});
  CHECK(store.spilled_bytes() == 0);
  CHECK(spill_file_size(store).size == 0);
}

TEST_CASE("store: a Buffer round-trips through a spill file") {
  TempDir temp;
  Store store({.memory_limit = kib, .spill_directory = temp.path().string()});
  const std::size_t size = 200 * kib + 3;
  tessera::Buffer buffer = tessera::Buffer::allocate(size);
  for (std::size_t i = 0; i < size; ++i) buffer.data()[i] = static_cast<std::byte>(i * 7 % 251);
  store.put({1, 0}, shared(Value(buffer)));
  REQUIRE(store.spill_count() == 1);
  const auto back = store.get({1, 0});
  const auto& read = back->get<tessera::Buffer>();
  REQUIRE(read.size() == size);
  CHECK(read.data() != buffer.data());
  CHECK(std::equal(read.data(), read.data() + size, buffer.data()));
}

TEST_CASE("store: threads putting and getting at once all get their own values back") {
  TempDir temp;
  Store store({.memory_limit = 512 * kib, .spill_directory = temp.path().string()});
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (std::uint64_t run = 0; run < 4; ++run) {
    threads.emplace_back([&, run] {
      for (std::uint32_t task = 0; task < 50; ++task) {
        store.put({run, task}, shared(Value(samples(2 * kib, run * 100.0 + task))));
      }
      for (std::uint32_t task = 0; task < 50; ++task) {
        const auto value = store.get({run, task});
        if (!value || value->get<std::vector<double>>() != samples(2 * kib, run * 100.0 + task)) {
          ++wrong;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(wrong == 0);
  CHECK(store.size() == 200);
  CHECK(store.spill_count() > 0);
}

TEST_CASE("store: a million small results without a limit") {
  Store store({});
  const std::uint32_t count = 1'000'000;
  const auto one = shared(Value(1));
  for (std::uint32_t task = 0; task < count; ++task) store.put({task % 7, task}, one);
  CHECK(store.size() == count);
  CHECK(store.memory_bytes() == count * one->bytes());
  CHECK(store.get({5, 5})->get<int>() == 1);
  for (std::uint32_t task = 0; task < count; ++task) store.erase({task % 7, task});
  CHECK(store.size() == 0);
  CHECK(store.memory_bytes() == 0);
}
