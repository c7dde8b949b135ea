#!/usr/bin/env bash
# tessera_bench_array beside its peers in one run: Dask's threaded scheduler and NumPy's copy
# (from a virtual environment in the build tree, made on first use), then tessera with the
# threads scheduler, under mpirun -n 3 (two workers) and, for the reductions, under mpirun -n 2
# (one worker: "threads":1 in params) to show how they scale across workers. JSON lines on
# stdout.
#   bench/run_array.sh [--n 10000] [--chunk 1000] [--repeat 3]
# TESSERA_BENCH_ARRAY names another tessera_bench_array (another version, to compare).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${TESSERA_BUILD_DIR:-$root/build/release}"
venv="$build/bench-venv"
bench="${TESSERA_BENCH_ARRAY:-$build/bench/tessera_bench_array}"
if [[ ! -x "$venv/bin/python" ]]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q numpy "dask[array]" >&2
fi
threads="$(nproc)"
"$venv/bin/python" "$root/bench/peers/dask_array.py" --threads "$threads" "$@"
"$bench" --engine threads --threads "$threads" "$@"
OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
  mpirun --oversubscribe -n 3 "$bench" --engine mpi "$@"
OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
  mpirun --oversubscribe -n 2 "$bench" --engine mpi "$@" \
  --workloads copy,sum_x_plus_xT,mean_axis0,std,stencil5_sum
