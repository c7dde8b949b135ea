// The dashboard's per-task bookkeeping on its own: prefix labels guessed from a task's code
// against those read from its key, durations bucketed in ticks against the rule in seconds,
// and a thread's tally kept in ticks but read in seconds. Then a run with chosen keys,
// counted through the dashboard's metrics.

#include <catch2/catch.hpp>
#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "diagnostics/duration_histogram.hpp"
#include "diagnostics/metrics_sources.hpp"
#include "diagnostics/prefix_labeller.hpp"
#include "diagnostics/task_prefix.hpp"
#include "diagnostics/task_tally.hpp"
#include "support/ticks.hpp"
#include "tessera/client.hpp"
#include "tessera/config.hpp"
#include "tessera/delayed.hpp"
#include "tessera/task.hpp"
#include "test_support.hpp"

namespace {

using tessera::detail::duration_bounds;
using tessera::detail::DurationHistogram;
using tessera::detail::PrefixLabeller;
using tessera::detail::PrefixTable;
using tessera::detail::TaskSpan;
using tessera::detail::TaskTally;
using tessera::detail::TickBounds;
using tessera::detail::TickClock;

long tally_inc(long x) { return x + 1; }
long tally_add(long a, long b) { return a + b; }
TESSERA_TASK(tally_inc);
TESSERA_TASK(tally_add);

// Labels `tasks` (key, code) with a labeller and with a table of its own, key by key: both
// intern prefixes in the order first seen, so equal labels give equal ids.
void check_same_labels(const std::vector<std::pair<std::string, const void*>>& tasks) {
  PrefixTable guessed_table;
  PrefixLabeller labeller(guessed_table);
  PrefixTable read_table;
  for (const auto& [key, code] : tasks) {
    INFO("key \"" << key << "\"");
    CHECK(labeller.id_of_key(key, code) == read_table.id_of_key(key));
  }
  CHECK(guessed_table.size() == read_table.size());
}

}  // namespace

TEST_CASE("prefix labels guessed from a task's code equal those read from its key") {
  const int inc = 0, add = 0, block = 0;  // three tasks' codes
  SECTION("keys made from the function's name, and keys chosen apart from it") {
    check_same_labels({
        {"tally_inc-1000", &inc},
        {"tally_inc-1001", &inc},
        {"tally_add-1002", &add},
        {"tally_inc-1003", &inc},
        {"tally_add-1004", &add},
        {"tally_inc-100a", &inc},
        {"total", &inc},
        {"chosen-key-1", &inc},
        {"tally_inc", &inc},
        {"tally_incr-12345678", &inc},
        {"tally_in-12345678", &inc},
        {"tally_inc,(1,2)", &inc},
        {"tally_inc-1005", &inc},
        {"tally_inc", &inc},
        {"x-1", &add},
        {"x-12345678", &add},
        {"x-12345679", &add},
        {"x,(0,1)", &add},
        {"y-12345678", &add},
        {"-1f2a3b4c5d", &add},
        {"-99999999", nullptr},
        {"busy_inc-1", &inc},
        {"busy_inc-2", &inc},
        {"busy_inc,1", &inc},
        {"busy_inc", &inc},
        {"busy_inc-", &inc},
        {"busy_inc-3", nullptr},
        {"fifteen_letters-1", &inc},
        {"fifteen_letters-2", &inc},
        {"fifteen_letterz-2", &inc},
        {"fifteenXletters-3", &inc},
        {"sixteen_letters_-1", &inc},
        {"sixteen_letters_-2", &inc},
        {"a_name_longer_than_sixteen-1", &inc},
        {"a_name_longer_than_sixteen-2", &inc},
        {"a_name_longer_than_sixteeN-2", &inc},
    });
  }
  SECTION("a collection's code, whose block keys take turns between layers") {
    std::vector<std::pair<std::string, const void*>> tasks;
    for (int i = 0; i < 40; ++i) {
      const auto index = ",(" + std::to_string(i) + ")";
      tasks.emplace_back("array-values-1f2e" + index, &block);
      tasks.emplace_back("add-1f2f" + index, &block);
      tasks.emplace_back("sum-partial-1f30" + index, &block);
      tasks.emplace_back("sum-1f31" + index, &block);
    }
    check_same_labels(tasks);
  }
  SECTION("random keys, with any code") {
    std::mt19937 random(17);
    const std::string letters = "ab-,";
    std::vector<std::pair<std::string, const void*>> tasks;
    const void* codes[] = {&inc, &add, &block, nullptr};
    for (int i = 0; i < 20000; ++i) {
      std::string key;
      const auto length = random() % 21;
      for (std::size_t c = 0; c < length; ++c) key += letters[random() % letters.size()];
      tasks.emplace_back(std::move(key), codes[random() % 4]);
    }
    check_same_labels(tasks);
  }
}

