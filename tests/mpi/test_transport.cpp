// The "transport" setting (TESSERA_TRANSPORT) becomes Open MPI's own settings on every rank
// before MPI starts; ctest runs the whole MPI suite with it set to tcp and to shm.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <string>
#include <vector>

#include "support.hpp"
#include "tessera/tessera.hpp"

using namespace mpi_test;

namespace {

std::string env_or_unset(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "(unset)";
}

// {OMPI_MCA_pml, OMPI_MCA_btl} as the rank running it sees them.
std::vector<std::string> transport_settings(int) {
  return {env_or_unset("OMPI_MCA_pml"), env_or_unset("OMPI_MCA_btl")};
}
TESSERA_TASK(transport_settings);

}  // namespace

TEST_CASE("mpi: the transport setting reaches Open MPI on every rank") {
  auto client = tessera::get_client();
  const auto transport = tessera::config::get("transport");
  const auto mine = transport_settings(0);
  if (transport == "tcp") {
    CHECK(mine == std::vector<std::string>{"ob1", "self,tcp"});
  } else if (transport == "shm") {
    CHECK(mine == std::vector<std::string>{"ob1", "self,vader"});
  } else if (transport == "ucx") {
    CHECK(mine[0] == "ucx");
  }
  for (int rank = 1; rank < ranks(); ++rank) {
    INFO("rank " << rank << ", transport " << transport);
    CHECK(
        client.submit(tessera::TaskOptions{.workers = {rank}}, transport_settings, rank).result() ==
        mine);
  }
}
