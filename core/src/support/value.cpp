#include "tessera/value.hpp"

#include <cstring>
#include <mutex>
#include <unordered_map>

namespace tessera {

namespace {

struct Decoders {
  std::mutex mutex;
  std::unordered_map<std::uint64_t, Value (*)(const Frames&)> by_fingerprint;
};

Decoders& decoders() {
  static auto* all = new Decoders;  // never destroyed: used during static initialization
  return *all;
}

}  // namespace

bool Value::register_decoder(std::uint64_t fingerprint, Decoder decoder) {
  auto& all = decoders();
  std::lock_guard lock(all.mutex);
  all.by_fingerprint.emplace(fingerprint, decoder);
  return true;
}

Value Value::decode(const Frames& frames) {
  std::uint64_t fingerprint = 0;
  if (frames.header.size() < sizeof fingerprint) {
    throw SerializationError("Value::decode: the header has " +
                             std::to_string(frames.header.size()) +
                             " bytes, too few for a type fingerprint");
  }
  std::memcpy(&fingerprint, frames.header.data(), sizeof fingerprint);
  Decoder decoder = nullptr;
  {
    auto& all = decoders();
    std::lock_guard lock(all.mutex);
    auto found = all.by_fingerprint.find(fingerprint);
    if (found != all.by_fingerprint.end()) decoder = found->second;
  }
  if (!decoder) {
    throw SerializationError(
        "Value::decode: the frames hold a type this program never puts into "
        "a Value (type fingerprint " +
        std::to_string(fingerprint) + "); do all ranks run the same executable?");
  }
  return decoder(frames);
}

void Value::throw_type_mismatch(const std::type_info& wanted) const {
  throw TypeError("value holds " + (vtable_ ? type_name() : std::string("nothing")) + ", not the " +
                  detail::demangle(wanted.name()) + " asked for");
}

}  // namespace tessera
