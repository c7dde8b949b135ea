// Question (c): what does a server see when a process of a connected client job dies
// (SIGKILL) or stops (SIGSTOP) mid-exchange, and can it carry on?
//   server: tessera_probe_fault server --port-file F [--clients N] [--rounds R]
//           [--wait S] [--leave disconnect|free|keep]
//     Accepts N client jobs one after another. With each, it runs R rounds of heartbeats
//     (MPI_Isend a ping to every live client rank, MPI_Irecv its pong, MPI_Test until done
//     or S seconds pass), with MPI_ERRORS_RETURN everywhere, and prints one JSON line per
//     failure: the call that failed, its error string or "timeout", and the seconds since
//     the victim's signal. Then it leaves the intercommunicator as --leave says and accepts
//     the next job, so a line "accept" for client 1 shows it carried on.
//   client: tessera_probe_fault client --port-file F [--victim RANK --after K --signal KILL|STOP]
//     Answers pings; the victim rank raises the signal after K pongs.
// A watchdog thread prints what the server is blocked in every 2 s, so hangs are visible.
#include <mpi.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "probe_common.hpp"

namespace {

constexpr int kPingTag = 7;

double wall() {  // seconds since the epoch: comparable between processes
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string error_text(int rc) {
  char text[MPI_MAX_ERROR_STRING] = {};
  int length = 0;
  MPI_Error_string(rc, text, &length);
  return std::string(text, static_cast<std::size_t>(length));
}

std::atomic<const char*> g_step{"start"};
std::atomic<double> g_step_since{0};
void step(const char* name) {
  g_step_since = probe::now();
  g_step = name;
}

void watchdog() {
  while (true) {
    std::this_thread::sleep_for(std::chrono::seconds(2));
    const double stuck = probe::now() - g_step_since;
    if (stuck > 2) {
      std::string line = "{\"role\":\"server\",\"event\":\"still_in\",\"step\":\"";
      line += g_step.load();
      line += "\",\"seconds\":" + std::to_string(stuck) + "}";
      probe::emit(line);
    }
  }
}

struct Failure {
  std::string call;
  std::string error;
};

// One heartbeat to remote rank r; returns an empty call on success.
Failure heartbeat(MPI_Comm inter, int r, int round, double wait_s) {
  int pong = -1;
  MPI_Request requests[2];
  int rc = MPI_Isend(&round, 1, MPI_INT, r, kPingTag, inter, &requests[0]);
  if (rc != MPI_SUCCESS) return {"MPI_Isend", error_text(rc)};
  rc = MPI_Irecv(&pong, 1, MPI_INT, r, kPingTag, inter, &requests[1]);
  if (rc != MPI_SUCCESS) return {"MPI_Irecv", error_text(rc)};
  const double deadline = probe::now() + wait_s;
  int done = 0;
  while (!done) {
    rc = MPI_Testall(2, requests, &done, MPI_STATUSES_IGNORE);
    if (rc != MPI_SUCCESS) return {"MPI_Testall", error_text(rc)};
    if (!done && probe::now() > deadline) {
      // The requests stay pending; MPI_Cancel on the receive is allowed, on the send it is
      // deprecated but still what a scheduler would try.
      MPI_Cancel(&requests[1]);
      return {"MPI_Testall", "timeout"};
    }
    if (!done) usleep(100);
  }
  return pong == round ? Failure{} : Failure{"MPI_Irecv", "wrong pong"};
}

int run_server(const probe::Args& args) {
  std::thread(watchdog).detach();
  const int clients = static_cast<int>(args.number("--clients", 1));
  const int rounds = static_cast<int>(args.number("--rounds", 300));
  const double wait_s = static_cast<double>(args.number("--wait", 5));
  const std::string leave = args.text("--leave", "disconnect");
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
  char port[MPI_MAX_PORT_NAME] = {};
  MPI_Open_port(MPI_INFO_NULL, port);
  probe::write_file_atomically(args.text("--port-file", "port"), port);
  for (int c = 0; c < clients; ++c) {
    MPI_Comm inter;
    step("MPI_Comm_accept");
    const int accepted = MPI_Comm_accept(port, MPI_INFO_NULL, 0, MPI_COMM_SELF, &inter);
    probe::emit("{\"role\":\"server\",\"event\":\"accept\",\"client\":" + std::to_string(c) +
                ",\"rc\":" + std::to_string(accepted) + "}");
    if (accepted != MPI_SUCCESS) return 1;
    MPI_Comm_set_errhandler(inter, MPI_ERRORS_RETURN);
    int remote = 0;
    MPI_Comm_remote_size(inter, &remote);
    std::vector<bool> alive(static_cast<std::size_t>(remote), true);
    int pongs = 0;
    for (int round = 0; round < rounds; ++round) {
      for (int r = 0; r < remote; ++r) {
        if (!alive[static_cast<std::size_t>(r)]) continue;
        step("heartbeat");
        const double t0 = probe::now();
        const Failure failure = heartbeat(inter, r, round, wait_s);
        if (failure.call.empty()) {
          ++pongs;
          continue;
        }
        alive[static_cast<std::size_t>(r)] = false;
        std::string line = "{\"role\":\"server\",\"event\":\"failure\",\"client\":";
        line += std::to_string(c) + ",\"rank\":" + std::to_string(r);
        line += ",\"round\":" + std::to_string(round) + ",\"call\":\"" + failure.call;
        line += "\",\"error\":\"" + failure.error + "\",\"seconds_in_call\":";
        line += std::to_string(probe::now() - t0) + ",\"detected_at\":";
        line += std::to_string(wall()) + "}";
        probe::emit(line);
      }
      usleep(10000);
    }
    int live = 0;
    for (int r = 0; r < remote; ++r) {
      if (!alive[static_cast<std::size_t>(r)]) continue;
      ++live;
      int stop = -1;
      MPI_Send(&stop, 1, MPI_INT, r, kPingTag, inter);
    }
    probe::emit("{\"role\":\"server\",\"event\":\"rounds_done\",\"client\":" + std::to_string(c) +
                ",\"pongs\":" + std::to_string(pongs) + ",\"live_ranks\":" + std::to_string(live) +
                "}");
    const double t0 = probe::now();
    int rc = MPI_SUCCESS;
    if (leave == "disconnect") {
      step("MPI_Comm_disconnect");
      rc = MPI_Comm_disconnect(&inter);
    } else if (leave == "free") {
      step("MPI_Comm_free");
      rc = MPI_Comm_free(&inter);
    }
    probe::emit("{\"role\":\"server\",\"event\":\"left\",\"how\":\"" + leave + "\",\"rc\":" +
                std::to_string(rc) + ",\"seconds\":" + std::to_string(probe::now() - t0) + "}");
  }
  MPI_Close_port(port);
  probe::emit("{\"role\":\"server\",\"event\":\"end\"}");
  step("MPI_Finalize");
  return 0;
}

int run_client(const probe::Args& args) {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  char port[MPI_MAX_PORT_NAME] = {};
  if (rank == 0)
    std::strncpy(port, probe::wait_for_file(args.text("--port-file", "port"), 20).c_str(),
                 MPI_MAX_PORT_NAME - 1);
  MPI_Comm inter;
  MPI_Comm_connect(port, MPI_INFO_NULL, 0, MPI_COMM_WORLD, &inter);
  probe::emit("{\"role\":\"client\",\"event\":\"connected\",\"rank\":" + std::to_string(rank) +
              ",\"pid\":" + std::to_string(getpid()) + "}");
  const int victim = static_cast<int>(args.number("--victim", -1));
  const long after = args.number("--after", 50);
  const int signal = args.text("--signal", "KILL") == "STOP" ? SIGSTOP : SIGKILL;
  for (long pongs = 0;; ++pongs) {
    if (rank == victim && pongs == after) {
      probe::emit("{\"role\":\"client\",\"event\":\"signal\",\"rank\":" + std::to_string(rank) +
                  ",\"pid\":" + std::to_string(getpid()) + ",\"signal\":\"" +
                  args.text("--signal", "KILL") + "\",\"at\":" + std::to_string(wall()) + "}");
      raise(signal);
    }
    int ping = 0;
    MPI_Recv(&ping, 1, MPI_INT, 0, kPingTag, inter, MPI_STATUS_IGNORE);
    if (ping < 0) break;
    MPI_Send(&ping, 1, MPI_INT, 0, kPingTag, inter);
  }
  MPI_Comm_disconnect(&inter);
  probe::emit("{\"role\":\"client\",\"event\":\"end\",\"rank\":" + std::to_string(rank) + "}");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  const probe::Args args(argc, argv);
  int rc = 2;
  try {
    if (args.role() == "server")
      rc = run_server(args);
    else if (args.role() == "client")
      rc = run_client(args);
    else
      std::fprintf(stderr, "usage: %s server|client --port-file F ...\n", argv[0]);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "probe_fault: %s\n", error.what());
    rc = 1;
  }
  MPI_Finalize();
  return rc;
}
