// Basic indexing and blocks(): results against plain loops over the indices, on many shapes
// and chunkings, and the blocks a selection computes (culling).

#include <atomic>
#include <catch2/catch.hpp>
#include <optional>

#include "structure_support.hpp"
#include "tessera/array.hpp"

using namespace structure_test;
using tessera::Index;
using tessera::Slice;

namespace {

// The selected indices along each input axis (empty optional: an integer, dropping the
// axis), written from Python's definition of slices.
struct Reference {
  Shape shape;
  std::vector<std::int64_t> values;
};

Reference reference(const Shape& shape, const std::vector<Index>& given) {
  std::vector<Index> index;
  std::size_t used = 0;
  for (const auto& i : given) {
    if (i.kind() == Index::Kind::integer || i.kind() == Index::Kind::slice) ++used;
  }
  for (const auto& i : given) {
    if (i.kind() == Index::Kind::ellipsis) {
      for (std::size_t k = used; k < shape.size(); ++k) index.emplace_back(tessera::all);
      used = shape.size();
    } else {
      index.push_back(i);
    }
  }
  for (std::size_t k = used; k < shape.size(); ++k) index.emplace_back(tessera::all);

  // Per output axis: the input axis and the indices along it (-1 axis: a new axis).
  std::vector<std::pair<int, std::vector<std::int64_t>>> out;
  std::vector<std::int64_t> fixed(shape.size(), -1);
  std::size_t p = 0;
  for (const auto& i : index) {
    if (i.kind() == Index::Kind::new_axis) {
      out.push_back({-1, {0}});
      continue;
    }
    const std::int64_t n = shape[p];
    if (i.kind() == Index::Kind::integer) {
      fixed[p] = i.integer() < 0 ? i.integer() + n : i.integer();
    } else {
      const Slice s = i.slice();
      std::vector<std::int64_t> picked;
      for (std::int64_t k = 0; k < n; ++k) {
        // k is picked if it is start + m * step for m >= 0 before stop (Python semantics).
        auto norm = [&](std::int64_t v) { return v < 0 ? v + n : v; };
        if (s.step > 0) {
          const std::int64_t start = s.start ? std::clamp<std::int64_t>(norm(*s.start), 0, n) : 0;
          const std::int64_t stop = s.stop ? std::clamp<std::int64_t>(norm(*s.stop), 0, n) : n;
          if (k >= start && k < stop && (k - start) % s.step == 0) picked.push_back(k);
        }
      }
      if (s.step < 0) {
        auto norm = [&](std::int64_t v) { return v < 0 ? v + n : v; };
        const std::int64_t start =
            s.start ? std::clamp<std::int64_t>(norm(*s.start), -1, n - 1) : n - 1;
        const std::int64_t stop = s.stop ? std::clamp<std::int64_t>(norm(*s.stop), -1, n - 1) : -1;
        for (std::int64_t k = start; k > stop; k += s.step) picked.push_back(k);
      }
      out.push_back({static_cast<int>(p), picked});
    }
    ++p;
  }
  Reference r;
  for (const auto& [axis, picked] : out)
    r.shape.push_back(static_cast<std::int64_t>(picked.size()));
  const std::int64_t total = product(r.shape);
  Shape at(out.size(), 0);
  for (std::int64_t e = 0; e < total; ++e) {
    std::vector<std::int64_t> src = fixed;
    for (std::size_t o = 0; o < out.size(); ++o) {
      if (out[o].first >= 0) src[static_cast<std::size_t>(out[o].first)] = out[o].second[at[o]];
    }
    std::int64_t flat = 0;
    for (std::size_t d = 0; d < shape.size(); ++d) flat = flat * shape[d] + src[d];
    r.values.push_back(flat);
    for (std::size_t o = out.size(); o-- > 0;) {
      if (++at[o] < r.shape[o]) break;
      at[o] = 0;
    }
  }
  return r;
}

std::optional<std::int64_t> random_bound(std::int64_t n, std::mt19937& rng) {
  if (rng() % 3 == 0) return std::nullopt;
  return static_cast<std::int64_t>(rng() % static_cast<unsigned>(2 * n + 5)) - n - 2;
}

Index random_index(std::int64_t n, std::mt19937& rng) {
  const auto kind = rng() % 6;
  if (kind == 0 && n > 0) {
    return static_cast<std::int64_t>(rng() % static_cast<unsigned>(2 * n)) - n;
  }
  if (kind == 1) return tessera::all;
  std::int64_t step = 1 + static_cast<std::int64_t>(rng() % 3);
  if (rng() % 2) step = -step;
  return Slice{random_bound(n, rng), random_bound(n, rng), step};
}

std::string describe(const Shape& shape, const Chunks& chunks, const std::vector<Index>& index) {
  std::string text =
      "shape " + tessera::to_string(shape) + " chunks " + tessera::to_string(chunks) + " index [";
  for (const auto& i : index) {
    switch (i.kind()) {
      case Index::Kind::integer:
        text += std::to_string(i.integer());
        break;
      case Index::Kind::slice:
        text += (i.slice().start ? std::to_string(*i.slice().start) : "") + ":" +
                (i.slice().stop ? std::to_string(*i.slice().stop) : "") + ":" +
                std::to_string(i.slice().step);
        break;
      case Index::Kind::new_axis:
        text += "newaxis";
        break;
      case Index::Kind::ellipsis:
        text += "...";
        break;
    }
    text += ", ";
  }
  return text + "]";
}

}  // namespace

