// Ranking metrics of one case (precision, recall, F1, NDCG, hit rate at 5/10/20, MRR, repeat and
// explore recall) and their means over cases.
#include <algorithm>
#include <cmath>
#include <limits>

#include "eval/eval.h"

namespace retailsim::eval {

namespace {

constexpr int kCutoffs[] = {5, 10, 20};
constexpr size_t kPerCutoff = 5;  // precision, recall, f1, ndcg, hit
constexpr size_t kMrr = 3 * kPerCutoff;
constexpr size_t kRepeatRecall = kMrr + 1;
constexpr size_t kExploreRecall = kMrr + 2;

bool contains(std::span<const int32_t> sorted, int32_t value) {
  return std::binary_search(sorted.begin(), sorted.end(), value);
}

}  // namespace

const std::vector<std::string>& metric_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (int k : kCutoffs) {
      for (const char* m : {"precision", "recall", "f1", "ndcg", "hit"})
        out.push_back(std::string(m) + "@" + std::to_string(k));
    }
    out.push_back("mrr");
    out.push_back("repeat_recall@10");
    out.push_back("explore_recall@10");
    return out;
  }();
  return names;
}

std::vector<double> case_metrics(std::span<const int32_t> ranked, std::span<const int32_t> target,
                                 std::span<const int32_t> bought_before) {
  std::vector<double> out(metric_names().size(), 0.0);
  const auto n_target = static_cast<double>(target.size());
  for (size_t c = 0; c < std::size(kCutoffs); ++c) {
    const auto k = static_cast<size_t>(kCutoffs[c]);
    double hits = 0, dcg = 0, ideal = 0;
    for (size_t i = 0; i < std::min(k, ranked.size()); ++i) {
      if (contains(target, ranked[i])) {
        hits += 1;
        dcg += 1.0 / std::log2(static_cast<double>(i) + 2.0);
      }
    }
    for (size_t i = 0; i < std::min(k, target.size()); ++i)
      ideal += 1.0 / std::log2(static_cast<double>(i) + 2.0);
    const double precision = hits / static_cast<double>(k);
    const double recall = n_target > 0 ? hits / n_target : 0.0;
    double* m = out.data() + c * kPerCutoff;
    m[0] = precision;
    m[1] = recall;
    m[2] = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0.0;
    m[3] = ideal > 0 ? dcg / ideal : 0.0;
    m[4] = hits > 0 ? 1.0 : 0.0;
  }
  for (size_t i = 0; i < ranked.size(); ++i) {
    if (contains(target, ranked[i])) {
      out[kMrr] = 1.0 / static_cast<double>(i + 1);
      break;
    }
  }
  double n_repeat = 0, n_explore = 0, hit_repeat = 0, hit_explore = 0;
  for (int32_t p : target) {
    if (contains(bought_before, p)) {
      n_repeat += 1;
    } else {
      n_explore += 1;
    }
  }
  for (size_t i = 0; i < std::min<size_t>(10, ranked.size()); ++i) {
    if (!contains(target, ranked[i])) continue;
    if (contains(bought_before, ranked[i])) {
      hit_repeat += 1;
    } else {
      hit_explore += 1;
    }
  }
  const double nan = std::numeric_limits<double>::quiet_NaN();
  out[kRepeatRecall] = n_repeat > 0 ? hit_repeat / n_repeat : nan;
  out[kExploreRecall] = n_explore > 0 ? hit_explore / n_explore : nan;
  return out;
}

MetricMeans::MetricMeans(const std::vector<std::string>& names)
    : names_(&names), sum_(names.size(), 0.0), count_(names.size(), 0) {}

void MetricMeans::add(const std::vector<double>& values) {
  for (size_t i = 0; i < values.size(); ++i) {
    if (std::isnan(values[i])) continue;
    sum_[i] += values[i];
    ++count_[i];
  }
  ++n_cases_;
}

void MetricMeans::merge(const MetricMeans& other) {
  for (size_t i = 0; i < sum_.size(); ++i) {
    sum_[i] += other.sum_[i];
    count_[i] += other.count_[i];
  }
  n_cases_ += other.n_cases_;
}

double MetricMeans::mean(size_t metric) const {
  return count_[metric] > 0 ? sum_[metric] / static_cast<double>(count_[metric])
                            : std::numeric_limits<double>::quiet_NaN();
}

Json MetricMeans::to_json() const {
  Json out = Json::object();
  out["n_cases"] = n_cases_;
  const auto& names = *names_;
  for (size_t i = 0; i < names.size(); ++i) {
    if (count_[i] > 0) {
      out[names[i]] = mean(i);
    } else {
      out[names[i]] = nullptr;
    }
  }
  return out;
}

void Calibration::add(std::span<const int32_t> ranked, std::span<const double> probability,
                      std::span<const int32_t> target) {
  for (size_t i = 0; i < std::min(ranked.size(), probability.size()); ++i) {
    const double p = std::clamp(probability[i], 0.0, 1.0);
    const auto bin =
        std::min<size_t>(kCalibrationBins - 1, static_cast<size_t>(p * kCalibrationBins));
    ++n[bin];
    predicted[bin] += p;
    observed[bin] += contains(target, ranked[i]) ? 1.0 : 0.0;
  }
}

void Calibration::merge(const Calibration& other) {
  for (size_t b = 0; b < n.size(); ++b) {
    n[b] += other.n[b];
    predicted[b] += other.predicted[b];
    observed[b] += other.observed[b];
  }
}

bool Calibration::empty() const {
  return std::all_of(n.begin(), n.end(), [](int64_t v) { return v == 0; });
}

Json Calibration::to_json() const {
  Json out = Json::array();
  for (size_t b = 0; b < n.size(); ++b) {
    if (n[b] == 0) continue;
    const double lo = static_cast<double>(b) / kCalibrationBins;
    const double hi = static_cast<double>(b + 1) / kCalibrationBins;
    out.push_back({{"bin", {lo, hi}},
                   {"n", n[b]},
                   {"mean_predicted", predicted[b] / static_cast<double>(n[b])},
                   {"observed_rate", observed[b] / static_cast<double>(n[b])}});
  }
  return out;
}

}  // namespace retailsim::eval
