// evaluate end to end on a tiny generated dataset: the report's keys, the oracle above the
// baselines and above the oracle that estimates favourite shares, ranking files scored like the
// method they copy, case files, determinism, errors.
#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include "core/atomic_file.h"
#include "core/dataset.h"
#include "core/npy.h"
#include "eval/methods.h"
#include "eval_fixture.h"

namespace retailsim::eval {
namespace {

using retailsim::testing::ScratchDir;

class Evaluate : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new ScratchDir();
    testing::make_tiny_dataset(dir_->path(), 12);
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static EvaluateOptions options(std::vector<std::string> methods) {
    EvaluateOptions o;
    o.data_dir = dir_->path();
    o.methods = std::move(methods);
    o.force = true;
    o.config.tune_k = {10, 50};
    o.config.tune_alpha = {0.2, 0.8};
    o.config.tune_r_b = {0.9};
    o.config.tune_r_g = {0.6, 1.0};
    o.config.tune_m = {3};
    return o;
  }
  static ScratchDir* dir_;
};
ScratchDir* Evaluate::dir_ = nullptr;

TEST_F(Evaluate, WritesEveryMethodsMetricsAndTheOracleLeads) {
  const EvaluateSummary s = evaluate(options({"all"}));
  const Json& r = s.report;
  EXPECT_EQ(r["protocol"], "temporal");
  EXPECT_EQ(r["split"], "test");
  for (const char* m : {"g-topfreq", "p-topfreq", "gp-topfreq", "tifu-knn", "tifu-knn-tuned",
                        "oracle", "oracle-history"}) {
    ASSERT_TRUE(r["methods"].contains(m)) << m;
    for (const char* k :
         {"recall@10", "ndcg@10", "precision@10", "mrr", "repeat_recall@10", "explore_recall@10"})
      EXPECT_TRUE(r["methods"][m][k].is_number()) << m << " " << k;
    EXPECT_TRUE(r["cold_start"].contains(m));
    EXPECT_FALSE(r["by_week"][m].empty());
    EXPECT_FALSE(r["by_weekday"][m].empty());
    EXPECT_FALSE(r["by_hour"][m].empty());
    // Cold-start customers sliced alike: the slices share out their cases.
    for (const char* slicing :
         {"cold_start_by_week", "cold_start_by_weekday", "cold_start_by_hour"}) {
      int64_t cases = 0;
      for (const auto& [slice, figures] : r[slicing][m].items())
        cases += figures["n_cases"].get<int64_t>();
      EXPECT_EQ(cases, r["cold_start"][m]["n_cases"].get<int64_t>()) << slicing << " " << m;
    }
  }
  ASSERT_GT(r["cold_start"]["p-topfreq"]["n_cases"].get<int64_t>(), 0);
  for (const char* m : {"g-topfreq", "p-topfreq", "gp-topfreq", "tifu-knn"}) {
    EXPECT_GT(r["methods"]["oracle"]["ndcg@10"].get<double>(),
              r["methods"][m]["ndcg@10"].get<double>())
        << m;
  }
  // GP-TopFreq only adds to P-TopFreq's lists.
  EXPECT_GE(r["methods"]["gp-topfreq"]["recall@20"].get<double>(),
            r["methods"]["p-topfreq"]["recall@20"].get<double>());
  EXPECT_TRUE(r["tifu_tuned"].contains("k"));
  EXPECT_EQ(r["tifu_tuned"]["grid_points"], 8);
  EXPECT_TRUE(fs::exists(dir_->path() / "reports" / "evaluation.json"));
  // Only the oracle has probabilities; the generator's truth is calibrated within a few points
  // wherever it has many products (its closed form matches the sampler).
  // Knowing the customer's true favourite shares beats estimating them from the history.
  EXPECT_GT(r["methods"]["oracle"]["ndcg@10"].get<double>(),
            r["methods"]["oracle-history"]["ndcg@10"].get<double>());
  ASSERT_TRUE(r["calibration"].contains("oracle"));
  EXPECT_TRUE(r["calibration"].contains("oracle-history"));
  EXPECT_EQ(r["calibration"].size(), 2u);
  for (const Json& bin : r["calibration"]["oracle"]) {
    if (bin["n"].get<int64_t>() < 200) continue;
    EXPECT_NEAR(bin["observed_rate"].get<double>(), bin["mean_predicted"].get<double>(), 0.1)
        << bin.dump();
  }
  const std::string html = read_file(dir_->path() / "reports" / "evaluation.html");
  EXPECT_NE(html.find("Calibration"), std::string::npos);
  EXPECT_NE(html.find("tifu-knn-tuned"), std::string::npos);
  EXPECT_NE(html.find("<svg"), std::string::npos);

  const fs::path cases = case_file(dir_->path(), "temporal-test");
  const NpyInfo info = read_npy_info(cases);
  EXPECT_EQ(info.dtype, "<i4");
  const uint64_t n_cases =
      r["folds"][0]["cases"].get<uint64_t>() + r["folds"][0]["cold_start_cases"].get<uint64_t>();
  EXPECT_EQ(info.shape, (std::vector<uint64_t>{n_cases, static_cast<uint64_t>(kCaseColumns)}));
}

TEST_F(Evaluate, TheOraclesRankTheTruthsProbabilitiesAndOracleHistoryCountsTheHistory) {
  // Each case recomputed from the generator's truth directly: the oracle lists the candidates by
  // their true probability; oracle-history replaces the favourites' true shares by
  // (0.6 + baskets holding it) / sum over favourites, the Dirichlet posterior mean.
  const Store store = Store::open(dir_->path());
  const BasketTable t = baskets_by_id(store);
  const EvalConfig config;
  const Fold fold = temporal_fold(store, t, config);
  const synth::TruthModel truth = synth::TruthModel::load(dir_->path() / "truth");
  const WorldIds ids = world_ids(truth, store);
  MethodContext context{dir_->path(), &store, &config, &fold};
  auto oracle = make_oracle(context);
  auto history = make_oracle_history(context);
  oracle->fit(fold.view);
  history->fit(fold.view);
  auto expected_list = [&](const std::vector<double>& world_probability) {
    std::vector<std::pair<double, int32_t>> scored;
    for (size_t p = 0; p < store.n_products(); ++p) {
      const int w = ids.product[p];
      if (w < 0 || !fold.view.candidate[p] || world_probability[static_cast<size_t>(w)] <= 0)
        continue;
      scored.emplace_back(-world_probability[static_cast<size_t>(w)], static_cast<int32_t>(p));
    }
    std::sort(scored.begin(), scored.end());
    std::vector<int32_t> out;
    for (size_t i = 0; i < std::min<size_t>(20, scored.size()); ++i)
      out.push_back(scored[i].second);
    return out;
  };
  ASSERT_GE(fold.cases.size(), 10u);
  int with_history_favourites = 0;
  for (size_t i = 0; i < 10; ++i) {
    const EvalCase& c = fold.cases[i];
    const int customer = ids.customer[static_cast<size_t>(c.customer)];
    const int week = ids.week[static_cast<size_t>(c.week)];
    const int at = ids.store[static_cast<size_t>(c.store)];
    const std::vector<double> p = truth.product_probabilities(customer, week, at);
    const std::vector<int32_t> ranked = oracle->recommend(c, 20);
    EXPECT_EQ(ranked, expected_list(p)) << "case " << i;
    const std::vector<double> listed = oracle->probabilities(c, ranked);
    ASSERT_EQ(listed.size(), ranked.size());
    for (size_t r = 0; r < ranked.size(); ++r)
      EXPECT_EQ(listed[r], p[static_cast<size_t>(ids.product[static_cast<size_t>(ranked[r])])]);

    const std::span<const int32_t> favourites = truth.favourites(customer);
    std::vector<double> share(favourites.size(), synth::kFavouriteWeightShape);
    for (int32_t basket : fold.view.history(c)) {
      for (int32_t product : t.products(basket)) {
        const int w = ids.product[static_cast<size_t>(product)];
        for (size_t f = 0; f < favourites.size(); ++f) {
          if (favourites[f] != w) continue;
          share[f] += 1.0;
          ++with_history_favourites;
        }
      }
    }
    double total = 0;
    for (double v : share) total += v;
    for (double& v : share) v /= total;
    EXPECT_EQ(history->recommend(c, 20),
              expected_list(truth.product_probabilities_with_favourites(customer, week, at, share)))
        << "case " << i;
  }
  EXPECT_GT(with_history_favourites, 0);  // the estimate had something to count
}

TEST_F(Evaluate, ARankingFileScoresLikeTheMethodItCopies) {
  // Write g-topfreq's and the oracle's lists as a ranking file, as the world model would.
  const Store store = Store::open(dir_->path());
  const BasketTable t = baskets_by_id(store);
  const EvalConfig config;
  const Fold fold = temporal_fold(store, t, config);
  MethodContext context{dir_->path(), &store, &config, &fold};
  auto oracle = make_oracle(context);
  oracle->fit(fold.view);
  const size_t n = fold.cases.size() + fold.cold_cases.size();
  std::vector<int32_t> rows(n * 20, -1);
  for (const auto* list : {&fold.cases, &fold.cold_cases}) {
    for (const EvalCase& c : *list) {
      const auto ranked = oracle->recommend(c, 20);
      std::copy(ranked.begin(), ranked.end(), rows.begin() + static_cast<ptrdiff_t>(c.index) * 20);
    }
  }
  std::vector<float> probabilities(n * 20, 0.0f);
  for (const auto* list : {&fold.cases, &fold.cold_cases}) {
    for (const EvalCase& c : *list) {
      const auto ranked = oracle->recommend(c, 20);
      const auto p = oracle->probabilities(c, ranked);
      for (size_t i = 0; i < p.size(); ++i)
        probabilities[static_cast<size_t>(c.index) * 20 + i] = static_cast<float>(p[i]);
    }
  }
  const fs::path file = ranking_file(dir_->path(), "copy", fold.name);
  fs::create_directories(file.parent_path());
  write_npy(file, rows, {n, 20});
  fs::path probability_file = file;
  probability_file.replace_extension(".probabilities.npy");
  write_npy(probability_file, probabilities, {n, 20});

  const EvaluateSummary s = evaluate(options({"oracle", "copy"}));
  EXPECT_EQ(s.report["methods"]["copy"], s.report["methods"]["oracle"]);
  EXPECT_EQ(s.report["cold_start"]["copy"], s.report["cold_start"]["oracle"]);
  const Json& copy = s.report["calibration"]["copy"];
  const Json& truth = s.report["calibration"]["oracle"];
  ASSERT_EQ(copy.size(), truth.size());
  for (size_t b = 0; b < copy.size(); ++b) {
    EXPECT_EQ(copy[b]["n"], truth[b]["n"]);  // float32 copies land in the same bins
    EXPECT_NEAR(copy[b]["mean_predicted"].get<double>(), truth[b]["mean_predicted"].get<double>(),
                1e-6);
  }
  fs::remove(probability_file);

  // Under "all", a rankings folder without this protocol's folds is left out; named, an error.
  EvaluateOptions rc = options({"all"});
  rc.config.protocol = "reality-check";
  rc.config.rc_seeds = 1;
  EXPECT_FALSE(evaluate(rc).report["methods"].contains("copy"));
  rc.methods = {"copy"};
  EXPECT_THROW(evaluate(rc), std::exception);

  write_npy(file, std::vector<int32_t>(20, 1), {1, 20});
  EXPECT_THROW(evaluate(options({"copy"})), std::exception);
  fs::remove_all(file.parent_path());
}

TEST_F(Evaluate, SameReportWhateverTheThreadCount) {
  EvaluateOptions o = options({"gp-topfreq", "tifu-knn-tuned"});
  o.config.protocol = "reality-check";
  o.config.min_product_count = 1;
  o.config.rc_seeds = 2;
  Json first, second;
  {
    tbb::global_control one(tbb::global_control::max_allowed_parallelism, 1);
    first = evaluate(o).report;
  }
  second = evaluate(o).report;
  EXPECT_EQ(first["methods"], second["methods"]);
  EXPECT_EQ(first["settings"], second["settings"]);
  EXPECT_EQ(first["protocol"], "reality-check");
  EXPECT_EQ(first["per_fold"]["gp-topfreq"].size(), 2u);
}

TEST_F(Evaluate, SkipsWhenUpToDateAndRerunsWhenAnInputChanges) {
  EvaluateOptions o = options({"g-topfreq"});
  evaluate(o);
  o.force = false;
  EXPECT_TRUE(evaluate(o).skipped);
  o.config.list_length = 25;  // another config
  EXPECT_FALSE(evaluate(o).skipped);
  EXPECT_TRUE(evaluate(o).skipped);
  o.methods = {"g-topfreq", "p-topfreq"};  // other methods
  const EvaluateSummary again = evaluate(o);
  EXPECT_FALSE(again.skipped);
  EXPECT_TRUE(again.report["methods"].contains("p-topfreq"));
  EXPECT_FALSE(again.report.contains("learning_curves"));  // no model trained
  // A training report (a model trained since) is an input, and its curves join the report.
  const fs::path training = dir_->path() / "reports" / "training-store-visit.json";
  write_json(training, Json{{"model", "store-visit"},
                            {"curve", {{{"step", 1}, {"phase", "main"}, {"loss", 2.0}}}}});
  const EvaluateSummary trained = evaluate(o);
  EXPECT_FALSE(trained.skipped);
  EXPECT_EQ(trained.report["learning_curves"]["store-visit"]["steps"], 1);
  EXPECT_NE(read_file(dir_->path() / "reports" / "evaluation.html").find("Learning curves"),
            std::string::npos);
  // One without its curve: the evaluation goes on without curves (and warns).
  write_json(training, Json{{"model", "store-visit"}});
  const EvaluateSummary curveless = evaluate(o);
  fs::remove(training);
  EXPECT_FALSE(curveless.skipped);
  EXPECT_FALSE(curveless.report.contains("learning_curves"));
  EXPECT_TRUE(curveless.report["methods"].contains("p-topfreq"));
}

TEST_F(Evaluate, UnknownMethodsAndProtocolsAreNamed) {
  try {
    evaluate(options({"bogus"}));
    FAIL() << "expected an error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("bogus"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("tifu-knn"), std::string::npos);
  }
  EvaluateOptions o = options({"all"});
  o.config.protocol = "leave-one-out";
  EXPECT_THROW(evaluate(o), std::exception);
}

}  // namespace
}  // namespace retailsim::eval
