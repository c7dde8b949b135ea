// visualize: a graph drawn by Graphviz's dot, in the format of the file's extension, and
// errors that say what to do when dot is missing or fails.

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "tessera/delayed.hpp"
#include "tessera/errors.hpp"
#include "tessera/visualize.hpp"
#include "test_support.hpp"

namespace {

namespace fs = std::filesystem;

int visualize_inc(int x) { return x + 1; }
int visualize_add(int a, int b) { return a + b; }

// A fresh directory, removed with what is in it.
struct ScratchDirectory {
  fs::path path;
  ScratchDirectory() {
    static int made = 0;
    path = fs::temp_directory_path() /
           ("tessera-visualize-" + std::to_string(::getpid()) + "-" + std::to_string(++made));
    fs::create_directories(path);
  }
  ScratchDirectory(const ScratchDirectory&) = delete;
  ScratchDirectory& operator=(const ScratchDirectory&) = delete;
  ~ScratchDirectory() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
};

std::string read_file(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

tessera::Delayed<int> small_graph() {
  auto a = tessera::delayed(visualize_inc, {.key = "inc-a"})(1);
  auto b = tessera::delayed(visualize_inc, {.key = "inc-b"})(2);
  return tessera::delayed(visualize_add, {.key = "total"})(a, b);
}

}  // namespace

TEST_CASE("visualize draws a Delayed's graph as SVG, PNG, PDF or DOT by the file's extension") {
  ScratchDirectory dir;
  struct Format {
    const char* name;
    const char* starts_with;
  };
  const Format format = GENERATE(Format{"graph.svg", "<?xml"}, Format{"graph.png", "\x89PNG"},
                                 Format{"graph.pdf", "%PDF"}, Format{"graph.dot", "digraph"},
                                 Format{"GRAPH.SVG", "<?xml"});
  const fs::path path = dir.path / format.name;
  tessera::visualize(small_graph(), path.string());
  const std::string drawn = read_file(path);
  CHECK(drawn.starts_with(format.starts_with));
  if (std::string(format.name).ends_with("svg") || std::string(format.name).ends_with("SVG")) {
    CHECK(tessera_test::contains(drawn, "<svg"));
    CHECK(tessera_test::contains(drawn, "inc&#45;a"));  // dot escapes the hyphen
    CHECK(tessera_test::contains(drawn, "total"));
  }
}

TEST_CASE("visualize without Graphviz's dot on PATH says to install it") {
  ScratchDirectory dir;
  ScratchDirectory empty;
  tessera_test::EnvGuard path("PATH", empty.path.c_str());
  const auto svg = (dir.path / "graph.svg").string();
  CHECK_THROWS_MATCHES(tessera::visualize(small_graph(), svg), tessera::Error,
                       Catch::Matchers::Predicate<tessera::Error>(
                           [&](const tessera::Error& error) {
                             const std::string message = error.what();
                             return tessera_test::contains(message, svg) &&
                                    tessera_test::contains(message,
                                                           "\"dot\" program is not on PATH") &&
                                    tessera_test::contains(message, "install Graphviz") &&
                                    tessera_test::contains(message, "apt-get install graphviz") &&
                                    tessera_test::contains(message, ".dot file name");
                           },
                           "names dot, the file and how to install Graphviz"));
  CHECK(!fs::exists(svg));
  // DOT text needs no Graphviz.
  tessera::visualize(small_graph(), (dir.path / "graph.dot").string());
  CHECK(read_file(dir.path / "graph.dot").starts_with("digraph"));
}

TEST_CASE("when dot fails, visualize says so with what dot said") {
  ScratchDirectory dir;
  const auto svg = (dir.path / "broken.svg").string();
  CHECK_THROWS_WITH(tessera::render_dot("digraph { a -> }", svg),
                    Catch::Contains("Graphviz's \"dot\" could not draw " + svg) &&
                        Catch::Contains("exit status 1") && Catch::Contains("syntax error"));
  const auto nowhere = (dir.path / "no-such-directory" / "graph.png").string();
  CHECK_THROWS_WITH(tessera::visualize(small_graph(), nowhere),
                    Catch::Contains("could not draw " + nowhere) && Catch::Contains(nowhere));
}

TEST_CASE("visualize refuses a file name it cannot write, naming the extensions it can") {
  for (const std::string name : {"graph.jpg", "graph"}) {
    CHECK_THROWS_MATCHES(tessera::visualize(small_graph(), name), tessera::Error,
                         Catch::Matchers::Predicate<tessera::Error>(
                             [&](const tessera::Error& error) {
                               const std::string message = error.what();
                               return tessera_test::contains(message, name) &&
                                      tessera_test::contains(message, ".svg, .png, .pdf or .dot");
                             },
                             "names the file and the extensions allowed"));
    CHECK(!std::filesystem::exists(name));
  }
}
