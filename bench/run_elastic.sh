#!/usr/bin/env bash
# tessera_bench_elastic on the local Slurm (scripts/slurm-local.sh up, run here), and with --peer
# dask-jobqueue's SLURMCluster.scale beside it in the same run (bench/peers/dask_jobqueue_scale.py,
# from a virtual environment in the build tree, made on first use). JSON lines on stdout; what
# each leaves behind (Slurm jobs, the scheduler file) on stderr. Scheduler file, job logs and
# worker pids go to a temporary directory, removed at the end.
#   bench/run_elastic.sh [--peer] [--repeats 3] [--settle 3] [tessera_bench_elastic's options]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${TESSERA_BUILD_DIR:-$root/build/release}"
program="$build/bench/tessera_bench_elastic"
peer=0
repeats=3
settle=3
args=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --peer) peer=1; shift ;;
    --repeats) repeats="$2"; shift 2 ;;
    --settle) settle="$2"; shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
if [[ ! -x "$program" ]]; then
  echo "run_elastic.sh: $program is missing: build the target tessera_bench_elastic" \
    "(it needs UCX: TESSERA_WITH_UCX)" >&2
  exit 1
fi
"$root/scripts/slurm-local.sh" up >&2

work="$(mktemp -d "${TMPDIR:-/tmp}/tessera-bench-elastic-XXXXXX")"
# Jobs of an interrupted run would hold the node: cancel them by their names.
trap 'scancel --jobname=tessera-bench 2>/dev/null; scancel --jobname=dask-bench 2>/dev/null;
      rm -rf "$work"' EXIT

if ((peer)); then
  venv="$build/bench-elastic-venv"
  if [[ ! -x "$venv/bin/python" ]]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q dask-jobqueue distributed >&2
  fi
  mkdir -p "$work/dask"
  (cd "$work/dask" && "$venv/bin/python" "$root/bench/peers/dask_jobqueue_scale.py" \
    --log-dir "$work/dask" --repeats "$repeats" --settle "$settle")
fi
TESSERA_SCHEDULER_FILE="$work/tessera/scheduler.json" "$program" --repeats "$repeats" \
  --settle "$settle" "${args[@]}"
