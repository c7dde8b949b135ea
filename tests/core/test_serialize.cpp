#include <boost/serialization/access.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>
#include <catch2/catch.hpp>
#include <cstdint>
#include <cstring>
#include <deque>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <variant>
#include <vector>

#include "allocation_probe.hpp"
#include "mpi/wire.hpp"
#include "tessera/buffer.hpp"
#include "tessera/errors.hpp"
#include "tessera/serialize.hpp"
#include "tessera/serialize_boost.hpp"

namespace {

using tessera::Buffer;
using tessera::deserialize;
using tessera::Frames;
using tessera::out_of_band_threshold;
using tessera::Serializable;
using tessera::SerializationError;
using tessera::serialize;

enum class Color : std::uint8_t { red, green, blue };

struct Plain {
  int id;
  double weight;
  Color color;
  bool operator==(const Plain&) const = default;
};

struct Empty {
  bool operator==(const Empty&) const = default;
};

struct NoDefault {
  explicit NoDefault(int v) : value(v) {}
  int value;
  bool operator==(const NoDefault&) const = default;
};

struct Big {
  double values[10000];  // 80 000 bytes: above the out-of-band threshold
};

// Boost.Serialization through a public member template: found automatically.
struct Particle {
  std::string name;
  std::vector<double> position;
  int charge = 0;
  template <class Archive>
  void serialize(Archive& archive, unsigned /*version*/) {
    archive& name& position& charge;
  }
  bool operator==(const Particle&) const = default;
};

// Trivially copyable, but with a Boost serialize member: Boost takes precedence.
struct Point {
  double x = 0;
  double y = 0;
  template <class Archive>
  void serialize(Archive& archive, unsigned /*version*/) {
    archive& x& y;
  }
  bool operator==(const Point&) const = default;
};

// The usual Boost idiom: a private member and friend access. Needs the opt-in.
class Account {
 public:
  Account() = default;
  Account(std::string owner, double balance) : owner_(std::move(owner)), balance_(balance) {}
  bool operator==(const Account&) const = default;

 private:
  friend class boost::serialization::access;
  template <class Archive>
  void serialize(Archive& archive, unsigned /*version*/) {
    archive& owner_& balance_;
  }
  std::string owner_;
  double balance_ = 0;
};

// The same idiom without the opt-in: not Serializable (and no hard error).
class Hidden {
 private:
  friend class boost::serialization::access;
  template <class Archive>
  void serialize(Archive& archive, unsigned /*version*/) {
    archive& value_;
  }
  std::string value_;
};

// Trivially copyable, with a private Boost member: not copied bitwise behind its back.
class Meters {
 public:
  Meters() = default;
  explicit Meters(double value) : value_(value) {}
  bool operator==(const Meters&) const = default;

 private:
  friend class boost::serialization::access;
  template <class Archive>
  void serialize(Archive& archive, unsigned /*version*/) {
    archive& value_;
  }
  double value_ = 0;
};

// Boost support on an abstract class: not Serializable, since it cannot be a value.
struct Shape {
  virtual ~Shape() = default;
  virtual double area() const = 0;
  template <class Archive>
  void serialize(Archive& /*archive*/, unsigned /*version*/) {}
};

// A Boost type that cannot be default-constructed: Boost cannot load it into a value.
struct NoDefaultBoost {
  explicit NoDefaultBoost(int v) : value(v) {}
  int value;
  template <class Archive>
  void serialize(Archive& archive, unsigned /*version*/) {
    archive& value;
  }
};

// A Boost type whose copies throw: lets a std::variant become valueless.
struct Grumpy {
  Grumpy() = default;
  Grumpy(const Grumpy&) { throw std::runtime_error("no copies"); }
  Grumpy& operator=(const Grumpy&) = default;
  template <class Archive>
  void serialize(Archive& /*archive*/, unsigned /*version*/) {}
};

struct WithString {
  std::string text;
};

}  // namespace

// Boost.Serialization through a free function: opts in with use_boost_serialization.
namespace geo {
struct Box {
  double low = 0;
  double high = 0;
  std::string label;
  bool operator==(const Box&) const = default;
};
template <class Archive>
void serialize(Archive& archive, Box& box, unsigned /*version*/) {
  archive& box.low& box.high& box.label;
}
}  // namespace geo

template <>
struct tessera::use_boost_serialization<geo::Box> : std::true_type {};
template <>
struct tessera::use_boost_serialization<Account> : std::true_type {};

