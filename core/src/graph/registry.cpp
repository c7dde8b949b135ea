#include <map>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>

#include "tessera/task.hpp"

namespace tessera::detail {
namespace {

struct Registry {
  std::shared_mutex mutex;
  std::map<std::string, std::unique_ptr<FunctionEntry>, std::less<>> by_name;
  std::unordered_map<const void*, const FunctionEntry*> by_callable;
};

Registry& registry() {
  static Registry instance;
  return instance;
}

}  // namespace

const FunctionEntry& add_function(FunctionEntry entry) {
  auto& r = registry();
  std::unique_lock lock(r.mutex);
  if (auto it = r.by_name.find(entry.name); it != r.by_name.end()) {
    if (it->second->callable == entry.callable) return *it->second;
    throw RegistryError("TESSERA_TASK: the name '" + entry.name +
                        "' is registered twice, for two different functions");
  }
  auto owned = std::make_unique<FunctionEntry>(std::move(entry));
  const FunctionEntry& added = *owned;
  r.by_callable.emplace(added.callable, &added);
  r.by_name.emplace(added.name, std::move(owned));
  return added;
}

const FunctionEntry& find_function(std::string_view name) {
  auto& r = registry();
  std::shared_lock lock(r.mutex);
  if (auto it = r.by_name.find(name); it != r.by_name.end()) return *it->second;
  std::string known;
  std::size_t listed = 0;
  for (const auto& [registered, entry] : r.by_name) {
    if (listed++ == 20) {
      known += ", ...";
      break;
    }
    known += (known.empty() ? "" : ", ") + registered;
  }
  throw RegistryError("no task function named '" + std::string(name) +
                      "' is registered (register it with TESSERA_TASK(" + std::string(name) +
                      "); registered: " + (known.empty() ? "none" : known) + ")");
}

const FunctionEntry* find_function_at(const void* callable) noexcept {
  auto& r = registry();
  std::shared_lock lock(r.mutex);
  auto it = r.by_callable.find(callable);
  return it == r.by_callable.end() ? nullptr : it->second;
}

void throw_argument_type(std::size_t index, const Value& given, const std::type_info& wanted) {
  throw TypeError("argument " + std::to_string(index) + " is a " +
                  (given.has_value() ? given.type_name() : std::string("void result")) +
                  ", but the function takes " + demangle(wanted.name()));
}

}  // namespace tessera::detail
