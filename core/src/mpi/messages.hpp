#pragma once
// The runtime's control messages, one struct per kind, each with its byte layout in one
// place: `write` appends the body, `read` parses it back with bounds checks (a corrupt
// message is a SerializationError naming it). Spans and string_views point into the message
// they were read from, so they live only as long as the handler that reads them.
//
// Sending: `post(outbox, rank, Assign{...})`; receiving: `auto m = Assign::read(in)`.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mpi/data_key.hpp"
#include "mpi/outbox.hpp"
#include "mpi/protocol.hpp"
#include "mpi/wire.hpp"

namespace tessera::detail {

// ---- to the scheduler (rank 0)

/// A worker joins: its task threads and what it offers to tasks that ask for resources.
struct Hello {
  static constexpr Kind kind = Kind::hello;
  std::uint32_t threads = 1;
  std::vector<std::pair<std::string, double>> resources;
  /// Its worker_memory_limit (0: none). Such a worker fetches a few inputs at a time, so no
  /// task goes to it ahead of inputs made elsewhere: a fetch would wait for them in a slot.
  std::uint64_t memory_limit = 0;
  void write(WireWriter& out) const;
  static Hello read(WireReader& in);
};

/// A client's graph: `tasks` task specs (protocol.hpp's write_task form) back to back, and
/// the tasks whose results the client wants. The client on the scheduler's own rank hands
/// the specs over in memory instead (`handed_over`, cluster/submit_handoff.hpp).
struct Submit {
  static constexpr Kind kind = Kind::submit;
  std::uint64_t run = 0;
  std::uint32_t tasks = 0;
  std::span<const std::byte> specs;
  std::vector<std::uint32_t> outputs;
  bool handed_over = false;
  void write(WireWriter& out) const;
  static Submit read(WireReader& in);
};

/// A client cancels a task, or releases it (then it still runs if other tasks read it).
struct Cancel {
  static constexpr Kind kind = Kind::cancel;
  DataKey key;
  bool released = false;
  void write(WireWriter& out) const;
  static Cancel read(WireReader& in);
};

/// A client drops its last reference to an output.
struct Release {
  static constexpr Kind kind = Kind::release;
  DataKey key;
  void write(WireWriter& out) const;
  static Release read(WireReader& in);
};

/// A client puts a value (WireWriter::put_frames form) on one worker, or on all.
struct Scatter {
  static constexpr Kind kind = Kind::scatter;
  DataKey key;
  bool broadcast = false;
  std::span<const std::byte> literal;
  void write(WireWriter& out) const;
  static Scatter read(WireReader& in);
};

/// A worker finished a task (`failure` empty) or could not run it.
struct Completed {
  static constexpr Kind kind = Kind::completed;
  DataKey key;
  double start = 0.0;
  double stop = 0.0;
  std::uint32_t thread = 0;
  std::uint64_t bytes = 0;  ///< size of the result
  std::optional<Failure> failure;
  void write(WireWriter& out) const;
  static Completed read(WireReader& in);
};

/// The tasks a worker gave back after a Steal.
struct Stolen {
  static constexpr Kind kind = Kind::stolen;
  std::vector<DataKey> keys;
  void write(WireWriter& out) const;
  static Stolen read(WireReader& in);
};

/// A worker's memory state changed.
struct Status {
  static constexpr Kind kind = Kind::status;
  bool paused = false;
  void write(WireWriter& out) const;
  static Status read(WireReader& in);
};

/// An event logged on a worker (log_event), for the client's get_events.
struct EventLogged {
  static constexpr Kind kind = Kind::event;
  double time = 0.0;
  std::string_view topic;
  std::string_view message;
  std::string_view source;
  void write(WireWriter& out) const;
  static EventLogged read(WireReader& in);
};

/// A worker has stopped its task threads after a Shutdown.
struct Goodbye {
  static constexpr Kind kind = Kind::goodbye;
  void write(WireWriter&) const {}
  static Goodbye read(WireReader&) { return {}; }
};

/// A worker keeps scattered data now.
struct Stored {
  static constexpr Kind kind = Kind::stored;
  DataKey key;
  void write(WireWriter& out) const;
  static Stored read(WireReader& in);
};

/// A worker could not keep a result it had reported done (spilling it to disk failed): the
/// task fails after all, with `failure`.
struct Lost {
  static constexpr Kind kind = Kind::lost;
  DataKey key;
  Failure failure;
  void write(WireWriter& out) const;
  static Lost read(WireReader& in);
};

/// A worker is alive: sent at least every heartbeat interval, so that the scheduler can tell
/// a quiet worker from a stopped one.
struct Heartbeat {
  static constexpr Kind kind = Kind::heartbeat;
  void write(WireWriter&) const {}
  static Heartbeat read(WireReader&) { return {}; }
};

/// A worker's lifetime is over: it asks the scheduler to let it go once its work and the
/// results only it holds are elsewhere.
struct Retire {
  static constexpr Kind kind = Kind::retire;
  /// Its job is about to end (SIGTERM): it leaves even if no other worker can take its
  /// results, which are then made again if needed. Otherwise it waits for one.
  bool urgent = false;
  void write(WireWriter& out) const { out.put<std::uint8_t>(urgent ? 1 : 0); }
  static Retire read(WireReader& in) { return Retire{in.get<std::uint8_t>() != 0}; }
};

/// Data a worker fetched from one other worker, since it started.
struct Received {
  std::int64_t source = 0;  // 64 bits: no padding travels
  std::uint64_t bytes = 0;
  std::uint64_t count = 0;
  bool operator==(const Received&) const = default;
};

/// A worker's memory and what it fetched, for the dashboard's metrics: sent every second while
/// the dashboard_address setting is set.
struct WorkerMetrics {
  static constexpr Kind kind = Kind::metrics;
  std::uint64_t memory_bytes = 0;   ///< results in memory
  std::uint64_t memory_limit = 0;   ///< worker_memory_limit (0: none)
  std::uint64_t spilled_bytes = 0;  ///< results on disk now
  std::uint64_t spilled_total = 0;  ///< results ever spilled
  std::vector<Received> received;   ///< per source worker, those with something
  void write(WireWriter& out) const;
  static WorkerMetrics read(WireReader& in);
};

// ---- to a client (any rank)

/// An output of one of the client's runs is done (held by `holder`) or failed.
struct OutputDone {
  static constexpr Kind kind = Kind::output_done;
  DataKey key;
  std::int32_t holder = -1;
  std::uint64_t bytes = 0;
  std::optional<Failure> failure;
  void write(WireWriter& out) const;
  static OutputDone read(WireReader& in);
};

// ---- to a worker

/// A task to run: its spec as the client wrote it, and per input (task and external
/// arguments, in argument order) the worker that holds it (<= 0: nobody, it was lost).
struct Assign {
  static constexpr Kind kind = Kind::assign;
  DataKey key;
  std::uint64_t priority = 0;  ///< lower runs first
  std::span<const std::byte> spec;
  std::vector<DataKey> inputs;
  std::vector<std::int32_t> holders;
  /// Indices of the inputs still being made by their holders (the task goes ahead of them),
  /// ascending: awaited here if made here, else fetched with Fetch::wait.
  std::vector<std::uint32_t> pending;
  /// Indices of the inputs that it may keep as copies once fetched (large results of earlier
  /// runs), ascending: it says Stored for each it keeps, within its worker_replica_memory.
  std::vector<std::uint32_t> keep;
  void write(WireWriter& out) const;
  static Assign read(WireReader& in);
  /// The same into `assign`, reusing its vectors (a worker reads one per task).
  static void read_into(WireReader& in, Assign& assign);
};

/// Give back up to `count` tasks that have not started.
struct Steal {
  static constexpr Kind kind = Kind::steal;
  std::uint32_t count = 0;
  void write(WireWriter& out) const;
  static Steal read(WireReader& in);
};

/// Do not start these tasks (cancelled, or an input failed).
struct Drop {
  static constexpr Kind kind = Kind::drop;
  std::vector<DataKey> keys;
  void write(WireWriter& out) const;
  static Drop read(WireReader& in);
};

/// Keep these tasks, and do not give them away when asked to steal: tasks assigned ahead to
/// other workers will fetch their results.
struct Pin {
  static constexpr Kind kind = Kind::pin;
  std::vector<DataKey> keys;
  void write(WireWriter& out) const;
  static Pin read(WireReader& in);
};

/// The result `key`, which a task here waits for, is made by `holder` now: its first worker
/// was lost. Ask there (it answers once the result is made).
struct Moved {
  static constexpr Kind kind = Kind::moved;
  DataKey key;
  std::int32_t holder = 0;
  void write(WireWriter& out) const;
  static Moved read(WireReader& in);
};

/// Fetch these results from worker `holder`, which is retiring, keep them, and say Stored
/// for each.
struct Replicate {
  static constexpr Kind kind = Kind::replicate;
  std::vector<DataKey> keys;
  std::int32_t holder = 0;
  void write(WireWriter& out) const;
  static Replicate read(WireReader& in);
};

/// Drop these results.
struct Forget {
  static constexpr Kind kind = Kind::forget;
  std::vector<DataKey> keys;
  void write(WireWriter& out) const;
  static Forget read(WireReader& in);
};

/// Keep this value (scattered by a client), in WireWriter::put_frames form.
struct StoreData {
  static constexpr Kind kind = Kind::store;
  DataKey key;
  std::span<const std::byte> literal;
  void write(WireWriter& out) const;
  static StoreData read(WireReader& in);
};

/// Stop running tasks, then say Goodbye.
struct Shutdown {
  static constexpr Kind kind = Kind::shutdown;
  void write(WireWriter&) const {}
  static Shutdown read(WireReader&) { return {}; }
};

/// Leave the progress loop.
struct Exit {
  static constexpr Kind kind = Kind::exit;
  void write(WireWriter&) const {}
  static Exit read(WireReader&) { return {}; }
};

// ---- to whoever holds data

/// Send me these results (each comes back as a DataHeader and its buffers).
struct Fetch {
  static constexpr Kind kind = Kind::fetch;
  std::vector<DataKey> keys;
  /// The results are still being made (or their tasks not yet assigned here: the fetch may
  /// overtake the scheduler's message): answer once they are made.
  bool wait = false;
  void write(WireWriter& out) const;
  static Fetch read(WireReader& in);
};

/// A result's serialized header; its buffers follow as raw messages under `tag`, one per
/// buffer (split in pieces of at most 1 GiB), of the sizes listed.
struct DataHeader {
  static constexpr Kind kind = Kind::data;
  DataKey key;
  std::int32_t tag = 0;
  std::span<const std::byte> header;
  std::vector<std::uint64_t> buffer_sizes;
  void write(WireWriter& out) const;
  static DataHeader read(WireReader& in);
};

/// Queues `message` to rank `dest` through `outbox`.
template <class Message>
void post(Outbox& outbox, int dest, const Message& message) {
  outbox.post(dest, Message::kind, [&](WireWriter& out) { message.write(out); });
}

}  // namespace tessera::detail
