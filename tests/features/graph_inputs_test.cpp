// Layer 3's inputs without LibTorch: undirected edges and initial features from a product graph,
// and the nearest-neighbour sub-commodity share with its chance rate.
#include <gtest/gtest.h>

#include <cmath>

#include "features/features.h"

namespace retailsim::features {
namespace {

TEST(GraphInputs, MakesComplementEdgesUndirectedOnceAndOneHotsTheHierarchy) {
  derive::ProductGraph graph;
  graph.n_products = 4;
  graph.product_baskets = {10, 5, 5, 0};
  // 0 -> 1, 1 -> 0 (the same pair from both ends) and 2 -> 1; product 3 has no edge.
  graph.complements.offsets = {0, 1, 2, 3, 3};
  graph.complements.target = {1, 0, 1};
  const std::vector<int32_t> cl = {0, 0, 1, 1}, dep = {0, 0, 0, 1}, g = {0, 0, 0, 0},
                             d = {0, 0, 0, 0};
  const std::span<const int32_t> parents[4] = {cl, dep, g, d};
  PriceEncodingStats prices;
  prices.log_price_mean = std::log(100.0);
  prices.product_sold = {1, 1, 1, 0};
  prices.product_log_price = {4.6f, 5.0f, 4.0f, 4.5f};
  prices.product_log_min = prices.product_log_price;
  prices.product_log_max = prices.product_log_price;
  prices.product_tier = {0, 1, 0.5f, 0.5f};
  for (auto& level : prices.product_level_log_price) level = prices.product_log_price;
  const std::vector<int32_t> brand = {0, 1, 2, -1};
  const GraphInputs in = graph_inputs(graph, parents, brand, prices);
  EXPECT_EQ(in.offsets, (std::vector<int64_t>{0, 1, 3, 4, 4}));
  EXPECT_EQ(in.targets, (std::vector<int32_t>{1, 0, 2, 1}));
  ASSERT_EQ(in.features.size(), 4u * kGraphFeatureDims);
  for (size_t p = 0; p < 4; ++p) {
    const float* f = in.features.data() + p * kGraphFeatureDims;
    EXPECT_EQ(f[cl[p]], 1.0f);                                 // CL block [0, 64)
    EXPECT_EQ(f[64 + dep[p]], 1.0f);                           // DEP block [64, 96)
    EXPECT_EQ(f[brand[p] >= 0 ? 120 + brand[p] : 135], 1.0f);  // pseudo-brand or none
    float hierarchy = 0;
    for (int k = 0; k < 136; ++k) hierarchy += f[k];
    EXPECT_EQ(hierarchy, 5.0f) << p;  // 4 levels and the brand
    for (int k = 0; k < kGraphFeatureDims; ++k) {
      ASSERT_TRUE(std::isfinite(f[k]) && f[k] >= -1 && f[k] <= 1) << p << " " << k;
    }
  }
  EXPECT_EQ(in.features[3 * kGraphFeatureDims + 139], 0.0f);  // unsold
  EXPECT_EQ(in.features[1 * kGraphFeatureDims + 143], 1.0f);  // the largest degree
}

TEST(GraphInputs, NeighbourShareCountsSameSubCommodityNeighboursAgainstChance) {
  // Products 0-2 point one way, 3-5 the other; 0-2 are sub-commodity 0, 3-4 are 1, 5 is 2.
  const std::vector<float> e = {1, 0, 0.9f, 0.1f, 0.8f, 0.2f, 0, 1, 0.1f, 0.9f, 0.2f, 0.8f};
  const std::vector<int32_t> category = {0, 0, 0, 1, 1, 2};
  const NeighbourAgreement a = neighbour_same_subcommodity(e, 2, category, 2);
  // Nearest 2: products 0-2 find the other two (share 1); 3 and 4 find each other and 5 (1/2);
  // 5 finds 4 and 3 (0).
  EXPECT_NEAR(a.share, (3 * 1.0 + 2 * 0.5 + 0) / 6, 1e-12);
  EXPECT_NEAR(a.chance, (3 * 2.0 / 5 + 2 * 1.0 / 5 + 0) / 6, 1e-12);
}

}  // namespace
}  // namespace retailsim::features
