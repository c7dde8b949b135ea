#include "tessera/value.hpp"

namespace tessera {

void Value::throw_type_mismatch(const std::type_info& wanted) const {
  throw TypeError("value holds " + (vtable_ ? type_name() : std::string("nothing")) + ", not the " +
                  detail::demangle(wanted.name()) + " asked for");
}

}  // namespace tessera
