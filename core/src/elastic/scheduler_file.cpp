#include "elastic/scheduler_file.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "tessera/errors.hpp"

namespace tessera::elastic {
namespace {

using nlohmann::json;

constexpr const char* kVersionField = "tessera_scheduler_file";

std::string quoted(const std::filesystem::path& path) {
  std::string text = "'";
  text += path.string();
  text += '\'';
  return text;
}

std::string this_host() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "localhost";
  return name;
}

[[noreturn]] void bad_field(const std::filesystem::path& path, const std::string& field,
                            const std::string& problem) {
  std::string message = "scheduler file ";
  message += quoted(path);
  message += ": field \"" + field + "\" " + problem;
  throw ConfigError(message);
}

void check_info(const std::filesystem::path& path, const SchedulerInfo& info) {
  if (info.transport != "ucx" && info.transport != "tcp" && info.transport != "mpi")
    bad_field(path, "transport",
              "is \"" + info.transport + "\": expected one of \"ucx\", \"tcp\", \"mpi\"");
  if (info.address.empty()) bad_field(path, "address", "is empty: expected where to connect");
  if (info.host.empty()) bad_field(path, "host", "is empty: expected the scheduler's host");
  if (info.pid <= 0)
    bad_field(path, "pid", "is " + std::to_string(info.pid) + ": expected a process id > 0");
}

const json& field(const json& document, const std::filesystem::path& path, const char* name) {
  const auto found = document.find(name);
  if (found == document.end()) bad_field(path, name, "is missing");
  return *found;
}

std::string string_field(const json& document, const std::filesystem::path& path,
                         const char* name) {
  const json& value = field(document, path, name);
  if (!value.is_string())
    bad_field(path, name, std::string("is a ") + value.type_name() + ": expected a string");
  return value.get<std::string>();
}

std::int64_t integer_field(const json& document, const std::filesystem::path& path,
                           const char* name) {
  const json& value = field(document, path, name);
  if (!value.is_number_integer())
    bad_field(path, name, std::string("is a ") + value.type_name() + ": expected an integer");
  return value.get<std::int64_t>();
}

std::string system_reason() { return std::strerror(errno); }

}  // namespace

SchedulerInfo describe_this_scheduler(std::string transport, std::string address) {
  SchedulerInfo info;
  info.transport = std::move(transport);
  info.address = std::move(address);
  info.host = this_host();
  info.pid = static_cast<std::int64_t>(getpid());
  info.created =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  return info;
}

void write_scheduler_file(const std::filesystem::path& path, const SchedulerInfo& info) {
  check_info(path, info);
  const json document = {{kVersionField, kSchedulerFileVersion},
                         {"transport", info.transport},
                         {"address", info.address},
                         {"host", info.host},
                         {"pid", info.pid},
                         {"created", info.created}};
  const std::string text = document.dump(2) + "\n";
  // The temporary file lives beside the target: rename() is atomic only within a file system.
  std::filesystem::path temporary = path;
  temporary += ".tmp." + std::to_string(getpid());
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    throw IoError("scheduler file " + quoted(path) + ": cannot create " + quoted(temporary) + ": " +
                  system_reason());
  std::size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string reason = system_reason();
      ::close(fd);
      ::unlink(temporary.c_str());
      throw IoError("scheduler file " + quoted(path) + ": cannot write " + quoted(temporary) +
                    ": " + reason);
    }
    written += static_cast<std::size_t>(n);
  }
  // Flushed before the rename, so that after a crash the name never points at empty bytes.
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const std::string reason = system_reason();
    ::unlink(temporary.c_str());
    throw IoError("scheduler file " + quoted(path) + ": cannot flush " + quoted(temporary) + ": " +
                  reason);
  }
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    const std::string reason = system_reason();
    ::unlink(temporary.c_str());
    throw IoError("scheduler file " + quoted(path) + ": cannot rename " + quoted(temporary) +
                  " to it: " + reason);
  }
}

SchedulerInfo read_scheduler_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in)
    throw IoError("scheduler file " + quoted(path) + ": cannot open: " + system_reason() +
                  " (is the scheduler running, and is TESSERA_SCHEDULER_FILE its path?)");
  std::stringstream text;
  text << in.rdbuf();
  json document;
  try {
    document = json::parse(text.str());
  } catch (const json::parse_error& error) {
    throw ConfigError("scheduler file " + quoted(path) + ": not valid JSON: " + error.what());
  }
  if (!document.is_object())
    throw ConfigError("scheduler file " + quoted(path) + ": expected a JSON object, found a " +
                      document.type_name());
  const std::int64_t version = integer_field(document, path, kVersionField);
  if (version != kSchedulerFileVersion)
    bad_field(path, kVersionField,
              "is " + std::to_string(version) + ": this tessera reads version " +
                  std::to_string(kSchedulerFileVersion) +
                  " (was the scheduler started by another tessera version?)");
  SchedulerInfo info;
  info.transport = string_field(document, path, "transport");
  info.address = string_field(document, path, "address");
  info.host = string_field(document, path, "host");
  info.pid = integer_field(document, path, "pid");
  const json& created = field(document, path, "created");
  if (!created.is_number())
    bad_field(path, "created",
              std::string("is a ") + created.type_name() + ": expected seconds since the epoch");
  info.created = created.get<double>();
  check_info(path, info);
  return info;
}

std::optional<SchedulerInfo> wait_for_scheduler_file(const std::filesystem::path& path,
                                                     std::chrono::milliseconds timeout,
                                                     const std::function<bool()>& give_up) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto pause = std::chrono::milliseconds(1);
  while (true) {
    std::error_code error;
    if (std::filesystem::exists(path, error)) return read_scheduler_file(path);
    if (give_up && give_up()) return std::nullopt;
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(100));
  }
  throw TimeoutError("scheduler file " + quoted(path) + ": did not appear within " +
                     std::to_string(timeout.count()) +
                     " ms (is the scheduler running, and is TESSERA_SCHEDULER_FILE its path?)");
}

bool scheduler_may_be_running(const SchedulerInfo& info) {
  if (info.host != this_host()) return true;
  return ::kill(static_cast<pid_t>(info.pid), 0) == 0 || errno == EPERM;
}

bool scheduler_has_ended(const std::filesystem::path& path, const SchedulerInfo& info) {
  try {
    const SchedulerInfo current = read_scheduler_file(path);
    return current.pid != info.pid || current.host != info.host ||
           current.address != info.address || current.created != info.created;
  } catch (const Error&) {
    return true;  // gone, or replaced by something unreadable
  }
}

PublishedSchedulerFile::PublishedSchedulerFile(std::filesystem::path path, SchedulerInfo info)
    : path_(std::move(path)), info_(std::move(info)) {
  write_scheduler_file(path_, info_);
}

PublishedSchedulerFile::~PublishedSchedulerFile() {
  if (scheduler_has_ended(path_, info_)) return;  // not ours to remove any more
  std::error_code ignored;
  std::filesystem::remove(path_, ignored);
}

}  // namespace tessera::elastic
