// Settings: bounds on every value, validate_all() (run as a Runtime or a local Client starts),
// and settings that modules define for themselves.

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "tessera/client.hpp"
#include "tessera/config.hpp"
#include "tessera/errors.hpp"
#include "tessera/runtime.hpp"
#include "test_support.hpp"

namespace {

using tessera_test::ConfigReset;
using tessera_test::EnvGuard;

// The ConfigError that validate_all() throws, or "" if it throws none.
std::string validation_error() {
  try {
    tessera::config::validate_all();
  } catch (const tessera::ConfigError& error) {
    return error.what();
  }
  return "";
}

bool is_three_letters(std::string_view text) { return text.size() == 3; }

}  // namespace

using tessera_test::contains;

TEST_CASE("validate_all names the variable, the value and what is allowed for each bad value") {
  ConfigReset reset;
  struct Bad {
    const char* variable;
    const char* value;
    const char* allowed;
  };
  const Bad bad = GENERATE(
      Bad{"TESSERA_WORKER_THREADS", "1000000", "[0, 4096]"},
      Bad{"TESSERA_WORKER_THREADS", "-1", "[0, 4096]"},
      Bad{"TESSERA_NUM_THREADS", "100000", "[0, 4096]"},
      Bad{"TESSERA_NUM_THREADS", "-3", "[0, 4096]"},
      Bad{"TESSERA_NUM_THREADS", "99999999999999999999", "[0, 4096]"},
      Bad{"TESSERA_SCHEDULER", "bogus", "\"threads\" or \"sync\""},
      Bad{"TESSERA_WORKER_MEMORY_LIMIT", "99999999999TiB", "below 16 EiB"},
      Bad{"TESSERA_WORKER_MEMORY_LIMIT", "18446744073709551616", "below 16 EiB"},
      Bad{"TESSERA_WORKER_MEMORY_LIMIT", "20000000000GB", "below 16 EiB"},
      Bad{"TESSERA_WORKER_MEMORY_SPILL", "0", "a fraction in (0, 1]"},
      Bad{"TESSERA_WORKER_MEMORY_PAUSE", "nan", "a fraction in (0, 1]"},
      Bad{"TESSERA_RESOURCES", "GPU=-1", "finite number >= 0"},
      Bad{"TESSERA_RESOURCES", "GPU=inf", "finite number >= 0"},
      Bad{"TESSERA_RESOURCES", "GPU=nan", "finite number >= 0"},
      Bad{"TESSERA_RESOURCES", "GPU=1,GPU=2", "each name once"},
      Bad{"TESSERA_RESOURCES", "GPU=1,", "NAME=amount"},
      Bad{"TESSERA_SPILL_DIRECTORY", "/nonexistent/tessera-spill", "an existing directory"},
      Bad{"TESSERA_EVENTS_LIMIT", "x", "an integer in [0, 1000000000]"},
      Bad{"TESSERA_TASK_STREAM_LIMIT", "10000000000", "an integer in [0, 1000000000]"},
      Bad{"TESSERA_TRANSPORT", "carrier-pigeon", "\"ucx\""});
  CAPTURE(bad.variable, bad.value);
  CHECK(validation_error().empty());
  EnvGuard env(bad.variable, bad.value);
  const std::string error = validation_error();
  CHECK(contains(error, std::string("environment variable ") + bad.variable));
  CHECK(contains(error, std::string("\"") + bad.value + "\""));
  CHECK(contains(error, bad.allowed));
}

TEST_CASE("validate_all lists every bad setting at once") {
  ConfigReset reset;
  EnvGuard threads("TESSERA_NUM_THREADS", "100000");
  EnvGuard events("TESSERA_EVENTS_LIMIT", "x");
  const std::string error = validation_error();
  CHECK(contains(error, "TESSERA_NUM_THREADS is \"100000\""));
  CHECK(contains(error, "TESSERA_EVENTS_LIMIT is \"x\""));
}

TEST_CASE("values at the bounds are allowed") {
  ConfigReset reset;
  EnvGuard threads("TESSERA_NUM_THREADS", "4096");
  EnvGuard workers("TESSERA_WORKER_THREADS", "0");
  EnvGuard memory("TESSERA_WORKER_MEMORY_LIMIT", "16777215TiB");  // 2^64 - 2^40 bytes
  EnvGuard spill("TESSERA_WORKER_MEMORY_SPILL", "1");
  EnvGuard resources("TESSERA_RESOURCES", "GPU=0,MEMORY=64e9");
  const auto directory = std::filesystem::temp_directory_path().string();
  EnvGuard spill_directory("TESSERA_SPILL_DIRECTORY", directory.c_str());
  CHECK(validation_error().empty());
  CHECK(tessera::config::get_bytes("worker_memory_limit") == (std::uint64_t{16777215} << 40));
}

