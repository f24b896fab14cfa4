// Heuristic baselines in the tiny truth market: action shapes, prices inside the bounds (only
// replayed history may step out), promotion budgets, orders, and determinism per seed.
#include <gtest/gtest.h>

#include "core/error.h"
#include "rl/rl.h"
#include "rl_fixture.h"

namespace retailsim::rl {
namespace {

using sim::testing::tiny_market;

TEST(Heuristics, EveryHeuristicGivesFullActionsAndOnlyHistoryLeavesTheBounds) {
  const sim::Market market = tiny_market();
  RlConfig config = testing::tiny_rl_config();
  const WeekSplit split = split_weeks(market, config, 2);
  for (const auto& name : heuristic_names()) {
    auto policy = make_heuristic(name, config, 11);
    sim::Env env(market, env_config(config, split.eval_begin, 2, market));
    const sim::Observation obs = env.reset(3);
    const sim::Action a = policy->act(env, obs);
    ASSERT_EQ(a.shelf_price_cents.size(), market.n_cells()) << name;
    ASSERT_EQ(a.promo_depth.size(), market.n_cells()) << name;
    ASSERT_EQ(a.order_units.size(), market.n_cells()) << name;  // inventory agent is on
    if (name == "historical" || name == "s-S") continue;
    const int n_s = market.n_stores();
    for (size_t cell = 0; cell < market.n_cells(); ++cell) {
      const int p = static_cast<int>(cell / n_s);
      EXPECT_GE(a.shelf_price_cents[cell], market.price_low_cents[p]) << name;
      EXPECT_LE(a.shelf_price_cents[cell], market.price_high_cents[p]) << name;
      EXPECT_GE(a.order_units[cell], 0.0f) << name;
    }
    const PolicyOutcome outcome = judge_policy(market, *policy, config, split, 5);
    EXPECT_EQ(outcome.violations, 0) << name;
  }
}

TEST(Heuristics, HiLoAndRandomPromoteExactlyTheBudget) {
  const sim::Market market = tiny_market();
  RlConfig config = testing::tiny_rl_config();
  const int budget = static_cast<int>(std::lround(config.promo_budget_share * market.n_products()));
  const WeekSplit split = split_weeks(market, config, 2);
  for (const char* name : {"hi-lo", "random"}) {
    auto policy = make_heuristic(name, config, 11);
    sim::Env env(market, env_config(config, split.eval_begin, 2, market));
    const sim::Action a = policy->act(env, env.reset(3));
    int promoted = 0;
    for (int p = 0; p < market.n_products(); ++p)
      promoted += a.promo_depth[static_cast<size_t>(p) * market.n_stores()] > 0 ? 1 : 0;
    EXPECT_EQ(promoted, budget) << name;
  }
}

TEST(Heuristics, SameSeedSameOutcomeAndUnknownNamesAreErrors) {
  const sim::Market market = tiny_market();
  RlConfig config = testing::tiny_rl_config();
  const WeekSplit split = split_weeks(market, config, 2);
  auto a = make_heuristic("random", config, 9), b = make_heuristic("random", config, 9);
  const PolicyOutcome oa = judge_policy(market, *a, config, split, 5);
  const PolicyOutcome ob = judge_policy(market, *b, config, split, 5);
  EXPECT_EQ(oa.profit_cents, ob.profit_cents);
  EXPECT_EQ(oa.weekly_revenue_cents, ob.weekly_revenue_cents);
  EXPECT_GT(oa.revenue_cents, 0);
  EXPECT_THROW(make_heuristic("cost-minus", config, 1), Error);
}

TEST(Heuristics, RegisteredInTheSimulatorsPolicyRegistry) {
  register_heuristics(testing::tiny_rl_config());
  const auto names = sim::policy_names();
  for (const auto& name : heuristic_names())
    EXPECT_NE(std::find(names.begin(), names.end(), "rl:" + name), names.end()) << name;
}

}  // namespace
}  // namespace retailsim::rl
