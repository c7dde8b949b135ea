// The client of an elastic cluster whose workers are tessera-worker processes that load the
// task library of task_library.cpp (tests/elastic/run_elastic.sh, scenario tessera-worker).
//   library_client --workers N
#include <cstdio>
#include <cstdlib>
#include <string>
#include <tessera/tessera.hpp>
#include <vector>

long library_square(long x);
long library_add(long a, long b);

int main(int argc, char** argv) {
  tessera::Runtime runtime(argc, argv);
  const std::size_t workers = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 2;
  auto client = runtime.client();
  client.wait_for_workers(workers, std::chrono::seconds(60));
  std::vector<tessera::Delayed<long>> level;
  for (long i = 0; i < 1000; ++i) level.push_back(tessera::delayed(library_square)(i));
  while (level.size() > 1) {
    std::vector<tessera::Delayed<long>> next;
    for (std::size_t i = 0; i + 1 < level.size(); i += 2)
      next.push_back(tessera::delayed(library_add)(level[i], level[i + 1]));
    if (level.size() % 2) next.push_back(level.back());
    level = std::move(next);
  }
  long expected = 0;
  for (long i = 0; i < 1000; ++i) expected += i * i;
  const long total = level[0].compute();
  std::printf("%s: the sum of 1000 squares is %ld (expected %ld), on %zu tessera-worker workers\n",
              total == expected ? "ok" : "WRONG", total, expected, client.workers());
  std::printf("%s\n", total == expected ? "elastic_app: all results right" : "elastic_app: FAILED");
  return total == expected ? 0 : 1;
}
