// The basket-attribute guesses the auxiliary heads are measured against: the modes against a
// count by hand, the oracle on the generator's own trips, accuracy, attributes files and their
// place in evaluation.json.
#include <gtest/gtest.h>

#include <map>

#include "core/dataset.h"
#include "core/npy.h"
#include "eval_fixture.h"

namespace retailsim::eval {
namespace {

using retailsim::testing::ScratchDir;

class BasketAttributes : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new ScratchDir();
    testing::make_tiny_dataset(dir_->path(), 12);
    store_ = new Store(Store::open(dir_->path()));
    table_ = new BasketTable(baskets_by_id(*store_));
    fold_ = new Fold(temporal_fold(*store_, *table_, EvalConfig()));
  }
  static void TearDownTestSuite() {
    delete fold_;
    delete table_;
    delete store_;
    delete dir_;
  }
  // The value of attribute a of a table basket, read from the store by hand.
  static int32_t value(int a, int32_t basket) {
    const auto b = static_cast<size_t>(table_->store_basket[static_cast<size_t>(basket)]);
    const Column<int8_t>* columns[] = {&store_->basket_size, &store_->basket_price_sensitivity,
                                       &store_->basket_type, &store_->basket_mission};
    return (*columns[a])[b];
  }
  static std::vector<AttributeGuess> truths() {
    std::vector<AttributeGuess> out;
    for (const EvalCase& c : fold_->cases) {
      AttributeGuess g;
      for (int a = 0; a < kBasketAttributes; ++a) g[static_cast<size_t>(a)] = value(a, c.target);
      out.push_back(g);
    }
    return out;
  }
  static ScratchDir* dir_;
  static Store* store_;
  static BasketTable* table_;
  static Fold* fold_;
};
ScratchDir* BasketAttributes::dir_ = nullptr;
Store* BasketAttributes::store_ = nullptr;
BasketTable* BasketAttributes::table_ = nullptr;
Fold* BasketAttributes::fold_ = nullptr;

TEST_F(BasketAttributes, ModesCountTheHistoryOrEveryVisibleBasket) {
  ASSERT_GT(fold_->cases.size(), 20u);
  const auto personal = personal_mode_attributes(*store_, fold_->view, fold_->cases);
  const auto global = global_mode_attributes(*store_, fold_->view, fold_->cases);
  ASSERT_EQ(personal.size(), fold_->cases.size());
  for (int a = 0; a < kBasketAttributes; ++a) {
    std::map<int32_t, int> everyone;
    for (size_t c = 0; c < fold_->view.visible.size(); ++c) {
      for (int32_t b : table_->of_customer(static_cast<int32_t>(c))
                           .first(static_cast<size_t>(fold_->view.visible[c])))
        ++everyone[value(a, b)];
    }
    int best_count = -1;
    for (const auto& [v, n] : everyone) best_count = std::max(best_count, n);
    EXPECT_EQ(everyone[global[0][static_cast<size_t>(a)]], best_count) << a;
    for (size_t i = 0; i < fold_->cases.size(); ++i) {
      std::map<int32_t, int> counts;
      int32_t latest = -1;
      for (int32_t b : fold_->view.history(fold_->cases[i])) {
        ++counts[value(a, b)];
        latest = value(a, b);
      }
      int top = 0;
      for (const auto& [v, n] : counts) top = std::max(top, n);
      const int32_t guess = personal[i][static_cast<size_t>(a)];
      EXPECT_EQ(counts[guess], top) << "case " << i << " attribute " << a;
      // Ties go to the value seen last when it is among the most frequent.
      if (counts[latest] == top) {
        EXPECT_EQ(guess, latest) << "case " << i;
      }
    }
  }
}

TEST_F(BasketAttributes, AccuracyCountsRightGuessesOverKnownTargets) {
  std::vector<AttributeGuess> guesses = truths();
  Json all_right = attribute_accuracy(*store_, *table_, fold_->cases, guesses);
  EXPECT_EQ(all_right["n_cases"], fold_->cases.size());
  for (const std::string& name : basket_attribute_names())
    EXPECT_DOUBLE_EQ(all_right[name + "_accuracy"].get<double>(), 1.0) << name;
  // No guess (-1) is wrong; half the cases right gives their share.
  const size_t half = guesses.size() / 2;
  for (size_t i = half; i < guesses.size(); ++i) guesses[i].fill(-1);
  const Json some = attribute_accuracy(*store_, *table_, fold_->cases, guesses);
  EXPECT_DOUBLE_EQ(some["basket_size_accuracy"].get<double>(),
                   static_cast<double>(half) / static_cast<double>(guesses.size()));
  EXPECT_THROW(attribute_accuracy(*store_, *table_, fold_->cases, {}), std::exception);
}

