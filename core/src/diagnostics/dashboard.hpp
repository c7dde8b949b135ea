#pragma once
// The dashboard's HTTP server, one per process, shared by whoever needs it (local clients,
// rank 0's runtime) and stopped when the last of them lets go.

#include <memory>

namespace tessera::detail {

/// Whether the "dashboard_address" setting asks for a dashboard.
bool dashboard_enabled();

/// Starts the server if the setting asks for one and none runs (printing its URL on standard
/// error), and holds it open until the returned handle is dropped; null when the setting is
/// empty or the server cannot start (said on standard error: a dashboard never stops a
/// computation).
std::shared_ptr<void> open_dashboard();

}  // namespace tessera::detail
