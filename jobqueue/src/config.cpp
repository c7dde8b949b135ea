#include "config.hpp"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>

#include "parameters.hpp"
#include "tessera/errors.hpp"
#include "tessera/jobqueue/job_spec.hpp"

namespace tessera::jobqueue {
namespace detail {
namespace {

std::string upper(std::string_view text) {
  std::string result(text);
  for (auto& c : result) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return result;
}

using List = std::optional<std::vector<std::string>> JobOptions::*;

std::string where(const YAML::Mark& mark) {
  if (mark.is_null()) return "";
  return "line " + std::to_string(mark.line + 1) + ", column " + std::to_string(mark.column + 1) +
         ": ";
}

}  // namespace

JobOptions file_options(System system, const std::string& path, bool required, Origins& origins) {
  JobOptions options;
  std::error_code ignored;
  if (!required && !std::filesystem::exists(path, ignored)) return options;
  const std::string file = "jobqueue: config file " + path + ": ";
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    throw ConfigError(file + "cannot be read (set TESSERA_CONFIG to an existing file)");
  } catch (const YAML::Exception& error) {
    throw ConfigError(file + where(error.mark) + "not valid YAML: " + error.msg);
  }
  if (!root || root.IsNull()) return options;
  if (!root.IsMap()) throw ConfigError(file + "expected a mapping with the key jobqueue");
  const YAML::Node jobqueue = root["jobqueue"];
  if (!jobqueue || jobqueue.IsNull()) return options;
  if (!jobqueue.IsMap()) {
    throw ConfigError(file + where(jobqueue.Mark()) +
                      "jobqueue: expected a mapping of systems (slurm, pbs, lsf, sge)");
  }
  const std::string section = "jobqueue." + std::string(to_string(system));
  const YAML::Node values = jobqueue[std::string(to_string(system))];
  if (!values || values.IsNull()) return options;
  if (!values.IsMap()) {
    throw ConfigError(file + where(values.Mark()) + section + ": expected a mapping of parameters");
  }
  for (const auto& entry : values) {
    const std::string name = entry.first.Scalar();
    const std::string key = section + "." + name;
    const Parameter* parameter = find_parameter(name);
    if (parameter == nullptr) {
      throw ConfigError(file + where(entry.first.Mark()) + key +
                        ": unknown parameter (see tessera-jobqueue script --help)");
    }
    const YAML::Node& value = entry.second;
    if (value.IsNull()) continue;  // "queue:" with no value: as if not given
    const std::string origin = path + ": " + key;
    if (parameter->is_list()) {
      if (!value.IsSequence()) {
        throw ConfigError(file + where(value.Mark()) + key + ": expected a list");
      }
      std::vector<std::string> items;
      for (const auto& item : value) {
        if (!item.IsScalar()) {
          throw ConfigError(file + where(item.Mark()) + key + ": expected a list of strings");
        }
        items.push_back(item.Scalar());
      }
      options.*std::get<List>(parameter->field) = std::move(items);
    } else {
      if (!value.IsScalar()) {
        throw ConfigError(file + where(value.Mark()) + key + ": expected a single value");
      }
      set_from_text(options, *parameter, value.Scalar(), origin);
    }
    origins[std::string(parameter->name)] = origin;
  }
  return options;
}

JobOptions environment_options(System system, Origins& origins) {
  JobOptions options;
  const std::string prefix = "TESSERA_JOBQUEUE_" + upper(to_string(system)) + "_";
  for (const Parameter& parameter : parameters()) {
    const std::string variable = prefix + upper(parameter.name);
    const char* value = std::getenv(variable.c_str());
    if (value == nullptr) continue;
    const std::string_view text(value);
    const std::string origin = "environment variable " + variable;
    if (parameter.is_list()) {
      auto& list = options.*std::get<List>(parameter.field);
      list.emplace();
      if (!text.empty() && text.front() == '[') {
        YAML::Node items;
        try {
          items = YAML::Load(value);
        } catch (const YAML::Exception& error) {
          throw ConfigError("jobqueue: " + origin + " is \"" + value +
                            "\": not a valid YAML list: " + error.msg);
        }
        if (!items.IsSequence()) {
          throw ConfigError("jobqueue: " + origin + " is \"" + value + "\": expected a list");
        }
        for (const auto& item : items) {
          if (!item.IsScalar()) {
            throw ConfigError("jobqueue: " + origin + " is \"" + value +
                              "\": expected a list of strings");
          }
          list->push_back(item.Scalar());
        }
      } else if (!text.empty()) {
        list->emplace_back(text);
      }
    } else {
      set_from_text(options, parameter, text, origin);
    }
    origins[std::string(parameter.name)] = origin;
  }
  return options;
}

}  // namespace detail

std::string config_file_path() {
  if (const char* path = std::getenv("TESSERA_CONFIG"); path != nullptr && *path != '\0') {
    return path;
  }
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg != nullptr && *xdg != '\0') {
    return std::string(xdg) + "/tessera/jobqueue.yaml";
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    return std::string(home) + "/.config/tessera/jobqueue.yaml";
  }
  return {};
}

}  // namespace tessera::jobqueue
