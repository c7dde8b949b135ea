// The transpose codec (array -> array): axis i of the encoded array is axis order[i] of the
// decoded one. Zarr v2's "order": "F" is the transpose that reverses the axes.

#include <algorithm>
#include <numeric>

#include "zarr/codecs/codec.hpp"

namespace tessera::io::zarr {

namespace {

// Copies `in` (C order, shape `shape`) into the array whose axis i is axis order[i] of `in`.
Bytes permute(const Bytes& in, const Shape& shape, const std::vector<std::size_t>& order,
              std::size_t itemsize) {
  std::size_t rank = shape.size();
  std::vector<std::size_t> in_strides(rank, itemsize);
  for (std::size_t axis = rank; axis-- > 1;) {
    in_strides[axis - 1] = in_strides[axis] * static_cast<std::size_t>(shape[axis]);
  }
  Shape out_shape(rank);
  std::vector<std::size_t> strides(rank);  // the input stride of each output axis
  for (std::size_t i = 0; i < rank; ++i) {
    out_shape[i] = shape[order[i]];
    strides[i] = in_strides[order[i]];
  }
  Bytes out(in.size());
  if (in.empty()) return out;
  std::vector<std::int64_t> index(rank, 0);
  std::size_t source = 0;
  for (std::size_t target = 0; target < out.size(); target += itemsize) {
    std::copy_n(in.begin() + static_cast<std::ptrdiff_t>(source), itemsize,
                out.begin() + static_cast<std::ptrdiff_t>(target));
    for (std::size_t axis = rank; axis-- > 0;) {  // the odometer over the output, C order
      source += strides[axis];
      if (++index[axis] < out_shape[axis]) break;
      source -= strides[axis] * static_cast<std::size_t>(out_shape[axis]);
      index[axis] = 0;
    }
  }
  return out;
}

class TransposeCodec final : public Codec {
 public:
  explicit TransposeCodec(std::vector<std::size_t> order) : order_(std::move(order)) {
    inverse_.resize(order_.size());
    for (std::size_t i = 0; i < order_.size(); ++i) inverse_[order_[i]] = i;
  }

  CodecKind kind() const override { return CodecKind::array_to_array; }
  std::string name() const override { return "transpose"; }
  nlohmann::json to_json() const override {
    return {{"name", "transpose"}, {"configuration", {{"order", order_}}}};
  }
  ChunkSpec encoded_spec(const ChunkSpec& in) const override {
    check_rank(in.shape);
    ChunkSpec out = in;
    for (std::size_t i = 0; i < order_.size(); ++i) out.shape[i] = in.shape[order_[i]];
    return out;
  }
  std::optional<std::size_t> encoded_size(std::size_t decoded) const override { return decoded; }
  std::size_t encoded_bound(std::size_t decoded) const override { return decoded; }

  Bytes encode(Bytes in, const ChunkSpec& spec) const override {
    check_rank(spec.shape);
    return permute(in, spec.shape, order_, spec.itemsize);
  }

  Bytes decode(Bytes in, const ChunkSpec& spec, SizeHint out,
               std::string_view chunk) const override {
    if (in.size() != out.size) {
      corrupt_chunk(chunk, name(),
                    std::to_string(in.size()) + " bytes, expected " + std::to_string(out.size));
    }
    return permute(in, encoded_spec(spec).shape, inverse_, spec.itemsize);
  }

 private:
  void check_rank(const Shape& shape) const {
    if (shape.size() != order_.size()) {
      throw IoError("zarr: transpose: \"order\" has " + std::to_string(order_.size()) +
                    " axes, the chunk has " + std::to_string(shape.size()));
    }
  }

  std::vector<std::size_t> order_;
  std::vector<std::size_t> inverse_;
};

}  // namespace

CodecPtr make_transpose(std::vector<std::size_t> order) {
  std::vector<std::size_t> sorted = order;
  std::sort(sorted.begin(), sorted.end());
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    if (sorted[i] != i) {
      throw IoError("zarr: transpose: \"order\" is " + nlohmann::json(order).dump() +
                    ": expected a permutation of 0.." + std::to_string(order.size() - 1));
    }
  }
  return std::make_shared<TransposeCodec>(std::move(order));
}

}  // namespace tessera::io::zarr