namespace {

template <class T>
T round_trip(const T& value) {
  const Frames frames = serialize(value);
  return deserialize<T>(frames);
}

template <class T>
void check_round_trip(const T& value) {
  CAPTURE(tessera::detail::demangle(typeid(T).name()));
  const Frames frames = serialize(value);
  CHECK(deserialize<T>(frames) == value);
}

template <class T>
std::string error_of(const Frames& frames) {
  try {
    (void)deserialize<T>(frames);
  } catch (const SerializationError& error) {
    return error.what();
  }
  FAIL("deserialize did not throw");
  return {};
}

// Every proper prefix of the header must be rejected with SerializationError.
template <class T>
void check_every_prefix_throws(const T& value) {
  CAPTURE(tessera::detail::demangle(typeid(T).name()));
  const Frames frames = serialize(value);
  REQUIRE(deserialize<T>(frames) == value);
  for (std::size_t length = 0; length < frames.header.size(); ++length) {
    Frames truncated;
    truncated.header.assign(frames.header.begin(), frames.header.begin() + length);
    truncated.buffers = frames.buffers;
    CAPTURE(length);
    CHECK_THROWS_AS(deserialize<T>(truncated), SerializationError);
  }
}

// Corrupting any byte of the header either still decodes or throws SerializationError; it
// never crashes, reads out of bounds (run under ASan) or allocates absurd amounts.
template <class T>
void check_corruption_is_caught(const T& value) {
  CAPTURE(tessera::detail::demangle(typeid(T).name()));
  const Frames frames = serialize(value);
  for (std::size_t at = 0; at < frames.header.size(); ++at) {
    for (const unsigned flip : {0x01u, 0x80u, 0xffu}) {
      Frames corrupt;
      corrupt.header = frames.header;
      corrupt.header[at] ^= std::byte(flip);
      corrupt.buffers = frames.buffers;
      CAPTURE(at, flip);
      try {
        (void)deserialize<T>(corrupt);
      } catch (const SerializationError&) {
      }
    }
  }
}

std::vector<double> iota_vector(std::size_t count) {
  std::vector<double> values(count);
  for (std::size_t i = 0; i < count; ++i) values[i] = static_cast<double>(i) * 0.5;
  return values;
}

}  // namespace

TEST_CASE("scalars, enums and trivially copyable structs round-trip bitwise", "[serialize]") {
  check_round_trip(42);
  check_round_trip(-7LL);
  check_round_trip(std::uint8_t{255});
  check_round_trip(3.25);
  check_round_trip(1.5f);
  check_round_trip('x');
  check_round_trip(true);
  check_round_trip(false);
  check_round_trip(Color::blue);
  check_round_trip(Plain{7, 2.5, Color::green});
  check_round_trip(Empty{});
  check_round_trip(NoDefault{11});
  check_round_trip(std::array<int, 3>{1, 2, 3});
  check_round_trip(std::array<int, 0>{});

  SECTION("a scalar's header is its fingerprint and its bytes") {
    CHECK(serialize(42).header.size() == 8 + sizeof(int));
    CHECK(serialize(Plain{}).header.size() == 8 + sizeof(Plain));
    CHECK(serialize(42).buffers.empty());
  }
}

TEST_CASE("strings and every supported standard container round-trip", "[serialize]") {
  check_round_trip(std::string());
  check_round_trip(std::string("tessera"));
  check_round_trip(std::u16string(u"wide"));
  check_round_trip(std::vector<int>{});
  check_round_trip(std::vector<int>{1, 2, 3});
  check_round_trip(std::vector<std::string>{"a", "", "ccc"});
  check_round_trip(std::vector<bool>{true, false, true, true});
  check_round_trip(std::vector<NoDefault>{NoDefault{1}, NoDefault{2}});
  check_round_trip(std::array<std::string, 2>{"x", "y"});
  check_round_trip(std::array<std::string, 0>{});
  check_round_trip(std::pair<int, std::string>{4, "four"});
  check_round_trip(std::tuple<int, std::string, double>{1, "one", 1.0});
  check_round_trip(std::tuple<>{});
  check_round_trip(std::vector<std::tuple<>>(5));
  check_round_trip(std::optional<std::string>{});
  check_round_trip(std::optional<std::string>{"present"});
  check_round_trip(std::variant<int, std::string>{5});
  check_round_trip(std::variant<int, std::string>{"five"});
  check_round_trip(std::variant<int, int>{std::in_place_index<1>, 9});
  check_round_trip(std::map<std::string, int>{{"a", 1}, {"b", 2}});
  check_round_trip(std::unordered_map<int, std::string>{{1, "x"}, {2, "y"}});
  check_round_trip(std::set<int>{3, 1, 2});
  check_round_trip(std::unordered_set<std::string>{"p", "q"});
  check_round_trip(std::deque<float>{1.f, 2.f});
  check_round_trip(std::deque<std::string>{"front", "back"});

  SECTION("a small Buffer round-trips inline") {
    const std::string text = "bytes";
    const Buffer buffer = Buffer::copy_of(text.data(), text.size());
    const Frames frames = serialize(buffer);
    CHECK(frames.buffers.empty());
    const Buffer copy = deserialize<Buffer>(frames);
    REQUIRE(copy.size() == text.size());
    CHECK(std::memcmp(copy.data(), text.data(), text.size()) == 0);
    CHECK(deserialize<Buffer>(serialize(Buffer())).empty());
  }
}

