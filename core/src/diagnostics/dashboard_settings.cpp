#include "diagnostics/dashboard_settings.hpp"

#include <charconv>
#include <string_view>

#include "tessera/config.hpp"

namespace tessera::detail {
namespace {

std::optional<DashboardAddress> parse(std::string_view text) noexcept {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  auto host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);  // [::1]:8787
  }
  const auto port_text = text.substr(colon + 1);
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port_text.empty() ||
      port > 65535) {
    return std::nullopt;
  }
  try {
    return DashboardAddress{std::string(host), static_cast<std::uint16_t>(port)};
  } catch (...) {
    return std::nullopt;
  }
}

bool is_address(std::string_view text) noexcept { return text.empty() || parse(text); }

const bool defined = config::define(
    {"dashboard_address", "",
     "empty (no dashboard) or HOST:PORT such as 127.0.0.1:8787 (port 0 = any free port)",
     is_address});

}  // namespace

std::optional<DashboardAddress> dashboard_address() {
  if (!defined) return std::nullopt;
  return parse(config::get("dashboard_address"));
}

}  // namespace tessera::detail
