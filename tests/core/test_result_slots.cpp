// The slots that hold a local run's results: a slot released is the next one its worker
// takes, no two live results share one, and what they hold is destroyed when released.

#include <catch2/catch.hpp>
#include <cstdint>
#include <memory>
#include <set>
#include <thread>
#include <vector>

#include "local/result_slots.hpp"

using tessera::Value;
using tessera::detail::ResultSlots;

TEST_CASE("a released slot is the next one its worker takes") {
  ResultSlots slots(10, 2);
  Value& first = slots.take(0, 0);
  first = std::int64_t{7};
  CHECK(slots[0].get<std::int64_t>() == 7);
  slots.release(0, 0);
  CHECK_FALSE(first.has_value());
  Value& again = slots.take(1, 0);
  CHECK(&again == &first);
  CHECK(slots.slots_made() == 1);
  // Another worker does not take it: each worker reuses the slots it released itself.
  Value& other = slots.take(2, 1);
  CHECK(&other != &first);
  CHECK(slots.slots_made() == 2);
}

TEST_CASE("live results never share a slot, across chunks of slots") {
  constexpr std::uint32_t tasks = 5000;  // several chunks of 1,024
  ResultSlots slots(tasks, 1);
  std::set<const Value*> seen;
  for (std::uint32_t t = 0; t < tasks; ++t) {
    Value& slot = slots.take(t, 0);
    CHECK_FALSE(slot.has_value());
    slot = static_cast<std::int64_t>(t);
    seen.insert(&slot);
  }
  CHECK(seen.size() == tasks);
  for (std::uint32_t t = 0; t < tasks; ++t) {
    REQUIRE(slots[t].get<std::int64_t>() == static_cast<std::int64_t>(t));
  }
}

TEST_CASE("a task that never took a slot releases nothing") {
  ResultSlots slots(4, 1);
  Value& held = slots.take(0, 0);
  held = std::int64_t{1};
  slots.release(3, 0);  // task 3 did not run (it failed first, or was skipped)
  CHECK(slots[0].get<std::int64_t>() == 1);
  // Nothing was given back: the next task gets a new slot, not task 0's.
  CHECK(&slots.take(1, 0) != &held);
}

TEST_CASE("results are destroyed when released, and those left when the slots go") {
  auto counter = std::make_shared<int>(0);
  {
    ResultSlots slots(3, 1);
    slots.take(0, 0) = counter;
    slots.take(1, 0) = counter;
    CHECK(counter.use_count() == 3);
    slots.release(0, 0);
    CHECK(counter.use_count() == 2);
  }
  CHECK(counter.use_count() == 1);
}

TEST_CASE("workers take and release slots at once, each result released by another worker") {
  // Each of two workers makes results that the other releases, as a task thread does with
  // the inputs that another thread made; a sanitizer sees any race on the slots.
  constexpr std::uint32_t per_worker = 20000;
  ResultSlots slots(2 * per_worker, 2);
  std::vector<std::thread> threads;
  for (std::uint32_t w = 0; w < 2; ++w) {
    threads.emplace_back([&slots, w] {
      for (std::uint32_t i = 0; i < per_worker; ++i) {
        const std::uint32_t task = 2 * i + w;
        slots.take(task, w) = static_cast<std::int64_t>(task);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  threads.clear();
  for (std::uint32_t w = 0; w < 2; ++w) {
    threads.emplace_back([&slots, w] {
      for (std::uint32_t i = 0; i < per_worker; ++i) {
        const std::uint32_t task = 2 * i + (1 - w);
        if (slots[task].get<std::int64_t>() != static_cast<std::int64_t>(task)) return;
        slots.release(task, w);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(slots.slots_made() == 2 * per_worker);
  // Every slot is back with a worker: the next takes reuse them.
  for (std::uint32_t t = 0; t < 10; ++t) CHECK_FALSE(slots.take(t, t % 2).has_value());
  CHECK(slots.slots_made() == 2 * per_worker);
}
