#pragma once
// The batch systems' spellings of sizes and durations, and the pieces every job script
// shares. Private to the module; the tests read them as conversion tables.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/jobqueue/job_spec.hpp"

namespace tessera::jobqueue::detail {

/// "jobqueue: <parameter> is \"<value>\": <problem>", the message of every bad value.
[[noreturn]] void bad_value(std::string_view parameter, std::string_view value,
                            std::string_view problem);

/// `bytes` in the largest of the units T, G (powers of 1024) that holds it exactly, else in
/// M rounded up, each unit written as the system spells it: {"T", "G", "M"} for Slurm.
std::string binary_size(std::uint64_t bytes, std::string_view tera, std::string_view giga,
                        std::string_view mega);

/// Bytes in one of LSF's limit units (KB, MB, GB, TB: powers of 1024), any case; 0 if none.
std::uint64_t lsf_unit_bytes(std::string_view unit) noexcept;

/// "HH:MM:SS", hours from 00 upwards (PBS, SGE, and Slurm under a day).
std::string hours_minutes_seconds(std::chrono::seconds duration);

/// Slurm's --mem (MiB by default; K, M, G, T are powers of 1024).
std::string slurm_memory(std::uint64_t bytes);
/// Slurm's --time: "HH:MM:SS", or "D-HH:MM:SS" from a day on.
std::string slurm_walltime(std::chrono::seconds duration);
/// PBS's mem= (kb, mb, gb, tb are powers of 1024).
std::string pbs_memory(std::uint64_t bytes);
/// LSF's -M: a number of `unit`s (LSF_UNIT_FOR_LIMITS), rounded up.
std::string lsf_memory(std::uint64_t bytes, std::string_view unit);
/// LSF's -W: "HH:MM", minutes rounded up.
std::string lsf_walltime(std::chrono::seconds duration);
/// SGE's h_vmem / mem_free (K, M, G, T are powers of 1024; k, m, g powers of 1000).
std::string sge_memory(std::uint64_t bytes);

/// The directive lines of each system for `spec`, before job_directives_skip applies.
std::vector<std::string> slurm_directives(const JobSpec& spec);
std::vector<std::string> pbs_directives(const JobSpec& spec);
std::vector<std::string> lsf_directives(const JobSpec& spec);
std::vector<std::string> sge_directives(const JobSpec& spec);

/// `text` as one shell word: unchanged when it needs no quotes, else in double quotes, with
/// ", \ and ` escaped, so that $VARIABLES still expand on the compute node.
std::string shell_word(std::string_view text);

}  // namespace tessera::jobqueue::detail
