#include "mpi/protocol.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

namespace tessera::detail {

const char* kind_name(Kind kind) noexcept {
  switch (kind) {
    case Kind::hello:
      return "hello";
    case Kind::submit:
      return "submit";
    case Kind::cancel:
      return "cancel";
    case Kind::release:
      return "release";
    case Kind::scatter:
      return "scatter";
    case Kind::completed:
      return "completed";
    case Kind::stolen:
      return "stolen";
    case Kind::status:
      return "status";
    case Kind::event:
      return "event";
    case Kind::goodbye:
      return "goodbye";
    case Kind::stored:
      return "stored";
    case Kind::lost:
      return "lost";
    case Kind::heartbeat:
      return "heartbeat";
    case Kind::metrics:
      return "metrics";
    case Kind::output_done:
      return "output_done";
    case Kind::assign:
      return "assign";
    case Kind::steal:
      return "steal";
    case Kind::drop:
      return "drop";
    case Kind::pin:
      return "pin";
    case Kind::moved:
      return "moved";
    case Kind::replicate:
      return "replicate";
    case Kind::retire:
      return "retire";
    case Kind::forget:
      return "forget";
    case Kind::store:
      return "store";
    case Kind::shutdown:
      return "shutdown";
    case Kind::exit:
      return "exit";
    case Kind::fetch:
      return "fetch";
    case Kind::data:
      return "data";
  }
  return "unknown";
}

// Per task, in as few bytes as the scheduler can keep (it holds every spec of a run): lengths,
// counts and task ids as varints; written into room made once for the whole spec.
void write_task(WireWriter& out, const TaskSpec& task) {
  constexpr std::size_t varint = WireWriter::max_varint_bytes;
  std::size_t most = 5 * varint + task.function.size() + task.key.size() + 1;
  for (const auto& arg : task.args) {
    most += sizeof(arg.kind) +
            (arg.kind == ArgKind::literal ? varint + arg.literal.size() : sizeof(DataKey));
  }
  for (const auto& [name, amount] : task.resources) {
    most += varint + name.size() + sizeof(amount);
  }
  most += task.workers.size() * varint;
  auto room = out.make_room(most);
  room.put_short_string(task.function);
  room.put_short_string(task.key);
  room.put<std::uint8_t>(task.retries);
  room.put_varint(task.args.size());
  for (const auto& arg : task.args) {
    room.put(arg.kind);
    switch (arg.kind) {
      case ArgKind::literal:
        room.put_short_bytes(arg.literal);
        break;
      case ArgKind::task:
        room.put_varint(arg.input.task);
        break;
      case ArgKind::external:
        room.put(arg.input);
        break;
    }
  }
  room.put_varint(task.resources.size());
  for (const auto& [name, amount] : task.resources) {
    room.put_short_string(name);
    room.put(amount);
  }
  room.put_varint(task.workers.size());
  for (int worker : task.workers) room.put_varint(static_cast<std::uint32_t>(worker));
  room.done();
}

std::string_view read_task_key(WireReader& in) {
  in.get_short_bytes();  // the function
  return in.get_short_string_view();
}

void read_task(WireReader& in, std::uint64_t run, TaskSpec& task) {
  task.function = in.get_short_string_view();
  task.key = in.get_short_string_view();
  task.retries = in.get<std::uint8_t>();
  const auto corrupt = [&](const std::string& what) {
    return SerializationError("corrupt task '" + std::string(task.key) + "': " + what);
  };
  const auto args = in.get_varint();
  // Each argument takes at least two bytes: refuse a count the message cannot hold.
  if (args > in.remaining() / 2) throw corrupt(std::to_string(args) + " arguments announced");
  task.args.clear();
  task.args.reserve(args);
  for (std::uint64_t a = 0; a < args; ++a) {
    TaskSpec::Arg arg{in.get<ArgKind>(), {}, {}};
    switch (arg.kind) {
      case ArgKind::literal:
        arg.literal = in.get_short_bytes();
        break;
      case ArgKind::task: {
        const auto input = in.get_varint();
        if (input > std::numeric_limits<std::uint32_t>::max())
          throw corrupt("input task " + std::to_string(input) + " is out of range");
        arg.input = DataKey{run, static_cast<std::uint32_t>(input)};
        break;
      }
      case ArgKind::external:
        arg.input = in.get<DataKey>();
        break;
      default:
        throw corrupt("unknown argument kind");
    }
    task.args.push_back(arg);
  }
  task.resources.clear();
  const auto resources = in.get_varint();
  if (resources > in.remaining() / (1 + sizeof(double)))
    throw corrupt(std::to_string(resources) + " resources announced");
  for (std::uint64_t r = 0; r < resources; ++r) {
    auto name = in.get_short_string_view();
    task.resources.emplace_back(name, in.get<double>());
  }
  const auto workers = in.get_varint();
  if (workers > in.remaining()) throw corrupt(std::to_string(workers) + " workers announced");
  task.workers.clear();
  for (std::uint64_t w = 0; w < workers; ++w) {
    const auto worker = in.get_varint();
    if (worker > static_cast<std::uint64_t>(std::numeric_limits<int>::max()))
      throw corrupt("worker rank " + std::to_string(worker) + " is out of range");
    task.workers.push_back(static_cast<int>(worker));
  }
}

Frames literal_frames(std::span<const std::byte> literal) {
  Frames frames;
  read_literal_frames(literal, frames);
  return frames;
}

void read_literal_frames(std::span<const std::byte> literal, Frames& frames) {
  WireReader in(literal, "literal argument");
  in.get_frames_into(frames);
}

void write_failure(WireWriter& out, const Failure& failure) {
  out.put_string(failure.key);
  out.put_string(failure.worker);
  out.put_string(failure.type);
  out.put_string(failure.message);
  out.put<std::uint8_t>(failure.cancelled ? 1 : 0);
}

Failure read_failure(WireReader& in) {
  Failure failure;
  failure.key = in.get_string();
  failure.worker = in.get_string();
  failure.type = in.get_string();
  failure.message = in.get_string();
  failure.cancelled = in.get<std::uint8_t>() != 0;
  return failure;
}

Frames error_frames(const std::string& message) {
  Frames frames;
  frames.header.resize(sizeof(std::uint64_t) + message.size());
  std::memcpy(frames.header.data() + sizeof(std::uint64_t), message.data(), message.size());
  return frames;
}

bool is_error_frames(const Frames& frames, std::string& message) {
  std::uint64_t fingerprint = 1;
  if (frames.header.size() < sizeof fingerprint) return false;
  std::memcpy(&fingerprint, frames.header.data(), sizeof fingerprint);
  if (fingerprint != 0) return false;
  message.assign(reinterpret_cast<const char*>(frames.header.data()) + sizeof fingerprint,
                 frames.header.size() - sizeof fingerprint);
  return true;
}

Frames failed_task_frames(const std::string& message, const Failure& failure) {
  Frames frames = error_frames(message);
  std::vector<std::byte> bytes;
  WireWriter out(bytes);
  write_failure(out, failure);
  Buffer buffer = Buffer::allocate(bytes.size());
  std::memcpy(buffer.data(), bytes.data(), bytes.size());
  frames.buffers.push_back(std::move(buffer));
  return frames;
}

std::optional<Failure> failure_in_error_frames(const Frames& frames) {
  std::string message;
  if (!is_error_frames(frames, message) || frames.buffers.size() != 1) return std::nullopt;
  const Buffer& buffer = frames.buffers.front();
  try {
    WireReader in(std::span<const std::byte>(buffer.data(), buffer.size()), "task failure");
    Failure failure = read_failure(in);
    if (in.at_end()) return failure;
  } catch (const Error&) {  // garbled: the reply's message is all there is
  }
  return std::nullopt;
}

}  // namespace tessera::detail
