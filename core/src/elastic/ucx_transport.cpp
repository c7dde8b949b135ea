#include "elastic/ucx_transport.hpp"

#include <sched.h>

#include <cstdio>
#include <cstring>
#include <span>
#include <utility>

#include "mpi/messages.hpp"
#include "tessera/errors.hpp"
#include "tessera/events.hpp"

namespace tessera::elastic {
namespace {

using detail::WireReader;
using detail::WireWriter;
using Clock = std::chrono::steady_clock;

// The first byte of every UCX message of this link says what it is.
enum class Frame : char {
  join = 'j',      // worker -> scheduler: where the worker listens
  welcome = 'w',   // scheduler -> worker: its rank
  address = 'a',   // scheduler -> worker: where another worker listens
  identify = 'i',  // first message on a connection a worker made to another: its rank
  control = 'c',   // a batch of control messages
  data = 'd',      // a result: its DataHeader, then its buffers back to back
  bye = 'b',       // leaving on purpose: a lost connection after this is no loss
};

constexpr auto connect_timeout = std::chrono::seconds(10);

std::string frame(Frame kind, std::span<const std::byte> body = {}) {
  std::string message(1 + body.size(), static_cast<char>(kind));
  if (!body.empty()) std::memcpy(message.data() + 1, body.data(), body.size());
  return message;
}

std::span<const std::byte> body_of(const std::string& message) {
  return std::as_bytes(std::span(message)).subspan(1);
}

std::string rank_frame(Frame kind, int rank, const std::string& address = {}) {
  std::vector<std::byte> body;
  WireWriter out(body);
  out.put<std::int32_t>(rank);
  out.put_string(address);
  return frame(kind, body);
}

}  // namespace

UcxTransport::UcxTransport() = default;

UcxTransport::~UcxTransport() = default;

std::unique_ptr<UcxTransport> UcxTransport::listen(std::uint16_t port) {
  std::unique_ptr<UcxTransport> transport(new UcxTransport());
  transport->address_ = transport->link_.listen(port);
  transport->rank_ = 0;
  return transport;
}

std::unique_ptr<UcxTransport> UcxTransport::join(const std::string& address,
                                                 std::chrono::milliseconds timeout) {
  std::unique_ptr<UcxTransport> transport(new UcxTransport());
  UcxTransport& self = *transport;
  self.address_ = self.link_.listen(0);
  const auto deadline = Clock::now() + timeout;
  const PeerId scheduler = self.link_.connect(address, timeout);
  self.out_[0] = scheduler;
  self.rank_of_[scheduler] = 0;
  self.link_.send(scheduler, rank_frame(Frame::join, -1, self.address_));
  for (;;) {
    for (auto& event : self.link_.poll(std::chrono::milliseconds(1))) {
      const bool from_scheduler = event.peer == scheduler;
      if (from_scheduler && event.kind == LinkEvent::Kind::lost) {
        throw IoError("elastic worker: the scheduler at '" + address +
                      "' closed the connection before giving this worker a rank (" + event.payload +
                      ")");
      }
      if (from_scheduler && event.kind == LinkEvent::Kind::message && !event.payload.empty() &&
          static_cast<Frame>(event.payload[0]) == Frame::welcome && self.rank_ == 0) {
        WireReader in(body_of(event.payload), "welcome message from the scheduler");
        self.rank_ = in.get<std::int32_t>();
        std::lock_guard lock(self.mutex_);
        self.known_ranks_ = std::max(self.known_ranks_, self.rank_ + 1);
        continue;
      }
      self.backlog_.push_back(std::move(event));
    }
    if (self.rank_ > 0) return transport;
    if (Clock::now() >= deadline) {
      throw IoError("elastic worker: the scheduler at '" + address + "' gave no rank within " +
                    std::to_string(timeout.count()) + " ms");
    }
  }
}

int UcxTransport::ranks() const noexcept {
  std::lock_guard lock(mutex_);
  return known_ranks_;
}

void UcxTransport::post(int dest, detail::Kind kind, detail::BodyWriter write) {
  {
    std::lock_guard lock(mutex_);
    batches_.append(dest, kind, write);
  }
  wake();
}

void UcxTransport::send_data(int dest, detail::DataKey key, Frames frames,
                             std::shared_ptr<const void> keepalive) {
  {
    std::lock_guard lock(mutex_);
    data_sends_.push_back(DataSend{dest, key, std::move(frames), std::move(keepalive)});
  }
  wake();
}

void UcxTransport::wake() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  wakeup_.notify_one();
}

void UcxTransport::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    woken_ = true;
  }
  wakeup_.notify_one();
}

