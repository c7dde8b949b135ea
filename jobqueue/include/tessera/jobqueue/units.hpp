#pragma once
// Memory sizes and durations as users write them, parsed exactly. The batch systems' own
// spellings (Slurm's --mem=15259M, LSF's -W 01:30, ...) are written by the job scripts.

#include <chrono>
#include <cstdint>
#include <string_view>

namespace tessera::jobqueue {

/// Bytes in a memory string: a number (fractions allowed) and a unit, with or without a space,
/// in any case: B; KB, MB, GB, TB, PB (powers of 1000); KiB, MiB, GiB, TiB, PiB (powers of
/// 1024). "16GB" is 16e9 bytes, "16 GiB" 16 * 2^30, "1.5TB" 1.5e12; a bare number is bytes.
/// Fractions of a byte round up. One-letter units ("16G") are refused, because batch systems
/// read them as powers of 1024 and Dask as powers of 1000. ConfigError naming `parameter` and
/// the text when it is not a size above zero that fits in 64 bits.
std::uint64_t parse_memory(std::string_view text, std::string_view parameter = "memory");

/// How a bare number (no unit, no colon) is read by parse_duration.
enum class BareNumber {
  refused,  ///< An error: Slurm reads "90" as minutes, PBS as seconds (walltime).
  seconds,  ///< Seconds (death_timeout, lifetime).
};

/// A duration: "[D-]HH:MM:SS" (hours may exceed 23 without days), "D-HH" or "D-HH:MM"
/// (Slurm's forms), or numbers with units "2h", "90m", "1h30m", "45s", "1d". "HH:MM" is
/// refused as ambiguous (LSF reads hours:minutes, Slurm and PBS minutes:seconds). Minutes and
/// seconds after a colon must be below 60. ConfigError naming `parameter` and the text when it
/// is none of these.
std::chrono::seconds parse_duration(std::string_view text, std::string_view parameter,
                                    BareNumber bare = BareNumber::seconds);

}  // namespace tessera::jobqueue
