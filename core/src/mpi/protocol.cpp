#include "mpi/protocol.hpp"

#include <algorithm>
#include <cstring>

namespace tessera::detail {

namespace {
std::string_view as_view(std::span<const std::byte> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}
}  // namespace

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

void write_task(WireWriter& out, const TaskSpec& task) {
  out.put_all(task.function, task.key, task.retries, static_cast<std::uint32_t>(task.args.size()));
  for (const auto& arg : task.args) {
    switch (arg.kind) {
      case ArgKind::literal:
        out.put_all(arg.kind, arg.literal);
        break;
      case ArgKind::task:
        out.put_all(arg.kind, arg.input.task);
        break;
      case ArgKind::external:
        out.put_all(arg.kind, arg.input);
        break;
    }
  }
  out.put<std::uint32_t>(static_cast<std::uint32_t>(task.resources.size()));
  for (const auto& [name, amount] : task.resources) {
    out.put_string(name);
    out.put(amount);
  }
  out.put_vector(task.workers);
}

void read_task(WireReader& in, std::uint64_t run, TaskSpec& task) {
  task.function = as_view(in.get_bytes());
  task.key = as_view(in.get_bytes());
  task.retries = in.get<std::uint8_t>();
  const auto args = in.get<std::uint32_t>();
  task.args.clear();
  task.args.reserve(
      std::min<std::size_t>(args, in.remaining()));  // a corrupt count is caught by the reads
  for (std::uint32_t a = 0; a < args; ++a) {
    TaskSpec::Arg arg{in.get<ArgKind>(), {}, {}};
    switch (arg.kind) {
      case ArgKind::literal:
        arg.literal = in.get_bytes();
        break;
      case ArgKind::task:
        arg.input = DataKey{run, in.get<std::uint32_t>()};
        break;
      case ArgKind::external:
        arg.input = in.get<DataKey>();
        break;
      default:
        throw SerializationError("corrupt task '" + std::string(task.key) +
                                 "': unknown argument kind");
    }
    task.args.push_back(arg);
  }
  task.resources.clear();
  const auto resources = in.get<std::uint32_t>();
  for (std::uint32_t r = 0; r < resources; ++r) {
    auto name = as_view(in.get_bytes());
    task.resources.emplace_back(name, in.get<double>());
  }
  task.workers = in.get_vector<int>();
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
