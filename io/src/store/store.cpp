#include <algorithm>
#include <tessera/io/store.hpp>

namespace tessera::io {

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
