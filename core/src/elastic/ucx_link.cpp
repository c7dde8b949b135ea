#include "elastic/ucx_link.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <ucp/api/ucp.h>
#include <ucs/config/global_opts.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <thread>
#include <utility>

#include "tessera/errors.hpp"

namespace tessera::elastic {
namespace {

// Active-message ids: the caller's messages, and the empty one a connect() sends to learn that
// the connection works (the listener's side already reported the peer as joined).
constexpr unsigned kMessageId = 0;
constexpr unsigned kHelloId = 1;

using Clock = std::chrono::steady_clock;

std::string this_host() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "localhost";
  return name;
}

void check(ucs_status_t status, const std::string& what) {
  if (status != UCS_OK) throw IoError("ucx link: " + what + ": " + ucs_status_string(status));
}

sockaddr_in resolve(const std::string& address) {
  const std::size_t colon = address.rfind(':');
  unsigned port = 0;
  const char* end = address.data() + address.size();
  if (colon == std::string::npos || colon == 0 ||
      std::from_chars(address.data() + colon + 1, end, port).ptr != end || port == 0 ||
      port > 65535)
    throw ConfigError("ucx link: address '" + address +
                      "' is not \"<host>:<port>\" with a port from 1 to 65535");
  const std::string host = address.substr(0, colon);
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int rc = getaddrinfo(host.c_str(), nullptr, &hints, &found);
  if (rc != 0 || found == nullptr)
    throw IoError("ucx link: cannot resolve the host of '" + address + "': " + gai_strerror(rc));
  sockaddr_in result{};
  std::memcpy(&result, found->ai_addr, sizeof result);
  freeaddrinfo(found);
  result.sin_port = htons(static_cast<std::uint16_t>(port));
  return result;
}

}  // namespace

struct UcxLink::State {
  struct Transfer {  // a send in flight, or a message received (or still arriving)
    void* request = nullptr;
    bool done = false;  // a received message whose data is all here
    std::string bytes;
  };
  struct Peer {
    State* state = nullptr;
    PeerId id = 0;
    ucp_ep_h ep = nullptr;
    bool open = true;
    bool failed = false;  // the error handler ran; the endpoint still needs a forced close
    // Messages behind a rendezvous receive still in flight wait for it here, so that a peer's
    // messages are reported in the order it sent them.
    std::deque<std::unique_ptr<Transfer>> inbox;
  };

  ucp_context_h context = nullptr;
  ucp_worker_h worker = nullptr;
  ucp_listener_h listener = nullptr;
  std::vector<std::unique_ptr<Peer>> peers;
  std::vector<ucp_conn_request_h> joins;
  std::vector<std::unique_ptr<Transfer>> transfers;
  std::vector<void*> closing;
  std::vector<LinkEvent> events;

  Peer& add_peer() {
    peers.push_back(std::make_unique<Peer>());
    peers.back()->state = this;
    peers.back()->id = static_cast<PeerId>(peers.size() - 1);
    return *peers.back();
  }

  Peer* find(ucp_ep_h ep) {
    for (auto& peer : peers)
      if (peer->ep == ep && peer->open) return peer.get();
    return nullptr;
  }

  static void on_error(void* arg, ucp_ep_h, ucs_status_t status) {
    auto* peer = static_cast<Peer*>(arg);
    if (!peer->open) return;
    peer->open = false;
    peer->failed = true;
    peer->state->events.push_back({LinkEvent::Kind::lost, peer->id, ucs_status_string(status)});
  }

  static void on_join(ucp_conn_request_h request, void* arg) {
    static_cast<State*>(arg)->joins.push_back(request);
  }

  static ucs_status_t on_message(void* arg, const void*, size_t, void* data, size_t length,
                                 const ucp_am_recv_param_t* param) {
    auto* state = static_cast<State*>(arg);
    Peer* peer = (param->recv_attr & UCP_AM_RECV_ATTR_FIELD_REPLY_EP) != 0
                     ? state->find(param->reply_ep)
                     : nullptr;
    if (peer == nullptr) return UCS_OK;  // from an endpoint already closed here
    if ((param->recv_attr & UCP_AM_RECV_ATTR_FLAG_RNDV) == 0) {
      if (peer->inbox.empty()) {
        state->events.push_back({LinkEvent::Kind::message, peer->id,
                                 std::string(static_cast<const char*>(data), length)});
      } else {
        auto queued = std::make_unique<Transfer>();
        queued->done = true;
        queued->bytes.assign(static_cast<const char*>(data), length);
        peer->inbox.push_back(std::move(queued));
      }
      return UCS_OK;
    }
    // A large message: its data comes by rendezvous into a buffer of ours.
    auto transfer = std::make_unique<Transfer>();
    transfer->bytes.resize(length);
    ucp_request_param_t receive{};
    void* request =
        ucp_am_recv_data_nbx(state->worker, data, transfer->bytes.data(), length, &receive);
    if (UCS_PTR_IS_ERR(request)) return UCS_OK;  // the peer's error handler reports it
    transfer->request = request;
    transfer->done = request == nullptr;
    peer->inbox.push_back(std::move(transfer));
    state->deliver(*peer);
    return UCS_OK;
  }

