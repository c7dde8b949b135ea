#pragma once
// The client end of the cluster, in every rank: rank 0's user code and tasks running on
// workers submit graphs through it. It sends plans to the scheduler, completes the futures
// of their outputs when the scheduler reports them, and fetches results from the workers
// that hold them when a future's value is asked for.

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "cluster/submit_handoff.hpp"
#include "graph/plan.hpp"
#include "mpi/link.hpp"
#include "mpi/messages.hpp"
#include "mpi/protocol.hpp"

namespace tessera::detail {

class ProgressCounter;

class ClusterClient : public std::enable_shared_from_this<ClusterClient> {
 public:
  /// `local` finds a result held by this rank itself (a worker's store), or null.
  ClusterClient(Link& transport, std::function<std::shared_ptr<const Value>(DataKey)> local = {});
  ~ClusterClient();

  /// Sends the plan to the scheduler; one future per plan output (plan.outputs order). With
  /// `progress` (on rank 0, where the scheduler runs), the scheduler keeps its counts there.
  std::vector<FutureStatePtr> submit(Plan plan, std::shared_ptr<ProgressCounter> progress = {});
  /// Puts a value on one worker (or every worker); its future is finished once it is there.
  FutureStatePtr scatter(const Value& value, bool broadcast);

  /// Handles a message meant for a client; false if `kind` is not one.
  bool on_message(int source, Kind kind, WireReader& in);
  /// A fetched result arrived; false if nobody here waits for it.
  bool on_data(int source, DataKey key, const Frames& frames);

  /// A result being brought here from the worker that holds it.
  struct Retrieval;
  /// Asks worker `holder` for the result `key` (or finds it on this rank); does not wait.
  std::shared_ptr<Retrieval> start_fetch(DataKey key, int holder);
  /// Waits for a fetch (helping on pool threads) and reads the value; a TaskError naming
  /// the future `name` if the result cannot be brought here.
  Value finish_fetch(const std::shared_ptr<Retrieval>& fetch, const Key& name,
                     Clock::time_point deadline = Clock::time_point::max());
  void release(DataKey key);
  void cancel(DataKey key, bool released);

  /// The runtime has ended (the transport may be gone): futures not yet done fail with an
  /// Error saying so, fetches waiting are woken to fail, and later fetches throw while
  /// releases and cancels do nothing.
  void close();
  bool closed() const noexcept { return closed_.load(std::memory_order_acquire); }

  /// This client runs in the scheduler's process: it leaves the specs of its runs in
  /// `handoff` for the scheduler instead of sending them. Call before submitting.
  void hand_specs_to(std::shared_ptr<SubmitHandoff> handoff) { handoff_ = std::move(handoff); }
  /// Its workers may be lost and their results made again elsewhere (an elastic cluster):
  /// done outputs are kept track of, to hear where they move. Call before submitting.
  void outputs_may_move() noexcept { outputs_may_move_ = true; }

  /// Worker threads of the cluster, once known.
  int rank() const noexcept { return transport_.rank(); }

 private:
  struct ClientRun;
  std::uint64_t next_run_id();

  Link& transport_;
  std::function<std::shared_ptr<const Value>(DataKey)> local_;
  std::atomic<std::uint64_t> runs_made_{0};
  std::atomic<bool> closed_{false};
  std::mutex mutex_;
  std::unordered_map<std::uint64_t, std::shared_ptr<ClientRun>> runs_;
  std::unordered_map<DataKey, std::vector<std::shared_ptr<Retrieval>>, DataKeyHash> fetches_;
  // Outputs done, until released: a worker that held one may be lost, and the scheduler then
  // reports it done again where it was made anew.
  std::unordered_map<DataKey, std::weak_ptr<FutureState>, DataKeyHash> finished_;
  bool outputs_may_move_ = false;
  std::shared_ptr<SubmitHandoff> handoff_;  // set on the scheduler's rank
};

}  // namespace tessera::detail
