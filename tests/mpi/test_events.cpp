// Observability under mpirun: events logged in tasks and the task stream reach rank 0,
// saying which worker rank and thread did the work.
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <map>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "support.hpp"
#include "tessera/tessera.hpp"

using namespace mpi_test;

using namespace std::chrono_literals;

namespace {

void events_log(std::string topic, int x) {
  tessera::log_event(topic,
                     "from " + std::to_string(tessera::this_rank()) + ": " + std::to_string(x));
}
TESSERA_TASK(events_log);

int events_inc(int x) { return x + 1; }
TESSERA_TASK(events_inc);

// The rank in "worker rank N thread T", or -1.
int rank_in(const std::string& worker) {
  static const std::regex pattern("worker rank ([0-9]+) thread ([0-9]+)");
  std::smatch match;
  return std::regex_match(worker, match, pattern) ? std::stoi(match[1]) : -1;
}

}  // namespace

TEST_CASE("mpi: events logged in tasks reach rank 0 with the rank and thread that logged them") {
  auto client = tessera::get_client();
  const auto topic = tessera::unique_key("events-topic");
  const double before = tessera::wall_time();
  std::vector<tessera::Future<void>> logged;
  for (int rank = 1; rank < ranks(); ++rank) {
    for (int i = 0; i < 3; ++i) {
      logged.push_back(
          client.submit(tessera::TaskOptions{.workers = {rank}}, events_log, topic, 10 * rank + i));
    }
  }
  for (auto& f : logged) f.result();  // void results come back too
  const auto expected = static_cast<std::size_t>(3 * (ranks() - 1));
  auto events = events_of(topic, expected);
  REQUIRE(events.size() == expected);
  std::map<int, int> per_rank;
  for (const auto& event : events) {
    INFO(event.source << ": " << event.message);
    CHECK(event.topic == topic);
    const int rank = rank_in(event.source);
    REQUIRE(rank >= 1);
    CHECK(rank < ranks());
    // "from R: X" with X = 10 R + i: logged by the task pinned to R.
    const auto prefix = "from " + std::to_string(rank) + ": ";
    REQUIRE(event.message.rfind(prefix, 0) == 0);
    CHECK(std::stoi(event.message.substr(prefix.size())) / 10 == rank);
    CHECK(event.time >= before - 1.0);  // clocks of one node agree to well within a second
    CHECK(event.time <= tessera::wall_time() + 1.0);
    ++per_rank[rank];
  }
  for (int rank = 1; rank < ranks(); ++rank) CHECK(per_rank[rank] == 3);
  // Events logged on rank 0 outside tasks say "client".
  tessera::log_event(topic, "from the client");
  events = tessera::get_events(topic);
  REQUIRE(events.size() == expected + 1);
  CHECK(events.back().source == "client");
}

TEST_CASE("mpi: the task stream lists tasks run on workers with their rank and thread") {
  auto client = tessera::get_client();
  std::map<tessera::Key, int> pinned;  // key -> rank it was pinned to
  std::vector<tessera::Future<int>> futures;
  const double before = tessera::wall_time();
  for (int rank = 1; rank < ranks(); ++rank) {
    for (int i = 0; i < 4; ++i) {
      const auto key = tessera::unique_key("events-stream");
      pinned[key] = rank;
      futures.push_back(
          client.submit(tessera::TaskOptions{.key = key, .workers = {rank}}, events_inc, i));
    }
  }
  client.gather(futures);
  std::map<tessera::Key, int> seen;
  for (const auto& record : client.task_stream()) {
    auto found = pinned.find(record.key);
    if (found == pinned.end()) continue;
    INFO(record.key << " on " << record.worker);
    ++seen[record.key];
    CHECK(rank_in(record.worker) == found->second);
    CHECK(record.start <= record.stop);
    CHECK(record.start >= before - 1.0);
  }
  CHECK(seen.size() == pinned.size());
  for (const auto& [key, count] : seen) CHECK(count == 1);
}
