// The device kernels (Kokkos; CUDA where a GPU is present) against the reference kernels, on
// the same inputs: every element type, expressions of every kind of operation, every
// reduction, and many blocks at once on the threads scheduler (Kokkos 3.4's Serial space is
// called from several worker threads).

#include <catch2/catch.hpp>
#include <cmath>
#include <functional>
#include <string>
#include <tessera/array.hpp>
#include <tessera/config.hpp>
#include <vector>

namespace tessera::detail::array {
bool cuda_device_present() noexcept;
}

namespace {

// The device kernels this build has, and this machine can run.
std::vector<const char*> device_kernels() {
  std::vector<const char*> kernels;
#ifdef TESSERA_WITH_KOKKOS
  kernels.push_back("kokkos");
#endif
#ifdef TESSERA_WITH_CUDA
  if (tessera::detail::array::cuda_device_present()) kernels.push_back("cuda");
#endif
  if (kernels.empty()) WARN("no device kernels in this build or on this machine: nothing compared");
  return kernels;
}

struct KernelChoice {
  explicit KernelChoice(const char* kernels) { tessera::config::set("array_kernels", kernels); }
  ~KernelChoice() { tessera::config::set("array_kernels", "auto"); }
};

template <class T>
tessera::HostArray<T> with_kernels(const char* kernels, const tessera::Array<T>& a) {
  KernelChoice choice(kernels);
  return a.compute();
}

template <class T>
void check_same(const tessera::Array<T>& a, double tolerance = 0) {
  const auto reference = with_kernels("reference", a);
  for (const char* kernels : device_kernels()) {
    INFO("kernels: " << kernels);
    const auto kokkos = with_kernels(kernels, a);
    REQUIRE(kokkos.shape() == reference.shape());
    for (std::int64_t i = 0; i < reference.size(); ++i) {
      const auto r = reference.values()[static_cast<std::size_t>(i)];
      const auto k = kokkos.values()[static_cast<std::size_t>(i)];
      if constexpr (std::is_floating_point_v<T>) {
        if (std::isnan(r)) {
          REQUIRE(std::isnan(k));
        } else if (tolerance == 0) {
          REQUIRE(k == r);
        } else {
          REQUIRE(k == Approx(r).epsilon(tolerance).margin(tolerance));
        }
      } else {
        REQUIRE(k == r);
      }
    }
  }
}

}  // namespace

TEST_CASE("device elementwise kernels give the reference kernels' values") {
  tessera::Client client(tessera::ClientOptions{"threads"});
  auto x = tessera::random::normal<double>({37, 23}, {8, 5}, 3);
  auto f = tessera::random::uniform<float>({37, 23}, {8, 5}, 4, -2, 2);
  auto i = tessera::random::integers<std::int32_t>(-50, 50, {37, 23}, {8, 5}, 5);
  auto u = tessera::random::integers<std::uint8_t>(0, 255, {23}, {5}, 6);
  auto l = tessera::random::integers<std::int64_t>(-9, 9, {37, 1}, {8, 1}, 7);
  check_same(x * 2.0 + tessera::sin(x) / (tessera::abs(x) + 1.0));
  check_same(tessera::where(x > 0.5, x.T().T(), tessera::exp(f)));
  check_same((f * f - 1.0f).astype<std::int32_t>());
  check_same(tessera::floor_divide(i, l.astype<std::int32_t>()) + tessera::remainder(i, 7));
  check_same((i + u) * l);  // broadcasting, promotion to int64
  check_same(tessera::logical_xor(x > 0, i < 0) | (u == std::uint8_t{3}));
  check_same(tessera::maximum(x, tessera::sqrt(x)));  // NaN from sqrt of negatives
  check_same(tessera::arange<double>(0, 10, 0.1, tessera::ChunkSpec{7}) +
             tessera::linspace<double>(0, 1, 100, true, tessera::ChunkSpec{7}));
  check_same(x.T() - tessera::random::uniform<double>({23, 37}, {5, 8}, 9));
  check_same(tessera::map_overlap(  // a stencil: loads of blocks with a halo
      [](const tessera::Neighbours<double>& n) {
        return n(-1, 0) + n(1, 0) + n(0, -1) + n(0, 1) - 4.0 * n(0, 0);
      },
      x, {1, 1}, tessera::Boundary::reflect()));
}

