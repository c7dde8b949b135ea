// A task library, as a user builds one for tessera-worker: a shared library (CMake MODULE)
// of registered task functions, using tessera's headers only. The client program that calls
// them (library_client.cpp) compiles this file too, so both sides know the same names.
#include <tessera/task.hpp>

long library_square(long x) { return x * x; }
long library_add(long a, long b) { return a + b; }
TESSERA_TASK(library_square);
TESSERA_TASK(library_add);
