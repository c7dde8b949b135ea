#pragma once
// The link of an elastic cluster (mpi/link.hpp) over UCX: the scheduler listens; worker
// processes started later by a batch system join it, get a rank (1, 2, ... in the order they
// join; never reused), and leave. Workers reach each other directly: the scheduler tells every
// worker where the others listen, and a worker connects to another on its first message to it.
//
// Control messages travel in batches per destination, as over MPI; a result travels as one
// message holding its header and buffers. A peer killed without a goodbye is reported to the
// handler as lost (UCX sees the connection break within milliseconds).

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "elastic/ucx_link.hpp"
#include "mpi/control_batches.hpp"
#include "mpi/link.hpp"

namespace tessera::elastic {

class UcxTransport final : public detail::Link {
 public:
  /// The scheduler's end (rank 0): listens on `port` (0: a free one); address() is what the
  /// scheduler file publishes.
  static std::unique_ptr<UcxTransport> listen(std::uint16_t port);
  /// A worker's end: connects to the scheduler at `address` and waits, up to `timeout`, for
  /// its rank. Throws tessera::IoError naming the address when it cannot.
  static std::unique_ptr<UcxTransport> join(const std::string& address,
                                            std::chrono::milliseconds timeout);
  ~UcxTransport() override;

  /// Where this process listens: "<host>:<port>".
  const std::string& address() const noexcept { return address_; }

  int rank() const noexcept override { return rank_; }
  /// One more than the highest rank this process knows of (workers that left count too).
  int ranks() const noexcept override;
  void post(int dest, detail::Kind kind, detail::BodyWriter write) override;
  void send_data(int dest, detail::DataKey key, Frames frames,
                 std::shared_ptr<const void> keepalive) override;
  void run(Handler& handler) override;
  void stop() override;
  void wake() override;
  std::size_t pending_sends() const noexcept override;

 private:
  UcxTransport();

  struct DataSend {
    int dest;
    detail::DataKey key;
    Frames frames;
    std::shared_ptr<const void> keepalive;
  };

  bool flush_sends(Handler& handler);
  bool handle_events(Handler& handler);
  void handle_message(PeerId peer, const std::string& bytes, Handler& handler);
  void welcome(PeerId peer, const std::string& address);
  void peer_lost(PeerId peer, Handler& handler);
  // The peer to send to `rank` through, connecting to it first if need be; nullptr-like
  // (false) when it cannot be reached.
  bool peer_for(int rank, PeerId& peer);
  void idle(int& idle_turns, std::chrono::steady_clock::time_point& idle_since);

  UcxLink link_;
  std::string address_;
  int rank_ = 0;

  mutable std::mutex mutex_;  // guards what follows, up to the loop's own state
  std::condition_variable wakeup_;
  bool woken_ = false;
  bool stopping_ = false;
  int known_ranks_ = 1;
  detail::ControlBatches batches_;
  std::deque<DataSend> data_sends_;

  // Owned by the loop thread (and by join() before the loop starts).
  std::vector<LinkEvent> backlog_;           // events that came while join() waited for its rank
  std::unordered_map<int, PeerId> out_;      // where to send to a rank
  std::unordered_map<PeerId, int> rank_of_;  // who a peer is, once known
  std::unordered_map<int, std::string> addresses_;  // where workers listen
  std::unordered_set<int> said_bye_;                // left on purpose: not lost
  std::unordered_set<int> unreachable_;             // connects that failed, reported lost
};

}  // namespace tessera::elastic
