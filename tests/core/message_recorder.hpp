#pragma once
// What a role sends, recorded instead of going out through MPI or UCX, so that its decisions
// are tested in one process. Thread-safe: a worker's task threads send too.

#include <cstddef>
#include <deque>
#include <mutex>
#include <utility>
#include <vector>

#include "mpi/outbox.hpp"

namespace tessera::detail {

class MessageRecorder {
 public:
  void record(int dest, Kind kind, BodyWriter write) {
    Sent sent{dest, kind, {}};
    WireWriter out(sent.body);
    write(out);
    std::lock_guard lock(mutex_);
    sent_.push_back(std::move(sent));
  }

  /// The kinds of the messages to `dest` not taken yet, in the order they were sent.
  std::vector<Kind> kinds_to(int dest) {
    std::lock_guard lock(mutex_);
    std::vector<Kind> kinds;
    for (const auto& sent : sent_) {
      if (sent.dest == dest) kinds.push_back(sent.kind);
    }
    return kinds;
  }

  /// The messages of M's kind sent since the last take, with their destinations, in order.
  template <class M>
  std::vector<std::pair<int, M>> take() {
    std::lock_guard lock(mutex_);
    std::vector<std::pair<int, M>> taken;
    for (auto it = sent_.begin(); it != sent_.end();) {
      if (it->kind != M::kind) {
        ++it;
        continue;
      }
      kept_.push_back(std::move(it->body));  // read messages point into their bytes
      WireReader in(kept_.back(), kind_name(M::kind));
      taken.emplace_back(it->dest, M::read(in));
      it = sent_.erase(it);
    }
    return taken;
  }

 private:
  struct Sent {
    int dest;
    Kind kind;
    std::vector<std::byte> body;
  };
  std::mutex mutex_;
  std::deque<Sent> sent_;
  std::deque<std::vector<std::byte>> kept_;
};

}  // namespace tessera::detail
