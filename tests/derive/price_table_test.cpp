// Tests of the price table: each waterfall level, forward fill, O(1) lookups, promotions and
// discount bins, price bounds, the dense export and the written columns.
#include <gtest/gtest.h>

#include "core/error.h"
#include "core/npy.h"
#include "derive/derive.h"
#include "derive_fixture.h"
#include "test_util.h"

namespace retailsim::derive {
namespace {

using testing::RowTable;

// Four stores: 0 and 1 share format-region (LS, E01); store 2 is (LS, W01); store 3 is (SS, E01).
const std::vector<int32_t> kFormat = {0, 0, 0, 1};
const std::vector<int32_t> kRegion = {0, 0, 1, 0};

PriceTable table_of(const RowTable& rows, PriceDims dims, PriceConfig config = {}) {
  config.remove_outliers = false;
  return derive_prices(rows.view(), dims, StoreInfo{kFormat, kRegion}, config);
}

TEST(PriceTable, FillsEachWaterfallLevelInOrder) {
  RowTable t;
  // Product 0, week 0: stores 0 (100) and 2 (120). Week 1: nothing. Week 2: store 3 (90).
  t.add(0, 0, 0, 1, 100);
  t.add(0, 2, 0, 1, 120);
  t.add(0, 3, 2, 1, 90);
  // Product 1 first sells in week 2.
  t.add(1, 1, 2, 1, 50);
  PriceConfig config;
  config.base_estimator = "rolling-max";
  PriceTable table = table_of(t, {2, 4, 3}, config);

  auto at = [&](int p, int s, int w) { return table.lookup(p, s, w); };
  EXPECT_EQ(at(0, 0, 0).level, PriceLevel::kObserved);
  EXPECT_FLOAT_EQ(at(0, 0, 0).actual_price, 100);
  // Store 1 shares store 0's format-region.
  EXPECT_EQ(at(0, 1, 0).level, PriceLevel::kFormatRegion);
  EXPECT_FLOAT_EQ(at(0, 1, 0).actual_price, 100);
  // Store 3's format sold nothing in week 0: global median of 100 and 120.
  EXPECT_EQ(at(0, 3, 0).level, PriceLevel::kGlobal);
  EXPECT_FLOAT_EQ(at(0, 3, 0).actual_price, 110);
  // Week 1: nobody sold product 0, each store carries its week-0 price.
  EXPECT_EQ(at(0, 0, 1).level, PriceLevel::kForwardFill);
  EXPECT_FLOAT_EQ(at(0, 0, 1).actual_price, 100);
  EXPECT_EQ(at(0, 2, 1).level, PriceLevel::kForwardFill);
  EXPECT_FLOAT_EQ(at(0, 2, 1).actual_price, 120);
  EXPECT_FLOAT_EQ(at(0, 1, 1).actual_price, 100);  // carried format-region price
  EXPECT_FLOAT_EQ(at(0, 3, 1).actual_price, 110);  // carried global price
  // Week 2: store 3 observed; the others fall to the global median (its only cell).
  EXPECT_EQ(at(0, 3, 2).level, PriceLevel::kObserved);
  EXPECT_EQ(at(0, 0, 2).level, PriceLevel::kGlobal);
  EXPECT_FLOAT_EQ(at(0, 0, 2).actual_price, 90);
  // Before product 1's first sale there is no price.
  EXPECT_EQ(at(1, 1, 0).level, PriceLevel::kNone);
  EXPECT_TRUE(std::isnan(at(1, 1, 0).actual_price));
  EXPECT_EQ(at(1, 0, 2).level, PriceLevel::kFormatRegion);
  // Store 2's group did not sell product 1 in week 2, its format did.
  EXPECT_EQ(at(1, 2, 2).level, PriceLevel::kFormatRegion);
  EXPECT_FLOAT_EQ(at(1, 2, 2).actual_price, 50);
  EXPECT_EQ(at(1, 3, 2).level, PriceLevel::kGlobal);

  // Level counts over the whole grid agree with enumerating it.
  std::vector<uint64_t> enumerated(5, 0);
  for (int p = 0; p < 2; ++p)
    for (int s = 0; s < 4; ++s)
      for (int w = 0; w < 3; ++w) ++enumerated[size_t(at(p, s, w).level)];
  EXPECT_EQ(table.level_counts(), enumerated);
  EXPECT_EQ(enumerated, (std::vector<uint64_t>{4, 3, 5, 4, 8}));
}

TEST(PriceTable, FormatFallbackKeepsTheFormatsPromotionAndPriceLevel) {
  RowTable t;
  // Format 0 (stores 0-2) sells at 100 with a promotion at 80 in week 1 at store 2 (region 1);
  // format 1 (store 3) sells at 150 throughout.
  t.add(0, 0, 0, 1, 100);
  t.add(0, 2, 0, 1, 100);
  t.add(0, 2, 1, 1, 80);
  t.add(0, 2, 2, 1, 100);
  for (int w = 0; w < 3; ++w) t.add(0, 3, w, 1, 150);
  PriceTable table = table_of(t, {1, 4, 3});
  // Week 1, store 0's group did not sell it: its format's promotion, not the global median of
  // 80 and 150.
  const PriceLookup promoted = table.lookup(0, 0, 1);
  EXPECT_EQ(promoted.level, PriceLevel::kFormatRegion);
  EXPECT_FLOAT_EQ(promoted.actual_price, 80);
  EXPECT_FLOAT_EQ(promoted.base_price, 100);
  // Week 2: store 1's group sold nothing; its format's week-2 price is store 2's regular 100.
  EXPECT_FLOAT_EQ(table.lookup(0, 1, 2).actual_price, 100);
  // The other format's price level never leaks in.
  for (int w = 0; w < 3; ++w) EXPECT_FLOAT_EQ(table.lookup(0, 3, w).actual_price, 150);
}

TEST(PriceTable, TakesFallbackMediansOfBasePricesToo) {
  RowTable t;
  // Store 0 has a promotion in week 1 (base 100 from week 0), store 1 sells nothing in week 1.
  t.add(0, 0, 0, 1, 100);
  t.add(0, 0, 1, 1, 80);
  t.add(0, 0, 2, 1, 100);
  PriceTable table = table_of(t, {1, 4, 3});
  const PriceLookup found = table.lookup(0, 1, 1);
  EXPECT_EQ(found.level, PriceLevel::kFormatRegion);
  EXPECT_FLOAT_EQ(found.actual_price, 80);
  EXPECT_FLOAT_EQ(found.base_price, 100);
  const int64_t cell = table.find_cell(0, 0, 1);
  ASSERT_GE(cell, 0);
  EXPECT_EQ(table.promo_flag[cell], 1);
  EXPECT_NEAR(table.discount_depth[cell], 0.2, 1e-6);
  EXPECT_EQ(table.discount_bin[cell], uint8_t(DiscountBin::kMedium));
}

TEST(PriceTable, FindsEveryObservedCellBeyondTheFirst64Weeks) {
  RowTable t;
  for (int w = 0; w < 130; w += 3) t.add(1, 2, w, 1, 100 + w);
  for (int w = 60; w < 70; ++w) t.add(1, 0, w, 1, 500);
  PriceTable table = table_of(t, {2, 4, 130});
  for (size_t c = 0; c < table.cells.size(); ++c) {
    EXPECT_EQ(table.find_cell(table.cells.product[c], table.cells.store[c], table.cells.week[c]),
              int64_t(c));
  }
  EXPECT_EQ(table.find_cell(1, 2, 4), -1);
  EXPECT_EQ(table.find_cell(0, 2, 3), -1);
  EXPECT_EQ(table.words_per_series, 3);
}

TEST(PromotionOf, BinsDiscountDepthsRightInclusiveAt5_15_30Percent) {
  const PriceConfig config;
  auto bin = [&](float actual) { return promotion_of(actual, 100.0f, config).bin; };
  EXPECT_EQ(bin(100), DiscountBin::kNone);
  EXPECT_EQ(bin(95), DiscountBin::kNone);  // exactly 5%: not a promotion
  EXPECT_FALSE(promotion_of(95, 100, config).promo);
  EXPECT_EQ(bin(94), DiscountBin::kShallow);
  EXPECT_TRUE(promotion_of(94, 100, config).promo);
  EXPECT_EQ(bin(85), DiscountBin::kShallow);
  EXPECT_EQ(bin(84), DiscountBin::kMedium);
  EXPECT_EQ(bin(70), DiscountBin::kMedium);
  EXPECT_EQ(bin(69), DiscountBin::kDeep);
  EXPECT_EQ(bin(10), DiscountBin::kDeep);
  // Above the base: depth clipped at 0.
  EXPECT_FLOAT_EQ(promotion_of(120, 100, config).depth, 0.0f);
  EXPECT_EQ(bin(120), DiscountBin::kNone);
  PriceConfig strict;
  strict.promo_threshold = 0.01;
  EXPECT_TRUE(promotion_of(98, 100, strict).promo);
}

TEST(PriceTable, BoundsEachProductBetweenItsActualPriceQuantiles) {
  RowTable t;
  for (int w = 0; w < 11; ++w) t.add(0, 0, w, 1, 100 + 10 * w);  // 100 .. 200
  PriceTable table = table_of(t, {2, 4, 11});
  EXPECT_NEAR(table.price_low[0], 120.0f, 1e-4);   // 20th percentile
  EXPECT_NEAR(table.price_high[0], 195.0f, 1e-4);  // 95th percentile
  EXPECT_TRUE(std::isnan(table.price_low[1]));
}

TEST(DensePrices, MatchesLookupsAndRefusesLargeGrids) {
  RowTable t;
  t.add(0, 0, 0, 1, 100);
  t.add(0, 0, 1, 1, 50);
  t.add(1, 3, 1, 2, 300);
  PriceConfig config;
  PriceTable table = table_of(t, {2, 4, 2}, config);
  DensePrices dense = dense_prices(table, config);
  ASSERT_EQ(dense.level.size(), 16u);
  for (int p = 0; p < 2; ++p)
    for (int s = 0; s < 4; ++s)
      for (int w = 0; w < 2; ++w) {
        const size_t i = (size_t(p) * 4 + s) * 2 + w;
        const PriceLookup found = table.lookup(p, s, w);
        EXPECT_EQ(dense.level[i], uint8_t(found.level));
        if (found.level != PriceLevel::kNone) {
          EXPECT_FLOAT_EQ(dense.actual_price[i], found.actual_price);
        }
      }
  EXPECT_EQ(dense.promo_flag[1], 1);  // product 0, store 0, week 1: 50 against base 100
  config.dense_max_cells = 15;
  EXPECT_THROW(dense_prices(table, config), Error);
}

TEST(RowPromoFlags, FlagsRowsWhoseCellIsOnPromotion) {
  RowTable t;
  t.add(0, 0, 0, 1, 100);
  t.add(0, 0, 1, 1, 60);
  t.add(0, 0, 1, 2, 120);
  t.add(0, 0, 2, 1, 100);
  PriceConfig config;
  PriceTable table = table_of(t, {1, 4, 3}, config);
  EXPECT_EQ(row_promo_flags(table, t.view(), config), (std::vector<uint8_t>{0, 1, 1, 0}));
}

TEST(WritePriceTable, WritesNpyColumnsThatReadBack) {
  RowTable t;
  t.add(0, 0, 0, 1, 100);
  t.add(0, 1, 1, 1, 80);
  PriceTable table = table_of(t, {1, 4, 2});
  retailsim::testing::ScratchDir dir;
  const auto names = write_price_table(table, dir.path());
  EXPECT_EQ(names.size(), 18u);
  EXPECT_EQ(read_npy<float>(dir / "cell_actual_price.npy"), table.cells.actual_price);
  EXPECT_EQ(read_npy<int32_t>(dir / "store_group.npy"), (std::vector<int32_t>{0, 0, 1, 2}));
  const NpyInfo info = read_npy_info(dir / "group_actual_price.npy");
  EXPECT_EQ(info.shape, (std::vector<uint64_t>{1, 3, 2}));
}

}  // namespace
}  // namespace retailsim::derive
