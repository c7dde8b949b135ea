#!/usr/bin/env bash
# Builds tessera (through setup.sh) and runs the flagship example, which makes its own input.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

bash scripts/setup.sh

demo=build/release/examples/chunked_statistics
if [[ ! -x "$demo" ]]; then
  echo "demo: $demo was not built (is examples/chunked_statistics.cpp there?)" >&2
  exit 1
fi
exec "$demo" "$@"
