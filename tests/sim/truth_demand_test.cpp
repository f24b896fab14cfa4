// The truth demand source: its expected mode is TruthModel's closed form summed over shoppers,
// agrees with its sampler on average and answers prices the right way.
#include <cmath>

#include <gtest/gtest.h>

#include "sim_fixture.h"

namespace retailsim::sim {
namespace {

TEST(TruthDemand, ExpectedModeMatchesTheSamplerOnAverageAndFallsWithPrice) {
  const Market market = testing::tiny_market();
  auto source_units = [&](DemandMode mode, uint64_t seed, float factor) {
    auto source = make_demand_source("truth", market, {mode, {}});
    std::vector<float> shelf(market.n_cells()), depth(market.n_cells());
    market.historical_prices(3, shelf, depth);
    for (float& p : shelf) p = std::round(p * factor);
    WeekDemand demand;
    source->demand({3, shelf, depth}, seed, demand);
    double total = 0;
    for (double u : demand.units) total += u;
    return total;
  };
  double sampled = 0;
  const int n_seeds = 30;
  for (int seed = 0; seed < n_seeds; ++seed)
    sampled += source_units(DemandMode::kSampled, seed, 1.0f) / n_seeds;
  const double expected = source_units(DemandMode::kExpected, 0, 1.0f);
  EXPECT_NEAR(expected, sampled, 0.05 * sampled);
  EXPECT_EQ(expected, source_units(DemandMode::kExpected, 99, 1.0f));  // no randomness
  EXPECT_GT(source_units(DemandMode::kExpected, 0, 0.9f), expected);
  EXPECT_LT(source_units(DemandMode::kExpected, 0, 1.1f), expected);
}

// Every store of the market in a price zone of its own, with the prices of `shelf` and `depth`
// (cells of the market, which here covers every product of the world).
synth::WeekPrices zone_per_store(const Market& market, int week, std::span<const float> shelf,
                                 std::span<const float> depth) {
  const synth::World& w = *market.world;
  const int n_s = market.n_stores();
  const size_t n = static_cast<size_t>(w.n_products());
  synth::WeekPrices prices = synth::true_week_prices(w, week);
  prices.zone_format = {0, 1, 2, 3};
  prices.store_zone.assign(w.store_format.begin(), w.store_format.end());
  for (int s = 0; s < n_s; ++s) {
    const int world_store = market.store_source_id[s];
    const int zone = prices.n_zones();
    prices.base_pence.resize(prices.base_pence.size() + n);
    prices.actual_pence.resize(prices.actual_pence.size() + n);
    prices.promo_depth_pct.resize(prices.promo_depth_pct.size() + n);
    for (int p = 0; p < market.n_products(); ++p) {
      const size_t cell = static_cast<size_t>(p) * n_s + s;
      const size_t i = zone * n + market.product_source_id[p];
      prices.base_pence[i] = static_cast<int32_t>(std::lround(shelf[cell]));
      prices.promo_depth_pct[i] = static_cast<uint8_t>(std::lround(depth[cell] * 100));
      prices.actual_pence[i] = synth::promo_price(prices.base_pence[i], prices.promo_depth_pct[i]);
    }
    prices.zone_format.push_back(w.store_format[world_store]);
    prices.store_zone[world_store] = zone;
  }
  return prices;
}

TEST(TruthDemand, ExpectedUnitsAreTheClosedFormSummedOverShoppers) {
  const Market market = testing::tiny_market();
  const synth::World& w = *market.world;
  ASSERT_EQ(market.n_products(), w.n_products());
  const int week = 3, n_s = market.n_stores();
  // A third of the stores at their format's prices, a third priced apart, a third promoting.
  std::vector<float> shelf(market.n_cells()), depth(market.n_cells());
  market.historical_prices(week, shelf, depth);
  for (size_t cell = 0; cell < shelf.size(); ++cell) {
    const size_t s = cell % n_s, p = cell / n_s;
    if (s % 3 == 1) shelf[cell] = std::round(shelf[cell] * (0.8f + 0.1f * (p % 5)));
    if (s % 3 == 2 && p % 4 == 0) depth[cell] = 0.3f;
  }
  WeekDemand demand;
  make_demand_source("truth", market, {DemandMode::kExpected, {}})
      ->demand({week, shelf, depth}, 0, demand);

  const synth::WeekPrices prices = zone_per_store(market, week, shelf, depth);
  const synth::TruthModel model(w);
  double trips = 0;
  for (int s = 0; s < n_s; ++s) {
    const int world_store = market.store_source_id[s];
    std::vector<double> closed_form(market.n_products(), 0.0);
    for (int c : market.customers) {
      const double c_trips =
          model.expected_trips(c, week) * model.store_probability(c, world_store);
      if (c_trips <= 0) continue;
      trips += c_trips;
      const std::vector<double> units = model.expected_units(c, week, world_store, &prices);
      for (int p = 0; p < market.n_products(); ++p)
        closed_form[p] += c_trips * units[market.product_source_id[p]];
    }
    for (int p = 0; p < market.n_products(); ++p) {
      EXPECT_NEAR(demand.units[static_cast<size_t>(p) * n_s + s], closed_form[p],
                  1e-10 * closed_form[p] + 1e-12)
          << "store " << s << ", product " << p;
    }
  }
  EXPECT_EQ(demand.trips, static_cast<uint64_t>(std::llround(trips)));
  EXPECT_EQ(demand.customer_weeks, market.customers.size());
}

}  // namespace
}  // namespace retailsim::sim
