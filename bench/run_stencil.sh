#!/usr/bin/env bash
# tessera_bench_stencil's METG sweep for each engine in one run, the hand-written MPI reference
# first: mpi-reference under mpirun -n 2, tessera's threads scheduler with 2 threads, and
# tessera under mpirun -n 3 (rank 0 client + scheduler, 2 workers x 1 thread). JSON lines on
# stdout; extra arguments go to every run. Ranks are not bound to cores: on a machine shared
# with other jobs, a rank bound to a busy core cannot move and the figures mostly measure that.
#   bench/run_stencil.sh [--width 2] [--steps 1000] [--sweep 20:0] [--repeat 3]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${TESSERA_BUILD_DIR:-$root/build/release}"
bench="$build/bench/tessera_bench_stencil"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpirun --oversubscribe --bind-to none -n 2 "$bench" --engine mpi-reference "$@"
"$bench" --engine threads --threads 2 "$@"
TESSERA_WORKER_THREADS=1 mpirun --oversubscribe --bind-to none -n 3 -x TESSERA_WORKER_THREADS \
  "$bench" --engine mpi "$@"
