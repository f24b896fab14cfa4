// Store-visit metrics (the outcome among all outcomes, the store among stores for trip cases,
// the predicted against the observed trip rate, the trip AUC) and the "store_visits" part of
// reports/evaluation.json: every store-visit method on the temporal fold's customer-weeks,
// overall and by week, weekday and hour.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>

#include <spdlog/spdlog.h>
#include <tbb/parallel_for.h>

#include "core/dataset.h"
#include "core/error.h"
#include "core/progress.h"
#include "eval/eval.h"
#include "eval/methods.h"

namespace retailsim::eval {

namespace {

constexpr int kVisitCutoffs[] = {1, 3, 5, 10};
constexpr int kVisitListLength = 20;

const VisitMethodInfo* registered_visit(const std::string& name) {
  for (const VisitMethodInfo& m : registered_visit_methods()) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

std::string weekday_key(int8_t weekday) {
  constexpr const char* kNames[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  return weekday >= 1 && weekday <= 7 ? kNames[weekday - 1] : "no trip";
}

struct VisitResult {
  MetricMeans overall{visit_metric_names()};
  std::map<int32_t, MetricMeans> by_week;  // shop week
  std::map<int, MetricMeans> by_weekday, by_hour;
  double trip_auc = std::numeric_limits<double>::quiet_NaN();
};

template <typename Key>
void add_slice(std::map<Key, MetricMeans>& slices, Key key, const std::vector<double>& values) {
  slices.try_emplace(key, visit_metric_names()).first->second.add(values);
}

template <typename Key, typename Name>
Json slices_json(const std::map<Key, MetricMeans>& slices, Name name_of) {
  Json out = Json::object();
  for (const auto& [key, means] : slices) out[name_of(key)] = means.to_json();
  return out;
}

}  // namespace

const std::vector<std::string>& visit_metric_names() {
  static const std::vector<std::string> names = {
      "accuracy",         "top3",       "top5",       "top10",       "mrr",
      "store_accuracy",   "store_top3", "store_top5", "store_top10", "store_mrr",
      "trip_probability", "trip"};
  return names;
}

std::vector<double> visit_case_metrics(const VisitPrediction& prediction, const VisitCase& c,
                                       int32_t n_stores) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> out(visit_metric_names().size(), 0.0);
  // Ranks (1-based; 0: not listed) of the outcome among all outcomes and among stores only.
  size_t rank = 0, store_rank = 0, stores_seen = 0;
  for (size_t i = 0; i < prediction.outcomes.size(); ++i) {
    const int32_t o = prediction.outcomes[i];
    if (o != n_stores) ++stores_seen;
    if (o == c.outcome) {
      rank = i + 1;
      store_rank = stores_seen;
      break;
    }
  }
  for (size_t k = 0; k < std::size(kVisitCutoffs); ++k) {
    const auto cut = static_cast<size_t>(kVisitCutoffs[k]);
    out[k] = rank > 0 && rank <= cut ? 1.0 : 0.0;
    out[5 + k] = !c.trip() ? nan : (store_rank > 0 && store_rank <= cut ? 1.0 : 0.0);
  }
  out[4] = rank > 0 ? 1.0 / static_cast<double>(rank) : 0.0;
  out[9] = !c.trip() ? nan : (store_rank > 0 ? 1.0 / static_cast<double>(store_rank) : 0.0);
  out[10] = 1.0 - prediction.no_trip;
  out[11] = c.trip() ? 1.0 : 0.0;
  return out;
}

double roc_auc(std::span<const double> score, std::span<const uint8_t> positive) {
  const size_t n = std::min(score.size(), positive.size());
  std::vector<size_t> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return score[a] < score[b]; });
  // Mann-Whitney: the positives' rank sum, ties at their mean rank.
  double rank_sum = 0;
  int64_t n_positive = 0;
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j < n && score[order[j]] == score[order[i]]) ++j;
    const double mean_rank = (static_cast<double>(i) + static_cast<double>(j) + 1) / 2;
    for (size_t k = i; k < j; ++k) {
      if (positive[order[k]]) {
        rank_sum += mean_rank;
        ++n_positive;
      }
    }
    i = j;
  }
  const auto n_negative = static_cast<int64_t>(n) - n_positive;
  if (n_positive == 0 || n_negative == 0) return std::numeric_limits<double>::quiet_NaN();
  const auto p = static_cast<double>(n_positive);
  return (rank_sum - p * (p + 1) / 2) / (p * static_cast<double>(n_negative));
}

