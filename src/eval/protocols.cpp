// The two evaluation protocols: the temporal split by calendar weeks and Li et al.'s
// reality-check split of customers, each producing folds of cases and training views.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "core/dataset.h"
#include "core/error.h"
#include "core/rng.h"
#include "eval/eval.h"
#include "eval/methods.h"
#include "features/features.h"

namespace retailsim::eval {

namespace {

constexpr uint64_t kRealityCheckStream = 0x5ea1c4ec;
constexpr uint64_t kTuneSampleStream = 0x7e5e;

EvalCase case_of(const BasketTable& t, int32_t customer, int32_t target, int32_t n_history) {
  EvalCase c;
  c.customer = customer;
  c.target = target;
  c.n_history = n_history;
  const auto k = static_cast<size_t>(target);
  c.week = t.week[k];
  c.store = t.store[k];
  c.date = t.date[k];
  c.weekday = t.weekday[k];
  c.hour = t.hour[k];
  return c;
}

void number_cases(std::vector<EvalCase>& cases, size_t first = 0) {
  for (size_t i = 0; i < cases.size(); ++i) cases[i].index = static_cast<int32_t>(first + i);
}

// At most max_cases of `cases`, a seeded sample kept in its original order.
std::vector<EvalCase> sample_cases(std::vector<EvalCase> cases, int max_cases, uint64_t seed) {
  if (cases.size() > static_cast<size_t>(max_cases)) {
    Rng rng = Rng::stream(seed, {kTuneSampleStream});
    for (size_t i = 0; i < static_cast<size_t>(max_cases); ++i) {
      const size_t j = i + rng.below(cases.size() - i);
      std::swap(cases[i], cases[j]);
    }
    cases.resize(static_cast<size_t>(max_cases));
    std::sort(cases.begin(), cases.end(),
              [](const EvalCase& a, const EvalCase& b) { return a.target < b.target; });
  }
  number_cases(cases);
  return cases;
}

bool has_candidate_target(const BasketTable& t, const TrainingView& view, int32_t basket) {
  for (int32_t p : t.products(basket)) {
    if (view.candidate[static_cast<size_t>(p)]) return true;
  }
  return false;
}

TrainingView view_before(const BasketTable& t, int32_t cutoff_week,
                         const std::vector<uint8_t>& candidate) {
  TrainingView v;
  v.baskets = &t;
  v.candidate = candidate;
  const size_t n_customers = t.customer_offsets.size() - 1;
  v.visible.assign(n_customers, 0);
  for (size_t c = 0; c < n_customers; ++c) {
    int32_t n = 0;
    for (int32_t b : t.of_customer(static_cast<int32_t>(c))) {
      if (t.week[static_cast<size_t>(b)] >= cutoff_week) break;
      ++n;
    }
    v.visible[c] = n;
  }
  return v;
}

// Customers with a training-week basket and one in [begin, end): their first basket there.
void temporal_cases(const BasketTable& t, const TrainingView& view, const TemporalWeeks& w,
                    int32_t begin, int32_t end, std::vector<EvalCase>& cases,
                    std::vector<EvalCase>& cold) {
  const size_t n_customers = t.customer_offsets.size() - 1;
  for (size_t c = 0; c < n_customers; ++c) {
    const std::span<const int32_t> list = t.of_customer(static_cast<int32_t>(c));
    const auto n_before = static_cast<size_t>(view.visible[c]);
    if (n_before >= list.size()) continue;
    const int32_t target = list[n_before];
    const int16_t week = t.week[static_cast<size_t>(target)];
    if (week < begin || week >= end) continue;
    if (!has_candidate_target(t, view, target)) continue;
    const auto customer = static_cast<int32_t>(c);
    if (n_before == 0) {
      cold.push_back(case_of(t, customer, target, 0));
    } else if (t.week[static_cast<size_t>(list[0])] < w.train_end) {
      cases.push_back(case_of(t, customer, target, static_cast<int32_t>(n_before)));
    }
  }
  number_cases(cases);
  number_cases(cold, cases.size());  // cold cases follow in the case file
}

}  // namespace

TemporalWeeks temporal_weeks(const Store& store, const EvalConfig& config) {
  if (store.n_rows() == 0) fail("evaluate: the store has no rows");
  TemporalWeeks w;
  w.first = store.week_index[0];
  const int32_t n_weeks = store.week_index[store.n_rows() - 1] - w.first + 1;
  const features::SplitWeeks split =
      features::split_weeks(n_weeks, config.train_fraction, config.val_fraction);
  w.train_end = w.first + split.n_train;
  w.test_begin = w.first + split.test_begin();
  w.end = w.first + n_weeks;
  return w;
}

Fold temporal_fold(const Store& store, const BasketTable& baskets, const EvalConfig& config) {
  const TemporalWeeks w = temporal_weeks(store, config);

  // Candidates: every product sold in a training week (anonymous baskets included).
  std::vector<uint8_t> candidate(store.n_products(), 0);
  const auto train_rows =
      static_cast<size_t>(std::lower_bound(store.week_index.begin(), store.week_index.end(),
                                           static_cast<int16_t>(w.train_end)) -
                          store.week_index.begin());
  for (size_t r = 0; r < train_rows; ++r) candidate[static_cast<size_t>(store.product_id[r])] = 1;

  Fold fold;
  fold.candidate_targets_only = true;
  fold.tune_view = view_before(baskets, w.train_end, candidate);
  std::vector<EvalCase> val_cases, val_cold;
  temporal_cases(baskets, fold.tune_view, w, w.train_end, w.test_begin, val_cases, val_cold);
  if (config.split == "val") {
    fold.name = "temporal-val";
    fold.view = fold.tune_view;
    fold.cases = val_cases;
    fold.cold_cases = val_cold;
  } else {
    fold.name = "temporal-test";
    fold.view = view_before(baskets, w.test_begin, candidate);
    temporal_cases(baskets, fold.view, w, w.test_begin, w.end, fold.cases, fold.cold_cases);
  }
  fold.tune_cases = sample_cases(std::move(val_cases), config.tune_max_cases, config.seed);
  return fold;
}

std::vector<Fold> reality_check_folds(const BasketTable& baskets, const EvalConfig& config) {
  const size_t n_customers = baskets.customer_offsets.size() - 1;
  std::vector<int32_t> eligible;
  for (size_t c = 0; c < n_customers; ++c) {
    const auto n = static_cast<int>(baskets.of_customer(static_cast<int32_t>(c)).size());
    if (n >= config.min_baskets && n <= config.max_baskets)
      eligible.push_back(static_cast<int32_t>(c));
  }
  const size_t n = eligible.size();
  const auto n_train =
      static_cast<size_t>(std::llround(static_cast<double>(n) * config.rc_train_share));
  const auto n_val =
      static_cast<size_t>(std::llround(static_cast<double>(n) * config.rc_val_share));
  std::vector<Fold> folds;
  for (int seed = 0; seed < config.rc_seeds; ++seed) {
    std::vector<int32_t> order = eligible;
    Rng rng = Rng::stream(config.seed, {kRealityCheckStream, static_cast<uint64_t>(seed)});
    for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng.below(i)]);
    Fold fold;
    fold.name = fmt::format("reality-check-{}-seed{}", config.split, seed);
    fold.view.baskets = &baskets;
    fold.view.visible.assign(n_customers, 0);
    std::vector<EvalCase> val, test;
    for (size_t i = 0; i < order.size(); ++i) {
      const int32_t c = order[i];
      const std::span<const int32_t> list = baskets.of_customer(c);
      const auto count = static_cast<int32_t>(list.size());
      if (i < n_train) {
        fold.view.visible[static_cast<size_t>(c)] = count;
        continue;
      }
      fold.view.visible[static_cast<size_t>(c)] = count - 1;
      EvalCase one = case_of(baskets, c, list.back(), count - 1);
      (i < n_train + n_val ? val : test).push_back(one);
    }
    // Candidates: products in some visible basket.
    fold.view.candidate.assign(static_cast<size_t>(baskets.n_products), 0);
    for (size_t c = 0; c < n_customers; ++c) {
      const std::span<const int32_t> list = baskets.of_customer(static_cast<int32_t>(c));
      for (int32_t i = 0; i < fold.view.visible[c]; ++i) {
        for (int32_t p : baskets.products(list[static_cast<size_t>(i)]))
          fold.view.candidate[static_cast<size_t>(p)] = 1;
      }
    }
    auto by_customer = [](const EvalCase& a, const EvalCase& b) { return a.customer < b.customer; };
    std::sort(val.begin(), val.end(), by_customer);
    std::sort(test.begin(), test.end(), by_customer);
    fold.cases = config.split == "val" ? val : test;
    number_cases(fold.cases);
    fold.tune_view = fold.view;
    fold.tune_cases = sample_cases(std::move(val), config.tune_max_cases, config.seed + seed);
    folds.push_back(std::move(fold));
  }
  return folds;
}

std::vector<int32_t> target_products(const Fold& fold, const TrainingView& view,
                                     const EvalCase& c) {
  std::vector<int32_t> out;
  for (int32_t p : view.baskets->products(c.target)) {
    if (!fold.candidate_targets_only || view.candidate[static_cast<size_t>(p)]) out.push_back(p);
  }
  return out;
}

}  // namespace retailsim::eval
