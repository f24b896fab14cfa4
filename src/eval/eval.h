// Public surface of the evaluation stage: the baskets and evaluation cases of the two protocols
// (temporal, reality-check), ranking metrics, the registry of recommenders (baselines, the oracle,
// precomputed ranking files such as the world model's) and `evaluate`, which writes
// reports/evaluation.{json,html}. Torch-free: the world model plugs in through a ranking file.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/manifest.h"

namespace retailsim {
class Store;
}

namespace retailsim::eval {

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------------
// Configuration: the [evaluate] section. Field comments are the user docs (docs/evaluation.md).
// ---------------------------------------------------------------------------------------------

// TIFU-KNN's settings (Hu et al., SIGIR 2020); defaults are the published dunnhumby ones.
struct TifuSettings {
  int k = 900;         // nearest neighbours
  double r_b = 0.9;    // within-history decay of each basket, by its position from the last
  double r_g = 0.6;    // decay of each group, by its position from the last
  int m = 3;           // number of groups the history is cut into
  double alpha = 0.2;  // weight of the customer's own vector against the neighbours' mean
  std::string distance = "euclidean";  // neighbours by euclidean distance (as the reference
                                       // code) or "cosine" similarity
  Json to_json() const;
};

struct EvalConfig {
  std::string protocol = "temporal";  // temporal | reality-check
  std::string split = "test";         // val | test: the customers evaluated
  int list_length = 20;               // products each method ranks per case (metrics @5/10/20)
  // temporal: shares of the data weeks, as the features stage ([features] section).
  double train_fraction = 80.0 / 117.0;
  double val_fraction = 15.0 / 117.0;
  // reality-check (Li et al., TOIS 2023).
  int min_baskets = 3;  // customers with 3..50 date-baskets
  int max_baskets = 50;
  int min_product_count = 17;    // products in at least this many date-baskets
  double rc_train_share = 0.72;  // customers split 72/8/20 at random
  double rc_val_share = 0.08;
  int rc_seeds = 5;  // repetitions with different customer splits, averaged
  TifuSettings tifu;
  // tifu-knn-tuned: the grid searched on the validation customers, by NDCG@10.
  std::vector<double> tune_k = {100, 300, 900};
  std::vector<double> tune_alpha = {0.0, 0.2, 0.4, 0.6, 0.8, 1.0};
  std::vector<double> tune_r_b = {0.8, 0.9, 1.0};
  std::vector<double> tune_r_g = {0.6, 0.8, 1.0};
  std::vector<double> tune_m = {3, 7};
  int tune_max_cases = 3000;  // validation cases used for tuning (a seeded sample when more)
  // Store visits (temporal protocol): a week without a trip is a case when it comes at most
  // visit_horizon_weeks after the customer's previous trip (as [prepare] max_gap_weeks bounds
  // the store-visit model's no-trip samples); at most visit_max_cases cases (a seeded sample).
  int visit_horizon_weeks = 12;
  int visit_max_cases = 200000;
  // Synthetic data: trips the basket-attribute oracle samples per case (the generator's own rules
  // at the target's store and week) to find each attribute's most likely value.
  int oracle_trips = 400;
  uint64_t seed = 42;  // reality-check customer splits and the tuning sample

  // The [evaluate] section; train/val fractions come from [features].
  static EvalConfig from_sections(const Section& evaluate, const Section& features, uint64_t seed);
  Json to_json() const;
  void validate() const;
};

// ---------------------------------------------------------------------------------------------
// Baskets of known customers, as sets of products
// ---------------------------------------------------------------------------------------------
struct BasketTable {
  std::vector<int64_t> item_offsets;  // n_baskets + 1
  std::vector<int32_t> items;         // each basket's distinct product ids, ascending
  std::vector<int32_t> customer;      // store customer id
  std::vector<int16_t> week;          // calendar week index
  std::vector<int32_t> date;          // YYYYMMDD
  std::vector<int8_t> weekday;        // 1 = Sunday ... 7 = Saturday
  std::vector<int8_t> hour;
  std::vector<int16_t> store;
  std::vector<int32_t> store_basket;      // the (first) store basket it was built from
  std::vector<int64_t> customer_offsets;  // n_customers + 1, CSR of customer_baskets
  std::vector<int32_t> customer_baskets;  // each customer's baskets in time order
  int32_t n_products = 0;

