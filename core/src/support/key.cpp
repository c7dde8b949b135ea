#include "tessera/key.hpp"

#include <atomic>
#include <charconv>

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
  char digits[20];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, next_counter(), 16);
  Key key;
  key.reserve(prefix.size() + 1 + static_cast<std::size_t>(end - digits));
  key.append(prefix).push_back('-');
  key.append(digits, end);
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
