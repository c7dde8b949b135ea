#pragma once
// Reading and writing NumPy's .npy files (format versions 1 to 3), for the tests that compare
// arrays with NumPy: little-endian arrays in C order of the seven tessera element types.
//
//   npy::File f = npy::read("case.out.npy");   // f.dtype, f.shape, f.data (C order)
//   npy::write("mine.npy", block);              // np.load("mine.npy") reads it back

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include "tessera/array/block.hpp"

namespace npy {

/// The header's descr of a tessera type: '|b1', '|u1', '<i4', '<i8', '<u8', '<f4', '<f8'.
inline const char* descr(tessera::DType dtype) {
  switch (dtype) {
    case tessera::DType::bool_:
      return "|b1";
    case tessera::DType::uint8:
      return "|u1";
    case tessera::DType::int32:
      return "<i4";
    case tessera::DType::int64:
      return "<i8";
    case tessera::DType::uint64:
      return "<u8";
    case tessera::DType::float32:
      return "<f4";
    case tessera::DType::float64:
      return "<f8";
  }
  return "?";
}

/// The tessera type of a descr; std::runtime_error for one tessera does not have.
inline tessera::DType dtype_of_descr(const std::string& text) {
  for (int d = 0; d <= static_cast<int>(tessera::DType::float64); ++d) {
    const auto dtype = static_cast<tessera::DType>(d);
    const std::string name = descr(dtype);
    // NumPy writes one-byte types with '|'; accept '<' and '=' as well.
    if (text == name || (name[0] == '|' && text.substr(1) == name.substr(1) &&
                         (text[0] == '<' || text[0] == '='))) {
      return dtype;
    }
  }
  throw std::runtime_error("npy: element type '" + text + "' is not one of tessera's");
}

/// The contents of a .npy file.
struct File {
  tessera::DType dtype = tessera::DType::float64;
  tessera::Shape shape;
  std::vector<std::byte> data;  ///< C order

