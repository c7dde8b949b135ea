#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <span>
#include <string>
#include <tessera/errors.hpp>
#include <tessera/io/store.hpp>
#include <vector>

#include "io_support.hpp"

using tessera::IoError;
using tessera::io::LocalStore;
using tessera_io_test::bytes_of;
using tessera_io_test::TemporaryDirectory;
using tessera_io_test::text_of;

TEST_CASE("a local store gives back what was set, and nothing for a missing key", "[io][store]") {
  TemporaryDirectory dir;
  LocalStore store(dir.path() / "root.zarr");
  CHECK_FALSE(store.get("a/.zarray").has_value());
  store.set("a/.zarray", bytes_of("{}"));
  store.set("a/c/0/1", bytes_of("chunk"));
  store.set("a/c/0/1", bytes_of("chunk two"));
  REQUIRE(store.get("a/c/0/1").has_value());
  CHECK(text_of(*store.get("a/c/0/1")) == "chunk two");
  CHECK(std::filesystem::is_regular_file(dir.path() / "root.zarr/a/c/0/1"));
  store.set("empty", {});
  REQUIRE(store.get("empty").has_value());
  CHECK(store.get("empty")->empty());
}

TEST_CASE("a local store lists the keys under a prefix, sorted, and erases them", "[io][store]") {
  TemporaryDirectory dir;
  LocalStore store(dir.path());
  for (const char* key : {"b/c/1", "a/.zarray", "a/0.0", "a/0.1", "ab/x"}) {
    store.set(key, bytes_of(key));
  }
  CHECK(store.list("a/") == std::vector<std::string>{"a/.zarray", "a/0.0", "a/0.1"});
  CHECK(store.list("a") == std::vector<std::string>{"a/.zarray", "a/0.0", "a/0.1", "ab/x"});
  CHECK(store.list("").size() == 5);
  CHECK(store.list("missing/").empty());
  store.erase("a/0.0");
  store.erase("a/0.0");  // erasing twice is not an error
  CHECK(store.list("a/") == std::vector<std::string>{"a/.zarray", "a/0.1"});
}

namespace {
// A store that lists through LocalStore but keeps Store's own list_dir.
class ListingOnly final : public tessera::io::Store {
 public:
  explicit ListingOnly(const LocalStore& local) : local_(local) {}
  std::optional<tessera::io::Bytes> get(std::string_view key) const override {
    return local_.get(key);
  }
  void set(std::string_view, std::span<const std::byte>) override {}
  void erase(std::string_view) override {}
  std::vector<std::string> list(std::string_view prefix) const override {
    return local_.list(prefix);
  }
  std::string describe(std::string_view key) const override { return local_.describe(key); }

 private:
  const LocalStore& local_;
};
}  // namespace

TEST_CASE("list_dir gives the names one level down, sorted, in any store", "[io][store]") {
  TemporaryDirectory dir;
  LocalStore store(dir.path());
  for (const char* key : {"a/x", "a/y/z", "a/y/w", "a.b/c", "top", "a/c/0/0"}) {
    store.set(key, bytes_of(key));
  }
  std::ofstream(dir.path() / "a" / "x.tessera-tmp.12.0") << "a write in progress";
  ListingOnly listing(store);
  for (const tessera::io::Store* s : {static_cast<const tessera::io::Store*>(&store),
                                      static_cast<const tessera::io::Store*>(&listing)}) {
    CHECK(s->list_dir("") == std::vector<std::string>{"a", "a.b", "top"});
    CHECK(s->list_dir("a/") == std::vector<std::string>{"c", "x", "y"});
    CHECK(s->list_dir("a/y/") == std::vector<std::string>{"w", "z"});
    CHECK(s->list_dir("missing/").empty());
  }
}

TEST_CASE("get_range reads a part of a value, from its start or its end, in any store",
          "[io][store]") {
  TemporaryDirectory dir;
  LocalStore store(dir.path());
  store.set("v", bytes_of("0123456789"));
  ListingOnly fallback(store);
  for (const tessera::io::Store* s : {static_cast<const tessera::io::Store*>(&store),
                                      static_cast<const tessera::io::Store*>(&fallback)}) {
    CHECK(text_of(*s->get_range("v", 2, 3)) == "234");
    CHECK(text_of(*s->get_range("v", -4, 4)) == "6789");
    CHECK(text_of(*s->get_range("v", -4, 2)) == "67");
    CHECK(s->get_range("v", 10, 0)->empty());
    CHECK_FALSE(s->get_range("missing", 0, 1).has_value());
    CHECK_THROWS_WITH(s->get_range("v", 8, 3),
                      Catch::Contains("/v' holds 10 bytes, fewer than the 3 at offset 8"));
    CHECK_THROWS_AS(s->get_range("v", -11, 1), IoError);
  }
}

TEST_CASE("a failed write leaves no temporary file and the previous value", "[io][store]") {
  TemporaryDirectory dir;
  LocalStore store(dir.path());
  store.set("d/inside", bytes_of("x"));
  // "d" is a directory: renaming a file over it fails after the temporary file was written.
  CHECK_THROWS_WITH(store.set("d", bytes_of("value")),
                    Catch::Contains("cannot write") &&
                        Catch::Contains(dir.path().string() + "/d") &&
                        Catch::Contains("directory"));
  CHECK(store.list("") == std::vector<std::string>{"d/inside"});
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir.path())) {
    files += entry.is_regular_file() ? 1 : 0;
  }
  CHECK(files == 1);
}

TEST_CASE("store failures are IoErrors naming the path and the system's reason", "[io][store]") {
  TemporaryDirectory dir;
  std::ofstream(dir.path() / "plain") << "a file, not a directory";
  LocalStore store(dir.path());
  CHECK_THROWS_AS(store.set("plain/chunk", bytes_of("x")), IoError);
  CHECK_THROWS_WITH(
      store.set("plain/chunk", bytes_of("x")),
      Catch::Contains(dir.path().string() + "/plain") && Catch::Contains("Not a directory"));
  CHECK_THROWS_WITH(store.get("../escape"), Catch::Contains("'../escape'"));
  CHECK_THROWS_AS(store.set("/absolute", bytes_of("x")), IoError);
  CHECK_THROWS_AS(store.get("a//b"), IoError);
}

TEST_CASE("a location where no file can be made is an IoError naming the key's path",
          "[io][store]") {
  // /proc/self is a directory in which even root cannot create a file.
  LocalStore store("/proc/self");
  CHECK_THROWS_AS(store.set("tessera-cannot-write-here", bytes_of("x")), IoError);
  CHECK_THROWS_WITH(store.set("tessera-cannot-write-here", bytes_of("x")),
                    Catch::Contains("cannot write '/proc/self/tessera-cannot-write-here': "));
}
