// Value: holding any copyable type (inline or on the heap), reading it back, and its wire form.

#include <array>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>
#include <catch2/catch.hpp>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <typeinfo>
#include <utility>
#include <vector>

#include "allocation_probe.hpp"
#include "tessera/buffer.hpp"
#include "tessera/errors.hpp"
#include "tessera/serialize.hpp"
#include "tessera/serialize_boost.hpp"
#include "tessera/value.hpp"
#include "test_support.hpp"

namespace {

// Counts its live instances; Bytes chooses whether a Value keeps it inline or on the heap.
template <std::size_t Bytes>
struct Counted {
  static inline int live = 0;
  std::array<unsigned char, Bytes> payload{};
  int id = 0;
  explicit Counted(int i) : id(i) {
    payload.fill(static_cast<unsigned char>(i));
    ++live;
  }
  Counted(const Counted& other) : payload(other.payload), id(other.id) { ++live; }
  Counted(Counted&& other) noexcept : payload(other.payload), id(other.id) { ++live; }
  Counted& operator=(const Counted&) = default;
  Counted& operator=(Counted&&) noexcept = default;
  ~Counted() { --live; }
  bool intact() const {
    for (auto byte : payload) {
      if (byte != static_cast<unsigned char>(id)) return false;
    }
    return true;
  }
};
using Small = Counted<8>;   // 12 bytes: inside the Value
using Large = Counted<60>;  // 64 bytes: on the heap

// Not serializable: a std::function cannot be sent to another process.
struct WithCallback {
  std::function<void()> callback;
};

}  // namespace

using tessera::Value;
using tessera_test::contains;

TEMPLATE_TEST_CASE("small and large values copy, move and destroy what they hold", "", Small,
                   Large) {
  using T = TestType;
  T::live = 0;
  {
    Value a(T(1));
    CHECK(T::live == 1);
    CHECK(a.has_value());
    CHECK(a.holds<T>());
    CHECK(a.type() == typeid(T));

    Value b(a);  // a copy is independent
    CHECK(T::live == 2);
    b.get<T>().id = 2;
    b.get<T>().payload.fill(2);
    CHECK(a.get<T>().id == 1);
    CHECK(a.get<T>().intact());
    CHECK(b.get<T>().intact());

    Value c(std::move(a));       // a move leaves the source empty
    CHECK_FALSE(a.has_value());  // NOLINT(bugprone-use-after-move)
    CHECK(c.get<T>().id == 1);
    CHECK(T::live == 2);

    a = c;  // copy-assign into an empty Value
    CHECK(T::live == 3);
    CHECK(a.get<T>().id == 1);

    a = std::move(b);  // move-assign over a full one
    CHECK(T::live == 2);
    CHECK(a.get<T>().id == 2);
    CHECK(a.get<T>().intact());

    Value& alias = a;
    a = alias;  // self-assignment keeps the value
    CHECK(T::live == 2);
    CHECK(a.get<T>().id == 2);

    a = Value(42);  // another type replaces it
    CHECK(T::live == 1);
    CHECK(a.get<int>() == 42);

    std::vector<Value> many;
    for (int i = 0; i < 100; ++i) many.emplace_back(T(i % 200));  // reallocations move them
    CHECK(T::live == 101);
    for (int i = 0; i < 100; ++i) {
      CHECK(many[static_cast<std::size_t>(i)].get<T>().id == i % 200);
      CHECK(many[static_cast<std::size_t>(i)].get<T>().intact());
    }
    many.erase(many.begin(), many.begin() + 50);
    CHECK(T::live == 51);

    c.reset();
    CHECK_FALSE(c.has_value());
    CHECK(T::live == 50);
  }
  CHECK(T::live == 0);
}

TEST_CASE("get<T> of another type is a TypeError naming both types") {
  const Value number(7);
  try {
    (void)number.get<std::string>();
    FAIL("no TypeError");
  } catch (const tessera::TypeError& error) {
    CHECK(contains(error.what(), "int"));
    CHECK(contains(error.what(), "string"));
  }
  CHECK_THROWS_AS(number.get<long>(), tessera::TypeError);
  CHECK_THROWS_AS(number.get<unsigned>(), tessera::TypeError);
  CHECK(number.get<int>() == 7);
  CHECK(number.type_name() == "int");

  const Value empty{};
  CHECK_FALSE(empty.has_value());
  CHECK(empty.type() == typeid(void));
  CHECK_THROWS_AS(empty.get<int>(), tessera::TypeError);
}