  // Reports the peer's received messages that are complete, in order, up to the first that
  // is still arriving.
  void deliver(Peer& peer) {
    while (!peer.inbox.empty()) {
      Transfer& front = *peer.inbox.front();
      if (!front.done) {
        const ucs_status_t status = ucp_request_check_status(front.request);
        if (status == UCS_INPROGRESS) return;
        ucp_request_free(front.request);
        front.request = nullptr;
        if (status != UCS_OK) {  // the peer's error handler reports it
          peer.inbox.clear();
          return;
        }
        front.done = true;
      }
      events.push_back({LinkEvent::Kind::message, peer.id, std::move(front.bytes)});
      peer.inbox.pop_front();
    }
  }

  static ucs_status_t on_hello(void*, const void*, size_t, void*, size_t,
                               const ucp_am_recv_param_t*) {
    return UCS_OK;
  }

  void finish_or_keep(std::unique_ptr<Transfer> transfer) {  // a send
    if (transfer->request == nullptr) return;
    const ucs_status_t status = ucp_request_check_status(transfer->request);
    if (status == UCS_INPROGRESS) {
      transfers.push_back(std::move(transfer));
      return;
    }
    ucp_request_free(transfer->request);  // failed sends: the peer's error handler reports it
  }

  void set_handler(unsigned id, ucp_am_recv_callback_t callback) {
    ucp_am_handler_param_t handler{};
    handler.field_mask = UCP_AM_HANDLER_PARAM_FIELD_ID | UCP_AM_HANDLER_PARAM_FIELD_CB |
                         UCP_AM_HANDLER_PARAM_FIELD_ARG;
    handler.id = id;
    handler.cb = callback;
    handler.arg = this;
    check(ucp_worker_set_am_recv_handler(worker, &handler), "ucp_worker_set_am_recv_handler");
  }

  ucp_ep_params_t endpoint_params(Peer& peer) {
    ucp_ep_params_t params{};
    params.field_mask = UCP_EP_PARAM_FIELD_ERR_HANDLER | UCP_EP_PARAM_FIELD_ERR_HANDLING_MODE;
    params.err_mode = UCP_ERR_HANDLING_MODE_PEER;
    params.err_handler.cb = on_error;
    params.err_handler.arg = &peer;
    return params;
  }

  void* send(Peer& peer, unsigned id, const void* data, std::size_t size) {
    ucp_request_param_t param{};
    param.op_attr_mask = UCP_OP_ATTR_FIELD_FLAGS;
    param.flags = UCP_AM_SEND_FLAG_REPLY;  // so the receiver learns which endpoint it came from
    return ucp_am_send_nbx(peer.ep, id, nullptr, 0, data, size, &param);
  }

  void close_endpoint(Peer& peer, bool force) {
    if (peer.ep == nullptr) return;
    ucp_request_param_t param{};
    param.op_attr_mask = UCP_OP_ATTR_FIELD_FLAGS;
    param.flags = force ? UCP_EP_CLOSE_FLAG_FORCE : 0;
    void* request = ucp_ep_close_nbx(peer.ep, &param);
    peer.ep = nullptr;
    if (request != nullptr && !UCS_PTR_IS_ERR(request)) closing.push_back(request);
  }

