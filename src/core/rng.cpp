// Portable random number algorithms behind Rng.
#include "core/rng.h"

#include <algorithm>

namespace retailsim {

namespace {
constexpr uint64_t rotl(uint64_t x, int k) {
  return (x << k) | (x >> (64 - k));
}
}  // namespace

Rng::Rng(uint64_t seed) {
  uint64_t x = seed;
  for (auto& s : s_) {
    x = mix64(x);
    s = x;
  }
}

Rng Rng::stream(uint64_t seed, std::initializer_list<uint64_t> ids) {
  uint64_t h = mix64(seed ^ 0x5bd1e9955bd1e995ULL);
  for (uint64_t id : ids) h = mix64(h ^ mix64(id + 0x632be59bd9b4e019ULL));
  return Rng(h);
}

uint64_t Rng::next_u64() {
  const uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

uint64_t Rng::below(uint64_t n) {
  if (n <= 1) return 0;
  // Lemire's nearly divisionless method with rejection: unbiased.
  __uint128_t m = static_cast<__uint128_t>(next_u64()) * n;
  uint64_t low = static_cast<uint64_t>(m);
  if (low < n) {
    uint64_t threshold = -n % n;
    while (low < threshold) {
      m = static_cast<__uint128_t>(next_u64()) * n;
      low = static_cast<uint64_t>(m);
    }
  }
  return static_cast<uint64_t>(m >> 64);
}

double Rng::normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_normal_;
  }
  double u, v, s;
  do {
    u = 2.0 * uniform() - 1.0;
    v = 2.0 * uniform() - 1.0;
    s = u * u + v * v;
  } while (s >= 1.0 || s == 0.0);
  double factor = std::sqrt(-2.0 * std::log(s) / s);
  spare_normal_ = v * factor;
  has_spare_ = true;
  return u * factor;
}

double Rng::gamma(double shape) {
  if (shape < 1.0) {
    double u = uniform();
    return gamma(shape + 1.0) * std::pow(u > 0 ? u : 1e-300, 1.0 / shape);
  }
  const double d = shape - 1.0 / 3.0;
  const double c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    double x, v;
    do {
      x = normal();
      v = 1.0 + c * x;
    } while (v <= 0.0);
    v = v * v * v;
    double u = uniform();
    if (u < 1.0 - 0.0331 * x * x * x * x) return d * v;
    if (std::log(u) < 0.5 * x * x + d * (1.0 - v + std::log(v))) return d * v;
  }
}

double Rng::beta(double a, double b) {
  double x = gamma(a);
  double y = gamma(b);
  return x / (x + y);
}

uint64_t Rng::poisson(double mean) {
  if (mean <= 0.0) return 0;
  if (mean < 30.0) {
    double limit = std::exp(-mean);
    double p = uniform();
    uint64_t k = 0;
    while (p > limit) {
      p *= uniform();
      ++k;
    }
    return k;
  }
  // Large means: normal approximation with continuity correction is accurate enough here.
  double x = std::floor(normal(mean, std::sqrt(mean)) + 0.5);
  return x < 0 ? 0 : static_cast<uint64_t>(x);
}

uint64_t Rng::geometric(double p) {
  if (p >= 1.0) return 0;
  return static_cast<uint64_t>(std::floor(std::log1p(-uniform()) / std::log1p(-p)));
}

size_t Rng::categorical(std::span<const double> weights) {
  double total = 0;
  for (double w : weights) total += w;
  double target = uniform() * total;
  for (size_t i = 0; i < weights.size(); ++i) {
    target -= weights[i];
    if (target < 0) return i;
  }
  return weights.size() - 1;
}

size_t Rng::categorical_cumulative(std::span<const double> cumulative) {
  double target = uniform() * cumulative.back();
  auto it = std::upper_bound(cumulative.begin(), cumulative.end(), target);
  return std::min(static_cast<size_t>(it - cumulative.begin()), cumulative.size() - 1);
}

}  // namespace retailsim