TEST_CASE("a Value round-trips through serialize() and deserialize<T>()") {
  SECTION("int") {
    const Value v(-12345);
    const tessera::Frames frames = v.serialize();
    const Value back = Value::deserialize<int>(frames);
    CHECK(back.get<int>() == -12345);
  }
  SECTION("std::vector<double>, small and large") {
    const std::size_t n = GENERATE(std::size_t{0}, std::size_t{3}, std::size_t{100000});
    CAPTURE(n);
    std::vector<double> samples(n);
    for (std::size_t i = 0; i < n; ++i) samples[i] = 0.5 * static_cast<double>(i) - 7.0;
    const Value v(samples);
    const tessera::Frames frames = v.serialize();  // may borrow v's storage: v outlives it
    const Value back = Value::deserialize<std::vector<double>>(frames);
    CHECK(back.get<std::vector<double>>() == samples);
  }
  SECTION("std::string") {
    const std::string text =
        GENERATE(std::string(), std::string("tessera"), std::string(200000, 'x'));
    const Value v(text);
    const tessera::Frames frames = v.serialize();
    CHECK(Value::deserialize<std::string>(frames).get<std::string>() == text);
  }
  SECTION("an empty Value") {
    const Value v{};
    const tessera::Frames frames = v.serialize();
    CHECK_FALSE(Value::deserialize<void>(frames).has_value());
  }
  SECTION("frames of one type do not deserialize as another") {
    const Value v(std::string("text"));
    const tessera::Frames frames = v.serialize();
    CHECK_THROWS_AS(Value::deserialize<std::vector<double>>(frames), tessera::SerializationError);
  }
}

TEST_CASE("serializing a Value of a non-serializable type is a SerializationError") {
  const Value callback(WithCallback{[] {}});
  try {
    (void)callback.serialize();
    FAIL("no SerializationError");
  } catch (const tessera::SerializationError& error) {
    CHECK(contains(error.what(), "WithCallback"));
  }

  int target = 0;
  const Value pointer(&target);  // a raw pointer means nothing in another process
  CHECK_THROWS_AS(pointer.serialize(), tessera::SerializationError);
}

TEST_CASE("copies of a Value holding a Buffer share its bytes") {
  auto buffer = tessera::Buffer::allocate(1024);
  for (auto& element : buffer.as_span<int>()) element = 3;
  const Value a(buffer);
  const Value b(a);
  const auto& first = a.get<tessera::Buffer>();
  const auto& second = b.get<tessera::Buffer>();
  CHECK(first.data() == second.data());
  CHECK(second.size() == 1024);
  CHECK(second.as_span<int>()[255] == 3);
}

namespace {
// Serialized through Boost, and put into Values: Value::decode knows its fingerprint.
struct Sample {
  std::string label;
  std::vector<float> values;
  template <class Archive>
  void serialize(Archive& archive, unsigned /*version*/) {
    archive& label& values;
  }
};
}  // namespace

TEST_CASE("Value::decode of a Boost frame with a corrupt length allocates no more than it holds") {
  const tessera::Frames frames = Value(Sample{"abc", {1.f, 2.f}}).serialize();
  REQUIRE(Value::decode(frames).get<Sample>().values.size() == 2);
  for (std::size_t at = 8; at + 8 <= frames.header.size(); ++at) {
    tessera::Frames corrupt = frames;
    const std::uint64_t huge = std::uint64_t{1} << 32;
    std::memcpy(corrupt.header.data() + at, &huge, sizeof huge);
    CAPTURE(at);
    tessera::test::AllocationProbe probe(std::size_t{1} << 20);
    try {
      (void)Value::decode(corrupt);
    } catch (const tessera::SerializationError&) {
    }
    CHECK(probe.largest() <= 4096);
  }
}
