// Tests of the seeded random generator.
#include "core/rng.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace retailsim {
namespace {

TEST(Rng, SameSeedSameSequence) {
  Rng a(7), b(7), c(8);
  for (int i = 0; i < 100; ++i) {
    uint64_t x = a.next_u64();
    EXPECT_EQ(x, b.next_u64());
    EXPECT_NE(x, c.next_u64());
  }
}

TEST(Rng, StreamsDependOnEveryId) {
  EXPECT_EQ(Rng::stream(1, {2, 3}).next_u64(), Rng::stream(1, {2, 3}).next_u64());
  EXPECT_NE(Rng::stream(1, {2, 3}).next_u64(), Rng::stream(1, {3, 2}).next_u64());
  EXPECT_NE(Rng::stream(1, {2, 3}).next_u64(), Rng::stream(2, {2, 3}).next_u64());
}

TEST(Rng, DistributionsHaveTheirMoments) {
  Rng rng(3);
  const int n = 200000;
  double sum_u = 0, sum_n = 0, sum_n2 = 0, sum_p = 0, sum_g = 0;
  for (int i = 0; i < n; ++i) {
    sum_u += rng.uniform();
    double z = rng.normal();
    sum_n += z;
    sum_n2 += z * z;
    sum_p += static_cast<double>(rng.poisson(3.5));
    sum_g += rng.gamma(2.5);
  }
  EXPECT_NEAR(sum_u / n, 0.5, 0.01);
  EXPECT_NEAR(sum_n / n, 0.0, 0.01);
  EXPECT_NEAR(sum_n2 / n, 1.0, 0.02);
  EXPECT_NEAR(sum_p / n, 3.5, 0.03);
  EXPECT_NEAR(sum_g / n, 2.5, 0.03);
}

TEST(Rng, BelowIsUnbiasedAndInRange) {
  Rng rng(5);
  std::vector<int> counts(3, 0);
  for (int i = 0; i < 30000; ++i) {
    uint64_t k = rng.below(3);
    ASSERT_LT(k, 3u);
    counts[k]++;
  }
  for (int c : counts) EXPECT_NEAR(c, 10000, 400);
}

TEST(Rng, CategoricalFollowsWeights) {
  Rng rng(9);
  std::vector<double> w = {1, 0, 3};
  std::vector<int> counts(3, 0);
  for (int i = 0; i < 40000; ++i) counts[rng.categorical(w)]++;
  EXPECT_EQ(counts[1], 0);
  EXPECT_NEAR(counts[2] / 40000.0, 0.75, 0.01);
  std::vector<double> cumulative = {1, 1, 4};
  EXPECT_NE(rng.categorical_cumulative(cumulative), 1u);
}

}  // namespace
}  // namespace retailsim