TEST_CASE("basic indexing matches NumPy's semantics on many shapes and chunkings") {
  for (const char* scheduler : {"sync", "threads"}) {
    tessera::Client client(tessera::ClientOptions{scheduler});
    std::mt19937 rng(scheduler[0] == 's' ? 1 : 2);
    for (int trial = 0; trial < 150; ++trial) {
      const Shape shape = random_shape(rng);
      const Chunks chunks = random_chunks(shape, rng);
      std::vector<Index> index;
      for (std::size_t d = 0; d < shape.size(); ++d) {
        if (rng() % 5 == 0) index.emplace_back(tessera::newaxis);
        if (d + 1 == shape.size() && rng() % 4 == 0) break;  // leave the last axis out
        index.push_back(random_index(shape[d], rng));
      }
      if (rng() % 6 == 0 && !index.empty() && index[0].kind() != Index::Kind::new_axis) {
        index[0] = tessera::ellipsis;
      }
      INFO(scheduler << ": " << describe(shape, chunks, index));
      const Reference expected = reference(shape, index);
      const auto y = iota(shape, chunks).index(index);
      CHECK(y.shape() == expected.shape);
      const auto got = y.compute();
      CHECK(got.shape() == expected.shape);
      CHECK(got.to_vector() == expected.values);
    }
  }
}

TEST_CASE("slices read as NumPy's: steps, negative steps and indices, new axes, ellipsis") {
  tessera::Client client(tessera::ClientOptions{"sync"});
  using tessera::all;
  using tessera::newaxis;
  using tessera::slice;
  const auto x = iota({6, 10}, {{4, 2}, {3, 3, 3, 1}});
  CHECK(x(slice(2, 10, 2), 3, newaxis).compute().to_vector() == std::vector<std::int64_t>{23, 43});
  CHECK(x(slice(2, 10, 2), 3, newaxis).shape() == Shape{2, 1});
  CHECK(x(all, -1).compute().to_vector() == std::vector<std::int64_t>{9, 19, 29, 39, 49, 59});
  CHECK(x(-1, slice({}, {}, -3)).compute().to_vector() ==
        std::vector<std::int64_t>{59, 56, 53, 50});
  CHECK(x(tessera::ellipsis, 0).compute().to_vector() ==
        std::vector<std::int64_t>{0, 10, 20, 30, 40, 50});
  CHECK(x(slice(4, 2)).shape() == Shape{0, 10});
  CHECK(x(slice(4, 2)).compute().size() == 0);
  CHECK(x(2, 3).shape() == Shape{});
  CHECK(x(2, 3).compute().item() == 23);
  CHECK(x(newaxis).shape() == Shape{1, 6, 10});
  // Chunks follow the input's blocks that the selection touches.
  CHECK(x(slice(1, 5), slice(2, 8)).chunks() == Chunks{{3, 1}, {1, 3, 2}});
  CHECK(x(slice({}, {}, -1), 0).chunks() == Chunks{{2, 4}});
}

