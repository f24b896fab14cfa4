// The market environment: accounting, bounds, stock, determinism and the response to prices.
#include <algorithm>
#include <cmath>

#include <gtest/gtest.h>

#include "core/error.h"
#include "sim_fixture.h"

namespace retailsim::sim {
namespace {

using testing::tiny_env_config;
using testing::tiny_market;

TEST(Env, RevenueIsUnitsTimesActualPriceAndMarginSubtractsCost) {
  const Market market = tiny_market();
  Env env(market, tiny_env_config());
  env.reset(3);
  Action action = env.historical_action();
  for (size_t i = 0; i < action.promo_depth.size(); i += 7) action.promo_depth[i] = 0.2f;
  const StepResult r = env.step(action);
  const int n_s = market.n_stores();
  double revenue = 0;
  for (size_t i = 0; i < market.n_cells(); ++i) {
    const float shelf =
        std::round(std::clamp(action.shelf_price_cents[i], market.price_low_cents[i / n_s],
                              market.price_high_cents[i / n_s]));
    const float actual = std::round(shelf * (100 - std::round(action.promo_depth[i] * 100)) / 100);
    EXPECT_FLOAT_EQ(r.revenue_cents[i], r.units[i] * actual) << "cell " << i;
    EXPECT_FLOAT_EQ(r.margin_cents[i], r.units[i] * (actual - market.unit_cost_cents[i / n_s]))
        << "cell " << i;
    revenue += r.revenue_cents[i];
  }
  EXPECT_GT(r.units_total, 0);
  EXPECT_NEAR(r.revenue_total_cents, revenue, 1e-6 * revenue);
}

TEST(Env, StockNeverNegativeAndSalesNeverExceedStock) {
  const Market market = tiny_market();
  EnvConfig config = tiny_env_config();
  config.track_inventory = true;
  config.initial_stock_weeks = 0.5;  // short of demand: stock-outs happen
  Env env(market, config);
  Observation obs = env.reset(5);
  double stockouts = 0, waste = 0;
  while (!env.done()) {
    const std::vector<float> before = obs.inventory_units;
    Action action = env.historical_action();
    for (size_t i = 0; i < action.order_units.size(); i += 2) action.order_units[i] = 3;
    const StepResult r = env.step(action);
    obs = env.observation();
    for (size_t i = 0; i < market.n_cells(); ++i) {
      ASSERT_LE(r.units[i], before[i]) << "cell " << i;
      ASSERT_GE(obs.inventory_units[i], 0) << "cell " << i;
      // What is left = stock - sold - waste + the order.
      ASSERT_FLOAT_EQ(obs.inventory_units[i],
                      before[i] - r.units[i] - r.waste_units[i] + (i % 2 == 0 ? 3 : 0));
    }
    stockouts += r.stockout_total_units;
    waste += r.waste_total_units;
    // The next observation reports the demand each cell lost.
    ASSERT_EQ(obs.lost_units, r.stockout_units);
  }
  EXPECT_GT(stockouts, 0);
  EXPECT_GT(waste, 0);
}

TEST(Env, NoLostUnitsWithoutInventoryTracking) {
  const Market market = tiny_market();
  Env env(market, tiny_env_config());
  Observation obs = env.reset(5);
  ASSERT_EQ(obs.lost_units.size(), market.n_cells());
  env.step(env.historical_action());
  obs = env.observation();
  for (float lost : obs.lost_units) ASSERT_EQ(lost, 0.0f);
}

TEST(Env, PricesOutsideBoundsAreClippedAndCounted) {
  const Market market = tiny_market();
  Env env(market, tiny_env_config());
  env.reset(1);
  Action action = env.historical_action();
  action.shelf_price_cents[0] = market.price_low_cents[0] - 10;
  action.shelf_price_cents[1] = market.price_high_cents[0] + 10;
  const StepResult r = env.step(action);
  EXPECT_GE(r.price_violations, 2);
  const Observation& obs = env.observation();
  for (size_t i = 0; i < market.n_cells(); ++i) {
    const size_t p = i / market.n_stores();
    ASSERT_GE(obs.shelf_price_cents[i], market.price_low_cents[p]);
    ASSERT_LE(obs.shelf_price_cents[i], market.price_high_cents[p]);
  }
  EXPECT_EQ(obs.shelf_price_cents[0], market.price_low_cents[0]);
}

TEST(Env, SameSeedSameResultsWhateverTheRun) {
  const Market market = tiny_market();
  Env a(market, tiny_env_config()), b(market, tiny_env_config());
  a.reset(11);
  b.reset(11);
  const StepResult ra = a.step(a.historical_action());
  const StepResult rb = b.step(b.historical_action());
  EXPECT_EQ(ra.units, rb.units);
  EXPECT_EQ(ra.revenue_cents, rb.revenue_cents);
  Env c(market, tiny_env_config());
  c.reset(12);
  EXPECT_NE(c.step(c.historical_action()).units, ra.units);
}

TEST(Env, LowerPricesSellMoreInTheTruth) {
  // Bounds wide open: the observed 20th-95th percentiles sit close to the shelf prices.
  Market market = tiny_market();
  std::fill(market.price_low_cents.begin(), market.price_low_cents.end(), 1.0f);
  std::fill(market.price_high_cents.begin(), market.price_high_cents.end(), 1e6f);
  auto units_at = [&](float factor) {
    Env env(market, tiny_env_config());
    double units = 0;
    for (uint64_t seed = 0; seed < 3; ++seed) {
      env.reset(seed);
      while (!env.done()) {
        Action action = env.historical_action();
        for (float& p : action.shelf_price_cents) p *= factor;
        units += env.step(action).units_total;
      }
    }
    return units;
  };
  EXPECT_GT(units_at(0.8f), units_at(1.0f) * 1.03);
  EXPECT_GT(units_at(1.0f), units_at(1.2f) * 1.03);
}

TEST(Env, WrongActionSizeNamesTheField) {
  const Market market = tiny_market();
  Env env(market, tiny_env_config());
  env.reset(1);
  Action action = env.historical_action();
  action.promo_depth.pop_back();
  try {
    env.step(action);
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("action.promo_depth"), std::string::npos) << e.what();
  }
}

TEST(Env, SpacesDescribeShapesAndBounds) {
  const Market market = tiny_market();
  Env env(market, tiny_env_config());
  const Json spaces = env.spaces_json();
  const Json& price = spaces["action"]["shelf_price_cents"];
  EXPECT_EQ(price["shape"], Json({market.n_products(), market.n_stores()}));
  EXPECT_EQ(price["low"].size(), static_cast<size_t>(market.n_products()));
  EXPECT_EQ(spaces["observation"]["recent_units"]["shape"][0], 2);
  EXPECT_EQ(spaces["action"]["promo_depth"]["high"], 0.5f);
}

TEST(Scope, SelectsStoresByFormatAndProductsByCategory) {
  const auto world = testing::tiny_world();
  ScopeConfig scope;
  scope.formats = {"LS"};
  scope.categories = {world->cl_code[world->product_cl[0]]};
  const Market market = market_from_world(world, scope, 1);
  ASSERT_GT(market.n_stores(), 0);
  for (const auto& f : market.store_format) EXPECT_EQ(f, "LS");
  for (const auto& c : market.product_category) EXPECT_EQ(c, scope.categories[0]);
  scope.formats = {"XX"};
  EXPECT_THROW(market_from_world(world, scope, 1), Error);
}

}  // namespace
}  // namespace retailsim::sim
