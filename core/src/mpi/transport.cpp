#include "mpi/transport.hpp"

#include <sched.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdio>

#include "mpi/messages.hpp"
#include "tessera/errors.hpp"

namespace tessera::detail {

namespace {

constexpr int control_tag = 0;
// MPI counts are ints: bigger buffers go as several messages under one tag (MPI keeps their
// order).
constexpr std::size_t max_piece = std::size_t{1} << 30;

int pieces_of(std::size_t bytes) {
  return static_cast<int>(std::max<std::size_t>(1, (bytes + max_piece - 1) / max_piece));
}

void check(int code, const char* call) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  throw Error(std::string("tessera: ") + call + " failed: " + std::string(text, length));
}

}  // namespace

Transport::Transport(MPI_Comm world) {
  check(MPI_Comm_dup(world, &comm_), "MPI_Comm_dup");
  MPI_Comm_rank(comm_, &rank_);
  MPI_Comm_size(comm_, &size_);
  int* upper = nullptr;
  int found = 0;
  MPI_Comm_get_attr(comm_, MPI_TAG_UB, &upper, &found);
  if (found && upper) tag_limit_ = *upper;
}

Transport::~Transport() {
  if (comm_ != MPI_COMM_NULL) MPI_Comm_free(&comm_);
}

namespace {
thread_local bool helping_thread = false;
}  // namespace

bool Transport::sends_itself() noexcept { return helping_thread; }

void Transport::send_data(int dest, DataKey key, Frames frames,
                          std::shared_ptr<const void> keepalive) {
  bool sleeping = false;
  {
    std::lock_guard lock(mutex_);
    data_sends_.push_back(DataSend{dest, key, std::move(frames), std::move(keepalive)});
    queued_.store(true, std::memory_order_relaxed);
    if (!sends_itself()) {  // else a helper: its next turn sends it
      woken_ = true;
      sleeping = sleeping_;
    }
  }
  if (sleeping) wakeup_.notify_one();
}

void Transport::wake() {
  bool sleeping = false;
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
    sleeping = sleeping_;
  }
  if (sleeping) wakeup_.notify_one();
}

void Transport::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_.store(true, std::memory_order_release);
    woken_ = true;
  }
  wakeup_.notify_one();
}

bool Transport::turn(Handler& handler) {
  bool busy = post_sends(handler);
  busy = receive_control(handler) || busy;
  return complete_requests(handler) || busy;
}

void Transport::run(Handler& handler) {
  int idle_turns = 0;
  std::chrono::steady_clock::time_point idle_since;
  for (;;) {
    bool busy = false;
    bool in_flight = false;
    {
      std::lock_guard lock(turn_mutex_);
      busy = turn(handler);
      busy = handler.on_turn() || busy;
      if (stopping_.load(std::memory_order_acquire)) {  // what was queued still goes out
        post_sends(handler);
        while (!sends_.empty()) {
          complete_requests(handler);
          sched_yield();
        }
        return;
      }
      // Results on their way in or out (control batches complete on their own).
      in_flight = !receive_requests_.empty() ||
                  std::any_of(sends_.begin(), sends_.end(),
                              [](const Send& send) { return send.bytes.empty(); });
    }
    // While a task thread helps, it polls between its tasks: this loop then only looks now
    // and then, for what comes while all of them run tasks (a peer's fetch, a steal).
    if (busy && helpers_.load(std::memory_order_relaxed) == 0) {
      idle_turns = 0;
    } else {
      idle(idle_turns, idle_since, in_flight);
    }
  }
}

void Transport::idle(int& idle_turns, std::chrono::steady_clock::time_point& idle_since,
                     bool in_flight) {
  if (idle_turns++ == 0) idle_since = std::chrono::steady_clock::now();
  // Transfers in flight need this loop to progress them: stay awake, but let others run.
  const bool helped = helpers_.load(std::memory_order_relaxed) > 0;
  if (in_flight || (idle_turns < 64 && !helped)) {
    sched_yield();
    return;
  }
  constexpr std::chrono::microseconds helped_step{500};
  const auto step = helped ? helped_step
                           : idle_sleep_step(std::chrono::duration<double>(
                                                 std::chrono::steady_clock::now() - idle_since)
                                                 .count());
  std::unique_lock lock(mutex_);
  sleeping_ = true;
  wakeup_.wait_for(lock, step, [this] { return woken_; });
  sleeping_ = false;
  woken_ = false;
}

