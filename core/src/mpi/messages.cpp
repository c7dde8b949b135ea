#include "mpi/messages.hpp"

namespace tessera::detail {
namespace {

std::string_view as_view(std::span<const std::byte> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

void write_optional_failure(WireWriter& out, const std::optional<Failure>& failure) {
  out.put<std::uint8_t>(failure ? 1 : 0);
  if (failure) write_failure(out, *failure);
}

std::optional<Failure> read_optional_failure(WireReader& in) {
  if (in.get<std::uint8_t>() == 0) return std::nullopt;
  return read_failure(in);
}

bool read_flag(WireReader& in) { return in.get<std::uint8_t>() != 0; }

}  // namespace

void Hello::write(WireWriter& out) const {
  out.put(threads);
  out.put<std::uint32_t>(static_cast<std::uint32_t>(resources.size()));
  for (const auto& [name, amount] : resources) {
    out.put_string(name);
    out.put(amount);
  }
  out.put(memory_limit);
}

Hello Hello::read(WireReader& in) {
  Hello hello;
  hello.threads = in.get<std::uint32_t>();
  const auto count = in.get<std::uint32_t>();
  for (std::uint32_t r = 0; r < count; ++r) {
    auto name = in.get_string();
    hello.resources.emplace_back(std::move(name), in.get<double>());
  }
  hello.memory_limit = in.get<std::uint64_t>();
  return hello;
}

void Submit::write(WireWriter& out) const {
  out.put_all(run, tasks, specs, outputs, static_cast<std::uint8_t>(handed_over ? 1 : 0));
}

Submit Submit::read(WireReader& in) {
  Submit submit;
  submit.run = in.get<std::uint64_t>();
  submit.tasks = in.get<std::uint32_t>();
  submit.specs = in.get_bytes();
  submit.outputs = in.get_vector<std::uint32_t>();
  submit.handed_over = read_flag(in);
  return submit;
}

void Cancel::write(WireWriter& out) const {
  out.put(key);
  out.put<std::uint8_t>(released ? 1 : 0);
}

Cancel Cancel::read(WireReader& in) {
  Cancel cancel;
  cancel.key = in.get<DataKey>();
  cancel.released = read_flag(in);
  return cancel;
}

void Release::write(WireWriter& out) const { out.put(key); }

Release Release::read(WireReader& in) { return Release{in.get<DataKey>()}; }

void Scatter::write(WireWriter& out) const {
  out.put(key);
  out.put<std::uint8_t>(broadcast ? 1 : 0);
  out.put_bytes(literal.data(), literal.size());
}

Scatter Scatter::read(WireReader& in) {
  Scatter scatter;
  scatter.key = in.get<DataKey>();
  scatter.broadcast = read_flag(in);
  scatter.literal = in.get_bytes();
  return scatter;
}

void Completed::write(WireWriter& out) const {
  out.put_all(key, start, stop, thread, bytes);
  write_optional_failure(out, failure);
}

Completed Completed::read(WireReader& in) {
  Completed completed;
  completed.key = in.get<DataKey>();
  completed.start = in.get<double>();
  completed.stop = in.get<double>();
  completed.thread = in.get<std::uint32_t>();
  completed.bytes = in.get<std::uint64_t>();
  completed.failure = read_optional_failure(in);
  return completed;
}

void Lost::write(WireWriter& out) const {
  out.put(key);
  write_failure(out, failure);
}

Lost Lost::read(WireReader& in) {
  Lost lost;
  lost.key = in.get<DataKey>();
  lost.failure = read_failure(in);
  return lost;
}

void Stolen::write(WireWriter& out) const { out.put_vector(keys); }

Stolen Stolen::read(WireReader& in) { return Stolen{in.get_vector<DataKey>()}; }

void Status::write(WireWriter& out) const { out.put<std::uint8_t>(paused ? 1 : 0); }

Status Status::read(WireReader& in) { return Status{read_flag(in)}; }

void WorkerMetrics::write(WireWriter& out) const {
  out.put(memory_bytes);
  out.put(memory_limit);
  out.put(spilled_bytes);
  out.put(spilled_total);
  out.put_vector(received);
}

WorkerMetrics WorkerMetrics::read(WireReader& in) {
  WorkerMetrics metrics;
  metrics.memory_bytes = in.get<std::uint64_t>();
  metrics.memory_limit = in.get<std::uint64_t>();
  metrics.spilled_bytes = in.get<std::uint64_t>();
  metrics.spilled_total = in.get<std::uint64_t>();
  metrics.received = in.get_vector<Received>();
  return metrics;
}

void EventLogged::write(WireWriter& out) const {
  out.put(time);
  out.put_string(topic);
  out.put_string(message);
  out.put_string(source);
}

EventLogged EventLogged::read(WireReader& in) {
  EventLogged event;
  event.time = in.get<double>();
  event.topic = as_view(in.get_bytes());
  event.message = as_view(in.get_bytes());
  event.source = as_view(in.get_bytes());
  return event;
}

void Stored::write(WireWriter& out) const { out.put(key); }

Stored Stored::read(WireReader& in) { return Stored{in.get<DataKey>()}; }

void OutputDone::write(WireWriter& out) const {
  out.put(key);
  out.put(holder);
  out.put(bytes);
  write_optional_failure(out, failure);
}

OutputDone OutputDone::read(WireReader& in) {
  OutputDone done;
  done.key = in.get<DataKey>();
  done.holder = in.get<std::int32_t>();
  done.bytes = in.get<std::uint64_t>();
  done.failure = read_optional_failure(in);
  return done;
}

void Assign::write(WireWriter& out) const {
  out.put_all(key, priority, spec, inputs, holders, pending, keep);
}

Assign Assign::read(WireReader& in) {
  Assign assign;
  read_into(in, assign);
  return assign;
}

void Assign::read_into(WireReader& in, Assign& assign) {
  assign.key = in.get<DataKey>();
  assign.priority = in.get<std::uint64_t>();
  assign.spec = in.get_bytes();
  in.get_vector_into(assign.inputs);
  in.get_vector_into(assign.holders);
  if (assign.holders.size() != assign.inputs.size()) {
    throw SerializationError("corrupt assign message: " + std::to_string(assign.inputs.size()) +
                             " inputs but " + std::to_string(assign.holders.size()) + " holders");
  }
  auto indices = [&](std::vector<std::uint32_t>& into, const char* what) {
    in.get_vector_into(into);
    for (std::size_t i = 0; i < into.size(); ++i) {
      const auto index = into[i];
      if (index >= assign.inputs.size() || (i > 0 && index <= into[i - 1])) {
        throw SerializationError("corrupt assign message: " + std::string(what) + " input " +
                                 std::to_string(index) + " of " +
                                 std::to_string(assign.inputs.size()) +
                                 (i > 0 ? " after " + std::to_string(into[i - 1]) : ""));
      }
    }
  };
  indices(assign.pending, "pending");
  indices(assign.keep, "kept");
}

void Steal::write(WireWriter& out) const { out.put(count); }

Steal Steal::read(WireReader& in) { return Steal{in.get<std::uint32_t>()}; }

void Drop::write(WireWriter& out) const { out.put_vector(keys); }

Drop Drop::read(WireReader& in) { return Drop{in.get_vector<DataKey>()}; }

void Pin::write(WireWriter& out) const { out.put_vector(keys); }

Pin Pin::read(WireReader& in) { return Pin{in.get_vector<DataKey>()}; }

void Moved::write(WireWriter& out) const {
  out.put(key);
  out.put(holder);
}

Moved Moved::read(WireReader& in) {
  Moved moved;
  moved.key = in.get<DataKey>();
  moved.holder = in.get<std::int32_t>();
  return moved;
}

void Replicate::write(WireWriter& out) const {
  out.put_vector(keys);
  out.put(holder);
}

Replicate Replicate::read(WireReader& in) {
  Replicate replicate;
  replicate.keys = in.get_vector<DataKey>();
  replicate.holder = in.get<std::int32_t>();
  return replicate;
}

void Forget::write(WireWriter& out) const { out.put_vector(keys); }

Forget Forget::read(WireReader& in) { return Forget{in.get_vector<DataKey>()}; }

void StoreData::write(WireWriter& out) const {
  out.put(key);
  out.put_bytes(literal.data(), literal.size());
}

StoreData StoreData::read(WireReader& in) {
  StoreData store;
  store.key = in.get<DataKey>();
  store.literal = in.get_bytes();
  return store;
}

void Fetch::write(WireWriter& out) const {
  out.put_vector(keys);
  out.put<std::uint8_t>(wait ? 1 : 0);
}

Fetch Fetch::read(WireReader& in) {
  Fetch fetch{in.get_vector<DataKey>()};
  fetch.wait = in.get<std::uint8_t>() != 0;
  return fetch;
}

void DataHeader::write(WireWriter& out) const {
  out.put(key);
  out.put(tag);
  out.put_bytes(header.data(), header.size());
  out.put_vector(buffer_sizes);
}

DataHeader DataHeader::read(WireReader& in) {
  DataHeader data;
  data.key = in.get<DataKey>();
  data.tag = in.get<std::int32_t>();
  data.header = in.get_bytes();
  data.buffer_sizes = in.get_vector<std::uint64_t>();
  return data;
}

}  // namespace tessera::detail
