#include "diagnostics/progress_board.hpp"

#include <mutex>
#include <unordered_map>

namespace tessera::detail {
namespace {

struct Board {
  std::atomic<std::size_t> size{0};  // lets take_watched_run skip the lock when nobody watches
  std::mutex mutex;
  std::unordered_map<std::uint64_t, std::shared_ptr<ProgressCounter>> counters;
};

Board& board() {
  static Board instance;
  return instance;
}

}  // namespace

void watch_run(std::uint64_t run, std::shared_ptr<ProgressCounter> counter) {
  auto& b = board();
  std::lock_guard lock(b.mutex);
  b.counters.insert_or_assign(run, std::move(counter));
  b.size.store(b.counters.size(), std::memory_order_release);
}

std::shared_ptr<ProgressCounter> take_watched_run(std::uint64_t run) {
  auto& b = board();
  if (b.size.load(std::memory_order_acquire) == 0) return nullptr;
  std::lock_guard lock(b.mutex);
  auto found = b.counters.find(run);
  if (found == b.counters.end()) return nullptr;
  auto counter = std::move(found->second);
  b.counters.erase(found);
  b.size.store(b.counters.size(), std::memory_order_release);
  return counter;
}

}  // namespace tessera::detail
