// The Boost side of serialization: the archives of a Writer and a Reader, and the explicit
// instantiation of BoundedBinaryIArchive (Boost's archive templates live in .ipp files that
// one translation unit instantiates for each archive class, as Boost does for its own).

#include "tessera/serialize_boost.hpp"

#include <boost/archive/detail/archive_serializer_map.hpp>
#include <boost/archive/impl/archive_serializer_map.ipp>
#include <boost/archive/impl/basic_binary_iarchive.ipp>
#include <boost/archive/impl/basic_binary_iprimitive.ipp>
#include <stdexcept>
#include <string>

#include "tessera/demangle.hpp"

namespace boost::archive {
template class detail::archive_serializer_map<tessera::detail::BoundedBinaryIArchive>;
template class basic_binary_iprimitive<tessera::detail::BoundedBinaryIArchive, char,
                                       std::char_traits<char>>;
template class basic_binary_iarchive<tessera::detail::BoundedBinaryIArchive>;
template class binary_iarchive_impl<tessera::detail::BoundedBinaryIArchive, char,
                                    std::char_traits<char>>;
}  // namespace boost::archive

namespace tessera::detail {
namespace {

// Boost writes no archive header (the type fingerprint already guards the frames) and does not
// touch the stream's locale.
constexpr unsigned archive_flags = boost::archive::no_header | boost::archive::no_codecvt;

// Appends everything Boost writes to the header. Without a put area every write reaches the
// vector at once, so Boost's bytes and ours interleave in order.
class ByteSink final : public std::streambuf {
 public:
  explicit ByteSink(std::vector<std::byte>& out) : out_(out) {}

 protected:
  std::streamsize xsputn(const char* data, std::streamsize size) override {
    const auto* first = reinterpret_cast<const std::byte*>(data);
    out_.insert(out_.end(), first, first + size);
    return size;
  }
  int_type overflow(int_type c) override {
    if (!traits_type::eq_int_type(c, traits_type::eof())) {
      out_.push_back(static_cast<std::byte>(traits_type::to_char_type(c)));
    }
    return traits_type::not_eof(c);
  }

 private:
  std::vector<std::byte>& out_;
};

// Lets Boost read one archive's bytes of the header, in place; reading past them fails in Boost
// (as a short read), never past the header.
class ByteSource final : public std::streambuf {
 public:
  void reset(const std::byte* first, const std::byte* last) {
    // The get area is only read: Boost never puts back characters.
    char* begin = const_cast<char*>(reinterpret_cast<const char*>(first));
    setg(begin, begin, begin + (last - first));
  }
  const std::byte* position() const { return reinterpret_cast<const std::byte*>(gptr()); }
};

}  // namespace

class BoostOutput {
 public:
  explicit BoostOutput(std::vector<std::byte>& out) : sink(out), archive(sink, archive_flags) {}
  ByteSink sink;
  boost::archive::binary_oarchive archive;
};

class BoostInput {
 public:
  BoostInput() : archive(source, archive_flags) {}
  ByteSource source;
  BoundedBinaryIArchive archive;
};

void BoostOutputDeleter::operator()(BoostOutput* archive) const noexcept { delete archive; }
void BoostInputDeleter::operator()(BoostInput* archive) const noexcept { delete archive; }

boost::archive::binary_oarchive& archive_of(BoostOutput& output) noexcept { return output.archive; }
BoundedBinaryIArchive& archive_of(BoostInput& input) noexcept { return input.archive; }

void BoundedBinaryIArchive::check_size(std::size_t count, std::size_t item_size, const char* what) {
  const auto left = static_cast<std::size_t>(source_.in_avail() > 0 ? source_.in_avail() : 0);
  if (count > left / item_size) {
    throw std::length_error(std::string(what) + " " + std::to_string(count) + " items, but only " +
                            std::to_string(left) +
                            " bytes are left in the archive (corrupt header)");
  }
}

BoostOutput& Writer::begin_archive() {
  archive_length_at_ = header_.size();
  scalar(std::uint64_t{0});  // the archive's length, known at end_archive()
  if (!archive_) archive_.reset(new BoostOutput(header_));
  return *archive_;
}

BoostInput& Reader::begin_archive(const std::type_info& type) {
  const std::size_t at = offset_;
  const auto length = scalar<std::uint64_t>("the length of a Boost archive");
  if (length > size_ - offset_) {
    fail(at, "the Boost archive of " + demangle(type.name()) + " is " + std::to_string(length) +
                 " bytes long, but only " + std::to_string(size_ - offset_) +
                 " bytes follow its length");
  }
  archive_begin_ = offset_;
  archive_end_ = offset_ + length;
  if (!archive_) archive_.reset(new BoostInput());
  archive_->source.reset(data_ + archive_begin_, data_ + archive_end_);
  return *archive_;
}

void Reader::end_archive(const std::type_info& type) {
  const auto consumed = static_cast<std::size_t>(archive_->source.position() - data_);
  if (consumed != archive_end_) {
    fail(archive_begin_, "the Boost archive of " + demangle(type.name()) + " has " +
                             std::to_string(archive_end_ - archive_begin_) +
                             " bytes, but loading it read " +
                             std::to_string(consumed - archive_begin_));
  }
  offset_ = archive_end_;
}

}  // namespace tessera::detail
