// visualize of an Array: the graph of its blocks' tasks, drawn by Graphviz's dot, and the
// Array's compute under the "progress" setting.

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>
#include <tessera/array.hpp>
#include <tessera/config.hpp>

namespace {

std::string read_file(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("visualize draws an array's graph, one task per block of each step") {
  tessera::Client client(tessera::ClientOptions{"sync"});
  const auto dir = std::filesystem::temp_directory_path() /
                   ("tessera-array-visualize-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto x = tessera::from_vector(std::vector<double>(12, 1.0), {12}, tessera::ChunkSpec{4});
  auto total = (x * 2.0).sum();

  tessera::visualize(total, (dir / "sum.dot").string());
  const std::string dot = read_file(dir / "sum.dot");
  CHECK(dot.starts_with("digraph"));
  CHECK(dot == tessera::detail::to_dot(tessera::detail::array::block_nodes(total.handle())));

  tessera::visualize(total, (dir / "sum.svg").string());
  CHECK(read_file(dir / "sum.svg").find("<svg") != std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("an array's compute draws a progress bar when the progress setting is on") {
  tessera::Client client(tessera::ClientOptions{"threads"});
  tessera::config::set("progress", "1");
  std::ostringstream captured;
  auto* old = std::cout.rdbuf(captured.rdbuf());
  auto x = tessera::from_vector(std::vector<double>(12, 1.0), {12}, tessera::ChunkSpec{4});
  const double total = x.sum().compute().item();
  std::cout.rdbuf(old);
  tessera::config::reset();
  CHECK(total == Approx(12.0));
  CHECK(captured.str().find(" tasks (100%)") != std::string::npos);
}
