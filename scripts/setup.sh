#!/usr/bin/env bash
# Installs the Debian packages tessera needs (only those missing), then configures and builds.
#   scripts/setup.sh          -> build/release  (Release)
#   scripts/setup.sh --asan   -> build/asan     (RelWithDebInfo, ASan + UBSan)
#   scripts/setup.sh --tsan   -> build/tsan     (RelWithDebInfo, ThreadSanitizer)
#   scripts/setup.sh --cuda   -> build/cuda     (Release, CUDA kernels; the array tests only)
#   scripts/setup.sh --target NAME   builds only that target (and what it needs)
# TESSERA_JOBS=N limits the build to N parallel jobs (default: all cores).
set -euo pipefail

# The Debian packages the project needs; add new dependencies here.
PACKAGES=(
  cmake
  g++
  ninja-build
  ccache
  catch2
  libboost-serialization-dev
  libboost-mpi-dev
  libopenmpi-dev
  openmpi-bin
  openssh-client
  nlohmann-json3-dev
  libopenblas-dev
  pkg-config
  clang-14
  libclang-rt-14-dev
  libtrilinos-kokkos-dev
  libhdf5-openmpi-dev
  libblosc-dev
  libzstd-dev
  zlib1g-dev
  libyaml-cpp-dev
  graphviz
  libcpp-httplib-dev
  prometheus
  chromium
  libucx-dev
  procps
)

usage() { echo "usage: $0 [--asan|--tsan|--cuda] [--target NAME]" >&2; exit 2; }

preset=release
only_target=
while [[ $# -gt 0 ]]; do
  case "$1" in
    --asan) preset=asan ;;
    --tsan) preset=tsan ;;
    --cuda) preset=cuda ;;
    --target) [[ $# -ge 2 ]] || usage; only_target="$2"; shift ;;
    -h|--help) usage ;;
    *) echo "setup: unknown argument '$1'" >&2; usage ;;
  esac
  shift
done

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# 1. Packages.
source scripts/packages.sh
ensure_packages "${PACKAGES[@]}"

# 2. Configure and build.
case "$preset" in
  release) build_dir=build/release; cmake_args=(-DCMAKE_BUILD_TYPE=Release -DTESSERA_SANITIZE=OFF) ;;
  asan)    build_dir=build/asan;    cmake_args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DTESSERA_SANITIZE=address) ;;
  tsan)    build_dir=build/tsan;    cmake_args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DTESSERA_SANITIZE=thread)
           # The build lists each test program's tests by running it: without this, UCX's
           # memory hooks crash it under ThreadSanitizer (tests/CMakeLists.txt sets the same).
           export UCX_MEM_EVENTS=no ;;
  cuda)    build_dir=build/cuda;    cmake_args=(-DCMAKE_BUILD_TYPE=Release -DTESSERA_WITH_CUDA=ON) ;;
esac
build_targets=()
if [[ "$preset" == cuda ]]; then
  build_targets=(--target tessera_collections_tests)  # the CUDA kernels and their tests
  if ! command -v nvcc >/dev/null && [[ -x /usr/local/cuda/bin/nvcc ]]; then
    cmake_args+=(-DCMAKE_CUDA_COMPILER=/usr/local/cuda/bin/nvcc)
  fi
fi
if [[ -n "$only_target" ]]; then
  build_targets=(--target "$only_target")
fi
if [[ ! -f "$build_dir/CMakeCache.txt" ]] && command -v ninja >/dev/null; then
  cmake_args+=(-G Ninja)  # an existing build directory keeps the generator it was made with
fi

configure_log="$(mktemp -t tessera-cmake.XXXXXX)"
if ! cmake -S . -B "$build_dir" "${cmake_args[@]}" >"$configure_log" 2>&1; then
  cat "$configure_log" >&2
  rm -f "$configure_log"
  echo "setup: configuring $build_dir failed" >&2
  exit 1
fi
if grep -q "Warning" "$configure_log"; then
  cat "$configure_log" >&2
fi
rm -f "$configure_log"

jobs="${TESSERA_JOBS:-$(nproc)}"
echo "setup: building $build_dir ($jobs jobs)"
cmake --build "$build_dir" --parallel "$jobs" "${build_targets[@]}"
