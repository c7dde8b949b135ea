#pragma once
// One rank's end of the MPI job: a progress loop, run by one thread per rank, that makes
// every MPI call. Other threads queue control messages (batched per destination) and data
// sends; the loop posts them, matches incoming messages and hands them to a Handler.
//
// A result moves as a `data` control message (its header and buffer sizes) followed by each
// buffer as raw MPI messages under a tag chosen by the sender: no serialization copies.
// When there is nothing to do the loop yields, then sleeps on a condition that queued sends
// wake: in 50 us steps for the first 20 ms (a message then waits little, as the next step
// of a computation usually comes soon), then in steps up to 1 ms, so that an idle rank
// costs almost nothing even when ranks outnumber cores.

#include <mpi.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "mpi/data_key.hpp"
#include "mpi/outbox.hpp"
#include "mpi/protocol.hpp"
#include "mpi/wire.hpp"
#include "tessera/serialize.hpp"

namespace tessera::detail {

class Transport final : public Outbox {
 public:
  class Handler {
   public:
    virtual ~Handler() = default;
    virtual void on_message(int source, Kind kind, WireReader& body) = 0;
    /// A result arrived (for a fetch); `frames` own their memory.
    virtual void on_data(int source, DataKey key, Frames frames) = 0;
    /// Called on every turn of the loop; returns true if it did work.
    virtual bool on_turn() = 0;
  };

  /// Duplicates `world` for the runtime's own traffic.
  explicit Transport(MPI_Comm world);
  ~Transport() override;
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  int rank() const noexcept { return rank_; }
  int size() const noexcept { return size_; }
  int ranks() const noexcept override { return size_; }

  /// Queues a control message (see messages.hpp's post()). Thread-safe.
  void post(int dest, Kind kind, BodyWriter write) override { send(dest, kind, write); }

  /// Queues a control message to `dest` (this rank too); `fill` writes its body. Thread-safe.
  template <class Fill>
  void send(int dest, Kind kind, Fill&& fill) {
    {
      std::lock_guard lock(mutex_);
      auto& batch = batches_[static_cast<std::size_t>(dest)];
      if (batch.empty()) dirty_.push_back(dest);
      WireWriter out(batch);
      out.put(kind);
      const auto length_at = batch.size();
      out.put<std::uint64_t>(0);
      fill(out);
      const std::uint64_t length = batch.size() - length_at - sizeof(std::uint64_t);
      std::memcpy(batch.data() + length_at, &length, sizeof length);
    }
    wake();
  }

  /// Sends a result to `dest`; `keepalive` (what the frames borrow from) is held until sent.
  void send_data(int dest, DataKey key, Frames frames, std::shared_ptr<const void> keepalive);

  /// Runs the progress loop on this thread until stop().
  void run(Handler& handler);
  /// Makes run() return after its current turn. Thread-safe.
  void stop();
  /// Wakes a sleeping loop. Thread-safe.
  void wake();

  /// Sends still in flight (control batches and data).
  std::size_t pending_sends() const noexcept { return sends_.size(); }

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

  bool post_sends(Handler& handler);
  bool receive_control(Handler& handler);
  bool complete_requests(Handler& handler);
  void dispatch(int source, std::span<const std::byte> batch, Handler& handler);
  void receive_data(int source, WireReader& body, Handler& handler);
  void post_buffer_send(int dest, int tag, const Buffer& buffer,
                        const std::shared_ptr<const void>& keepalive);
  void idle(int& idle_turns, std::chrono::steady_clock::time_point& idle_since);

  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0;
  int size_ = 1;
  int next_tag_ = 1;  // tag 0 is for control batches
  int tag_limit_ = 32767;

  std::mutex mutex_;
  std::condition_variable wakeup_;
  bool woken_ = false;
  bool stopping_ = false;
  std::vector<std::vector<std::byte>> batches_;  // per destination, guarded by mutex_
  std::vector<int> dirty_;                       // destinations with a batch
  std::deque<DataSend> data_sends_;

  // Owned by the loop thread.
  std::vector<MPI_Request> send_requests_;
  std::vector<Send> sends_;
  std::vector<MPI_Request> receive_requests_;
  std::vector<std::shared_ptr<Receive>> receive_owner_;  // per receive request
};

}  // namespace tessera::detail
