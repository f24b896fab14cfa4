// Tests of the candidate price features: references from the training weeks, the price against
// the sub-commodity's and against the reference, promotions, and the table and given-price paths
// agreeing.
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "derive/derive.h"
#include "derive/derive_fixture.h"
#include "model/model.h"

namespace retailsim::model {
namespace {

using derive::testing::RowTable;

const std::vector<int32_t> kFormat = {0, 0};
const std::vector<int32_t> kRegion = {0, 0};
constexpr int kWeeks = 19;

// Products 0 and 1 form sub-commodity 0, product 2 sub-commodity 1. Two stores of one
// format-region group. Product 0 sells at 100 with a 20% promotion in week 2; product 1 at 200;
// product 2 at 50 and, from week 9 on, at 60 (a regular price rise, longer than a promotion).
PriceFeatures features_of(int32_t reference_weeks, std::vector<float> weight = {}) {
  RowTable rows;
  for (int w = 0; w < kWeeks; ++w) {
    for (int s = 0; s < 2; ++s) {
      rows.add(0, s, w, 1, w == 2 ? 80 : 100);
      rows.add(1, s, w, 1, 200);
      rows.add(2, s, w, 1, w < 9 ? 50 : 60);
    }
  }
  derive::PriceConfig config;
  config.remove_outliers = false;
  auto table = std::make_shared<const derive::PriceTable>(derive::derive_prices(
      rows.view(), {3, 2, kWeeks}, derive::StoreInfo{kFormat, kRegion}, config));
  return PriceFeatures(table, {0, 0, 1}, config, reference_weeks, std::move(weight));
}

std::vector<float> from_prices(const PriceFeatures& f, std::vector<float> actual,
                               std::vector<float> depth) {
  std::vector<float> out(actual.size() * kPriceFeatures);
  f.from_prices(0, actual, depth, out);
  return out;
}

TEST(PriceFeatures, ReferencesComeFromTheTrainingWeeksOnly) {
  const PriceFeatures training = features_of(8);
  EXPECT_FLOAT_EQ(training.table().lookup(2, 0, 15).base_price, 60);  // the table saw the rise
  EXPECT_FLOAT_EQ(training.reference(0, 1), 100);  // the promotion is not a regular price
  EXPECT_FLOAT_EQ(training.reference(2, 0), 50);
  // After the rise, product 2 is 20% above its reference (and alone in its sub-commodity).
  const std::vector<float> week15 = training.at(0, 15);
  EXPECT_NEAR(week15[2 * kPriceFeatures + 0], 0.0f, 1e-6);
  EXPECT_NEAR(week15[2 * kPriceFeatures + 1], std::log(1.2f), 1e-6);
  // Every week as reference: the new price is the median, so week 15 is regular.
  const PriceFeatures all = features_of(0);
  EXPECT_FLOAT_EQ(all.reference(2, 0), 60);
  EXPECT_NEAR(all.at(0, 15)[2 * kPriceFeatures + 1], 0.0f, 1e-6);
}

TEST(PriceFeatures, WeightsSetEachProductsShareOfItsSubCommoditysLevel) {
  // Product 1 weighs 3 times product 0. Product 1 10% cheaper: the sub-commodity's level falls by
  // 3/4 of the cut, so product 0 looks 3/4 of it dearer and product 1 only 1/4 of it cheaper.
  const PriceFeatures f = features_of(8, {1, 3, 5});
  const float cut = std::log(0.9f);
  const std::vector<float> one_cut = from_prices(f, {100, 180, 50}, {0, 0, 0});
  EXPECT_NEAR(one_cut[0], -0.75f * cut, 1e-6);
  EXPECT_NEAR(one_cut[kPriceFeatures + 0], 0.25f * cut, 1e-6);
  EXPECT_NEAR(one_cut[kPriceFeatures + 1], cut, 1e-6);  // own price: weights do not matter
  // A cut of the whole sub-commodity leaves every relative price at 0 whatever the weights.
  const std::vector<float> both = from_prices(f, {90, 180, 50}, {0, 0, 0});
  EXPECT_NEAR(both[0], 0.0f, 1e-6);
  EXPECT_NEAR(both[kPriceFeatures + 0], 0.0f, 1e-6);
  // Weights must be one positive value per product.
  EXPECT_THROW(features_of(8, {1, 2}), Error);
  EXPECT_THROW(features_of(8, {1, 0, 1}), Error);
}

TEST(PriceFeatures, RegularPricesGiveZeros) {
  const PriceFeatures f = features_of(8);
  for (float v : f.at(1, 1)) EXPECT_NEAR(v, 0.0f, 1e-6);
  for (float v : from_prices(f, {100, 200, 50}, {0, 0, 0})) EXPECT_NEAR(v, 0.0f, 1e-6);
  // Outside the table's weeks: every product regular.
  for (float v : f.at(0, kWeeks + 3)) EXPECT_EQ(v, 0.0f);
}

TEST(PriceFeatures, RelativePriceIsAgainstTheSubCommodityAndOwnAgainstTheReference) {
  const PriceFeatures f = features_of(8);
  const float cut = std::log(0.9f);
  // Product 0 alone 10% cheaper: cheaper than its substitute, which looks dearer.
  std::vector<float> one = from_prices(f, {90, 200, 50}, {0, 0, 0});
  EXPECT_NEAR(one[0], cut / 2, 1e-6);
  EXPECT_NEAR(one[1], cut, 1e-6);
  EXPECT_NEAR(one[kPriceFeatures + 0], -cut / 2, 1e-6);
  EXPECT_NEAR(one[kPriceFeatures + 1], 0.0f, 1e-6);
  EXPECT_EQ(one[2], 0.0f);  // a shelf price cut is not a promotion
  for (int k = 0; k < kPriceFeatures; ++k) EXPECT_NEAR(one[2 * kPriceFeatures + k], 0.0f, 1e-6);
  // The whole sub-commodity 10% cheaper: no substitution, only the own prices move.
  std::vector<float> both = from_prices(f, {90, 180, 50}, {0, 0, 0});
  for (int p = 0; p < 2; ++p) {
    EXPECT_NEAR(both[p * kPriceFeatures + 0], 0.0f, 1e-6);
    EXPECT_NEAR(both[p * kPriceFeatures + 1], cut, 1e-6);
  }
  // Unknown prices count as at the reference.
  std::vector<float> unknown = from_prices(f, {90, std::nanf(""), 50}, {0, 0, 0});
  EXPECT_NEAR(unknown[kPriceFeatures + 0], -cut / 2, 1e-6);
  EXPECT_NEAR(unknown[kPriceFeatures + 1], 0.0f, 1e-6);
}

TEST(PriceFeatures, PromotionsFromTheTableAndFromGivenPricesAgree) {
  const PriceFeatures f = features_of(8);
  const std::vector<float> week2 = f.at(0, 2);
  EXPECT_EQ(week2[2], 1.0f);
  EXPECT_NEAR(week2[3], 0.2f, 1e-6);
  EXPECT_NEAR(week2[0], std::log(0.8f) / 2, 1e-6);
  EXPECT_NEAR(week2[1], std::log(0.8f), 1e-6);
  std::vector<float> actual(3), depth(3);
  f.table_prices(0, 2, actual, depth);
  EXPECT_FLOAT_EQ(actual[0], 80);
  EXPECT_NEAR(depth[0], 0.2f, 1e-6);
  EXPECT_EQ(depth[1], 0.0f);
  const std::vector<float> given = from_prices(f, actual, depth);
  for (size_t i = 0; i < given.size(); ++i) EXPECT_FLOAT_EQ(given[i], week2[i]) << i;
  EXPECT_THROW(f.from_prices(0, actual, depth, std::span<float>(actual)), std::exception);
}

}  // namespace
}  // namespace retailsim::model
