#include <catch2/catch.hpp>
#include <string>

#include "tessera/errors.hpp"

TEST_CASE("a TaskError names the key, the worker and the original exception") {
  const tessera::TaskError error("inc-1f", "thread 0", "std::runtime_error", "boom");

  CHECK(error.key() == "inc-1f");
  CHECK(error.worker() == "thread 0");
  CHECK(error.original_type() == "std::runtime_error");
  CHECK(error.original_message() == "boom");

  const std::string message = error.what();
  CHECK(message.find("inc-1f") != std::string::npos);
  CHECK(message.find("boom") != std::string::npos);
}

TEST_CASE("a TaskError is caught as a tessera::Error") {
  CHECK_THROWS_AS(throw tessera::TaskError("k", "thread 1", "std::logic_error", "bad"),
                  tessera::Error);
}
