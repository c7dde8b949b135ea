#!/usr/bin/env bash
# The flagship demo (examples/climatology.cpp): a daily temperature field in a Zarr v3 store,
# its daily climatology and anomalies, the anomalies written to HDF5 by every worker, a summary
# and a check. Builds only the demo (installing the packages it needs through setup.sh) and runs
# it as an MPI job: rank 0 is the client and scheduler, one worker rank per core.
#   scripts/demo.sh [--small | --large] [--ranks N | --alone] [--dir DIR] [--keep]
#     --small   2 years on a 48 x 96 grid (seconds)      default: 8 years on 360 x 720 (2.8 GiB)
#     --large   4 years on 720 x 1440 (5.6 GiB)
#     --ranks N MPI ranks (default: cores + 1)  --alone: one process, a thread per core
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

ranks=$(( $(nproc) + 1 ))
alone=0
args=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --ranks) [[ $# -ge 2 && "$2" =~ ^[0-9]+$ && "$2" -ge 2 ]] || {
               echo "demo: --ranks needs a number of at least 2" >&2; exit 2; }
             ranks="$2"; shift ;;
    --alone) alone=1 ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) args+=("$1") ;;
  esac
  shift
done

bash scripts/setup.sh --target climatology

demo=build/release/examples/climatology
if [[ ! -x "$demo" ]]; then
  echo "demo: $demo was not built (is examples/climatology.cpp there?)" >&2
  exit 1
fi
args+=(--dir "${TESSERA_DEMO_DIR:-$root/build/release/demo}")
if [[ "$alone" == 1 ]]; then
  exec "$demo" "${args[@]}"
fi
if [[ "$(id -u)" == 0 ]]; then  # Open MPI refuses root unless told
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
echo "demo: mpirun -n $ranks (rank 0: client and scheduler; $((ranks - 1)) workers)"
# --oversubscribe: more ranks than cores is fine, idle ranks sleep.
exec mpirun -n "$ranks" --oversubscribe "$demo" "${args[@]}"
