// rechunk, reshape, concatenate, stack and elementwise operations between arrays split
// differently: values against plain loops on many shapes and chunkings, and the plans.

#include <catch2/catch.hpp>

#include "structure_support.hpp"
#include "tessera/array.hpp"

using namespace structure_test;
using Catch::Matchers::Contains;

TEST_CASE("rechunk keeps every value for many shapes and chunkings, with and without stages") {
  for (const char* scheduler : {"sync", "threads"}) {
    tessera::Client client(tessera::ClientOptions{scheduler});
    std::mt19937 rng(scheduler[0] == 's' ? 3 : 4);
    for (int trial = 0; trial < 80; ++trial) {
      const Shape shape = random_shape(rng, 4, 9);
      const Chunks from = random_chunks(shape, rng);
      const Chunks to = random_chunks(shape, rng);
      const int fan_in = trial % 3 == 0 ? 2 : 0;
      INFO(scheduler << ": " << tessera::to_string(shape) << " from " << tessera::to_string(from)
                     << " to " << tessera::to_string(to) << " fan_in " << fan_in);
      const auto x = iota(shape, from);
      const auto y = x.rechunk(tessera::ChunkSpec(to), {fan_in});
      CHECK(y.chunks() == to);
      const auto values = y.compute().to_vector();
      std::vector<std::int64_t> expected(values.size());
      for (std::size_t i = 0; i < expected.size(); ++i) expected[i] = static_cast<std::int64_t>(i);
      CHECK(values == expected);
      if (fan_in) {
        auto stats = graph_stats(y);
        CHECK(stats.most_inputs["tessera.array.assemble"] <= 2);
      }
    }
  }
}

TEST_CASE("a row-chunked to column-chunked rechunk gives exact values and bounded tasks") {
  tessera::Client client(tessera::ClientOptions{"threads"});
  const auto x = tessera::random::uniform<double>({240, 180}, {10, 180}, 5);
  const auto reference = tessera::random::uniform<double>({240, 180}, {240, 10}, 5).compute();
  const auto y = x.rechunk({240, 10});
  CHECK(y.chunks() == Chunks{{240}, std::vector<std::int64_t>(18, 10)});
  CHECK(y.compute().to_vector() == reference.to_vector());
  // 24 pieces per output block (fan-in 32): one stage, one cut per piece.
  auto one = graph_stats(y);
  CHECK(one.tasks["tessera.array.cut"] == 24 * 18);
  CHECK(one.most_inputs["tessera.array.assemble"] == 24);
  // A fan-in of 4 goes through intermediate blocks; no task assembles more than 4 pieces.
  const auto staged = x.rechunk({240, 10}, {4});
  auto many = graph_stats(staged);
  CHECK(many.most_inputs["tessera.array.assemble"] <= 4);
  CHECK(staged.compute().to_vector() == reference.to_vector());
  // Rechunking to the same chunks is the array itself.
  CHECK(x.rechunk({10, 180}).handle() == x.handle());
}

TEST_CASE("rechunk refuses chunks that do not fit the shape") {
  tessera::Client client(tessera::ClientOptions{"sync"});
  const auto x = iota({4, 6}, {{4}, {6}});
  CHECK_THROWS_WITH(x.rechunk(tessera::ChunkSpec(Chunks{{2, 1}, {6}})),
                    Contains("rechunk") && Contains("(4, 6)"));
  CHECK_THROWS_AS(x.rechunk({2, 2}, {1}), tessera::ArrayError);
}

