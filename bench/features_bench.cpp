// Price-encoding throughput on a dataset folder with derived/prices/ and features/: encodes a
// seeded sample of (product, store, week) cells on one thread (the observed cells of the price
// table and cells drawn uniformly from the grid, half each) and prints one JSON line with cells
// per second by wall and by the thread's CPU time.
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <span>
#include <string>
#include <vector>

#include "core/npy.h"
#include "core/rng.h"
#include "features/features.h"

using namespace retailsim;

namespace {

double thread_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: features_bench DATA_DIR [N_CELLS]\n");
    return 2;
  }
  const fs::path data = argv[1];
  const size_t n = argc > 2 ? std::stoull(argv[2]) : 2'000'000;
  try {
    const auto open_start = std::chrono::steady_clock::now();
    const features::PriceEncoder encoder = features::PriceEncoder::open(data);
    const double open_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - open_start).count();
    const std::vector<int32_t> cell_product =
        read_npy<int32_t>(data / "derived/prices/cell_product.npy");
    const std::vector<int32_t> cell_store =
        read_npy<int32_t>(data / "derived/prices/cell_store.npy");
    const std::vector<int32_t> cell_week = read_npy<int32_t>(data / "derived/prices/cell_week.npy");
    std::vector<int32_t> product(n), store(n), week(n);
    Rng rng(42);
    for (size_t i = 0; i < n; ++i) {
      if (i % 2 == 0 && !cell_product.empty()) {
        const size_t c = rng.below(cell_product.size());
        product[i] = cell_product[c];
        store[i] = cell_store[c];
        week[i] = cell_week[c];
      } else {
        product[i] = static_cast<int32_t>(rng.below(uint64_t(encoder.n_products())));
        store[i] = static_cast<int32_t>(rng.below(uint64_t(encoder.n_stores())));
        week[i] = static_cast<int32_t>(rng.below(uint64_t(encoder.n_weeks())));
      }
    }
    std::vector<float> out(features::kPriceDims * 1024);
    double checksum = 0;
    const auto start = std::chrono::steady_clock::now();
    const double cpu_start = thread_cpu_seconds();
    for (size_t begin = 0; begin < n; begin += 1024) {
      const size_t m = std::min<size_t>(1024, n - begin);
      encoder.encode_many(std::span(product).subspan(begin, m), std::span(store).subspan(begin, m),
                          std::span(week).subspan(begin, m), out.data());
      checksum += out[0];
    }
    const double cpu = thread_cpu_seconds() - cpu_start;
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const Json result = {{"cells", n},
                         {"open_seconds", open_seconds},
                         {"seconds", wall},
                         {"cpu_seconds", cpu},
                         {"cells_per_s", double(n) / wall},
                         {"cells_per_cpu_s", double(n) / cpu},
                         {"checksum", checksum}};
    std::printf("%s\n", result.dump().c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "features_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
