#include "commands/batch_commands.hpp"

#include <algorithm>
#include <cctype>

namespace tessera::jobqueue::detail {

const BatchCommands& batch_commands(System system) {
  switch (system) {
    case System::slurm:
      return slurm_commands();
    case System::pbs:
      return pbs_commands();
    case System::lsf:
      return lsf_commands();
    case System::sge:
      return sge_commands();
  }
  return slurm_commands();
}

std::vector<std::string_view> lines(std::string_view text) {
  std::vector<std::string_view> result;
  while (!text.empty()) {
    const auto end = text.find('\n');
    std::string_view line = text.substr(0, end);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!words(line).empty()) result.push_back(line);
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return result;
}

std::vector<std::string_view> words(std::string_view line) {
  std::vector<std::string_view> result;
  while (true) {
    const auto start = line.find_first_not_of(" \t");
    if (start == std::string_view::npos) break;
    line.remove_prefix(start);
    const auto end = line.find_first_of(" \t");
    result.push_back(line.substr(0, end));
    if (end == std::string_view::npos) break;
    line.remove_prefix(end);
  }
  return result;
}

bool is_number(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c));
  });
}

}  // namespace tessera::jobqueue::detail
