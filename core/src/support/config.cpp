#include "tessera/config.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <map>
#include <mutex>
#include <optional>

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

bool is_fraction(std::string_view text) {
  try {
    std::size_t used = 0;
    const double value = std::stod(std::string(text), &used);
    return used == text.size() && value > 0.0 && value <= 1.0;
  } catch (...) {
    return false;
  }
}

std::optional<std::uint64_t> parse_bytes(std::string_view text) {
  std::uint64_t number = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (ec != std::errc() || end == text.data()) return std::nullopt;
  std::string unit(end, text.data() + text.size());
  std::erase(unit, ' ');
  for (auto& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  static const std::pair<const char*, std::uint64_t> units[] = {{"", 1},
                                                                {"B", 1},
                                                                {"KB", 1000},
                                                                {"MB", 1000000},
                                                                {"GB", 1000000000},
                                                                {"TB", 1000000000000},
                                                                {"KIB", 1ull << 10},
                                                                {"MIB", 1ull << 20},
                                                                {"GIB", 1ull << 30},
                                                                {"TIB", 1ull << 40}};
  for (const auto& [name, scale] : units) {
    if (unit == name) return number * scale;
  }
  return std::nullopt;
}

bool is_non_negative_number(std::string_view text) {
  try {
    std::size_t used = 0;
    const double value = std::stod(std::string(text), &used);
    return used == text.size() && value >= 0.0 && std::isfinite(value);
  } catch (...) {
    return false;
  }
}

bool is_bytes(std::string_view text) { return parse_bytes(text).has_value(); }

bool is_transport(std::string_view text) {
  return text == "auto" || text == "shm" || text == "tcp" || text == "ucx";
}

bool is_resources(std::string_view text) {
  // "" or "NAME=amount,NAME=amount"
  while (!text.empty()) {
    auto comma = text.find(',');
    auto item = text.substr(0, comma);
    auto equals = item.find('=');
    if (equals == 0 || equals == std::string_view::npos) return false;
    try {
      std::size_t used = 0;
      std::stod(std::string(item.substr(equals + 1)), &used);
      if (used != item.size() - equals - 1) return false;
    } catch (...) {
      return false;
    }
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
  }
  return true;
}

bool is_anything(std::string_view) { return true; }

constexpr Setting settings[] = {
    {"scheduler", "threads", "\"threads\" or \"sync\"", is_scheduler},
    {"num_threads", "0", "a non-negative integer (0 = one per core)", is_non_negative_integer},
    {"task_stream_limit", "100000", "a non-negative integer", is_non_negative_integer},
    {"events_limit", "100000", "a non-negative integer", is_non_negative_integer},
    {"worker_threads", "0",
     "a non-negative integer (0 = the node's cores shared among its worker ranks, at least 1)",
     is_non_negative_integer},
    {"worker_memory_limit", "0", "a size such as 4GiB, 512MB or 1048576 (0 = no limit)", is_bytes},
    {"worker_memory_spill", "0.6", "a fraction in (0, 1]", is_fraction},
    {"worker_memory_pause", "0.8", "a fraction in (0, 1]", is_fraction},
    {"spill_directory", "", "a directory (empty = the system's temporary directory)", is_anything},
    {"resources", "", "NAME=amount pairs separated by commas, such as GPU=2,MEMORY=64e9",
     is_resources},
    {"worker_timeout", "60",
     "seconds without a message from a worker after which it counts as lost and the job ends "
     "(a number >= 0; 0 = never)",
     is_non_negative_number},
    {"transport", "auto", "\"auto\", \"shm\", \"tcp\" or \"ucx\"", is_transport},
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

double get_double(std::string_view name) {
  std::string text = get(name);
  try {
    std::size_t used = 0;
    const double value = std::stod(text, &used);
    if (used == text.size()) return value;
  } catch (...) {
  }
  throw ConfigError("config: setting \"" + std::string(name) + "\" is \"" + text +
                    "\": expected a number");
}

std::uint64_t get_bytes(std::string_view name) {
  std::string text = get(name);
  if (auto bytes = parse_bytes(text)) return *bytes;
  throw ConfigError("config: setting \"" + std::string(name) + "\" is \"" + text +
                    "\": expected a size such as 4GiB");
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
