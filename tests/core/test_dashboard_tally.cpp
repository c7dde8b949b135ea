// The dashboard's per-task bookkeeping on its own: prefix labels guessed from a task's code
// against those read from its key, durations bucketed in ticks against the rule in seconds,
// and a thread's tally kept in ticks but read in seconds. Then a run with chosen keys,
// counted through the dashboard's metrics.

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "diagnostics/duration_histogram.hpp"
#include "diagnostics/local_metrics.hpp"
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

using tessera::Key;
using tessera::unique_key;
using tessera::detail::duration_bounds;
using tessera::detail::DurationHistogram;
using tessera::detail::PrefixLabeller;
using tessera::detail::PrefixTable;
using tessera::detail::TaskCode;
using tessera::detail::TaskSpan;
using tessera::detail::TaskTally;
using tessera::detail::TickBounds;
using tessera::detail::TickClock;

long tally_inc(long x) { return x + 1; }
long tally_add(long a, long b) { return a + b; }
TESSERA_TASK(tally_inc);
TESSERA_TASK(tally_add);
long tally_named(long x) { return x + 2; }
TESSERA_TASK_NAMED("tally-named", tally_named);  // its keys' prefix is "tally"

using Tasks = std::vector<std::pair<std::string, const TaskCode*>>;

TaskCode code_named(std::string_view name, bool keys_from_name) {
  TaskCode code;
  code.name = name;
  code.keys_from_name = keys_from_name;
  return code;
}

// Labels `tasks` (key, code) with a labeller and with a table of its own, key by key: both
// intern prefixes in the order first seen, so equal labels give equal ids.
void check_same_labels(const Tasks& tasks) {
  PrefixTable labelled_table;
  PrefixLabeller labeller(labelled_table);
  PrefixTable read_table;
  for (const auto& [key, code] : tasks) {
    INFO("key \"" << key << "\", code named \"" << code->name << "\"");
    CHECK(labeller.id_of_task(key, *code) == read_table.id_of_key(key));
  }
  CHECK(labelled_table.size() == read_table.size());
}

}  // namespace

TEST_CASE("prefix labels from a task's code equal those read from its key") {
  // Codes whose keys are made from their names, and codes whose keys are not.
  const TaskCode inc = code_named("tally_inc", true);
  const TaskCode inc_copy = inc;  // a generic lambda's code is copied per call
  const TaskCode dashed = code_named("tally-named", true);
  const TaskCode chosen = code_named("tally_inc", false);
  const TaskCode block = code_named("block", false);
  SECTION("keys made from the function's name, and keys chosen apart from it") {
    check_same_labels({
        {unique_key(inc.name), &inc},
        {unique_key(inc.name), &inc_copy},
        {unique_key(dashed.name), &dashed},  // prefix "tally"
        {unique_key(inc.name), &inc},
        {"tally_inc-1000", &chosen},
        {"tally_inc-1001", &chosen},
        {"total", &chosen},
        {"chosen-key-1", &chosen},
        {"tally_inc", &chosen},
        {"tally_incr-12345678", &chosen},
        {"tally_in-12345678", &chosen},
        {"tally_inc,(1,2)", &chosen},
        {unique_key(inc.name), &inc_copy},
        {"tally_inc-1005", &chosen},
        {"x-1", &block},
        {"x-12345678", &block},
        {"x-12345679", &block},
        {"x,(0,1)", &block},
        {"y-12345678", &block},
        {"-1f2a3b4c5d", &block},
        {"-99999999", &chosen},
        {"busy_inc-1", &chosen},
        {"busy_inc-2", &chosen},
        {"busy_inc,1", &chosen},
        {"busy_inc", &chosen},
        {"busy_inc-", &chosen},
        {"busy_inc-3", &block},
        {"fifteen_letters-1", &chosen},
        {"fifteen_letters-2", &chosen},
        {"fifteen_letterz-2", &chosen},
        {"fifteenXletters-3", &chosen},
        {"sixteen_letters_-1", &chosen},
        {"sixteen_letters_-2", &chosen},
        {"a_name_longer_than_sixteen-1", &chosen},
        {"a_name_longer_than_sixteen-2", &chosen},
        {"a_name_longer_than_sixteeN-2", &chosen},
        {unique_key(dashed.name), &dashed},
    });
  }
  SECTION("many functions, their names held apart, and their calls in turn") {
    std::vector<std::string> names;
    for (int f = 0; f < 24; ++f) {  // some names alike, held apart; some with a '-'
      std::string name(f % 5 == 0 ? "f-" : "f");
      name += std::to_string(f % 5 == 0 ? f : f % 12);
      names.push_back(std::move(name));
    }
    std::vector<TaskCode> codes;
    for (const auto& name : names) codes.push_back(code_named(name, true));
    Tasks tasks;
    for (int round = 0; round < 30; ++round) {
      for (std::size_t f = 0; f < codes.size(); f += 1 + round % 3) {
        tasks.emplace_back(unique_key(codes[f].name), &codes[f]);
      }
    }
    check_same_labels(tasks);
  }
  SECTION("a collection's code, whose block keys take turns between layers") {
    Tasks tasks;
    for (int i = 0; i < 40; ++i) {
      const auto index = ",(" + std::to_string(i) + ")";
      tasks.emplace_back("array-values-1f2e" + index, &block);
      tasks.emplace_back("add-1f2f" + index, &block);
      tasks.emplace_back("sum-partial-1f30" + index, &block);
      tasks.emplace_back("sum-1f31" + index, &block);
    }
    check_same_labels(tasks);
  }
  SECTION("random keys, with codes that do not make them") {
    std::mt19937 random(17);
    const std::string letters = "ab-,";
    Tasks tasks;
    const TaskCode* codes[] = {&chosen, &block};
    for (int i = 0; i < 20000; ++i) {
      std::string key;
      const auto length = random() % 21;
      for (std::size_t c = 0; c < length; ++c) key += letters[random() % letters.size()];
      tasks.emplace_back(std::move(key), codes[random() % 2]);
    }
    check_same_labels(tasks);
    // Read from the key alone, as rank 0's scheduler has keys without codes.
    PrefixTable labelled_table;
    PrefixLabeller labeller(labelled_table);
    PrefixTable read_table;
    for (const auto& task : tasks) {
      INFO("key \"" << task.first << "\"");
      CHECK(labeller.id_of_key(task.first, nullptr) == read_table.id_of_key(task.first));
    }
  }
}

