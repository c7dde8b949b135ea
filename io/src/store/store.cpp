#include <algorithm>
#include <tessera/errors.hpp>
#include <tessera/io/store.hpp>

#include "store/byte_range.hpp"

namespace tessera::io {

std::size_t detail::range_start(std::string_view where, std::size_t size, std::int64_t offset,
                                std::size_t length) {
  const bool fits = offset >= 0 ? static_cast<std::size_t>(offset) <= size &&
                                      length <= size - static_cast<std::size_t>(offset)
                                : static_cast<std::size_t>(-offset) <= size &&
                                      length <= static_cast<std::size_t>(-offset);
  if (!fits) {
    throw IoError("io: '" + std::string(where) + "' holds " + std::to_string(size) +
                  " bytes, fewer than the " + std::to_string(length) + " at offset " +
                  std::to_string(offset) + " that were asked for (truncated?)");
  }
  return offset >= 0 ? static_cast<std::size_t>(offset) : size - static_cast<std::size_t>(-offset);
}

std::optional<Bytes> Store::get_range(std::string_view key, std::int64_t offset,
                                      std::size_t length) const {
  auto value = get(key);
  if (!value) return value;
  const std::size_t start = detail::range_start(describe(key), value->size(), offset, length);
  return Bytes(value->begin() + static_cast<std::ptrdiff_t>(start),
               value->begin() + static_cast<std::ptrdiff_t>(start + length));
}

std::vector<std::string> Store::list_dir(std::string_view prefix) const {
  std::vector<std::string> names;
  for (const auto& key : list(prefix)) {
    std::string_view rest = std::string_view(key).substr(prefix.size());
    std::string name(rest.substr(0, rest.find('/')));
    if (names.empty() || names.back() != name) names.push_back(std::move(name));
  }
  std::sort(names.begin(), names.end());  // "a.b/c" sorts before "a/c", "a" before "a.b"
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

}  // namespace tessera::io