std::size_t UcxTransport::pending_sends() const noexcept {
  std::size_t queued = 0;
  {
    std::lock_guard lock(mutex_);
    queued = data_sends_.size() + (batches_.empty() ? 0 : 1);
  }
  return queued + link_.sends_in_flight();
}

void UcxTransport::run(Handler& handler) {
  int idle_turns = 0;
  Clock::time_point idle_since;
  for (auto& event : std::exchange(backlog_, {})) {
    if (event.kind == LinkEvent::Kind::message) {
      handle_message(event.peer, event.payload, handler);
    } else if (event.kind == LinkEvent::Kind::lost) {
      peer_lost(event.peer, handler);
    }
  }
  for (;;) {
    bool busy = flush_sends(handler);
    busy = handle_events(handler) || busy;
    busy = handler.on_turn() || busy;
    bool stopping = false;
    {
      std::lock_guard lock(mutex_);
      stopping = stopping_;
    }
    if (stopping) {  // what was queued still goes out, then every peer hears goodbye
      flush_sends(handler);
      for (const auto& [rank, peer] : out_) link_.send(peer, frame(Frame::bye));
      const auto deadline = Clock::now() + std::chrono::seconds(5);
      while (link_.sends_in_flight() > 0 && Clock::now() < deadline) link_.poll();
      return;
    }
    if (busy) {
      idle_turns = 0;
    } else {
      idle(idle_turns, idle_since);
    }
  }
}

void UcxTransport::idle(int& idle_turns, Clock::time_point& idle_since) {
  if (idle_turns++ == 0) idle_since = Clock::now();
  if (link_.sends_in_flight() > 0 || idle_turns < 64) {
    sched_yield();
    return;
  }
  const auto step =
      detail::idle_sleep_step(std::chrono::duration<double>(Clock::now() - idle_since).count());
  std::unique_lock lock(mutex_);
  wakeup_.wait_for(lock, step, [this] { return woken_; });
  woken_ = false;
}

bool UcxTransport::flush_sends(Handler& handler) {
  std::vector<std::pair<int, std::vector<std::byte>>> batches;
  std::deque<DataSend> data;
  {
    std::lock_guard lock(mutex_);
    woken_ = false;
    batches_.take(batches);
    data.swap(data_sends_);
  }
  if (batches.empty() && data.empty()) return false;
  for (auto& [dest, bytes] : batches) {
    if (dest == rank_) {
      detail::read_batch(rank_, bytes, [&](detail::Kind kind, WireReader& body) {
        handler.on_message(rank_, kind, body);
      });
      continue;
    }
    PeerId peer = 0;
    if (peer_for(dest, peer)) link_.send(peer, frame(Frame::control, bytes));
  }
  for (auto& send : data) {
    if (send.dest == rank_) {
      handler.on_data(rank_, send.key, std::move(send.frames));
      continue;
    }
    PeerId peer = 0;
    if (!peer_for(send.dest, peer)) continue;
    detail::DataHeader header{send.key, 0, send.frames.header, {}};
    std::size_t total = 0;
    for (const auto& buffer : send.frames.buffers) {
      header.buffer_sizes.push_back(buffer.size());
      total += buffer.size();
    }
    std::vector<std::byte> head;
    WireWriter out(head);
    header.write(out);
    std::string message;
    message.reserve(1 + sizeof(std::uint64_t) + head.size() + total);
    message.push_back(static_cast<char>(Frame::data));
    const std::uint64_t head_size = head.size();
    message.append(reinterpret_cast<const char*>(&head_size), sizeof head_size);
    message.append(reinterpret_cast<const char*>(head.data()), head.size());
    for (const auto& buffer : send.frames.buffers) {
      message.append(reinterpret_cast<const char*>(buffer.data()), buffer.size());
    }
    link_.send(peer, std::move(message));
  }
  return true;
}

bool UcxTransport::peer_for(int rank, PeerId& peer) {
  if (auto found = out_.find(rank); found != out_.end()) {
    peer = found->second;
    return link_.connected(peer);
  }
  if (unreachable_.contains(rank) || said_bye_.contains(rank)) return false;
  auto address = addresses_.find(rank);
  if (address == addresses_.end()) {
    log_event("elastic", "rank " + std::to_string(rank_) + " has no address for rank " +
                             std::to_string(rank) + "; a message to it is dropped");
    return false;
  }
  try {
    peer = link_.connect(address->second,
                         std::chrono::duration_cast<std::chrono::milliseconds>(connect_timeout));
  } catch (const Error& error) {
    unreachable_.insert(rank);
    log_event("elastic", "rank " + std::to_string(rank_) + " cannot reach rank " +
                             std::to_string(rank) + ": " + error.what());
    return false;
  }
  out_[rank] = peer;
  rank_of_[peer] = rank;
  link_.send(peer, rank_frame(Frame::identify, rank_));
  return true;
}

