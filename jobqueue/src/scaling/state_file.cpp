#include "scaling/state_file.hpp"

#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "tessera/errors.hpp"

namespace tessera::jobqueue::detail {
namespace {

JobState parse_state(const std::string& text, const std::string& path) {
  for (JobState state :
       {JobState::pending, JobState::running, JobState::cancelling, JobState::gone}) {
    if (text == to_string(state)) return state;
  }
  throw ConfigError("jobqueue: state file " + path + ": job state \"" + text +
                    "\": expected pending, running, cancelling or gone");
}

}  // namespace

std::string default_state_file(const std::string& scheduler_file) {
  std::filesystem::path path(scheduler_file);
  return path.replace_filename(path.stem().string() + ".jobs.yaml").string();
}

std::optional<ClusterState> read_state_file(const std::string& path) {
  if (!std::filesystem::exists(path)) return std::nullopt;
  try {
    const YAML::Node root = YAML::LoadFile(path);
    if (!root.IsMap() || !root["system"]) {
      throw ConfigError("jobqueue: state file " + path +
                        ": expected a map with system and jobs (written by tessera-jobqueue)");
    }
    ClusterState state;
    state.system = parse_system(root["system"].as<std::string>());
    for (const YAML::Node& job : root["jobs"]) {
      if (!job["id"] || !job["pool"] || !job["state"]) {
        throw ConfigError("jobqueue: state file " + path + ": a job without id, pool or state");
      }
      state.jobs.push_back({job["id"].as<std::string>(), job["pool"].as<std::string>(),
                            parse_state(job["state"].as<std::string>(), path)});
    }
    return state;
  } catch (const YAML::Exception& error) {
    throw ConfigError("jobqueue: state file " + path + ": " + error.what());
  }
}

void write_state_file(const std::string& path, const ClusterState& state) {
  YAML::Emitter out;
  out << YAML::Comment("tessera-jobqueue: the jobs of one cluster") << YAML::BeginMap;
  out << YAML::Key << "system" << YAML::Value << std::string(to_string(state.system));
  out << YAML::Key << "jobs" << YAML::Value << YAML::BeginSeq;
  for (const Job& job : state.jobs) {
    out << YAML::Flow << YAML::BeginMap << YAML::Key << "id" << YAML::Value << YAML::DoubleQuoted
        << job.id << YAML::Key << "pool" << YAML::Value << job.pool << YAML::Key << "state"
        << YAML::Value << std::string(to_string(job.state)) << YAML::EndMap;
  }
  out << YAML::EndSeq << YAML::EndMap;

  const std::string temporary = path + ".tmp-" + std::to_string(::getpid());
  {
    std::ofstream file(temporary, std::ios::trunc);
    file << out.c_str() << "\n";
    file.flush();
    if (!file) {
      std::remove(temporary.c_str());
      throw IoError("jobqueue: cannot write the state file " + temporary + ": " +
                    std::strerror(errno));
    }
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    const int error = errno;
    std::remove(temporary.c_str());
    throw IoError("jobqueue: cannot write the state file " + path + ": " + std::strerror(error));
  }
}

}  // namespace tessera::jobqueue::detail
