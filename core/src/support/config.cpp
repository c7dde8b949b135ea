#include "tessera/config.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <set>

#include "tessera/errors.hpp"

namespace tessera::config {
namespace {

std::optional<double> parse_number(std::string_view text) {
  try {
    std::size_t used = 0;
    const double value = std::stod(std::string(text), &used);
    if (used == text.size()) return value;
  } catch (...) {
  }
  return std::nullopt;
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
    if (unit != name) continue;
    if (number > std::numeric_limits<std::uint64_t>::max() / scale) return std::nullopt;
    return number * scale;
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

bool is_scheduler(std::string_view text) { return text == "threads" || text == "sync"; }

bool is_role(std::string_view text) { return text == "auto" || text == "worker"; }

bool is_positive_number(std::string_view text) {
  auto value = parse_number(text);
  return value && *value > 0 && std::isfinite(*value);
}

// "" or a path whose directory exists (the file itself may not exist yet).
bool is_file_path(std::string_view text) {
  if (text.empty()) return true;
  const std::string path(text);
  if (path.back() == '/') return false;
  const auto slash = path.rfind('/');
  const std::string directory = slash == std::string::npos ? "."
                                : slash == 0               ? "/"
                                                           : path.substr(0, slash);
  struct stat info {};
  return ::stat(directory.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
}

bool is_transport(std::string_view text) {
  return text == "auto" || text == "shm" || text == "tcp" || text == "ucx";
}

// "" or "NAME=amount,NAME=amount": each name once, each amount finite and >= 0.
bool is_resources(std::string_view text) {
  std::set<std::string_view> seen;
  while (!text.empty()) {
    auto comma = text.find(',');
    auto item = text.substr(0, comma);
    auto equals = item.find('=');
    if (equals == 0 || equals == std::string_view::npos) return false;
    if (!seen.insert(item.substr(0, equals)).second) return false;
    auto amount = parse_number(item.substr(equals + 1));
    if (!amount || !std::isfinite(*amount) || *amount < 0) return false;
    if (comma == std::string_view::npos) break;
    text = text.substr(comma + 1);
    if (text.empty()) return false;  // a trailing comma
  }
  return true;
}

// Thread counts: at most 4096. That is more hardware threads than any node has today (the
// largest have ~1-2k), so oversubscribing for tasks that wait on I/O stays possible, while a
// typo (100000) is refused instead of starting more threads than the machine allows
// (ulimit -u, kernel.threads-max) and taking it down.
constexpr std::int64_t max_threads = 4096;
// Records kept per client or topic: a billion would already take tens of GB.
constexpr std::int64_t max_records = 1'000'000'000;

// The core's own settings; other modules define theirs. Built on first use (not a global
// table), so that a module's define() from a static initializer finds them whatever the order.
std::vector<Setting> core_settings() {
  return {
      {"scheduler", "threads", "\"threads\" or \"sync\"", is_scheduler},
      {"num_threads", "0", "an integer in [0, 4096] (0 = one per core)",
       is_integer_in<0, max_threads>},
      {"task_stream_limit", "100000", "an integer in [0, 1000000000] (0 = off)",
       is_integer_in<0, max_records>},
      {"events_limit", "100000", "an integer in [0, 1000000000]", is_integer_in<0, max_records>},
      {"worker_threads", "0",
       "an integer in [0, 4096] (0 = the node's cores shared among its worker ranks, at least 1)",
       is_integer_in<0, max_threads>},
      {"worker_memory_limit", "0",
       "a size such as 4GiB, 512MB or 1048576, below 16 EiB (0 = no limit)", is_bytes},
      {"worker_replica_memory", "1GiB",
       "a size such as 1GiB, 512MB or 1048576, below 16 EiB (0 = keep no copies)", is_bytes},
      {"worker_memory_spill", "0.6", "a fraction in (0, 1]", is_fraction},
      {"worker_memory_pause", "0.8", "a fraction in (0, 1]", is_fraction},
      {"spill_directory", "",
       "an existing directory this process may write into (empty = the system's temporary "
       "directory)",
       is_writable_directory},
      {"resources", "",
       "NAME=amount pairs separated by commas, each name once, each amount a finite number >= 0, "
       "such as GPU=2,MEMORY=64e9",
       is_resources},
      {"worker_timeout", "60",
       "seconds without a message from a worker after which it counts as lost and the job ends "
       "(a finite number >= 0; 0 = never)",
       is_non_negative_number},
      {"transport", "auto", "\"auto\", \"shm\", \"tcp\" or \"ucx\"", is_transport},
      {"role", "auto",
       "\"auto\" (under mpirun rank 0 is the client and scheduler and the other ranks are "
       "workers; alone, the client) or \"worker\" (join the scheduler named by scheduler_file)",
       is_role},
      {"scheduler_file", "",
       "a file path in an existing directory: where the scheduler of an elastic cluster says how "
       "to reach it, and where its workers look (empty = no elastic cluster)",
       is_file_path},
      {"scheduler_port", "0", "an integer in [0, 65535] (0 = any free port)",
       is_integer_in<0, 65535>},
      {"worker_lifetime", "0",
       "seconds after which a worker of an elastic cluster retires, handing its results to "
       "other workers (a finite number >= 0; 0 = never)",
       is_non_negative_number},
      {"worker_lifetime_stagger", "0",
       "seconds by which each worker's lifetime varies at random, up or down, so that workers "
       "do not all retire at once (a finite number >= 0)",
       is_non_negative_number},
      {"worker_death_timeout", "60",
       "seconds a joining worker waits for its scheduler (the scheduler file, then the "
       "connection) before it gives up (a finite number > 0)",
       is_positive_number},
  };
}

struct Registry {
  std::mutex mutex;
  std::map<std::string, Setting, std::less<>> settings;
  std::map<std::string, std::string, std::less<>> overrides;

  Registry() {
    for (auto& setting : core_settings()) settings.emplace(setting.name, setting);
  }
};

Registry& registry() {
  static Registry instance;
  return instance;
}

// A copy, so that callers need not hold the lock.
Setting find(std::string_view name) {
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  if (auto it = r.settings.find(name); it != r.settings.end()) return it->second;
  std::string known;
  for (const auto& [known_name, setting] : r.settings)
    known += (known.empty() ? "" : ", ") + known_name;
  throw ConfigError("config: unknown setting \"" + std::string(name) + "\" (known: " + known + ")");
}

std::string env_name(std::string_view name) {
  std::string env = "TESSERA_";
  for (char c : name) env += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return env;
}

std::string problem(const Setting& setting, std::string_view value, std::string_view origin) {
  return std::string(origin) + " is \"" + std::string(value) + "\": expected " + setting.allowed;
}

void check(const Setting& setting, std::string_view value, std::string_view origin) {
  if (!setting.check(value)) throw ConfigError("config: " + problem(setting, value, origin));
}

}  // namespace

namespace detail {
bool integer_between(std::string_view text, std::int64_t min, std::int64_t max) noexcept {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && end == text.data() + text.size() && value >= min && value <= max;
}
}  // namespace detail

bool is_bytes(std::string_view text) noexcept { return parse_bytes(text).has_value(); }

bool is_fraction(std::string_view text) noexcept {
  auto value = parse_number(text);
  return value && *value > 0.0 && *value <= 1.0;
}

bool is_writable_directory(std::string_view text) noexcept {
  if (text.empty()) return true;
  const std::string path(text);
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode) &&
         ::access(path.c_str(), W_OK | X_OK) == 0;
}

bool define(Setting setting) {
  if (setting.name.empty() || !setting.check) {
    throw ConfigError("config: a setting needs a name and a check (defining \"" + setting.name +
                      "\")");
  }
  check(setting, setting.default_value, "the default of setting \"" + setting.name + "\"");
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  auto [it, inserted] = r.settings.emplace(setting.name, setting);
  if (!inserted && !(it->second == setting)) {
    throw ConfigError("config: setting \"" + setting.name +
                      "\" is defined twice, differently (default \"" + it->second.default_value +
                      "\", then \"" + setting.default_value +
                      "\"); each setting belongs to one module");
  }
  return true;
}

std::string get(std::string_view name) {
  const Setting setting = find(name);
  {
    auto& r = registry();
    std::lock_guard lock(r.mutex);
    if (auto it = r.overrides.find(name); it != r.overrides.end()) return it->second;
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
  if (auto value = parse_number(text)) return *value;
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
  const Setting setting = find(name);
  check(setting, value, "setting \"" + std::string(name) + "\"");
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  r.overrides.insert_or_assign(std::string(name), std::move(value));
}

void reset() {
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  r.overrides.clear();
}

std::vector<std::string> names() {
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  std::vector<std::string> all;
  for (const auto& [name, setting] : r.settings) all.push_back(name);
  return all;
}

// A value given by set() hides the environment's, so only the value in use is checked.
// set() checked it already, but a directory may have gone since.
void validate_all() {
  std::vector<std::pair<Setting, std::optional<std::string>>> values;
  {
    auto& r = registry();
    std::lock_guard lock(r.mutex);
    for (const auto& [name, setting] : r.settings) {
      auto it = r.overrides.find(name);
      values.emplace_back(setting,
                          it == r.overrides.end() ? std::nullopt : std::optional(it->second));
    }
  }
  std::string problems;
  for (const auto& [setting, override_value] : values) {
    std::string origin = "setting \"" + setting.name + "\"";
    std::string value;
    if (override_value) {
      value = *override_value;
    } else {
      const std::string env = env_name(setting.name);
      const char* text = std::getenv(env.c_str());
      if (!text || !*text) continue;
      origin = "environment variable " + env;
      value = text;
    }
    if (!setting.check(value)) {
      problems += (problems.empty() ? "" : "; ") + problem(setting, value, origin);
    }
  }
  if (!problems.empty()) throw ConfigError("config: " + problems);
}

}  // namespace tessera::config
