// Data under mpirun: scattered values read by tasks on every worker, and large results that
// move between workers (peer to peer) and back to rank 0 intact.
#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <numeric>
#include <string>
#include <vector>

#include "support.hpp"
#include "tessera/tessera.hpp"

using namespace mpi_test;

namespace {

int data_rank() { return tessera::this_rank(); }

// {rank that ran it, sum of the values}.
std::vector<std::int64_t> data_sum_ints(const std::vector<int>& values) {
  return {data_rank(), std::accumulate(values.begin(), values.end(), std::int64_t{0})};
}
TESSERA_TASK(data_sum_ints);

std::string data_describe(const std::string& text, int x) {
  return text + " " + std::to_string(x) + " on " + std::to_string(data_rank());
}
TESSERA_TASK(data_describe);

// 32 MiB: element i is seed + i.
constexpr std::size_t large_count = (std::size_t{32} << 20) / sizeof(double);

std::vector<double> data_make_large(double seed) {
  std::vector<double> values(large_count);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = seed + static_cast<double>(i);
  return values;
}
TESSERA_TASK(data_make_large);

// {rank that ran it, size, number of elements that differ from seed + i}.
std::vector<double> data_check_large(const std::vector<double>& values, double seed) {
  double wrong = 0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (values[i] != seed + static_cast<double>(i)) ++wrong;
  }
  return {static_cast<double>(data_rank()), static_cast<double>(values.size()), wrong};
}
TESSERA_TASK(data_check_large);

std::uint8_t pattern(std::size_t i) { return static_cast<std::uint8_t>((i * 2654435761u) >> 24); }

tessera::Buffer data_make_buffer(std::uint64_t bytes) {
  auto buffer = tessera::Buffer::allocate(bytes);
  auto* data = reinterpret_cast<std::uint8_t*>(buffer.data());
  for (std::size_t i = 0; i < bytes; ++i) data[i] = pattern(i);
  return buffer;
}
TESSERA_TASK(data_make_buffer);

// {rank that ran it, size, bytes that differ from the pattern}.
std::vector<std::uint64_t> data_check_buffer(const tessera::Buffer& buffer) {
  std::uint64_t wrong = 0;
  const auto* data = reinterpret_cast<const std::uint8_t*>(buffer.data());
  for (std::size_t i = 0; i < buffer.size(); ++i) wrong += data[i] != pattern(i) ? 1 : 0;
  return {static_cast<std::uint64_t>(data_rank()), buffer.size(), wrong};
}
TESSERA_TASK(data_check_buffer);

}  // namespace

TEST_CASE("mpi: a scattered value is read by tasks pinned to every worker") {
  auto client = tessera::get_client();
  const bool broadcast = GENERATE(false, true);
  INFO((broadcast ? "broadcast" : "to one worker"));
  std::vector<int> values(100000);
  std::iota(values.begin(), values.end(), 0);  // big enough to go out of band
  const std::int64_t expected = std::int64_t{99999} * 100000 / 2;
  auto scattered = client.scatter(values, broadcast);
  CHECK(scattered.result() == values);
  for (int rank = 1; rank < ranks(); ++rank) {
    INFO("rank " << rank);
    auto result =
        client.submit(tessera::TaskOptions{.workers = {rank}}, data_sum_ints, scattered).result();
    REQUIRE(result.size() == 2);
    CHECK(result[0] == rank);
    CHECK(result[1] == expected);
  }

  // A small scattered value read with literals, by many tasks at once.
  auto text = client.scatter(std::string("hello"), broadcast);
  REQUIRE(text.result() == "hello");
  std::vector<tessera::Future<std::string>> described;
  for (int i = 0; i < 3 * (ranks() - 1); ++i) {
    const int rank = 1 + i % (ranks() - 1);
    described.push_back(
        client.submit(tessera::TaskOptions{.workers = {rank}}, data_describe, text, i));
  }
  for (int i = 0; i < static_cast<int>(described.size()); ++i) {
    CHECK(described[static_cast<std::size_t>(i)].result() ==
          "hello " + std::to_string(i) + " on " + std::to_string(1 + i % (ranks() - 1)));
  }
}

