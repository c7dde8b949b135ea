#include "tessera/key.hpp"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstring>
#include <string>

namespace tessera {
namespace {

// Each thread takes counters in blocks so that making keys does not contend.
std::uint64_t next_counter() {
  constexpr std::uint64_t block = 4096;
  static std::atomic<std::uint64_t> global{0};
  thread_local std::uint64_t next = 0;
  thread_local std::uint64_t end = 0;
  if (next == end) {
    next = global.fetch_add(block, std::memory_order_relaxed);
    end = next + block;
  }
  return next++;
}

}  // namespace

Key unique_key(std::string_view prefix) {
  // Every delayed call makes one: written straight into the key (short keys stay inside the
  // string, without an allocation), the counter's hex digits from the last.
  const std::uint64_t counter = next_counter();
  const auto digits =
      static_cast<std::size_t>(std::max(1, (static_cast<int>(std::bit_width(counter)) + 3) / 4));
  Key key(prefix.size() + 1 + digits, '-');
  std::memcpy(key.data(), prefix.data(), prefix.size());
  const char* const first_digit = key.data() + prefix.size() + 1;
  std::uint64_t rest = counter;
  for (char* out = key.data() + key.size(); out != first_digit; rest >>= 4) {
    *--out = "0123456789abcdef"[rest & 0xf];
  }
  return key;
}

Key indexed_key(std::string_view name, std::initializer_list<std::int64_t> index) {
  Key key(name);
  key += ",(";
  bool first = true;
  for (auto i : index) {
    if (!first) key += ',';
    key += std::to_string(i);
    first = false;
  }
  key += ')';
  return key;
}

}  // namespace tessera
