// Attributes (numbers, strings, 1-d lists of numbers) and groups.

#include "attributes.hpp"

#include <algorithm>
#include <type_traits>

namespace tessera::io {
namespace detail::hdf5 {
namespace {

// Strings as h5py writes Python's str: variable length, UTF-8.
Hid string_type() {
  Hid type(H5Tcopy(H5T_C_S1));
  H5Tset_size(type.get(), H5T_VARIABLE);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  return type;
}

void put_one(hid_t object_id, const std::string& file, const std::string& object,
             const std::string& name, const Hdf5Attribute& value) {
  if (H5Aexists(object_id, name.c_str()) > 0) {
    check_status(H5Adelete(object_id, name.c_str()), file, object,
                 "cannot replace attribute \"" + name + "\"");
  }
  const std::string what = "cannot write attribute \"" + name + "\"";
  std::visit(
      [&](const auto& v) {
        using V = std::decay_t<decltype(v)>;
        Hid space;
        Hid type;
        const void* data = nullptr;
        const char* text = nullptr;
        if constexpr (std::is_same_v<V, std::string>) {
          space = Hid(H5Screate(H5S_SCALAR));
          type = string_type();
          text = v.c_str();
          data = &text;
        } else if constexpr (std::is_arithmetic_v<V>) {
          space = Hid(H5Screate(H5S_SCALAR));
          type = Hid(H5Tcopy(std::is_same_v<V, double> ? H5T_NATIVE_DOUBLE : H5T_NATIVE_INT64));
          data = &v;
        } else {
          const hsize_t length = v.size();
          space = Hid(H5Screate_simple(1, &length, nullptr));
          using E = typename V::value_type;
          type = Hid(H5Tcopy(std::is_same_v<E, double> ? H5T_NATIVE_DOUBLE : H5T_NATIVE_INT64));
          data = v.data();
        }
        Hid attribute(check(
            H5Acreate2(object_id, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
            file, object, what));
        check_status(H5Awrite(attribute.get(), type.get(), data), file, object, what);
      },
      value);
}

Hdf5Attribute get_one(hid_t attribute, const std::string& file, const std::string& object,
                      const std::string& name) {
  const std::string what = "cannot read attribute \"" + name + "\"";
  Hid type(check(H5Aget_type(attribute), file, object, what));
  Hid space(check(H5Aget_space(attribute), file, object, what));
  const H5T_class_t kind = H5Tget_class(type.get());
  const bool scalar = H5Sget_simple_extent_type(space.get()) == H5S_SCALAR;
  const auto count = static_cast<std::size_t>(H5Sget_simple_extent_npoints(space.get()));
  if (kind == H5T_STRING && scalar) {
    if (H5Tis_variable_str(type.get()) > 0) {
      Hid memory = string_type();
      char* text = nullptr;
      check_status(H5Aread(attribute, memory.get(), &text), file, object, what);
      std::string value = text ? text : "";
      H5free_memory(text);
      return value;
    }
    std::string value(H5Tget_size(type.get()), '\0');
    Hid memory(H5Tcopy(type.get()));
    check_status(H5Aread(attribute, memory.get(), value.data()), file, object, what);
    value.resize(std::min(value.size(), value.find('\0')));  // null- or space-padded
    return value;
  }
  if (kind == H5T_INTEGER || kind == H5T_FLOAT || kind == H5T_ENUM) {
    const bool floating = kind == H5T_FLOAT;
    if (floating) {
      std::vector<double> values(count);
      check_status(H5Aread(attribute, H5T_NATIVE_DOUBLE, values.data()), file, object, what);
      if (scalar) return values.at(0);
      return values;
    }
    std::vector<std::int64_t> values(count);
    check_status(H5Aread(attribute, H5T_NATIVE_INT64, values.data()), file, object, what);
    if (scalar) return values.at(0);
    return values;
  }
  throw IoError("hdf5: " + file + ": " + object + ": attribute \"" + name +
                "\" is neither a number, a string nor a list of numbers");
}

struct Collected {
  Hdf5Attributes* attributes;
  const std::string* file;
  const std::string* object;
};

herr_t collect_attribute(hid_t object_id, const char* name, const H5A_info_t*, void* data) {
  auto& into = *static_cast<Collected*>(data);
  Hid attribute(check(H5Aopen(object_id, name, H5P_DEFAULT), *into.file, *into.object,
                      std::string("cannot open attribute \"") + name + "\""));
  (*into.attributes)[name] = get_one(attribute.get(), *into.file, *into.object, name);
  return 0;
}

herr_t collect_member(hid_t, const char* name, const H5L_info_t*, void* data) {
  static_cast<std::vector<std::string>*>(data)->emplace_back(name);
  return 0;
}

Hid open_object(const Hid& file_id, const std::string& file, const std::string& object) {
  const std::string path = absolute(object);
  if (path != "/" && H5Lexists(file_id.get(), path.c_str(), H5P_DEFAULT) <= 0) {
    H5Eclear2(H5E_DEFAULT);
    throw IoError("hdf5: " + file + ": " + path + ": no such group or dataset");
  }
  return Hid(check(H5Oopen(file_id.get(), path.c_str(), H5P_DEFAULT), file, path,
                   "cannot open the object"));
}

}  // namespace

void put_attributes(hid_t object_id, const std::string& file, const std::string& object,
                    const Hdf5Attributes& attributes) {
  for (const auto& [name, value] : attributes) put_one(object_id, file, object, name, value);
}

void create_parents(hid_t file_id, const std::string& file, const std::string& path) {
  std::size_t at = 1;
  for (std::size_t next; (next = path.find('/', at)) != std::string::npos; at = next + 1) {
    const std::string group = path.substr(0, next);
    if (H5Lexists(file_id, group.c_str(), H5P_DEFAULT) > 0) continue;
    H5Eclear2(H5E_DEFAULT);
    Hid id(check(H5Gcreate2(file_id, group.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), file,
                 group, "cannot create the group"));
  }
}

}  // namespace detail::hdf5

Hdf5Attributes read_hdf5_attributes(const std::string& file, const std::string& object) {
  using namespace detail::hdf5;
  auto held = lock();
  Hid file_id = open_file(file, Mode::read);
  Hid object_id = open_object(file_id, file, object);
  Hdf5Attributes attributes;
  const std::string path = absolute(object);
  Collected into{&attributes, &file, &path};
  hsize_t index = 0;
  check_status(
      H5Aiterate2(object_id.get(), H5_INDEX_NAME, H5_ITER_INC, &index, &collect_attribute, &into),
      file, path, "cannot list the attributes");
  return attributes;
}

void write_hdf5_attributes(const std::string& file, const std::string& object,
                           const Hdf5Attributes& attributes) {
  using namespace detail::hdf5;
  auto held = lock();
  Hid file_id = open_file(file, Mode::write);
  Hid object_id = open_object(file_id, file, object);
  put_attributes(object_id.get(), file, absolute(object), attributes);
  if (!file_id.close()) fail(file, absolute(object), "cannot close the file after writing");
}

void create_hdf5_group(const std::string& file, const std::string& group) {
  using namespace detail::hdf5;
  auto held = lock();
  Hid file_id = open_file(file, Mode::create);
  const std::string path = absolute(group);
  if (path != "/") create_parents(file_id.get(), file, path + "/");
  if (!file_id.close()) fail(file, path, "cannot close the file after writing");
}

std::vector<std::string> list_hdf5_group(const std::string& file, const std::string& group) {
  using namespace detail::hdf5;
  auto held = lock();
  Hid file_id = open_file(file, Mode::read);
  Hid group_id = open_object(file_id, file, group);
  std::vector<std::string> members;
  hsize_t index = 0;
  check_status(
      H5Literate(group_id.get(), H5_INDEX_NAME, H5_ITER_INC, &index, &collect_member, &members),
      file, absolute(group), "cannot list the group");
  std::sort(members.begin(), members.end());
  return members;
}

}  // namespace tessera::io
