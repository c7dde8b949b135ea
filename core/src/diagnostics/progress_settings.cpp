#include "diagnostics/progress_settings.hpp"

#include <cmath>
#include <string>

#include "tessera/config.hpp"

namespace tessera::detail {
namespace {

// At most a day: a longer interval is a typo, and would hide every line but the final one.
bool is_interval(std::string_view text) noexcept {
  try {
    std::size_t used = 0;
    const double value = std::stod(std::string(text), &used);
    return used == text.size() && std::isfinite(value) && value > 0 && value <= 86400;
  } catch (...) {
    return false;
  }
}

const bool defined =
    config::define({"progress", "0", "0 (off) or 1 (a progress bar for every compute)",
                    config::is_integer_in<0, 1>}) &&
    config::define({"progress_interval", "5",
                    "seconds between progress lines when standard output is not a terminal (a "
                    "number in (0, 86400])",
                    is_interval});

}  // namespace

bool progress_always() { return defined && config::get_int("progress") == 1; }

double progress_line_interval() { return config::get_double("progress_interval"); }

}  // namespace tessera::detail