TEST_CASE("nested containers round-trip", "[serialize]") {
  using Cell = std::variant<int, std::string, std::vector<double>>;
  std::map<std::string, std::vector<std::optional<Cell>>> table;
  table["a"] = {Cell{1}, std::nullopt, Cell{std::string("two")}};
  table["b"] = {Cell{std::vector<double>{1.5, 2.5}}};
  table["empty"] = {};
  check_round_trip(table);

  std::unordered_map<int, std::pair<std::set<std::string>, std::deque<std::array<int, 2>>>> index;
  index[1] = {{"x", "y"}, {{1, 2}, {3, 4}}};
  index[2] = {};
  check_round_trip(index);

  check_round_trip(std::vector<std::vector<std::vector<int>>>{{{1}, {}}, {}, {{2, 3}}});
  check_round_trip(std::tuple<std::optional<std::tuple<>>, std::vector<bool>, Plain>{
      std::tuple<>{}, {false, true}, Plain{1, 1.0, Color::red}});
}

TEST_CASE("a type with a public Boost serialize member round-trips through Boost", "[serialize]") {
  STATIC_REQUIRE(tessera::detail::uses_boost<Particle>);
  const Particle electron{"electron", {0.5, -1.25, 3.0}, -1};
  check_round_trip(electron);
  check_round_trip(std::vector<Particle>{electron, Particle{"proton", {}, 1}, electron});
  check_round_trip(std::map<std::string, Particle>{{"e", electron}, {"n", Particle{}}});
  check_round_trip(std::pair<Particle, std::string>{electron, "after the archive"});

  SECTION("Boost takes precedence over the bitwise copy") {
    STATIC_REQUIRE(std::is_trivially_copyable_v<Point>);
    STATIC_REQUIRE(tessera::detail::uses_boost<Point>);
    check_round_trip(Point{1.5, -2.5});
    check_round_trip(std::vector<Point>{{1, 2}, {3, 4}});
  }
}

TEST_CASE("a type with a free Boost serialize function round-trips once it opts in",
          "[serialize]") {
  check_round_trip(geo::Box{-1.0, 2.0, "unit-ish"});
  check_round_trip(std::vector<geo::Box>{{0, 1, "a"}, {2, 3, "b"}});
}

TEST_CASE("a type with a private Boost serialize member round-trips once it opts in",
          "[serialize]") {
  check_round_trip(Account{"ada", 1815.0});
  STATIC_REQUIRE(tessera::detail::names_serialize_member<Hidden>);
  STATIC_REQUIRE_FALSE(Serializable<Hidden>);

  SECTION("a trivially copyable one is not copied bitwise instead") {
    STATIC_REQUIRE(std::is_trivially_copyable_v<Meters>);
    STATIC_REQUIRE_FALSE(Serializable<Meters>);
  }
}

