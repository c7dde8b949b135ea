// Fusion: an elementwise expression followed by a reduction lowers to one partial task per
// block, reading its input blocks directly; no task makes an intermediate block.

#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "tessera/array.hpp"

namespace {

using tessera::detail::Node;
using tessera::detail::NodePtr;

// Every node reachable from `outputs` (arguments first), each once.
std::vector<const Node*> reachable(const std::vector<NodePtr>& outputs) {
  std::vector<const Node*> order;
  std::set<const Node*> seen;
  std::vector<const Node*> stack;
  for (const auto& n : outputs) stack.push_back(n.get());
  while (!stack.empty()) {
    const Node* n = stack.back();
    stack.pop_back();
    if (!seen.insert(n).second) continue;
    order.push_back(n);
    for (const auto& arg : n->args()) {
      if (const auto* p = arg.node()) stack.push_back(p->get());
    }
  }
  return order;
}

// The nodes among a node's arguments that are in `among`.
std::set<const Node*> inputs_among(const Node* n, const std::set<const Node*>& among) {
  std::set<const Node*> found;
  for (const auto& arg : n->args()) {
    if (const auto* p = arg.node(); p && among.count(p->get())) {
      found.insert(p->get());
    }
  }
  return found;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The block index "(i,j)" at the end of a key.
std::pair<int, int> index_of(const std::string& key) {
  const auto open = key.rfind('(');
  const auto comma = key.find(',', open);
  return {std::stoi(key.substr(open + 1)), std::stoi(key.substr(comma + 1))};
}

tessera::Array<double> square_matrix(std::int64_t n, std::int64_t chunk) {
  std::vector<double> values(static_cast<std::size_t>(n * n));
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<double>(i % 97);
  return tessera::from_vector(values, {n, n}, tessera::ChunkSpec{chunk, chunk});
}

}  // namespace

// The source blocks among a node's arguments, counted once per argument that reads one.
std::size_t source_arguments(const Node* n, const std::set<const Node*>& among) {
  std::size_t count = 0;
  for (const auto& arg : n->args()) {
    if (const auto* p = arg.node(); p && among.count(p->get())) ++count;
  }
  return count;
}

TEST_CASE("(x + x.T()).sum() reads blocks x[i,j] and x[j,i] once, in one task for the pair") {
  tessera::Client client(tessera::ClientOptions{"sync"});
  const auto x = square_matrix(8, 2);  // 4 x 4 blocks
  const auto total = (x + x.T()).sum(tessera::Axes{}, {.split_every = 4});

  const auto sources = tessera::detail::array::block_nodes(x.handle());
  REQUIRE(sources.size() == 16);
  const std::set<const Node*> source_set = [&] {
    std::set<const Node*> s;
    for (const auto& n : sources) s.insert(n.get());
    return s;
  }();

  int pairs = 0, diagonal = 0, combines = 0, others = 0;
  std::map<const Node*, int> reads;  // tasks reading each source block
  const auto outputs = tessera::detail::array::block_nodes(total.handle());  // keeps the graph
  for (const Node* n : reachable(outputs)) {
    if (!n->is_task()) continue;
    INFO(n->key);
    CHECK_FALSE(contains(n->key, "add"));
    CHECK_FALSE(contains(n->key, "transpose"));
    for (const Node* source : inputs_among(n, source_set)) ++reads[source];
    if (contains(n->key, "-pair,") || contains(n->key, "-partial,")) {
      const auto [i, j] = index_of(n->key);
      const std::set<const Node*> expected{sources[static_cast<std::size_t>(i * 4 + j)].get(),
                                           sources[static_cast<std::size_t>(j * 4 + i)].get()};
      CHECK(inputs_among(n, source_set) == expected);
      CHECK(source_arguments(n, source_set) == 2);  // x's block and x.T's, each passed once
      if (contains(n->key, "-pair,")) {
        ++pairs;
        CHECK(i < j);
      } else {
        ++diagonal;
        CHECK(i == j);
      }
    } else if (contains(n->key, "-combine-")) {
      ++combines;
      CHECK(inputs_among(n, source_set).empty());
    } else {
      ++others;  // the aggregate
      CHECK(inputs_among(n, source_set).empty());
    }
  }
  CHECK(pairs == 6);
  CHECK(diagonal == 4);
  CHECK(combines == 3);  // 10 partials combined 4 at a time, then one aggregate of 3
  CHECK(others == 1);
  REQUIRE(reads.size() == 16);
  for (const auto& [source, tasks] : reads) CHECK(tasks == 1);

  double expected = 0;
  const auto m = x.compute();
  for (double v : m.values()) expected += 2 * v;
  CHECK(total.compute().item() == Approx(expected));
}

TEST_CASE("sums over x and x.T pair their blocks only where that is the same sum") {
  const std::string scheduler = GENERATE(as<std::string>{}, "sync", "threads");
  CAPTURE(scheduler);
  tessera::Client client(tessera::ClientOptions{scheduler, 2});
  std::vector<std::int32_t> ints(7 * 7);
  for (std::size_t i = 0; i < ints.size(); ++i) {
    ints[i] = 300000000 + static_cast<std::int32_t>(i * 7919 % 1000);
  }
  const auto a = tessera::from_vector(ints, {7, 7}, tessera::ChunkSpec{3, 3});  // ragged grid
  std::int64_t exact = 0;
  for (std::int64_t r = 0; r < 7; ++r) {
    for (std::int64_t c = 0; c < 7; ++c) {
      exact += std::int64_t{ints[static_cast<std::size_t>(r * 7 + c)]} * 3 +
               ints[static_cast<std::size_t>(c * 7 + r)];
    }
  }
  // Elements of about 1.2e9 in int32: the sum of a pair overflows int32, so pairs add in the
  // sum's int64.
  CHECK((a * 3 + a.T()).sum().compute().item() == exact);

  // A nan-skipping sum and a sum along one axis keep one task per block.
  std::vector<double> values(6 * 6, 1.0);
  values[3] = std::nan("");  // x[0, 3], in block (0, 1): its pair x[3, 0] must still count
  const auto x = tessera::from_vector(values, {6, 6}, tessera::ChunkSpec{2, 2});
  CHECK((x + x.T()).nansum().compute().item() == Approx(2.0 * 36 - 4));
  // where(x.T > 0, x, 5) is NaN at (0, 3) and 5 at (3, 0): summed as a pair, the 5 would go.
  CHECK(tessera::where(x.T() > 0.0, x, 5.0).nansum().compute().item() == Approx(36 - 2 + 5));
  const auto rows = (x * 2 + x.T()).sum(tessera::Axes{1}).compute();
  CHECK(std::isnan(rows.values()[0]));
  CHECK(std::isnan(rows.values()[3]));
  CHECK(rows.values()[1] == Approx(18.0));
}

TEST_CASE("a chain of elementwise operations and a mean along an axis fuse into the partials") {
  tessera::Client client(tessera::ClientOptions{"threads", 2});
  const auto x = square_matrix(9, 4);  // ragged: 3 x 3 blocks
  const auto y = tessera::sqrt(tessera::abs(x * 2.0 + 1.0 - x.T() * 0.5)).mean(0);
  std::map<std::string, int> kinds;
  const auto outputs = tessera::detail::array::block_nodes(y.handle());
  for (const Node* n : reachable(outputs)) {
    if (!n->is_task()) continue;
    INFO(n->key);
    CHECK(n->key.rfind("mean-", 0) == 0);  // every task belongs to the reduction
    kinds[contains(n->key, "-partial,") ? "partial" : "other"]++;
  }
  CHECK(kinds["partial"] == 9);
  CHECK(kinds["other"] == 3);  // one aggregate per output block (split_every 8 > 3)

  const auto m = x.compute();
  const auto got = y.compute();
  for (std::int64_t j = 0; j < 9; ++j) {
    double sum = 0;
    for (std::int64_t i = 0; i < 9; ++i) {
      sum += std::sqrt(std::fabs(m(i, j) * 2.0 + 1.0 - m(j, i) * 0.5));
    }
    CHECK(got(j) == Approx(sum / 9));
  }
}

TEST_CASE("an elementwise expression alone lowers to one task per output block") {
  tessera::Client client(tessera::ClientOptions{"sync"});
  const auto x = square_matrix(6, 3);
  const auto y = (x * x.T() + 1.0).astype<float>();
  const auto blocks = tessera::detail::array::block_nodes(y.handle());
  REQUIRE(blocks.size() == 4);
  int tasks = 0;
  for (const Node* n : reachable(blocks)) tasks += n->is_task() ? 1 : 0;
  CHECK(tasks == 4);
  CHECK(y.compute()(1, 4) == Approx(x.compute()(1, 4) * x.compute()(4, 1) + 1.0));
}
