#pragma once
// The error of array operations.

#include "tessera/errors.hpp"

namespace tessera {

/// An array operation that cannot be done: shapes that do not broadcast, a bad axis, an index
/// out of range, a cast that is not allowed, a reshape that does not fit, chunk sizes that are
/// unknown where they must be known. The message names the operation, the shapes or chunks,
/// and what was expected: "add: shapes (1000, 20) and (30,) do not broadcast".
class ArrayError : public Error {
 public:
  using Error::Error;
};

}  // namespace tessera
