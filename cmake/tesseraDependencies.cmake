# The dependencies of tessera: the required ones, found once here so that every directory of
# the build sees their targets, and the optional ones, each behind a TESSERA_WITH_<NAME> option.
#
# The optional ones default to OFF rather than to "whatever is installed": a build then has the
# same features on every machine, and one that needs Kokkos, HDF5 or CUDA says so (and fails
# with a message naming what is missing) instead of silently building without them.

find_package(Threads REQUIRED)
set(MPI_CXX_SKIP_MPICXX ON)  # the C API only: no deprecated C++ bindings
find_package(MPI REQUIRED COMPONENTS CXX)

# Kokkos is used when it is found, unless TESSERA_WITH_KOKKOS says otherwise.
if(NOT DEFINED TESSERA_WITH_KOKKOS)
  find_package(Kokkos QUIET)
  set(tessera_kokkos_default ${Kokkos_FOUND})
else()
  set(tessera_kokkos_default OFF)
endif()
option(TESSERA_WITH_KOKKOS "Block kernels of tessera::collections on Kokkos (needs Kokkos)"
  ${tessera_kokkos_default})
# Parallel HDF5 (Debian: libhdf5-openmpi-dev) is used when it is found, unless TESSERA_WITH_HDF5
# says otherwise; the Open MPI flavour is preferred over the serial library installed beside it.
set(HDF5_PREFER_PARALLEL ON)
if(NOT DEFINED TESSERA_WITH_HDF5)
  enable_language(C)  # HDF5's API is C (parallel HDF5 has no C++ one); FindHDF5 compiles C
  find_package(HDF5 QUIET COMPONENTS C)
  set(tessera_hdf5_default OFF)
  if(HDF5_FOUND AND HDF5_IS_PARALLEL)
    set(tessera_hdf5_default ON)
  endif()
else()
  set(tessera_hdf5_default OFF)
endif()
option(TESSERA_WITH_HDF5 "HDF5 files in tessera::io (needs parallel HDF5 for MPI jobs)"
  ${tessera_hdf5_default})
# UCX (Debian: libucx-dev) carries elastic clusters, whose workers join a running scheduler;
# used when it is found, unless TESSERA_WITH_UCX says otherwise.
find_package(PkgConfig QUIET)
if(NOT DEFINED TESSERA_WITH_UCX AND PKG_CONFIG_FOUND)
  pkg_check_modules(TESSERA_UCX QUIET IMPORTED_TARGET GLOBAL ucx)
  set(tessera_ucx_default ${TESSERA_UCX_FOUND})
else()
  set(tessera_ucx_default OFF)
endif()
option(TESSERA_WITH_UCX "Elastic clusters (workers that join a running scheduler; needs UCX)"
  ${tessera_ucx_default})
option(TESSERA_WITH_CUDA "CUDA kernels of tessera::collections (needs the CUDA toolkit)" OFF)

if(TESSERA_WITH_KOKKOS)
  find_package(Kokkos QUIET)
  if(NOT Kokkos_FOUND)
    message(FATAL_ERROR
      "TESSERA_WITH_KOKKOS is ON but Kokkos was not found: install Kokkos (Debian: "
      "libtrilinos-kokkos-dev) and pass -DKokkos_ROOT=<its prefix> (or add it to "
      "CMAKE_PREFIX_PATH), or configure with -DTESSERA_WITH_KOKKOS=OFF")
  endif()
  # Debian's Kokkos (from Trilinos) declares Kokkos::kokkos with an include directory that
  # does not exist (<prefix>/lib/include); point it at the headers that its config names.
  get_target_property(tessera_kokkos_includes Kokkos::kokkos INTERFACE_INCLUDE_DIRECTORIES)
  if(tessera_kokkos_includes AND NOT EXISTS "${tessera_kokkos_includes}" AND Kokkos_INCLUDE_DIRS)
    set_target_properties(Kokkos::kokkos PROPERTIES
      INTERFACE_INCLUDE_DIRECTORIES "${Kokkos_INCLUDE_DIRS}")
  endif()
endif()

if(TESSERA_WITH_UCX AND NOT TARGET PkgConfig::TESSERA_UCX)
  if(PKG_CONFIG_FOUND)
    pkg_check_modules(TESSERA_UCX QUIET IMPORTED_TARGET GLOBAL ucx)
  endif()
  if(NOT TARGET PkgConfig::TESSERA_UCX)
    message(FATAL_ERROR
      "TESSERA_WITH_UCX is ON but UCX was not found (pkg-config module 'ucx'): install it "
      "with 'apt-get install libucx-dev', or configure with -DTESSERA_WITH_UCX=OFF")
  endif()
endif()

if(TESSERA_WITH_HDF5)
  enable_language(C)  # HDF5's API is C (parallel HDF5 has no C++ one); FindHDF5 compiles C
  find_package(HDF5 QUIET COMPONENTS C)
  if(NOT HDF5_FOUND)
    message(FATAL_ERROR
      "TESSERA_WITH_HDF5 is ON but HDF5 was not found: install parallel HDF5 (Debian: "
      "libhdf5-openmpi-dev) or pass -DHDF5_ROOT=<its prefix>, or configure with "
      "-DTESSERA_WITH_HDF5=OFF")
  endif()
  if(NOT HDF5_IS_PARALLEL)
    message(STATUS "HDF5 ${HDF5_VERSION} is serial: one file is written by one process at a "
      "time under MPI (install libhdf5-openmpi-dev for parallel HDF5)")
  endif()
