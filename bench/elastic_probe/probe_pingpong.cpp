// Question (b): latency and bandwidth across an intercommunicator between two separately
// started jobs, beside the same inside one MPI_COMM_WORLD.
//   world:  mpirun -n 2 tessera_probe_pingpong world
//   server: mpirun -n 1 --ompi-server file:URI tessera_probe_pingpong server --port-file F
//   client: mpirun -n 1 --ompi-server file:URI tessera_probe_pingpong client --port-file F
// Rank 0 of one side sends a message of each size and waits for it back; one JSON line per
// size: half the round trip (latency) and size / half round trip (bandwidth).
#include <mpi.h>

#include <cstring>
#include <string>
#include <vector>

#include "probe_common.hpp"

namespace {

void pingpong(MPI_Comm comm, int peer, bool leader, const std::string& link, std::size_t largest,
              int most_trips) {
  std::vector<char> buffer(largest, 1);
  for (const std::size_t size : probe::message_sizes(largest)) {
    const int trips = probe::round_trips(size, most_trips);
    const int count = static_cast<int>(size);
    // One untimed round trip first: connections are made lazily on the first message.
    for (int warm = 0; warm < 2; ++warm) {
      const double t0 = probe::now();
      const int n = warm == 0 ? 1 : trips;
      for (int i = 0; i < n; ++i) {
        if (leader) {
          MPI_Send(buffer.data(), count, MPI_BYTE, peer, 0, comm);
          MPI_Recv(buffer.data(), count, MPI_BYTE, peer, 0, comm, MPI_STATUS_IGNORE);
        } else {
          MPI_Recv(buffer.data(), count, MPI_BYTE, peer, 0, comm, MPI_STATUS_IGNORE);
          MPI_Send(buffer.data(), count, MPI_BYTE, peer, 0, comm);
        }
      }
      const double half = (probe::now() - t0) / n / 2;
      if (warm == 1 && leader) {
        std::string line = "{\"probe\":\"pingpong\",\"transport\":\"mpi\",\"link\":\"";
        line += link;
        line += "\",\"bytes\":" + std::to_string(size);
        line += ",\"round_trips\":" + std::to_string(trips);
        line += ",\"latency_us\":" + std::to_string(half * 1e6);
        line += ",\"bandwidth_MBps\":" + std::to_string(size / half / 1e6) + "}";
        probe::emit(line);
      }
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  const probe::Args args(argc, argv);
  const std::size_t largest = static_cast<std::size_t>(args.number("--largest", 64L << 20));
  const std::string role = args.role();
  const int most = static_cast<int>(args.number("--max-trips", 2000));
  int rc = 0;
  try {
    if (role == "world") {
      int rank = 0;
      MPI_Comm_rank(MPI_COMM_WORLD, &rank);
      if (rank < 2) pingpong(MPI_COMM_WORLD, 1 - rank, rank == 0, "world", largest, most);
    } else if (role == "server" || role == "client") {
      const std::string file = args.text("--port-file", "port");
      char port[MPI_MAX_PORT_NAME] = {};
      MPI_Comm inter;
      if (role == "server") {
        MPI_Open_port(MPI_INFO_NULL, port);
        probe::write_file_atomically(file, port);
        MPI_Comm_accept(port, MPI_INFO_NULL, 0, MPI_COMM_SELF, &inter);
      } else {
        std::strncpy(port, probe::wait_for_file(file, 20).c_str(), MPI_MAX_PORT_NAME - 1);
        MPI_Comm_connect(port, MPI_INFO_NULL, 0, MPI_COMM_SELF, &inter);
      }
      pingpong(inter, 0, role == "server", "intercomm", largest, most);
      MPI_Comm_disconnect(&inter);
      if (role == "server") MPI_Close_port(port);
    } else {
      std::fprintf(
          stderr,
          "usage: %s world|server|client [--port-file F] [--largest BYTES] [--max-trips N]\n",
          argv[0]);
      rc = 2;
    }
  } catch (const std::exception& error) {
    std::fprintf(stderr, "probe_pingpong: %s\n", error.what());
    rc = 1;
  }
  MPI_Finalize();
  return rc;
}
