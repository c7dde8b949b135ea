#include "tessera/value.hpp"

#include <cxxabi.h>

#include <cstdlib>
#include <memory>

namespace tessera {

namespace detail {
std::string demangle(const char* mangled_name) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> readable(
      abi::__cxa_demangle(mangled_name, nullptr, nullptr, &status), std::free);
  return status == 0 && readable ? std::string(readable.get()) : std::string(mangled_name);
}
}  // namespace detail

void Value::throw_type_mismatch(const std::type_info& wanted) const {
  throw TypeError("value holds " + (vtable_ ? type_name() : std::string("nothing")) +
                  ", not the " + detail::demangle(wanted.name()) + " asked for");
}

}  // namespace tessera
