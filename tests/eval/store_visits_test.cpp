// Store-visit evaluation: the customer-week cases on a hand-made store, each baseline's chances
// by hand, the metrics and the trip AUC by hand, a ranking file read back and checked, and the
// store_visits part of evaluate() (with the oracle on a tiny generated dataset).
#include <cmath>

#include <gtest/gtest.h>

#include "core/calendar.h"
#include "core/dataset.h"
#include "core/error.h"
#include "core/npy.h"
#include "eval_fixture.h"
#include "features/features.h"
#include "ingest/lgsr_fixture.h"

namespace retailsim::eval {
namespace {

using ingest::testing::Row;
using ingest::testing::valid_row;
using retailsim::testing::ScratchDir;

// 12 shop weeks from 200607 (data weeks 0-11), split 6 / 3 / 3 by the config below. Each trip is
// (customer, data week, store, hour); one line each.
struct Trip {
  std::string customer;
  int week;
  std::string store;
  int hour = 10;
};

void write_trips(const fs::path& raw, const std::vector<Trip>& trips) {
  std::map<int, std::vector<Row>> by_week;
  int basket = 100;
  for (const Trip& t : trips) {
    const int32_t monday = add_days(20060410, 7 * t.week);
    const int32_t date = add_days(monday, 1);  // a Tuesday
    const int32_t shop_week = 200607 + t.week;
    by_week[shop_week].push_back(valid_row({{"CUST_CODE", t.customer},
                                            {"SHOP_WEEK", std::to_string(shop_week)},
                                            {"SHOP_DATE", std::to_string(date)},
                                            {"SHOP_WEEKDAY", std::to_string(lgsr_weekday(date))},
                                            {"SHOP_HOUR", std::to_string(t.hour)},
                                            {"STORE_CODE", t.store},
                                            {"BASKET_ID", std::to_string(basket++)}}));
  }
  for (const auto& [week, rows] : by_week) {
    ingest::testing::write_text(raw / ("transactions_" + std::to_string(week) + ".csv"),
                                ingest::testing::csv_text(rows));
  }
}

EvalConfig visit_config(int horizon) {
  EvalConfig c;
  c.train_fraction = 0.5;
  c.val_fraction = 0.25;
  c.visit_horizon_weeks = horizon;
  return c;
}

// Customer A shops most weeks, mostly at S1 (two trips in week 9: S1, then S3); B shopped in
// weeks 0-1 only; C is first seen in the validation weeks, E in the test weeks.
class StoreVisits : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new ScratchDir();
    const fs::path raw = ingest::testing::make_raw_dir(dir_->path());
    write_trips(raw, {{"A", 0, "S1"},
                      {"A", 1, "S1"},
                      {"A", 2, "S2"},
                      {"A", 4, "S1"},
                      {"A", 5, "S1"},
                      {"A", 7, "S1"},
                      {"A", 9, "S1", 10},
                      {"A", 9, "S3", 15},
                      {"A", 11, "S2"},
                      {"B", 0, "S2"},
                      {"B", 1, "S2"},
                      {"C", 7, "S3"},
                      {"E", 10, "S1"}});
    ingest::testing::run_ingest(raw, dir_->path());
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static int32_t customer(const Store& store, const std::string& code) {
    return static_cast<int32_t>(
        std::find(store.customer_codes.begin(), store.customer_codes.end(), code) -
        store.customer_codes.begin());
  }
  static int32_t store_id(const Store& store, const std::string& code) {
    return static_cast<int32_t>(
        std::find(store.store_codes.begin(), store.store_codes.end(), code) -
        store.store_codes.begin());
  }
  static ScratchDir* dir_;
};
ScratchDir* StoreVisits::dir_ = nullptr;

TEST_F(StoreVisits, CasesAreTheSplitWeeksOfKnownCustomersWithinTheHorizon) {
  const Store store = Store::open(dir_->path());
  const auto weeks = features::split_weeks(12, 0.5, 0.25);
  ASSERT_EQ(weeks.n_train, 6);
  ASSERT_EQ(weeks.test_begin(), 9);
  const int32_t first = store.week_index[0];
  const int32_t a = customer(store, "A"), b = customer(store, "B");

  const VisitFold fold = temporal_visit_fold(store, visit_config(3));
  EXPECT_EQ(fold.name, "temporal-test");
  EXPECT_EQ(fold.view_end, first + 9);
  EXPECT_EQ(fold.n_stores, 3);
  // B last shopped in week 1, more than 3 weeks before the test weeks; C and E are not customers
  // of the training weeks. A: week 9 (its first trip, at S1), week 10 (no trip), week 11 (S2).
  ASSERT_EQ(fold.cases.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(fold.cases[i].index, static_cast<int32_t>(i));
    EXPECT_EQ(fold.cases[i].customer, a);
    EXPECT_EQ(fold.cases[i].week, first + 9 + static_cast<int32_t>(i));
  }
  EXPECT_EQ(fold.cases[0].outcome, store_id(store, "S1"));
  EXPECT_EQ(fold.cases[0].n_history, 6);
  EXPECT_EQ(fold.cases[0].hour, 10);
  EXPECT_GE(fold.cases[0].weekday, 1);
  EXPECT_TRUE(fold.cases[0].trip());
  EXPECT_EQ(fold.cases[1].outcome, 3);  // no trip
  EXPECT_FALSE(fold.cases[1].trip());
  EXPECT_EQ(fold.cases[1].n_history, 8);  // both trips of week 9
  EXPECT_EQ(fold.cases[1].weekday, 0);
  EXPECT_EQ(fold.cases[1].hour, -1);
  EXPECT_EQ(fold.cases[2].outcome, store_id(store, "S2"));
  EXPECT_EQ(store.basket_store_id[static_cast<size_t>(fold.cases[2].target_basket)],
            store_id(store, "S2"));

  // With a 12-week horizon B's three test weeks count as weeks without a trip.
  const VisitFold longer = temporal_visit_fold(store, visit_config(12));
  ASSERT_EQ(longer.cases.size(), 6u);
  int b_cases = 0;
  for (const VisitCase& c : longer.cases) {
    if (c.customer != b) continue;
    ++b_cases;
    EXPECT_FALSE(c.trip());
    EXPECT_EQ(c.n_history, 2);
  }
  EXPECT_EQ(b_cases, 3);
  // A sample keeps at most visit_max_cases, in case order, numbered afresh.
  EvalConfig small = visit_config(12);
  small.visit_max_cases = 4;
  const VisitFold sampled = temporal_visit_fold(store, small);
  EXPECT_EQ(sampled.eligible_cases, 6);
  ASSERT_EQ(sampled.cases.size(), 4u);
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(sampled.cases[i].index, static_cast<int32_t>(i));
  // The validation split's weeks.
  EvalConfig val = visit_config(12);
  val.split = "val";
  const VisitFold val_fold = temporal_visit_fold(store, val);
  EXPECT_EQ(val_fold.name, "temporal-val");
  EXPECT_EQ(val_fold.view_end, first + 6);
  // Weeks 6 and 8 hold no basket at all (missing data): only week 7 is asked about, A's trip
  // and B's week without one.
  ASSERT_EQ(val_fold.cases.size(), 2u);
  for (const VisitCase& c : val_fold.cases) EXPECT_EQ(c.week, first + 7);
}

const VisitMethodInfo& method_named(const std::string& name) {
  for (const VisitMethodInfo& m : registered_visit_methods()) {
    if (m.name == name) return m;
  }
  throw std::runtime_error("no method " + name);
}

TEST_F(StoreVisits, BaselinesGiveTheChancesOfTheirHistoriesByHand) {
  const Store store = Store::open(dir_->path());
  const VisitFold fold = temporal_visit_fold(store, visit_config(12));
  const int32_t s1 = store_id(store, "S1"), s2 = store_id(store, "S2"), s3 = store_id(store, "S3");
  // Weeks 3, 6 and 8 hold no basket at all: missing data, neither trips nor weeks without one.
  const std::vector<uint8_t> observed = store.weeks_with_baskets();
  const int32_t first = store.week_index[0];
  for (int w : {3, 6, 8}) EXPECT_EQ(observed[static_cast<size_t>(first + w)], 0) << w;
  EXPECT_EQ(observed[static_cast<size_t>(first + 10)], 1);
  // Before week 9: trips S1 5, S2 3 (A once, B twice), S3 1 (C); trip weeks after each first
  // trip: A 5, B 1, C 0; observed weeks without a trip up to week 8: A none, B 4 (2, 4, 5, 7),
  // C none.
  const double share1 = 5.0 / 9, share2 = 3.0 / 9, share3 = 1.0 / 9;
  const double g0 = 4.0 / 10;
  const VisitCase& week10 = fold.cases[1];  // A, no trip
  ASSERT_EQ(week10.customer, customer(store, "A"));

  auto global = method_named("visit-global").make(dir_->path());
  global->fit(store, fold);
  const VisitPrediction g = global->predict(week10, 20);
  EXPECT_NEAR(g.no_trip, g0, 1e-12);
  ASSERT_EQ(g.outcomes, (std::vector<int32_t>{3, s1, s2, s3}));
  EXPECT_NEAR(g.probability[1], (1 - g0) * share1, 1e-12);
  EXPECT_NEAR(g.probability[3], (1 - g0) * share3, 1e-12);

  // A's history before week 10: 8 trips in weeks 0, 1, 2, 4, 5, 7, 9, 9 (S1 6, S2 1, S3 1):
  // 6 trip weeks after the first and no observed week without one; the last trip was at S3.
  auto personal = method_named("visit-personal").make(dir_->path());
  personal->fit(store, fold);
  const VisitPrediction p = personal->predict(week10, 20);
  const double p0 = (0 + 2 * g0) / (6 + 2);
  EXPECT_NEAR(p.no_trip, p0, 1e-12);
  ASSERT_EQ(p.outcomes, (std::vector<int32_t>{s1, s2, s3, 3}));
  EXPECT_NEAR(p.probability[0], (1 - p0) * (6 + share1) / 9, 1e-12);
  EXPECT_NEAR(p.probability[1], (1 - p0) * (1 + share2) / 9, 1e-12);
  EXPECT_NEAR(p.probability[2], (1 - p0) * (1 + share3) / 9, 1e-12);

  // visit-last: the last trip's store (S3) takes S1's chance and S1 takes S3's.
  auto last = method_named("visit-last").make(dir_->path());
  last->fit(store, fold);
  const VisitPrediction l = last->predict(week10, 20);
  ASSERT_EQ(l.outcomes, (std::vector<int32_t>{s3, s2, s1, 3}));
  EXPECT_NEAR(l.probability[0], p.probability[0], 1e-12);
  EXPECT_NEAR(l.probability[2], p.probability[2], 1e-12);
  // A list is cut at n.
  EXPECT_EQ(personal->predict(week10, 2).outcomes.size(), 2u);
}

TEST(VisitMetrics, RankOutcomesAndStoresAsComputedByHand) {
  VisitPrediction p;
  p.outcomes = {4, 10, 7, 2};  // 10 = no trip (n_stores 10)
  p.probability = {0.4, 0.3, 0.2, 0.1};
  p.no_trip = 0.3;
  VisitCase trip;
  trip.target_basket = 5;
  trip.outcome = 7;  // third outcome, second store
  const std::vector<double> m = visit_case_metrics(p, trip, 10);
  const std::vector<double> want = {0, 1, 1, 1, 1.0 / 3, 0, 1, 1, 1, 0.5, 0.7, 1};
  ASSERT_EQ(m.size(), visit_metric_names().size());
  for (size_t i = 0; i < want.size(); ++i)
    EXPECT_DOUBLE_EQ(m[i], want[i]) << visit_metric_names()[i];
  VisitCase none;
  none.outcome = 10;
  const std::vector<double> n = visit_case_metrics(p, none, 10);
  EXPECT_DOUBLE_EQ(n[0], 0);
  EXPECT_DOUBLE_EQ(n[1], 1);
  EXPECT_DOUBLE_EQ(n[4], 0.5);
  for (size_t i = 5; i < 10; ++i) EXPECT_TRUE(std::isnan(n[i]));
  EXPECT_DOUBLE_EQ(n[11], 0);
  VisitCase missing;
  missing.target_basket = 1;
  missing.outcome = 9;  // not listed
  const std::vector<double> x = visit_case_metrics(p, missing, 10);
  EXPECT_DOUBLE_EQ(x[3], 0);
  EXPECT_DOUBLE_EQ(x[4], 0);
  EXPECT_DOUBLE_EQ(x[9], 0);
}

TEST(VisitMetrics, TripAucCountsPairsAndHalvesTies) {
  const std::vector<double> score = {0.1, 0.4, 0.35, 0.8};
  const std::vector<uint8_t> label = {0, 0, 1, 1};
  EXPECT_DOUBLE_EQ(roc_auc(score, label), 0.75);  // 3 of 4 pairs ordered right
  EXPECT_DOUBLE_EQ(roc_auc(std::vector<double>{0.5, 0.5}, std::vector<uint8_t>{1, 0}), 0.5);
  EXPECT_DOUBLE_EQ(roc_auc(std::vector<double>{0.2, 0.5, 0.5}, std::vector<uint8_t>{0, 1, 0}),
                   0.75);
  EXPECT_TRUE(std::isnan(roc_auc(std::vector<double>{0.1}, std::vector<uint8_t>{1})));
}

TEST_F(StoreVisits, RankingFilesAreReadInCaseOrderAndCheckedAgainstTheCases) {
  ScratchDir scratch;
  const fs::path data = scratch.path();
  fs::copy(dir_->path() / "store", data / "store", fs::copy_options::recursive);
  const Store store = Store::open(data);
  const VisitFold fold = temporal_visit_fold(store, visit_config(3));  // 3 cases
  const fs::path file = visit_ranking_file(data, "my-model", fold.name);
  fs::create_directories(file.parent_path());
  const fs::path base = file.parent_path() / fold.name;
  write_npy(file, std::vector<int32_t>{0, 3, 3, 1, 2, -1}, {3, 2});
  write_npy(fs::path(base.string() + ".probabilities.npy"),
            std::vector<float>{0.6f, 0.4f, 0.7f, 0.2f, 0.9f, 0.0f}, {3, 2});
  write_npy(fs::path(base.string() + ".no_trip.npy"), std::vector<float>{0.4f, 0.7f, 0.1f}, {3});
  auto method = visit_ranking_file_method(data, "my-model", fold);
  method->fit(store, fold);
  const VisitPrediction second = method->predict(fold.cases[1], 20);
  EXPECT_EQ(second.outcomes, (std::vector<int32_t>{3, 1}));
  EXPECT_FLOAT_EQ(static_cast<float>(second.no_trip), 0.7f);
  EXPECT_EQ(method->predict(fold.cases[2], 20).outcomes, std::vector<int32_t>{2});  // -1 ends it

  // A file with rows for other cases, or an outcome past "no trip", is refused by name.
  write_npy(file, std::vector<int32_t>{0, 3, 3, 1}, {2, 2});
  try {
    visit_ranking_file_method(data, "my-model", fold);
    FAIL() << "a ranking file of 2 rows for 3 cases was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(file.string()), std::string::npos) << e.what();
  }
  write_npy(file, std::vector<int32_t>{0, 3, 4, 1, 2, -1}, {3, 2});
  EXPECT_THROW(visit_ranking_file_method(data, "my-model", fold), Error);
  fs::remove(fs::path(base.string() + ".no_trip.npy"));
  EXPECT_THROW(visit_ranking_file_method(data, "my-model", fold), Error);
}

TEST_F(StoreVisits, EvaluateReportsEveryVisitMethodAndItsSlices) {
  ScratchDir scratch;
  const fs::path data = scratch.path();
  fs::copy(dir_->path() / "store", data / "store", fs::copy_options::recursive);
  EvaluateOptions o;
  o.data_dir = data;
  o.config = visit_config(12);
  o.methods = {"visit-personal", "visit-global"};
  const Json report = evaluate(o).report;
  const Json& visits = report["store_visits"];
  // The HTML report shows them in their own table.
  const std::string html = evaluation_html(report);
  EXPECT_NE(html.find("Store visits"), std::string::npos);
  EXPECT_NE(html.find("visit-personal"), std::string::npos);
  EXPECT_EQ(visits["cases"], 6);
  EXPECT_EQ(visits["trip_cases"], 2);
  EXPECT_EQ(visits["no_trip_cases"], 4);
  EXPECT_TRUE(fs::exists(visit_case_file(data, "temporal-test")));
  const std::vector<int32_t> rows = read_npy<int32_t>(visit_case_file(data, "temporal-test"));
  EXPECT_EQ(rows.size(), 6u * kVisitCaseColumns);
  ASSERT_TRUE(visits["methods"].contains("visit-personal"));
  ASSERT_TRUE(visits["methods"].contains("visit-global"));
  EXPECT_FALSE(visits["methods"].contains("visit-last"));
  // Global: "no trip" first for everyone, the most visited store second.
  EXPECT_DOUBLE_EQ(visits["methods"]["visit-global"]["accuracy"].get<double>(), 4.0 / 6);
  EXPECT_DOUBLE_EQ(visits["methods"]["visit-global"]["trip_auc"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(visits["methods"]["visit-global"]["trip"].get<double>(), 2.0 / 6);
  EXPECT_TRUE(visits["by_weekday"]["visit-personal"].contains("no trip"));
  EXPECT_EQ(visits["by_week"]["visit-personal"].size(), 3u);
  EXPECT_EQ(visits["by_hour"]["visit-personal"]["no trip"]["n_cases"], 4);
  // visit-oracle needs the generator's truth, which this store does not have.
  o.methods = {"visit-oracle"};
  EXPECT_THROW(evaluate(o), Error);
  // Reality-check has no weeks without a trip: a note instead.
  EvalConfig rc_config = visit_config(12);
  rc_config.protocol = "reality-check";
  const Json rc = evaluate_store_visits(data, Store::open(data), rc_config, {"visit-global"});
  EXPECT_TRUE(rc.contains("note"));
  EXPECT_FALSE(rc.contains("methods"));
}

// On generated data the oracle knows each shopper's trip rate and stores: it tells trip weeks
// from the others better than the customers' own histories and chance do.
TEST(StoreVisitsOnGeneratedData, TheOracleKnowsWhoShopsAndWhere) {
  ScratchDir dir;
  testing::make_tiny_dataset(dir.path(), 20);
  EvaluateOptions o;
  o.data_dir = dir.path();
  o.methods = {"visit-global", "visit-personal", "visit-oracle"};
  const Json visits = evaluate(o).report["store_visits"];
  const Json& m = visits["methods"];
  ASSERT_GT(visits["cases"].get<int64_t>(), 50);
  EXPECT_DOUBLE_EQ(m["visit-global"]["trip_auc"].get<double>(), 0.5);
  EXPECT_GT(m["visit-oracle"]["trip_auc"].get<double>(), 0.6);
  EXPECT_GT(m["visit-oracle"]["trip_auc"].get<double>(),
            m["visit-personal"]["trip_auc"].get<double>() - 0.02);
  EXPECT_GT(m["visit-oracle"]["store_accuracy"].get<double>(),
            m["visit-global"]["store_accuracy"].get<double>());
  EXPECT_GT(m["visit-personal"]["store_accuracy"].get<double>(),
            m["visit-global"]["store_accuracy"].get<double>());
}

}  // namespace
}  // namespace retailsim::eval