  // One round of progress; returns whether UCX did anything.
  bool step() {
    bool busy = ucp_worker_progress(worker) != 0;
    while (!joins.empty()) {
      Peer& peer = add_peer();
      ucp_ep_params_t params = endpoint_params(peer);
      params.field_mask |= UCP_EP_PARAM_FIELD_CONN_REQUEST;
      params.conn_request = joins.front();
      joins.erase(joins.begin());
      if (ucp_ep_create(worker, &params, &peer.ep) != UCS_OK) {
        peer.open = false;
        continue;
      }
      events.push_back({LinkEvent::Kind::joined, peer.id, {}});
      busy = true;
    }
    for (auto& peer : peers)
      if (peer->failed) {
        peer->failed = false;
        close_endpoint(*peer, true);
      }
    std::vector<std::unique_ptr<Transfer>> in_flight;
    in_flight.swap(transfers);
    for (auto& transfer : in_flight) finish_or_keep(std::move(transfer));
    for (auto& peer : peers) deliver(*peer);
    std::erase_if(closing, [](void* request) {
      if (ucp_request_check_status(request) == UCS_INPROGRESS) return false;
      ucp_request_free(request);
      return true;
    });
    return busy;
  }
};

UcxLink::UcxLink() : state_(std::make_unique<State>()) {
  // A peer that left makes UCX log connection errors that this link reports its own way
  // (lost events, exceptions naming the address); a UCX_LOG_LEVEL the user set wins. UCX
  // read its environment when it was loaded, so its options are changed in place.
  if (std::getenv("UCX_LOG_LEVEL") == nullptr) {
    ucs_global_opts.log_component.log_level = UCS_LOG_LEVEL_FATAL;
  }
  ucp_params_t params{};
  params.field_mask = UCP_PARAM_FIELD_FEATURES;
  params.features = UCP_FEATURE_AM;
  check(ucp_init(&params, nullptr, &state_->context), "ucp_init");
  ucp_worker_params_t worker{};
  worker.field_mask = UCP_WORKER_PARAM_FIELD_THREAD_MODE;
  worker.thread_mode = UCS_THREAD_MODE_SINGLE;
  const ucs_status_t status = ucp_worker_create(state_->context, &worker, &state_->worker);
  if (status != UCS_OK) {
    ucp_cleanup(state_->context);
    check(status, "ucp_worker_create");
  }
  state_->set_handler(kMessageId, State::on_message);
  state_->set_handler(kHelloId, State::on_hello);
}

UcxLink::~UcxLink() {
  // Connections that work are flushed first, so that the last messages (a goodbye) arrive;
  // broken ones are closed at once.
  for (auto& peer : state_->peers) {
    state_->close_endpoint(*peer, !peer->open || peer->failed);
    peer->open = false;
  }
  // Wait for the closes, bounded. A close still flushing to a peer that does not answer is
  // released unfinished: the worker's destruction ends it, and the buffers it may touch live
  // until after that.
  const auto deadline = Clock::now() + std::chrono::seconds(1);
  while ((!state_->closing.empty() || !state_->transfers.empty()) && Clock::now() < deadline)
    state_->step();
  for (void* request : state_->closing) ucp_request_free(request);
  for (auto& transfer : state_->transfers)
    if (transfer->request != nullptr) ucp_request_free(transfer->request);
  for (auto& peer : state_->peers)
    for (auto& transfer : peer->inbox)
      if (transfer->request != nullptr) ucp_request_free(transfer->request);
  if (state_->listener != nullptr) ucp_listener_destroy(state_->listener);
  ucp_worker_destroy(state_->worker);
  ucp_cleanup(state_->context);
}

std::string UcxLink::listen(std::uint16_t port) {
  if (state_->listener != nullptr) throw Error("ucx link: listen() called twice");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_ANY);
  address.sin_port = htons(port);
  ucp_listener_params_t params{};
  params.field_mask = UCP_LISTENER_PARAM_FIELD_SOCK_ADDR | UCP_LISTENER_PARAM_FIELD_CONN_HANDLER;
  params.sockaddr.addr = reinterpret_cast<const sockaddr*>(&address);
  params.sockaddr.addrlen = sizeof address;
  params.conn_handler.cb = State::on_join;
  params.conn_handler.arg = state_.get();
  const ucs_status_t status = ucp_listener_create(state_->worker, &params, &state_->listener);
  if (status != UCS_OK) {
    state_->listener = nullptr;
    throw IoError("ucx link: cannot listen on port " + std::to_string(port) + ": " +
                  ucs_status_string(status));
  }
  ucp_listener_attr_t attr{};
  attr.field_mask = UCP_LISTENER_ATTR_FIELD_SOCKADDR;
  check(ucp_listener_query(state_->listener, &attr), "ucp_listener_query");
  const auto* bound = reinterpret_cast<const sockaddr_in*>(&attr.sockaddr);
  return this_host() + ":" + std::to_string(ntohs(bound->sin_port));
}

