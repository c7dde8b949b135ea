#include "tessera/serialize.hpp"

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string_view>
#include <unordered_map>

#include "tessera/detail/serialize_io.hpp"

namespace tessera::detail {
namespace {

std::string hex(std::uint64_t value) {
  char text[19];
  std::snprintf(text, sizeof text, "0x%016llx", static_cast<unsigned long long>(value));
  return text;
}

class TypeNames {
 public:
  void add(std::uint64_t fingerprint, const char* name) {
    std::lock_guard lock(mutex_);
    names_.emplace(fingerprint, name);
  }
  const char* find(std::uint64_t fingerprint) {
    std::lock_guard lock(mutex_);
    auto found = names_.find(fingerprint);
    return found == names_.end() ? nullptr : found->second;
  }

 private:
  std::mutex mutex_;
  std::unordered_map<std::uint64_t, const char*> names_;  // typeid names live forever
};

TypeNames& type_names() {
  // Never destroyed: types register during static initialization and may be looked up during
  // static destruction.
  static auto* names = new TypeNames;
  return *names;
}

}  // namespace

std::uint64_t register_type(const std::type_info& type) {
  std::uint64_t hash = 14695981039346656037ull;
  for (const char* c = type.name(); *c != '\0'; ++c) {
    hash ^= static_cast<unsigned char>(*c);
    hash *= 1099511628211ull;
  }
  type_names().add(hash, type.name());
  return hash;
}

void throw_serialize_error(const std::type_info& type, const std::string& problem) {
  throw SerializationError("tessera::serialize<" + demangle(type.name()) + ">: " + problem);
}

// --- Writer ----------------------------------------------------------------------------------

Writer::Writer(Frames& frames) noexcept : header_(frames.header), buffers_(frames.buffers) {}

Writer::~Writer() = default;

void Writer::run(const void* data, std::size_t size) {
  const bool out_of_band = size >= out_of_band_threshold;
  scalar(static_cast<std::uint8_t>(out_of_band));
  scalar(static_cast<std::uint64_t>(size));
  if (out_of_band) {
    scalar(static_cast<std::uint64_t>(buffers_.size()));
    buffers_.push_back(Buffer::borrow(data, size));
  } else {
    bytes(data, size);
  }
}

void Writer::shared_run(const Buffer& buffer) {
  if (buffer.size() < out_of_band_threshold) return run(buffer.data(), buffer.size());
  scalar(std::uint8_t{1});
  scalar(static_cast<std::uint64_t>(buffer.size()));
  scalar(static_cast<std::uint64_t>(buffers_.size()));
  buffers_.push_back(buffer);
}

void Writer::end_archive() {
  const std::uint64_t length = header_.size() - archive_length_at_ - sizeof(std::uint64_t);
  std::memcpy(header_.data() + archive_length_at_, &length, sizeof length);
}

// --- Reader ----------------------------------------------------------------------------------

Reader::Reader(const Frames& frames, const std::type_info& type) noexcept
    : data_(frames.header.data()),
      size_(frames.header.size()),
      buffers_(frames.buffers),
      type_(type) {}

Reader::~Reader() = default;

std::size_t Reader::count(std::size_t min_size, const std::type_info& element) {
  const std::size_t at = offset_;
  const auto count = scalar<std::uint64_t>("an element count");
  const std::size_t left = size_ - offset_;
  if (count > left / min_size) {
    fail(at, "element count " + std::to_string(count) + " is too large: each " +
                 demangle(element.name()) + " takes at least " + std::to_string(min_size) +
                 " bytes, and only " + std::to_string(left) +
                 " bytes follow (truncated or corrupt header)");
  }
  return count;
}

Reader::Run Reader::run(std::size_t element_size, const std::type_info& element) {
  const std::size_t at = offset_;
  const auto where = scalar<std::uint8_t>("a run marker (0: bytes follow, 1: out-of-band buffer)");
  if (where > 1) {
    fail(at, "expected a run marker (0: bytes follow, 1: out-of-band buffer), found " +
                 std::to_string(where));
  }
  const auto size = scalar<std::uint64_t>("a run length");
  if (size % element_size != 0) {
    fail(at, "a run of " + std::to_string(size) + " bytes does not hold whole elements of " +
                 demangle(element.name()) + " (" + std::to_string(element_size) + " bytes each)");
  }
  if (where == 0) {
    if (size > size_ - offset_) throw_truncated(size, "the bytes of a run", nullptr);
    const std::byte* data = data_ + offset_;
    offset_ += size;
    return {data, size, nullptr};
  }
  const std::size_t index_at = offset_;
  const auto index = scalar<std::uint64_t>("an out-of-band buffer index");
  if (index >= buffers_.size()) {
    fail(index_at, "out-of-band buffer index " + std::to_string(index) +
                       " is out of range: the frames carry " + std::to_string(buffers_.size()) +
                       " buffers");
  }
  const Buffer& buffer = buffers_[index];
  if (buffer.size() != size) {
    fail(at, "out-of-band buffer " + std::to_string(index) + " has " +
                 std::to_string(buffer.size()) + " bytes, but the header expects " +
                 std::to_string(size));
  }
  return {buffer.data(), size, &buffer};
}

void Reader::expect_fingerprint(std::uint64_t expected) {
  const auto found = scalar<std::uint64_t>("the type fingerprint");
  if (found == expected) return;
  const char* found_name = type_names().find(found);
  throw SerializationError("tessera::deserialize<" + demangle(type_.name()) +
                           ">: the frames hold " +
                           (found_name ? demangle(found_name)
                                       : "a value of another type (fingerprint " + hex(found) +
                                             ", not a type this program serializes)") +
                           ", not " + demangle(type_.name()));
}

void Reader::expect_end() const {
  if (offset_ != size_) {
    fail(offset_, "the value ends here, but the header has " + std::to_string(size_) + " bytes (" +
                      std::to_string(size_ - offset_) + " left over)");
  }
}

void Reader::fail(std::size_t at, const std::string& problem) const {
  throw SerializationError("tessera::deserialize<" + demangle(type_.name()) + ">: at offset " +
                           std::to_string(at) + ": " + problem);
}

void Reader::throw_truncated(std::size_t size, const char* what, const std::type_info* of) const {
  std::string item = what;
  if (of) item += " of " + demangle(of->name());
  throw SerializationError("tessera::deserialize<" + demangle(type_.name()) +
                           ">: truncated header: expected " + item + " (" + std::to_string(size) +
                           " bytes) at offset " + std::to_string(offset_) +
                           ", but the header has " + std::to_string(size_) + " bytes");
}

}  // namespace tessera::detail
