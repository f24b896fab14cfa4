// TruthModel: its closed-form purchase probabilities agree with the sampler they describe, its
// code lookups map LGSR codes to world ids, and a price override moves demand the right way.
#include <algorithm>
#include <cmath>

#include <gtest/gtest.h>

#include "core/error.h"
#include "synth/world.h"
#include "synth_test_util.h"

namespace retailsim::synth {
namespace {

using testing::tiny_config;

// A known customer active in `week` with alternative stores, so both store cases occur.
int busy_customer(const World& w, int week) {
  int best = -1;
  for (int c = 0; c < w.n_known; ++c) {
    if (week < w.customer_first_week[c] || week > w.customer_last_week[c]) continue;
    if (best < 0 || w.customer_trip_rate[c] > w.customer_trip_rate[best]) best = c;
  }
  return best;
}

TEST(TruthModel, ProbabilitiesMatchTheSamplersFrequencies) {
  SynthConfig config = tiny_config();
  World w = build_world(config);
  const int week = 3;
  const int customer = busy_customer(w, week);
  ASSERT_GE(customer, 0);
  const int store = w.customer_home_store[customer];
  const WeekPrices prices = true_week_prices(w, week);
  const DemandTables demand = build_demand_tables(w, prices);

  std::vector<double> bought(static_cast<size_t>(w.n_products()), 0.0);
  int trips = 0;
  WeekSample sample;
  for (uint64_t draw = 0; trips < 40000 && draw < 2'000'000; ++draw) {
    Rng rng = Rng::stream(99, {draw});
    sample.clear();
    sample_customer_week(w, customer, week, prices, demand, rng, sample);
    for (const Trip& trip : sample.trips) {
      if (trip.store != store) continue;
      ++trips;
      for (uint32_t i = trip.line_begin; i < trip.line_end; ++i)
        bought[static_cast<size_t>(sample.lines[i].product)] += 1.0;
    }
  }
  ASSERT_GE(trips, 40000);

  TruthModel model(std::move(w));
  const std::vector<double> p = model.product_probabilities(customer, week, store);
  ASSERT_EQ(p.size(), bought.size());
  double max_error = 0, total_p = 0, total_f = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    const double frequency = bought[i] / trips;
    max_error = std::max(max_error, std::abs(frequency - p[i]));
    total_p += p[i];
    total_f += frequency;
  }
  // Sampling error of a frequency near 0.5 over 40,000 trips is 0.0025; the closed form leaves
  // out the focused-trip re-draws, so allow a little more (measured: 0.003).
  EXPECT_LT(max_error, 0.01);
  // Expected distinct products per basket agree within 3%.
  EXPECT_NEAR(total_p / total_f, 1.0, 0.03);
}

TEST(TruthModel, MapsLgsrCodesToWorldIds) {
  World w = build_world(tiny_config());
  const std::string product = w.product_code[5];
  const std::string store = w.store_code[2];
  const std::string customer = customer_code_text(w.customer_number[7]);
  TruthModel model(std::move(w));
  EXPECT_EQ(model.product_of_code(product), 5);
  EXPECT_EQ(model.store_of_code(store), 2);
  EXPECT_EQ(model.customer_of_code(customer), 7);
  EXPECT_EQ(model.customer_of_code("CUST9999999999"), -1);
  EXPECT_EQ(model.week_of_shop_week(200607), 0);
  EXPECT_EQ(model.week_of_shop_week(200608), 1);
  EXPECT_EQ(model.week_of_shop_week(190001), -1);
}

TEST(TruthModel, APriceCutRaisesTheProductsProbability) {
  World w = build_world(tiny_config());
  const int week = 2;
  const int customer = busy_customer(w, week);
  const int store = w.customer_home_store[customer];
  const int zone = w.store_format[store];
  WeekPrices prices = true_week_prices(w, week);
  TruthModel model(std::move(w));
  const std::vector<double> before = model.product_probabilities(customer, week, store, &prices);
  int product = static_cast<int>(std::max_element(before.begin(), before.end()) - before.begin());
  const size_t cell = static_cast<size_t>(zone) * prices.n_products + product;
  prices.actual_pence[cell] = prices.actual_pence[cell] / 2;
  prices.promo_depth_pct[cell] = 50;
  const std::vector<double> after = model.product_probabilities(customer, week, store, &prices);
  EXPECT_GT(after[product], before[product]);
  EXPECT_GT(model.expected_trips(customer, week), 0.0);
  EXPECT_GT(model.store_probability(customer, store), 0.0);
}

TEST(TruthModel, FavouriteSharesReplaceTheTrueWeights) {
  World w = build_world(tiny_config());
  const int week = 2;
  const int customer = busy_customer(w, week);
  const int store = w.customer_home_store[customer];
  // The true shares from the cumulative weights.
  const int64_t f0 = w.customer_fav_offsets[customer], f1 = w.customer_fav_offsets[customer + 1];
  ASSERT_GE(f1 - f0, 2);
  std::vector<double> truth;
  for (int64_t i = f0; i < f1; ++i) {
    const double previous = i == f0 ? 0.0 : w.customer_fav_cum[i - 1];
    truth.push_back((w.customer_fav_cum[i] - previous) / w.customer_fav_cum[f1 - 1]);
  }
  TruthModel model(std::move(w));
  const std::span<const int32_t> favourites = model.favourites(customer);
  ASSERT_EQ(favourites.size(), truth.size());
  const std::vector<double> exact = model.product_probabilities(customer, week, store);
  const std::vector<double> same =
      model.product_probabilities_with_favourites(customer, week, store, truth);
  ASSERT_EQ(same.size(), exact.size());
  for (size_t p = 0; p < exact.size(); ++p) EXPECT_NEAR(same[p], exact[p], 1e-12) << p;

  // All the favourites' share on the weakest one: it gains, the strongest loses.
  const size_t weakest =
      static_cast<size_t>(std::min_element(truth.begin(), truth.end()) - truth.begin());
  const size_t strongest =
      static_cast<size_t>(std::max_element(truth.begin(), truth.end()) - truth.begin());
  std::vector<double> moved(truth.size(), 0.0);
  moved[weakest] = 1.0;
  const std::vector<double> other =
      model.product_probabilities_with_favourites(customer, week, store, moved);
  const auto weak = static_cast<size_t>(favourites[weakest]);
  const auto strong = static_cast<size_t>(favourites[strongest]);
  if (exact[weak] > 0) {  // stocked at the store
    EXPECT_GT(other[weak], exact[weak]);
  }
  if (exact[strong] > 0) {
    EXPECT_LT(other[strong], exact[strong]);
  }
  const std::vector<double> too_many(truth.size() + 1, 1.0 / static_cast<double>(truth.size() + 1));
  EXPECT_THROW(model.product_probabilities_with_favourites(customer, week, store, too_many), Error);
}

TEST(TruthModel, LoadingWithoutATruthFolderNamesIt) {
  try {
    TruthModel::load("/nonexistent/truth");
    FAIL() << "expected an error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/truth"), std::string::npos);
  }
}

}  // namespace
}  // namespace retailsim::synth