TEST_CASE("Serializable is true exactly for supported types and never a hard error",
          "[serialize]") {
  STATIC_REQUIRE(Serializable<int>);
  STATIC_REQUIRE(Serializable<bool>);
  STATIC_REQUIRE(Serializable<Color>);
  STATIC_REQUIRE(Serializable<Plain>);
  STATIC_REQUIRE(Serializable<Empty>);
  STATIC_REQUIRE(Serializable<Big>);
  STATIC_REQUIRE(Serializable<std::string>);
  STATIC_REQUIRE(Serializable<std::vector<std::string>>);
  STATIC_REQUIRE(Serializable<std::array<Plain, 4>>);
  STATIC_REQUIRE(Serializable<std::pair<int, std::string>>);
  STATIC_REQUIRE(Serializable<std::tuple<>>);
  STATIC_REQUIRE(Serializable<std::optional<std::deque<int>>>);
  STATIC_REQUIRE(Serializable<std::variant<int, Buffer>>);
  STATIC_REQUIRE(Serializable<std::map<std::string, std::set<int>>>);
  STATIC_REQUIRE(Serializable<std::unordered_map<int, std::unordered_set<int>>>);
  STATIC_REQUIRE(Serializable<Buffer>);
  STATIC_REQUIRE(Serializable<Particle>);
  STATIC_REQUIRE(Serializable<std::vector<Particle>>);
  STATIC_REQUIRE(Serializable<geo::Box>);
  STATIC_REQUIRE(Serializable<Account>);

  STATIC_REQUIRE_FALSE(Serializable<void>);
  STATIC_REQUIRE_FALSE(Serializable<int&>);
  STATIC_REQUIRE_FALSE(Serializable<int*>);
  STATIC_REQUIRE_FALSE(Serializable<const char*>);
  STATIC_REQUIRE_FALSE(Serializable<int[3]>);
  STATIC_REQUIRE_FALSE(Serializable<int Plain::*>);
  STATIC_REQUIRE_FALSE(Serializable<std::string_view>);
  STATIC_REQUIRE_FALSE(Serializable<std::span<int>>);
  STATIC_REQUIRE_FALSE(Serializable<std::reference_wrapper<int>>);
  STATIC_REQUIRE_FALSE(Serializable<std::unique_ptr<int>>);
  STATIC_REQUIRE_FALSE(Serializable<std::shared_ptr<int>>);
  STATIC_REQUIRE_FALSE(Serializable<std::function<void()>>);
  STATIC_REQUIRE_FALSE(Serializable<std::list<int>>);
  STATIC_REQUIRE_FALSE(Serializable<WithString>);
  STATIC_REQUIRE_FALSE(Serializable<Hidden>);
  STATIC_REQUIRE_FALSE(Serializable<NoDefaultBoost>);
  STATIC_REQUIRE_FALSE(Serializable<Shape>);
  STATIC_REQUIRE_FALSE(Serializable<Meters>);
  STATIC_REQUIRE_FALSE(Serializable<std::vector<int*>>);
  STATIC_REQUIRE_FALSE(Serializable<std::map<std::string, std::unique_ptr<int>>>);
  STATIC_REQUIRE_FALSE(Serializable<std::optional<std::string_view>>);
  STATIC_REQUIRE_FALSE(Serializable<std::variant<int, int*>>);
  STATIC_REQUIRE_FALSE(Serializable<std::tuple<int, WithString>>);
  STATIC_REQUIRE_FALSE(Serializable<std::array<const char*, 2>>);
}

TEST_CASE("a large vector goes out of band borrowing its storage; a small one stays inline",
          "[serialize]") {
  const std::vector<double> large = iota_vector(std::size_t{1} << 20);
  const Frames frames = serialize(large);
  REQUIRE(frames.buffers.size() == 1);
  CHECK(frames.buffers[0].data() == reinterpret_cast<const std::byte*>(large.data()));
  CHECK(frames.buffers[0].size() == large.size() * sizeof(double));
  CHECK(frames.header.size() < 64);
  CHECK(frames.total_bytes() == frames.header.size() + large.size() * sizeof(double));
  const auto copy = deserialize<std::vector<double>>(frames);
  CHECK(copy == large);
  CHECK(copy.data() != large.data());

  const std::vector<double> small = iota_vector(100);
  const Frames small_frames = serialize(small);
  CHECK(small_frames.buffers.empty());
  CHECK(small_frames.total_bytes() == small_frames.header.size());
  CHECK(deserialize<std::vector<double>>(small_frames) == small);

  SECTION("a large string goes out of band too") {
    const std::string text(200 * 1024, 'q');
    const Frames string_frames = serialize(text);
    REQUIRE(string_frames.buffers.size() == 1);
    CHECK(string_frames.buffers[0].data() == reinterpret_cast<const std::byte*>(text.data()));
    CHECK(deserialize<std::string>(string_frames) == text);
  }
  SECTION("a large trivially copyable value goes out of band too") {
    auto big = std::make_unique<Big>();
    for (int i = 0; i < 10000; ++i) big->values[i] = i;
    const Frames big_frames = serialize(*big);
    REQUIRE(big_frames.buffers.size() == 1);
    const Big copy_of_big = deserialize<Big>(big_frames);
    CHECK(std::memcmp(&copy_of_big, big.get(), sizeof(Big)) == 0);
  }
}

TEST_CASE("a large Buffer goes out of band and its round trip shares memory", "[serialize]") {
  Buffer large = Buffer::allocate(4 << 20);
  for (std::size_t i = 0; i < large.size(); ++i) large.data()[i] = std::byte(i % 251);
  const Frames frames = serialize(large);
  REQUIRE(frames.buffers.size() == 1);
  CHECK(frames.buffers[0].data() == large.data());
  const Buffer copy = deserialize<Buffer>(frames);
  CHECK(copy.data() == large.data());
  CHECK(copy.size() == large.size());

  SECTION("the frames keep a large Buffer alive by themselves") {
    Frames owning = serialize(Buffer::copy_of(large.data(), large.size()));
    const Buffer again = deserialize<Buffer>(owning);
    CHECK(std::memcmp(again.data(), large.data(), large.size()) == 0);
  }
}

