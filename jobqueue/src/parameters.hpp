#pragma once
// The table of JobOptions' parameters: each one's name, kind, member and help, so that the
// config file, the environment, the command line and --help handle them all alike.

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "tessera/jobqueue/options.hpp"

namespace tessera::jobqueue::detail {

/// One parameter of JobOptions.
struct Parameter {
  using Field =
      std::variant<std::optional<int> JobOptions::*, std::optional<std::string> JobOptions::*,
                   std::optional<std::vector<std::string>> JobOptions::*,
                   std::optional<bool> JobOptions::*>;
  /// As in JobOptions: "job_extra_directives".
  std::string_view name;
  Field field;
  /// What a value looks like in --help: "N", "SIZE", "TIME", "TEXT", "LIST", "BOOL".
  std::string_view placeholder;
  /// One line for --help.
  std::string_view help;

  bool is_list() const noexcept { return field.index() == 2; }
  bool is_flag() const noexcept { return field.index() == 3; }
  /// Whether `options` gives this parameter.
  bool is_set(const JobOptions& options) const;
  /// The value `options` gives, as text (lists joined with ", "); empty if none.
  std::string text(const JobOptions& options) const;
};

/// Every parameter, in the order of JobOptions.
std::span<const Parameter> parameters();

/// The parameter named `name`, with '-' read as '_' ("job-extra-directives"); null if none.
const Parameter* find_parameter(std::string_view name);

/// Sets `parameter` in `options` from text (an integer, a string, a flag such as true/false/
/// yes/no/1/0; one item of a list, appended). ConfigError naming `origin` if it does not read.
void set_from_text(JobOptions& options, const Parameter& parameter, std::string_view text,
                   std::string_view origin);

/// Replaces what `base` gives with what `top` gives, parameter by parameter; `set(name)` is
/// called for each one `top` gives (to remember where it came from).
void overlay(JobOptions& base, const JobOptions& top,
             const std::function<void(const Parameter&)>& set = {});

}  // namespace tessera::jobqueue::detail
