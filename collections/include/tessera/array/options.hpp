#pragma once
// Arguments of array reductions.
//
//   x.sum()                               // every axis: a scalar (0-d) array
//   x.mean(0)                             // along axis 0
//   x.var({0, 2}, {.ddof = 1, .keepdims = true})
//   x.sum(tessera::Axes::none())          // along no axis: x itself, as the sum's dtype

#include <cstdint>
#include <initializer_list>
#include <vector>

namespace tessera {

/// The axes an operation works along; negative axes count from the end (-1 is the last).
class Axes {
 public:
  /// Every axis (NumPy's axis=None).
  Axes() = default;
  Axes(int axis) : list_{axis}, all_(false) {}  // NOLINT: x.sum(0) reads as NumPy
  Axes(std::initializer_list<int> axes) : list_(axes), all_(false) {}
  explicit Axes(std::vector<int> axes) : list_(std::move(axes)), all_(false) {}
  /// No axis at all (NumPy's axis=()).
  static Axes none() { return Axes(std::vector<int>{}); }

  bool all() const noexcept { return all_; }
  const std::vector<int>& list() const noexcept { return list_; }

 private:
  std::vector<int> list_;
  bool all_ = true;
};

struct ReduceOptions {
  /// Delta degrees of freedom of var and std: the divisor is n - ddof.
  int ddof = 0;
  /// Keeps the reduced axes, with length 1, so that the result broadcasts against the input.
  bool keepdims = false;
  /// How many partial results one task combines (the fan-in of the reduction tree); 0: the
  /// "array_split_every" setting.
  int split_every = 0;
};

}  // namespace tessera
