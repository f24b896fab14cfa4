// The "world-model" demand source on a tiny generated world with tiny trained models: units are
// non-negative, common random numbers give identical draws for identical prices and leave other
// sub-commodities untouched by one product's price, the expected mode matches the mean of the
// sampled one, a lower own price never lowers expected units (nor raises its substitutes'), and a
// missing checkpoint names its path.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <numeric>
#include <set>

#include "core/dataset.h"
#include "model/model.h"
#include "model/tasks.h"
#include "prepare/prepare_fixture.h"
#include "sim/sim.h"
#include "test_util.h"

namespace retailsim::model {
namespace {

fs::path world_root() {
  return fs::temp_directory_path() / ("retailsim-world-model-demand-" + std::to_string(::getpid()));
}

class RemoveTrainedWorld : public ::testing::Environment {
 public:
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(world_root(), ignored);
  }
};
const auto* const kCleanUp = ::testing::AddGlobalTestEnvironment(new RemoveTrainedWorld);

// Tiny models trained for a few batches; `more_model_keys` go into [model].
std::string tiny_models(const std::string& more_model_keys) {
  return "[model]\nd_model = 16\nn_heads = 2\nfeedforward = 32\n" + more_model_keys +
         "[train]\nbatch_size = 64\nwarmup_epochs = 0\nmain_epochs = 1\nfinetune_epochs = 0\n"
         "max_batches_per_epoch = 4\nfull_val_batches = 1\nquick_val_every = 0\n";
}

// Generated, prepared and trained once per test program (each model a few batches).
const fs::path& trained_world() {
  static const fs::path dir = [] {
    const fs::path d = world_root();
    fs::remove_all(d);
    synth::generate(synth::SynthConfig::preset_named("tiny"), d, 2);
    prepare::testing::build_features(d);
    prepare::prepare_stage(prepare::testing::prepare_options(d));
    const fs::path config = d / "tiny-model.toml";
    std::ofstream(config) << tiny_models("");
    for (const char* which : {"world", "store-visit"}) {
      train_job({{"data_dir", d.string()},
                 {"model", which},
                 {"config_path", config.string()},
                 {"seed", 3},
                 {"threads", 1}});
    }
    return d;
  }();
  return dir;
}

class WorldModelDemandTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    register_world_model_demand();
    market_ = new sim::Market(sim::load_market(trained_world(), {}, 7));
  }
  static void TearDownTestSuite() {
    delete market_;
    market_ = nullptr;
  }
  static std::unique_ptr<sim::DemandSource> source(sim::DemandMode mode) {
    return sim::make_demand_source("world-model", *market_, {mode, trained_world()});
  }
  // Historical prices of the market's last week.
  struct Prices {
    int week;
    std::vector<float> shelf, depth;
    sim::WeekInput input() const { return {week, shelf, depth}; }
  };
  static Prices last_week() {
    Prices p{market_->n_weeks - 1, std::vector<float>(market_->n_cells()),
             std::vector<float>(market_->n_cells())};
    market_->historical_prices(p.week, p.shelf, p.depth);
    return p;
  }
  static double total(const sim::WeekDemand& d) {
    return std::accumulate(d.units.begin(), d.units.end(), 0.0);
  }
  static sim::Market* market_;
};
sim::Market* WorldModelDemandTest::market_ = nullptr;

TEST_F(WorldModelDemandTest, IsRegisteredByName) {
  const auto names = sim::demand_source_names();
  EXPECT_NE(std::find(names.begin(), names.end(), "world-model"), names.end());
}

TEST_F(WorldModelDemandTest, UnitsAreNonNegativeAndSomeoneBuys) {
  const Prices prices = last_week();
  for (auto mode : {sim::DemandMode::kExpected, sim::DemandMode::kSampled}) {
    auto s = source(mode);
    sim::WeekDemand d;
    s->demand(prices.input(), 11, d);
    ASSERT_EQ(d.units.size(), market_->n_cells());
    for (double u : d.units) ASSERT_GE(u, 0.0);
    EXPECT_GT(total(d), 0.0) << sim::demand_mode_name(mode);
    EXPECT_GT(d.trips, 0u);
  }
}

