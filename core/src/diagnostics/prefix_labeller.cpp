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

std::uint32_t PrefixLabeller::named_miss(const TaskCode& code, Named& named) {
  // A generic lambda's code is copied per call, keeping its name's characters where they are.
  if (code.name.data() != named.name || code.name.size() != named.name_size) {
    // A key made from the name is the name, '-', a token: its prefix is the name's.
    named.id = table_.id_of_key(code.name);
    named.name = code.name.data();
    named.name_size = code.name.size();
  }
  named.code = &code;
  return named.id;
}

std::uint32_t PrefixLabeller::key_miss(std::string_view key, Guesses& guesses) {
  const auto id = table_.id_of_key(key);
  if (table_.is_other(id)) return id;  // its name is not this key's prefix: nothing to guess
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
  guesses[1] = guesses[0];
  guesses[0] = guess;
  return id;
}

}  // namespace tessera::detail
