// Pseudo-brands on hand-made products: price tiers split, edges move the split, unsold products.
#include <gtest/gtest.h>

#include <cmath>

#include "features/features.h"

namespace retailsim::features {
namespace {

TEST(PseudoBrands, SplitsASubCommodityByPriceTierAndKeepsSubCommoditiesApart) {
  // CL 0: 100, 102, 104 (one tier) and 150, 152 (another); CL 1: 101 alone; product 6 unsold.
  const std::vector<int32_t> cl = {0, 0, 0, 0, 0, 1, 1};
  const std::vector<float> price = {100, 102, 104, 150, 152, 101, std::nanf("")};
  const PseudoBrandInputs in{cl, price, {}, {}, {}, {}};
  const PseudoBrands b = pseudo_brands(in, FeaturesConfig{});
  EXPECT_EQ(b.id, (std::vector<int32_t>{0, 0, 0, 1, 1, 2, -1}));
  EXPECT_EQ(b.n_pseudo_brands, 3);
  EXPECT_EQ(b.confidence[6], 0.0f);
  for (int p = 0; p < 6; ++p) {
    EXPECT_GT(b.confidence[static_cast<size_t>(p)], 0.5f) << p;
    EXPECT_LE(b.confidence[static_cast<size_t>(p)], 1.0f) << p;
  }
}

TEST(PseudoBrands, SubstituteEdgesSeparateAndComplementEdgesJoinNearTiers) {
  const std::vector<int32_t> cl = {0, 0};
  const std::vector<float> close = {100, 105};      // distance ln(1.05)/0.15 = 0.33
  const std::vector<uint64_t> offsets = {0, 1, 1};  // edge 0 -> 1
  const std::vector<int32_t> target = {1};
  const std::vector<uint64_t> none = {0, 0, 0};
  FeaturesConfig c;
  c.substitute_penalty = 1.0;
  EXPECT_EQ(pseudo_brands({cl, close, none, {}, none, {}}, c).n_pseudo_brands, 1);
  EXPECT_EQ(pseudo_brands({cl, close, none, {}, offsets, target}, c).n_pseudo_brands, 2);
  const std::vector<float> apart = {100, 118};  // distance ln(1.18)/0.15 = 1.10
  EXPECT_EQ(pseudo_brands({cl, apart, none, {}, none, {}}, c).n_pseudo_brands, 2);
  EXPECT_EQ(pseudo_brands({cl, apart, offsets, target, none, {}}, c).n_pseudo_brands, 1);
}

}  // namespace
}  // namespace retailsim::features
