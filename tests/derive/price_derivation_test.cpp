// Tests of actual prices: cell medians, invalid rows, outlier removal, large buckets, determinism.
#include <map>
#include <tuple>

#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include "core/error.h"
#include "core/rng.h"
#include "derive/derive.h"
#include "derive/order_stats.h"
#include "derive_fixture.h"

namespace retailsim::derive {
namespace {

using testing::RowTable;

TEST(ActualPrices, TakesMedianOfUnitPricesForOddAndEvenCounts) {
  RowTable t;
  // Cell (product 1, store 0, week 2): unit prices 300, 100, 200 (one row of 3 units).
  t.add(1, 0, 2, 1, 300);
  t.add(1, 0, 2, 1, 100);
  t.add(1, 0, 2, 3, 600);
  // Cell (product 0, store 1, week 0): 100, 400, 200, 300 -> (200 + 300) / 2.
  t.add(0, 1, 0, 1, 100);
  t.add(0, 1, 0, 2, 800);
  t.add(0, 1, 0, 1, 200);
  t.add(0, 1, 0, 1, 300);
  // Cell (product 0, store 0, week 1): one row.
  t.add(0, 0, 1, 4, 250);
  PriceConfig config;
  config.remove_outliers = false;
  PriceCells cells = actual_prices(t.view(), {2, 2, 3}, config);
  ASSERT_EQ(cells.size(), 3u);
  // Sorted by product, store, week.
  EXPECT_EQ(std::tie(cells.product[0], cells.store[0], cells.week[0]), std::tuple(0, 0, 1));
  EXPECT_FLOAT_EQ(cells.actual_price[0], 62.5f);
  EXPECT_EQ(cells.n_rows[0], 1u);
  EXPECT_EQ(std::tie(cells.product[1], cells.store[1], cells.week[1]), std::tuple(0, 1, 0));
  EXPECT_FLOAT_EQ(cells.actual_price[1], 250.0f);
  EXPECT_EQ(cells.n_rows[1], 4u);
  EXPECT_EQ(std::tie(cells.product[2], cells.store[2], cells.week[2]), std::tuple(1, 0, 2));
  EXPECT_FLOAT_EQ(cells.actual_price[2], 200.0f);
  EXPECT_EQ(cells.product_offsets, (std::vector<uint64_t>{0, 2, 3}));
}

TEST(ActualPrices, SkipsAndCountsRowsWithoutAUnitPrice) {
  RowTable t;
  t.add(0, 0, 0, 1, 100);
  t.add(0, 0, 0, 0, 100);    // no quantity
  t.add(0, 0, 0, -1, -100);  // a return
  t.add(0, 0, 0, 1, 0);      // free
  OutlierSummary summary;
  PriceCells cells = actual_prices(t.view(), {1, 1, 1}, PriceConfig{}, &summary);
  ASSERT_EQ(cells.size(), 1u);
  EXPECT_EQ(cells.n_rows[0], 1u);
  EXPECT_EQ(summary.rows_in, 4u);
  EXPECT_EQ(summary.rows_invalid, 3u);
  EXPECT_EQ(summary.rows_kept, 1u);
}

TEST(ActualPrices, RejectsIdsOutsideTheDimensions) {
  RowTable t;
  t.add(0, 5, 0, 1, 100);
  EXPECT_THROW(actual_prices(t.view(), {1, 2, 1}, PriceConfig{}), Error);
}

TEST(ActualPrices, RemovesUnitPriceOutliersPerProductWithTheSeedsRule) {
  RowTable t;
  // Product 0: 20 rows at 100..119 and one at 1000 (a data error) and one at 1 in another week.
  for (int i = 0; i < 20; ++i) t.add(0, 0, 0, 1, 100 + i);
  t.add(0, 0, 0, 1, 1000);
  t.add(0, 0, 1, 1, 1);
  // Product 1 lives at 1000: the same price is no outlier there.
  for (int i = 0; i < 5; ++i) t.add(1, 0, 0, 1, 1000);
  OutlierSummary summary;
  PriceCells cells = actual_prices(t.view(), {2, 1, 2}, PriceConfig{}, &summary);
  // 22 prices of product 0: q05 and q95 by linear interpolation, bounds +-1.5 x their range.
  std::vector<double> prices;
  for (int i = 0; i < 20; ++i) prices.push_back(100 + i);
  prices.push_back(1000);
  prices.push_back(1);
  std::vector<double> copy = prices;
  const double q05 = quantile_inplace(std::span<double>(copy), 0.05);
  const double q95 = quantile_inplace(std::span<double>(copy), 0.95);
  EXPECT_NEAR(summary.low_bound[0], q05 - 1.5 * (q95 - q05), 1e-3);
  EXPECT_NEAR(summary.high_bound[0], q95 + 1.5 * (q95 - q05), 1e-3);
  ASSERT_LT(summary.high_bound[0], 1000.0f);
  ASSERT_GT(summary.low_bound[0], 1.0f);
  EXPECT_EQ(summary.rows_removed, 2u);
  EXPECT_EQ(summary.removed_per_product[0], 2u);
  EXPECT_EQ(summary.removed_per_product[1], 0u);
  // Week 1's only row was an outlier: that cell is gone; week 0's median ignores the 1000.
  ASSERT_EQ(cells.size(), 2u);
  EXPECT_EQ(cells.week[0], 0);
  EXPECT_EQ(cells.n_rows[0], 20u);
  EXPECT_FLOAT_EQ(cells.actual_price[0], 109.5f);
  EXPECT_FLOAT_EQ(cells.actual_price[1], 1000.0f);

  PriceConfig keep_all;
  keep_all.remove_outliers = false;
  PriceCells unfiltered = actual_prices(t.view(), {2, 1, 2}, keep_all);
  EXPECT_EQ(unfiltered.size(), 3u);
  EXPECT_FLOAT_EQ(unfiltered.actual_price[0], 110.0f);
}

TEST(QuantileInplace, InterpolatesLinearlyLikeNumpy) {
  std::vector<double> v = {4, 1, 3, 2};
  EXPECT_DOUBLE_EQ(quantile_inplace(std::span<double>(v), 0.5), 2.5);
  EXPECT_DOUBLE_EQ(quantile_inplace(std::span<double>(v), 0.2), 1.6);  // numpy: 1.6
  EXPECT_DOUBLE_EQ(quantile_inplace(std::span<double>(v), 1.0), 4.0);
  EXPECT_DOUBLE_EQ(quantile_inplace(std::span<double>(v), 0.0), 1.0);
}

// Many rows per product (the radix path) agree with a straightforward map-of-vectors median.
TEST(ActualPrices, LargeBucketsMatchANaiveMedianAndAnyThreadCount) {
  RowTable t;
  Rng rng(11);
  const PriceDims dims{3, 40, 70};
  for (int i = 0; i < 30000; ++i) {
    const int32_t p = int32_t(rng.below(3)), s = int32_t(rng.below(40)), w = int32_t(rng.below(70));
    const int32_t q = 1 + int32_t(rng.below(3));
    t.add(p, s, w, q, q * (100 + int64_t(rng.below(50)) + 10 * p));
  }
  PriceConfig config;
  config.remove_outliers = false;
  std::map<std::tuple<int, int, int>, std::vector<double>> naive;
  for (size_t i = 0; i < t.product.size(); ++i) {
    naive[{t.product[i], t.store[i], t.week[i]}].push_back(
        float(double(t.spend_cents[i]) / t.quantity[i]));
  }
  PriceCells one, many;
  {
    tbb::global_control threads(tbb::global_control::max_allowed_parallelism, 1);
    one = actual_prices(t.view(), dims, config);
  }
  {
    tbb::global_control threads(tbb::global_control::max_allowed_parallelism, 4);
    many = actual_prices(t.view(), dims, config);
  }
  ASSERT_EQ(one.size(), naive.size());
  size_t k = 0;
  for (auto& [key, values] : naive) {
    EXPECT_EQ(std::tuple(one.product[k], one.store[k], one.week[k]), key);
    EXPECT_FLOAT_EQ(one.actual_price[k], float(median_inplace(std::span<double>(values))));
    ++k;
  }
  EXPECT_EQ(one.actual_price, many.actual_price);
  EXPECT_EQ(one.store, many.store);
  EXPECT_EQ(one.week, many.week);
  EXPECT_EQ(one.n_rows, many.n_rows);
}

}  // namespace
}  // namespace retailsim::derive
