// Memory strings and durations: parsing, and their spelling in each batch system.

#include <catch2/catch.hpp>
#include <tessera/errors.hpp>
#include <tessera/jobqueue/units.hpp>

#include "formats.hpp"
#include "jobqueue_support.hpp"

using tessera_jobqueue_test::config_error;

using namespace tessera::jobqueue;
using namespace std::chrono_literals;

TEST_CASE("memory strings are read with decimal and binary units") {
  const std::pair<const char*, std::uint64_t> table[] = {
      {"4096", 4096},
      {"4096B", 4096},
      {"1KB", 1000},
      {"1KiB", 1024},
      {"500MB", 500000000},
      {"500 MiB", 500ull << 20},
      {"16GB", 16000000000},
      {"16 GiB", 16ull << 30},
      {"16gb", 16000000000},
      {"16gib", 16ull << 30},
      {"1.5TB", 1500000000000},
      {"1.5TiB", 3ull << 39},
      {"2PB", 2000000000000000},
      {"1PiB", 1ull << 50},
      {"0.5KiB", 512},
      {"1.0001KB", 1001},  // 1000.1 bytes round up
      {" 8GB ", 8000000000},
      {"16EiB", 0},  // placeholder, checked below as too large
  };
  for (const auto& [text, bytes] : table) {
    if (bytes == 0) continue;
    INFO(text);
    CHECK(parse_memory(text) == bytes);
  }
}

TEST_CASE("bad memory strings are ConfigErrors naming the parameter and the text") {
  const std::pair<const char*, const char*> table[] = {
      {"16XB", "unknown unit \"XB\""},
      {"16G", "\"G\" is ambiguous: write GB (powers of 1000) or GiB (powers of 1024)"},
      {"16 k", "\"K\" is ambiguous"},
      {"", "expected a size such as 16GB"},
      {"GB", "expected a size such as 16GB"},
      {"-1GB", "expected a size above zero"},
      {"0", "expected a size above zero"},
      {"0GB", "expected a size above zero"},
      {"20EB", "unknown unit"},
      {"17000PiB", "more than 16 EiB"},
      {"1..5GB", "unknown unit"},
  };
  for (const auto& [text, problem] : table) {
    INFO(text);
    CHECK_THAT(config_error([&] { (void)parse_memory(text, "memory"); }),
               Catch::Matchers::StartsWith("jobqueue: memory is \"" + std::string(text) + "\": ") &&
                   Catch::Matchers::Contains(problem));
  }
}

TEST_CASE("memory is spelled per system, rounded up, never below the request") {
  struct Row {
    const char* memory;
    const char* slurm;
    const char* pbs;
    const char* sge;
    const char* lsf_kb;
    const char* lsf_mb;
    const char* lsf_gb;
  };
  const Row table[] = {
      {"16GiB", "16G", "16gb", "16G", "16777216", "16384", "16"},
      {"16GB", "15259M", "15259mb", "15259M", "15625000", "15259", "15"},
      {"500MB", "477M", "477mb", "477M", "488282", "477", "1"},
      {"512MiB", "512M", "512mb", "512M", "524288", "512", "1"},
      {"2TiB", "2T", "2tb", "2T", "2147483648", "2097152", "2048"},
      {"1.5TB", "1430512M", "1430512mb", "1430512M", "1464843750", "1430512", "1397"},
      {"1KB", "1M", "1mb", "1M", "1", "1", "1"},
  };
  for (const Row& row : table) {
    INFO(row.memory);
    const std::uint64_t bytes = parse_memory(row.memory);
    CHECK(detail::slurm_memory(bytes) == row.slurm);
    CHECK(detail::pbs_memory(bytes) == row.pbs);
    CHECK(detail::sge_memory(bytes) == row.sge);
    CHECK(detail::lsf_memory(bytes, "KB") == row.lsf_kb);
    CHECK(detail::lsf_memory(bytes, "mb") == row.lsf_mb);
    CHECK(detail::lsf_memory(bytes, "GB") == row.lsf_gb);
  }
}

TEST_CASE("durations are read in the batch systems' forms and with units") {
  const std::pair<const char*, std::chrono::seconds> table[] = {
      {"00:30:00", 30min},
      {"01:00:00", 1h},
      {"48:00:00", 48h},
      {"1-00:00:00", 24h},
      {"2-12:30:15", 60h + 30min + 15s},
      {"1-12", 36h},
      {"1-12:30", 36h + 30min},
      {"0:00:01", 1s},
      {"90m", 90min},
      {"2h", 2h},
      {"1h30m", 90min},
      {"45s", 45s},
      {"1d", 24h},
      {"1d12h", 36h},
      {"60", 60s},
  };
  for (const auto& [text, duration] : table) {
    INFO(text);
    CHECK(parse_duration(text, "death_timeout") == duration);
  }
}

TEST_CASE("bad durations are ConfigErrors naming the parameter and the text") {
  const std::pair<const char*, const char*> table[] = {
      {"01:30", "ambiguous: LSF reads HH:MM"},
      {"1:60:00", "minutes and seconds must be below 60"},
      {"1:00:75", "minutes and seconds must be below 60"},
      {"1-24:00:00", "hours after days must be below 24"},
      {"one hour", "expected [D-]HH:MM:SS"},
      {"", "expected [D-]HH:MM:SS"},
      {"1:2:3:4", "expected [D-]HH:MM:SS"},
      {"-01:00:00", "expected a duration of zero or more"},
      {"2x", "expected [D-]HH:MM:SS"},
      {"h", "expected [D-]HH:MM:SS"},
      {"90", "ambiguous without a unit"},
  };
  for (const auto& [text, problem] : table) {
    INFO(text);
    CHECK_THAT(
        config_error([&] { (void)parse_duration(text, "walltime", BareNumber::refused); }),
        Catch::Matchers::StartsWith("jobqueue: walltime is \"" + std::string(text) + "\": ") &&
            Catch::Matchers::Contains(problem));
  }
}

TEST_CASE("walltimes are spelled per system") {
  struct Row {
    std::chrono::seconds duration;
    const char* slurm;
    const char* hms;  // PBS and SGE
    const char* lsf;
  };
  const Row table[] = {
      {30min, "00:30:00", "00:30:00", "00:30"}, {1h + 30min + 1s, "01:30:01", "01:30:01", "01:31"},
      {36h, "1-12:00:00", "36:00:00", "36:00"}, {7 * 24h + 5s, "7-00:00:05", "168:00:05", "168:01"},
      {59s, "00:00:59", "00:00:59", "00:01"},
  };
  for (const Row& row : table) {
    INFO(row.slurm);
    CHECK(detail::slurm_walltime(row.duration) == row.slurm);
    CHECK(detail::hours_minutes_seconds(row.duration) == row.hms);
    CHECK(detail::lsf_walltime(row.duration) == row.lsf);
  }
}

TEST_CASE("shell words are quoted only when they must be, keeping $VARIABLES") {
  CHECK(detail::shell_word("/scratch/run-1/scheduler.json") == "/scratch/run-1/scheduler.json");
  CHECK(detail::shell_word("GPU=1,MEM=2") == "GPU=1,MEM=2");
  CHECK(detail::shell_word("$TMPDIR/x") == "\"$TMPDIR/x\"");
  CHECK(detail::shell_word("my dir") == "\"my dir\"");
  CHECK(detail::shell_word("a\"b`c\\d") == "\"a\\\"b\\`c\\\\d\"");
  CHECK(detail::shell_word("") == "\"\"");
}
