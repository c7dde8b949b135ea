#include "mpi/wire.hpp"

#include "tessera/errors.hpp"

namespace tessera::detail {

void WireWriter::put_frames(const Frames& frames) {
  put_all(std::span<const std::byte>(frames.header),
          static_cast<std::uint32_t>(frames.buffers.size()));
  for (const Buffer& buffer : frames.buffers) put_bytes(buffer.data(), buffer.size());
}

Frames WireReader::get_frames() {
  Frames frames;
  get_frames_into(frames);
  return frames;
}

void WireReader::get_frames_into(Frames& frames) {
  auto header = get_bytes();
  frames.header.assign(header.begin(), header.end());
  frames.buffers.clear();
  const std::size_t count_at = offset_;
  const auto count = get<std::uint32_t>();
  // Each buffer takes at least its u64 length: refuse a count the message cannot hold.
  if (count > remaining() / sizeof(std::uint64_t)) {
    throw SerializationError("corrupt " + name() + ": " + std::to_string(count) +
                             " frame buffers announced at offset " + std::to_string(count_at) +
                             ", but only " + std::to_string(remaining()) + " bytes follow");
  }
  frames.buffers.reserve(count);
  for (std::uint32_t i = 0; i < count; ++i) {
    auto bytes = get_bytes();
    frames.buffers.push_back(Buffer::copy_of(bytes.data(), bytes.size()));
  }
}

std::string WireReader::name() const {
  if (!what_prefix_) return what_;
  return std::string(what_prefix_) + what_suffix_ + " from rank " + std::to_string(source_);
}

void WireReader::fail(std::size_t wanted) const {
  throw SerializationError("corrupt " + name() + ": " + std::to_string(wanted) +
                           " bytes wanted at offset " + std::to_string(offset_) + " of " +
                           std::to_string(bytes_.size()));
}

void WireReader::fail_varint() const {
  throw SerializationError("corrupt " + name() + ": the number ending at offset " +
                           std::to_string(offset_) + " of " + std::to_string(bytes_.size()) +
                           " does not fit 64 bits");
}

}  // namespace tessera::detail
