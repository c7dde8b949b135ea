#pragma once
// The clients of an MPI runtime: their graphs go to the cluster through a ClusterClient.

#include <cstdint>
#include <memory>

#include "client/client_impl.hpp"
#include "cluster/worker_roster.hpp"

namespace tessera::detail {

class ClusterClient;

/// A client whose plans run on the cluster's workers (`threads` task threads in all, or as
/// `roster` counts them, when given: workers of elastic clusters come and go).
std::shared_ptr<Client::Impl> make_cluster_impl(std::shared_ptr<ClusterClient> cluster,
                                                std::shared_ptr<TaskStream> stream,
                                                std::uint32_t threads,
                                                std::shared_ptr<WorkerRoster> roster = nullptr);
/// Later calls through clients of `impl` throw, and its unfinished futures fail: the
/// runtime has ended.
void close_cluster_impl(Client::Impl& impl);

}  // namespace tessera::detail