TEST_CASE("runs at the threshold go out of band and one byte less stays inline", "[serialize]") {
  const std::vector<char> at(out_of_band_threshold, 'a');
  const std::vector<char> below(out_of_band_threshold - 1, 'b');
  CHECK(serialize(at).buffers.size() == 1);
  CHECK(serialize(below).buffers.empty());
  CHECK(round_trip(at) == at);
  CHECK(round_trip(below) == below);
}

TEST_CASE("each large run inside a nested value gets its own buffer", "[serialize]") {
  std::map<std::string, std::vector<double>> fields;
  fields["u"] = iota_vector(20000);
  fields["v"] = iota_vector(30000);
  fields["w"] = iota_vector(10);
  const Frames frames = serialize(fields);
  CHECK(frames.buffers.size() == 2);
  CHECK(deserialize<decltype(fields)>(frames) == fields);

  std::vector<Buffer> chunks = {Buffer::allocate(1 << 17), Buffer::allocate(16),
                                Buffer::allocate(1 << 18)};
  for (Buffer& chunk : chunks) std::memset(chunk.data(), 7, chunk.size());
  const Frames chunk_frames = serialize(chunks);
  CHECK(chunk_frames.buffers.size() == 2);
  const auto copies = deserialize<std::vector<Buffer>>(chunk_frames);
  REQUIRE(copies.size() == 3);
  CHECK(copies[0].data() == chunks[0].data());
  CHECK(copies[1].data() != chunks[1].data());
  CHECK(copies[2].data() == chunks[2].data());
}

TEST_CASE("deserializing as another type throws SerializationError naming both types",
          "[serialize]") {
  const Frames frames = serialize(std::vector<int>{1, 2, 3});
  const std::string message = error_of<std::vector<double>>(frames);
  CHECK_THAT(message, Catch::Contains("std::vector<int") && Catch::Contains("std::vector<double"));
  CHECK_THROWS_AS(deserialize<std::string>(frames), SerializationError);
  CHECK_THROWS_AS(deserialize<Particle>(frames), SerializationError);

  SECTION("a fingerprint this program never saw is reported as such") {
    Frames unknown = frames;
    std::memset(unknown.header.data(), 0xab, 8);
    CHECK_THAT(error_of<std::vector<int>>(unknown), Catch::Contains("another type"));
  }
}

TEST_CASE("every truncated prefix of a valid header throws SerializationError", "[serialize]") {
  check_every_prefix_throws(12345);
  check_every_prefix_throws(true);
  check_every_prefix_throws(Plain{1, 2.0, Color::blue});
  check_every_prefix_throws(std::string("hello"));
  check_every_prefix_throws(std::vector<int>{1, 2, 3});
  check_every_prefix_throws(std::vector<std::string>{"a", "bb"});
  check_every_prefix_throws(std::vector<bool>{true, false});
  check_every_prefix_throws(std::array<int, 0>{});
  check_every_prefix_throws(std::tuple<>{});
  check_every_prefix_throws(std::tuple<int, std::optional<std::string>>{1, "x"});
  check_every_prefix_throws(std::variant<int, std::string>{"v"});
  check_every_prefix_throws(std::map<std::string, std::vector<int>>{{"k", {1, 2}}});
  check_every_prefix_throws(std::unordered_set<int>{1, 2, 3});
  check_every_prefix_throws(std::deque<std::set<int>>{{1}, {}, {2, 3}});
  check_every_prefix_throws(iota_vector(std::size_t{1} << 16));
  check_every_prefix_throws(Particle{"muon", {1, 2}, -1});
  check_every_prefix_throws(std::vector<Particle>{{"a", {}, 0}, {"b", {1}, 1}});
  check_every_prefix_throws(geo::Box{1, 2, "box"});
}

TEST_CASE("bytes left over after the value throw SerializationError", "[serialize]") {
  Frames frames = serialize(std::string("abc"));
  frames.header.push_back(std::byte{0});
  CHECK_THAT(error_of<std::string>(frames), Catch::Contains("1 left over"));
}

