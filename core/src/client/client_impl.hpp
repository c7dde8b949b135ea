#pragma once
// How the MPI runtime makes clients that send their graphs to the cluster.

#include <memory>

#include "tessera/client.hpp"

namespace tessera::detail {

class ClusterClient;
class TaskStream;

std::shared_ptr<Client::Impl> make_cluster_impl(std::shared_ptr<ClusterClient> cluster,
                                                std::shared_ptr<TaskStream> stream,
                                                std::uint32_t threads);
/// Later calls through clients of `impl` throw: the runtime has ended.
void close_cluster_impl(Client::Impl& impl);
/// The client that get_client() returns on this thread (a worker's task threads).
void set_running_client(Client::Impl* impl);
/// Makes `impl` the default client.
void make_default(const std::shared_ptr<Client::Impl>& impl);

}  // namespace tessera::detail
