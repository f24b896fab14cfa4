// Scenario files (parsing errors name the field), their application to actions, and simulate's
// counterfactual report: common random numbers make a no-change scenario give exactly zero delta.
#include <gtest/gtest.h>

#include "core/error.h"
#include "core/manifest.h"
#include "sim_fixture.h"
#include "test_util.h"

namespace retailsim::sim {
namespace {

using testing::tiny_market;

std::string parse_error(const std::string& text) {
  try {
    parse_scenario(text, "what-if.toml");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Scenario, ParsesPricesPromotionsInventoryAndSettings) {
  const Scenario s = parse_scenario(R"(
[scenario]
name = "dairy cut"
[[price]]
categories = ["CL00001"]
formats = ["LS", "MS"]
weeks = [200610, 200612]
change_pct = -10
[[price]]
products = "PRD0900001"
price_cents = 99
[[promotion]]
regions = ["E01"]
depth_pct = 25
[[promotion]]
stores = ["STORE00001"]
enabled = false
[inventory]
policy = "base-stock"
cover_weeks = 2
[simulate]
seeds = 3
weeks = 2
[scope]
formats = ["LS"]
)",
                                    "what-if.toml");
  EXPECT_EQ(s.name, "dairy cut");
  ASSERT_EQ(s.prices.size(), 2u);
  EXPECT_EQ(s.prices[0].where.categories, std::vector<std::string>{"CL00001"});
  EXPECT_EQ(s.prices[0].where.first_shop_week, 200610);
  EXPECT_EQ(s.prices[0].where.last_shop_week, 200612);
  EXPECT_DOUBLE_EQ(s.prices[0].change_pct, -10);
  EXPECT_TRUE(s.prices[1].absolute);
  EXPECT_EQ(s.prices[1].where.products, std::vector<std::string>{"PRD0900001"});
  ASSERT_EQ(s.promotions.size(), 2u);
  EXPECT_DOUBLE_EQ(s.promotions[0].depth_pct, 25);
  EXPECT_FALSE(s.promotions[1].enabled);
  EXPECT_EQ(s.inventory.policy, "base-stock");
  EXPECT_DOUBLE_EQ(s.inventory.cover_weeks, 2);
  EXPECT_FALSE(s.baseline_inventory.tracked());
  EXPECT_EQ(s.simulate.n_seeds, 3);
  EXPECT_EQ(s.scope.formats, std::vector<std::string>{"LS"});
}

TEST(Scenario, ParseErrorsNameFileTableAndKey) {
  EXPECT_NE(parse_error("[[price]]\nchange_pct = \"ten\"\n").find("[[price]] #1 change_pct"),
            std::string::npos);
  EXPECT_NE(parse_error("[[price]]\nchange_pct = 5\n[[price]]\nformats = [\"LS\"]\n")
                .find("[[price]] #2 change_pct: give exactly one"),
            std::string::npos);
  EXPECT_NE(parse_error("[[promotion]]\ndepth_pct = 120\n").find("[[promotion]] #1 depth_pct"),
            std::string::npos);
  EXPECT_NE(parse_error("[[price]]\nchange_pct = 5\nweeks = [200612, 200610]\n")
                .find("[[price]] #1 weeks"),
            std::string::npos);
  EXPECT_NE(parse_error("[[price]]\nchange_pct = 5\ncolour = 1\n").find("colour: unknown key"),
            std::string::npos);
  EXPECT_NE(parse_error("[inventory]\npolicy = \"jit\"\n").find("[inventory] policy"),
            std::string::npos);
  EXPECT_NE(parse_error("[simulate]\nseeds = \"many\"\n").find("seeds"), std::string::npos);
  EXPECT_NE(parse_error("[simulate]\nseeds = 1\n").find("[simulate] seeds"), std::string::npos);
  EXPECT_NE(parse_error("[prices]\n").find("unknown table [prices]"), std::string::npos);
  EXPECT_NE(parse_error("[[price]\n").find("what-if.toml"), std::string::npos);
  // The file name leads every message.
  EXPECT_EQ(parse_error("[[price]]\nchange_pct = true\n").rfind("what-if.toml", 0), 0u);
}

TEST(Scenario, AppliesChangesToTheSelectedCellsAndWeeksOnly) {
  const Market market = tiny_market();
  const std::string format = market.store_format[0];
  Scenario s = parse_scenario(
      "[[price]]\nformats = [\"" + format + "\"]\nchange_pct = -10\nweeks = [" +
          std::to_string(market.shop_week[2]) + ", " + std::to_string(market.shop_week[3]) +
          "]\n[[promotion]]\nproducts = [\"" + market.product_code[1] + "\"]\ndepth_pct = 30\n",
      "s.toml");
  Action action;
  action.shelf_price_cents.assign(market.n_cells(), 100.0f);
  action.promo_depth.assign(market.n_cells(), 0.0f);
  Action outside = action;
  apply_scenario(s, market, 2, action);
  apply_scenario(s, market, 5, outside);
  const int n_s = market.n_stores();
  for (size_t i = 0; i < market.n_cells(); ++i) {
    const bool in_format = market.store_format[i % n_s] == format;
    EXPECT_FLOAT_EQ(action.shelf_price_cents[i], in_format ? 90.0f : 100.0f);
    EXPECT_FLOAT_EQ(outside.shelf_price_cents[i], 100.0f);
    EXPECT_FLOAT_EQ(action.promo_depth[i], i / n_s == 1 ? 0.3f : 0.0f);
  }
  Scenario unknown = parse_scenario("[[price]]\nregions = [\"Z99\"]\nchange_pct = 1\n", "u.toml");
  try {
    check_scenario(unknown, market);
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("u.toml: [[price]] #1"), std::string::npos) << e.what();
  }
}

class SimulateTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new retailsim::testing::ScratchDir();
    synth::SynthConfig c = synth::SynthConfig::preset_named("tiny");
    synth::generate(c, dir_->path(), 2);
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static retailsim::testing::ScratchDir* dir_;
};
retailsim::testing::ScratchDir* SimulateTest::dir_ = nullptr;

