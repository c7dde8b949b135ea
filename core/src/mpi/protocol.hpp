#pragma once
// What ranks say to each other. Every control message is [kind][u64 length][body]; many of
// them travel in one MPI message (a batch per destination, flushed on every turn of the
// progress loop). Payloads travel separately as raw buffers (see transport.hpp).

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mpi/data_key.hpp"
#include "mpi/wire.hpp"

namespace tessera::detail {

enum class Kind : std::uint8_t {
  // to the scheduler (rank 0)
  hello,      ///< a worker joins: threads, resources
  submit,     ///< a client's graph
  cancel,     ///< a client cancels (or releases) a task
  release,    ///< a client drops its last reference to an output
  scatter,    ///< a client puts data into the cluster
  completed,  ///< a worker's batch of finished (or failed) tasks
  stolen,     ///< tasks a worker gave back after a steal request
  status,     ///< a worker's memory state (paused or not)
  event,      ///< an event logged on a worker
  goodbye,    ///< a worker has stopped (after shutdown)
  stored,     ///< a worker keeps scattered data now
  lost,       ///< a worker could not keep a result it had made (its spill failed)
  heartbeat,  ///< a worker is alive (sent when it has said nothing for a while)
  metrics,    ///< a worker's memory and transfers, for the dashboard (sent every second)
  retire,     ///< a worker's lifetime is over (or its job's end is near): it asks to leave
  // to a client (any rank)
  output_done,  ///< an output of one of its runs is finished, failed or cancelled
  // to a worker
  assign,     ///< tasks to run
  steal,      ///< give back up to n tasks not yet started
  drop,       ///< do not start these tasks (cancelled, or an input failed)
  pin,        ///< keep these tasks: workers elsewhere wait for their results
  moved,      ///< a result you wait for is made elsewhere now (its worker was lost)
  replicate,  ///< fetch these results from a retiring worker and keep them
  forget,     ///< drop these results
  store,      ///< keep this data (scattered by a client)
  shutdown,   ///< stop running tasks, say goodbye
  exit,       ///< leave the progress loop
  // to whoever holds data
  fetch,  ///< send me these results
  data,   ///< a result's header; its buffers follow as raw messages (transport-internal)
};

const char* kind_name(Kind kind) noexcept;

enum class ArgKind : std::uint8_t {
  literal,   ///< a value, inline (frames)
  task,      ///< the result of a task of the same run
  external,  ///< the result of a task of an earlier run (a future)
};

/// A task as it travels from client to scheduler to worker (strings and literals point into
/// the message it was read from). Wire form, compact because the scheduler keeps it per task:
/// function and key (varint length, bytes), retries (a byte), argument count, per argument its
/// kind and then the literal's frames (varint length), the input task (varint) or the external
/// DataKey, resource count and (name, amount) pairs, worker count and ranks (varints).
struct TaskSpec {
  std::string_view function;
  std::string_view key;
  std::uint8_t retries = 0;
  struct Arg {
    ArgKind kind;
    std::span<const std::byte> literal;  ///< WireWriter::put_frames form
    DataKey input;
  };
  std::vector<Arg> args;
  std::vector<std::pair<std::string_view, double>> resources;
  std::vector<int> workers;
};

/// Writes one task (task arguments name their task by input.task).
void write_task(WireWriter& out, const TaskSpec& task);
/// Reads one task; its task arguments belong to `run`.
void read_task(WireReader& in, std::uint64_t run, TaskSpec& task);
/// Reads only the key of the task that starts at `in`.
std::string_view read_task_key(WireReader& in);

/// The frames of a literal argument.
Frames literal_frames(std::span<const std::byte> literal);
/// The same into `frames`, reusing its memory.
void read_literal_frames(std::span<const std::byte> literal, Frames& frames);

/// How a task failed, as the client's TaskError will say.
struct Failure {
  std::string key;
  std::string worker;
  std::string type;
  std::string message;
  bool cancelled = false;
};

void write_failure(WireWriter& out, const Failure& failure);

/// A fetch reply that carries an error instead of a result (its fingerprint is 0).
Frames error_frames(const std::string& message);
bool is_error_frames(const Frames& frames, std::string& message);
Failure read_failure(WireReader& in);
/// The error reply for a result whose task failed: `message`, and the task's own failure,
/// which the worker waiting for it reports as its task's (the scheduler may hear from that
/// worker before it hears from the one where the task failed).
Frames failed_task_frames(const std::string& message, const Failure& failure);
/// The task's failure in such a reply; nullopt in other error replies.
std::optional<Failure> failure_in_error_frames(const Frames& frames);

}  // namespace tessera::detail
