#!/usr/bin/env bash
# tessera_bench_io beside its peers in one run: Dask's threaded scheduler with zarr-python 3 and
# h5py, and TensorStore (from a virtual environment in the build tree, made on first use), then
# tessera with the threads scheduler and under mpirun -n 3 (two workers). JSON lines on stdout.
# The stores are written under --dir (default: a directory in the build tree) and removed.
#   bench/run_io.sh [--gib 1] [--repeat 3] [--dir DIR]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${TESSERA_BUILD_DIR:-$root/build/release}"
venv="$build/bench-io-venv"
dir="$build/bench-io-data"
args=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --dir) dir="$2"; shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
if [[ ! -x "$venv/bin/python" ]]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q numpy "dask[array]" zarr h5py tensorstore >&2
fi
mkdir -p "$dir"
threads="$(nproc)"
"$venv/bin/python" "$root/bench/peers/dask_io.py" --dir "$dir" --threads "$threads" "${args[@]}"
"$venv/bin/python" "$root/bench/peers/tensorstore_io.py" --dir "$dir" --threads "$threads" "${args[@]}"
"$build/bench/tessera_bench_io" --engine threads --threads "$threads" --dir "$dir" "${args[@]}"
OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
  mpirun --oversubscribe -n 3 "$build/bench/tessera_bench_io" --engine mpi --dir "$dir" "${args[@]}"
