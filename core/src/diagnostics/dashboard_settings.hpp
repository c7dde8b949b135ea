#pragma once
// The "dashboard_address" setting: where rank 0 (or a local client's process) serves the
// dashboard and /metrics over HTTP; empty (the default) serves nothing.

#include <cstdint>
#include <optional>
#include <string>

namespace tessera::detail {

struct DashboardAddress {
  std::string host;        ///< "127.0.0.1", "0.0.0.0", a host name
  std::uint16_t port = 0;  ///< 0: any free port
};

/// The setting, parsed; nullopt when it is empty.
std::optional<DashboardAddress> dashboard_address();

}  // namespace tessera::detail
