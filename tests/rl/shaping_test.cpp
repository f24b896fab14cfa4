// The seeds' shaping terms against hand computation, and the [rl] config's checks.
#include <gtest/gtest.h>

#include <cmath>

#include "core/config.h"
#include "core/error.h"
#include "rl/rl.h"

namespace retailsim::rl {
namespace {

TEST(Shaping, BoundaryPenaltyIsZeroInTheMiddleAndOneAtTheBounds) {
  const std::vector<double> x = {0.0, 0.5, 1.0, 0.25};
  // 1 - 4x(1-x): 1, 0, 1, 0.25 -> mean 0.5625.
  EXPECT_DOUBLE_EQ(boundary_penalty(x), 0.5625);
  EXPECT_DOUBLE_EQ(boundary_penalty(std::vector<double>{0.5, 0.5}), 0.0);
}

TEST(Shaping, DiversityBonusIsTheSampleStandardDeviation) {
  // mean 0.5; squared deviations 0.25, 0, 0.25 -> sum 0.5 / (3 - 1) -> sd 0.5.
  EXPECT_DOUBLE_EQ(diversity_bonus(std::vector<double>{0.0, 0.5, 1.0}), 0.5);
  EXPECT_DOUBLE_EQ(diversity_bonus(std::vector<double>{0.3}), 0.0);
}

TEST(Shaping, InventoryAlignmentRewardsLowPricesWhereStockIsInExcess) {
  const std::vector<double> x = {0.2, 0.9, 0.5};
  const std::vector<uint8_t> excess = {1, 0, 1};
  // (0.8 + 0 + 0.5) / 3.
  EXPECT_NEAR(inventory_alignment(x, excess), 1.3 / 3, 1e-12);
  EXPECT_THROW(inventory_alignment(x, std::vector<uint8_t>{1}), Error);
}

TEST(Shaping, ShapedRewardWeighsTheTermsLikeTheSeeds) {
  const std::vector<double> x = {0.0, 0.5, 1.0};
  const std::vector<uint8_t> excess = {1, 1, 0};
  // penalty (1 + 0 + 1) / 3, bonus 0.5, alignment (1 + 0.5 + 0) / 3.
  const double expected = 10 - 0.1 * (2.0 / 3) + 0.05 * 0.5 + 0.05 * 0.5;
  EXPECT_NEAR(shaped_reward(10, x, excess, ShapingWeights{}), expected, 1e-12);
  ShapingWeights none{0, 0, 0};
  EXPECT_DOUBLE_EQ(shaped_reward(10, x, excess, none), 10);
}

TEST(RlConfig, ReadsItsSectionAndNamesBadKeys) {
  auto config = Config::parse("[rl]\nagents = [\"pricing\"]\nboundary_penalty = 0.2\n", "x.toml");
  const RlConfig c = RlConfig::from_config(config);
  EXPECT_EQ(c.agents, std::vector<std::string>{"pricing"});
  EXPECT_DOUBLE_EQ(c.shaping.boundary_penalty, 0.2);
  EXPECT_DOUBLE_EQ(c.shaping.diversity_bonus, 0.05);
  EXPECT_TRUE(c.has_agent("pricing"));
  EXPECT_FALSE(c.has_agent("promo"));
  try {
    RlConfig::from_config(Config::parse("[rl]\nagents = [\"pricer\"]\n", "x.toml"));
    FAIL() << "an unknown agent must be an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("pricer"), std::string::npos) << e.what();
  }
  try {
    RlConfig::from_config(Config::parse("[rl]\nholdout_share = 2.0\n", "x.toml"));
    FAIL() << "an out-of-range share must be an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("holdout_share"), std::string::npos) << e.what();
  }
  EXPECT_THROW(RlConfig::from_config(Config::parse("[rl]\nitertions = 3\n", "x.toml")), Error);
}

TEST(Report, WeekOverWeekVariationAndLiftAgainstHistorical) {
  // Changes +10 %, -10 %: sd of {0.1, -0.1} = 0.1414...
  EXPECT_NEAR(week_over_week_cv(std::vector<double>{100, 110, 99}), std::sqrt(0.02), 1e-12);
  PolicyOutcome historical, agent;
  historical.name = "historical";
  historical.profit_cents = 1000;
  historical.weekly_revenue_cents = {1, 1, 1};
  agent.name = "ppo";
  agent.profit_cents = 1100;
  agent.prices_set = 10;
  agent.prices_at_bound = 1;
  agent.weekly_revenue_cents = {1, 1, 1};
  const Json report = rl_report({historical, agent}, Json::object(), "no world model", {});
  const Json& p = report["policies"]["ppo"];
  EXPECT_NEAR(p["profit_lift"].get<double>(), 0.1, 1e-12);
  EXPECT_DOUBLE_EQ(p["share_at_bounds"].get<double>(), 0.1);
  EXPECT_TRUE(p["sim_to_real_gap"].is_null());
  for (const char* key :
       {"profit_lift", "revenue_wow_cv", "violations", "share_at_bounds", "sim_to_real_gap"})
    EXPECT_TRUE(p.contains(key)) << key;
  EXPECT_THROW(rl_report({agent}, Json::object(), "", {}), Error);
}

}  // namespace
}  // namespace retailsim::rl
