#pragma once
// The values the deserialize fuzzer decodes: one of each kind of codec (scalars, strings,
// vectors, nested containers, maps, a Boost-serialized struct, Buffers inline and out of band).
// The fuzzer and the corpus generator share them, so the corpus holds valid frames to mutate.

#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <variant>
#include <vector>

#include "tessera/buffer.hpp"
#include "tessera/serialize.hpp"
#include "tessera/serialize_boost.hpp"
#include "tessera/value.hpp"

namespace fuzz {

/// Serialized through Boost (a public serialize member).
struct Particle {
  std::string name;
  std::vector<double> position;
  std::vector<std::string> tags;
  int charge = 0;
  template <class Archive>
  void serialize(Archive& archive, unsigned /*version*/) {
    archive& name& position& tags& charge;
  }
};

using Cell = std::variant<int, std::string, std::vector<double>>;
using Nested = std::map<std::string, std::vector<std::optional<Cell>>>;
using Table = std::tuple<std::vector<std::string>, std::map<int, std::vector<int>>, bool>;

/// Out-of-band buffers every fuzz input comes with (the header is the fuzz input itself): an
/// out-of-band run in a header names one of them by index and must match its size.
inline constexpr std::size_t buffer_sizes[] = {std::size_t{1} << 16, std::size_t{1} << 17};

/// Calls `each(value)` with one example of every fuzzed type.
template <class Each>
void for_each_example(Each&& each) {
  each(std::int64_t{-42});
  each(std::string("tessera"));
  each(std::vector<int>{1, 2, 3, 4});
  each(std::vector<double>(buffer_sizes[0] / sizeof(double), 0.5));  // out of band: buffer 0
  each(std::vector<std::string>{"a", "", "ccc"});
  each(std::vector<std::vector<float>>{{1.f}, {}, {2.f, 3.f}});
  each(Nested{{"a", {Cell{1}, std::nullopt}}, {"b", {Cell{std::string("s")}}}});
  each(Table{{"x", "y"}, {{1, {2, 3}}, {4, {}}}, true});
  each(std::map<std::string, Particle>{{"p", Particle{"muon", {1, 2, 3}, {"fast"}, -1}}});
  each(Particle{"electron", {0.5}, {"a", "b"}, -1});
  each(std::vector<Particle>{{"a", {}, {}, 0}, {"b", {1}, {"t"}, 1}});
  each(tessera::Buffer::copy_of("bytes", 5));
  each(std::vector<tessera::Buffer>{tessera::Buffer::allocate(3),
                                    tessera::Buffer::allocate(buffer_sizes[0]),
                                    tessera::Buffer::allocate(buffer_sizes[1])});
}

}  // namespace fuzz
