#pragma once
// The dashboard's page: one self-contained HTML document (its CSS and JavaScript inline, no
// file or network fetched but the JSON of the server that served it). The same page renders
// the live dashboard, polling /api/..., and the performance report, from data written into it.

#include <string>

namespace tessera::detail {

/// The page, with `data` (a JSON object) as the data it starts from: {"mode": "live", ...}
/// polls the server; {"mode": "report", ...} shows what it holds.
std::string dashboard_page(const std::string& title, const std::string& data);

}  // namespace tessera::detail
