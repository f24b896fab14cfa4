// The store-visit cases of the temporal protocol (one per customer-week: the store of the first
// trip, or no trip), their case file, and the ranking files of methods scored elsewhere (the
// store-visit model).
#include <algorithm>

#include "core/customer_weeks.h"
#include "core/dataset.h"
#include "core/error.h"
#include "core/npy.h"
#include "core/rng.h"
#include "eval/eval.h"
#include "eval/methods.h"

namespace retailsim::eval {

namespace {

constexpr uint64_t kVisitSampleStream = 0x5715;

// At most max_cases of `cases`, a seeded sample kept in its original order.
void sample_visit_cases(std::vector<VisitCase>& cases, int max_cases, uint64_t seed) {
  if (cases.size() <= static_cast<size_t>(max_cases)) return;
  std::vector<size_t> order(cases.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  Rng rng = Rng::stream(seed, {kVisitSampleStream});
  for (size_t i = 0; i < static_cast<size_t>(max_cases); ++i)
    std::swap(order[i], order[i + rng.below(order.size() - i)]);
  order.resize(static_cast<size_t>(max_cases));
  std::sort(order.begin(), order.end());
  std::vector<VisitCase> kept;
  kept.reserve(order.size());
  for (size_t i : order) kept.push_back(cases[i]);
  cases = std::move(kept);
}

}  // namespace

VisitFold temporal_visit_fold(const Store& store, const EvalConfig& config) {
  const TemporalWeeks weeks = temporal_weeks(store, config);
  VisitFold fold;
  fold.n_stores = static_cast<int32_t>(store.n_stores());
  fold.horizon_weeks = config.visit_horizon_weeks;
  fold.train_end = weeks.train_end;
  const bool val = config.split == "val";
  fold.name = val ? "temporal-val" : "temporal-test";
  const int32_t begin = val ? weeks.train_end : weeks.test_begin;
  const int32_t end = val ? weeks.test_begin : weeks.end;
  fold.view_end = begin;
  const std::vector<uint8_t> observed = store.weeks_with_baskets();
  for (int32_t c = 0; c < static_cast<int32_t>(store.n_customers()); ++c) {
    const std::span<const int32_t> baskets = store.baskets_of_customer(c);
    if (baskets.empty()) continue;
    auto week_of = [&](size_t i) {
      return store.basket_week_index[static_cast<size_t>(baskets[i])];
    };
    if (week_of(0) >= fold.train_end) continue;  // not a known customer of the training weeks
    for_each_customer_week(baskets.size(), week_of, begin, end, config.visit_horizon_weeks,
                           observed, [&](int32_t w, size_t n_history, bool trip) {
                             VisitCase v;
                             v.customer = c;
                             v.n_history = static_cast<int32_t>(n_history);
                             v.week = static_cast<int16_t>(w);
                             if (trip) {
                               const auto b = static_cast<size_t>(baskets[n_history]);
                               v.target_basket = baskets[n_history];
                               v.outcome = store.basket_store_id[b];
                               v.weekday = store.basket_weekday[b];
                               v.hour = store.basket_hour[b];
                             } else {
                               v.outcome = static_cast<int16_t>(fold.n_stores);
                             }
                             fold.cases.push_back(v);
                           });
  }
  fold.eligible_cases = static_cast<int64_t>(fold.cases.size());
  sample_visit_cases(fold.cases, config.visit_max_cases, config.seed);
  for (size_t i = 0; i < fold.cases.size(); ++i) fold.cases[i].index = static_cast<int32_t>(i);
  return fold;
}

fs::path visit_case_file(const fs::path& data_dir, const std::string& fold_name) {
  return data_dir / "reports" / "visit_cases" / (fold_name + ".npy");
}

void write_visit_case_file(const fs::path& path, const VisitFold& fold) {
  std::vector<int32_t> rows;
  rows.reserve(fold.cases.size() * kVisitCaseColumns);
  for (const VisitCase& c : fold.cases) {
    rows.insert(rows.end(),
                {c.customer, c.target_basket, c.n_history, c.week, c.outcome, c.weekday, c.hour});
  }
  fs::create_directories(path.parent_path());
  write_npy(path, rows,
            {static_cast<uint64_t>(fold.cases.size()), static_cast<uint64_t>(kVisitCaseColumns)});
}

std::vector<std::string> write_visit_cases(const fs::path& data_dir, const EvalConfig& config) {
  config.validate();
  if (config.protocol != "temporal") return {};
  const Store store = Store::open(data_dir);
  const VisitFold fold = temporal_visit_fold(store, config);
  write_visit_case_file(visit_case_file(data_dir, fold.name), fold);
  return {fold.name};
}

fs::path visit_ranking_file(const fs::path& data_dir, const std::string& method,
                            const std::string& fold_name) {
  return data_dir / "reports" / "visit_rankings" / method / (fold_name + ".npy");
}

std::vector<std::string> visit_ranking_methods(const fs::path& data_dir) {
  return subfolders(data_dir / "reports" / "visit_rankings");
}

namespace {

// Rows of a ranking file, in case-file order (the rows must match the fold's cases).
class VisitRankingFile : public VisitPredictor {
 public:
  VisitRankingFile(const fs::path& data_dir, const std::string& method, const VisitFold& fold) {
    const fs::path path = visit_ranking_file(data_dir, method, fold.name);
    const fs::path base = path.parent_path() / fold.name;
    for (const fs::path& p : {path, fs::path(base.string() + ".probabilities.npy"),
                              fs::path(base.string() + ".no_trip.npy")}) {
      if (!fs::exists(p))
        fail("{}: missing (the visit rankings of method '{}' for {})", p.string(), method,
             fold.name);
    }
    const Column<int32_t> outcomes(path);
    const Column<float> probability(fs::path(base.string() + ".probabilities.npy"));
    const Column<float> no_trip(fs::path(base.string() + ".no_trip.npy"));
    const size_t n = fold.cases.size();
    if (outcomes.shape().size() != 2 || outcomes.shape()[0] != n)
      fail("{}: {} rows where {} has {} cases (rank them again)", path.string(),
           outcomes.shape().empty() ? 0 : outcomes.shape()[0],
           visit_case_file(data_dir, fold.name).string(), n);
    if (probability.shape() != outcomes.shape())
      fail("{}.probabilities.npy: its shape differs from {}", base.string(), path.string());
    if (no_trip.shape() != std::vector<uint64_t>{n})
      fail("{}.no_trip.npy: expected {} values", base.string(), n);
    width_ = static_cast<size_t>(outcomes.shape()[1]);
    outcomes_.assign(outcomes.begin(), outcomes.end());
    probability_.assign(probability.begin(), probability.end());
    no_trip_.assign(no_trip.begin(), no_trip.end());
    for (int32_t o : outcomes_) {
      if (o < -1 || o > fold.n_stores)
        fail("{}: outcome {} is outside 0..{} (n_stores = no trip)", path.string(), o,
             fold.n_stores);
    }
  }

  void fit(const Store& /*store*/, const VisitFold& /*fold*/) override {}

  VisitPrediction predict(const VisitCase& c, int n) const override {
    VisitPrediction out;
    const auto row = static_cast<size_t>(c.index);
    if (row >= no_trip_.size()) return out;
    for (size_t j = 0; j < width_ && out.outcomes.size() < static_cast<size_t>(n); ++j) {
      const int32_t o = outcomes_[row * width_ + j];
      if (o < 0) break;
      out.outcomes.push_back(o);
      out.probability.push_back(probability_[row * width_ + j]);
    }
    out.no_trip = no_trip_[row];
    return out;
  }

 private:
  size_t width_ = 0;
  std::vector<int32_t> outcomes_;
  std::vector<float> probability_, no_trip_;
};

}  // namespace

std::unique_ptr<VisitPredictor> visit_ranking_file_method(const fs::path& data_dir,
                                                          const std::string& method,
                                                          const VisitFold& fold) {
  return std::make_unique<VisitRankingFile>(data_dir, method, fold);
}

}  // namespace retailsim::eval
