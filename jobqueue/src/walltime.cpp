#include <cctype>
#include <cstdint>
#include <string>
#include <vector>

#include "formats.hpp"
#include "tessera/errors.hpp"
#include "tessera/jobqueue/units.hpp"

namespace tessera::jobqueue {
namespace {

constexpr std::int64_t minute = 60;
constexpr std::int64_t hour = 60 * minute;
constexpr std::int64_t day = 24 * hour;

// A run of 1 to 9 digits (no sign, no overflow), or -1.
std::int64_t whole_number(std::string_view text) {
  if (text.empty() || text.size() > 9) return -1;
  std::int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return -1;
    value = value * 10 + (c - '0');
  }
  return value;
}

// At least two digits: 7 -> "07".
std::string two(std::int64_t value) {
  std::string digits = std::to_string(value);
  if (digits.size() < 2) digits.insert(digits.begin(), '0');
  return digits;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  for (std::size_t at;; text.remove_prefix(at + 1)) {
    at = text.find(separator);
    parts.push_back(text.substr(0, at));
    if (at == std::string_view::npos) return parts;
  }
}

}  // namespace

std::chrono::seconds parse_duration(std::string_view text, std::string_view parameter,
                                    BareNumber bare) {
  const auto fail = [&](std::string_view problem) { detail::bad_value(parameter, text, problem); };
  constexpr std::string_view expected =
      "expected [D-]HH:MM:SS, D-HH[:MM], or a number with units such as 2h, 90m, 1h30m, 45s";
  if (text.empty()) fail(expected);

  if (text.find_first_of(":-") != std::string_view::npos) {
    std::int64_t days = 0;
    std::string_view clock = text;
    if (const auto dash = text.find('-'); dash != std::string_view::npos) {
      days = whole_number(text.substr(0, dash));
      clock = text.substr(dash + 1);
      if (days < 0) fail(dash == 0 ? "expected a duration of zero or more" : expected);
    }
    const auto fields = split(clock, ':');
    const bool with_days = clock.size() != text.size();
    if (!with_days && fields.size() == 2) {
      fail("ambiguous: LSF reads HH:MM, Slurm and PBS read MM:SS; write HH:MM:SS");
    }
    if (fields.size() > 3 || (!with_days && fields.size() != 3)) fail(expected);
    std::int64_t values[3] = {0, 0, 0};
    for (std::size_t i = 0; i < fields.size(); ++i) {
      values[i] = whole_number(fields[i]);
      if (values[i] < 0) fail(expected);
      if (i > 0 && values[i] >= 60) fail("minutes and seconds must be below 60");
    }
    if (with_days && values[0] >= 24) fail("hours after days must be below 24");
    return std::chrono::seconds(days * day + values[0] * hour + values[1] * minute + values[2]);
  }

  if (const std::int64_t number = whole_number(text); number >= 0) {
    if (bare == BareNumber::refused) {
      fail(
          "ambiguous without a unit (Slurm reads minutes, PBS seconds): write e.g. 90m, "
          "1h30m or 01:30:00");
    }
    return std::chrono::seconds(number);
  }

  // Numbers with units: "1d12h", "1h30m", "90s".
  std::int64_t total = 0;
  std::string_view rest = text;
  while (!rest.empty()) {
    std::size_t digits = 0;
    while (digits < rest.size() && std::isdigit(static_cast<unsigned char>(rest[digits]))) {
      ++digits;
    }
    const std::int64_t number = whole_number(rest.substr(0, digits));
    if (number < 0 || digits == rest.size()) fail(expected);
    std::int64_t unit = 0;
    switch (rest[digits]) {
      case 'd':
        unit = day;
        break;
      case 'h':
        unit = hour;
        break;
      case 'm':
        unit = minute;
        break;
      case 's':
        unit = 1;
        break;
      default:
        fail(expected);
    }
    total += number * unit;
    rest.remove_prefix(digits + 1);
  }
  return std::chrono::seconds(total);
}

namespace detail {

std::string hours_minutes_seconds(std::chrono::seconds duration) {
  const std::int64_t total = duration.count();
  return two(total / hour) + ":" + two(total % hour / minute) + ":" + two(total % minute);
}

std::string slurm_walltime(std::chrono::seconds duration) {
  const std::int64_t days = duration.count() / day;
  if (days == 0) return hours_minutes_seconds(duration);
  return std::to_string(days) + "-" +
         hours_minutes_seconds(duration - std::chrono::seconds(days * day));
}

std::string lsf_walltime(std::chrono::seconds duration) {
  const std::int64_t minutes = (duration.count() + minute - 1) / minute;
  return two(minutes / 60) + ":" + two(minutes % 60);
}

}  // namespace detail
}  // namespace tessera::jobqueue
