// Arrays as a scientist uses them: a chunked (time, lat, lon) field of seeded random
// temperatures, its mean over time, the anomalies from it, their spread, a stencil, and a
// matrix product — computed in parallel, the same under ./array_anomalies and mpirun.

#include <cstdio>
#include <tessera/array.hpp>
#include <tessera/tessera.hpp>

int main(int argc, char** argv) {
  tessera::Runtime runtime(argc, argv);  // alone: threads; under mpirun: rank 0 + workers
  auto client = runtime.client();

  // 120 time steps on a 180 x 360 grid, 30 steps x the whole grid per block.
  auto t = tessera::random::normal<float>({120, 180, 360}, {30, 90, 180}, /*seed=*/1, 280, 5);
  auto climatology = t.mean(0);                              // (180, 360), a tree reduction
  auto anomaly = t - climatology;                            // broadcasting, fused per block
  auto spread = tessera::sqrt((anomaly * anomaly).mean(0));  // one pass over each block
  const auto s = spread.compute();
  std::printf("spread at (0, 0): %.3f K (expected about 5)\n", s(0, 0));

  // A 5-point Laplacian of the first time step, periodic in longitude and latitude.
  auto first = t(0);
  auto laplacian = tessera::map_overlap(
      [](const tessera::Neighbours<float>& x) {
        return x(-1, 0) + x(1, 0) + x(0, -1) + x(0, 1) - 4.0f * x(0, 0);
      },
      first, {1, 1}, tessera::Boundary::periodic());
  std::printf("sum of the Laplacian (periodic: about 0): %.3f\n", laplacian.sum().compute().item());

  // Where is it warmest, and a product of matrices through BLAS.
  std::printf("warmest cell of step 0 (flat index): %lld\n",
              static_cast<long long>(first.argmax().compute().item()));
  auto m = tessera::random::uniform<double>({400, 300}, {100, 100}, 2);
  auto gram = tessera::matmul(m.T(), m);  // (300, 300)
  std::printf("trace of M^T M: %.1f\n", [&] {
    const auto g = gram.compute();
    double trace = 0;
    for (std::int64_t i = 0; i < 300; ++i) trace += g(i, i);
    return trace;
  }());
  std::printf("%s\n", anomaly.summary().c_str());
}
