#pragma once
// The clients of an MPI runtime: their graphs go to the cluster through a ClusterClient.

#include <cstdint>
#include <memory>

#include "client/client_impl.hpp"

namespace tessera::detail {

class ClusterClient;

/// A client whose plans run on the cluster's workers (`threads` task threads in all).
std::shared_ptr<Client::Impl> make_cluster_impl(std::shared_ptr<ClusterClient> cluster,
                                                std::shared_ptr<TaskStream> stream,
                                                std::uint32_t threads);
/// Later calls through clients of `impl` throw, and its unfinished futures fail: the
/// runtime has ended.
void close_cluster_impl(Client::Impl& impl);

}  // namespace tessera::detail
