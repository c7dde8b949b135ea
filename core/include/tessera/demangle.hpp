#pragma once
// Readable C++ type names for error messages.

#include <string>

namespace tessera::detail {

/// "std::vector<double>" for typeid(std::vector<double>).name(); the name as given if it
/// does not demangle. std::__cxx11::basic_string<char, ...> reads as std::string.
std::string demangle(const char* mangled_name);

}  // namespace tessera::detail