TEST_CASE("a bad buffer index, a missing buffer or a buffer of the wrong size throws",
          "[serialize]") {
  const std::vector<double> large = iota_vector(std::size_t{1} << 17);
  const Frames frames = serialize(large);
  REQUIRE(frames.buffers.size() == 1);
  // The top-level run ends with the buffer index: the last 8 bytes of the header.
  const std::size_t index_at = frames.header.size() - 8;

  SECTION("an index past the buffers") {
    Frames bad = frames;
    const std::uint64_t index = 5;
    std::memcpy(bad.header.data() + index_at, &index, sizeof index);
    const std::string message = error_of<std::vector<double>>(bad);
    CHECK_THAT(message, Catch::Contains("buffer index 5") && Catch::Contains("out of range") &&
                            Catch::Contains("offset " + std::to_string(index_at)));
  }
  SECTION("a missing buffer") {
    Frames bad = frames;
    bad.buffers.clear();
    CHECK_THROWS_AS(deserialize<std::vector<double>>(bad), SerializationError);
  }
  SECTION("a buffer of another size") {
    Frames bad = frames;
    bad.buffers[0] = Buffer::allocate(100);
    CHECK_THAT(error_of<std::vector<double>>(bad), Catch::Contains("has 100 bytes"));
  }
  SECTION("a run length that is not a whole number of elements") {
    Frames bad = frames;
    const std::uint64_t length = 1001;
    std::memcpy(bad.header.data() + 9, &length, sizeof length);  // after fingerprint and marker
    CHECK_THAT(error_of<std::vector<double>>(bad), Catch::Contains("whole elements"));
  }
}

TEST_CASE("impossible element counts throw before anything is allocated", "[serialize]") {
  Frames frames = serialize(std::vector<std::string>{"a", "b"});
  const std::uint64_t huge = std::uint64_t{1} << 60;
  std::memcpy(frames.header.data() + 8, &huge, sizeof huge);  // the count follows the fingerprint
  CHECK_THAT(error_of<std::vector<std::string>>(frames), Catch::Contains("element count"));

  Frames map_frames = serialize(std::map<int, int>{{1, 2}});
  std::memcpy(map_frames.header.data() + 8, &huge, sizeof huge);
  CHECK_THROWS_AS((deserialize<std::map<int, int>>(map_frames)), SerializationError);
}

TEST_CASE("invalid bools, optional flags, variant indices and duplicate keys throw",
          "[serialize]") {
  Frames boolean = serialize(true);
  boolean.header[8] = std::byte{2};
  CHECK_THAT(error_of<bool>(boolean), Catch::Contains("expected a bool"));

  Frames optional = serialize(std::optional<int>{3});
  optional.header[8] = std::byte{7};
  CHECK_THAT(error_of<std::optional<int>>(optional), Catch::Contains("std::optional flag"));

  Frames variant = serialize(std::variant<int, float>{1.f});
  variant.header[8] = std::byte{2};
  CHECK_THAT((error_of<std::variant<int, float>>(variant)), Catch::Contains("index 2"));

  Frames set = serialize(std::set<int>{1, 2});
  std::memcpy(set.header.data() + 16 + sizeof(int), set.header.data() + 16, sizeof(int));
  CHECK_THAT(error_of<std::set<int>>(set), Catch::Contains("repeats"));

  Frames map = serialize(std::map<int, int>{{1, 1}, {2, 2}});
  std::memcpy(map.header.data() + 16 + 2 * sizeof(int), map.header.data() + 16, sizeof(int));
  CHECK_THAT((error_of<std::map<int, int>>(map)), Catch::Contains("repeats"));
}

TEST_CASE("corrupting any byte of a header never crashes", "[serialize]") {
  using Cell = std::variant<int, std::string, std::vector<double>>;
  check_corruption_is_caught(std::map<std::string, std::vector<std::optional<Cell>>>{
      {"a", {Cell{1}, std::nullopt}}, {"b", {Cell{std::string("s")}}}});
  check_corruption_is_caught(std::deque<std::set<int>>{{1, 2}, {}, {3}});
  check_corruption_is_caught(std::vector<bool>{true, false, true});
  check_corruption_is_caught(std::tuple<std::array<std::string, 2>, std::unordered_map<int, int>,
                                        std::vector<std::tuple<>>>{{"x", "y"}, {{1, 2}}, {{}, {}}});
  check_corruption_is_caught(std::vector<Buffer>{Buffer::allocate(1 << 17), Buffer::allocate(3)});
  check_corruption_is_caught(iota_vector(std::size_t{1} << 17));
}

namespace {

// The offset in `header` of the u64 `value` that is followed by `next`.
std::size_t offset_of_u64(const std::vector<std::byte>& header, std::uint64_t value,
                          std::span<const std::byte> next) {
  for (std::size_t at = 0; at + 8 + next.size() <= header.size(); ++at) {
    if (std::memcmp(header.data() + at, &value, 8) == 0 &&
        std::memcmp(header.data() + at + 8, next.data(), next.size()) == 0) {
      return at;
    }
  }
  FAIL("the header holds no such u64");
  return 0;
}

// A corrupt length must be refused before it is allocated: reading a frame never asks for more
// than a small multiple of the frame's bytes (the probe refuses anything above 1 MiB at once).
template <class T>
std::size_t largest_allocation_decoding(const Frames& frames) {
  tessera::test::AllocationProbe probe(std::size_t{1} << 20);
  try {
    (void)deserialize<T>(frames);
  } catch (const SerializationError&) {
  }
  return probe.largest();
}

}  // namespace