TEST_F(WorldModelDemandTest, CommonRandomNumbersIsolateAPriceChange) {
  auto s = source(sim::DemandMode::kSampled);
  Prices prices = last_week();
  sim::WeekDemand a, b, c;
  s->demand(prices.input(), 5, a);
  s->demand(prices.input(), 5, b);
  EXPECT_EQ(a.units, b.units);  // no change: exactly zero delta
  // Doubling the best seller's price moves only the draws of its sub-commodity: fewer of it,
  // more (or as many) of its substitutes, the same of everything else.
  const int n_s = market_->n_stores();
  std::vector<double> units(static_cast<size_t>(market_->n_products()), 0.0);
  for (size_t cell = 0; cell < a.units.size(); ++cell) units[cell / n_s] += a.units[cell];
  const int top = static_cast<int>(std::max_element(units.begin(), units.end()) - units.begin());
  for (int st = 0; st < n_s; ++st) prices.shelf[static_cast<size_t>(top) * n_s + st] *= 2;
  s->demand(prices.input(), 5, c);
  int moved = 0;
  for (size_t cell = 0; cell < c.units.size(); ++cell) {
    const int p = static_cast<int>(cell / static_cast<size_t>(n_s));
    if (p == top) {
      ASSERT_LE(c.units[cell], a.units[cell]) << cell;
    } else if (market_->product_category[p] == market_->product_category[top]) {
      ASSERT_GE(c.units[cell], a.units[cell]) << cell;
    } else {
      ASSERT_EQ(c.units[cell], a.units[cell]) << cell;
    }
    moved += c.units[cell] != a.units[cell];
  }
  EXPECT_GT(moved, 0);
}

TEST_F(WorldModelDemandTest, ExpectedModeMatchesTheMeanOfSampledDraws) {
  const Prices prices = last_week();
  auto expected = source(sim::DemandMode::kExpected);
  auto sampled = source(sim::DemandMode::kSampled);
  sim::WeekDemand e, d;
  expected->demand(prices.input(), 1, e);
  constexpr int kDraws = 40;
  std::vector<double> mean(market_->n_cells(), 0.0);
  for (int r = 0; r < kDraws; ++r) {
    sampled->demand(prices.input(), 100 + r, d);
    for (size_t i = 0; i < mean.size(); ++i) mean[i] += d.units[i] / kDraws;
  }
  const double total_mean = std::accumulate(mean.begin(), mean.end(), 0.0);
  EXPECT_NEAR(total_mean / total(e), 1.0, 0.05);
  // Per product (summed over stores), the five best sellers agree too.
  const int n_s = market_->n_stores();
  std::vector<std::pair<double, double>> by_product;  // (expected, mean of sampled)
  for (int p = 0; p < market_->n_products(); ++p) {
    double ep = 0, sp = 0;
    for (int s = 0; s < n_s; ++s) {
      ep += e.units[static_cast<size_t>(p) * n_s + s];
      sp += mean[static_cast<size_t>(p) * n_s + s];
    }
    by_product.push_back({ep, sp});
  }
  std::sort(by_product.rbegin(), by_product.rend());
  for (int k = 0; k < 5; ++k) {
    ASSERT_GT(by_product[k].first, 0.0);
    EXPECT_NEAR(by_product[k].second / by_product[k].first, 1.0, 0.3) << k;
  }
}

TEST_F(WorldModelDemandTest, ALowerOwnPriceNeverLowersExpectedUnits) {
  auto s = source(sim::DemandMode::kExpected);
  const Prices prices = last_week();
  const int n_s = market_->n_stores();
  // One product per sub-commodity gets cheaper or promoted; its substitutes keep their prices.
  std::vector<uint8_t> chosen(static_cast<size_t>(market_->n_products()), 0);
  std::set<std::string> seen;
  for (int p = 0; p < market_->n_products(); ++p)
    chosen[p] = seen.insert(market_->product_category[p]).second ? 1 : 0;
  sim::WeekDemand before, after, promoted;
  s->demand(prices.input(), 1, before);
  Prices cheaper = prices, on_promotion = prices;
  for (size_t cell = 0; cell < before.units.size(); ++cell) {
    if (!chosen[cell / static_cast<size_t>(n_s)]) continue;
    cheaper.shelf[cell] = std::round(cheaper.shelf[cell] * 0.8f);
    on_promotion.depth[cell] = std::max(on_promotion.depth[cell], 0.3f);
  }
  s->demand(cheaper.input(), 1, after);
  s->demand(on_promotion.input(), 1, promoted);
  int rose = 0;
  for (size_t i = 0; i < before.units.size(); ++i) {
    if (chosen[i / static_cast<size_t>(n_s)]) {
      ASSERT_GE(after.units[i], before.units[i] * (1 - 1e-6)) << i;
      ASSERT_GE(promoted.units[i], before.units[i] * (1 - 1e-6)) << i;
      rose += after.units[i] > before.units[i];
    } else {  // a cheaper substitute never raises a product's units
      ASSERT_LE(after.units[i], before.units[i] * (1 + 1e-6)) << i;
      ASSERT_LE(promoted.units[i], before.units[i] * (1 + 1e-6)) << i;
    }
  }
  EXPECT_GT(rose, 0);
}

