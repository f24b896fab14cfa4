// The adjusted Rand index on hand-made labelings.
#include <gtest/gtest.h>

#include "core/rng.h"
#include "features/features.h"

namespace retailsim::features {
namespace {

TEST(AdjustedRandIndex, IsOneForIdenticalAndRenamedPartitions) {
  const std::vector<int32_t> a = {0, 0, 1, 1, 2, 2, 2};
  EXPECT_DOUBLE_EQ(adjusted_rand_index(a, a), 1.0);
  const std::vector<int32_t> renamed = {5, 5, 9, 9, 3, 3, 3};
  EXPECT_DOUBLE_EQ(adjusted_rand_index(a, renamed), 1.0);
}

TEST(AdjustedRandIndex, MatchesAHandComputedValue) {
  // Contingency [[2,0],[0,1],[0,1]]: index 1, rows 1+0+0... a = {0,0,1,1}, b = {0,0,1,2}:
  // sum_ij C(n_ij,2) = 1, sum_a = 2, sum_b = 1, expected = 2*1/6 = 1/3, max = 1.5.
  // ARI = (1 - 1/3) / (1.5 - 1/3) = 4/7.
  const std::vector<int32_t> a = {0, 0, 1, 1}, b = {0, 0, 1, 2};
  EXPECT_NEAR(adjusted_rand_index(a, b), 4.0 / 7.0, 1e-12);
  // One cluster against all singletons: no agreement beyond chance.
  const std::vector<int32_t> one = {0, 0, 0, 0}, singletons = {0, 1, 2, 3};
  EXPECT_NEAR(adjusted_rand_index(one, singletons), 0.0, 1e-12);
}

TEST(AdjustedRandIndex, IsNearZeroForIndependentLabelings) {
  Rng rng(3);
  std::vector<int32_t> a(20000), b(20000);
  for (size_t i = 0; i < a.size(); ++i) {
    a[i] = static_cast<int32_t>(rng.below(8));
    b[i] = static_cast<int32_t>(rng.below(5));
  }
  EXPECT_NEAR(adjusted_rand_index(a, b), 0.0, 0.01);
}

TEST(AdjustedRandIndex, LeavesOutItemsWithNegativeLabels) {
  const std::vector<int32_t> a = {0, 0, 1, 1, -1}, b = {7, 7, 8, 8, 9};
  EXPECT_DOUBLE_EQ(adjusted_rand_index(a, b), 1.0);
  const std::vector<int32_t> c = {0, 0, 1, 1, 1};
  EXPECT_LT(adjusted_rand_index(c, b), 1.0);
}

}  // namespace
}  // namespace retailsim::features
