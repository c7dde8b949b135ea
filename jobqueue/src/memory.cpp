#include <cctype>
#include <cstdint>
#include <limits>
#include <string>

#include "formats.hpp"
#include "tessera/errors.hpp"
#include "tessera/jobqueue/units.hpp"

namespace tessera::jobqueue {
namespace {

constexpr std::uint64_t kilo = 1000;
constexpr std::uint64_t kibi = 1024;

struct Unit {
  std::string_view name;  // lower case
  std::uint64_t bytes;
};

constexpr Unit units[] = {
    {"", 1},
    {"b", 1},
    {"kb", kilo},
    {"mb", kilo* kilo},
    {"gb", kilo* kilo* kilo},
    {"tb", kilo* kilo* kilo* kilo},
    {"pb", kilo* kilo* kilo* kilo* kilo},
    {"kib", kibi},
    {"mib", kibi* kibi},
    {"gib", kibi* kibi* kibi},
    {"tib", kibi* kibi* kibi* kibi},
    {"pib", kibi* kibi* kibi* kibi* kibi},
};

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::uint64_t parse_memory(std::string_view original, std::string_view parameter) {
  const auto fail = [&](std::string_view problem) {
    detail::bad_value(parameter, original, problem);
  };
  std::string_view text = trim(original);
  if (!text.empty() && text.front() == '-') fail("expected a size above zero");

  // The number as an integer `digits` scaled down by 10^decimals, exactly: "1.5" is 15 / 10.
  using Wide = unsigned __int128;
  Wide digits = 0;
  Wide scale_down = 1;
  std::size_t at = 0;
  std::size_t digit_count = 0;
  bool in_fraction = false;
  for (; at < text.size(); ++at) {
    const char c = text[at];
    if (c == '.' && !in_fraction) {
      in_fraction = true;
      continue;
    }
    if (!is_digit(c)) break;
    if (++digit_count > 24) fail("too many digits");
    digits = digits * 10 + static_cast<unsigned>(c - '0');
    if (in_fraction) scale_down *= 10;
  }
  if (digit_count == 0) fail("expected a size such as 16GB, 16GiB or 500MB");

  std::string unit(trim(text.substr(at)));
  for (auto& c : unit) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (unit.size() == 1 && std::string_view("kmgtp").find(unit[0]) != std::string_view::npos) {
    const char upper = static_cast<char>(std::toupper(static_cast<unsigned char>(unit[0])));
    fail("\"" + std::string(1, upper) + "\" is ambiguous: write " + upper +
         "B (powers of 1000) or " + upper + "iB (powers of 1024)");
  }
  for (const Unit& candidate : units) {
    if (candidate.name != unit) continue;
    const Wide bytes = (digits * candidate.bytes + scale_down - 1) / scale_down;
    if (bytes == 0) fail("expected a size above zero");
    if (bytes > std::numeric_limits<std::uint64_t>::max()) fail("more than 16 EiB");
    return static_cast<std::uint64_t>(bytes);
  }
  fail("unknown unit \"" + std::string(trim(text.substr(at))) +
       "\": expected B, KB, MB, GB, TB, PB (powers of 1000) or KiB, MiB, GiB, TiB, PiB "
       "(powers of 1024)");
  return 0;
}

namespace detail {

std::string binary_size(std::uint64_t bytes, std::string_view tera, std::string_view giga,
                        std::string_view mega) {
  constexpr std::uint64_t mib = kibi * kibi;
  constexpr std::uint64_t gib = mib * kibi;
  constexpr std::uint64_t tib = gib * kibi;
  if (bytes % tib == 0) return std::to_string(bytes / tib) + std::string(tera);
  if (bytes % gib == 0) return std::to_string(bytes / gib) + std::string(giga);
  return std::to_string(bytes / mib + (bytes % mib != 0)) + std::string(mega);
}

std::uint64_t lsf_unit_bytes(std::string_view unit) noexcept {
  std::string lower(unit);
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "kb") return kibi;
  if (lower == "mb") return kibi * kibi;
  if (lower == "gb") return kibi * kibi * kibi;
  if (lower == "tb") return kibi * kibi * kibi * kibi;
  return 0;
}

}  // namespace detail
}  // namespace tessera::jobqueue
