// Tests of the [derive] config section: defaults, overrides, and errors naming the bad key.
#include <gtest/gtest.h>

#include "core/config.h"
#include "core/error.h"
#include "derive/derive.h"

namespace retailsim::derive {
namespace {

TEST(DeriveConfig, KeepsTheIssuesDefaultsWhenTheSectionIsAbsent) {
  const DeriveConfig c = DeriveConfig::from_section(Config().section("derive"));
  EXPECT_EQ(c.prices.base_estimator, "regular-level");
  EXPECT_EQ(c.prices.rolling_window_weeks, 4);
  EXPECT_DOUBLE_EQ(c.prices.promo_threshold, 0.05);
  EXPECT_EQ(c.prices.discount_bin_edges, (std::vector<double>{0.05, 0.15, 0.30}));
  EXPECT_DOUBLE_EQ(c.prices.bound_low_quantile, 0.20);
  EXPECT_DOUBLE_EQ(c.prices.bound_high_quantile, 0.95);
  EXPECT_EQ(c.graph.min_count, 5);
  EXPECT_EQ(c.graph.top_k, 10);
}

TEST(DeriveConfig, ReadsOverridesFromTheDeriveSection) {
  const Config config = Config::parse(
      "[derive]\nbase_estimator = \"rolling-max\"\nrolling_window_weeks = 6\n"
      "promo_threshold = 0.1\ngraph_top_k = 3\ntop_stores = 5\n");
  const DeriveConfig c = DeriveConfig::from_section(config.section("derive"));
  EXPECT_EQ(c.prices.base_estimator, "rolling-max");
  EXPECT_EQ(c.prices.rolling_window_weeks, 6);
  EXPECT_DOUBLE_EQ(c.prices.promo_threshold, 0.1);
  EXPECT_EQ(c.graph.top_k, 3);
  EXPECT_EQ(c.affinity.top_stores, 5);
  EXPECT_EQ(c.to_json()["rolling_window_weeks"], 6);
}

TEST(DeriveConfig, RejectsUnknownKeysAndBadValues) {
  auto load = [](const std::string& text) {
    return DeriveConfig::from_section(Config::parse("[derive]\n" + text).section("derive"));
  };
  EXPECT_THROW(load("promo_treshold = 0.1\n"), Error);
  EXPECT_THROW(load("base_estimator = \"median\"\n"), Error);
  EXPECT_THROW(load("outlier_low_quantile = 0.9\noutlier_high_quantile = 0.1\n"), Error);
  EXPECT_THROW(load("discount_bin_edges = [0.3, 0.1, 0.2]\n"), Error);
  EXPECT_THROW(load("graph_rank_by = \"random\"\n"), Error);
  EXPECT_THROW(load("rolling_window_weeks = 0\n"), Error);
}

}  // namespace
}  // namespace retailsim::derive
