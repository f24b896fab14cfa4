// TruthWeekUnits: its sums over shoppers equal TruthModel::expected_units summed shopper by
// shopper (the closed form it factors), under the true prices, under per-store price zones with
// promotions and price changes, and where line rates saturate.
#include <cmath>

#include <gtest/gtest.h>

#include "core/error.h"
#include "synth/world.h"
#include "synth_test_util.h"

namespace retailsim::synth {
namespace {

using testing::tiny_config;

constexpr int kWeek = 3;

// Sets a product's price and promotion in one zone.
void set_price(WeekPrices& prices, int zone, int product, int32_t base_pence, int depth_pct) {
  const size_t i = static_cast<size_t>(zone) * prices.n_products + product;
  prices.base_pence[i] = base_pence;
  prices.promo_depth_pct[i] = static_cast<uint8_t>(depth_pct);
  prices.actual_pence[i] = promo_price(base_pence, depth_pct);
}

// The week's true prices with extra promotions in the format zones, and every third store in a
// zone of its own: its format's prices cut or raised product by product, some promoted.
WeekPrices per_store_prices(const World& w) {
  WeekPrices prices = true_week_prices(w, kWeek);
  const int n = prices.n_products;
  for (int zone = 0; zone < kFormats; ++zone) {
    for (int p = zone; p < n; p += 11)
      set_price(prices, zone, p, prices.base_pence[zone * n + p], 20 + 5 * (p % 3));
  }
  prices.zone_format = {0, 1, 2, 3};
  prices.store_zone.assign(w.store_format.begin(), w.store_format.end());
  for (int s = 0; s < w.n_stores(); s += 3) {
    const int format = w.store_format[s];
    const int zone = prices.n_zones();
    for (auto* v : {&prices.base_pence, &prices.actual_pence})
      v->insert(v->end(), v->begin() + format * n, v->begin() + (format + 1) * n);
    prices.promo_depth_pct.insert(prices.promo_depth_pct.end(),
                                  prices.promo_depth_pct.begin() + format * n,
                                  prices.promo_depth_pct.begin() + (format + 1) * n);
    for (int p = 0; p < n; ++p) {
      const double factor = 0.7 + 0.1 * ((p + s) % 7);
      const int depth = (p + s) % 9 == 0 ? 35 : prices.depth(format, p);
      set_price(prices, zone, p,
                static_cast<int32_t>(std::lround(prices.base_pence[format * n + p] * factor)),
                depth);
    }
    prices.zone_format.push_back(format);
    prices.store_zone[s] = zone;
  }
  return prices;
}

// At every store, the units of all shoppers (weighted by made-up trips, some zero) from
// TruthWeekUnits against the sum of TruthModel::expected_units, product by product.
void expect_matches_closed_form(World world, const WeekPrices& prices) {
  const TruthModel model(std::move(world));
  const World& w = model.world();
  const TruthWeekUnits week_units(w, prices);
  std::vector<int32_t> customers;
  std::vector<double> trips;
  for (int c = 0; c < w.n_customers(); ++c) {
    customers.push_back(c);
    trips.push_back(0.5 * (c % 4));
  }
  for (int store = 0; store < w.n_stores(); ++store) {
    std::vector<double> closed_form(w.n_products(), 0.0);
    for (size_t i = 0; i < customers.size(); ++i) {
      if (trips[i] <= 0) continue;
      const std::vector<double> units = model.expected_units(customers[i], kWeek, store, &prices);
      for (int p = 0; p < w.n_products(); ++p) closed_form[p] += trips[i] * units[p];
    }
    std::vector<double> fast(w.n_products(), 0.0);
    week_units.add_store_units(store, customers, trips, fast);
    double total_closed = 0, total_fast = 0;
    for (int p = 0; p < w.n_products(); ++p) {
      EXPECT_NEAR(fast[p], closed_form[p], 1e-10 * closed_form[p] + 1e-12)
          << "store " << store << ", product " << p;
      total_closed += closed_form[p];
      total_fast += fast[p];
    }
    ASSERT_GT(total_closed, 0.0);
    EXPECT_NEAR(total_fast, total_closed, 1e-12 * total_closed) << "store " << store;
  }
}

TEST(TruthWeekUnits, MatchesTheClosedFormAtTheTruePrices) {
  const World w = build_world(tiny_config());
  expect_matches_closed_form(w, true_week_prices(w, kWeek));
}

TEST(TruthWeekUnits, MatchesTheClosedFormWithPerStoreZonesAndPromotions) {
  const World w = build_world(tiny_config());
  expect_matches_closed_form(w, per_store_prices(w));
}

// Complements pulled in this often take some products' chance per planned line past 1, where the
// closed form caps it.
TEST(TruthWeekUnits, MatchesTheClosedFormWhereLineRatesSaturate) {
  World w = build_world(tiny_config());
  w.config.complement_prob = 40.0;
  const WeekPrices prices = per_store_prices(w);
  expect_matches_closed_form(std::move(w), prices);
}

TEST(TruthWeekUnits, AStorePricedInAnotherFormatsZoneIsAnError) {
  const World w = build_world(tiny_config());
  WeekPrices prices = true_week_prices(w, kWeek);
  prices.store_zone.assign(w.store_format.begin(), w.store_format.end());
  prices.store_zone[0] = (w.store_format[0] + 1) % kFormats;
  const TruthWeekUnits week_units(w, prices);
  std::vector<double> units(w.n_products(), 0.0);
  EXPECT_THROW(week_units.add_store_units(0, {}, {}, units), Error);
}

}  // namespace
}  // namespace retailsim::synth
