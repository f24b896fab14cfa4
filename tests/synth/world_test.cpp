// The ground-truth world: hierarchy and codes, prices and promotions, the demand response to
// price, labels, and the truth/ round trip.
#include <map>
#include <regex>
#include <set>

#include <gtest/gtest.h>

#include "synth/world.h"
#include "synth_test_util.h"

namespace retailsim::synth {
namespace {

using testing::ScratchDir;
using testing::tiny_config;

TEST(World, HierarchyHasTheRealCountsAtFullProductCount) {
  SynthConfig c = SynthConfig::preset_named("lgsr-sample");
  c.n_customers = 10;
  c.n_weeks = 4;
  World w = build_world(c);
  EXPECT_EQ(w.n_products(), 4997);
  EXPECT_EQ(w.cl_code.size(), 250u);
  EXPECT_EQ(w.dep_code.size(), 90u);
  EXPECT_EQ(w.g_code.size(), 31u);
  EXPECT_EQ(w.dept_code.size(), 9u);
  std::set<std::string> codes(w.product_code.begin(), w.product_code.end());
  EXPECT_EQ(codes.size(), 4997u);
  EXPECT_EQ(*codes.begin(), "PRD0900001");
  EXPECT_EQ(*codes.rbegin(), "PRD0904997");
  std::map<int, int> format_counts;
  for (auto f : w.store_format) ++format_counts[f];
  EXPECT_EQ(format_counts[0], 330);  // LS
  EXPECT_EQ(format_counts[3], 28);   // XLS
  // Brands never span sub-commodities.
  std::map<int, int> brand_cl;
  for (int p = 0; p < w.n_products(); ++p) {
    auto [it, fresh] = brand_cl.emplace(w.product_brand[p], w.product_cl[p]);
    EXPECT_EQ(it->second, w.product_cl[p]);
    EXPECT_LT(w.product_unit_cost_pence[p], w.product_ref_price_pence[p]);
  }
}

TEST(World, PromotionsLastOneToFourWeeksAndNeverOverlap) {
  SynthConfig c = tiny_config();
  c.n_weeks = 60;
  World w = build_world(c);
  ASSERT_GT(w.promos.size(), 50u);
  std::map<std::pair<int, int>, int> last_end;
  for (const auto& e : w.promos) {
    EXPECT_GE(e.n_weeks, 1);
    EXPECT_LE(e.n_weeks, 4);
    EXPECT_GT(e.depth_pct, 0);
    EXPECT_LT(e.depth_pct, 100);
    auto key = std::make_pair(e.product, e.zone);
    if (last_end.contains(key)) {
      EXPECT_GE(e.start_week, last_end[key]);
    }
    last_end[key] = e.start_week + e.n_weeks;
    for (int wk = e.start_week; wk < e.start_week + e.n_weeks; ++wk)
      EXPECT_EQ(w.promo_depth(wk, e.zone, e.product), e.depth_pct);
  }
}

TEST(World, ShelfPricesChangeRarely) {
  SynthConfig c = tiny_config();
  c.n_weeks = 104;
  World w = build_world(c);
  int changes = 0;
  for (int z = 0; z < kFormats; ++z)
    for (int p = 0; p < w.n_products(); ++p)
      for (int wk = 1; wk < c.n_weeks; ++wk)
        changes += w.base_price(wk, z, p) != w.base_price(wk - 1, z, p);
  const double per_product_year = changes / (4.0 * w.n_products() * 2.0);
  EXPECT_GT(per_product_year, 0.2);
  EXPECT_LT(per_product_year, 2.0);
}

TEST(World, AcceptProbabilityFallsWithPriceMostForPriceSensitiveSegment) {
  World w = build_world(tiny_config());
  const int p = 0, zone = 0;
  const int32_t ref = w.base_price(0, zone, p);
  const int32_t dearer = ref * 13 / 10;
  const double az_ref = line_accept_probability(w, 0, zone, p, ref, 0);
  const double az_up = line_accept_probability(w, 0, zone, p, dearer, 0);
  const double bg_ref = line_accept_probability(w, 1, zone, p, ref, 0);
  const double bg_up = line_accept_probability(w, 1, zone, p, dearer, 0);
  EXPECT_LT(az_up, az_ref);
  EXPECT_LT(bg_up, bg_ref);
  EXPECT_LT(az_up / az_ref, bg_up / bg_ref);  // AZ (less affluent) reacts more
  EXPECT_GT(line_accept_probability(w, 2, zone, p, promo_price(ref, 25), 25),
            line_accept_probability(w, 2, zone, p, promo_price(ref, 25), 0));
}

// Lines of a sub-commodity bought by seg_1 = AZ customers over a few simulated weeks.
int64_t az_lines_in(const World& w, int cl, bool raise_prices) {
  int64_t lines = 0;
  for (int week = 0; week < w.n_weeks(); ++week) {
    WeekPrices prices = true_week_prices(w, week);
    if (raise_prices) {
      for (int z = 0; z < kFormats; ++z)
        for (int i = w.cl_offsets[cl]; i < w.cl_offsets[cl + 1]; ++i) {
          const size_t k = static_cast<size_t>(z) * w.n_products() + w.cl_products[i];
          prices.actual_pence[k] = prices.actual_pence[k] * 14 / 10;
        }
    }
    const DemandTables demand = build_demand_tables(w, prices);
    WeekSample sample;
    for (int c = 0; c < w.n_customers(); ++c) {
      if (w.customer_seg1[c] != 0) continue;
      Rng rng = Rng::stream(7, {static_cast<uint64_t>(week), static_cast<uint64_t>(c)});
      sample_customer_week(w, c, week, prices, demand, rng, sample);
    }
    for (const auto& line : sample.lines) lines += w.product_cl[line.product] == cl;
  }
  return lines;
}

TEST(World, DemandFallsWhenPriceRisesForPriceSensitiveCustomers) {
  SynthConfig c = tiny_config();
  c.n_customers = 3000;
  c.n_weeks = 6;
  World w = build_world(c);
  // The most bought sub-commodity of fresh food; +40% on all its prices (AZ elasticity ~2.6 on
  // the chance to buy a planned line) must cut its lines clearly (about 7 Poisson sd here).
  int cl = 0;
  for (int k = 0; k < w.n_cl(); ++k)
    if (w.cl_group[k] == kFresh && w.cl_attractiveness[k] > w.cl_attractiveness[cl]) cl = k;
  const int64_t normal = az_lines_in(w, cl, false);
  const int64_t dearer = az_lines_in(w, cl, true);
  ASSERT_GT(normal, 200);
  EXPECT_LT(dearer, normal * 0.92) << normal << " -> " << dearer;
}

TEST(World, BasketLabelsFollowContents) {
  World w = build_world(tiny_config());
  const int food = w.cl_products[w.cl_offsets[0]];
  ASSERT_NE(w.cl_group[0], kOther);
  auto make = [&](int n, int product) {
    std::vector<TripLine> lines;
    for (int i = 0; i < n; ++i) lines.push_back({product, 1, 100, 100});
    Trip trip;
    label_basket(w, lines, trip);
    return trip;
  };
  EXPECT_EQ(make(1, food).size, kSizeS);
  EXPECT_EQ(make(2, food).size, kSizeS);
  EXPECT_EQ(make(3, food).size, kSizeM);
  EXPECT_EQ(make(9, food).size, kSizeM);
  EXPECT_EQ(make(10, food).size, kSizeL);
  EXPECT_EQ(make(1, food).type, kSmallShop);
  EXPECT_EQ(make(20, food).type, kFullShop);
  ASSERT_FALSE(w.service_products.empty());
  const Trip service = make(1, w.service_products[0]);
  EXPECT_EQ(service.type, kTypeXX);
  EXPECT_EQ(service.mission, kMissionXX);
  EXPECT_EQ(service.price_sensitivity, kPsXX);
}

TEST(World, LoadsBackFromTruthAndSamplesTheSameTrips) {
  ScratchDir dir;
  World built = build_world(tiny_config(5));
  write_world(built, dir.path());
  World loaded = load_world(dir.path());
  EXPECT_EQ(loaded.product_code, built.product_code);
  EXPECT_EQ(loaded.customer_fav_product, built.customer_fav_product);
  EXPECT_EQ(loaded.base_price_pence, built.base_price_pence);
  EXPECT_EQ(loaded.promo_depth_pct, built.promo_depth_pct);
  EXPECT_EQ(loaded.config.to_json(), built.config.to_json());
  for (int week : {0, 3}) {
    WeekPrices pa = true_week_prices(built, week), pb = true_week_prices(loaded, week);
    EXPECT_EQ(pa.actual_pence, pb.actual_pence);
    DemandTables da = build_demand_tables(built, pa), db = build_demand_tables(loaded, pb);
    WeekSample a, b;
    for (int c = 0; c < built.n_customers(); ++c) {
      Rng ra = Rng::stream(1, {static_cast<uint64_t>(c)}), rb = ra;
      sample_customer_week(built, c, week, pa, da, ra, a);
      sample_customer_week(loaded, c, week, pb, db, rb, b);
    }
    ASSERT_EQ(a.lines.size(), b.lines.size());
    for (size_t i = 0; i < a.lines.size(); ++i) {
      EXPECT_EQ(a.lines[i].product, b.lines[i].product);
      EXPECT_EQ(a.lines[i].spend_pence, b.lines[i].spend_pence);
    }
  }
}

}  // namespace
}  // namespace retailsim::synth
