#pragma once
// Link: one process's end of the cluster's wiring, as the roles (scheduler, worker, cluster
// client) see it: ranks that exchange batched control messages and results. Two links exist:
// the MPI transport of one MPI_COMM_WORLD (transport.hpp), and the UCX transport of elastic
// clusters, whose workers join and leave while the scheduler runs (elastic/ucx_transport.hpp).
// Each is driven by one thread (run()), which idle task threads may help (progress_here());
// every other call is thread-safe.

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <memory>

#include "mpi/data_key.hpp"
#include "mpi/outbox.hpp"
#include "mpi/protocol.hpp"
#include "mpi/wire.hpp"
#include "tessera/serialize.hpp"

namespace tessera::detail {

class Link : public Outbox {
 public:
  class Handler {
   public:
    virtual ~Handler() = default;
    virtual void on_message(int source, Kind kind, WireReader& body) = 0;
    /// A result arrived (for a fetch); `frames` own their memory.
    virtual void on_data(int source, DataKey key, Frames frames) = 0;
    /// Called on every turn of the loop; returns true if it did work.
    virtual bool on_turn() = 0;
    /// `rank` is gone without saying goodbye (killed, crashed, its node lost). Only elastic
    /// links report it: inside one MPI job a dead rank ends the job.
    virtual void on_lost(int /*rank*/) {}
    /// Ends a turn that a task thread ran (progress_here()): what must follow the messages
    /// handled in it (a worker enlists the tasks it read). Returns true if it did work.
    virtual bool on_helper_turn() { return false; }
    /// Whether this rank's reports of finished tasks may wait a little, to go to the
    /// scheduler with the next ones (a worker that has other tasks assigned to it yet).
    virtual bool reports_may_wait() const { return false; }
  };

  /// This process's rank: 0 is the scheduler (and the client of the program's main).
  virtual int rank() const noexcept = 0;
  /// Sends a result to `dest`; `keepalive` (what the frames borrow from) is held until sent.
  virtual void send_data(int dest, DataKey key, Frames frames,
                         std::shared_ptr<const void> keepalive) = 0;
  /// Runs the progress loop on this thread until stop().
  virtual void run(Handler& handler) = 0;
  /// Makes run() return after its current turn (what was queued still goes out).
  virtual void stop() = 0;
  /// Wakes a sleeping loop.
  virtual void wake() = 0;
  /// Sends still in flight (control batches and data).
  virtual std::size_t pending_sends() const noexcept = 0;

  /// For a worker's task threads, between tasks: one turn of the loop on the calling thread,
  /// unless another thread is in one; true if it did work. A thread that waits for a result
  /// or a task takes it in and starts it itself, instead of the loop thread taking it in and
  /// waking it (two thread switches per dependency). A link that cannot be progressed from
  /// another thread runs nothing and returns false.
  virtual bool progress_here(Handler& /*handler*/) { return false; }
  /// Whether progress_here() can run turns on this link.
  virtual bool takes_helpers() const noexcept { return false; }
  /// The calling thread starts (true) or stops (false) helping with progress_here(); returns
  /// whether it helped before. While a thread helps (between its tasks, and in them), the
  /// loop thread polls rarely instead of taking turns with it on a core, and the helper's own
  /// sends do not wake the loop: its next turn sends them.
  virtual bool set_helping(bool /*helping*/) { return false; }
};

/// How long an idle loop sleeps (unless woken) after `idle_for` seconds without work: 50 us
/// steps for the first 20 ms (a message then waits little, as the next step of a computation
/// usually comes soon), then longer steps up to 1 ms, so that an idle rank costs almost
/// nothing even when ranks outnumber cores.
inline std::chrono::microseconds idle_sleep_step(double idle_for) {
  constexpr double short_steps_for = 20e-3;
  return std::chrono::microseconds(
      idle_for < short_steps_for ? 50 : std::min(1000, 50 + static_cast<int>(idle_for * 1e4)));
}

}  // namespace tessera::detail
