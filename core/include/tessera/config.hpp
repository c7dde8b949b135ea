#pragma once
// Settings of tessera. Each has a default, can be set from the environment as
// TESSERA_<NAME> (TESSERA_NUM_THREADS=8), and from code with config::set, which wins.
//
//   scheduler          "threads" (default) or "sync": the scheduler of a local Client
//   num_threads        threads of the "threads" scheduler; 0 (default) = one per core
//   task_stream_limit  task-stream records kept per client (default 100000; 0 = off)
//   events_limit       structured events kept per topic (default 100000)

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::config {

/// The setting's value. Throws ConfigError for a name tessera does not know.
std::string get(std::string_view name);

/// The setting as an integer; ConfigError if it is not one.
std::int64_t get_int(std::string_view name);

/// Sets a setting for this process, after checking it (ConfigError names the setting, the
/// value and what is expected).
void set(std::string_view name, std::string value);

/// Forgets values set with set(), back to the environment and the defaults.
void reset();

/// Names of every setting.
std::vector<std::string> names();

}  // namespace tessera::config