TEST_CASE("a corrupt string length in a Boost archive is refused before it is allocated",
          "[serialize]") {
  const Frames frames = serialize(Particle{"abc", {}, 0});
  const auto text = std::as_bytes(std::span("abc", 3));
  Frames corrupt = frames;
  const std::uint64_t huge = std::uint64_t{1} << 32;  // 4 GiB
  std::memcpy(corrupt.header.data() + offset_of_u64(frames.header, 3, text), &huge, 8);
  CAPTURE(corrupt.header.size());
  CHECK_THAT(error_of<Particle>(corrupt), Catch::Contains("Particle"));
  CHECK(largest_allocation_decoding<Particle>(corrupt) <= 4096);
}

TEST_CASE("a corrupt collection size in a Boost archive is refused before it is allocated",
          "[serialize]") {
  const double value = 1.5;
  const Frames frames = serialize(Particle{"", {value}, 0});
  const auto element = std::as_bytes(std::span(&value, 1));
  for (const std::uint64_t huge : {std::uint64_t{1} << 29, std::uint64_t{1} << 40}) {
    Frames corrupt = frames;
    std::memcpy(corrupt.header.data() + offset_of_u64(frames.header, 1, element), &huge, 8);
    CAPTURE(huge, corrupt.header.size());
    CHECK_THAT(error_of<Particle>(corrupt), Catch::Contains("Particle"));
    CHECK(largest_allocation_decoding<Particle>(corrupt) <= 4096);
  }
}

TEST_CASE("a huge u64 written anywhere in a header allocates no more than the frame holds",
          "[serialize]") {
  using Nested = std::map<std::string, std::vector<std::pair<int, std::string>>>;
  const Nested nested{{"a", {{1, "x"}, {2, "yy"}}}, {"b", {}}};
  const std::vector<Particle> particles{{"a", {1, 2}, 0}, {"bc", {}, 1}};
  const std::uint64_t huges[] = {std::uint64_t{1} << 28, std::uint64_t{1} << 32,
                                 std::uint64_t{1} << 62, ~std::uint64_t{0}};
  const auto check = [&huges]<class T>(const T& value) {
    const Frames frames = serialize(value);
    for (std::size_t at = 8; at + 8 <= frames.header.size(); ++at) {
      for (const std::uint64_t huge : huges) {
        Frames corrupt = frames;
        std::memcpy(corrupt.header.data() + at, &huge, 8);
        CAPTURE(tessera::detail::demangle(typeid(T).name()), at, huge);
        CHECK(largest_allocation_decoding<T>(corrupt) <= 64 * frames.header.size() + 4096);
      }
    }
  };
  check(nested);
  check(particles);
  check(geo::Box{1, 2, "label"});
  check(std::vector<Buffer>{Buffer::allocate(10), Buffer::allocate(1 << 17)});
}

TEST_CASE("frames read from a message refuse a buffer count the message cannot hold",
          "[serialize]") {
  std::vector<std::byte> message;
  tessera::detail::WireWriter out(message);
  out.put_frames(serialize(std::vector<int>{1, 2, 3}));
  const std::size_t count_at = message.size() - sizeof(std::uint32_t);  // no buffers follow
  const std::uint32_t huge = 1u << 30;
  std::memcpy(message.data() + count_at, &huge, sizeof huge);
  tessera::detail::WireReader in(message, "test message");
  CHECK_THROWS_WITH(in.get_frames(), Catch::Contains("corrupt test message") &&
                                         Catch::Contains("1073741824 frame buffers"));
}

TEST_CASE("a valueless variant throws SerializationError instead of being serialized",
          "[serialize]") {
  std::variant<int, Grumpy> variant;
  const Grumpy grumpy;
  CHECK_THROWS_AS(variant.emplace<Grumpy>(grumpy), std::runtime_error);
  REQUIRE(variant.valueless_by_exception());
  CHECK_THROWS_WITH(serialize(variant), Catch::Contains("valueless"));
}

TEST_CASE("equal values give equal headers, empty types included", "[serialize]") {
  CHECK(serialize(Empty{}).header == serialize(Empty{}).header);
  CHECK(serialize(std::tuple<>{}).header == serialize(std::tuple<>{}).header);
  const std::map<std::string, int> map{{"a", 1}};
  CHECK(serialize(map).header == serialize(map).header);
}

