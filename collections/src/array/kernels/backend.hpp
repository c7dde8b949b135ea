#pragma once
// The per-element code of array kernels is compiled once per backend: as plain C++ (the
// reference kernels), for Kokkos and for CUDA. Each compilation puts it in a namespace of its
// own (reference, kokkos, cuda), so that one program holds all three, and calls the math
// functions that its compiler allows in kernel bodies.

#if defined(TESSERA_KERNELS_FOR_KOKKOS)
#include <Kokkos_Core.hpp>
#define TESSERA_KERNEL KOKKOS_INLINE_FUNCTION
#define TESSERA_KERNEL_BACKEND kokkos
#define TESSERA_MATH Kokkos::Experimental
#elif defined(TESSERA_KERNELS_FOR_CUDA)
#define TESSERA_KERNEL __host__ __device__ inline
#define TESSERA_KERNEL_BACKEND cuda
#define TESSERA_MATH  // CUDA's math functions are global
#else
#include <cmath>
#define TESSERA_KERNEL inline
#define TESSERA_KERNEL_BACKEND reference
#define TESSERA_MATH std
#endif