TEST_CASE("device kernels read indexed expressions in place as the reference kernels do") {
  tessera::Client client(tessera::ClientOptions{"threads"});
  using tessera::slice;
  auto x = tessera::random::normal<double>({37, 23}, {8, 5}, 3).persist();
  auto i = tessera::random::integers<std::int32_t>(-50, 50, {37, 23}, {8, 5}, 5);
  // Loads and generators read with offsets and steps, negative ones too, and integers.
  check_same((x * 2.0 + 1.0)(slice(3, 30, 2), slice(21, 1, -3)));
  check_same((i + x.astype<std::int32_t>())(tessera::newaxis, 7, slice(4, 20)));
  check_same((x.T() - 1.0)(slice(1, -1), slice(2, 35, 4)).sum(tessera::Axes{0}), 1e-12);
  check_same(tessera::map_overlap(
      [](const tessera::Neighbours<double>& n) { return n(-1, 0) + n(1, 0) - 2.0 * n(0, 0); }, x,
      {1, 0}, tessera::Boundary::periodic())(slice(5, 33, 3), slice({}, {}, -2)));
}

TEST_CASE("device reduction kernels give the reference kernels' results") {
  tessera::Client client(tessera::ClientOptions{"threads"});
  auto x = tessera::random::normal<double>({41, 29, 3}, {7, 6, 2}, 11);
  auto withnan = tessera::where(x > 1.5, tessera::full<double>({}, std::nan("")), x);
  auto i = tessera::random::integers<std::int32_t>(-5, 5, {41, 29, 3}, {7, 6, 2}, 12);
  for (const tessera::Axes& axes :
       {tessera::Axes{}, tessera::Axes{0}, tessera::Axes{1, 2}, tessera::Axes{-1}}) {
    check_same(x.sum(axes), 1e-12);
    check_same(x.mean(axes, {.keepdims = true}), 1e-12);
    check_same(x.var(axes, {.ddof = 1}), 1e-10);
    check_same(x.min(axes));
    check_same(withnan.max(axes));
    check_same(withnan.nanmax(axes));
    check_same(withnan.nansum(axes), 1e-12);
    check_same(i.prod(axes));
    check_same(i.sum(axes));
    check_same((i > 3).any(axes));
    check_same((i > -5).all(axes));
    check_same(tessera::map_overlap(
                   [](const tessera::Neighbours<double>& n) { return n(1, 0, 0) - n(-1, 0, 0); }, x,
                   {1, 0, 0}, tessera::Boundary::periodic())
                   .sum(axes),
               1e-12);
  }
  for (const tessera::Axes& axis : {tessera::Axes{}, tessera::Axes{1}}) {
    check_same(x.argmax(axis));
    check_same(i.argmin(axis));  // ties: the first occurrence
    check_same(withnan.argmax(axis));
    check_same(withnan.nanargmin(axis));
  }
}

TEST_CASE("device kernels fail a task with an integer to a negative power, as the reference") {
  tessera::Client client(tessera::ClientOptions{"sync"});
  auto i = tessera::arange<std::int32_t>(-3, 3, 1, tessera::ChunkSpec{2});
  for (const char* kernels : device_kernels()) {
    KernelChoice choice(kernels);
    CHECK_THROWS_WITH(tessera::power(i, i).compute(),
                      Catch::Contains("integers to negative integer powers are not allowed"));
  }
}

TEST_CASE("asking for kernels that this build does not have is a ConfigError naming the option") {
  tessera::Client client(tessera::ClientOptions{"sync"});
  auto x = tessera::ones<double>({4}, tessera::ChunkSpec{2});
#ifndef TESSERA_WITH_CUDA
  {
    KernelChoice choice("cuda");
    CHECK_THROWS_WITH(x.sum().compute(), Catch::Contains("TESSERA_WITH_CUDA"));
  }
#endif
#ifndef TESSERA_WITH_KOKKOS
  {
    KernelChoice choice("kokkos");
    CHECK_THROWS_WITH(x.sum().compute(), Catch::Contains("TESSERA_WITH_KOKKOS"));
  }
#endif
  CHECK_THROWS_AS(tessera::config::set("array_kernels", "opencl"), tessera::ConfigError);
}