TEST_F(BasketAttributes, OracleGuessesFromTheGeneratorsTripsAreSeededAndBeatTheGlobalMode) {
  const auto a = oracle_attributes(dir_->path(), *store_, fold_->cases, 200, 42);
  EXPECT_EQ(a, oracle_attributes(dir_->path(), *store_, fold_->cases, 200, 42));
  ASSERT_EQ(a.size(), fold_->cases.size());
  for (const AttributeGuess& g : a) {
    EXPECT_GE(g[0], 0);
    EXPECT_LT(g[0], static_cast<int32_t>(store_->basket_size_codes.size()));
  }
  const double oracle =
      attribute_accuracy(*store_, *table_, fold_->cases, a)["basket_size_accuracy"];
  const double global = attribute_accuracy(
      *store_, *table_, fold_->cases,
      global_mode_attributes(*store_, fold_->view, fold_->cases))["basket_size_accuracy"];
  EXPECT_GT(oracle, global);
}

TEST_F(BasketAttributes, EvaluateReportsModesOracleAndAttributesFiles) {
  // A method's attributes file holding every case's true values (cold cases: no guess).
  const size_t n = fold_->cases.size() + fold_->cold_cases.size();
  std::vector<int32_t> rows(n * kBasketAttributes, -1);
  const std::vector<AttributeGuess> right = truths();
  for (size_t i = 0; i < fold_->cases.size(); ++i)
    std::copy(right[i].begin(), right[i].end(),
              rows.begin() + static_cast<ptrdiff_t>(fold_->cases[i].index) * kBasketAttributes);
  const fs::path file = attributes_file(dir_->path(), "copy", fold_->name);
  fs::create_directories(file.parent_path());
  write_npy(file, rows, {n, static_cast<uint64_t>(kBasketAttributes)});
  write_npy(ranking_file(dir_->path(), "copy", fold_->name), std::vector<int32_t>(n * 20, -1),
            {n, 20});

  EvaluateOptions options;
  options.data_dir = dir_->path();
  options.methods = {"p-topfreq", "oracle", "copy"};
  options.force = true;
  const Json report = evaluate(options).report;
  const Json& aux = report["auxiliary"];
  EXPECT_EQ(aux["attributes"], Json(basket_attribute_names()));
  EXPECT_EQ(aux["fold"], "temporal-test");
  for (const char* m : {"g-mode", "p-mode", "oracle", "copy"}) {
    ASSERT_TRUE(aux["methods"].contains(m)) << aux.dump();
    EXPECT_EQ(aux["methods"][m]["n_cases"], fold_->cases.size());
  }
  EXPECT_DOUBLE_EQ(aux["methods"]["copy"]["mission_type_accuracy"].get<double>(), 1.0);
  EXPECT_EQ(aux["oracle_trips"], EvalConfig().oracle_trips);
  // Sliced by target week, weekday and hour as the ranking metrics: the slices share out the
  // cases, and the guesses that are always right are right in every slice.
  for (const char* slicing : {"by_week", "by_weekday", "by_hour"}) {
    for (const char* m : {"g-mode", "p-mode", "oracle", "copy"}) {
      ASSERT_TRUE(aux[slicing].contains(m)) << slicing << " " << m;
      size_t cases = 0;
      for (const auto& [slice, figures] : aux[slicing][m].items()) {
        cases += figures["n_cases"].get<size_t>();
        if (std::string(m) == "copy" && figures["mission_type_accuracy"].is_number()) {
          EXPECT_DOUBLE_EQ(figures["mission_type_accuracy"].get<double>(), 1.0) << slice;
        }
      }
      EXPECT_EQ(cases, fold_->cases.size()) << slicing << " " << m;
    }
  }
  EXPECT_GT(aux["by_week"]["p-mode"].size(), 1u);
  // In the ranking metrics' order (weeks, weekdays and hours in number order, not by name).
  auto names = [](const Json& slices) {
    std::vector<std::string> out;
    for (const auto& [slice, figures] : slices.items()) out.push_back(slice);
    return out;
  };
  for (const char* slicing : {"by_week", "by_weekday", "by_hour"})
    EXPECT_EQ(names(aux[slicing]["p-mode"]), names(report[slicing]["p-topfreq"])) << slicing;
  for (const auto& [day, figures] : aux["by_weekday"]["p-mode"].items())
    EXPECT_EQ(day.size(), 3u) << day;  // Sun ... Sat
  EXPECT_NE(read_file(dir_->path() / "reports" / "evaluation.html").find("Basket attributes"),
            std::string::npos);

  // A file of the wrong shape is an error naming it.
  write_npy(file, std::vector<int32_t>(8, 0), {2, 4});
  try {
    evaluate(options);
    ADD_FAILURE() << "expected an error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("temporal-test.attributes.npy"), std::string::npos)
        << e.what();
  }
  fs::remove_all(file.parent_path());

  // Reality-check targets join a date's baskets: no guesses, a note saying why.
  options.methods = {"p-topfreq"};
  options.config.protocol = "reality-check";
  options.config.rc_seeds = 1;
  const Json rc = evaluate(options).report["auxiliary"];
  EXPECT_FALSE(rc.contains("methods"));
  EXPECT_NE(rc["note"].get<std::string>().find("temporal"), std::string::npos);
}

}  // namespace
}  // namespace retailsim::eval
