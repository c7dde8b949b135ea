#pragma once
// Internals of tessera/serialize_boost.hpp: the Boost archives a header's Boost-serialized
// values are written to and read from.

#include <boost/archive/binary_iarchive_impl.hpp>
#include <boost/archive/binary_oarchive.hpp>
#include <boost/archive/detail/register_archive.hpp>
#include <boost/serialization/array_optimization.hpp>
#include <boost/serialization/collection_size_type.hpp>
#include <cstddef>
#include <streambuf>
#include <string>

#include "tessera/detail/serialize_io.hpp"

namespace tessera::detail {

/// Boost's binary input archive, except that a string length or a collection size larger than
/// the bytes left in the archive is refused (std::length_error) instead of allocated: Boost
/// itself resizes first and finds the bytes missing only afterwards. Every element of a
/// collection takes at least one byte, so a true size never exceeds the bytes left.
class BoundedBinaryIArchive
    : public boost::archive::binary_iarchive_impl<BoundedBinaryIArchive, char,
                                                  std::char_traits<char>> {
  using Base =
      boost::archive::binary_iarchive_impl<BoundedBinaryIArchive, char, std::char_traits<char>>;
  using Primitive =
      boost::archive::basic_binary_iprimitive<BoundedBinaryIArchive, char, std::char_traits<char>>;

 public:
  BoundedBinaryIArchive(std::streambuf& source, unsigned flags)
      : Base(source, flags), source_(source) {
    init(flags);
  }

  // Boost's archive classes call the members below.
  friend class boost::archive::detail::interface_iarchive<BoundedBinaryIArchive>;
  friend class boost::archive::basic_binary_iarchive<BoundedBinaryIArchive>;
  friend class boost::archive::load_access;
  friend Primitive;

 protected:
  template <class T>
  void load_override(T& value) {
    Base::load_override(value);
  }
  void load_override(boost::serialization::collection_size_type& size) {
    Base::load_override(size);
    check_size(size, 1, "a collection of");
  }

  using Primitive::load;
  void load(std::string& text) {
    std::size_t length = 0;
    Primitive::load(length);
    check_size(length, 1, "a string of");
    text.resize(length);
    if (length != 0) load_binary(text.data(), length);
  }
  void load(std::wstring& text) {
    std::size_t length = 0;
    Primitive::load(length);
    check_size(length, sizeof(wchar_t), "a wide string of");
    text.resize(length);
    if (length != 0) load_binary(text.data(), length * sizeof(wchar_t));
  }

 private:
  // Throws std::length_error unless `count` items of `item_size` bytes fit in what is left.
  void check_size(std::size_t count, std::size_t item_size, const char* what);

  std::streambuf& source_;
};

/// The Boost archive a Writer appends a header's Boost-serialized values to.
boost::archive::binary_oarchive& archive_of(BoostOutput& output) noexcept;
/// The Boost archive a Reader reads a header's Boost-serialized values from.
BoundedBinaryIArchive& archive_of(BoostInput& input) noexcept;

}  // namespace tessera::detail

BOOST_SERIALIZATION_REGISTER_ARCHIVE(tessera::detail::BoundedBinaryIArchive)
BOOST_SERIALIZATION_USE_ARRAY_OPTIMIZATION(tessera::detail::BoundedBinaryIArchive)
