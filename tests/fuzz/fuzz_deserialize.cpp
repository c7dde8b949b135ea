// libFuzzer target: decodes arbitrary bytes as a frame header (with fuzz::buffer_sizes
// out-of-band buffers) through Value::decode, which dispatches on the type fingerprint to the
// deserializer of every type in fuzz_types.hpp. Anything but a clean value or a
// SerializationError is a bug: a crash, a sanitizer report, a leak, or (with -malloc_limit_mb)
// an allocation larger than the frame can justify.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "fuzz_types.hpp"
#include "tessera/errors.hpp"

namespace {

// Registers every fuzzed type's decoder, as a program that puts them into Values does.
const bool registered = [] {
  fuzz::for_each_example([](const auto& value) { (void)tessera::Value(value); });
  return true;
}();

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  (void)registered;
  static const std::vector<tessera::Buffer> buffers = [] {
    std::vector<tessera::Buffer> all;
    for (const std::size_t bytes : fuzz::buffer_sizes)
      all.push_back(tessera::Buffer::allocate(bytes));
    return all;
  }();
  tessera::Frames frames;
  const auto* first = reinterpret_cast<const std::byte*>(data);
  frames.header.assign(first, first + size);
  frames.buffers = buffers;
  try {
    const tessera::Value value = tessera::Value::decode(frames);
    (void)value.bytes();
  } catch (const tessera::SerializationError&) {
  }
  return 0;
}
