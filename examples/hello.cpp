// The README's first example: lazy calls, then an eager submit.
#include <iostream>
#include <tessera/tessera.hpp>

int inc(int x) { return x + 1; }
int add(int a, int b) { return a + b; }
TESSERA_TASK(inc);  // a stable name, so MPI workers can run it too
TESSERA_TASK(add);

int main(int argc, char** argv) {
  tessera::Runtime runtime(argc, argv);  // alone: threads; under mpirun: rank 0 is the client
  auto client = runtime.client();
  auto x = tessera::delayed(inc)(1);
  auto y = tessera::delayed(inc)(2);
  auto total = tessera::delayed(add)(x, y);  // lazy: nothing has run yet
  std::cout << total.compute() << "\n";      // 5
  auto f = client.submit(inc, 10);           // eager: runs now
  std::cout << f.result() << "\n";           // 11
  return total.compute() == 5 && f.result() == 11 ? 0 : 1;
}
