#include "cluster/cluster_backend.hpp"

#include <algorithm>
#include <atomic>

#include "cluster/cluster_client.hpp"
#include "diagnostics/progress_board.hpp"
#include "tessera/errors.hpp"

namespace tessera::detail {
namespace {

class ClusterBackend final : public Backend {
 public:
  ClusterBackend(std::shared_ptr<ClusterClient> cluster, std::uint32_t threads,
                 std::shared_ptr<WorkerRoster> roster)
      : cluster_(std::move(cluster)), threads_(threads), roster_(std::move(roster)) {}

  const char* name() const noexcept override { return "mpi"; }
  std::uint32_t threads() const noexcept override {
    return roster_ ? std::max(threads_, roster_->threads()) : threads_;
  }
  std::size_t workers() const noexcept override { return roster_ ? roster_->workers() : 0; }
  std::size_t wait_for_workers(std::size_t count, std::chrono::milliseconds timeout) override {
    return roster_ ? roster_->wait_for(count, timeout) : 0;
  }
  SchedulerLoad load() const override { return roster_ ? roster_->load() : SchedulerLoad{}; }
  void expect_worker_offers(WorkerOffers offers) override {
    if (roster_) roster_->set_offers(std::move(offers));
  }
  Submitted submit(Plan plan, bool watch) override {
    auto counter = watch ? std::make_shared<ProgressCounter>(plan.size()) : nullptr;
    return {open().submit(std::move(plan), counter), counter};
  }
  FutureStatePtr scatter(Value value, bool broadcast) override {
    return open().scatter(value, broadcast);
  }
  void close() override {
    closed_.store(true, std::memory_order_release);
    cluster_->close();
  }

 private:
  ClusterClient& open() const {
    if (closed_.load(std::memory_order_acquire)) {
      throw Error(
          "this client's MPI runtime has ended: keep the tessera::Runtime alive while you "
          "compute");
    }
    return *cluster_;
  }

  std::shared_ptr<ClusterClient> cluster_;
  std::uint32_t threads_;
  std::shared_ptr<WorkerRoster> roster_;  // null on workers (tasks that submit)
  std::atomic<bool> closed_{false};
};

}  // namespace

std::shared_ptr<Client::Impl> make_cluster_impl(std::shared_ptr<ClusterClient> cluster,
                                                std::shared_ptr<TaskStream> stream,
                                                std::uint32_t threads,
                                                std::shared_ptr<WorkerRoster> roster) {
  auto impl = std::make_shared<Client::Impl>();
  impl->backend = std::make_unique<ClusterBackend>(std::move(cluster), threads, std::move(roster));
  impl->stream = stream ? std::move(stream) : std::make_shared<TaskStream>(0);
  return impl;
}

void close_cluster_impl(Client::Impl& impl) { impl.backend->close(); }

}  // namespace tessera::detail