bool UcxTransport::handle_events(Handler& handler) {
  auto events = link_.poll();
  for (auto& event : events) {
    switch (event.kind) {
      case LinkEvent::Kind::joined:
        break;  // who it is comes with its first message
      case LinkEvent::Kind::message:
        handle_message(event.peer, event.payload, handler);
        break;
      case LinkEvent::Kind::lost:
        peer_lost(event.peer, handler);
        break;
    }
  }
  return !events.empty();
}

void UcxTransport::handle_message(PeerId peer, const std::string& bytes, Handler& handler) {
  if (bytes.empty()) return;
  const auto kind = static_cast<Frame>(bytes[0]);
  auto found = rank_of_.find(peer);
  const int source = found == rank_of_.end() ? -1 : found->second;
  const std::string from = "a message from rank " + std::to_string(source);
  switch (kind) {
    case Frame::join: {
      WireReader in(body_of(bytes), "join message");
      in.get<std::int32_t>();
      welcome(peer, in.get_string());
      return;
    }
    case Frame::identify: {
      WireReader in(body_of(bytes), "identify message");
      const int rank = in.get<std::int32_t>();
      rank_of_[peer] = rank;
      out_.emplace(rank, peer);  // replies go back the same way, unless one exists
      return;
    }
    case Frame::address: {
      WireReader in(body_of(bytes), "address message from the scheduler");
      const int rank = in.get<std::int32_t>();
      addresses_[rank] = in.get_string();
      std::lock_guard lock(mutex_);
      known_ranks_ = std::max(known_ranks_, rank + 1);
      return;
    }
    case Frame::bye:
      if (source >= 0) said_bye_.insert(source);
      return;
    case Frame::welcome:
      return;  // only join() expects one
    case Frame::control:
      if (source < 0)
        throw SerializationError("elastic link: " + from + " that never said who it is");
      detail::read_batch(source, body_of(bytes), [&](detail::Kind message, WireReader& body) {
        handler.on_message(source, message, body);
      });
      return;
    case Frame::data: {
      if (source < 0)
        throw SerializationError("elastic link: " + from + " that never said who it is");
      WireReader in(body_of(bytes), "data message", "", source);
      const auto head = in.get_bytes();
      WireReader head_in(head, "data header", "", source);
      const auto header = detail::DataHeader::read(head_in);
      Frames frames;
      frames.header.assign(header.header.begin(), header.header.end());
      std::size_t offset = 1 + in.offset();
      for (const auto size : header.buffer_sizes) {
        if (size > bytes.size() - offset) {
          throw SerializationError("elastic link: data message from rank " +
                                   std::to_string(source) + " is shorter than its buffers");
        }
        auto buffer = Buffer::allocate(size);
        std::memcpy(buffer.data(), bytes.data() + offset, size);
        offset += size;
        frames.buffers.push_back(std::move(buffer));
      }
      handler.on_data(source, header.key, std::move(frames));
      return;
    }
  }
  throw SerializationError("elastic link: " + from + " of unknown kind " +
                           std::to_string(static_cast<int>(bytes[0])));
}

void UcxTransport::welcome(PeerId peer, const std::string& address) {
  int rank = 0;
  {
    std::lock_guard lock(mutex_);
    rank = known_ranks_++;
  }
  rank_of_[peer] = rank;
  out_[rank] = peer;
  link_.send(peer, rank_frame(Frame::welcome, rank));
  for (const auto& [other, where] : addresses_) {
    link_.send(peer, rank_frame(Frame::address, other, where));
    if (auto out = out_.find(other); out != out_.end()) {
      link_.send(out->second, rank_frame(Frame::address, rank, address));
    }
  }
  addresses_[rank] = address;
  log_event("elastic", "a worker from " + address + " joined as rank " + std::to_string(rank));
}

void UcxTransport::peer_lost(PeerId peer, Handler& handler) {
  auto found = rank_of_.find(peer);
  if (found == rank_of_.end()) return;
  const int rank = found->second;
  rank_of_.erase(found);
  if (auto out = out_.find(rank); out != out_.end() && out->second == peer) out_.erase(out);
  link_.close(peer);
  if (said_bye_.contains(rank)) return;
  // Another connection to the same rank may still be up (two workers that connected to each
  // other at once); the rank is lost only when none is.
  for (const auto& [other, who] : rank_of_) {
    if (who == rank) {
      out_.emplace(rank, other);
      return;
    }
  }
  said_bye_.insert(rank);  // reported once
  addresses_.erase(rank);
  handler.on_lost(rank);
}

}  // namespace tessera::elastic