  size_t size() const { return customer.size(); }
  std::span<const int32_t> products(int32_t basket) const {
    const auto b = static_cast<size_t>(item_offsets[static_cast<size_t>(basket)]);
    const auto e = static_cast<size_t>(item_offsets[static_cast<size_t>(basket) + 1]);
    return std::span<const int32_t>(items).subspan(b, e - b);
  }
  std::span<const int32_t> of_customer(int32_t c) const {
    const auto b = static_cast<size_t>(customer_offsets[static_cast<size_t>(c)]);
    const auto e = static_cast<size_t>(customer_offsets[static_cast<size_t>(c) + 1]);
    return std::span<const int32_t>(customer_baskets).subspan(b, e - b);
  }
};

// One basket per BASKET_ID of a known customer (temporal protocol).
BasketTable baskets_by_id(const Store& store);
// One basket per (customer, date) holding all they bought that day, products seen in fewer than
// min_product_count such baskets removed, empty baskets dropped (reality-check protocol).
BasketTable baskets_by_date(const Store& store, int min_product_count);

// ---------------------------------------------------------------------------------------------
// Evaluation cases and what methods may learn from
// ---------------------------------------------------------------------------------------------

// One customer's next basket to predict: the target, and as history the customer's first
// n_history baskets of the table (all earlier than the target).
struct EvalCase {
  int32_t index = 0;  // row in the fold's case file (cold cases follow the evaluated ones)
  int32_t customer = 0;
  int32_t target = 0;  // basket of the table
  int32_t n_history = 0;
  int16_t week = 0;  // of the target basket: calendar week index, store id, date, weekday, hour
  int16_t store = 0;
  int32_t date = 0;
  int8_t weekday = 0;
  int8_t hour = 0;
};

// The baskets a method may learn from: each customer's first visible[c] baskets, and the products
// it may recommend (those sold in the training part).
struct TrainingView {
  const BasketTable* baskets = nullptr;
  std::vector<int32_t> visible;    // per customer
  std::vector<uint8_t> candidate;  // per product
  std::span<const int32_t> history(const EvalCase& c) const {
    return baskets->of_customer(c.customer).first(static_cast<size_t>(c.n_history));
  }
};

// One evaluation: methods fit on `view`, tune on `tune_cases` (fitted on `tune_view`) and are
// measured on `cases` (and, apart, on `cold_cases`: customers with no history at all).
struct Fold {
  std::string name;  // e.g. "temporal-test", "reality-check-test-seed2": names the case files
  TrainingView view;
  std::vector<EvalCase> cases;
  std::vector<EvalCase> cold_cases;
  TrainingView tune_view;
  std::vector<EvalCase> tune_cases;
  bool candidate_targets_only = false;  // targets keep only candidate products (temporal)
};

// Temporal: weeks split as features::split_weeks; for split S (val or test) the cases are the
// customers with a training-week basket and a basket in S, target their first basket in S,
// history every earlier basket; cold cases: customers first seen in S. Targets keep only products
// sold in training weeks. Tuning uses the validation customers on a view ending at the validation
// weeks. Needs a table from baskets_by_id.
Fold temporal_fold(const Store& store, const BasketTable& baskets, const EvalConfig& config);
// Reality-check, one fold per seed: customers with min..max baskets split at random
// (train/val/test shares); the last basket of a val/test customer is its target, the rest its
// history; a method sees every basket but those targets. Needs a table from baskets_by_date.
std::vector<Fold> reality_check_folds(const BasketTable& baskets, const EvalConfig& config);

// The products of a case's target basket a method is asked to find (sorted).
std::vector<int32_t> target_products(const Fold& fold, const TrainingView& view, const EvalCase& c);

// ---------------------------------------------------------------------------------------------
// Metrics
// ---------------------------------------------------------------------------------------------

// Names of the per-case metrics, in the order case_metrics returns them: precision, recall, f1,
// ndcg and hit at 5/10/20, mrr, repeat_recall@10, explore_recall@10.
const std::vector<std::string>& metric_names();
// Metrics of one ranked list against the target products (sorted); repeat products are those in
// `bought_before` (sorted). Binary relevance; NDCG's ideal list puts every target first; MRR is
// 1 / rank of the first target in the list (0 when none). repeat_recall@10 (explore_recall@10)
// is NaN when the target holds no repeat (new) product: such cases do not count in its mean.
std::vector<double> case_metrics(std::span<const int32_t> ranked, std::span<const int32_t> target,
                                 std::span<const int32_t> bought_before);

// Means of case metrics, NaNs left out per metric; `names` (metric_names() or
// visit_metric_names(), which live as long as the program) name them in the JSON.
class MetricMeans {
 public:
  explicit MetricMeans(const std::vector<std::string>& names = metric_names());
  void add(const std::vector<double>& values);
  void merge(const MetricMeans& other);
  int64_t n_cases() const { return n_cases_; }
  double mean(size_t metric) const;
  // {"n_cases": n, "recall@10": ..., ...}; a metric with no defined value is null.
  Json to_json() const;

