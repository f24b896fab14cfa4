// Each loss of the world model against a hand computation.
#include <gtest/gtest.h>

#include <cmath>

#include "model/losses.h"
#include "model/tasks.h"

namespace retailsim::model {
namespace {

double sigmoid(double x) {
  return 1.0 / (1.0 + std::exp(-x));
}

TEST(Losses, FocalMatchesHandComputation) {
  const torch::Tensor logits = torch::tensor({{0.0f, 2.0f}});
  const torch::Tensor targets = torch::tensor({{1.0f, 0.0f}});
  const double p2 = sigmoid(2.0);
  const double first = 0.25 * -std::log(0.5);                   // p_t = 0.5, (1 - p_t)^2
  const double second = std::pow(p2, 2) * -std::log(1.0 - p2);  // p_t = 1 - sigmoid(2)
  EXPECT_NEAR(focal_loss(logits, targets, 2.0).item<double>(), (first + second) / 2, 1e-6);
  // gamma = 0 is plain binary cross-entropy.
  const double bce = (-std::log(0.5) - std::log(1.0 - p2)) / 2;
  EXPECT_NEAR(focal_loss(logits, targets, 0.0).item<double>(), bce, 1e-6);
  EXPECT_NEAR(multilabel_bce_loss(logits, targets).item<double>(), bce, 1e-6);
}

TEST(Losses, SampledSoftmaxMatchesHandComputationAndMasksThePositive) {
  // Scores of one sample over three products: 1, 0 and 2.
  const torch::Tensor logits = torch::tensor({{1.0f, 0.0f, 2.0f}});
  const torch::Tensor sample = torch::tensor({0}, torch::kInt64);
  const torch::Tensor positive = torch::tensor({0}, torch::kInt64);
  const double e = std::exp(1.0);
  EXPECT_NEAR(sampled_softmax_loss(logits, sample, positive, torch::tensor({1, 2}, torch::kInt64))
                  .item<double>(),
              -std::log(e / (e + 1.0 + std::exp(2.0))), 1e-6);
  // The positive among the negatives is masked out.
  EXPECT_NEAR(sampled_softmax_loss(logits, sample, positive, torch::tensor({0, 1}, torch::kInt64))
                  .item<double>(),
              -std::log(e / (e + 1.0)), 1e-6);
  // Two positives of one sample average their own cross-entropies; gradients reach the logits.
  torch::Tensor scores = torch::tensor({{1.0f, 0.0f, 2.0f}}).requires_grad_(true);
  torch::Tensor loss =
      sampled_softmax_loss(scores, torch::tensor({0, 0}, torch::kInt64),
                           torch::tensor({0, 2}, torch::kInt64), torch::tensor({1}, torch::kInt64));
  const double expected =
      (-std::log(e / (e + 1.0)) - std::log(std::exp(2.0) / (std::exp(2.0) + 1.0))) / 2;
  EXPECT_NEAR(loss.item<double>(), expected, 1e-6);
  loss.backward();
  EXPECT_LT(scores.grad()[0][0].item<double>(), 0.0);
  EXPECT_GT(scores.grad()[0][1].item<double>(), 0.0);
}

TEST(Losses, ContrastiveMatchesHandComputation) {
  const torch::Tensor anchors = torch::tensor({{1.0f, 0.0f}, {0.0f, 1.0f}});
  const torch::Tensor partners = torch::tensor({{1.0f, 0.0f}, {1.0f, 1.0f}});
  const double r = std::sqrt(0.5) / 0.5;  // cosine 0.7071 over temperature 0.5
  const double row0 = -std::log(std::exp(2.0) / (std::exp(2.0) + std::exp(r)));
  const double row1 = -std::log(std::exp(r) / (1.0 + std::exp(r)));
  EXPECT_NEAR(contrastive_loss(anchors, partners, 0.5).item<double>(), (row0 + row1) / 2, 1e-5);
}

TEST(Losses, CopurchasePairsAreConsecutiveProductsOfOneBasket) {
  const auto [first, second] = copurchase_pairs(torch::tensor({0, 0, 0, 1, 1, 2}, torch::kInt64),
                                                torch::tensor({5, 6, 7, 8, 9, 10}, torch::kInt64));
  EXPECT_TRUE(torch::equal(first, torch::tensor({5, 6, 8}, torch::kInt64)));
  EXPECT_TRUE(torch::equal(second, torch::tensor({6, 7, 9}, torch::kInt64)));
}

TEST(Losses, AuxiliarySkipsUnknownLabels) {
  const torch::Tensor head1 = torch::tensor({{2.0f, 0.0f}, {0.0f, 0.0f}});
  const torch::Tensor head2 = torch::tensor({{1.0f, 0.0f}, {0.0f, 1.0f}});
  const double expected = -std::log(std::exp(2.0) / (std::exp(2.0) + 1.0));
  EXPECT_NEAR(auxiliary_loss({head1, head2}, {torch::tensor({0, -1}, torch::kInt64),
                                              torch::tensor({-1, -1}, torch::kInt64)})
                  .item<double>(),
              expected, 1e-6);
}

TEST(Losses, AuxiliaryWeighsEachLabelByItsClassWeight) {
  const torch::Tensor head = torch::tensor({{2.0f, 0.0f}, {0.0f, 1.0f}, {1.0f, 1.0f}});
  const torch::Tensor labels = torch::tensor({0, 0, 1}, torch::kInt64);
  const double z0 = std::exp(2.0) + 1.0, z1 = 1.0 + std::exp(1.0);
  const double nll[3] = {-std::log(std::exp(2.0) / z0), -std::log(1.0 / z1), std::log(2.0)};
  // Label 0 weighs 0.5, label 1 weighs 3: a weighted mean over the samples.
  const double expected = (0.5 * nll[0] + 0.5 * nll[1] + 3 * nll[2]) / (0.5 + 0.5 + 3);
  EXPECT_NEAR(auxiliary_loss({head}, {labels}, {torch::tensor({0.5f, 3.0f})}).item<double>(),
              expected, 1e-6);
  // No weights, or weights of the wrong length: the plain mean.
  const double plain = (nll[0] + nll[1] + nll[2]) / 3;
  EXPECT_NEAR(auxiliary_loss({head}, {labels}).item<double>(), plain, 1e-6);
  EXPECT_NEAR(auxiliary_loss({head}, {labels}, {torch::tensor({1.0f, 2.0f, 3.0f})}).item<double>(),
              plain, 1e-6);
}

TEST(Losses, FocalAndSoftmaxWeighEachSampleByItsWeight) {
  const torch::Tensor logits = torch::tensor({{1.0f, -1.0f, 0.5f}, {0.0f, 2.0f, -0.5f}});
  const torch::Tensor targets = torch::tensor({{1.0f, 0.0f, 0.0f}, {0.0f, 0.0f, 1.0f}});
  const torch::Tensor row_means =
      torch::stack({focal_loss(logits.slice(0, 0, 1), targets.slice(0, 0, 1), 2.0),
                    focal_loss(logits.slice(0, 1, 2), targets.slice(0, 1, 2), 2.0)});
  const torch::Tensor w = torch::tensor({3.0f, 1.0f});
  EXPECT_NEAR(focal_loss(logits, targets, 2.0, w).item<double>(),
              ((3 * row_means[0] + row_means[1]) / 4).item<double>(), 1e-6);
  // Equal weights: the plain mean.
  EXPECT_NEAR(focal_loss(logits, targets, 2.0, torch::tensor({2.0f, 2.0f})).item<double>(),
              focal_loss(logits, targets, 2.0).item<double>(), 1e-6);

  // Positives: sample 0 product 0, sample 1 products 1 and 2; every product a negative.
  const torch::Tensor sample = torch::tensor({0, 1, 1}, torch::kInt64);
  const torch::Tensor positive = torch::tensor({0, 1, 2}, torch::kInt64);
  const torch::Tensor all = torch::arange(3, torch::kInt64);
  auto one = [&](int64_t i) {
    return sampled_softmax_loss(logits, sample.slice(0, i, i + 1), positive.slice(0, i, i + 1), all)
        .item<double>();
  };
  // Each positive weighs its sample's weight: (3 a + b + c) / 5.
  EXPECT_NEAR(sampled_softmax_loss(logits, sample, positive, all, w).item<double>(),
              (3 * one(0) + one(1) + one(2)) / 5, 1e-6);
  // A sample of weight 0 drops out.
  EXPECT_NEAR(sampled_softmax_loss(logits, sample, positive, all, torch::tensor({0.0f, 1.0f}))
                  .item<double>(),
              (one(1) + one(2)) / 2, 1e-6);
}

TEST(Losses, QuantityIsPoissonOnExtraUnits) {
  const torch::Tensor log_rate = torch::tensor({0.0f, static_cast<float>(std::log(2.0))});
  const torch::Tensor quantity = torch::tensor({1.0f, 3.0f});  // 0 and 2 units beyond the first
  const double expected = ((1.0 - 0.0) + (2.0 - 2.0 * std::log(2.0))) / 2;
  EXPECT_NEAR(quantity_loss(log_rate, quantity).item<double>(), expected, 1e-6);
}

TEST(Losses, StoreVisitSmoothsLabelsAndWeightsClasses) {
  const torch::Tensor logits = torch::tensor({{1.0f, 0.0f, 0.0f}});
  const double z = std::exp(1.0) + 2.0;
  const double nll0 = -std::log(std::exp(1.0) / z), nll1 = -std::log(1.0 / z);
  const double smoothed = 0.9 * nll0 + 0.1 * (nll0 + 2 * nll1) / 3;
  EXPECT_NEAR(store_visit_loss(logits, torch::tensor({0}, torch::kInt64), {}, 0.1).item<double>(),
              smoothed, 1e-6);
  const torch::Tensor two = torch::tensor({{1.0f, 0.0f, 0.0f}, {1.0f, 0.0f, 0.0f}});
  const double weighted = (2 * nll0 + 1 * nll1) / 3;
  EXPECT_NEAR(store_visit_loss(two, torch::tensor({0, 1}, torch::kInt64),
                               torch::tensor({2.0f, 1.0f, 1.0f}), 0.0)
                  .item<double>(),
              weighted, 1e-6);
}

TEST(Losses, StoreClassWeightsAreInverseSquareRootFrequencies) {
  const std::vector<float> w = store_class_weights({100, 25, 0});
  EXPECT_NEAR(w[0], 2.0 / 3, 1e-6);
  EXPECT_NEAR(w[1], 4.0 / 3, 1e-6);
  EXPECT_NEAR(w[2], 4.0 / 3, 1e-6);
}

}  // namespace
}  // namespace retailsim::model