TEST_F(WorldModelDemandTest, AMarketTooLargeForMemoryIsRefusedNamingTheShareThatFits) {
  sim::DemandOptions options{sim::DemandMode::kExpected, trained_world()};
  options.max_week_state_bytes = 1000;
  try {
    sim::make_demand_source("world-model", *market_, options);
    FAIL() << "accepted a market over the memory limit";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("customer_share"), std::string::npos) << e.what();
  }
}

TEST(WorldModelDemand, MissingCheckpointNamesItsPath) {
  register_world_model_demand();
  const sim::Market market = sim::load_market(trained_world(), {}, 7);
  retailsim::testing::ScratchDir empty;
  try {
    sim::make_demand_source("world-model", market, {sim::DemandMode::kExpected, empty.path()});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find((empty.path() / "models" / "world").string()),
              std::string::npos)
        << e.what();
  }
}

// An ensemble of two: member 0 is the trained world's model (up to date, so skipped), member 1
// trains with the next seed; the simulator's units are the mean of each member's alone, predict
// averages too, and a smaller ensemble removes the extra member.
TEST_F(WorldModelDemandTest, AnEnsemblesMembersTrainWithTheirOwnSeedsAndTheSimulatorAveragesThem) {
  retailsim::testing::ScratchDir scratch;
  const fs::path both = scratch.path() / "both", second = scratch.path() / "second";
  fs::copy(trained_world(), both, fs::copy_options::recursive);
  const fs::path config = both / "ensemble.toml";
  std::ofstream(config) << tiny_models("ensemble = 2\n");
  const Json args = {{"data_dir", both.string()},
                     {"model", "world"},
                     {"config_path", config.string()},
                     {"seed", 3},
                     {"threads", 1},
                     {"skip_if_trained", true}};
  const Json trained = train_job(args);
  EXPECT_TRUE(trained.value("skipped", false));  // member 0: the trained world's model
  EXPECT_EQ(trained["ensemble"], 2);
  ASSERT_EQ(trained["members"].size(), 1u);
  EXPECT_FALSE(trained["members"][0].value("skipped", false));
  const fs::path member = both / "models" / "world" / "member-1";
  EXPECT_EQ(member_checkpoints(both, "world"),
            (std::vector<fs::path>{both / "models" / "world" / "best.pt", member / "best.pt"}));
  EXPECT_EQ(read_json(member / "model.json")["seed"], 4);
  EXPECT_TRUE(fs::exists(both / "reports" / "training-world-member-1.json"));

  // The second member alone, as member 0 of its own dataset.
  fs::copy(both, second, fs::copy_options::recursive);
  fs::remove_all(second / "models" / "world");
  fs::copy(member, second / "models" / "world", fs::copy_options::recursive);

  const Prices prices = last_week();
  auto units = [&](const fs::path& dir) {
    sim::WeekDemand d;
    sim::make_demand_source("world-model", *market_, {sim::DemandMode::kExpected, dir})
        ->demand(prices.input(), 5, d);
    return d.units;
  };
  const std::vector<double> mean = units(both), a = units(trained_world()), b = units(second);
  ASSERT_EQ(mean.size(), a.size());
  double differ = 0;
  for (size_t i = 0; i < mean.size(); ++i) {
    ASSERT_NEAR(mean[i], (a[i] + b[i]) / 2, 1e-9 * (1 + a[i] + b[i])) << i;
    differ += std::abs(a[i] - b[i]);
  }
  EXPECT_GT(differ, 0.0);  // the members differ: the seeds did

  const prepare::Samples next = prepare::Samples::open(both, prepare::SampleKind::kNextBasket);
  const Store store = Store::open(both);
  const Json predicted =
      predict_job({{"data_dir", both.string()},
                   {"customer", store.customer_codes[static_cast<size_t>(next.customer[0])]}});
  EXPECT_EQ(predicted["members"], 2);
  for (const Json& p : predicted["products"]) {
    EXPECT_GE(p["probability"].get<double>(), 0.0);
    EXPECT_LE(p["probability"].get<double>(), 1.0);
  }

  // Back to one member: the other is removed, so nothing averages it in any more.
  std::ofstream(config) << tiny_models("");
  EXPECT_FALSE(train_job(args).contains("members"));
  EXPECT_FALSE(fs::exists(member));
  EXPECT_EQ(units(both), a);
}