TEST_CASE("a later run's code at the address of an earlier run's is labelled by its own name") {
  // Delayed functions made per call (delayed(f)(x) in a loop) free their codes with their
  // graph, and the next graph's codes take their addresses.
  tessera::detail::LocalMetrics metrics({"thread 0"}, false);
  std::optional<TaskCode> code;
  const auto submit = [&](std::string_view name) {
    code.emplace(code_named(name, true));
    const Key key = unique_key(name);
    const std::vector<const Key*> keys{&key};
    const std::vector<const TaskCode*> codes{&*code};
    return metrics.submitted(keys, codes)[0];
  };
  const auto alpha = submit("alpha");
  const auto beta = submit("beta");
  CHECK(alpha != beta);
  tessera::detail::MetricsSnapshot snapshot;
  metrics.collect(snapshot);
  CHECK(snapshot.prefixes["alpha"].total == 1);
  CHECK(snapshot.prefixes["beta"].total == 1);
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
  level.push_back(tessera::delayed(tally_inc, {.pure = true})(40L));
  level.push_back(tessera::delayed(tally_named)(50L));
  while (level.size() > 1) {
    auto last = level.back();
    level.pop_back();
    level.back() = tessera::delayed(tally_add)(level.back(), last);
  }
  CHECK(client.compute(level.front()).result() == 6 * 7 / 2 + 63 + 41 + 52);

  const auto snapshot = tessera::detail::collect_metrics();
  const auto progress = [&](const std::string& prefix) {
    const auto found = snapshot.prefixes.find(prefix);
    return found == snapshot.prefixes.end() ? tessera::detail::PrefixProgress{} : found->second;
  };
  // Six keys made from its name, a pure one, one chosen with its prefix.
  CHECK(progress("tally_inc").total == 8);
  CHECK(progress("tally_inc").done == 8);
  CHECK(progress("chosen").done == 1);
  CHECK(progress("tally_incr").done == 1);
  CHECK(progress("tally").done == 1);
  CHECK(progress("tally_add").total == 10);
  CHECK(progress("tally_add").done == 10);
  CHECK(snapshot.tasks_completed == 21);
}

TEST_CASE("prefixes past the table's most share one id, so keys without separators stay bounded") {
  PrefixTable table;
  tessera::detail::PrefixLabeller labeller(table);
  std::vector<std::uint32_t> ids;
  for (std::uint32_t t = 0; t < 3 * PrefixTable::most_prefixes; ++t) {
    char key[16];  // a graph written key by key (not "t" + to_string: GCC 12 warns wrongly)
    std::snprintf(key, sizeof key, "t%u", t);
    ids.push_back(labeller.id_of_key(key, nullptr));
  }
  CHECK(table.size() == PrefixTable::most_prefixes + 1);
  const std::uint32_t other = ids.back();
  CHECK(table.is_other(other));
  CHECK(table.name(other) == PrefixTable::other_prefixes);
  for (std::uint32_t t = 0; t < PrefixTable::most_prefixes; ++t) CHECK(ids[t] == t);
  for (std::size_t t = PrefixTable::most_prefixes; t < ids.size(); ++t) {
    REQUIRE(ids[t] == other);
  }
  // Prefixes met before the table filled keep their ids; the labeller's guesses agree.
  CHECK(labeller.id_of_key("t7-abcdefgh", nullptr) == 7);
  CHECK(table.id_of_key("t7,(1, 2)") == 7);
  CHECK(labeller.id_of_key("zz-unseen-0123", nullptr) == other);
}