TEST_CASE("reshape keeps C order, reuses blocks where chunks allow and rechunks where not") {
  for (const char* scheduler : {"sync", "threads"}) {
    tessera::Client client(tessera::ClientOptions{scheduler});
    // Split without moving data (Dask's chunks).
    const auto a = iota({24}, {{6, 6, 6, 6}});
    const auto b = a.reshape({4, 6});
    CHECK(b.chunks() == Chunks{{1, 1, 1, 1}, {6}});
    CHECK(graph_stats(b).tasks.count("tessera.array.assemble") == 0);
    // Split with blocks inside rows: kept, as Dask keeps them (a year of days in fifths).
    const auto days = iota({730}, {std::vector<std::int64_t>(10, 73)});
    const auto years = days.reshape({2, 365});
    CHECK(years.chunks() == Chunks{{1, 1}, {73, 73, 73, 73, 73}});
    CHECK(graph_stats(years).tasks.count("tessera.array.assemble") == 0);
    CHECK(years.compute().to_vector() == days.compute().to_vector());
    const auto back = (years + 1).reshape({730});  // and merged back the same way
    CHECK(back.chunks() == days.chunks());
    CHECK(graph_stats(back).tasks.count("tessera.array.assemble") == 0);
    CHECK((back - days).min().compute().item() == 1);
    CHECK(iota({24}, {{4, 4, 4, 4, 4, 4}}).reshape({2, 3, 4}).chunks() ==
          Chunks{{1, 1}, {1, 1, 1}, {4}});
    CHECK(iota({24}, {{2, 4, 6, 2, 4, 6}}).reshape({2, 12}).chunks() == Chunks{{1, 1}, {2, 4, 6}});
    // Merge: the trailing axis whole.
    const auto c = iota({4, 6}, {{2, 2}, {6}}).reshape({24});
    CHECK(c.chunks() == Chunks{{12, 12}});
    CHECK(graph_stats(c).tasks.count("tessera.array.assemble") == 0);
    // Trailing axis split: rechunked first.
    const auto d = iota({4, 6}, {{2, 2}, {3, 3}}).reshape({-1});
    CHECK(d.chunks() == Chunks{{12, 12}});
    CHECK(d.compute().to_vector() == a.compute().to_vector());

    std::mt19937 rng(scheduler[0] == 's' ? 5 : 6);
    const std::vector<std::pair<Shape, Shape>> cases = {{{24}, {2, 3, 4}},
                                                        {{2, 3, 4}, {24}},
                                                        {{6, 4}, {4, 6}},
                                                        {{4, 6}, {2, 12}},
                                                        {{2, 1, 3}, {6}},
                                                        {{6}, {1, 6, 1}},
                                                        {{1, 1, 4}, {4}},
                                                        {{4, 9}, {6, 6}},
                                                        {{3, 4, 5}, {12, 5}},
                                                        {{3, 4, 5}, {3, 20}},
                                                        {{2, 3, 4, 5}, {6, -1}},
                                                        {{5, 7}, {35}},
                                                        {{}, {1, 1}},
                                                        {{1}, {}},
                                                        {{0, 3}, {3, 0}},
                                                        {{8, 9}, {3, 4, 6}}};
    for (const auto& [from, to] : cases) {
      for (int trial = 0; trial < 6; ++trial) {
        const Chunks chunks = random_chunks(from, rng);
        INFO(scheduler << ": " << tessera::to_string(from) << " chunks "
                       << tessera::to_string(chunks) << " to " << tessera::to_string(to));
        const auto x = iota(from, chunks);
        const auto y = x.reshape(to);
        const auto got = y.compute();
        CHECK(got.to_vector() == x.compute().to_vector());
        Shape want = to;
        for (auto& n : want) {
          if (n == -1) n = product(from) / (product(to) / -1);
        }
        CHECK(got.shape() == want);
      }
    }
  }
}

TEST_CASE("a reshape that cannot be done is an ArrayError naming the shapes") {
  tessera::Client client(tessera::ClientOptions{"sync"});
  const auto x = iota({4, 6}, {{2, 2}, {6}});
  CHECK_THROWS_WITH(x.reshape({5, 5}), Contains("reshape") && Contains("size 24") &&
                                           Contains("(4, 6)") && Contains("(5, 5)"));
  CHECK_THROWS_WITH(x.reshape({-1, -1}), Contains("reshape") && Contains("(-1, -1)"));
  CHECK_THROWS_WITH(x.reshape({7, -1}), Contains("cannot reshape"));
}