bool Transport::progress_here(Handler& handler) {
  std::unique_lock lock(turn_mutex_, std::try_to_lock);
  if (!lock.owns_lock() || stopping_.load(std::memory_order_acquire)) return false;
  const bool busy = turn(handler);
  return handler.on_helper_turn() || busy;
}

bool Transport::set_helping(bool helping) {
  if (helping == helping_thread) return helping;
  helping_thread = helping;
  // The last helper to stop hands polling back to the loop thread.
  if (helping) {
    helpers_.fetch_add(1, std::memory_order_relaxed);
  } else if (helpers_.fetch_sub(1, std::memory_order_relaxed) == 1) {
    wake();
  }
  return !helping;
}

bool Transport::post_sends(Handler& handler) {
  std::vector<std::pair<int, std::vector<std::byte>>> batches;
  std::deque<DataSend> data;
  // Set under the lock by whoever queues: seen here at the latest on the next turn.
  if (!queued_.load(std::memory_order_acquire)) return false;
  {
    std::lock_guard lock(mutex_);
    queued_.store(false, std::memory_order_relaxed);
    woken_ = false;
    data.swap(data_sends_);
    // A data header goes into the destination's batch; its buffers follow under a new tag.
    for (auto& send : data) {
      const int tag = next_tag_;
      next_tag_ = next_tag_ >= tag_limit_ ? 1 : next_tag_ + 1;
      DataHeader data{send.key, tag, send.frames.header, {}};
      data.buffer_sizes.reserve(send.frames.buffers.size());
      for (const auto& buffer : send.frames.buffers) data.buffer_sizes.push_back(buffer.size());
      batches_.append(send.dest, Kind::data, [&](WireWriter& out) { data.write(out); });
      send.key.task = static_cast<std::uint32_t>(tag);  // remember the tag for posting below
    }
    // Reports of finished tasks go to the scheduler at most every report_interval while
    // this worker has other tasks to run: the scheduler, often on a core that workers
    // share, then handles a batch of them at a time instead of waking for each.
    const bool hold = rank_ != 0 && !stopping_.load(std::memory_order_relaxed) &&
                      batches_.only_reports(0) && handler.reports_may_wait() &&
                      std::chrono::steady_clock::now() - last_report_ < report_interval;
    batches_.take(batches, hold ? 0 : -1);
    if (hold) {
      queued_.store(true, std::memory_order_relaxed);
    } else if (!batches.empty() && rank_ != 0) {
      for (const auto& batch : batches) {
        if (batch.first == 0) last_report_ = std::chrono::steady_clock::now();
      }
    }
  }
  if (batches.empty() && data.empty()) return false;
  for (auto& [dest, bytes] : batches) {
    if (dest == rank_) {
      dispatch(rank_, bytes, handler);
      continue;
    }
    MPI_Request request;
    check(MPI_Isend(bytes.data(), static_cast<int>(bytes.size()), MPI_BYTE, dest, control_tag,
                    comm_, &request),
          "MPI_Isend");
    send_requests_.push_back(request);
    sends_.push_back(Send{std::move(bytes), nullptr});
  }
  for (auto& send : data) {
    const int tag = static_cast<int>(send.key.task);
    auto keepalive = std::make_shared<DataSend>(std::move(send));
    for (const auto& buffer : keepalive->frames.buffers) {
      post_buffer_send(keepalive->dest, tag, buffer, keepalive);
    }
  }
  return true;
}

void Transport::post_buffer_send(int dest, int tag, const Buffer& buffer,
                                 const std::shared_ptr<const void>& keepalive) {
  const int pieces = pieces_of(buffer.size());
  for (int p = 0; p < pieces; ++p) {
    const auto offset = static_cast<std::size_t>(p) * max_piece;
    const auto bytes = std::min(max_piece, buffer.size() - offset);
    MPI_Request request;
    check(MPI_Isend(buffer.data() + offset, static_cast<int>(bytes), MPI_BYTE, dest, tag, comm_,
                    &request),
          "MPI_Isend");
    send_requests_.push_back(request);
    sends_.push_back(Send{{}, keepalive});
  }
}

