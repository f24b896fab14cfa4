// Decision rules shared by heuristics and agents, on hand-built observations: forecasts and
// replenishment count the demand lost to stock-outs, so a cell that ran empty is refilled.
#include <gtest/gtest.h>

#include "rl/policy_rules.h"
#include "rl/rl.h"
#include "rl_fixture.h"

namespace retailsim::rl {
namespace {

// Two weeks of history over three cells; the newest week is the second row.
sim::Observation observation(std::vector<float> recent, std::vector<float> lost,
                             std::vector<float> stock) {
  sim::Observation obs;
  obs.recent_units = std::move(recent);
  obs.lost_units = std::move(lost);
  obs.inventory_units = std::move(stock);
  return obs;
}

TEST(PolicyRules, ReplenishOrdersLastWeeksSalesPlusLostDemand) {
  // Cell 0 sold 4 with stock to spare, cell 1 ran empty after 2 with 5 more wanted, cell 2 opened
  // empty and sold nothing while 3 were wanted.
  const sim::Observation obs = observation({9, 9, 9, 4, 2, 0}, {0, 5, 3}, {6, 0, 0});
  std::vector<float> orders;
  replenish_orders(obs, 2, orders);
  EXPECT_EQ(orders, (std::vector<float>{4, 7, 3}));
}

TEST(PolicyRules, ReplenishingSalesAloneWouldLeaveAnEmptyCellEmpty) {
  // Without stock-out information (an observation that has none) the rule can only reorder sales.
  sim::Observation obs = observation({1, 1, 0, 0}, {}, {0, 0});
  std::vector<float> orders;
  replenish_orders(obs, 2, orders);
  EXPECT_EQ(orders, (std::vector<float>{0, 0}));
  obs.lost_units = {2, 0};
  replenish_orders(obs, 2, orders);
  EXPECT_EQ(orders, (std::vector<float>{2, 0}));
}

TEST(PolicyRules, ForecastIsMeanDemandWithTheNewestWeeksLostUnits) {
  const sim::Observation obs = observation({2, 4, 0, 6, 0, 0}, {0, 0, 4}, {0, 0, 0});
  const std::vector<float> forecast = forecast_units(obs, 2);
  EXPECT_FLOAT_EQ(forecast[0], 4.0f);  // (2 + 6) / 2
  EXPECT_FLOAT_EQ(forecast[1], 2.0f);  // (4 + 0) / 2
  EXPECT_FLOAT_EQ(forecast[2], 2.0f);  // (0 + 0 + 4 lost) / 2
}

TEST(PolicyRules, HistoricalHeuristicRestocksCellsThatRanEmpty) {
  // No opening stock: the first week loses all its demand. Orders arrive a week later, so the
  // order placed after it (the second act) holds at least that demand, and the third week loses
  // less than the first.
  const sim::Market market = sim::testing::tiny_market();
  RlConfig config = testing::tiny_rl_config();
  const WeekSplit split = split_weeks(market, config, 2);
  sim::EnvConfig env_cfg = env_config(config, split.train_begin, 3, market);
  env_cfg.initial_stock_weeks = 0.0;
  sim::Env env(market, env_cfg);
  auto policy = make_heuristic("historical", config, 11);
  sim::Observation obs = env.reset(3);
  const sim::StepResult first = env.step(policy->act(env, obs));
  ASSERT_EQ(first.units_total, 0);
  ASSERT_GT(first.stockout_total_units, 0);
  obs = env.observation();
  env.step(policy->act(env, obs));
  obs = env.observation();
  for (size_t i = 0; i < market.n_cells(); ++i)
    ASSERT_GE(obs.inventory_units[i], first.stockout_units[i]) << "cell " << i;
  const sim::StepResult third = env.step(policy->act(env, obs));
  EXPECT_LT(third.stockout_total_units, 0.5 * first.stockout_total_units);
}

}  // namespace
}  // namespace retailsim::rl
