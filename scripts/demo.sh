#!/usr/bin/env bash
# Builds tessera (through setup.sh) and runs the flagship example, which makes its own input,
# as an MPI job: rank 0 is the client and scheduler, the other ranks are workers.
#   scripts/demo.sh [chunks] [values_per_chunk]     TESSERA_DEMO_RANKS=5 for more ranks
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

bash scripts/setup.sh

demo=build/release/examples/chunked_statistics
if [[ ! -x "$demo" ]]; then
  echo "demo: $demo was not built (is examples/chunked_statistics.cpp there?)" >&2
  exit 1
fi
if [[ "$(id -u)" == 0 ]]; then  # Open MPI refuses root unless told
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
# --oversubscribe: more ranks than cores is fine, idle ranks sleep.
exec mpirun -n "${TESSERA_DEMO_RANKS:-3}" --oversubscribe "$demo" "$@"
