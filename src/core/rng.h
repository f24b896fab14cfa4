// The seeded random generator every random choice in RetailSim flows from. Its own algorithms
// (xoshiro256**, Box-Muller, Marsaglia-Tsang...) make the same seed give the same numbers with any
// compiler or standard library, so the same config gives the same bytes.
#pragma once

#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <span>

namespace retailsim {

// splitmix64 step: a good 64-bit mixer for deriving seeds.
constexpr uint64_t mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

class Rng {
 public:
  explicit Rng(uint64_t seed = 0);
  // An independent stream for (seed, ids...): e.g. Rng::stream(seed, kCustomers, customer_index),
  // so parallel work draws the same numbers whatever the thread schedule.
  static Rng stream(uint64_t seed, std::initializer_list<uint64_t> ids);

  uint64_t next_u64();
  // Uniform in [0, 1).
  double uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // Uniform integer in [0, n).
  uint64_t below(uint64_t n);
  int64_t uniform_int(int64_t lo, int64_t hi_inclusive) {
    return lo + static_cast<int64_t>(below(static_cast<uint64_t>(hi_inclusive - lo + 1)));
  }
  bool bernoulli(double p) { return uniform() < p; }
  double normal();
  double normal(double mean, double sd) { return mean + sd * normal(); }
  double lognormal(double mu, double sigma) { return std::exp(normal(mu, sigma)); }
  double exponential(double rate) { return -std::log1p(-uniform()) / rate; }
  double gamma(double shape);  // scale 1
  double beta(double a, double b);
  uint64_t poisson(double mean);
  uint64_t geometric(double p);  // failures before the first success, p in (0, 1]
  // Index drawn with probability proportional to weights[i] (non-negative, not all zero).
  size_t categorical(std::span<const double> weights);
  // Index drawn from a cumulative weight table (cumulative[i] = sum of weights[0..i]).
  size_t categorical_cumulative(std::span<const double> cumulative);

 private:
  uint64_t s_[4];
  double spare_normal_ = 0.0;
  bool has_spare_ = false;
};

}  // namespace retailsim
