// Question (a): can independently started MPI jobs join a running server?
//
//   server: MPI_Open_port, then MPI_Publish_name (--publish NAME, needs ompi-server) or the
//           port string in a file (--port-file F), then MPI_Comm_accept --clients times.
//   client: MPI_Lookup_name or the file, then MPI_Comm_connect over its MPI_COMM_WORLD.
//   --merge: both sides MPI_Intercomm_merge and check an Allreduce over the merged group.
//   --peer-open F / --peer-join F: after joining the server, a client job opens a second
//           port (written to F) or connects to it, and the two client jobs exchange a message
//           directly (client <-> client, not through the server).
// Every step prints one JSON line; see README.md for the commands.
#include <mpi.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "probe_common.hpp"

namespace {

constexpr int kHelloTag = 1;
constexpr int kDoneTag = 2;

std::string job_label(const char* role, int rank) {
  std::string label = "{\"role\":\"";
  label += role;
  label += "\",\"rank\":" + std::to_string(rank) + ",\"pid\":" + std::to_string(getpid());
  return label;
}

int merged_check(MPI_Comm inter, bool high, const char* role, int rank) {
  MPI_Comm merged;
  const double t0 = probe::now();
  MPI_Intercomm_merge(inter, high ? 1 : 0, &merged);
  int size = 0, merged_rank = 0, one = 1, total = 0;
  MPI_Comm_size(merged, &size);
  MPI_Comm_rank(merged, &merged_rank);
  MPI_Allreduce(&one, &total, 1, MPI_INT, MPI_SUM, merged);
  std::string line = job_label(role, rank);
  line += ",\"step\":\"merge\",\"merged_size\":" + std::to_string(size) +
          ",\"merged_rank\":" + std::to_string(merged_rank) +
          ",\"allreduce\":" + std::to_string(total) +
          ",\"seconds\":" + std::to_string(probe::now() - t0) + "}";
  probe::emit(line);
  MPI_Comm_free(&merged);
  return total == size ? 0 : 1;
}

int run_server(const probe::Args& args) {
  const int clients = static_cast<int>(args.number("--clients", 1));
  const std::string name = args.text("--publish", "");
  const std::string port_file = args.text("--port-file", "");
  const bool merge = args.flag("--merge");
  char port[MPI_MAX_PORT_NAME] = {};
  MPI_Open_port(MPI_INFO_NULL, port);
  if (!name.empty()) {
    const double t0 = probe::now();
    const int rc = MPI_Publish_name(name.c_str(), MPI_INFO_NULL, port);
    probe::emit(job_label("server", 0) + ",\"step\":\"publish\",\"rc\":" + std::to_string(rc) +
                ",\"seconds\":" + std::to_string(probe::now() - t0) + "}");
    if (rc != MPI_SUCCESS) return 1;
  }
  if (!port_file.empty()) probe::write_file_atomically(port_file, port);
  probe::emit(job_label("server", 0) + ",\"step\":\"open_port\",\"port\":\"" + port + "\"}");

  std::vector<MPI_Comm> joined;
  int failures = 0;
  for (int c = 0; c < clients; ++c) {
    MPI_Comm inter;
    const double t0 = probe::now();
    MPI_Comm_accept(port, MPI_INFO_NULL, 0, MPI_COMM_SELF, &inter);
    const double accepted = probe::now() - t0;
    int remote = 0;
    MPI_Comm_remote_size(inter, &remote);
    // Each client rank says hello with its pid; the server answers each one.
    std::string pids;
    for (int r = 0; r < remote; ++r) {
      int pid = 0;
      MPI_Recv(&pid, 1, MPI_INT, r, kHelloTag, inter, MPI_STATUS_IGNORE);
      MPI_Send(&c, 1, MPI_INT, r, kHelloTag, inter);
      if (r) pids += ',';
      pids += std::to_string(pid);
    }
    probe::emit(job_label("server", 0) + ",\"step\":\"accept\",\"client\":" + std::to_string(c) +
                ",\"remote_size\":" + std::to_string(remote) + ",\"client_pids\":[" + pids +
                "],\"seconds_in_accept\":" + std::to_string(accepted) + "}");
    if (merge) failures += merged_check(inter, false, "server", 0);
    joined.push_back(inter);
  }
  // Clients report when they are done (after any client <-> client exchange), then leave.
  for (std::size_t c = 0; c < joined.size(); ++c) {
    int remote = 0;
    MPI_Comm_remote_size(joined[c], &remote);
    for (int r = 0; r < remote; ++r) {
      int ok = 0;
      MPI_Recv(&ok, 1, MPI_INT, r, kDoneTag, joined[c], MPI_STATUS_IGNORE);
      failures += ok ? 0 : 1;
    }
    const double t0 = probe::now();
    MPI_Comm_disconnect(&joined[c]);
    probe::emit(job_label("server", 0) + ",\"step\":\"disconnect\",\"client\":" +
                std::to_string(c) + ",\"seconds\":" + std::to_string(probe::now() - t0) + "}");
  }
  if (!name.empty()) MPI_Unpublish_name(name.c_str(), MPI_INFO_NULL, port);
  MPI_Close_port(port);
  probe::emit(job_label("server", 0) +
              ",\"step\":\"end\",\"failures\":" + std::to_string(failures) + "}");
  return failures == 0 ? 0 : 1;
}

// The port string reaches rank 0 by lookup or file; MPI_Comm_connect only reads it at root.
std::string find_port(const probe::Args& args, int rank) {
  char port[MPI_MAX_PORT_NAME] = {};
  if (rank == 0) {
    const std::string name = args.text("--publish", "");
    const double t0 = probe::now();
    if (!name.empty()) {
      MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
      int rc = MPI_ERR_NAME;
      while (rc != MPI_SUCCESS && probe::now() - t0 < 20) {
        rc = MPI_Lookup_name(name.c_str(), MPI_INFO_NULL, port);
        if (rc != MPI_SUCCESS) usleep(50000);
      }
      MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
      probe::emit(job_label("client", rank) + ",\"step\":\"lookup\",\"rc\":" + std::to_string(rc) +
                  ",\"seconds\":" + std::to_string(probe::now() - t0) + "}");
    } else {
      const std::string text = probe::wait_for_file(args.text("--port-file", ""), 20);
      std::strncpy(port, text.c_str(), MPI_MAX_PORT_NAME - 1);
    }
  }
  return port;
}

int client_peer(const probe::Args& args, int rank) {
  const std::string open_file = args.text("--peer-open", "");
  const std::string join_file = args.text("--peer-join", "");
  if (open_file.empty() && join_file.empty()) return 0;
  MPI_Comm peer;
  char port[MPI_MAX_PORT_NAME] = {};
  const double t0 = probe::now();
  if (!open_file.empty()) {
    if (rank == 0) {
      MPI_Open_port(MPI_INFO_NULL, port);
      probe::write_file_atomically(open_file, port);
    }
    MPI_Comm_accept(port, MPI_INFO_NULL, 0, MPI_COMM_WORLD, &peer);
  } else {
    if (rank == 0) {
      const std::string text = probe::wait_for_file(join_file, 20);
      std::strncpy(port, text.c_str(), MPI_MAX_PORT_NAME - 1);
    }
    MPI_Comm_connect(port, MPI_INFO_NULL, 0, MPI_COMM_WORLD, &peer);
  }
  const double connected = probe::now() - t0;
  // Every rank of one job sends its rank to the same rank of the other job, which checks it.
  int mine = rank, theirs = -1, remote = 0;
  MPI_Comm_remote_size(peer, &remote);
  const double t1 = probe::now();
  if (rank < remote)
    MPI_Sendrecv(&mine, 1, MPI_INT, rank, 3, &theirs, 1, MPI_INT, rank, 3, peer, MPI_STATUS_IGNORE);
  probe::emit(job_label("client", rank) + ",\"step\":\"peer\",\"side\":\"" +
              (open_file.empty() ? "join" : "open") +
              "\",\"seconds_in_connect\":" + std::to_string(connected) + ",\"exchange_seconds\":" +
              std::to_string(probe::now() - t1) + ",\"received\":" + std::to_string(theirs) + "}");
  MPI_Comm_disconnect(&peer);
  if (rank == 0 && !open_file.empty()) MPI_Close_port(port);
  return rank < remote && theirs != rank ? 1 : 0;
}

int run_client(const probe::Args& args) {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  const std::string port = find_port(args, rank);
  MPI_Comm inter;
  const double t0 = probe::now();
  MPI_Comm_connect(port.c_str(), MPI_INFO_NULL, 0, MPI_COMM_WORLD, &inter);
  const double connected = probe::now() - t0;
  int pid = getpid(), index = -1;
  MPI_Send(&pid, 1, MPI_INT, 0, kHelloTag, inter);
  MPI_Recv(&index, 1, MPI_INT, 0, kHelloTag, inter, MPI_STATUS_IGNORE);
  probe::emit(job_label("client", rank) + ",\"step\":\"connect\",\"client\":" +
              std::to_string(index) + ",\"seconds\":" + std::to_string(connected) + "}");
  int failures = 0;
  if (args.flag("--merge")) failures += merged_check(inter, true, "client", rank);
  if (!args.text("--peer-open", "").empty() || !args.text("--peer-join", "").empty())
    failures += client_peer(args, rank);
  int ok = failures == 0 ? 1 : 0;
  MPI_Send(&ok, 1, MPI_INT, 0, kDoneTag, inter);
  MPI_Comm_disconnect(&inter);
  return failures == 0 ? 0 : 1;
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
      std::fprintf(stderr, "usage: %s server|client [--publish NAME|--port-file F] ...\n", argv[0]);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "probe_connect: %s\n", error.what());
    rc = 1;
  }
  MPI_Finalize();
  return rc;
}
