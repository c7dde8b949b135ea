#pragma once
// The scheduler file of elastic clusters: where a running scheduler can be reached. The
// scheduler writes it once it listens; worker processes started later by a batch system find
// it through TESSERA_SCHEDULER_FILE and connect. See bench/elastic_probe/README.md for why the
// address is a UCX/TCP "host:port" rather than an MPI port string.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

namespace tessera::elastic {

/// What a scheduler publishes about itself.
struct SchedulerInfo {
  /// How to reach it: "ucx" or "tcp" (address "host:port") or "mpi" (an MPI port string,
  /// usable only through ompi-server).
  std::string transport;
  /// Where to connect, in the transport's form.
  std::string address;
  /// The host the scheduler runs on (gethostname), and its process id there.
  std::string host;
  std::int64_t pid = 0;
  /// When the scheduler started listening, in seconds since the Unix epoch.
  double created = 0;
};

/// The file format's version; a file of another version is refused with both numbers named.
inline constexpr int kSchedulerFileVersion = 1;

/// The info of this process: the given transport and address, this host, this pid, now.
SchedulerInfo describe_this_scheduler(std::string transport, std::string address);

/// Writes the file atomically (a temporary file in the same directory, flushed, then renamed
/// over `path`), so a reader sees either no file or a whole one. Throws tessera::IoError
/// naming the path when it cannot, and tessera::ConfigError for an info that no reader
/// would accept (an unknown transport, an empty address or host).
void write_scheduler_file(const std::filesystem::path& path, const SchedulerInfo& info);

/// Reads and checks a scheduler file. Throws tessera::IoError when it cannot be read and
/// tessera::ConfigError naming the file and the field when its content is wrong.
SchedulerInfo read_scheduler_file(const std::filesystem::path& path);

/// Reads the file, waiting (polling) up to `timeout` for it to appear: a worker job may start
/// before its scheduler. Throws tessera::TimeoutError naming the file when none appears;
/// errors of a file that exists are thrown at once, as read_scheduler_file throws them.
/// Returns std::nullopt as soon as `give_up()` is true (a worker asked to end while it waits).
std::optional<SchedulerInfo> wait_for_scheduler_file(const std::filesystem::path& path,
                                                     std::chrono::milliseconds timeout,
                                                     const std::function<bool()>& give_up = {});

/// False when the file's scheduler is known to be gone: it ran on this host and no process
/// has its pid. True otherwise (alive here, or on another host, where it cannot be checked).
bool scheduler_may_be_running(const SchedulerInfo& info);

/// True when the file at `path` no longer names the scheduler `info` describes: it is gone
/// (as a scheduler removes it when it ends normally) or another scheduler has written over it.
/// A crashed or killed scheduler leaves its file, so this is false for it.
bool scheduler_has_ended(const std::filesystem::path& path, const SchedulerInfo& info);

/// Publishes a scheduler file for as long as it lives: writes it on construction, removes it
/// on destruction (only if it still holds this scheduler's info, so a file that another
/// scheduler has since written over is left alone).
class PublishedSchedulerFile {
 public:
  PublishedSchedulerFile(std::filesystem::path path, SchedulerInfo info);
  ~PublishedSchedulerFile();
  PublishedSchedulerFile(const PublishedSchedulerFile&) = delete;
  PublishedSchedulerFile& operator=(const PublishedSchedulerFile&) = delete;

  /// Where the file is.
  const std::filesystem::path& path() const noexcept { return path_; }

 private:
  std::filesystem::path path_;
  SchedulerInfo info_;
};

}  // namespace tessera::elastic
