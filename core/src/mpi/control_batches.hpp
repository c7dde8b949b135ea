#pragma once
// Control messages queued per destination rank, each as [kind][u64 length][body], so that a
// link sends all of one destination's messages as one batch (transport.hpp). Not locked: the
// link guards it.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <utility>
#include <vector>

#include "mpi/protocol.hpp"
#include "mpi/wire.hpp"

namespace tessera::detail {

class ControlBatches {
 public:
  /// Appends a message of `kind` for `dest`; `fill` writes its body into a WireWriter.
  template <class Fill>
  void append(int dest, Kind kind, Fill&& fill) {
    const auto index = static_cast<std::size_t>(dest);
    if (batches_.size() <= index) batches_.resize(index + 1);
    if (urgent_.size() <= index) urgent_.resize(index + 1, false);
    auto& batch = batches_[index];
    if (batch.empty()) {
      dirty_.push_back(dest);
      urgent_[index] = false;
    }
    if (kind != Kind::completed) urgent_[index] = true;
    WireWriter out(batch);
    out.put(kind);
    const auto length_at = batch.size();
    out.put<std::uint64_t>(0);
    fill(out);
    const std::uint64_t length = batch.size() - length_at - sizeof(std::uint64_t);
    std::memcpy(batch.data() + length_at, &length, sizeof length);
  }

  /// Moves every non-empty batch into `out` as (destination, bytes), in the order the
  /// destinations got their first message; `held`'s batch stays (-1: none).
  void take(std::vector<std::pair<int, std::vector<std::byte>>>& out, int held = -1) {
    std::size_t kept = 0;
    for (int dest : dirty_) {
      if (dest == held) {
        dirty_[kept++] = dest;
        continue;
      }
      out.emplace_back(dest, std::move(batches_[static_cast<std::size_t>(dest)]));
      batches_[static_cast<std::size_t>(dest)].clear();
    }
    dirty_.resize(kept);
  }

  bool empty() const noexcept { return dirty_.empty(); }
  /// Whether `dest` has a batch, and it holds only reports of finished tasks (which may wait
  /// for the next ones).
  bool only_reports(int dest) const noexcept {
    const auto index = static_cast<std::size_t>(dest);
    return index < batches_.size() && !batches_[index].empty() && !urgent_[index];
  }

 private:
  std::vector<std::vector<std::byte>> batches_;  // per destination rank
  std::vector<int> dirty_;                       // destinations with a batch
  std::vector<bool> urgent_;  // per destination: its batch holds more than task reports
};

/// Calls `on_message(kind, body)` for each message of a batch that came from `source`; a
/// malformed batch is a SerializationError naming the source.
template <class OnMessage>
void read_batch(int source, std::span<const std::byte> batch, OnMessage&& on_message) {
  WireReader in(batch, "message batch", "", source);
  while (!in.at_end()) {
    const auto kind = in.get<Kind>();
    auto body = in.get_bytes();
    WireReader reader(body, kind_name(kind), " message", source);
    on_message(kind, reader);
  }
}

}  // namespace tessera::detail
