// Question (d): the same link over UCX (UCP tags, client/server connection by sockaddr).
//   server: tessera_probe_ucx server --port-file F [--pingpong] [--clients N] [--seconds S]
//           [--wait S]
//     Listens on a TCP port of this host (written to F as "ip:port"), accepts client
//     processes at any time, and every 10 ms sends a heartbeat to each live client, expecting
//     its reply within --wait seconds. Every endpoint uses UCP_ERR_HANDLING_MODE_PEER; the
//     error handler and any failed request print one JSON line with the time.
//     --pingpong: instead, ping-pong 8 B .. 64 MiB with the first client.
//   client: tessera_probe_ucx client --port-file F [--pingpong] [--after K --signal KILL|STOP]
//           [--lanes]  (prints the endpoint's lanes: the transports UCX picked)
// The transports are UCX's choice (UCX_TLS=tcp, UCX_TLS=tcp,posix,cma ... to pick them).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <ucp/api/ucp.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "probe_common.hpp"

namespace {

constexpr ucp_tag_t kFull = ~ucp_tag_t{0};
constexpr ucp_tag_t kWelcome = 1ULL << 60;
constexpr ucp_tag_t kPing = 2ULL << 60;
constexpr ucp_tag_t kPong = 3ULL << 60;

double wall() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void check(ucs_status_t status, const char* what) {
  if (status != UCS_OK)
    throw std::runtime_error(std::string(what) + ": " + ucs_status_string(status));
}

struct Peer {
  ucp_ep_h ep = nullptr;
  int index = 0;
  bool alive = true;
  double failed_at = 0;
};

struct Context {
  ucp_context_h context = nullptr;
  ucp_worker_h worker = nullptr;
  std::vector<ucp_conn_request_h> pending;  // connection requests not yet turned into eps
  std::vector<Peer*> peers;
};

void on_error(void* arg, ucp_ep_h, ucs_status_t status) {
  auto* peer = static_cast<Peer*>(arg);
  if (!peer->alive) return;
  peer->alive = false;
  peer->failed_at = wall();
  probe::emit("{\"role\":\"server\",\"event\":\"ep_error_handler\",\"client\":" +
              std::to_string(peer->index) + ",\"status\":\"" + ucs_status_string(status) +
              "\",\"at\":" + std::to_string(peer->failed_at) + "}");
}

void on_connection(ucp_conn_request_h request, void* arg) {
  static_cast<Context*>(arg)->pending.push_back(request);
}

void start(Context& c) {
  ucp_params_t params{};
  params.field_mask = UCP_PARAM_FIELD_FEATURES;
  params.features = UCP_FEATURE_TAG;
  check(ucp_init(&params, nullptr, &c.context), "ucp_init");
  ucp_worker_params_t worker{};
  worker.field_mask = UCP_WORKER_PARAM_FIELD_THREAD_MODE;
  worker.thread_mode = UCS_THREAD_MODE_SINGLE;
  check(ucp_worker_create(c.context, &worker, &c.worker), "ucp_worker_create");
}

// Drives a request to completion or until the deadline; returns its final status
// (UCS_ERR_TIMED_OUT when the deadline passed, the request then cancelled).
ucs_status_t finish(Context& c, void* request, double deadline) {
  if (request == nullptr) return UCS_OK;
  if (UCS_PTR_IS_ERR(request)) return UCS_PTR_STATUS(request);
  ucs_status_t status;
  while ((status = ucp_request_check_status(request)) == UCS_INPROGRESS) {
    ucp_worker_progress(c.worker);
    if (probe::now() > deadline) {
      ucp_request_cancel(c.worker, request);
      while (ucp_request_check_status(request) == UCS_INPROGRESS) ucp_worker_progress(c.worker);
      ucp_request_free(request);
      return UCS_ERR_TIMED_OUT;
    }
  }
  ucp_request_free(request);
  return status;
}

void* send(ucp_ep_h ep, const void* data, std::size_t size, ucp_tag_t tag) {
  ucp_request_param_t param{};
  return ucp_tag_send_nbx(ep, data, size, tag, &param);
}

void* receive(Context& c, void* data, std::size_t size, ucp_tag_t tag) {
  ucp_request_param_t param{};
  return ucp_tag_recv_nbx(c.worker, data, size, tag, kFull, &param);
}

Peer* accept_pending(Context& c) {
  if (c.pending.empty()) return nullptr;
  auto* peer = new Peer;
  peer->index = static_cast<int>(c.peers.size());
  ucp_ep_params_t params{};
  params.field_mask = UCP_EP_PARAM_FIELD_CONN_REQUEST | UCP_EP_PARAM_FIELD_ERR_HANDLER |
                      UCP_EP_PARAM_FIELD_ERR_HANDLING_MODE;
  params.conn_request = c.pending.front();
  params.err_mode = UCP_ERR_HANDLING_MODE_PEER;
  params.err_handler.cb = on_error;
  params.err_handler.arg = peer;
  c.pending.erase(c.pending.begin());
  check(ucp_ep_create(c.worker, &params, &peer->ep), "ucp_ep_create (server)");
  c.peers.push_back(peer);
  const std::uint64_t index = static_cast<std::uint64_t>(peer->index);
  check(finish(c, send(peer->ep, &index, sizeof index, kWelcome), probe::now() + 5), "welcome");
  probe::emit(
      "{\"role\":\"server\",\"event\":\"accept\",\"client\":" + std::to_string(peer->index) + "}");
  return peer;
}

void pingpong(Context& c, ucp_ep_h ep, std::uint64_t index, bool leader, std::size_t largest) {
  std::vector<char> buffer(largest, 1);
  for (const std::size_t size : probe::message_sizes(largest)) {
    const int trips = probe::round_trips(size);
    for (int warm = 0; warm < 2; ++warm) {
      const int n = warm == 0 ? 1 : trips;
      const double t0 = probe::now();
      for (int i = 0; i < n; ++i) {
        const double deadline = probe::now() + 10;
        if (leader) {
          void* r = receive(c, buffer.data(), size, kPong | index);
          check(finish(c, send(ep, buffer.data(), size, kPing | index), deadline), "ping");
          check(finish(c, r, deadline), "pong");
        } else {
          check(finish(c, receive(c, buffer.data(), size, kPing | index), deadline), "ping");
          check(finish(c, send(ep, buffer.data(), size, kPong | index), deadline), "pong");
        }
      }
      const double half = (probe::now() - t0) / n / 2;
      if (warm == 1 && leader) {
        std::string line = "{\"probe\":\"pingpong\",\"transport\":\"ucx\",\"link\":\"";
        line += "client-server\",\"bytes\":" + std::to_string(size);
        line += ",\"round_trips\":" + std::to_string(trips);
        line += ",\"latency_us\":" + std::to_string(half * 1e6);
        line += ",\"bandwidth_MBps\":" + std::to_string(size / half / 1e6) + "}";
        probe::emit(line);
      }
    }
  }
}

int run_server(const probe::Args& args) {
  Context c;
  start(c);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_ANY);
  address.sin_port = 0;  // any free port; the file says which
  ucp_listener_params_t params{};
  params.field_mask = UCP_LISTENER_PARAM_FIELD_SOCK_ADDR | UCP_LISTENER_PARAM_FIELD_CONN_HANDLER;
  params.sockaddr.addr = reinterpret_cast<const sockaddr*>(&address);
  params.sockaddr.addrlen = sizeof address;
  params.conn_handler.cb = on_connection;
  params.conn_handler.arg = &c;
  ucp_listener_h listener;
  check(ucp_listener_create(c.worker, &params, &listener), "ucp_listener_create");
  ucp_listener_attr_t attr{};
  attr.field_mask = UCP_LISTENER_ATTR_FIELD_SOCKADDR;
  check(ucp_listener_query(listener, &attr), "ucp_listener_query");
  const int port = ntohs(reinterpret_cast<const sockaddr_in*>(&attr.sockaddr)->sin_port);
  probe::write_file_atomically(args.text("--port-file", "port"),
                               "127.0.0.1:" + std::to_string(port));

