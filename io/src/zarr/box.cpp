// Boxes of a Zarr array: a read decodes each chunk the box overlaps once (and fetches each
// shard once); a write replaces each chunk or shard it overlaps once, reading those it covers
// only in part.

#include <algorithm>
#include <cstring>

#include "blocks/copy_box.hpp"
#include "store/spare_bytes.hpp"
#include "zarr/array_state.hpp"

namespace tessera::io {

using zarr::Shape;

namespace {

std::size_t product(const Shape& shape) {
  std::size_t count = 1;
  for (std::int64_t length : shape) count *= static_cast<std::size_t>(length);
  return count;
}

Shape minus(const Shape& a, const Shape& b) {
  Shape out(a.size());
  for (std::size_t axis = 0; axis < a.size(); ++axis) out[axis] = a[axis] - b[axis];
  return out;
}

// Calls visit(index) for every index from lo to hi (both included), in C order.
template <class Visit>
void for_each_index(const Shape& lo, const Shape& hi, Visit&& visit) {
  Shape index = lo;
  while (true) {
    visit(static_cast<const Shape&>(index));
    std::size_t axis = index.size();
    while (axis-- > 0) {
      if (++index[axis] <= hi[axis]) break;
      index[axis] = lo[axis];
    }
    if (axis == static_cast<std::size_t>(-1)) return;
  }
}

// The part of a box that falls in one cell of a grid (a chunk, a shard), within the array.
struct Overlap {
  Shape origin;       // the cell's first element
  Shape lo;           // the overlap's first element
  Shape extent;       // the overlap's lengths
  bool whole = true;  // the box covers all of the cell that lies within the array
};

Overlap overlap(const Shape& cell_index, const Shape& cell, const Shape& array, const Shape& start,
                const Shape& shape) {
  Overlap o;
  for (std::size_t axis = 0; axis < cell.size(); ++axis) {
    std::int64_t origin = cell_index[axis] * cell[axis];
    std::int64_t end = cell[axis] < array[axis] - origin ? origin + cell[axis] : array[axis];
    std::int64_t lo = std::max(start[axis], origin);
    std::int64_t hi = std::min(start[axis] + shape[axis], end);
    o.origin.push_back(origin);
    o.lo.push_back(lo);
    o.extent.push_back(hi - lo);
    o.whole = o.whole && lo == origin && hi == end;
  }
  return o;
}

// The first and last cells of a grid of `cell` that the (non-empty) box overlaps.
std::pair<Shape, Shape> cells_of(const Shape& start, const Shape& shape, const Shape& cell) {
  Shape lo(start.size()), hi(start.size());
  for (std::size_t axis = 0; axis < start.size(); ++axis) {
    lo[axis] = start[axis] / cell[axis];
    hi[axis] = (start[axis] + shape[axis] - 1) / cell[axis];
  }
  return {lo, hi};
}

bool empty(const Shape& shape) {
  return std::any_of(shape.begin(), shape.end(), [](std::int64_t n) { return n == 0; });
}

bool all_fill(const Bytes& bytes, const Bytes& fill) {
  const std::size_t size = fill.size();
  if (size == 0) return false;
  for (std::size_t i = 0; i + size <= bytes.size(); i += size) {
    if (std::memcmp(bytes.data() + i, fill.data(), size) != 0) return false;
  }
  return true;
}

void check_box(const ZarrArray::State& s, const Shape& start, const Shape& shape, std::size_t bytes,
               const char* what) {
  const Shape& array = s.metadata.shape;
  bool inside = start.size() == array.size() && shape.size() == array.size();
  for (std::size_t axis = 0; inside && axis < array.size(); ++axis) {
    inside = start[axis] >= 0 && shape[axis] >= 0 && start[axis] <= array[axis] &&
             shape[axis] <= array[axis] - start[axis];
  }
  const std::string box =
      "the box at " + nlohmann::json(start).dump() + " of shape " + nlohmann::json(shape).dump();
  if (!inside) {
    throw IoError("zarr: " + s.store->describe(s.path) + ": " + what + " " + box +
                  " is not within the array's shape " + nlohmann::json(array).dump());
  }
  const std::size_t expected = product(shape) * itemsize(s.metadata.dtype);
  if (bytes != expected) {
    throw IoError("zarr: " + s.store->describe(s.path) + ": " + what + " " + box + " with " +
                  std::to_string(bytes) + " bytes, expected " + std::to_string(expected));
  }
}

}  // namespace

std::string ZarrArray::describe() const { return state_->store->describe(state_->path); }

Bytes ZarrArray::read(const std::vector<std::int64_t>& start,
                      const std::vector<std::int64_t>& shape) const {
  const std::size_t bytes = product(shape) * itemsize(state_->metadata.dtype);
  check_box(*state_, start, shape, bytes, "reading");  // before allocating what it names
  Bytes out(bytes);
  read(start, shape, out);
  return out;
}

void ZarrArray::read(const std::vector<std::int64_t>& start, const std::vector<std::int64_t>& shape,
                     std::span<std::byte> out) const {
  const State& s = *state_;
  check_box(s, start, shape, out.size(), "reading");
  if (empty(shape)) return;
  const std::size_t item = itemsize(s.metadata.dtype);
  const Shape& chunk = s.read_chunks;
  auto place = [&](const Bytes& decoded, const Shape& index) {
    Overlap o = overlap(index, chunk, s.metadata.shape, start, shape);
    detail::copy_box(decoded.data(), chunk, minus(o.lo, o.origin), out.data(), shape,
                     minus(o.lo, start), o.extent, item);
  };
  auto [lo, hi] = cells_of(start, shape, chunk);
  if (!s.sharding) {
    for_each_index(lo, hi, [&](const Shape& index) {
      Bytes decoded = read_chunk(index);
      place(decoded, index);
      detail::keep_bytes(std::move(decoded));
    });
    return;
  }
  const auto shard_spec = s.metadata.chunk_spec();
  const Shape per_shard = s.sharding->chunks_per_shard(shard_spec.shape);
  const std::size_t inner_bytes = s.sharding->inner_spec(shard_spec).bytes();
  std::optional<Bytes> fill;
  auto filled = [&]() -> const Bytes& {
    if (!fill) fill = s.filled(inner_bytes);
    return *fill;
  };
  const std::size_t inner_count = product(per_shard);
  auto [first_shard, last_shard] = cells_of(start, shape, s.metadata.chunk_shape);
  for_each_index(first_shard, last_shard, [&](const Shape& shard) {
    const std::string key = s.key(s.metadata.chunk_key(shard));
    const std::string name = s.store->describe(key);
    Shape inner_lo(shard.size()), inner_hi(shard.size());
    std::size_t wanted = 1;
    for (std::size_t axis = 0; axis < shard.size(); ++axis) {
      inner_lo[axis] = std::max(lo[axis], shard[axis] * per_shard[axis]);
      inner_hi[axis] = std::min(hi[axis], shard[axis] * per_shard[axis] + per_shard[axis] - 1);
      wanted *= static_cast<std::size_t>(inner_hi[axis] - inner_lo[axis] + 1);
    }
    // Most of a shard: read it whole; a few of its chunks: read its index, then each chunk.
    const bool whole = 2 * wanted >= inner_count;
    std::optional<Bytes> stored;
    std::vector<zarr::ShardingCodec::Entry> entries;
    if (whole) {
      stored = s.store->get(key);
      if (stored) entries = s.sharding->read_index(*stored, shard_spec, name);
    } else {
      const std::size_t size = s.sharding->index_bytes(shard_spec);
      const auto at = s.sharding->index_at_end() ? -static_cast<std::int64_t>(size) : 0;
      if (auto index = s.store->get_range(key, at, size)) {
        entries = s.sharding->decode_index(std::move(*index), shard_spec, std::nullopt, name);
      }
    }
    for_each_index(inner_lo, inner_hi, [&](const Shape& index) {
      std::size_t inner = 0;
      for (std::size_t axis = 0; axis < index.size(); ++axis) {
        inner = inner * static_cast<std::size_t>(per_shard[axis]) +
                static_cast<std::size_t>(index[axis] % per_shard[axis]);
      }
      if (entries.empty() || entries[inner].missing()) return place(filled(), index);
      const auto& entry = entries[inner];
      Bytes encoded;
      if (stored) {
        encoded = detail::take_bytes(entry.nbytes);
        std::memcpy(encoded.data(), stored->data() + entry.offset, entry.nbytes);
      } else {
        auto range = s.store->get_range(key, static_cast<std::int64_t>(entry.offset),
                                        static_cast<std::size_t>(entry.nbytes));
        if (!range) throw IoError("zarr: shard '" + name + "' was removed while it was read");
        encoded = std::move(*range);
      }
      Bytes decoded = s.sharding->decode_inner(std::move(encoded), shard_spec, inner, name);
      place(decoded, index);
      detail::keep_bytes(std::move(decoded));
    });
    if (stored) detail::keep_bytes(std::move(*stored));
  });
}

void ZarrArray::write(const std::vector<std::int64_t>& start,
                      const std::vector<std::int64_t>& shape, std::span<const std::byte> data) {
  const State& s = *state_;
  check_box(s, start, shape, data.size(), "writing");
  if (empty(shape)) return;
  const std::size_t item = itemsize(s.metadata.dtype);
  const Shape& unit = s.metadata.chunk_shape;  // a chunk, or a whole shard
  const std::size_t unit_bytes = product(unit) * item;
  const Shape zero(unit.size(), 0);
  auto [lo, hi] = cells_of(start, shape, unit);
  for_each_index(lo, hi, [&](const Shape& index) {
    Overlap o = overlap(index, unit, s.metadata.shape, start, shape);
    bool inside = true;  // no part of the cell is padding beyond the array's far edges
    for (std::size_t axis = 0; axis < unit.size(); ++axis) {
      inside = inside && o.origin[axis] + unit[axis] <= s.metadata.shape[axis];
    }
    // Where the cell's elements are read from: the box itself when it covers the whole cell,
    // else a copy of the cell with what the box does not cover read from the store.
    const std::byte* source = data.data();
    Shape source_shape = shape;
    Shape source_origin = minus(o.origin, start);
    Bytes cell;
    if (!o.whole || !inside) {
      cell = s.filled(unit_bytes);
      if (!o.whole) {  // keep what the box does not cover
        Shape stored_extent(unit.size());
        for (std::size_t axis = 0; axis < unit.size(); ++axis) {
          stored_extent[axis] = std::min(unit[axis], s.metadata.shape[axis] - o.origin[axis]);
        }
        Bytes stored = read(o.origin, stored_extent);
        detail::copy_box(stored.data(), stored_extent, zero, cell.data(), unit, zero, stored_extent,
                         item);
      }
      detail::copy_box(data.data(), shape, minus(o.lo, start), cell.data(), unit,
                       minus(o.lo, o.origin), o.extent, item);
      source = cell.data();
      source_shape = unit;
      source_origin = zero;
    }
    // The elements of the chunk of `chunk_shape` at `at` within the cell, or nothing when they
    // are all the fill value (not stored, as zarr-python).
    auto chunk_at = [&](const Shape& at, const Shape& chunk_shape) -> std::optional<Bytes> {
      Bytes chunk = detail::take_bytes(product(chunk_shape) * item);
      Shape from(unit.size());
      for (std::size_t axis = 0; axis < unit.size(); ++axis) {
        from[axis] = source_origin[axis] + at[axis];
      }
      detail::copy_box(source, source_shape, from, chunk.data(), chunk_shape, zero, chunk_shape,
                       item);
      if (all_fill(chunk, s.metadata.fill_value)) {
        detail::keep_bytes(std::move(chunk));
        return std::nullopt;
      }
      return chunk;
    };
    const std::string key = s.key(s.metadata.chunk_key(index));
    const auto spec = s.metadata.chunk_spec();
    if (!s.sharding) {
      std::optional<Bytes> chunk = chunk_at(zero, unit);
      if (!chunk) return s.store->erase(key);
      Bytes encoded = s.metadata.codecs.encode(std::move(*chunk), spec);
      s.store->set(key, encoded);
      detail::keep_bytes(std::move(encoded));
      return;
    }
    const Shape& inner = s.read_chunks;
    const Shape per_shard = s.sharding->chunks_per_shard(unit);
    bool any = false;
    Bytes shard = s.sharding->assemble(
        [&](std::size_t linear) {
          Shape at(unit.size());
          for (std::size_t axis = unit.size(); axis-- > 0;) {
            at[axis] =
                static_cast<std::int64_t>(linear % static_cast<std::size_t>(per_shard[axis])) *
                inner[axis];
            linear /= static_cast<std::size_t>(per_shard[axis]);
          }
          auto chunk = chunk_at(at, inner);
          any = any || chunk.has_value();
          return chunk;
        },
        spec);
    if (!any) return s.store->erase(key);
    s.store->set(key, shard);
    detail::keep_bytes(std::move(shard));
  });
}

}  // namespace tessera::io