 private:
  const std::vector<std::string>* names_;
  std::vector<double> sum_;
  std::vector<int64_t> count_;
  int64_t n_cases_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Recommenders, chosen by name from a registry
// ---------------------------------------------------------------------------------------------

// A next-basket method. fit() sees the training view; tune() may choose settings on validation
// cases (fitted on the tuning view first); recommend() ranks products for one case and must be
// safe to call from several threads at once.
class Recommender {
 public:
  virtual ~Recommender() = default;
  virtual void fit(const TrainingView& view) = 0;
  virtual void tune(const Fold& /*fold*/) {}
  // Up to n product ids, best first, each a candidate of the view.
  virtual std::vector<int32_t> recommend(const EvalCase& c, int n) const = 0;
  // Settings worth reporting (e.g. the tuned TIFU-KNN's).
  virtual Json settings() const { return Json::object(); }
  // The method's probability that each product of `ranked` (its own list for c) is in the target
  // basket, when it has such probabilities (the oracle; ranking files with a probabilities file);
  // empty otherwise. Feeds the calibration plot.
  virtual std::vector<double> probabilities(const EvalCase& /*c*/,
                                            std::span<const int32_t> /*ranked*/) const {
    return {};
  }
};

// Calibration of listed products' probabilities: 10 equal bins over [0, 1].
inline constexpr int kCalibrationBins = 10;
struct Calibration {
  std::vector<int64_t> n = std::vector<int64_t>(kCalibrationBins, 0);
  std::vector<double> predicted = std::vector<double>(kCalibrationBins, 0.0);  // sums
  std::vector<double> observed = std::vector<double>(kCalibrationBins, 0.0);   // in the target
  void add(std::span<const int32_t> ranked, std::span<const double> probability,
           std::span<const int32_t> target);
  void merge(const Calibration& other);
  bool empty() const;
  // [{"bin": [lo, hi], "n": .., "mean_predicted": .., "observed_rate": ..}] for bins with items.
  Json to_json() const;
};

// What a method may need besides the view: the dataset, the store, the config, the fold.
struct MethodContext {
  fs::path data_dir;
  const Store* store = nullptr;
  const EvalConfig* config = nullptr;
  const Fold* fold = nullptr;
};
using MethodFactory = std::unique_ptr<Recommender> (*)(const MethodContext&);

struct MethodInfo {
  std::string name;
  std::string description;
  MethodFactory make;
  bool needs_truth = false;  // only on synthetic data (the oracle)
};
// The registered methods (a new method: one file with its factory plus one line in methods.cpp).
const std::vector<MethodInfo>& registered_methods();

// Precomputed rankings: a method that is not registered is read from
// <data>/reports/rankings/<method>/<fold name>.npy, int32 [n_cases, n] of store product ids
// (best first, -1 padding), one row per case of <data>/reports/eval_cases/<fold name>.npy, with
// optionally <fold name>.probabilities.npy, float32 [n_cases, n], each listed product's
// probability of being in the target basket (for the calibration plot).
fs::path ranking_file(const fs::path& data_dir, const std::string& method,
                      const std::string& fold_name);
std::unique_ptr<Recommender> ranking_file_method(const MethodContext& context,
                                                 const std::string& method);

// The case list of a fold as written to <data>/reports/eval_cases/<fold name>.npy: int32
// [n_cases, 9] with columns customer, target store basket, n_history (store baskets of the
// customer before the target, for temporal; date-baskets for reality-check), week index, store,
// date, weekday, hour, split (0 evaluated, 1 cold-start). Cold cases follow the evaluated ones.
inline constexpr int kCaseColumns = 9;
fs::path case_file(const fs::path& data_dir, const std::string& fold_name);
void write_case_file(const fs::path& path, const Fold& fold);

// ---------------------------------------------------------------------------------------------
// Basket attributes: what the world model's auxiliary heads predict
// ---------------------------------------------------------------------------------------------

// The LGSR labels of a target basket, in the order of the columns of an attributes file:
// basket_size (BASKET_SIZE), price_sensitivity (BASKET_PRICE_SENSITIVITY), mission_type
// (BASKET_TYPE), mission_focus (BASKET_DOMINANT_MISSION).
inline constexpr int kBasketAttributes = 4;
const std::vector<std::string>& basket_attribute_names();
// One guess per case: each attribute's store dictionary id, -1 for no guess (counts as wrong).
using AttributeGuess = std::array<int32_t, kBasketAttributes>;

// Each attribute's most frequent value over the view's visible baskets (g-mode).
std::vector<AttributeGuess> global_mode_attributes(const Store& store, const TrainingView& view,
                                                   const std::vector<EvalCase>& cases);
// The most frequent value over the case's history baskets, ties to the latest; the global mode
// for an attribute the history never shows (p-mode).
std::vector<AttributeGuess> personal_mode_attributes(const Store& store, const TrainingView& view,
                                                     const std::vector<EvalCase>& cases);
// Synthetic data: each attribute's most frequent value over `trips` non-empty trips of the
// case's customer to the target's store in its week, sampled by the generator's own rules
// (seeded per case): the best any method can guess knowing who shops where and when.
std::vector<AttributeGuess> oracle_attributes(const fs::path& data_dir, const Store& store,
                                              const std::vector<EvalCase>& cases, int trips,
                                              uint64_t seed);
// A method scored elsewhere: <data>/reports/rankings/<method>/<fold>.attributes.npy, int32
// [n_cases, 4], rows in case-file order (cold cases after the evaluated ones).
fs::path attributes_file(const fs::path& data_dir, const std::string& method,
                         const std::string& fold_name);
std::vector<AttributeGuess> file_attributes(const fs::path& data_dir, const std::string& method,
                                            const Fold& fold);
// {"basket_size_accuracy": .., ..., "n_cases": n}: the share of the cases with a known target
// value that each guess gets right (an attribute without one is null).
Json attribute_accuracy(const Store& store, const BasketTable& baskets,
                        const std::vector<EvalCase>& cases,
                        const std::vector<AttributeGuess>& guesses);

// ---------------------------------------------------------------------------------------------
// Store visits: the store-visit model's question, under the temporal protocol
// ---------------------------------------------------------------------------------------------

// One customer-week: the store of the customer's first trip that week, or no trip.
struct VisitCase {
  int32_t index = 0;  // row in the fold's case file
  int32_t customer = 0;
  int32_t n_history = 0;       // the customer's store baskets before the week (at least one)
  int16_t week = 0;            // calendar week index
  int16_t outcome = 0;         // store id of the first trip, or n_stores: no trip
  int32_t target_basket = -1;  // that trip's store basket; -1: no trip
  int8_t weekday = 0;          // of that trip (1 = Sunday ... 7); 0: no trip
  int8_t hour = -1;            // of that trip; -1: no trip
  bool trip() const { return target_basket >= 0; }
};

// The cases of the evaluated split's weeks: for every customer whose first basket is in the
// training weeks, each week of the split after their first trip that holds a trip, or holds none
// and comes at most visit_horizon_weeks after their previous trip. Methods see every basket
// before the split (as the basket fold's view).
struct VisitFold {
  std::string name;  // the basket fold's: temporal-test, temporal-val
  int32_t n_stores = 0;
  int32_t view_end = 0;   // calendar week index of the split's first week
  int32_t train_end = 0;  // first week after the training weeks
  int horizon_weeks = 12;
  int64_t eligible_cases = 0;  // before sampling down to visit_max_cases
  std::vector<VisitCase> cases;
};
VisitFold temporal_visit_fold(const Store& store, const EvalConfig& config);

// A method's answer for one case: up to n outcomes (store ids; n_stores = no trip) best first,
// each with its probability, and the probability of no trip (listed or not).
struct VisitPrediction {
  std::vector<int32_t> outcomes;
  std::vector<double> probability;
  double no_trip = 0;
};

// A store-visit method: fit() sees the store and the fold (every basket before fold.view_end);
// predict() must be safe to call from several threads at once.
class VisitPredictor {
 public:
  virtual ~VisitPredictor() = default;
  virtual void fit(const Store& store, const VisitFold& fold) = 0;
  virtual VisitPrediction predict(const VisitCase& c, int n) const = 0;
};
struct VisitMethodInfo {
  std::string name;
  std::string description;
  std::unique_ptr<VisitPredictor> (*make)(const fs::path& data_dir);
  bool needs_truth = false;
};
// visit-global, visit-personal, visit-last and (synthetic data) visit-oracle.
const std::vector<VisitMethodInfo>& registered_visit_methods();

// The case list as written to <data>/reports/visit_cases/<fold>.npy: int32 [n_cases, 7] with
// columns customer, target store basket (-1: no trip), n_history, week index, outcome (store id,
// n_stores: no trip), weekday, hour.
inline constexpr int kVisitCaseColumns = 7;
fs::path visit_case_file(const fs::path& data_dir, const std::string& fold_name);
void write_visit_case_file(const fs::path& path, const VisitFold& fold);
// A method scored elsewhere (the store-visit model): <data>/reports/visit_rankings/<method>/
// <fold>.npy, int32 [n_cases, n] outcomes best first (-1 padding), <fold>.probabilities.npy
// float32 [n_cases, n] and <fold>.no_trip.npy float32 [n_cases], rows in case-file order.
fs::path visit_ranking_file(const fs::path& data_dir, const std::string& method,
                            const std::string& fold_name);
std::unique_ptr<VisitPredictor> visit_ranking_file_method(const fs::path& data_dir,
                                                          const std::string& method,
                                                          const VisitFold& fold);

// Per-case metrics, in this order: accuracy, top3, top5, top10 and mrr of the outcome among all
// outcomes (no trip included); the same of the store among stores, store_accuracy ...
// store_mrr, for trip cases (NaN for no-trip cases); trip_probability (1 - P(no trip)) and trip
// (1 for a trip case), whose means compare the predicted and the observed trip rate.
const std::vector<std::string>& visit_metric_names();
std::vector<double> visit_case_metrics(const VisitPrediction& prediction, const VisitCase& c,
                                       int32_t n_stores);
// Area under the ROC curve of `score` for telling positives from negatives (ties count half);
// NaN without both.
double roc_auc(std::span<const double> score, std::span<const uint8_t> positive);

// The "store_visits" part of reports/evaluation.json (temporal protocol): the fold's cases and,
// per method (registered ones as `methods` asks, "all" for every one that applies, and each
// folder of reports/visit_rankings/), its metrics overall, trip_auc, and by week, weekday and
// hour. Throws Error for a visit ranking file that does not fit the cases.
Json evaluate_store_visits(const fs::path& data_dir, const Store& store, const EvalConfig& config,
                           const std::vector<std::string>& methods);
// The methods under reports/visit_rankings/ (e.g. store-visit), sorted.
std::vector<std::string> visit_ranking_methods(const fs::path& data_dir);
// The store-visit methods among requested method names ("all": every registered one that
// applies, visit-oracle only with truth/, and every visit ranking folder); other names are left
// to the next-basket methods. Throws Error for visit-oracle without truth/.
std::vector<std::string> visit_methods_of(const std::vector<std::string>& requested,
                                          const fs::path& data_dir);

// ---------------------------------------------------------------------------------------------
// The stage: <data>/store/ (+ truth/, reports/rankings/) -> reports/evaluation.{json,html}
// ---------------------------------------------------------------------------------------------
struct EvaluateOptions {
  fs::path data_dir;
  EvalConfig config;
  // Method names; "all" = every registered method that applies (the oracle only with truth/),
  // plus every method with a rankings folder.
  std::vector<std::string> methods = {"all"};
  // Re-evaluate even when reports/evaluation.json was made from the same inputs (store, truth,
  // ranking files), config and methods.
  bool force = false;
};

struct EvaluateSummary {
  Json report = Json::object();  // as written to reports/evaluation.json
  double seconds = 0;
  bool skipped = false;  // the report was up to date
};

// Builds the folds of the protocol, writes their case files, fits, tunes and runs every method
// (cases in parallel), writes reports/evaluation.json and evaluation.html; does nothing but read
// the report back when it is up to date (unless force). Throws Error when there is no store, the
// data is too short for the protocol, or a method name is unknown.
EvaluateSummary evaluate(const EvaluateOptions& options);

// Builds the folds of the protocol and writes only their case files (what evaluate() also does
// first), so that a method scored outside this process (the world model) can rank them before
// evaluate() reads its ranking files. Returns the fold names. Throws Error as evaluate() does.
std::vector<std::string> write_eval_cases(const fs::path& data_dir, const EvalConfig& config);
// The same for the store-visit cases (temporal protocol; none under reality-check).
std::vector<std::string> write_visit_cases(const fs::path& data_dir, const EvalConfig& config);

// The training reports the learning curves come from: reports/training-world.json and
// reports/training-store-visit.json where they exist (docs/model.md).
std::vector<fs::path> training_reports(const fs::path& data_dir);

// The learning curves of the models trained in data_dir, for the report's `learning_curves`:
// model name -> `report` (its file), `steps`, `monitor`, `metric` (the ranking figure its
// validations give: ndcg@10 or accuracy), `best_step`, `phases` (name and first step),
// `training_loss` (batch kind -> the step curve's mean loss of that kind's batches over
// consecutive bins of steps, at most max_points bins: `step` the last one, `loss`; the kinds are
// next-basket and masked-basket for the world model, store-visit) and `validations` (`step`,
// `kind` quick or full, `loss` and the metric). Empty when no model was trained. Throws Error
// naming the file when a training report is not JSON or has no curve.
Json learning_curves(const fs::path& data_dir, size_t max_points = 200);

// reports/evaluation.html from the report.
std::string evaluation_html(const Json& report);

}  // namespace retailsim::eval
