#pragma once
// One rank's end of the MPI job: a progress loop, run by one thread per rank, that makes
// every MPI call. Other threads queue control messages (batched per destination) and data
// sends; the loop posts them, matches incoming messages and hands them to a Handler.
//
// A result moves as a `data` control message (its header and buffer sizes) followed by each
// buffer as raw MPI messages under a tag chosen by the sender: no serialization copies.
// When there is nothing to do the loop yields, then sleeps on a condition that queued sends
// wake (link.hpp's idle_sleep_step). A worker's idle task threads may run turns of the loop
// themselves (progress_here()); one turn runs at a time, and while a thread helps, the loop
// thread sleeps between turns instead of yielding.

#include <mpi.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "mpi/control_batches.hpp"
#include "mpi/data_key.hpp"
#include "mpi/link.hpp"
#include "mpi/outbox.hpp"
#include "mpi/protocol.hpp"
#include "mpi/wire.hpp"
#include "tessera/serialize.hpp"

namespace tessera::detail {

class Transport final : public Link {
 public:
  /// Duplicates `world` for the runtime's own traffic.
  explicit Transport(MPI_Comm world);
  ~Transport() override;
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  int rank() const noexcept override { return rank_; }
  int size() const noexcept { return size_; }
  int ranks() const noexcept override { return size_; }

  /// Queues a control message (see messages.hpp's post()). Thread-safe.
  void post(int dest, Kind kind, BodyWriter write) override { send(dest, kind, write); }

  /// Queues a control message to `dest` (this rank too); `fill` writes its body. Thread-safe.
  template <class Fill>
  void send(int dest, Kind kind, Fill&& fill) {
    bool sleeping = false;
    {
      std::lock_guard lock(mutex_);
      batches_.append(dest, kind, fill);
      queued_.store(true, std::memory_order_relaxed);
      if (!sends_itself()) {  // else a helper: its next turn sends it
        woken_ = true;
        sleeping = sleeping_;
      }
    }
    if (sleeping) wakeup_.notify_one();  // else the loop sees the batch before it sleeps
  }

  void send_data(int dest, DataKey key, Frames frames,
                 std::shared_ptr<const void> keepalive) override;
  void run(Handler& handler) override;
  void stop() override;
  void wake() override;
  std::size_t pending_sends() const noexcept override { return sends_.size(); }
  bool progress_here(Handler& handler) override;
  bool takes_helpers() const noexcept override { return true; }
  bool set_helping(bool helping) override;

 private:
  struct DataSend {
    int dest;
    DataKey key;
    Frames frames;
    std::shared_ptr<const void> keepalive;
  };
  struct Send {
    std::vector<std::byte> bytes;  // a control batch, or empty for a data buffer
    std::shared_ptr<const void> keepalive;
  };
  struct Receive {
    int source;
    DataKey key;
    Frames frames;
    int requests_left;
  };

  // One turn: what the loop does each time round; called with turn_mutex_ held.
  bool turn(Handler& handler);
  // True on a helping thread: it runs a turn before it sleeps, which sends what it queued.
  static bool sends_itself() noexcept;
  bool post_sends(Handler& handler);
  bool receive_control(Handler& handler);
  bool complete_requests(Handler& handler);
  void dispatch(int source, std::span<const std::byte> batch, Handler& handler);
  void receive_data(int source, WireReader& body, Handler& handler);
  void post_buffer_send(int dest, int tag, const Buffer& buffer,
                        const std::shared_ptr<const void>& keepalive);
  void idle(int& idle_turns, std::chrono::steady_clock::time_point& idle_since, bool in_flight);

  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0;
  int size_ = 1;
  int next_tag_ = 1;  // tag 0 is for control batches
  int tag_limit_ = 32767;

  std::mutex mutex_;
  std::condition_variable wakeup_;
  bool woken_ = false;
  bool sleeping_ = false;  // the loop waits on wakeup_
  // Read by the loop without the lock on every turn, so that a busy loop does not take the
  // lock from threads queueing results (each collision is a futex wake).
  std::atomic<bool> queued_{false};  // batches_ or data_sends_ has something
  std::atomic<bool> stopping_{false};
  std::atomic<int> helpers_{0};  // threads helping with turns (set_helping)
  ControlBatches batches_;
  std::deque<DataSend> data_sends_;
  static constexpr std::chrono::microseconds report_interval{200};
  std::chrono::steady_clock::time_point last_report_;  // the last batch sent to rank 0

  // Held for each turn, by the loop thread or a helper: what follows is theirs in turn.
  std::mutex turn_mutex_;
  std::vector<MPI_Request> send_requests_;
  std::vector<Send> sends_;
  std::vector<MPI_Request> receive_requests_;
  std::vector<std::shared_ptr<Receive>> receive_owner_;  // per receive request
  // Buffers that received batches of control messages, for the next ones: a batch may be
  // hundreds of kilobytes, and one per turn would be allocated and zeroed again. Each batch
  // takes its own (a handler may turn the loop again while one is read).
  std::vector<std::vector<std::byte>> spare_batches_;
};

}  // namespace tessera::detail
