// Ranking metrics against hand computations, and means that leave undefined values out.
#include <cmath>

#include <gtest/gtest.h>

#include "eval/eval.h"

namespace retailsim::eval {
namespace {

double metric(const std::vector<double>& values, const std::string& name) {
  const auto& names = metric_names();
  return values[static_cast<size_t>(std::find(names.begin(), names.end(), name) - names.begin())];
}

TEST(Metrics, NamesCoverEveryCutoffAndTheRecallSplits) {
  const auto& names = metric_names();
  for (const char* name : {"precision@5", "recall@10", "f1@20", "ndcg@10", "hit@5", "mrr",
                           "repeat_recall@10", "explore_recall@10"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), name), names.end()) << name;
  }
}

TEST(Metrics, MatchAHandComputedRanking) {
  // Ranked 1..20; targets 2 (rank 2), 9 (rank 9) and 30 (not ranked).
  std::vector<int32_t> ranked;
  for (int32_t p = 1; p <= 20; ++p) ranked.push_back(p);
  const std::vector<int32_t> target = {2, 9, 30};
  const std::vector<int32_t> before = {2, 30};
  const auto m = case_metrics(ranked, target, before);

  EXPECT_DOUBLE_EQ(metric(m, "precision@5"), 1.0 / 5);
  EXPECT_DOUBLE_EQ(metric(m, "recall@5"), 1.0 / 3);
  EXPECT_DOUBLE_EQ(metric(m, "f1@5"), 2 * 0.2 * (1.0 / 3) / (0.2 + 1.0 / 3));
  EXPECT_DOUBLE_EQ(metric(m, "hit@5"), 1.0);
  // DCG@5 = 1/log2(3); ideal with 3 targets = 1 + 1/log2(3) + 1/log2(4).
  EXPECT_NEAR(metric(m, "ndcg@5"), (1 / std::log2(3.0)) / (1 + 1 / std::log2(3.0) + 0.5), 1e-12);
  EXPECT_DOUBLE_EQ(metric(m, "precision@10"), 2.0 / 10);
  EXPECT_DOUBLE_EQ(metric(m, "recall@10"), 2.0 / 3);
  EXPECT_NEAR(metric(m, "ndcg@10"),
              (1 / std::log2(3.0) + 1 / std::log2(10.0)) / (1 + 1 / std::log2(3.0) + 0.5), 1e-12);
  EXPECT_DOUBLE_EQ(metric(m, "recall@20"), 2.0 / 3);
  EXPECT_DOUBLE_EQ(metric(m, "precision@20"), 2.0 / 20);
  EXPECT_DOUBLE_EQ(metric(m, "mrr"), 0.5);
  // Repeat targets {2, 30}: 2 found -> 1/2. New targets {9}: found -> 1.
  EXPECT_DOUBLE_EQ(metric(m, "repeat_recall@10"), 0.5);
  EXPECT_DOUBLE_EQ(metric(m, "explore_recall@10"), 1.0);
}

TEST(Metrics, MissesScoreZeroAndShortListsAreNotPadded) {
  const std::vector<int32_t> ranked = {7};
  const std::vector<int32_t> target = {7};
  const auto hit = case_metrics(ranked, target, {});
  EXPECT_DOUBLE_EQ(metric(hit, "precision@5"), 1.0 / 5);  // a short list still counts k slots
  EXPECT_DOUBLE_EQ(metric(hit, "ndcg@10"), 1.0);
  EXPECT_DOUBLE_EQ(metric(hit, "mrr"), 1.0);
  const auto miss = case_metrics(std::vector<int32_t>{1, 2, 3}, target, {});
  EXPECT_DOUBLE_EQ(metric(miss, "recall@20"), 0.0);
  EXPECT_DOUBLE_EQ(metric(miss, "mrr"), 0.0);
  EXPECT_DOUBLE_EQ(metric(miss, "hit@20"), 0.0);
}

TEST(Metrics, RepeatRecallIsUndefinedWithoutRepeatTargetsAndLeftOutOfMeans) {
  const std::vector<int32_t> target = {5};
  const auto m = case_metrics(std::vector<int32_t>{5}, target, {});
  EXPECT_TRUE(std::isnan(metric(m, "repeat_recall@10")));
  EXPECT_DOUBLE_EQ(metric(m, "explore_recall@10"), 1.0);

  MetricMeans means;
  means.add(m);
  means.add(case_metrics(std::vector<int32_t>{1}, target, std::vector<int32_t>{5}));
  EXPECT_EQ(means.n_cases(), 2);
  const Json j = means.to_json();
  EXPECT_DOUBLE_EQ(j["recall@10"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(j["repeat_recall@10"].get<double>(), 0.0);   // only the second case
  EXPECT_DOUBLE_EQ(j["explore_recall@10"].get<double>(), 1.0);  // only the first case
}

TEST(Metrics, CalibrationBinsListedProductsByProbability) {
  Calibration c;
  const std::vector<int32_t> ranked = {1, 2, 3, 4};
  const std::vector<double> probability = {0.95, 0.91, 0.15, 0.12};
  const std::vector<int32_t> target = {1, 3};
  c.add(ranked, probability, target);
  const Json j = c.to_json();
  ASSERT_EQ(j.size(), 2u);  // bins [0.1, 0.2) and [0.9, 1.0]
  EXPECT_EQ(j[0]["n"], 2);
  EXPECT_NEAR(j[0]["mean_predicted"].get<double>(), 0.135, 1e-12);
  EXPECT_DOUBLE_EQ(j[0]["observed_rate"].get<double>(), 0.5);
  EXPECT_NEAR(j[1]["bin"][0].get<double>(), 0.9, 1e-12);
  EXPECT_NEAR(j[1]["mean_predicted"].get<double>(), 0.93, 1e-12);
  EXPECT_DOUBLE_EQ(j[1]["observed_rate"].get<double>(), 0.5);
  EXPECT_FALSE(c.empty());
  EXPECT_TRUE(Calibration().empty());
}

}  // namespace
}  // namespace retailsim::eval