bool Transport::receive_control(Handler& handler) {
  bool any = false;
  for (int i = 0; i < 64; ++i) {
    int flag = 0;
    MPI_Message message;
    MPI_Status status;
    check(MPI_Improbe(MPI_ANY_SOURCE, control_tag, comm_, &flag, &message, &status), "MPI_Improbe");
    if (!flag) break;
    int count = 0;
    MPI_Get_count(&status, MPI_BYTE, &count);
    std::vector<std::byte> bytes;
    if (!spare_batches_.empty()) {
      bytes = std::move(spare_batches_.back());
      spare_batches_.pop_back();
    }
    const auto size = static_cast<std::size_t>(count);
    if (bytes.size() < size) bytes.resize(size);
    check(MPI_Mrecv(bytes.data(), count, MPI_BYTE, &message, MPI_STATUS_IGNORE), "MPI_Mrecv");
    dispatch(status.MPI_SOURCE, std::span<const std::byte>(bytes).first(size), handler);
    // Kept unless it is large (a graph's specs): a few megabytes at most.
    if (bytes.size() <= (std::size_t{4} << 20) && spare_batches_.size() < 4) {
      spare_batches_.push_back(std::move(bytes));
    }
    any = true;
  }
  return any;
}

void Transport::dispatch(int source, std::span<const std::byte> batch, Handler& handler) {
  read_batch(source, batch, [&](Kind kind, WireReader& body) {
    if (kind == Kind::data) {
      receive_data(source, body, handler);
    } else {
      handler.on_message(source, kind, body);
    }
  });
}

void Transport::receive_data(int source, WireReader& body, Handler& handler) {
  auto receive = std::make_shared<Receive>();
  receive->source = source;
  const auto data = DataHeader::read(body);
  receive->key = data.key;
  const int tag = data.tag;
  receive->frames.header.assign(data.header.begin(), data.header.end());
  receive->requests_left = 0;
  for (const auto size : data.buffer_sizes) {
    auto buffer = Buffer::allocate(size);
    const int pieces = pieces_of(buffer.size());
    for (int p = 0; p < pieces; ++p) {
      const auto offset = static_cast<std::size_t>(p) * max_piece;
      const auto bytes = std::min(max_piece, buffer.size() - offset);
      MPI_Request request;
      check(MPI_Irecv(buffer.data() + offset, static_cast<int>(bytes), MPI_BYTE, source, tag, comm_,
                      &request),
            "MPI_Irecv");
      receive_requests_.push_back(request);
      receive_owner_.push_back(receive);
      ++receive->requests_left;
    }
    receive->frames.buffers.push_back(std::move(buffer));
  }
  if (receive->requests_left == 0) {
    handler.on_data(source, receive->key, std::move(receive->frames));
  }
}

bool Transport::complete_requests(Handler& handler) {
  bool any = false;
  std::vector<int> done;
  auto test = [&](std::vector<MPI_Request>& requests, auto&& on_done) {
    if (requests.empty()) return;
    done.resize(requests.size());
    int count = 0;
    check(MPI_Testsome(static_cast<int>(requests.size()), requests.data(), &count, done.data(),
                       MPI_STATUSES_IGNORE),
          "MPI_Testsome");
    if (count <= 0) return;
    any = true;
    for (int i = 0; i < count; ++i) on_done(static_cast<std::size_t>(done[i]));
  };
  test(send_requests_, [&](std::size_t i) { sends_[i] = Send{}; });
  // Completed requests are MPI_REQUEST_NULL now: drop them and what they held.
  for (std::size_t i = 0; i < send_requests_.size();) {
    if (send_requests_[i] == MPI_REQUEST_NULL) {
      send_requests_[i] = send_requests_.back();
      send_requests_.pop_back();
      sends_[i] = std::move(sends_.back());
      sends_.pop_back();
    } else {
      ++i;
    }
  }
  std::vector<std::shared_ptr<Receive>> finished;
  test(receive_requests_, [&](std::size_t i) {
    if (--receive_owner_[i]->requests_left == 0) finished.push_back(receive_owner_[i]);
  });
  for (std::size_t i = 0; i < receive_requests_.size();) {
    if (receive_requests_[i] == MPI_REQUEST_NULL) {
      receive_requests_[i] = receive_requests_.back();
      receive_requests_.pop_back();
      receive_owner_[i] = std::move(receive_owner_.back());
      receive_owner_.pop_back();
    } else {
      ++i;
    }
  }
  for (auto& receive : finished) {
    handler.on_data(receive->source, receive->key, std::move(receive->frames));
  }
  return any;
}

}  // namespace tessera::detail
