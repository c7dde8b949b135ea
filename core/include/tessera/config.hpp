#pragma once
// Settings of tessera. Each has a default, can be set from the environment as
// TESSERA_<NAME> (TESSERA_NUM_THREADS=8), and from code with config::set, which wins.
// Every value is checked against what its setting allows: by set(), when it is read, and
// for all settings at once by validate_all() when a Runtime starts (on every rank) and
// when a local Client is made.
//
// The core's settings:
//   scheduler          "threads" (default) or "sync": the scheduler of a local Client
//   num_threads        threads of the "threads" scheduler, at most 4096; 0 (default) = one
//                      per core
//   task_stream_limit  task-stream records kept per client (default 100000; 0 = off)
//   events_limit       structured events kept per topic (default 100000)
//   progress           1: every compute outside tasks draws a progress bar (progress.hpp);
//                      0 (default): only compute(x, tessera::progress) does
//   progress_interval  seconds between progress lines when standard output is not a
//                      terminal (default 5; on a terminal the bar is redrawn 10 times a second)
//   dashboard_address  HOST:PORT where rank 0 (or this process) serves the dashboard and
//                      Prometheus /metrics over HTTP, e.g. 127.0.0.1:8787 (port 0 = any free
//                      one); empty (default) = none (dashboard.hpp)
//
// Under MPI (see runtime.hpp), read by each rank for itself:
//   worker_threads       task threads per worker rank, at most 4096; 0 (default) = the
//                        node's cores shared among the worker ranks on it, at least 1
//   worker_memory_limit  memory for results per worker, e.g. 4GiB; 0 (default) = no limit
//   worker_replica_memory  memory per worker for copies of other workers' results (of
//                        earlier computations: persisted arrays, most often) that it fetched
//                        for a task and keeps, so that later tasks need not move them again
//                        (default 1GiB, at most a quarter of worker_memory_limit; 0 = none)
//   worker_memory_spill  fraction of the limit above which results spill to disk (0.6)
//   worker_memory_pause  fraction above which the worker takes no new tasks (0.8)
//   spill_directory      where spilled results go: an existing, writable directory
//                        (default: the system's temporary directory)
//   worker_timeout       seconds without a message from a worker after which it counts as
//                        lost (stopped, hung, node gone) and the job ends naming it (60; 0 = never)
//   resources            what a worker offers to tasks that ask for resources, e.g. GPU=1
//                        (finite amounts >= 0, each name once)
//   transport            "auto" (Open MPI chooses), "shm" (shared memory, one node: pml ob1,
//                        btl self,vader), "tcp" (pml ob1, btl self,tcp) or "ucx" (pml ucx:
//                        InfiniBand/RoCE through UCX). Sets OMPI_MCA_pml/OMPI_MCA_btl before
//                        MPI starts, unless those are already set.
//
// Other modules (collections, io, jobqueue) define their own settings with define().

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::config {

/// Says whether a setting's text is allowed.
using Check = bool (*)(std::string_view text);

/// A setting a module owns.
struct Setting {
  /// Lower case, e.g. "zarr_cache_size"; read from the environment as TESSERA_ZARR_CACHE_SIZE.
  std::string name;
  /// The value when neither set() nor the environment gives one; must pass `check`.
  std::string default_value;
  /// What is allowed, for error messages: "an integer in [0, 4096] (0 = one per core)".
  std::string allowed;
  /// The check of a value, with its bounds (see the checks below).
  Check check = nullptr;

  bool operator==(const Setting&) const = default;
};

/// Makes a module's setting known, so that get/set/validate_all handle it like the core's.
/// Returns true, so that it can initialize a constant at namespace scope in the module's
/// source that uses the setting (that source is then linked whenever the setting is read):
///
///   const bool defined = tessera::config::define({"zarr_cache_size", "256MiB",
///       "a size such as 256MiB (0 = no cache)", tessera::config::is_bytes});
///
/// Defining a name again with the same definition does nothing; ConfigError if the name is
/// defined differently, or if the default does not pass the check.
bool define(Setting setting);

/// The setting's value. Throws ConfigError for a name tessera does not know.
std::string get(std::string_view name);

/// The setting as an integer; ConfigError if it is not one.
std::int64_t get_int(std::string_view name);

/// The setting as a number; ConfigError if it is not one.
double get_double(std::string_view name);

/// The setting as a byte count ("4GiB", "512MB", "1048576"); ConfigError if it is not one.
std::uint64_t get_bytes(std::string_view name);

/// Sets a setting for this process, after checking it (ConfigError names the setting, the
/// value and what is expected).
void set(std::string_view name, std::string value);

/// Forgets values set with set(), back to the environment and the defaults.
void reset();

/// Names of every setting, the modules' included.
std::vector<std::string> names();

/// Checks the value of every setting (from set(), else from the environment); one
/// ConfigError naming each bad one: the variable (or setting), its value and what is allowed.
void validate_all();

// Checks for settings, with their bounds.

namespace detail {
bool integer_between(std::string_view text, std::int64_t min, std::int64_t max) noexcept;
}

/// An integer in [Min, Max].
template <std::int64_t Min, std::int64_t Max>
bool is_integer_in(std::string_view text) noexcept {
  return detail::integer_between(text, Min, Max);
}

/// A byte count that fits in 64 bits: a whole number with an optional unit B, KB, MB, GB, TB
/// (powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024); "4GiB", "512MB", "1048576".
bool is_bytes(std::string_view text) noexcept;

/// A number in (0, 1].
bool is_fraction(std::string_view text) noexcept;

/// Empty, or an existing directory this process may write into.
bool is_writable_directory(std::string_view text) noexcept;

}  // namespace tessera::config