TEST_CASE("a spill directory that is a file is refused") {
  ConfigReset reset;
  const auto file = std::filesystem::temp_directory_path() /
                    ("tessera-not-a-directory-" + std::to_string(::getpid()));
  std::ofstream(file) << "x";
  EnvGuard env("TESSERA_SPILL_DIRECTORY", file.c_str());
  const std::string error = validation_error();
  std::filesystem::remove(file);
  CHECK(contains(error, "TESSERA_SPILL_DIRECTORY"));
  CHECK(contains(error, "an existing directory this process may write into"));
}

TEST_CASE("validate_all checks the value set in code, which hides the environment's") {
  ConfigReset reset;
  EnvGuard env("TESSERA_NUM_THREADS", "lots");
  CHECK(contains(validation_error(), "TESSERA_NUM_THREADS"));
  tessera::config::set("num_threads", "2");
  CHECK(validation_error().empty());
  // A directory checked by set() may be gone when the run starts.
  const auto directory =
      std::filesystem::temp_directory_path() / ("tessera-spill-gone-" + std::to_string(::getpid()));
  std::filesystem::create_directory(directory);
  tessera::config::set("spill_directory", directory.string());
  CHECK(validation_error().empty());
  std::filesystem::remove(directory);
  CHECK(contains(validation_error(), "setting \"spill_directory\""));
}

TEST_CASE("a local Client refuses to start with a bad setting, before starting any thread") {
  ConfigReset reset;
  EnvGuard env("TESSERA_NUM_THREADS", "100000");
  CHECK_THROWS_AS(tessera::Client({.scheduler = "threads"}), tessera::ConfigError);
  // A thread count given in code is checked the same way.
  CHECK_THROWS_WITH(tessera::Client({.scheduler = "threads", .threads = 2}),
                    Catch::Contains("TESSERA_NUM_THREADS is \"100000\""));
}

TEST_CASE("a local Runtime refuses to start with a bad setting, and can start once it is fixed") {
  ConfigReset reset;
  {
    EnvGuard env("TESSERA_EVENTS_LIMIT", "x");
    CHECK_THROWS_WITH(tessera::Runtime(), Catch::Contains("TESSERA_EVENTS_LIMIT is \"x\""));
  }
  tessera::Runtime runtime;  // the failed start did not leave a Runtime claimed
  CHECK(runtime.client().submit([](int v) { return v * 2; }, 21).result() == 42);
}

TEST_CASE("set refuses values out of bounds") {
  ConfigReset reset;
  CHECK_THROWS_WITH(tessera::config::set("worker_threads", "1000000"),
                    Catch::Contains("worker_threads") && Catch::Contains("[0, 4096]"));
  CHECK_THROWS_AS(tessera::config::set("worker_memory_limit", "99999999999TiB"),
                  tessera::ConfigError);
  CHECK_THROWS_AS(tessera::config::set("resources", "GPU=-1"), tessera::ConfigError);
  CHECK_THROWS_AS(tessera::config::set("spill_directory", "/nonexistent/tessera-spill"),
                  tessera::ConfigError);
  tessera::config::set("worker_threads", "4096");
  CHECK(tessera::config::get_int("worker_threads") == 4096);
}

TEST_CASE("a module defines its own setting, read like the core's") {
  ConfigReset reset;
  const tessera::config::Setting code{"test_module_code", "abc", "three letters", is_three_letters};
  CHECK(tessera::config::define(code));
  CHECK(tessera::config::define(code));  // the same definition again does nothing
  CHECK(tessera::config::get("test_module_code") == "abc");
  const auto names = tessera::config::names();
  CHECK(std::find(names.begin(), names.end(), "test_module_code") != names.end());

  EnvGuard env("TESSERA_TEST_MODULE_CODE", "abcd");
  CHECK_THROWS_WITH(
      tessera::config::get("test_module_code"),
      Catch::Contains("TESSERA_TEST_MODULE_CODE") && Catch::Contains("three letters"));
  CHECK(
      contains(validation_error(), "TESSERA_TEST_MODULE_CODE is \"abcd\": expected three letters"));
  tessera::config::set("test_module_code", "xyz");
  CHECK(tessera::config::get("test_module_code") == "xyz");
}

TEST_CASE("a module's setting defined twice differently, or with a bad default, is an error") {
  const tessera::config::Setting size{"test_module_size", "1MiB", "a size",
                                      tessera::config::is_bytes};
  CHECK(tessera::config::define(size));
  auto other_default = size;
  other_default.default_value = "2MiB";
  CHECK_THROWS_WITH(tessera::config::define(other_default),
                    Catch::Contains("test_module_size") && Catch::Contains("defined twice"));
  auto other_check = size;
  other_check.check = tessera::config::is_integer_in<0, 10>;
  CHECK_THROWS_AS(tessera::config::define(other_check), tessera::ConfigError);
  // A core setting cannot be taken over either.
  CHECK_THROWS_AS(tessera::config::define({"num_threads", "0", "anything", is_three_letters}),
                  tessera::ConfigError);

  CHECK_THROWS_WITH(
      tessera::config::define({"test_module_bad_default", "ab", "three letters", is_three_letters}),
      Catch::Contains("default") && Catch::Contains("\"ab\""));
  CHECK_THROWS_AS(tessera::config::get("test_module_bad_default"), tessera::ConfigError);
}