TEST(StoreChoice, TheShoppersTripsUpdateTheModelsDistribution) {
  // Three scope stores, then elsewhere. The model spreads a trip; the shopper went to store 1
  // three times and elsewhere once.
  std::vector<float> row = {0.4f, 0.3f, 0.2f, 0.1f};
  const std::vector<float> trips = {0, 3, 0, 1};
  blend_store_history(row, trips, 1.0);
  EXPECT_FLOAT_EQ(row[0], 0.4f / 5);
  EXPECT_FLOAT_EQ(row[1], 3.3f / 5);
  EXPECT_FLOAT_EQ(row[2], 0.2f / 5);
  EXPECT_FLOAT_EQ(row[3], 1.1f / 5);
  // No history: the model's row as it is.
  std::vector<float> fresh = {0.4f, 0.3f, 0.2f, 0.1f};
  blend_store_history(fresh, std::vector<float>(4, 0.0f), 1.0);
  EXPECT_EQ(fresh, (std::vector<float>{0.4f, 0.3f, 0.2f, 0.1f}));
  EXPECT_THROW(blend_store_history(fresh, std::vector<float>(3, 0.0f), 1.0), Error);
  EXPECT_THROW(blend_store_history(fresh, trips, 0.0), Error);
}

}  // namespace
}  // namespace retailsim::model

namespace retailsim::model {
namespace {

// A store of baskets only: customer c's baskets in the given weeks.
Store store_of_weeks(const std::vector<std::vector<int16_t>>& weeks_of_customer) {
  Store store;
  std::vector<int16_t> basket_week;
  std::vector<int64_t> offsets = {0};
  std::vector<int32_t> baskets;
  for (size_t c = 0; c < weeks_of_customer.size(); ++c) {
    for (int16_t w : weeks_of_customer[c]) {
      baskets.push_back(static_cast<int32_t>(basket_week.size()));
      basket_week.push_back(w);
    }
    offsets.push_back(static_cast<int64_t>(baskets.size()));
    store.customer_codes.push_back(std::to_string(c));
  }
  store.basket_week_index = Column<int16_t>::from_values(basket_week);
  store.customer_basket_offsets = Column<int64_t>::from_values(offsets);
  store.customer_baskets = Column<int32_t>::from_values(baskets);
  return store;
}

TEST(TripRate, RecentWeeksCountMoreAndALapsedShopperFadesOut) {
  const Store store = store_of_weeks({{0, 1, 2, 3}, {0, 1}, {0, 0, 2, 2}});
  EXPECT_NEAR(decayed_trip_rate(store, store.baskets_of_customer(0), 4), 1.0, 1e-12);
  // Two trips, then eight weeks away: far below the 0.2 a week of baskets over weeks.
  const double weights = (1 - std::pow(kTripDecay, 10)) / (1 - kTripDecay);
  EXPECT_NEAR(decayed_trip_rate(store, store.baskets_of_customer(1), 10),
              (std::pow(kTripDecay, 9) + std::pow(kTripDecay, 8)) / weights, 1e-12);
  EXPECT_LT(decayed_trip_rate(store, store.baskets_of_customer(1), 10), 0.05);
  // Baskets of the week asked about and later ones do not count.
  EXPECT_NEAR(decayed_trip_rate(store, store.baskets_of_customer(2), 2),
              2.0 * kTripDecay / (1 + kTripDecay), 1e-12);
}

TEST(TripRate, CalibrationIsTheShareOfPredictedTripsThatHappened) {
  prepare::SplitInfo split;
  split.n_weeks = 30;
  split.val_begin = 20;
  split.test_begin = 25;
  std::vector<int16_t> every_week, until_ten;
  for (int16_t w = 0; w < 30; ++w) every_week.push_back(w);
  for (int16_t w = 0; w < 10; ++w) until_ten.push_back(w);
  EXPECT_NEAR(trip_calibration(store_of_weeks({every_week, every_week}), split), 1.0, 1e-12);
  // A second shopper who stops after week 9: the training weeks delivered fewer trips than the
  // recency-weighted rates predicted.
  const double half = trip_calibration(store_of_weeks({every_week, until_ten}), split);
  EXPECT_LT(half, 1.0);
  EXPECT_GT(half, 0.5);
  EXPECT_EQ(trip_calibration(store_of_weeks({}), split), 1.0);
}

}  // namespace
}  // namespace retailsim::model