endif()

if(TESSERA_WITH_CUDA)
  # Compiled for the GPUs of current HPC systems (A100, H100/H200) unless the build says.
  if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
    set(CMAKE_CUDA_ARCHITECTURES 80 90)
  endif()
  include(CheckLanguage)
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    enable_language(CUDA)
    # CMake 3.25 does not know how nvcc 12+ selects C++20 (the modules' dialect).
    if(NOT CMAKE_CUDA20_STANDARD_COMPILE_OPTION)
      set(CMAKE_CUDA20_STANDARD_COMPILE_OPTION "-std=c++20")
      set(CMAKE_CUDA20_EXTENSION_COMPILE_OPTION "-std=c++20")
    endif()
  endif()
  find_package(CUDAToolkit QUIET)
  if(NOT CUDAToolkit_FOUND OR NOT CMAKE_CUDA_COMPILER)
    message(FATAL_ERROR
      "TESSERA_WITH_CUDA is ON but the CUDA toolkit was not found: install it and pass "
      "-DCUDAToolkit_ROOT=<its prefix> (or put nvcc on PATH), or configure with "
      "-DTESSERA_WITH_CUDA=OFF")
  endif()
endif()

# BLAS for the block products of tessera::collections (matmul, dot, tensordot): OpenBLAS,
# found through its pkg-config file (Debian's libopenblas-dev installs openblas.pc along with
# cblas.h in an include directory of its own). OpenBLAS rather than any BLAS because the array
# module sets its thread count (openblas_set_num_threads) so that each task's product runs on
# the worker's own thread.
find_package(PkgConfig QUIET)
if(PKG_CONFIG_FOUND)
  pkg_check_modules(TESSERA_OPENBLAS QUIET IMPORTED_TARGET GLOBAL openblas)
endif()
if(NOT TARGET PkgConfig::TESSERA_OPENBLAS)
  message(FATAL_ERROR
    "OpenBLAS was not found (pkg-config module 'openblas'): install it with "
    "'apt-get install libopenblas-dev' (and pkg-config), or add the directory of its "
    "openblas.pc to PKG_CONFIG_PATH")
endif()

# Zarr in tessera::io (private to its sources): c-blosc and zstd through their pkg-config files,
# zlib through CMake's FindZLIB, nlohmann-json through its CMake config. Each one missing stops
# the configure naming the Debian package that provides it.
find_package(ZLIB QUIET)
if(NOT TARGET ZLIB::ZLIB)
  message(FATAL_ERROR "zlib was not found: install it with 'apt-get install zlib1g-dev'")
endif()
find_package(nlohmann_json 3 QUIET CONFIG)
if(NOT TARGET nlohmann_json::nlohmann_json)
  message(FATAL_ERROR
    "nlohmann-json was not found: install it with 'apt-get install nlohmann-json3-dev', or "
    "pass -Dnlohmann_json_DIR=<the directory of its nlohmann_jsonConfig.cmake>")
endif()
if(PKG_CONFIG_FOUND)
  pkg_check_modules(TESSERA_BLOSC QUIET IMPORTED_TARGET GLOBAL blosc)
  pkg_check_modules(TESSERA_ZSTD QUIET IMPORTED_TARGET GLOBAL libzstd)
endif()
if(NOT TARGET PkgConfig::TESSERA_BLOSC)
  message(FATAL_ERROR
    "c-blosc was not found (pkg-config module 'blosc'): install it with "
    "'apt-get install libblosc-dev' (and pkg-config), or add the directory of its blosc.pc "
    "to PKG_CONFIG_PATH")
endif()
if(NOT TARGET PkgConfig::TESSERA_ZSTD)
  message(FATAL_ERROR
    "zstd was not found (pkg-config module 'libzstd'): install it with "
    "'apt-get install libzstd-dev' (and pkg-config), or add the directory of its libzstd.pc "
    "to PKG_CONFIG_PATH")
endif()

# The config file of tessera::jobqueue (private to its sources): yaml-cpp through its CMake
# config (Debian's 0.7 names its target yaml-cpp, without a namespace).
find_package(yaml-cpp QUIET CONFIG)
if(NOT TARGET yaml-cpp)
  message(FATAL_ERROR
    "yaml-cpp was not found: install it with 'apt-get install libyaml-cpp-dev', or pass "
    "-Dyaml-cpp_DIR=<the directory of its yaml-cpp-config.cmake>")
endif()

# The dashboard's HTTP server in tessera::core (private to its sources): cpp-httplib as Debian
# builds it, a compiled library with a pkg-config file whose flags (OpenSSL, zlib and Brotli
# support) must match how the library was built.
if(PKG_CONFIG_FOUND)
  pkg_check_modules(TESSERA_HTTPLIB QUIET IMPORTED_TARGET GLOBAL cpp-httplib)
endif()
if(NOT TARGET PkgConfig::TESSERA_HTTPLIB)
  message(FATAL_ERROR
    "cpp-httplib was not found (pkg-config module 'cpp-httplib'): install it with "
    "'apt-get install libcpp-httplib-dev' (and pkg-config), or add the directory of its "
    "cpp-httplib.pc to PKG_CONFIG_PATH")
endif()