TEST_CASE(
    "an index out of range or a zero step is an ArrayError naming the index, axis and shape") {
  tessera::Client client(tessera::ClientOptions{"sync"});
  const auto x = iota({4, 5}, {{2, 2}, {5}});
  using Catch::Matchers::Contains;
  CHECK_THROWS_WITH(x(0, 5), Contains("index 5") && Contains("axis 1") && Contains("(4, 5)"));
  CHECK_THROWS_WITH(x(-5), Contains("index -5") && Contains("axis 0") && Contains("(4, 5)"));
  CHECK_THROWS_WITH(x(tessera::all, tessera::slice(0, 4, 0)),
                    Contains("step cannot be zero") && Contains("axis 1") && Contains("(4, 5)"));
  CHECK_THROWS_WITH(x(0, 0, 0), Contains("too many indices") && Contains("(4, 5)"));
  CHECK_THROWS_AS(x(tessera::ellipsis, 0, tessera::ellipsis), tessera::ArrayError);
  CHECK_THROWS_WITH(x.blocks(2), Contains("index 2") && Contains("axis 0") && Contains("blocks"));
}

namespace {
std::atomic<int> blocks_made{0};
std::vector<double> counted_block(const tessera::BlockInfo& info) {
  ++blocks_made;
  std::vector<double> values(static_cast<std::size_t>(info.shape[0]));
  for (std::size_t i = 0; i < values.size(); ++i) {
    values[i] = static_cast<double>(info.start[0] + static_cast<std::int64_t>(i));
  }
  return values;
}
}  // namespace
TESSERA_TASK(counted_block);