TEST_CASE("concatenate and stack match loops, aligning the other axes' chunks") {
  for (const char* scheduler : {"sync", "threads"}) {
    tessera::Client client(tessera::ClientOptions{scheduler});
    std::mt19937 rng(scheduler[0] == 's' ? 7 : 8);
    for (int trial = 0; trial < 40; ++trial) {
      Shape shape = random_shape(rng, 3, 5);
      const auto axis = static_cast<int>(rng() % shape.size());
      std::vector<tessera::Array<std::int64_t>> arrays;
      std::vector<Shape> shapes;
      std::vector<std::vector<std::int64_t>> values;
      const int count = 1 + static_cast<int>(rng() % 3);
      for (int k = 0; k < count; ++k) {
        Shape s = shape;
        s[static_cast<std::size_t>(axis)] = static_cast<std::int64_t>(rng() % 4);
        arrays.push_back(iota(s, random_chunks(s, rng)) + std::int64_t(1000 * k));
        shapes.push_back(s);
        values.push_back(arrays.back().compute().to_vector());
      }
      INFO(scheduler << ": shape " << tessera::to_string(shape) << " axis " << axis);
      const auto joined = tessera::concatenate(arrays, axis);
      // Expected: rows of the axis, array after array, for each index before the axis.
      std::int64_t outer = 1, inner = 1;
      for (int d = 0; d < axis; ++d) outer *= shape[static_cast<std::size_t>(d)];
      for (std::size_t d = static_cast<std::size_t>(axis) + 1; d < shape.size(); ++d) {
        inner *= shape[d];
      }
      std::vector<std::int64_t> expected;
      for (std::int64_t o = 0; o < outer; ++o) {
        for (int k = 0; k < count; ++k) {
          const std::int64_t run =
              shapes[static_cast<std::size_t>(k)][static_cast<std::size_t>(axis)] * inner;
          const auto& v = values[static_cast<std::size_t>(k)];
          expected.insert(expected.end(), v.begin() + o * run, v.begin() + (o + 1) * run);
        }
      }
      CHECK(joined.compute().to_vector() == expected);

      // stack: arrays of one shape along a new axis.
      const Chunks chunks = random_chunks(shape, rng);
      const auto a = iota(shape, chunks);
      const auto b = iota(shape, random_chunks(shape, rng)) * std::int64_t(-1);
      const int at = static_cast<int>(rng() % (shape.size() + 1));
      const auto stacked = tessera::stack<std::int64_t>({a, b}, at);
      Shape want = shape;
      want.insert(want.begin() + at, 2);
      CHECK(stacked.shape() == want);
      const auto s = stacked.compute().to_vector();
      std::int64_t before = 1;
      for (int d = 0; d < at; ++d) before *= shape[static_cast<std::size_t>(d)];
      const std::int64_t after = product(shape) / std::max<std::int64_t>(before, 1);
      std::vector<std::int64_t> stacked_expected;
      for (std::int64_t o = 0; o < before; ++o) {
        for (int k = 0; k < 2; ++k) {
          for (std::int64_t i = 0; i < after; ++i)
            stacked_expected.push_back((k ? -1 : 1) * (o * after + i));
        }
      }
      if (product(shape) > 0) CHECK(s == stacked_expected);
    }
  }
}

TEST_CASE("concatenate and stack refuse arrays that do not fit, naming the shapes") {
  tessera::Client client(tessera::ClientOptions{"sync"});
  const auto a = iota({2, 3}, {{2}, {3}});
  const auto b = iota({2, 4}, {{2}, {4}});
  CHECK_THROWS_WITH(tessera::concatenate<std::int64_t>({a, b}, 0),
                    Contains("(2, 3)") && Contains("(2, 4)") && Contains("axis 1"));
  CHECK(tessera::concatenate<std::int64_t>({a, b}, 1).shape() == Shape{2, 7});
  CHECK_THROWS_WITH(tessera::concatenate<std::int64_t>({a, b}, 2), Contains("axis 2"));
  CHECK_THROWS_WITH(tessera::stack<std::int64_t>({a, b}), Contains("stack") && Contains("(2, 4)"));
  CHECK_THROWS_AS(tessera::concatenate<std::int64_t>({}), tessera::ArrayError);
}

TEST_CASE("elementwise operations rechunk operands split differently to the common refinement") {
  for (const char* scheduler : {"sync", "threads"}) {
    tessera::Client client(tessera::ClientOptions{scheduler});
    const auto x = iota({10, 4}, {{3, 3, 3, 1}, {4}});
    const auto y = iota({10, 4}, {{4, 4, 2}, {2, 2}});
    const auto z = x + y * std::int64_t(10);
    CHECK(z.chunks() == Chunks{{3, 1, 2, 2, 1, 1}, {2, 2}});
    const auto values = z.compute().to_vector();
    for (std::size_t i = 0; i < values.size(); ++i) {
      CHECK(values[i] == static_cast<std::int64_t>(11 * i));
    }
    // Broadcasting rows against differently split columns.
    const auto row = iota({4}, {{1, 3}});
    const auto w = (x + row).compute();
    CHECK(w(9, 3) == 39 + 3);
    CHECK(tessera::where(x > std::int64_t(5), x, y).compute()(9, 3) == 39);
    CHECK((x + y).sum().compute().item() == 2 * 39 * 40 / 2);
  }
}
