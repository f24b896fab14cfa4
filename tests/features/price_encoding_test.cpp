// Layer 2, the price encoding, on hand-made price rows: block layout and ranges, the fallback for
// cells never priced, velocity after a planted price drop, statistics from the training table
// only, and materialised encodings equal to the on-the-fly ones.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "core/error.h"
#include "core/npy.h"
#include "features/features.h"
#include "test_util.h"

namespace retailsim::features {
namespace {

// 3 products (two in sub-commodity 0, one in 1), 2 stores of one format and region, 10 weeks.
// Product 0 sells at 200 cents in both stores, dropping to 160 at store 0 in weeks 5-6; product 1
// sells at 400 from week 0; product 2 first sells in week 3, at 100.
struct World {
  std::vector<int32_t> product, store, week, quantity;
  std::vector<int64_t> spend;
  std::vector<int32_t> format = {0, 0}, region = {0, 0};
  std::vector<int32_t> parents[4] = {{0, 0, 1}, {0, 0, 0}, {0, 0, 0}, {0, 0, 0}};

  void sell(int32_t p, int32_t s, int32_t w, int64_t cents) {
    product.push_back(p);
    store.push_back(s);
    week.push_back(w);
    quantity.push_back(1);
    spend.push_back(cents);
  }
  World() {
    for (int32_t w = 0; w < 10; ++w) {
      for (int32_t s = 0; s < 2; ++s) {
        sell(0, s, w, s == 0 && (w == 5 || w == 6) ? 160 : 200);
        sell(1, s, w, 400);
        if (w >= 3) sell(2, s, w, 100);
      }
    }
  }
  // The price table of weeks [0, n_weeks).
  derive::PriceTable table(int32_t n_weeks) const {
    std::vector<int32_t> p, s, w, q;
    std::vector<int64_t> c;
    for (size_t i = 0; i < product.size(); ++i) {
      if (week[i] >= n_weeks) continue;
      p.push_back(product[i]);
      s.push_back(store[i]);
      w.push_back(week[i]);
      q.push_back(quantity[i]);
      c.push_back(spend[i]);
    }
    derive::PriceConfig config;
    config.remove_outliers = false;
    return derive::derive_prices(derive::PriceRows{p, s, w, q, c}, derive::PriceDims{3, 2, n_weeks},
                                 derive::StoreInfo{format, region}, config);
  }
  PriceEncodingStats stats(int32_t n_train_weeks) const {
    const std::span<const int32_t> spans[4] = {parents[0], parents[1], parents[2], parents[3]};
    return fit_price_encoding(table(n_train_weeks), spans);
  }
  PriceEncoder encoder() const { return PriceEncoder(table(10), stats(5)); }
};

std::vector<float> encode(const PriceEncoder& e, int32_t p, int32_t s, int32_t w) {
  std::vector<float> v(kPriceDims);
  e.encode(p, s, w, v.data());
  return v;
}

TEST(PriceEncoding, EveryDimIsFiniteAndWithinItsRange) {
  const PriceEncoder e = World().encoder();
  for (int32_t p = 0; p < 3; ++p) {
    for (int32_t s = 0; s < 2; ++s) {
      for (int32_t w = 0; w < 10; ++w) {
        const std::vector<float> v = encode(e, p, s, w);
        for (int k = 0; k < kPriceDims; ++k) {
          ASSERT_TRUE(std::isfinite(v[k])) << p << " " << s << " " << w << " dim " << k;
          ASSERT_GE(v[k], -1.0f) << k;
          ASSERT_LE(v[k], 1.0f) << k;
        }
        // Fourier pairs lie on the unit circle.
        for (int k = 0; k < kPriceFourierDims; k += 2) {
          EXPECT_NEAR(v[k] * v[k] + v[k + 1] * v[k + 1], 1.0f, 1e-5f) << k;
        }
        // Exactly one of: fallback flag, or one waterfall level.
        const float flags = v[35] + v[36] + v[37] + v[38] + v[39];
        EXPECT_EQ(flags, 1.0f) << p << " " << s << " " << w;
      }
    }
  }
}

TEST(PriceEncoding, EncodesTheObservedLogPriceAndItsHarmonics) {
  const World world;
  const PriceEncoder e = world.encoder();
  const std::vector<float> v = encode(e, 1, 1, 7);
  const PriceEncodingStats& st = e.stats();
  const double lp = std::log(400.0);
  const double theta = M_PI / 4 * (lp - st.log_price_mean) / st.log_price_sd;
  for (int k = 0; k < 12; ++k) {
    EXPECT_NEAR(v[2 * k], std::sin((k + 1) * theta), 1e-5) << k;
    EXPECT_NEAR(v[2 * k + 1], std::cos((k + 1) * theta), 1e-5) << k;
  }
  EXPECT_NEAR(v[24], lp / 12, 1e-6);
  EXPECT_EQ(v[36], 1.0f);          // observed
  EXPECT_NEAR(v[40], 0.0f, 1e-6);  // at the product's training level
}

TEST(PriceEncoding, CellsNeverPricedFallBackToTheTrainingLevelWithTheFlag) {
  const PriceEncoder e = World().encoder();
  // Product 2 sells nowhere before week 3: the derive waterfall has nothing.
  const std::vector<float> v = encode(e, 2, 0, 1);
  EXPECT_EQ(v[35], 1.0f);
  for (int k = 36; k < 40; ++k) EXPECT_EQ(v[k], 0.0f) << k;
  EXPECT_NEAR(v[24], std::log(100.0) / 12, 1e-6);  // its training price
  for (int k = 56; k < 64; ++k) EXPECT_EQ(v[k], 0.0f) << k;
}

TEST(PriceEncoding, VelocitySeesAPriceDropOnlyFromItsWeekOn) {
  const PriceEncoder e = World().encoder();
  const float drop = static_cast<float>(std::log(160.0 / 200.0));
  const std::vector<float> before = encode(e, 0, 0, 4);
  EXPECT_EQ(before[56], 0.0f);  // no change yet: later weeks are not read
  EXPECT_EQ(before[62], 0.0f);
  const std::vector<float> at = encode(e, 0, 0, 5);
  EXPECT_NEAR(at[56], drop, 1e-6);       // vs 1 week before
  EXPECT_NEAR(at[58], drop, 1e-6);       // vs 4 weeks before
  EXPECT_NEAR(at[61], drop, 1e-6);       // vs the recent maximum
  EXPECT_FLOAT_EQ(at[62], 0.25f);        // one change among the last 4 steps
  EXPECT_FLOAT_EQ(at[63], 4.0f / 6.0f);  // weeks 4, 3, 2, 1 known; 5 - 8 and 5 - 13 are not
  EXPECT_EQ(at[53], 1.0f);               // below the store's usual price
  const std::vector<float> after = encode(e, 0, 0, 7);
  EXPECT_NEAR(after[56], -drop, 1e-6);  // back up
  // The other store never changed.
  EXPECT_EQ(encode(e, 0, 1, 5)[56], 0.0f);
}

TEST(PriceEncoding, StatisticsComeFromTheTrainingWeeksOnly) {
  const World clean;
  World changed = clean;
  // A late price change and a late new price level: weeks 5+ are not training weeks.
  for (size_t i = 0; i < changed.product.size(); ++i) {
    if (changed.week[i] >= 5) changed.spend[i] *= 3;
  }
  const PriceEncodingStats a = clean.stats(5), b = changed.stats(5);
  EXPECT_EQ(a.log_price_mean, b.log_price_mean);
  EXPECT_EQ(a.log_price_sd, b.log_price_sd);
  EXPECT_EQ(a.product_log_price, b.product_log_price);
  EXPECT_EQ(a.store_index, b.store_index);
  EXPECT_EQ(a.store_category_index, b.store_category_index);
  // ... while statistics fitted on all weeks would move.
  EXPECT_NE(clean.stats(10).product_log_price, changed.stats(10).product_log_price);
  // The tier ranks product 0 (200) below product 1 (400) in sub-commodity 0.
  EXPECT_EQ(a.product_tier[0], 0.0f);
  EXPECT_EQ(a.product_tier[1], 1.0f);
}

TEST(PriceEncoding, MaterialisedEncodingsEqualTheOnTheFlyOnes) {
  const PriceEncoder e = World().encoder();
  std::vector<int32_t> p, s, w;
  for (int32_t pp = 0; pp < 3; ++pp) {
    for (int32_t ss = 0; ss < 2; ++ss) {
      for (int32_t ww = 0; ww < 10; ww += 3) {
        p.push_back(pp);
        s.push_back(ss);
        w.push_back(ww);
      }
    }
  }
  testing::ScratchDir dir;
  write_price_encodings(e, p, s, w, dir / "encodings.npy");
  const NpyInfo info = read_npy_info(dir / "encodings.npy");
  EXPECT_EQ(info.dtype, "<f4");
  EXPECT_EQ(info.shape, (std::vector<uint64_t>{p.size(), 64}));
  const std::vector<float> stored = read_npy<float>(dir / "encodings.npy");
  std::vector<float> direct(p.size() * kPriceDims);
  e.encode_many(p, s, w, direct.data());
  EXPECT_EQ(std::memcmp(stored.data(), direct.data(), direct.size() * sizeof(float)), 0);
  // The statistics' files read back to the same encoder.
  write_price_encoding(e.stats(), dir.path());
  const PriceEncoder reread(World().table(10), read_price_encoding(dir.path()));
  std::vector<float> again(direct.size());
  reread.encode_many(p, s, w, again.data());
  EXPECT_EQ(std::memcmp(again.data(), direct.data(), direct.size() * sizeof(float)), 0);
  // Out-of-range cells are refused with the file's name.
  w[0] = 10;
  EXPECT_THROW(write_price_encodings(e, p, s, w, dir / "bad.npy"), Error);
}

}  // namespace
}  // namespace retailsim::features
