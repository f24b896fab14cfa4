// Tests of the base-price estimators: the seeds' rolling max at series edges and gaps, and where
// our regular-level estimator does better (long promotions, rises inside the window, cuts).
#include <numeric>
#include <vector>

#include <gtest/gtest.h>

#include "core/error.h"
#include "derive/derive.h"

namespace retailsim::derive {
namespace {

std::vector<float> run(const std::string& name, const std::vector<int32_t>& weeks,
                       const std::vector<float>& actual, PriceConfig config = {}) {
  std::vector<float> base(actual.size(), -1);
  base_estimator_named(name)(weeks, actual, base, config);
  return base;
}

std::vector<int32_t> consecutive(int n) {
  std::vector<int32_t> w(n);
  std::iota(w.begin(), w.end(), 0);
  return w;
}

// Promo flags from bases (depth > 5%).
std::vector<bool> flags(const std::vector<float>& actual, const std::vector<float>& base) {
  std::vector<bool> out;
  for (size_t i = 0; i < actual.size(); ++i) {
    out.push_back(promotion_of(actual[i], base[i], PriceConfig{}).promo);
  }
  return out;
}

int mistakes(const std::vector<bool>& got, const std::vector<bool>& truth) {
  int n = 0;
  for (size_t i = 0; i < got.size(); ++i) n += got[i] != truth[i];
  return n;
}

TEST(RollingMaxBase, UsesTheCentredFourWeekWindowAtSeriesEdges) {
  // pandas rolling(4, center=True, min_periods=1).max() of 1..6 is 3, 4, 5, 6, 6, 6: window
  // [w-2, w+1].
  const std::vector<float> actual = {1, 2, 3, 4, 5, 6};
  EXPECT_EQ(run("rolling-max", consecutive(6), actual), (std::vector<float>{2, 3, 4, 5, 6, 6}));
  const std::vector<float> falling = {6, 5, 4, 3, 2, 1};
  EXPECT_EQ(run("rolling-max", consecutive(6), falling), (std::vector<float>{6, 6, 6, 5, 4, 3}));
}

TEST(RollingMaxBase, CountsCalendarWeeksNotRowsAcrossGaps) {
  // Weeks 0, 1, 5, 6: week 5's window [3, 6] does not reach back to weeks 0-1.
  const std::vector<float> actual = {9, 1, 2, 3};
  EXPECT_EQ(run("rolling-max", {0, 1, 5, 6}, actual), (std::vector<float>{9, 9, 3, 3}));
}

TEST(RollingMaxBase, HonoursAConfiguredOddWindow) {
  PriceConfig config;
  config.rolling_window_weeks = 3;  // [w-1, w+1]
  EXPECT_EQ(run("rolling-max", consecutive(5), {1, 5, 1, 1, 2}, config),
            (std::vector<float>{5, 5, 5, 2, 2}));
}

TEST(RegularLevelBase, KeepsTheShelfPriceThroughASixWeekPromotion) {
  std::vector<float> actual(26, 100.0f);
  std::vector<bool> truth(26, false);
  for (int w = 10; w < 16; ++w) {
    actual[w] = 70.0f;
    truth[w] = true;
  }
  const auto weeks = consecutive(26);
  const auto ours = run("regular-level", weeks, actual);
  const auto seeds = run("rolling-max", weeks, actual);
  for (float b : ours) EXPECT_FLOAT_EQ(b, 100.0f);
  EXPECT_EQ(mistakes(flags(actual, ours), truth), 0);
  // The centred max forgets the shelf price in the middle of the promotion.
  EXPECT_EQ(mistakes(flags(actual, seeds), truth), 3);
}

TEST(RegularLevelBase, DoesNotLiftTheWeekBeforeAPriceRise) {
  std::vector<float> actual(20, 100.0f);
  for (int w = 10; w < 20; ++w) actual[w] = 110.0f;
  const std::vector<bool> truth(20, false);
  const auto weeks = consecutive(20);
  const auto ours = run("regular-level", weeks, actual);
  const auto seeds = run("rolling-max", weeks, actual);
  EXPECT_EQ(ours, actual);
  EXPECT_EQ(mistakes(flags(actual, ours), truth), 0);
  EXPECT_EQ(mistakes(flags(actual, seeds), truth), 1);  // week 9 sees week 10's 110
  EXPECT_FLOAT_EQ(seeds[9], 110.0f);
}

TEST(RegularLevelBase, TakesALastingDropAsANewShelfPrice) {
  // 100 for 5 weeks, then 80 for 15 weeks (longer than max_promo_weeks = 8): a cut, no promotion.
  std::vector<float> actual(20, 80.0f);
  for (int w = 0; w < 5; ++w) actual[w] = 100.0f;
  const auto ours = run("regular-level", consecutive(20), actual);
  EXPECT_EQ(ours, actual);
}

TEST(RegularLevelBase, IgnoresAOneWeekSpikeAndFlagsThePromotionAfterIt) {
  // 100, a one-week 150 (data glitch), then a promotion at 60, then 100 again.
  const std::vector<float> actual = {100, 100, 100, 150, 60, 60, 100, 100, 100, 100};
  const auto ours = run("regular-level", consecutive(10), actual);
  EXPECT_FLOAT_EQ(ours[3], 150.0f);  // base never below the price paid
  EXPECT_FLOAT_EQ(ours[4], 100.0f);
  EXPECT_FLOAT_EQ(ours[5], 100.0f);
  EXPECT_FLOAT_EQ(ours[9], 100.0f);
}

TEST(RegularLevelBase, GivesAnOpeningPromotionTheShelfPriceThatFollows) {
  const std::vector<float> actual = {70, 70, 70, 100, 100, 100, 100, 100, 100, 100, 100, 100};
  const auto ours = run("regular-level", consecutive(12), actual);
  for (float b : ours) EXPECT_FLOAT_EQ(b, 100.0f);
}

TEST(RegularLevelBase, TreatsADropAtTheSeriesEndAsAPromotion) {
  const std::vector<float> actual = {100, 100, 100, 100, 100, 75, 75};
  const auto ours = run("regular-level", consecutive(7), actual);
  EXPECT_FLOAT_EQ(ours[5], 100.0f);
  EXPECT_FLOAT_EQ(ours[6], 100.0f);
}

TEST(RegularLevelBase, MeasuresThePromotionLimitInWeeksAcrossGaps) {
  PriceConfig config;
  config.max_promo_weeks = 4;
  // Drop at week 10 back at week 13 (3 weeks): promotion. Drop at week 20 back at week 26: cut,
  // and then 100 again is a rise.
  const std::vector<int32_t> weeks = {0, 5, 10, 12, 13, 15, 20, 26, 27, 28};
  const std::vector<float> actual = {100, 100, 70, 70, 100, 100, 80, 100, 100, 100};
  const auto ours = run("regular-level", weeks, actual, config);
  EXPECT_FLOAT_EQ(ours[2], 100.0f);
  EXPECT_FLOAT_EQ(ours[3], 100.0f);
  EXPECT_FLOAT_EQ(ours[6], 80.0f);
  EXPECT_FLOAT_EQ(ours[7], 100.0f);
}

TEST(RegularLevelBase, ToleratesSmallNoiseAroundTheLevel) {
  const std::vector<float> actual = {100, 101, 99.5f, 100.5f, 99, 100};
  const auto ours = run("regular-level", consecutive(6), actual);
  for (size_t i = 0; i < actual.size(); ++i) {
    EXPECT_FALSE(promotion_of(actual[i], ours[i], PriceConfig{}).promo) << i;
    EXPECT_GE(ours[i], actual[i]);
  }
}

TEST(BaseEstimatorRegistry, NamesBothEstimatorsAndRejectsUnknownOnes) {
  EXPECT_EQ(base_estimator_names(), (std::vector<std::string>{"regular-level", "rolling-max"}));
  EXPECT_THROW(base_estimator_named("max"), Error);
}

TEST(EstimateBasePrices, RunsTheEstimatorPerStoreSeries) {
  PriceCells cells;
  // Product 0: store 0 weeks 0-1 at 10, 8; store 1 week 0 at 5. Rolling max must not mix stores.
  cells.product = {0, 0, 0};
  cells.store = {0, 0, 1};
  cells.week = {0, 1, 0};
  cells.actual_price = {10, 8, 5};
  cells.n_rows = {1, 1, 1};
  cells.product_offsets = {0, 3};
  PriceConfig config;
  config.base_estimator = "rolling-max";
  estimate_base_prices(cells, config);
  EXPECT_EQ(cells.base_price, (std::vector<float>{10, 10, 5}));
}

}  // namespace
}  // namespace retailsim::derive