PeerId UcxLink::connect(const std::string& address, std::chrono::milliseconds timeout) {
  const sockaddr_in target = resolve(address);
  State::Peer& peer = state_->add_peer();
  ucp_ep_params_t params = state_->endpoint_params(peer);
  params.field_mask |= UCP_EP_PARAM_FIELD_FLAGS | UCP_EP_PARAM_FIELD_SOCK_ADDR;
  params.flags = UCP_EP_PARAMS_FLAGS_CLIENT_SERVER;
  params.sockaddr.addr = reinterpret_cast<const sockaddr*>(&target);
  params.sockaddr.addrlen = sizeof target;
  const ucs_status_t created = ucp_ep_create(state_->worker, &params, &peer.ep);
  if (created != UCS_OK) {
    peer.open = false;
    peer.ep = nullptr;
    throw IoError("ucx link: cannot connect to '" + address + "': " + ucs_status_string(created));
  }
  // The connection is up once a message has gone through it.
  void* request = state_->send(peer, kHelloId, nullptr, 0);
  ucs_status_t status = UCS_PTR_IS_ERR(request) ? UCS_PTR_STATUS(request) : UCS_OK;
  const auto deadline = Clock::now() + timeout;
  while (request != nullptr && !UCS_PTR_IS_ERR(request)) {
    state_->step();
    status = ucp_request_check_status(request);
    if (status != UCS_INPROGRESS) {
      ucp_request_free(request);
      break;
    }
    if (!peer.open || Clock::now() >= deadline) {
      status = peer.open ? UCS_ERR_TIMED_OUT : UCS_ERR_UNREACHABLE;
      peer.open = false;
      state_->close_endpoint(peer, true);  // completes the request, with an error
      const auto limit = Clock::now() + std::chrono::seconds(1);
      while (ucp_request_check_status(request) == UCS_INPROGRESS && Clock::now() < limit)
        state_->step();
      ucp_request_free(request);
      break;
    }
  }
  if (status == UCS_OK && peer.open) return peer.id;
  // A failed connect is an exception, not a `lost` event as well.
  std::string reason = ucs_status_string(status);
  std::erase_if(state_->events, [&](const LinkEvent& event) {
    if (event.peer != peer.id || event.kind != LinkEvent::Kind::lost) return false;
    reason = event.payload;
    return true;
  });
  peer.open = false;
  peer.failed = false;
  state_->close_endpoint(peer, true);
  if (status == UCS_ERR_TIMED_OUT)
    throw IoError("ucx link: no connection to '" + address + "' within " +
                  std::to_string(timeout.count()) + " ms (is a scheduler listening there?)");
  throw IoError("ucx link: cannot connect to '" + address + "': " + reason);
}

void UcxLink::send(PeerId peer, std::string message) {
  if (peer >= state_->peers.size())
    throw Error("ucx link: no peer " + std::to_string(peer) + " (this link has " +
                std::to_string(state_->peers.size()) + ")");
  State::Peer& target = *state_->peers[peer];
  if (!target.open) return;
  auto transfer = std::make_unique<State::Transfer>();
  transfer->bytes = std::move(message);
  void* request = state_->send(target, kMessageId, transfer->bytes.data(), transfer->bytes.size());
  if (request == nullptr || UCS_PTR_IS_ERR(request)) return;  // sent, or the peer is lost
  transfer->request = request;
  state_->transfers.push_back(std::move(transfer));
}

std::vector<LinkEvent> UcxLink::poll(std::chrono::milliseconds wait) {
  const auto deadline = Clock::now() + wait;
  while (true) {
    const bool busy = state_->step();
    if (!state_->events.empty() || Clock::now() >= deadline) break;
    if (!busy) std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
  return std::exchange(state_->events, {});
}

void UcxLink::close(PeerId peer) {
  if (peer >= state_->peers.size()) return;
  State::Peer& target = *state_->peers[peer];
  const bool failed = target.failed;
  target.open = false;
  target.failed = false;
  state_->close_endpoint(target, failed);
}

std::size_t UcxLink::sends_in_flight() const noexcept { return state_->transfers.size(); }

bool UcxLink::connected(PeerId peer) const {
  return peer < state_->peers.size() && state_->peers[peer]->open;
}

}  // namespace tessera::elastic
