#pragma once
// The pieces of the dashboard's page, kept as C++ raw strings so that the library carries
// them: no file to install, nothing fetched from the network.

namespace tessera::detail::page {

extern const char* const style;   ///< CSS
extern const char* const body;    ///< the panels, as HTML
extern const char* const script;  ///< JavaScript: drawing, and polling in live mode

}  // namespace tessera::detail::page
