// The temporal and reality-check protocols on a tiny generated dataset: who is a case, which
// basket is the target, what the history and the training view hold.
#include <map>
#include <set>

#include <gtest/gtest.h>

#include "core/dataset.h"
#include "eval_fixture.h"
#include "features/features.h"

namespace retailsim::eval {
namespace {

using retailsim::testing::ScratchDir;

class Protocols : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new ScratchDir();
    testing::make_tiny_dataset(dir_->path(), 12);
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static ScratchDir* dir_;
};
ScratchDir* Protocols::dir_ = nullptr;

TEST_F(Protocols, TemporalTargetsAreFirstTestBasketsOfCustomersSeenInTraining) {
  const Store store = Store::open(dir_->path());
  const BasketTable t = baskets_by_id(store);
  EvalConfig config;
  const Fold fold = temporal_fold(store, t, config);
  const auto weeks = features::split_weeks(12, config.train_fraction, config.val_fraction);
  const int32_t first = store.week_index[0];
  const int32_t train_end = first + weeks.n_train, test_begin = first + weeks.test_begin();
  ASSERT_FALSE(fold.cases.empty());
  ASSERT_FALSE(fold.tune_cases.empty());
  std::set<int32_t> customers;
  for (const EvalCase& c : fold.cases) {
    EXPECT_TRUE(customers.insert(c.customer).second) << "one case per customer";
    const auto list = t.of_customer(c.customer);
    ASSERT_LT(static_cast<size_t>(c.n_history), list.size());
    EXPECT_EQ(list[static_cast<size_t>(c.n_history)], c.target);
    EXPECT_GE(t.week[static_cast<size_t>(c.target)], test_begin);
    EXPECT_LT(t.week[static_cast<size_t>(list[0])], train_end);  // a training-week basket
    for (int32_t b : fold.view.history(c)) EXPECT_LT(t.week[static_cast<size_t>(b)], test_begin);
    EXPECT_EQ(c.week, t.week[static_cast<size_t>(c.target)]);
    EXPECT_EQ(c.store, t.store[static_cast<size_t>(c.target)]);
    // Targets keep only products sold in training weeks, and none is empty.
    const auto target = target_products(fold, fold.view, c);
    EXPECT_FALSE(target.empty());
    for (int32_t p : target) EXPECT_TRUE(fold.view.candidate[static_cast<size_t>(p)]);
  }
  for (const EvalCase& c : fold.cold_cases) {
    EXPECT_EQ(c.n_history, 0);
    EXPECT_EQ(t.of_customer(c.customer)[0], c.target);
    EXPECT_GE(c.week, test_begin);
  }
  for (const EvalCase& c : fold.tune_cases) {
    EXPECT_GE(c.week, train_end);
    EXPECT_LT(c.week, test_begin);
    for (int32_t b : fold.tune_view.history(c))
      EXPECT_LT(t.week[static_cast<size_t>(b)], train_end);
  }
  // Candidates are exactly the products sold in training weeks.
  std::vector<uint8_t> sold(store.n_products(), 0);
  for (size_t r = 0; r < store.n_rows(); ++r) {
    if (store.week_index[r] < train_end) sold[static_cast<size_t>(store.product_id[r])] = 1;
  }
  EXPECT_EQ(fold.view.candidate, sold);
}

TEST_F(Protocols, DateBasketsMergeADaysBasketsAndKeepFrequentProducts) {
  const Store store = Store::open(dir_->path());
  const BasketTable t = baskets_by_date(store, 17);
  std::map<int32_t, int64_t> count;
  for (int32_t p : t.items) ++count[p];
  for (const auto& [p, n] : count) EXPECT_GE(n, 17) << p;
  for (size_t c = 0; c + 1 < t.customer_offsets.size(); ++c) {
    const auto list = t.of_customer(static_cast<int32_t>(c));
    for (size_t i = 1; i < list.size(); ++i)
      EXPECT_LT(t.date[static_cast<size_t>(list[i - 1])], t.date[static_cast<size_t>(list[i])]);
    for (int32_t b : list) EXPECT_FALSE(t.products(b).empty());
  }
  // A day's products are the union of its BASKET_IDs'.
  const BasketTable all = baskets_by_date(store, 1);
  const BasketTable by_id = baskets_by_id(store);
  EXPECT_LE(all.size(), by_id.size());
  std::set<std::pair<int32_t, int32_t>> days;
  for (size_t b = 0; b < by_id.size(); ++b) days.insert({by_id.customer[b], by_id.date[b]});
  EXPECT_EQ(all.size(), days.size());
}

TEST_F(Protocols, RealityCheckSplitsEligibleCustomersAtRandomAndTargetsTheirLastBasket) {
  const Store store = Store::open(dir_->path());
  const BasketTable t = baskets_by_date(store, 1);  // keep every product: enough customers
  EvalConfig config;
  config.rc_seeds = 2;
  const std::vector<Fold> folds = reality_check_folds(t, config);
  ASSERT_EQ(folds.size(), 2u);
  size_t eligible = 0;
  for (size_t c = 0; c + 1 < t.customer_offsets.size(); ++c) {
    const size_t n = t.of_customer(static_cast<int32_t>(c)).size();
    eligible += n >= 3 && n <= 50;
  }
  ASSERT_GT(eligible, 20u);
  for (const Fold& fold : folds) {
    std::set<int32_t> test, val;
    for (const EvalCase& c : fold.cases) {
      const auto list = t.of_customer(c.customer);
      EXPECT_GE(list.size(), 3u);
      EXPECT_LE(list.size(), 50u);
      EXPECT_EQ(c.target, list.back());
      EXPECT_EQ(static_cast<size_t>(c.n_history), list.size() - 1);
      EXPECT_EQ(fold.view.visible[static_cast<size_t>(c.customer)], c.n_history);
      test.insert(c.customer);
    }
    for (const EvalCase& c : fold.tune_cases) val.insert(c.customer);
    for (int32_t c : val) EXPECT_FALSE(test.contains(c));
    EXPECT_NEAR(static_cast<double>(test.size()) / eligible, 0.20, 0.02);
    EXPECT_NEAR(static_cast<double>(val.size()) / eligible, 0.08, 0.02);
  }
  std::set<int32_t> first, second;
  for (const EvalCase& c : folds[0].cases) first.insert(c.customer);
  for (const EvalCase& c : folds[1].cases) second.insert(c.customer);
  EXPECT_NE(first, second);
  // Same seed, same split.
  const std::vector<Fold> again = reality_check_folds(t, config);
  ASSERT_EQ(again[0].cases.size(), folds[0].cases.size());
  for (size_t i = 0; i < again[0].cases.size(); ++i)
    EXPECT_EQ(again[0].cases[i].customer, folds[0].cases[i].customer);
}

}  // namespace
}  // namespace retailsim::eval
