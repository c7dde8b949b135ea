#pragma once
// Settings of tessera. Each has a default, can be set from the environment as
// TESSERA_<NAME> (TESSERA_NUM_THREADS=8), and from code with config::set, which wins.
//
//   scheduler          "threads" (default) or "sync": the scheduler of a local Client
//   num_threads        threads of the "threads" scheduler; 0 (default) = one per core
//   task_stream_limit  task-stream records kept per client (default 100000; 0 = off)
//   events_limit       structured events kept per topic (default 100000)
//
// Under MPI (see runtime.hpp), read by each rank for itself:
//   worker_threads       task threads per worker rank; 0 (default) = the node's cores shared
//                        among the worker ranks on it, at least 1
//   worker_memory_limit  memory for results per worker, e.g. 4GiB; 0 (default) = no limit
//   worker_memory_spill  fraction of the limit above which results spill to disk (0.6)
//   worker_memory_pause  fraction above which the worker takes no new tasks (0.8)
//   spill_directory      where spilled results go (default: the system's temporary directory)
//   worker_timeout       seconds without a message from a worker after which it counts as
//                        lost (stopped, hung, node gone) and the job ends naming it (60; 0 = never)
//   resources            what a worker offers to tasks that ask for resources, e.g. GPU=1
//   transport            "auto" (Open MPI chooses), "shm" (shared memory, one node: pml ob1,
//                        btl self,vader), "tcp" (pml ob1, btl self,tcp) or "ucx" (pml ucx:
//                        InfiniBand/RoCE through UCX). Sets OMPI_MCA_pml/OMPI_MCA_btl before
//                        MPI starts, unless those are already set.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::config {

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

/// Names of every setting.
std::vector<std::string> names();

}  // namespace tessera::config