TEST_CASE("Buffer::allocate aligns to 64 bytes, and large buffers to 2 MiB", "[buffer]") {
  for (const std::size_t size : {std::size_t{1}, std::size_t{63}, std::size_t{4096},
                                 std::size_t{100000}, std::size_t{3} << 20}) {
    Buffer buffer = Buffer::allocate(size);
    CAPTURE(size);
    CHECK(buffer.size() == size);
    CHECK_FALSE(buffer.empty());
    CHECK(reinterpret_cast<std::uintptr_t>(buffer.data()) % 64 == 0);
    if (size >= (std::size_t{2} << 20)) {
      CHECK(reinterpret_cast<std::uintptr_t>(buffer.data()) % (std::size_t{2} << 20) == 0);
    }
    std::memset(buffer.data(), 1, buffer.size());  // all of it is writable (ASan checks)
  }
  const Buffer none = Buffer::allocate(0);
  CHECK(none.empty());
  CHECK(Buffer().size() == 0);
  CHECK(Buffer().data() == nullptr);
}

TEST_CASE("copies of a Buffer share memory and a moved-from Buffer is empty", "[buffer]") {
  Buffer original = Buffer::allocate(128);
  Buffer copy = original;
  CHECK(copy.data() == original.data());
  copy.data()[0] = std::byte{42};
  CHECK(original.data()[0] == std::byte{42});

  Buffer moved = std::move(copy);
  CHECK(moved.data() == original.data());
  CHECK(copy.empty());  // NOLINT(bugprone-use-after-move): the documented state
  CHECK(copy.data() == nullptr);

  Buffer assigned;
  assigned = std::move(moved);
  CHECK(assigned.data() == original.data());
  CHECK(moved.empty());  // NOLINT(bugprone-use-after-move)
}

TEST_CASE("copy_of copies, borrow does not and holds its keepalive", "[buffer]") {
  const std::string text = "some bytes";
  const Buffer copied = Buffer::copy_of(text.data(), text.size());
  CHECK(copied.data() != reinterpret_cast<const std::byte*>(text.data()));
  CHECK(std::memcmp(copied.data(), text.data(), text.size()) == 0);

  auto owner = std::make_shared<std::vector<int>>(std::vector<int>{1, 2, 3});
  const Buffer borrowed = Buffer::borrow(owner->data(), owner->size() * sizeof(int), owner);
  CHECK(borrowed.data() == reinterpret_cast<const std::byte*>(owner->data()));
  CHECK(owner.use_count() == 2);
  const int* values = owner->data();
  owner.reset();  // the buffer alone keeps the vector alive now
  CHECK(borrowed.as_span<const int>()[2] == 3);
  CHECK(borrowed.as_span<int>().data() == values);
}

TEST_CASE("Buffer::as_span checks the size and the alignment", "[buffer]") {
  Buffer buffer = Buffer::allocate(16);
  CHECK(buffer.as_span<double>().size() == 2);
  CHECK(buffer.as_span<std::uint32_t>().size() == 4);
  const Buffer& const_buffer = buffer;
  CHECK(const_buffer.as_span<std::uint16_t>().size() == 8);
  CHECK(Buffer().as_span<double>().empty());

  const Buffer odd = Buffer::allocate(10);
  CHECK_THROWS_AS(odd.as_span<double>(), SerializationError);
  CHECK_THROWS_WITH(odd.as_span<double>(), Catch::Contains("10 bytes") && Catch::Contains("8"));

  const Buffer shifted = Buffer::borrow(buffer.data() + 1, 8);
  CHECK_THROWS_WITH(shifted.as_span<double>(), Catch::Contains("aligned"));
}

TEST_CASE("frames read into reused Frames hold only what the message holds", "[serialize]") {
  // A worker decodes every literal argument into one Frames: a large value's out-of-band
  // buffer must not stay behind for the small value read after it.
  std::vector<double> large(20000, 2.5);  // beyond out_of_band_threshold: one buffer
  std::vector<std::byte> message;
  tessera::detail::WireWriter out(message);
  out.put_frames(serialize(large));
  out.put_frames(serialize(std::int64_t{42}));
  tessera::detail::WireReader in(message, "test message");
  tessera::Frames frames;
  in.get_frames_into(frames);
  REQUIRE(frames.buffers.size() == 1);
  CHECK(deserialize<std::vector<double>>(frames) == large);
  in.get_frames_into(frames);
  CHECK(frames.buffers.empty());
  CHECK(deserialize<std::int64_t>(frames) == 42);
  CHECK(in.at_end());
}