  const int clients = static_cast<int>(args.number("--clients", 1));
  if (args.flag("--pingpong")) {
    const double deadline = probe::now() + 20;
    while (c.peers.empty() && probe::now() < deadline) {
      ucp_worker_progress(c.worker);
      accept_pending(c);
    }
    if (c.peers.empty()) throw std::runtime_error("no client connected within 20 s");
    pingpong(c, c.peers[0]->ep, 0, true,
             static_cast<std::size_t>(args.number("--largest", 64L << 20)));
  } else {
    const double seconds = static_cast<double>(args.number("--seconds", 4));
    const double wait_s = static_cast<double>(args.number("--wait", 2));
    const double end = probe::now() + seconds;
    std::uint64_t round = 0;
    while (probe::now() < end || static_cast<int>(c.peers.size()) < clients) {
      if (probe::now() > end + 20) throw std::runtime_error("clients missing after 20 s");
      ucp_worker_progress(c.worker);
      accept_pending(c);
      for (Peer* peer : c.peers) {
        if (!peer->alive) continue;
        const ucp_tag_t index = static_cast<ucp_tag_t>(peer->index);
        std::uint64_t pong = 0;
        const double t0 = probe::now();
        void* r = receive(c, &pong, sizeof pong, kPong | index);
        ucs_status_t status =
            finish(c, send(peer->ep, &round, sizeof round, kPing | index), t0 + wait_s);
        const char* call = "ucp_tag_send_nbx";
        if (status == UCS_OK) {
          status = finish(c, r, t0 + wait_s);
          call = "ucp_tag_recv_nbx";
        } else {
          finish(c, r, probe::now());  // cancels the receive
        }
        if (status != UCS_OK && peer->alive) {
          peer->alive = false;
          probe::emit("{\"role\":\"server\",\"event\":\"failure\",\"client\":" +
                      std::to_string(peer->index) + ",\"call\":\"" + call + "\",\"status\":\"" +
                      ucs_status_string(status) +
                      "\",\"seconds_in_call\":" + std::to_string(probe::now() - t0) +
                      ",\"at\":" + std::to_string(wall()) + "}");
        } else if (status != UCS_OK) {
          probe::emit(
              "{\"role\":\"server\",\"event\":\"request_failed_after_handler\","
              "\"client\":" +
              std::to_string(peer->index) + ",\"status\":\"" + ucs_status_string(status) + "\"}");
        }
      }
      ++round;
      usleep(10000);
    }
    std::string live;
    for (Peer* peer : c.peers) {
      if (!live.empty()) live += ',';
      live += peer->alive ? "true" : "false";
    }
    probe::emit("{\"role\":\"server\",\"event\":\"rounds_done\",\"rounds\":" +
                std::to_string(round) + ",\"alive\":[" + live + "]}");
    // The live clients get a stop (round ~0) and every endpoint is closed.
    const std::uint64_t stop = ~std::uint64_t{0};
    for (Peer* peer : c.peers)
      if (peer->alive)
        finish(c, send(peer->ep, &stop, sizeof stop, kPing | static_cast<ucp_tag_t>(peer->index)),
               probe::now() + 2);
  }
  for (Peer* peer : c.peers) {
    ucp_request_param_t param{};
    param.op_attr_mask = UCP_OP_ATTR_FIELD_FLAGS;
    param.flags = peer->alive ? 0 : UCP_EP_CLOSE_FLAG_FORCE;
    finish(c, ucp_ep_close_nbx(peer->ep, &param), probe::now() + 2);
    delete peer;
  }
  ucp_listener_destroy(listener);
  ucp_worker_destroy(c.worker);
  ucp_cleanup(c.context);
  probe::emit("{\"role\":\"server\",\"event\":\"end\"}");
  return 0;
}

