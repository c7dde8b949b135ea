#include <algorithm>
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
  if (auto it = r.by_callable.find(entry.callable); it != r.by_callable.end()) {
    throw RegistryError("TESSERA_TASK: the function registered as '" + it->second->name +
                        "' is registered again as '" + entry.name +
                        "' (a function has one name, the same on every rank)");
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

std::string parameter_list(const FunctionEntry& function) {
  std::string list;
  for (const auto& parameter : function.parameters) {
    if (!list.empty()) list += ", ";
    list += demangle(parameter.type->name());
  }
  return list;
}

namespace {

std::string type_of(const Value& value) {
  return value.has_value() ? value.type_name() : std::string("void result");
}

}  // namespace

std::string argument_problem(const FunctionEntry& function, ArgList args, std::size_t count) {
  // Messages are built only for a mismatch: this runs before every task on a worker.
  auto prefix = [&] {
    return "task function '" + function.name + "' (" + parameter_list(function) + ")";
  };
  auto which = [](std::size_t p) { return "argument " + std::to_string(p); };
  auto wrong_count = [&] {
    const auto n = function.parameters.size();
    const bool packs = std::any_of(function.parameters.begin(), function.parameters.end(),
                                   [](const Parameter& p) { return p.element != nullptr; });
    return prefix() + " takes " + std::to_string(n) + (n == 1 ? " argument" : " arguments") +
           ", but received " + std::to_string(count) + " values" +
           (packs ? " (a std::vector passed as separate inputs counts one value per element, "
                    "plus one)"
                  : "");
  };
  std::size_t cursor = 0;
  for (std::size_t p = 0; p < function.parameters.size(); ++p) {
    const auto& parameter = function.parameters[p];
    if (cursor >= count) return wrong_count();
    const Value& arg = *args[cursor];
    if (parameter.element && arg.holds<PackHeader>()) {
      const auto size = arg.get<PackHeader>().size;
      if (size > count - cursor - 1) return wrong_count();
      for (std::size_t i = 0; i < size; ++i) {
        const Value& element = *args[cursor + 1 + i];
        if (element.type() != *parameter.element) {
          return prefix() + ": element " + std::to_string(i) + " of " + which(p) + " is a " +
                 type_of(element) + ", but the function takes " + demangle(parameter.type->name());
        }
      }
      cursor += size + 1;
      continue;
    }
    if (arg.type() != *parameter.type) {
      return prefix() + ": " + which(p) + " is a " + type_of(arg) + ", but the function takes " +
             demangle(parameter.type->name());
    }
    ++cursor;
  }
  if (cursor != count) return wrong_count();
  return {};
}

void throw_argument_type(std::size_t index, const Value& given, const std::type_info& wanted) {
  throw TypeError("argument " + std::to_string(index) + " is a " +
                  (given.has_value() ? given.type_name() : std::string("void result")) +
                  ", but the function takes " + demangle(wanted.name()));
}

}  // namespace tessera::detail
