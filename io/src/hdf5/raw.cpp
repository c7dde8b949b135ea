#include "raw.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "blocks/copy_box.hpp"
#include "h5.hpp"
#include "tessera/errors.hpp"

#if !H5_VERSION_GE(1, 10, 5)
#error "tessera's HDF5 writer needs HDF5 1.10.5 or later (H5Dget_chunk_info_by_coord)"
#endif

namespace tessera::io::detail::hdf5 {
namespace {

[[noreturn]] void raw_fail(const RawLayout& layout, const std::string& what, int error) {
  throw IoError("hdf5: " + layout.file + ": " + layout.dataset + ": " + what + " (" +
                std::strerror(error) + ")");
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

std::uint64_t linear(const Shape& index, const Shape& shape) {
  std::uint64_t at = 0;
  for (std::size_t d = 0; d < shape.size(); ++d) {
    at = at * static_cast<std::uint64_t>(shape[d]) + static_cast<std::uint64_t>(index[d]);
  }
  return at;
}

// Writes runs of bytes at file offsets, joining runs that follow one another in both.
class RunWriter {
 public:
  RunWriter(const RawLayout& layout, std::string what) : layout_(layout), what_(std::move(what)) {
    fd_ = ::open(layout.file.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd_ < 0) raw_fail(layout_, what_, errno);
  }
  RunWriter(const RunWriter&) = delete;
  RunWriter& operator=(const RunWriter&) = delete;
  ~RunWriter() {
    if (fd_ >= 0) ::close(fd_);
  }

  void put(const std::byte* data, std::size_t bytes, std::uint64_t at) {
    if (pending_bytes_ > 0 && data == pending_ + pending_bytes_ &&
        at == pending_at_ + pending_bytes_) {
      pending_bytes_ += bytes;
      return;
    }
    flush();
    pending_ = data;
    pending_bytes_ = bytes;
    pending_at_ = at;
  }

  /// Writes what put() holds back to join with the next run.
  void flush() {
    std::size_t done = 0;
    while (done < pending_bytes_) {
      const ssize_t n = ::pwrite(fd_, pending_ + done, pending_bytes_ - done,
                                 static_cast<off_t>(pending_at_ + done));
      if (n < 0) {
        if (errno == EINTR) continue;
        raw_fail(layout_, what_, errno);
      }
      done += static_cast<std::size_t>(n);
    }
    pending_bytes_ = 0;
  }

  void finish() {
    flush();
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) raw_fail(layout_, what_, errno);
  }

 private:
  const RawLayout& layout_;
  std::string what_;
  int fd_ = -1;
  const std::byte* pending_ = nullptr;
  std::size_t pending_bytes_ = 0;
  std::uint64_t pending_at_ = 0;
};

}  // namespace

std::optional<RawLayout> raw_layout(hid_t dataset, const std::string& file, const std::string& path,
                                    const Shape& shape, const Shape& chunk) {
  RawLayout layout{file, path, shape, chunk, {}};
  if (chunk.empty()) {
    const haddr_t address = H5Dget_offset(dataset);
    if (address == HADDR_UNDEF) fail(file, path, "has no space allocated for its elements");
    layout.addresses.push_back(address);
    return layout;
  }
  Shape last(shape.size());
  std::size_t chunks = 1;
  for (std::size_t d = 0; d < shape.size(); ++d) {
    last[d] = (shape[d] - 1) / chunk[d];
    chunks *= static_cast<std::size_t>(last[d] + 1);
    if (chunks > most_raw_chunks) return std::nullopt;
  }
  std::vector<hsize_t> offset(shape.size());
  for_each_index(Shape(shape.size(), 0), last, [&](const Shape& index) {
    for (std::size_t d = 0; d < shape.size(); ++d) {
      offset[d] = static_cast<hsize_t>(index[d] * chunk[d]);
    }
    unsigned filters = 0;
    haddr_t address = HADDR_UNDEF;
    hsize_t size = 0;
    check_status(H5Dget_chunk_info_by_coord(dataset, offset.data(), &filters, &address, &size),
                 file, path, "cannot find the chunk at " + to_string(index));
    if (address == HADDR_UNDEF) fail(file, path, "has no space allocated for its elements");
    layout.addresses.push_back(address);
  });
  return layout;
}

int write_raw(const RawLayout& layout, const Shape& start, const Block& block) {
  if (block.size() == 0) return 0;
  const std::size_t item = itemsize(block.dtype);
  const std::size_t nd = block.shape.size();
  RunWriter out(layout, "cannot write the block at " + to_string(start));
  const std::byte* data = block.data.data();
  if (nd == 0) {
    out.put(data, item, layout.addresses[0]);
    out.finish();
    return 0;
  }
  const std::size_t row = static_cast<std::size_t>(block.shape[nd - 1]) * item;
  if (layout.chunk.empty()) {  // each row of the block, at its place in the extent
    Shape last_row = block.shape;
    for (auto& n : last_row) --n;
    last_row[nd - 1] = 0;
    Shape at(nd);
    for_each_index(Shape(nd, 0), last_row, [&](const Shape& r) {
      for (std::size_t d = 0; d < nd; ++d) at[d] = start[d] + r[d];
      out.put(data + linear(r, block.shape) * item, row,
              layout.addresses[0] + linear(at, layout.shape) * item);
    });
    out.finish();
    return 0;
  }
  // Each chunk the block overlaps: a whole one gathered and written at once, a part row by row.
  const Shape& chunk = layout.chunk;
  Shape grid(nd), lo(nd), hi(nd);
  for (std::size_t d = 0; d < nd; ++d) {
    grid[d] = (layout.shape[d] - 1) / chunk[d] + 1;
    lo[d] = start[d] / chunk[d];
    hi[d] = (start[d] + block.shape[d] - 1) / chunk[d];
  }
  std::vector<std::byte> gathered;
  for_each_index(lo, hi, [&](const Shape& c) {
    const std::uint64_t address = layout.addresses[linear(c, grid)];
    Shape from(nd), extent(nd), within(nd);
    bool whole = true;
    for (std::size_t d = 0; d < nd; ++d) {
      const std::int64_t origin = c[d] * chunk[d];
      const std::int64_t begin = std::max(start[d], origin);
      const std::int64_t end = std::min(start[d] + block.shape[d], origin + chunk[d]);
      from[d] = begin - start[d];
      within[d] = begin - origin;
      extent[d] = end - begin;
      whole = whole && extent[d] == chunk[d];
    }
    if (whole) {
      std::size_t bytes = item;
      for (std::int64_t length : chunk) bytes *= static_cast<std::size_t>(length);
      out.flush();  // the chunk gathered before is written before its memory is reused
      gathered.resize(bytes);
      copy_box(data, block.shape, from, gathered.data(), chunk, Shape(nd, 0), chunk, item);
      out.put(gathered.data(), bytes, address);
      return;
    }
    Shape last_row = extent;
    for (auto& n : last_row) --n;
    last_row[nd - 1] = 0;
    const std::size_t run = static_cast<std::size_t>(extent[nd - 1]) * item;
    Shape in_block(nd), in_chunk(nd);
    for_each_index(Shape(nd, 0), last_row, [&](const Shape& r) {
      for (std::size_t d = 0; d < nd; ++d) {
        in_block[d] = from[d] + r[d];
        in_chunk[d] = within[d] + r[d];
      }
      out.put(data + linear(in_block, block.shape) * item, run,
              address + linear(in_chunk, chunk) * item);
    });
  });
  out.finish();
  return 0;
}

}  // namespace tessera::io::detail::hdf5
