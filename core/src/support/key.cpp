#include "tessera/key.hpp"

#include <atomic>
#include <charconv>
#include <cstring>

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
  // Every delayed call makes one: the key is written once into a buffer and constructed in
  // one go (short keys stay inside the string, without an allocation).
  char text[64];
  const auto counter = next_counter();
  int digits = 1;
  while (digits < 16 && (counter >> (4 * digits)) != 0) ++digits;
  if (prefix.size() + 1 + static_cast<std::size_t>(digits) > sizeof text) {
    Key key(prefix);
    key += '-';
    char hex[16];
    auto [end, ec] = std::to_chars(hex, hex + sizeof hex, counter, 16);
    return key.append(hex, end);
  }
  std::memcpy(text, prefix.data(), prefix.size());
  char* out = text + prefix.size();
  *out++ = '-';
  for (int d = digits - 1; d >= 0; --d) *out++ = "0123456789abcdef"[(counter >> (4 * d)) & 0xf];
  return Key(text, static_cast<std::size_t>(out - text));
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
