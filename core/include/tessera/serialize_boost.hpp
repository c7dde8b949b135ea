#pragma once
// Boost.Serialization support for tessera::serialize: include this header in every file that
// serializes a type through its Boost `serialize()` (or puts one into a task's arguments or
// results). Without it, such a type is still Serializable, but compiling its serialization
// stops with a message asking for this header: which codec a type uses never depends on the
// headers a file included, so all files (and all ranks) agree on its wire form.
//
//   struct Particle {
//     std::string name;
//     std::vector<double> position;
//     template <class Archive>
//     void serialize(Archive& archive, unsigned /*version*/) { archive& name& position; }
//   };
//   #include <tessera/serialize_boost.hpp>
//   #include <boost/serialization/string.hpp>  // Boost's support for the members' types
//   #include <boost/serialization/vector.hpp>
//   tessera::Frames frames = tessera::serialize(Particle{"muon", {0, 1, 2}});
//
// A type is serialized through Boost when it has a public member template `serialize(Archive&,
// unsigned)` or when tessera::use_boost_serialization<T> is specialized as std::true_type (a
// free `serialize` function, or a private member with `friend class
// boost::serialization::access`). Link with tessera::core (which brings Boost.Serialization).
//
// Corrupt archives are refused before they allocate: a string length or collection size is
// checked against the bytes left in the archive, so every element of a collection must write
// at least one byte (an element whose serialize() writes nothing cannot be read back in a
// collection).

#include <boost/archive/archive_exception.hpp>
#include <exception>
#include <string>
#include <typeinfo>

#include "tessera/demangle.hpp"
#include "tessera/detail/serialize_boost_archive.hpp"
#include "tessera/errors.hpp"
#include "tessera/serialize.hpp"

namespace tessera::detail {

template <class T>
struct BoostArchiveCodec {
  static void write(Writer& out, const T& value) {
    boost::archive::binary_oarchive& archive = archive_of(out.begin_archive());
    try {
      archive << value;
    } catch (const boost::archive::archive_exception& error) {
      throw_serialize_error(typeid(T), std::string("Boost.Serialization failed: ") + error.what());
    }
    out.end_archive();
  }
  static T read(Reader& in) {
    const std::size_t at = in.offset();
    BoundedBinaryIArchive& archive = archive_of(in.begin_archive(typeid(T)));
    T value{};
    try {
      archive >> value;
    } catch (const SerializationError&) {
      throw;
    } catch (const std::exception& error) {
      in.fail(at, "the Boost archive of " + demangle(typeid(T).name()) +
                      " does not load: " + error.what());
    }
    in.end_archive(typeid(T));
    return value;
  }
};

}  // namespace tessera::detail
