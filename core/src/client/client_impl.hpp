#pragma once
// What a Client holds, and how runtimes make, register and end clients.

#include <memory>

#include "client/backend.hpp"
#include "support/task_stream.hpp"
#include "tessera/client.hpp"

namespace tessera {

struct Client::Impl : std::enable_shared_from_this<Client::Impl> {
  std::unique_ptr<detail::Backend> backend;
  std::shared_ptr<detail::TaskStream> stream;
};

namespace detail {

/// A client of a local executor, as `options` and the settings say.
std::shared_ptr<Client::Impl> make_local_impl(ClientOptions options);
/// The client that get_client() returns on this thread (set on task threads and while a
/// client starts a run).
void set_running_client(Client::Impl* impl);
Client::Impl* running_client() noexcept;
/// Makes `impl` the default client.
void make_default(const std::shared_ptr<Client::Impl>& impl);

}  // namespace detail
}  // namespace tessera
