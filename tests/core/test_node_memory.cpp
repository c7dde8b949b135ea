// The memory of graph nodes that each thread keeps for the next nodes it makes: bounded per
// size, given back when the thread ends, and right whichever thread makes or releases a node.

#include <catch2/catch.hpp>
#include <cstdint>
#include <thread>
#include <vector>

#include "graph/node_memory.hpp"
#include "tessera/tessera.hpp"

namespace {

std::int64_t node_memory_next(std::int64_t x) { return x + 1; }

std::vector<tessera::Delayed<std::int64_t>> make_calls(std::int64_t count) {
  std::vector<tessera::Delayed<std::int64_t>> calls;
  calls.reserve(static_cast<std::size_t>(count));
  auto next = tessera::delayed(node_memory_next);
  for (std::int64_t i = 0; i < count; ++i) calls.push_back(next(i));
  return calls;
}

#if defined(__SANITIZE_ADDRESS__)
constexpr bool cut_from_slabs = false;  // under ASan each node is its own allocation
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool cut_from_slabs = false;
#else
constexpr bool cut_from_slabs = true;
#endif
#else
constexpr bool cut_from_slabs = true;
#endif

}  // namespace

TEST_CASE("a thread keeps at most 512 KiB of the nodes it releases of each size") {
  using tessera::detail::node_memory_kept_by_this_thread;
  using tessera::detail::node_memory_kept_per_size;
  std::size_t kept_fresh = 1, kept_after_release = 0, kept_after_reuse = 0;
  std::thread thread([&] {
    kept_fresh = node_memory_kept_by_this_thread();
    auto calls = make_calls(100000);  // about 11 MB of nodes of one size
    calls.clear();
    kept_after_release = node_memory_kept_by_this_thread();
    auto again = make_calls(1000);
    kept_after_reuse = node_memory_kept_by_this_thread();
  });
  thread.join();
  CHECK(kept_fresh == 0);
  // As many nodes as fit in 512 KiB (a node is at most 512 bytes): the rest went back.
  CHECK(kept_after_release <= node_memory_kept_per_size);
  CHECK(kept_after_release + 512 > node_memory_kept_per_size);
  // The next nodes of that size take kept memory: 1,000 of them, all of one size.
  CHECK(kept_after_reuse < kept_after_release);
  CHECK((kept_after_release - kept_after_reuse) % 1000 == 0);
  CHECK((kept_after_release - kept_after_reuse) / 1000 >= sizeof(tessera::detail::NodeOf<1>));
}

TEST_CASE("the slabs nodes are cut from go back once their nodes do") {
  using tessera::detail::node_slabs_held;
  const std::size_t before = node_slabs_held();
  std::size_t while_held = 0, after_release = 0;
  std::thread thread([&] {
    auto calls = make_calls(100000);  // about 11 MB of nodes
    while_held = node_slabs_held();
    calls.clear();
    after_release = node_slabs_held();
  });
  thread.join();
  if (cut_from_slabs) {
    CHECK(while_held >= before + 100000 * sizeof(tessera::detail::NodeOf<1>) / (16 << 10));
  }
  // What the thread kept (512 KiB of that size) holds a few dozen slabs; at its end, none.
  CHECK(after_release <= before + 64);
  CHECK(node_slabs_held() == before);
}

TEST_CASE("nodes made on one thread and released on another go to the other's memory") {
  auto calls = make_calls(8000);  // more than one thread keeps of one size (5,041 nodes)
  std::size_t kept = 0;
  std::vector<std::int64_t> results;
  std::thread thread([&] {
    auto mine = std::move(calls);
    mine.clear();
    kept = tessera::detail::node_memory_kept_by_this_thread();
    // The nodes this thread makes next take that memory, and compute right.
    tessera::Client client(tessera::ClientOptions{"threads", 2});
    auto again = make_calls(8000);
    results = client.gather(client.compute(again));
  });
  thread.join();
  CHECK(kept <= tessera::detail::node_memory_kept_per_size);
  CHECK(kept + 512 > tessera::detail::node_memory_kept_per_size);
  REQUIRE(results.size() == 8000);
  for (std::size_t i = 0; i < results.size(); ++i) {
    CHECK(results[i] == static_cast<std::int64_t>(i) + 1);
  }
}