  std::int64_t size() const {
    std::int64_t n = 1;
    for (auto d : shape) n *= d;
    return n;
  }
  template <class T>
  const T* as() const {
    return reinterpret_cast<const T*>(data.data());
  }
};

namespace detail {
[[noreturn]] inline void fail(const std::string& path, const std::string& what) {
  throw std::runtime_error("npy: " + path + ": " + what);
}

// The text after 'key': in the header dict, up to the next ',' at depth 0 or the '}'.
inline std::string field(const std::string& header, const std::string& key,
                         const std::string& path) {
  const auto at = header.find("'" + key + "'");
  if (at == std::string::npos) fail(path, "the header has no '" + key + "'");
  auto colon = header.find(':', at);
  if (colon == std::string::npos) fail(path, "a header without ':' after '" + key + "'");
  std::size_t begin = colon + 1;
  while (begin < header.size() && header[begin] == ' ') ++begin;
  std::size_t end = begin;
  int depth = 0;
  for (; end < header.size(); ++end) {
    const char c = header[end];
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (depth == 0 && (c == ',' || c == '}')) break;
    if (depth < 0) fail(path, "unbalanced parentheses in the header");
  }
  std::string value = header.substr(begin, end - begin);
  while (!value.empty() && value.back() == ' ') value.pop_back();
  return value;
}

inline tessera::Shape parse_shape(std::string text, const std::string& path) {
  if (text.size() < 2 || text.front() != '(' || text.back() != ')') {
    fail(path, "shape " + text + " is not a tuple");
  }
  tessera::Shape shape;
  std::size_t i = 1;
  while (i + 1 < text.size()) {
    while (text[i] == ' ' || text[i] == ',') ++i;
    if (i + 1 >= text.size()) break;
    std::size_t used = 0;
    shape.push_back(std::stoll(text.substr(i), &used));
    if (used == 0 || shape.back() < 0) fail(path, "a bad length in shape " + text);
    i += used;
  }
  return shape;
}
}  // namespace detail

/// The array in a .npy file; std::runtime_error for a file this reader does not handle
/// (Fortran order, big-endian or other element types).
inline File read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) detail::fail(path, "cannot be opened");
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                                std::istreambuf_iterator<char>());
  if (bytes.size() < 10 || std::memcmp(bytes.data(), "\x93NUMPY", 6) != 0) {
    detail::fail(path, "not a .npy file");
  }
  const auto major = static_cast<unsigned char>(bytes[6]);
  std::size_t header_length = 0;
  std::size_t header_start = 10;
  if (major == 1) {
    header_length = static_cast<unsigned char>(bytes[8]) |
                    (std::size_t{static_cast<unsigned char>(bytes[9])} << 8);
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) detail::fail(path, "a truncated header");
    for (int k = 3; k >= 0; --k) {
      header_length = (header_length << 8) | static_cast<unsigned char>(bytes[8 + k]);
    }
    header_start = 12;
  } else {
    detail::fail(path, "format version " + std::to_string(major) + " is not known");
  }
  if (header_start + header_length > bytes.size()) detail::fail(path, "a truncated header");
  const std::string header(bytes.data() + header_start, header_length);

  File file;
  std::string type = detail::field(header, "descr", path);
  if (type.size() < 2 || type.front() != '\'' || type.back() != '\'') {
    detail::fail(path, "descr " + type + " is not a string");
  }
  file.dtype = dtype_of_descr(type.substr(1, type.size() - 2));
  if (detail::field(header, "fortran_order", path) != "False") {
    detail::fail(path, "Fortran order is not supported");
  }
  file.shape = detail::parse_shape(detail::field(header, "shape", path), path);
  const std::size_t size = static_cast<std::size_t>(file.size()) * tessera::itemsize(file.dtype);
  const std::size_t data_start = header_start + header_length;
  if (bytes.size() - data_start != size) {
    detail::fail(path, "holds " + std::to_string(bytes.size() - data_start) +
                           " bytes of data where shape " + tessera::to_string(file.shape) +
                           " needs " + std::to_string(size));
  }
  file.data.resize(size);
  if (size) std::memcpy(file.data.data(), bytes.data() + data_start, size);
  return file;
}

/// Writes the elements of `shape` at `data` (C order) as a version 1.0 .npy file.
inline void write(const std::string& path, tessera::DType dtype, const tessera::Shape& shape,
                  const void* data) {
  std::string dict =
      std::string("{'descr': '") + descr(dtype) + "', 'fortran_order': False, 'shape': (";
  for (std::size_t d = 0; d < shape.size(); ++d) {
    dict += std::to_string(shape[d]);
    if (shape.size() == 1 || d + 1 < shape.size()) dict += ",";
    if (d + 1 < shape.size()) dict += " ";
  }
  dict += "), }";
  // The magic, version and length take 10 bytes; the header ends with '\n' on a multiple of 64.
  const std::size_t total = (10 + dict.size() + 1 + 63) / 64 * 64;
  dict.append(total - 10 - dict.size() - 1, ' ');
  dict += '\n';
  std::ofstream out(path, std::ios::binary);
  if (!out) detail::fail(path, "cannot be written");
  const char magic[8] = {'\x93', 'N', 'U', 'M', 'P', 'Y', 1, 0};
  out.write(magic, 8);
  const char length[2] = {static_cast<char>(dict.size() & 0xff),
                          static_cast<char>(dict.size() >> 8)};
  out.write(length, 2);
  out.write(dict.data(), static_cast<std::streamsize>(dict.size()));
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  out.write(static_cast<const char*>(data),
            static_cast<std::streamsize>(static_cast<std::size_t>(n) * tessera::itemsize(dtype)));
  if (!out) detail::fail(path, "could not be written in full");
}

/// Writes a tessera block.
inline void write(const std::string& path, const tessera::Block& block) {
  write(path, block.dtype, block.shape, block.data.data());
}

}  // namespace npy
