#include "tessera/config.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <map>
#include <mutex>

#include "tessera/errors.hpp"

namespace tessera::config {
namespace {

struct Setting {
  const char* name;
  const char* default_value;
  const char* expected;  // for error messages
  bool (*valid)(std::string_view);
};

bool is_non_negative_integer(std::string_view text) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && end == text.data() + text.size() && value >= 0;
}

bool is_scheduler(std::string_view text) { return text == "threads" || text == "sync"; }

constexpr Setting settings[] = {
    {"scheduler", "threads", "\"threads\" or \"sync\"", is_scheduler},
    {"num_threads", "0", "a non-negative integer (0 = one per core)", is_non_negative_integer},
    {"task_stream_limit", "100000", "a non-negative integer", is_non_negative_integer},
    {"events_limit", "100000", "a non-negative integer", is_non_negative_integer},
};

struct Overrides {
  std::mutex mutex;
  std::map<std::string, std::string, std::less<>> values;
};

Overrides& overrides() {
  static Overrides instance;
  return instance;
}

const Setting& find(std::string_view name) {
  for (const auto& setting : settings) {
    if (name == setting.name) return setting;
  }
  std::string known;
  for (const auto& setting : settings)
    known += std::string(known.empty() ? "" : ", ") + setting.name;
  throw ConfigError("config: unknown setting \"" + std::string(name) + "\" (known: " + known + ")");
}

std::string env_name(std::string_view name) {
  std::string env = "TESSERA_";
  for (char c : name) env += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return env;
}

void check(const Setting& setting, std::string_view value, std::string_view origin) {
  if (!setting.valid(value)) {
    throw ConfigError("config: " + std::string(origin) + " is \"" + std::string(value) +
                      "\": expected " + setting.expected);
  }
}

}  // namespace

std::string get(std::string_view name) {
  const Setting& setting = find(name);
  {
    auto& o = overrides();
    std::lock_guard lock(o.mutex);
    if (auto it = o.values.find(name); it != o.values.end()) return it->second;
  }
  std::string env = env_name(name);
  if (const char* value = std::getenv(env.c_str()); value && *value) {
    check(setting, value, "environment variable " + env);
    return value;
  }
  return setting.default_value;
}

std::int64_t get_int(std::string_view name) {
  std::string text = get(name);
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    throw ConfigError("config: setting \"" + std::string(name) + "\" is \"" + text +
                      "\": expected an integer");
  }
  return value;
}

void set(std::string_view name, std::string value) {
  const Setting& setting = find(name);
  check(setting, value, "setting \"" + std::string(name) + "\"");
  auto& o = overrides();
  std::lock_guard lock(o.mutex);
  o.values.insert_or_assign(std::string(name), std::move(value));
}

void reset() {
  auto& o = overrides();
  std::lock_guard lock(o.mutex);
  o.values.clear();
}

std::vector<std::string> names() {
  std::vector<std::string> all;
  for (const auto& setting : settings) all.emplace_back(setting.name);
  return all;
}

}  // namespace tessera::config
