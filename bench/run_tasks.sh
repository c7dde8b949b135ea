#!/usr/bin/env bash
# Task throughput of tessera beside its peers, in one run: tessera's threads scheduler and
# oneTBB's flow graph on the same graph (N tiny tasks + a tree reduction, 2 threads) at
# N = 10^6 and 10^7, then tessera under mpirun -n 3 (rank 0 + 2 workers) on the reduction and
# on a chain. Installs Debian's libtbb-dev for the peer (quiet when present). JSON lines.
#   bench/run_tasks.sh [--repeat 3]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${TESSERA_BUILD_DIR:-$root/build/release}"
if ! dpkg -s libtbb-dev > /dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libtbb-dev > /dev/null
fi
cmake "$build" > /dev/null  # finds TBB now
cmake --build "$build" --target tessera_bench_tasks tessera_peer_tbb_tasks > /dev/null
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
for n in 1000000 10000000; do
  "$build/bench/tessera_bench_tasks" --engine threads --threads 2 --n "$n" "$@"
  "$build/bench/tessera_peer_tbb_tasks" --threads 2 --n "$n" "$@"
done
mpirun --oversubscribe --bind-to none -n 3 "$build/bench/tessera_bench_tasks" --engine mpi \
  --n 100000 "$@"
mpirun --oversubscribe --bind-to none -n 3 "$build/bench/tessera_bench_tasks" --engine mpi \
  --workload chain --n 100000 "$@"
