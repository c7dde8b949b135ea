#pragma once
// Runtime: one program, run alone or under MPI.
//
//   int main(int argc, char** argv) {
//     tessera::Runtime runtime(argc, argv);   // under mpirun, ranks >= 1 work in here
//     auto client = runtime.client();         // rank 0 only gets here
//     ...
//   }                                         // the workers stop; every rank exits 0
//
// Under `mpirun -n N` (or `srun --mpi=pmix -n N`), rank 0 returns from the constructor as
// the client, with the cluster's scheduler running on a thread of its own; ranks 1..N-1
// become workers that run tasks until rank 0's Runtime ends, and then exit(0) without
// returning. Run without a launcher (or with one rank), the Runtime is a local client on
// the "threads" scheduler, so the same program runs on a laptop. Started by srun without PMI
// (each task alone in a job of one rank), it throws tessera::Error rather than run the program
// once per task: launch with `srun --mpi=pmix`.
//
// If the program initialized MPI itself (MPI_Init_thread with MPI_THREAD_SERIALIZED or more),
// the Runtime uses it, and rank 0 finalizes it as usual after the Runtime ends; the workers
// finalize it before they exit.
//
// One Runtime per process, made once in main for the life of the program: a second one while
// it lives is a tessera::Error, and so is one after a distributed Runtime ended (MPI cannot
// start again, and the workers have left); without MPI a new one may follow an ended one.
// Futures not done when the Runtime ends fail with a tessera::Error, as do results still on
// the workers; fetch what you need first. Every setting is checked as the Runtime starts, on
// every rank: a worker with a bad one ends the job with a message naming it, and rank 0
// throws ConfigError (see config::validate_all).
//
// Task functions must be registered (TESSERA_TASK) to run on workers. Settings for workers
// (threads, memory limit, spill directory, resources, transport) are in config.hpp.

#include <memory>

#include "tessera/client.hpp"

namespace tessera {

class Runtime {
 public:
  Runtime(int& argc, char**& argv);
  Runtime();
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  /// The client of this program (the default client too).
  Client client() const;
  /// True under MPI with workers; false for the local "threads" scheduler.
  bool distributed() const noexcept;
  /// Ranks in the job (1 when local).
  int ranks() const noexcept;

  struct State;

 private:
  std::unique_ptr<State> state_;
};

/// This process's rank in the job: 0 for the client, 1..N-1 on the workers (so a task can
/// tell where it runs, e.g. to name per-rank scratch files); 0 without a distributed Runtime.
int this_rank() noexcept;
/// Ranks in the job, client included: 1 without a distributed Runtime.
int job_size() noexcept;

}  // namespace tessera