TEST_CASE("slicing an array of a million blocks builds and runs only the blocks it needs") {
  tessera::Client client(tessera::ClientOptions{"threads"});
  const auto x = tessera::from_function<double>(counted_block, {1'000'000}, tessera::ChunkSpec{1});
  CHECK(x.numblocks() == Shape{1'000'000});
  blocks_made = 0;
  const auto head = x(tessera::slice(0, 10));
  CHECK(graph_stats(head).nodes <= 30);
  CHECK(head.compute().to_vector() == std::vector<double>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  CHECK(blocks_made == 10);

  // Bounds inside blocks: the blocks touched, each cut by a small task.
  const auto y =
      tessera::from_function<double>(counted_block, {10'000'000}, tessera::ChunkSpec{10});
  blocks_made = 0;
  const auto middle = y(tessera::slice(5, 25));
  auto stats = graph_stats(middle);
  CHECK(stats.tasks["tessera.array.cut"] == 2);
  CHECK(middle.compute().to_vector().front() == 5);
  CHECK(blocks_made == 3);
  // Whole blocks are the input's blocks themselves: no task of their own.
  const auto whole = y(tessera::slice(10, 30));
  CHECK(graph_stats(whole).tasks.count("tessera.array.cut") == 0);
  const std::string key(whole.to_delayed()[0].key());
  CHECK(key.find("counted_block") != std::string::npos);  // the input's block 1 itself
  CHECK(key.ends_with(",(1)"));
}

TEST_CASE("blocks() selects blocks by their index in the grid, as Dask's x.blocks[...]") {
  for (const char* scheduler : {"sync", "threads"}) {
    tessera::Client client(tessera::ClientOptions{scheduler});
    const auto x = iota({7, 5}, {{3, 3, 1}, {2, 3}});
    auto b = x.blocks(1);
    CHECK(b.shape() == Shape{3, 5});
    CHECK(b.compute().to_vector() == x(tessera::slice(3, 6)).compute().to_vector());
    auto c = x.blocks(tessera::slice({}, {}, -1), -1);
    CHECK(c.chunks() == Chunks{{1, 3, 3}, {3}});
    const auto m = c.compute();
    CHECK(m(0, 0) == 6 * 5 + 2);  // block row 2 (row 6) first
    CHECK(m(1, 0) == 3 * 5 + 2);  // then block row 1 (rows 3..5) in their own order
    CHECK(m(4, 2) == 4);
    CHECK(x.blocks(tessera::all, tessera::slice(0, 1)).compute().to_vector() ==
          x(tessera::all, tessera::slice(0, 2)).compute().to_vector());
    CHECK(graph_stats(x.blocks(2, 1)).tasks.empty());
  }
}

namespace {
// A random index of `shape`, as the NumPy semantics test makes them.
std::vector<Index> random_full_index(const Shape& shape, std::mt19937& rng) {
  std::vector<Index> index;
  for (std::size_t d = 0; d < shape.size(); ++d) {
    if (rng() % 5 == 0) index.emplace_back(tessera::newaxis);
    index.push_back(random_index(shape[d], rng));
  }
  return index;
}

// a.index(index) against the elements of `a` computed whole, picked as NumPy would.
template <class T>
void check_index(const tessera::Array<T>& a, const std::vector<Index>& index) {
  const auto whole = a.compute();
  const Reference expected = reference(a.shape(), index);
  const auto got = a.index(index);
  REQUIRE(got.shape() == expected.shape);
  std::vector<T> values;
  for (std::int64_t at : expected.values)
    values.push_back(whole.values()[static_cast<std::size_t>(at)]);
  CHECK(got.compute().to_vector() == values);
}
}  // namespace

TEST_CASE("an index of an elementwise expression gives the values of the expression indexed") {
  for (const char* scheduler : {"sync", "threads"}) {
    tessera::Client client(tessera::ClientOptions{scheduler});
    std::mt19937 rng(scheduler[0] == 's' ? 3 : 4);
    for (int trial = 0; trial < 60; ++trial) {
      const Shape shape = random_shape(rng, 3, 9);
      const Chunks chunks = random_chunks(shape, rng);
      const std::vector<Index> index = random_full_index(shape, rng);
      INFO(scheduler << ": " << describe(shape, chunks, index));
      const auto x = iota(shape, chunks);
      const tessera::ChunkSpec spec(chunks);
      // Loads, constants and generators; an axis broadcast; a transposed load.
      check_index(x * std::int64_t{3} - std::int64_t{1}, index);
      check_index(tessera::random::integers<std::int64_t>(0, 1000, shape, spec, 7) + x, index);
      if (!shape.empty()) {
        const auto last = tessera::arange<std::int64_t>(0, shape.back(), 1,
                                                        tessera::ChunkSpec(Chunks{chunks.back()}));
        check_index(x * std::int64_t{2} + last, index);
      }
      check_index((x.T() - std::int64_t{1}).T(), index);
      // An index of an index: the second reads through the view of the first.
      const auto first = (x * std::int64_t{5}).index(index);
      check_index(first, random_full_index(first.shape(), rng));
    }
  }
}

TEST_CASE("a stencil indexed reads its blocks with their halo in place") {
  for (const char* scheduler : {"sync", "threads"}) {
    tessera::Client client(tessera::ClientOptions{scheduler});
    const auto x = tessera::random::normal<double>({13, 11}, {4, 5}, 3).persist();
    const auto laplace = tessera::map_overlap(
        [](const tessera::Neighbours<double>& n) {
          return n(-1, 0) + n(1, 0) + n(0, -1) + n(0, 1) - 4.0 * n(0, 0);
        },
        x, {1, 1}, tessera::Boundary::reflect());
    using tessera::slice;
    check_index(laplace, {slice(1, 12, 2), slice(9, 0, -3)});
    check_index(laplace, {Index(5), slice(2, 11)});
    check_index(laplace, {slice({}, {}, -1), tessera::newaxis, Index(-1)});
  }
}

TEST_CASE("an index of an expression makes no block of the expression to cut") {
  tessera::Client client(tessera::ClientOptions{"threads"});
  using tessera::slice;
  const auto a = iota({600, 8}, {{100, 100, 100, 100, 100, 100}, {4, 4}});
  const auto b = iota({600, 8}, {{100, 100, 100, 100, 100, 100}, {4, 4}}) * std::int64_t{-1};
  const auto y = (a * std::int64_t{2} + b)(slice(5, 500), 3);
  auto stats = graph_stats(y);
  CHECK(stats.tasks.count("tessera.array.cut") == 0);
  CHECK(stats.tasks["tessera.array.elementwise"] == 5);  // one per block of y, none for a * 2 + b
  std::vector<std::int64_t> expected;
  for (std::int64_t i = 5; i < 500; ++i) expected.push_back(i * 8 + 3);
  CHECK(y.compute().to_vector() == expected);

  // The sum of a slice is one pass over the needed part of each block: its partial tasks
  // read the input's blocks themselves, and only the blocks that the slice touches.
  const auto x = tessera::from_function<double>(counted_block, {1'000'000}, tessera::ChunkSpec{10});
  blocks_made = 0;
  const auto head = (x + 1.0)(slice(5, 25)).sum();
  auto head_stats = graph_stats(head);
  CHECK(head_stats.tasks.count("tessera.array.cut") == 0);
  CHECK(head_stats.tasks.count("tessera.array.elementwise") == 0);
  CHECK(head_stats.tasks["tessera.array.partial"] == 3);
  CHECK(head.compute().item() == Approx(20.0 * (5 + 24) / 2 + 20));
  CHECK(blocks_made == 3);
  // A slice of an array that is its layer's blocks unchanged still takes whole blocks as they
  // are, and cuts the others.
  CHECK(graph_stats(x(slice(5, 25))).tasks["tessera.array.cut"] == 2);
}