TEST_F(SimulateTest, NoChangeScenarioGivesExactlyZeroDelta) {
  Scenario s =
      parse_scenario("[simulate]\nseeds = 3\nweeks = 2\nelasticity_products = 0\n", "none.toml");
  const SimulateSummary summary = simulate(dir_->path(), s, 9);
  const Json& total = summary.report["deltas"]["total"];
  for (const char* metric : {"units", "revenue_cents", "margin_cents"}) {
    EXPECT_EQ(total[metric]["mean"].get<double>(), 0.0) << metric;
    EXPECT_EQ(total[metric]["ci95"][0].get<double>(), 0.0) << metric;
    EXPECT_EQ(total[metric]["ci95"][1].get<double>(), 0.0) << metric;
    EXPECT_GT(total[metric]["baseline"].get<double>(), 0.0) << metric;
  }
  EXPECT_TRUE(summary.report["deltas"]["by_product"].empty());
  EXPECT_TRUE(fs::exists(dir_->path() / "reports" / "counterfactual.json"));
}

TEST_F(SimulateTest, PriceCutReportsDeltasWithIntervalsAndTruthElasticities) {
  Scenario s = parse_scenario(
      "[[price]]\nchange_pct = -15\n[simulate]\nseeds = 3\nweeks = 2\nelasticity_products = 5\n"
      "[scope]\nformats = [\"LS\", \"MS\", \"SS\", \"XLS\"]\n",
      "cut.toml");
  const SimulateSummary summary = simulate(dir_->path(), s, 9);
  const Json& r = summary.report;
  // The scenario's prices are clipped into the observed bounds like any action's; its deltas
  // come with intervals around their means.
  ASSERT_FALSE(r["deltas"]["by_product"].empty());
  for (const Json& row : r["deltas"]["by_product"]) {
    EXPECT_LE(row["revenue_cents"]["ci95"][0].get<double>(),
              row["revenue_cents"]["mean"].get<double>());
    EXPECT_GE(row["revenue_cents"]["ci95"][1].get<double>(),
              row["revenue_cents"]["mean"].get<double>());
  }
  ASSERT_TRUE(r["elasticities"].is_object());
  EXPECT_EQ(r["elasticities"]["n_products"], 5);
  // Lower prices sell more in the truth: the median unit elasticity is negative.
  EXPECT_LT(r["elasticities"]["true_unit_elasticity_median"].get<double>(), 0.0);
  EXPECT_LT(r["price_cut"]["true_revenue_delta_pct"]["mean"].get<double>(), 0.0);
  EXPECT_TRUE(r["elasticity_error_median"].is_null());
  EXPECT_TRUE(r["price_cut_revenue_error"].is_null());
  EXPECT_FALSE(r["price_cut_revenue_error_reason"].get<std::string>().empty());
}

TEST_F(SimulateTest, SameSeedSameReportBytes) {
  Scenario s = parse_scenario(
      "[[promotion]]\ndepth_pct = 20\n[simulate]\nseeds = 2\nweeks = 1\n"
      "elasticity_products = 2\n",
      "promo.toml");
  Json a = simulate(dir_->path(), s, 4).report;
  Json b = simulate(dir_->path(), s, 4).report;
  a.erase("seconds");
  b.erase("seconds");
  EXPECT_EQ(a.dump(), b.dump());
  EXPECT_GT(a["deltas"]["total"]["units"]["mean"].get<double>(), 0.0);
}

}  // namespace
}  // namespace retailsim::sim