int run_client(const probe::Args& args) {
  Context c;
  start(c);
  const std::string where = probe::wait_for_file(args.text("--port-file", "port"), 20);
  const std::size_t colon = where.rfind(':');
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(std::stoi(where.substr(colon + 1))));
  inet_pton(AF_INET, where.substr(0, colon).c_str(), &address.sin_addr);
  Peer server;
  ucp_ep_params_t params{};
  params.field_mask = UCP_EP_PARAM_FIELD_FLAGS | UCP_EP_PARAM_FIELD_SOCK_ADDR |
                      UCP_EP_PARAM_FIELD_ERR_HANDLER | UCP_EP_PARAM_FIELD_ERR_HANDLING_MODE;
  params.flags = UCP_EP_PARAMS_FLAGS_CLIENT_SERVER;
  params.sockaddr.addr = reinterpret_cast<const sockaddr*>(&address);
  params.sockaddr.addrlen = sizeof address;
  params.err_mode = UCP_ERR_HANDLING_MODE_PEER;
  params.err_handler.cb = on_error;
  params.err_handler.arg = &server;
  const double t0 = probe::now();
  check(ucp_ep_create(c.worker, &params, &server.ep), "ucp_ep_create (client)");
  std::uint64_t index = 0;
  check(finish(c, receive(c, &index, sizeof index, kWelcome), probe::now() + 10), "welcome");
  probe::emit("{\"role\":\"client\",\"event\":\"connected\",\"client\":" + std::to_string(index) +
              ",\"pid\":" + std::to_string(getpid()) +
              ",\"seconds\":" + std::to_string(probe::now() - t0) + "}");
  if (args.flag("--lanes")) ucp_ep_print_info(server.ep, stderr);  // the transports chosen
  if (args.flag("--pingpong")) {
    pingpong(c, server.ep, index, false,
             static_cast<std::size_t>(args.number("--largest", 64L << 20)));
  } else {
    const long after = args.number("--after", -1);
    const int signal = args.text("--signal", "KILL") == "STOP" ? SIGSTOP : SIGKILL;
    for (long pongs = 0;; ++pongs) {
      if (pongs == after) {
        probe::emit(
            "{\"role\":\"client\",\"event\":\"signal\",\"client\":" + std::to_string(index) +
            ",\"pid\":" + std::to_string(getpid()) + ",\"signal\":\"" +
            args.text("--signal", "KILL") + "\",\"at\":" + std::to_string(wall()) + "}");
        raise(signal);
      }
      std::uint64_t ping = 0;
      check(finish(c, receive(c, &ping, sizeof ping, kPing | index), probe::now() + 30),
            "heartbeat");
      if (ping == ~std::uint64_t{0}) break;
      check(finish(c, send(server.ep, &ping, sizeof ping, kPong | index), probe::now() + 30),
            "reply");
    }
  }
  ucp_request_param_t param{};
  finish(c, ucp_ep_close_nbx(server.ep, &param), probe::now() + 2);
  ucp_worker_destroy(c.worker);
  ucp_cleanup(c.context);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const probe::Args args(argc, argv);
  try {
    if (args.role() == "server") return run_server(args);
    if (args.role() == "client") return run_client(args);
    std::fprintf(stderr, "usage: %s server|client --port-file F [--pingpong] ...\n", argv[0]);
    return 2;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "probe_ucx: %s\n", error.what());
    return 1;
  }
}
