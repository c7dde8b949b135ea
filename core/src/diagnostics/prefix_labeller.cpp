#include "diagnostics/prefix_labeller.hpp"

#include <algorithm>

namespace tessera::detail {
namespace {

std::uint64_t low_bytes(std::size_t n) noexcept {
  unsigned char bytes[8] = {};
  std::memset(bytes, 0xff, n);
  std::uint64_t mask;
  std::memcpy(&mask, bytes, sizeof mask);
  return mask;
}

}  // namespace

std::uint32_t PrefixLabeller::name_miss(std::string_view name, Set& set) {
  // A key made from the name is the name, '-', a token: its prefix is the name's.
  set.name_id = table_.id_of_key(name);
  set.name = name.data();
  set.name_size = name.size();
  return set.name_id;
}

std::uint32_t PrefixLabeller::key_miss(std::string_view key, Set& set) {
  const auto id = table_.id_of_key(key);
  // The prefix and its separator, as this key spells them: a later key that starts with the
  // same bytes has the same prefix, as the prefix holds no separator.
  const std::size_t length = table_.name(id).size() + 1;
  if (length > key.size() || length > 16) return id;  // no separator, or too long to guess
  Guess guess;
  guess.need = static_cast<std::uint32_t>(std::max<std::size_t>(length, 8));
  if (key.size() < guess.need) return id;
  guess.mask = low_bytes(std::min<std::size_t>(length, 8));
  std::memcpy(&guess.head, key.data(), 8);
  std::memcpy(&guess.tail, key.data() + guess.need - 8, 8);
  guess.id = id;
  set.guesses[1] = set.guesses[0];
  set.guesses[0] = guess;
  return id;
}

}  // namespace tessera::detail