TEST_CASE("a duration in ticks goes to the bucket its length in seconds goes to") {
  const TickClock clock;
  for (const double seconds_per_tick :
       {1e-9, 1.0 / 3e9, 1.0 / 2.1e9, 0.37e-9, 3.3e-10, clock.seconds_per_tick()}) {
    INFO("seconds per tick " << seconds_per_tick);
    const TickBounds bounds(seconds_per_tick);
    const auto rule = [&](std::uint64_t ticks) {
      return DurationHistogram::bucket_of(static_cast<double>(ticks) * seconds_per_tick);
    };
    for (std::size_t b = 0; b < duration_bounds.size(); ++b) {
      const auto most = bounds.most(b);
      CHECK(rule(most) == b);  // the edges: the last tick within, the first above
      CHECK(rule(most + 1) == b + 1);
      for (std::uint64_t ticks = most > 3 ? most - 3 : 0; ticks <= most + 3; ++ticks) {
        CHECK(bounds.bucket_of(ticks) == rule(ticks));
      }
    }
    std::mt19937_64 random(5);
    for (int i = 0; i < 2000; ++i) {
      const std::uint64_t ticks = random() >> (random() % 64);
      CHECK(bounds.bucket_of(ticks) == rule(ticks));
    }
  }
  // Before real bounds are set, everything counts as short.
  CHECK(TickBounds().bucket_of(~std::uint64_t{0}) == 0);
}

TEST_CASE("a thread's tally keeps ticks and shows seconds") {
  const TickClock clock;
  const TickBounds bounds(clock.seconds_per_tick());
  auto tally = std::make_unique<TaskTally>();
  const auto micro = static_cast<std::uint64_t>(1e-6 / clock.seconds_per_tick());
  const std::uint64_t start = tessera::detail::ticks();

  tally->started(70);  // beyond the prefixes counted apart: under the last
  CHECK(tally->running());
  CHECK(tally->running_prefix() == TaskTally::max_prefixes - 1);
  tally->finished(70, start, start + 50 * micro, bounds);  // 50 us
  CHECK_FALSE(tally->running());
  tally->started(2);
  tally->finished(2, start + 60 * micro, start + 62 * micro, bounds);  // 2 us
  tally->started(2);
  tally->finished(2, start + 70 * micro, start + 69 * micro, bounds);  // clocks apart: none
  tally->started(3);
  tally->failed(3);
  CHECK_FALSE(tally->running());

  CHECK(tally->finished_count() == 3);
  CHECK(tally->failed_count() == 1);
  CHECK(tally->done_count(2) == 2);
  CHECK(tally->done_count(TaskTally::max_prefixes - 1) == 1);
  CHECK(tally->failed_count(3) == 1);

  DurationHistogram histogram;
  tally->add_to(histogram, clock);
  CHECK(histogram.buckets[0] == 1);  // the one that took no time
  CHECK(histogram.buckets[1] == 1);
  CHECK(histogram.buckets[2] == 1);
  CHECK(histogram.sum == Approx(52e-6).epsilon(0.01));

  std::vector<TaskSpan> spans;
  tally->spans_since(0.0, clock, [&](const TaskSpan& span) { spans.push_back(span); });
  REQUIRE(spans.size() == 3);
  CHECK(spans[0].prefix == 70);  // the span keeps the prefix's own id, for its name
  CHECK(spans[0].start == Approx(clock.seconds(start)).margin(1e-9));
  CHECK(spans[0].stop - spans[0].start == Approx(50e-6).epsilon(0.01));
  CHECK(spans[1].prefix == 2);
  // Only those that stopped after the time asked.
  spans.clear();
  tally->spans_since(clock.seconds(start + 55 * micro), clock,
                     [&](const TaskSpan& span) { spans.push_back(span); });
  CHECK(spans.size() == 2);
}

TEST_CASE("a task with a chosen key is counted under its key's prefix, not its function's") {
  tessera_test::ConfigReset reset;
  tessera::config::set("dashboard_address", "127.0.0.1:0");
  auto client = tessera_test::make_client("threads", 2);
  std::vector<tessera::Delayed<long>> level;
  for (long i = 0; i < 6; ++i) level.push_back(tessera::delayed(tally_inc)(i));
  level.push_back(tessera::delayed(tally_inc, {.key = "chosen-1"})(10L));
  level.push_back(tessera::delayed(tally_inc, {.key = "tally_incr-2"})(20L));
  level.push_back(tessera::delayed(tally_inc, {.key = "tally_inc,(3)"})(30L));
  while (level.size() > 1) {
    auto last = level.back();
    level.pop_back();
    level.back() = tessera::delayed(tally_add)(level.back(), last);
  }
  CHECK(client.compute(level.front()).result() == 6 * 7 / 2 + 63);

  const auto snapshot = tessera::detail::collect_metrics();
  const auto done = [&](const std::string& prefix) {
    const auto found = snapshot.prefixes.find(prefix);
    return found == snapshot.prefixes.end() ? std::uint64_t{0} : found->second.done;
  };
  CHECK(done("tally_inc") == 7);  // six made from its name, one chosen with its prefix
  CHECK(done("chosen") == 1);
  CHECK(done("tally_incr") == 1);
  CHECK(done("tally_add") == 8);
  CHECK(snapshot.tasks_completed == 17);
}