Json evaluate_store_visits(const fs::path& data_dir, const Store& store, const EvalConfig& config,
                           const std::vector<std::string>& methods) {
  if (config.protocol != "temporal") {
    return Json{{"note",
                 "measured under the temporal protocol only: reality-check targets a customer's "
                 "last date, not a week that may hold no trip"}};
  }
  const VisitFold fold = temporal_visit_fold(store, config);
  const fs::path case_path = visit_case_file(data_dir, fold.name);
  write_visit_case_file(case_path, fold);
  int64_t trips = 0;
  for (const VisitCase& c : fold.cases) trips += c.trip();
  Json out = {{"fold", fold.name},
              {"cases", fold.cases.size()},
              {"eligible_cases", fold.eligible_cases},
              {"trip_cases", trips},
              {"no_trip_cases", static_cast<int64_t>(fold.cases.size()) - trips},
              {"horizon_weeks", fold.horizon_weeks},
              {"case_file", fs::relative(case_path, data_dir).string()},
              {"metrics", visit_metric_names()}};
  spdlog::info("evaluate store visits ({}): {} customer-weeks, {} with a trip{}", fold.name,
               fold.cases.size(), trips,
               fold.eligible_cases > static_cast<int64_t>(fold.cases.size())
                   ? fmt::format(" (a sample of {})", fold.eligible_cases)
                   : "");
  Json by_method = Json::object(), by_week = Json::object(), by_weekday = Json::object(),
       by_hour = Json::object(), seconds = Json::object();
  for (const std::string& name : methods) {
    const auto start = std::chrono::steady_clock::now();
    std::unique_ptr<VisitPredictor> method;
    if (const VisitMethodInfo* m = registered_visit(name)) {
      method = m->make(data_dir);
    } else {
      method = visit_ranking_file_method(data_dir, name, fold);
    }
    method->fit(store, fold);
    std::vector<std::vector<double>> scores(fold.cases.size());
    Progress progress(fmt::format("evaluate {} ({})", name, fold.name), fold.cases.size(), "cases");
    tbb::parallel_for(tbb::blocked_range<size_t>(0, fold.cases.size()), [&](const auto& range) {
      for (size_t i = range.begin(); i < range.end(); ++i) {
        scores[i] = visit_case_metrics(method->predict(fold.cases[i], kVisitListLength),
                                       fold.cases[i], fold.n_stores);
      }
      progress.advance(range.size());
    });
    progress.finish();
    VisitResult r;
    std::vector<double> trip_score(fold.cases.size());
    std::vector<uint8_t> trip(fold.cases.size());
    for (size_t i = 0; i < fold.cases.size(); ++i) {
      const VisitCase& c = fold.cases[i];
      r.overall.add(scores[i]);
      add_slice(r.by_week, store.calendar.at(static_cast<size_t>(c.week)).shop_week, scores[i]);
      add_slice(r.by_weekday, static_cast<int>(c.weekday), scores[i]);
      add_slice(r.by_hour, static_cast<int>(c.hour), scores[i]);
      trip_score[i] = scores[i][10];
      trip[i] = c.trip() ? 1 : 0;
    }
    Json metrics = r.overall.to_json();
    const double auc = roc_auc(trip_score, trip);
    metrics["trip_auc"] = std::isnan(auc) ? Json() : Json(auc);
    by_method[name] = metrics;
    by_week[name] = slices_json(r.by_week, [](int32_t w) { return std::to_string(w); });
    by_weekday[name] =
        slices_json(r.by_weekday, [](int d) { return weekday_key(static_cast<int8_t>(d)); });
    by_hour[name] = slices_json(
        r.by_hour, [](int h) { return h < 0 ? std::string("no trip") : std::to_string(h); });
    seconds[name] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    auto figure = [&](const char* key) {
      return metrics[key].is_number() ? metrics[key].get<double>() : 0.0;
    };
    spdlog::info("{}: accuracy {:.4f}, store accuracy {:.4f}, trip AUC {:.4f} over {} cases", name,
                 figure("accuracy"), figure("store_accuracy"), figure("trip_auc"),
                 fold.cases.size());
  }
  out["methods"] = by_method;
  out["by_week"] = by_week;
  out["by_weekday"] = by_weekday;
  out["by_hour"] = by_hour;
  out["seconds"] = seconds;
  return out;
}

std::vector<std::string> visit_methods_of(const std::vector<std::string>& requested,
                                          const fs::path& data_dir) {
  const bool truth = has_truth(data_dir);
  const std::vector<std::string> files = visit_ranking_methods(data_dir);
  std::vector<std::string> out;
  auto add = [&](const std::string& name) {
    if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
  };
  for (const std::string& name : requested) {
    if (name == "all") {
      for (const VisitMethodInfo& m : registered_visit_methods()) {
        if (!m.needs_truth || truth) add(m.name);
      }
      for (const std::string& f : files) add(f);
      continue;
    }
    const VisitMethodInfo* m = registered_visit(name);
    if (m && m->needs_truth && !truth)
      fail("evaluate: method '{}' needs the generator's truth ({}/truth/world.json)", name,
           data_dir.string());
    if (m || std::find(files.begin(), files.end(), name) != files.end()) add(name);
  }
  return out;
}

}  // namespace retailsim::eval
