#include "store/spare_bytes.hpp"

#include <algorithm>
#include <vector>

namespace tessera::io::detail {

namespace {

// Below this malloc reuses memory by itself; above the largest, a buffer is not worth holding.
constexpr std::size_t smallest_kept = std::size_t{256} << 10;
constexpr std::size_t largest_kept = std::size_t{64} << 20;
// What one thread holds at most, all its kept buffers together.
constexpr std::size_t most_kept_bytes = std::size_t{128} << 20;

std::vector<Bytes>& kept() {
  thread_local std::vector<Bytes> buffers;
  return buffers;
}

// The kept buffer that holds `size` bytes at the least cost: the shortest one at least as long
// (shortening writes nothing), else the one of the largest length among those large enough
// (lengthening zeroes the bytes added).
std::vector<Bytes>::iterator best_for(std::vector<Bytes>& buffers, std::size_t size) {
  auto best = buffers.end();
  for (auto it = buffers.begin(); it != buffers.end(); ++it) {
    if (it->capacity() < size) continue;
    if (best == buffers.end()) {
      best = it;
    } else if (it->size() >= size) {
      if (best->size() < size || it->size() < best->size()) best = it;
    } else if (best->size() < size && it->size() > best->size()) {
      best = it;
    }
  }
  return best;
}

}  // namespace

Bytes take_bytes(std::size_t size) {
  auto& buffers = kept();
  if (size >= smallest_kept) {
    auto best = best_for(buffers, size);
    if (best != buffers.end()) {
      Bytes bytes = std::move(*best);
      buffers.erase(best);
      bytes.resize(size);
      return bytes;
    }
  }
  return Bytes(size);
}

Bytes take_capacity(std::size_t capacity) {
  auto& buffers = kept();
  for (auto it = buffers.begin(); it != buffers.end(); ++it) {
    if (it->capacity() >= capacity) {
      Bytes bytes = std::move(*it);
      buffers.erase(it);
      bytes.clear();
      return bytes;
    }
  }
  Bytes bytes;
  bytes.reserve(capacity);
  return bytes;
}

void keep_bytes(Bytes&& bytes) {
  if (bytes.capacity() < smallest_kept || bytes.capacity() > largest_kept) return;
  auto& buffers = kept();
  auto held = [&] {
    std::size_t total = 0;
    for (const auto& buffer : buffers) total += buffer.capacity();
    return total;
  };
  // Make room by letting the smallest go, while they are smaller than this one.
  while (!buffers.empty() && held() + bytes.capacity() > most_kept_bytes) {
    auto smallest = std::min_element(
        buffers.begin(), buffers.end(),
        [](const Bytes& a, const Bytes& b) { return a.capacity() < b.capacity(); });
    if (smallest->capacity() >= bytes.capacity()) return;
    buffers.erase(smallest);
  }
  if (held() + bytes.capacity() > most_kept_bytes) return;
  buffers.push_back(std::move(bytes));
}

}  // namespace tessera::io::detail
