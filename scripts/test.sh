#!/usr/bin/env bash
# Builds (through setup.sh) and runs the test suite.
#   scripts/test.sh                 release build, all tests
#   scripts/test.sh --asan          the same under AddressSanitizer + UBSan
#   scripts/test.sh --tsan          the same under ThreadSanitizer (not in CI: slow)
#   scripts/test.sh --cuda          the array tests with the CUDA kernels built (they compare
#                                   the CUDA kernels with the reference where a GPU is present)
# Other arguments go to ctest, e.g. scripts/test.sh -L install, scripts/test.sh -R "core: ".
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

setup_args=()
ctest_args=()
build_dir=build/release
for arg in "$@"; do
  case "$arg" in
    --asan) setup_args+=(--asan); build_dir=build/asan ;;
    --tsan) setup_args+=(--tsan); build_dir=build/tsan ;;
    --cuda) setup_args+=(--cuda); build_dir=build/cuda; ctest_args+=(-L collections) ;;
    *) ctest_args+=("$arg") ;;
  esac
done

bash scripts/setup.sh "${setup_args[@]}"

if [[ "$build_dir" == build/tsan ]]; then
  # die_after_fork=0: the UCX link tests fork worker processes, which start threads.
  export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1:die_after_fork=0:suppressions=$root/tests/mpi/tsan.supp}"
fi
if [[ "$build_dir" == build/asan ]]; then
  export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
  export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
fi

jobs="${TESSERA_JOBS:-$(nproc)}"
ctest --test-dir "$build_dir" --output-on-failure --no-tests=error \
  --parallel "$jobs" --timeout 300 "${ctest_args[@]}"
