// The task stream keeps the newest records in a ring of reused slots: what it returns is what
// was added, newest last, bounded by its limit, across wrap-arounds and clears.

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "support/task_stream.hpp"  // private to tessera::core: the test reaches in

namespace {

using tessera::detail::TaskStream;

void add_tasks(TaskStream& stream, int first, int count, std::uint32_t worker) {
  std::vector<std::string> keys;
  for (int i = first; i < first + count; ++i) keys.push_back("task-" + std::to_string(i));
  std::vector<TaskStream::Entry> entries;
  for (int i = 0; i < count; ++i) {
    entries.push_back(
        {keys[static_cast<std::size_t>(i)], worker, double(first + i), double(first + i) + 0.5});
  }
  stream.add(entries);
}

std::vector<std::string> keys_of(const std::vector<tessera::TaskRecord>& records) {
  std::vector<std::string> keys;
  for (const auto& record : records) keys.push_back(record.key);
  return keys;
}

}  // namespace

TEST_CASE("the task stream returns the newest records up to its limit, oldest first") {
  TaskStream stream(4);
  const auto alice = stream.worker_id("worker rank 1 thread 0");
  const auto bob = stream.worker_id("worker rank 2 thread 0");
  CHECK(stream.worker_id("worker rank 1 thread 0") == alice);  // interned once
  CHECK(alice != bob);
  add_tasks(stream, 0, 3, alice);
  CHECK(keys_of(stream.records()) == std::vector<std::string>{"task-0", "task-1", "task-2"});
  add_tasks(stream, 3, 3, bob);  // wraps around: the two oldest go
  const auto records = stream.records();
  CHECK(keys_of(records) == std::vector<std::string>{"task-2", "task-3", "task-4", "task-5"});
  CHECK(records[0].worker == "worker rank 1 thread 0");
  CHECK(records[1].worker == "worker rank 2 thread 0");
  CHECK(records[3].start == 5.0);
  CHECK(records[3].stop == 5.5);
}

TEST_CASE("the task stream keeps only the newest of a batch larger than its limit") {
  TaskStream stream(3);
  add_tasks(stream, 0, 10, stream.worker_id("thread 0"));
  CHECK(keys_of(stream.records()) == std::vector<std::string>{"task-7", "task-8", "task-9"});
  std::uint64_t seen = 0;
  CHECK(keys_of(stream.records_after(seen, 100)).size() == 3);
  CHECK(seen == 10);
}

TEST_CASE("records_after returns what was added since, and clear empties the stream") {
  TaskStream stream(8);
  const auto worker = stream.worker_id("thread 0");
  add_tasks(stream, 0, 5, worker);
  std::uint64_t seen = 0;
  CHECK(keys_of(stream.records_after(seen, 2)) == std::vector<std::string>{"task-3", "task-4"});
  CHECK(seen == 5);
  add_tasks(stream, 5, 2, worker);
  CHECK(keys_of(stream.records_after(seen, 100)) == std::vector<std::string>{"task-5", "task-6"});
  CHECK(stream.records_after(seen, 100).empty());
  stream.clear();
  CHECK(stream.records().empty());
  CHECK(stream.records_after(seen, 100).empty());
  add_tasks(stream, 7, 1, worker);
  CHECK(keys_of(stream.records()) == std::vector<std::string>{"task-7"});
  CHECK(keys_of(stream.records_after(seen, 100)) == std::vector<std::string>{"task-7"});
}

TEST_CASE("a task stream with limit 0 keeps nothing") {
  TaskStream stream(0);
  add_tasks(stream, 0, 3, stream.worker_id("thread 0"));
  CHECK(stream.records().empty());
}

TEST_CASE("the task stream returns each key whole across many batches of keys of every length") {
  TaskStream stream(7);
  const auto worker = stream.worker_id("thread 0");
  std::vector<std::string> all;
  for (int batch = 0; batch < 40; ++batch) {
    std::vector<std::string> keys;
    for (int i = 0; i <= batch % 5; ++i) {
      keys.push_back(std::string(static_cast<std::size_t>((batch * 7 + i) % 50), 'k') + "-" +
                     std::to_string(all.size() + keys.size()));
    }
    std::vector<TaskStream::Entry> entries;
    for (const auto& key : keys) entries.push_back({key, worker, 1.0, 2.0});
    stream.add(entries);
    all.insert(all.end(), keys.begin(), keys.end());
    const auto held = std::min<std::size_t>(all.size(), 7);
    CHECK(keys_of(stream.records()) ==
          std::vector<std::string>(all.end() - static_cast<std::ptrdiff_t>(held), all.end()));
  }
}
