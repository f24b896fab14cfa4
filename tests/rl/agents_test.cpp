// The learned agents in the tiny truth market: action shapes, prices never outside the bounds
// (even when the network pushes to an extreme), the promotion budget, determinism per seed.
#include <gtest/gtest.h>

#include "rl/agents.h"
#include "rl_fixture.h"

namespace retailsim::rl {
namespace {

using sim::testing::tiny_market;

TEST(Agents, ActionsCoverEveryCellWithinTheBoundsAndTheBudget) {
  const sim::Market market = tiny_market();
  const RlConfig config = testing::tiny_rl_config();
  torch::manual_seed(1);
  AgentSet agents(market, config);
  const WeekSplit split = split_weeks(market, config, 2);
  sim::Env env(market, env_config(config, split.train_begin, 2, market));
  const sim::Observation obs = env.reset(4);
  Rng rng(2);
  const Decision d = agents.decide(env, obs, &rng);
  EXPECT_EQ(d.features.items.size(0), market.n_products());
  EXPECT_EQ(d.features.items.size(1), kItemFeatures);
  ASSERT_EQ(d.action.shelf_price_cents.size(), market.n_cells());
  ASSERT_EQ(d.action.promo_depth.size(), market.n_cells());
  ASSERT_EQ(d.action.order_units.size(), market.n_cells());
  const int n_s = market.n_stores();
  int promoted = 0;
  for (int p = 0; p < market.n_products(); ++p) {
    promoted += d.action.promo_depth[static_cast<size_t>(p) * n_s] > 0 ? 1 : 0;
    for (int s = 0; s < n_s; ++s) {
      const size_t cell = static_cast<size_t>(p) * n_s + s;
      EXPECT_GE(d.action.shelf_price_cents[cell], market.price_low_cents[p]);
      EXPECT_LE(d.action.shelf_price_cents[cell], market.price_high_cents[p]);
      EXPECT_GE(d.action.order_units[cell], 0.0f);
    }
  }
  EXPECT_EQ(promoted, agents.promo_budget());
}

TEST(Agents, SquashingKeepsExtremePricesInsideTheBounds) {
  const sim::Market market = tiny_market();
  RlConfig config = testing::tiny_rl_config();
  config.agents = {"pricing"};
  for (double bias : {-1e4, 1e4}) {
    torch::manual_seed(1);
    AgentSet agents(market, config);
    {
      // Push every pre-squash output to +-1e4: sigmoid saturates at exactly 0 or 1.
      torch::NoGradGuard no_grad;
      auto params = agents.policies().front().second->named_parameters();
      for (auto& item : params)
        if (item.key().find("actor") != std::string::npos &&
            item.key().find("4.bias") != std::string::npos)
          item.value().fill_(bias);
    }
    const WeekSplit split = split_weeks(market, config, 2);
    auto policy = make_learned_policy(agents);
    const PolicyOutcome outcome = judge_policy(market, *policy, config, split, 3);
    EXPECT_EQ(outcome.violations, 0) << bias;
    EXPECT_EQ(outcome.prices_at_bound, outcome.prices_set) << bias;  // all at one bound
  }
}

TEST(Agents, SameSeedSameDecisions) {
  const sim::Market market = tiny_market();
  const RlConfig config = testing::tiny_rl_config();
  const WeekSplit split = split_weeks(market, config, 2);
  auto decide = [&](uint64_t seed) {
    torch::manual_seed(seed);
    AgentSet agents(market, config);
    sim::Env env(market, env_config(config, split.train_begin, 2, market));
    Rng rng(seed);
    return agents.decide(env, env.reset(4), &rng).action;
  };
  const sim::Action a = decide(5), b = decide(5), c = decide(6);
  EXPECT_EQ(a.shelf_price_cents, b.shelf_price_cents);
  EXPECT_EQ(a.promo_depth, b.promo_depth);
  EXPECT_EQ(a.order_units, b.order_units);
  EXPECT_NE(a.shelf_price_cents, c.shelf_price_cents);
}

}  // namespace
}  // namespace retailsim::rl