TEST_CASE("mpi: a 32 MiB vector made on one worker is read intact on another and on rank 0") {
  auto client = tessera::get_client();
  const int producer = 1;
  const int consumer = ranks() - 1;  // another worker when there are two or more
  auto large = client.submit(tessera::TaskOptions{.workers = {producer}}, data_make_large, 0.5);
  auto check =
      client.submit(tessera::TaskOptions{.workers = {consumer}}, data_check_large, large, 0.5)
          .result();
  REQUIRE(check.size() == 3);
  CHECK(check[0] == consumer);
  CHECK(check[1] == static_cast<double>(large_count));
  CHECK(check[2] == 0);

  // Two readers on the same worker share one transfer; a third reads it where it is.
  auto again = client.gather(std::vector{
      client.submit(tessera::TaskOptions{.workers = {consumer}}, data_check_large, large, 0.5),
      client.submit(tessera::TaskOptions{.workers = {consumer}}, data_check_large, large, 0.5),
      client.submit(tessera::TaskOptions{.workers = {producer}}, data_check_large, large, 0.5)});
  for (const auto& result : again) CHECK(result[2] == 0);
  CHECK(again[2][0] == producer);

  const auto& values = large.result();
  REQUIRE(values.size() == large_count);
  CHECK(values.front() == 0.5);
  CHECK(values[large_count / 2] == 0.5 + static_cast<double>(large_count / 2));
  CHECK(values.back() == 0.5 + static_cast<double>(large_count - 1));
}

TEST_CASE("mpi: a 32 MiB Buffer moves between workers without damage") {
  auto client = tessera::get_client();
  const std::uint64_t bytes = (std::uint64_t{32} << 20) + 13;  // not a multiple of anything
  auto buffer = client.submit(tessera::TaskOptions{.workers = {1}}, data_make_buffer, bytes);
  auto check =
      client.submit(tessera::TaskOptions{.workers = {ranks() - 1}}, data_check_buffer, buffer)
          .result();
  REQUIRE(check.size() == 3);
  CHECK(check[0] == static_cast<std::uint64_t>(ranks() - 1));
  CHECK(check[1] == bytes);
  CHECK(check[2] == 0);

  const auto here = buffer.result();
  REQUIRE(here.size() == bytes);
  const auto* data = reinterpret_cast<const std::uint8_t*>(here.data());
  std::uint64_t wrong = 0;
  for (std::size_t i = 0; i < here.size(); ++i) wrong += data[i] != pattern(i) ? 1 : 0;
  CHECK(wrong == 0);
}

// MPI orders messages per sender only: a reader's fetch could reach the holder before rank
// 0's store message does. The scheduler counts scattered data as held only once the worker
// says it keeps it.
TEST_CASE("mpi: a value scattered to one worker is read at once by tasks on every worker") {
  auto client = tessera::get_client();
  for (int round = 0; round < 30; ++round) {
    auto scattered = client.scatter(std::string("round ") + std::to_string(round));
    std::vector<tessera::Future<std::string>> described;
    for (int rank = 1; rank < ranks(); ++rank) {
      described.push_back(
          client.submit(tessera::TaskOptions{.workers = {rank}}, data_describe, scattered, rank));
    }
    for (int rank = 1; rank < ranks(); ++rank) {
      INFO("round " << round << ", rank " << rank);
      CHECK(described[static_cast<std::size_t>(rank - 1)].result() ==
            "round " + std::to_string(round) + " " + std::to_string(rank) + " on " +
                std::to_string(rank));
    }
  }
}

// client.hpp documents scatter as returning "a finished Future" (as Dask's scatter does);
// under MPI it is pending until rank 0's scheduler has sent the value to a worker
// (cluster_client.cpp, ClusterClient::scatter).
TEST_CASE("mpi: scatter returns a finished future") {
  auto client = tessera::get_client();
  auto scattered = client.scatter(42);
  CHECK(scattered.done());
  CHECK(scattered.result() == 42);
}
