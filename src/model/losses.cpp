// The world model's losses.
#include "model/losses.h"

namespace retailsim::model {

torch::Tensor focal_loss(const torch::Tensor& logits, const torch::Tensor& targets, double gamma,
                         const torch::Tensor& sample_weights) {
  torch::Tensor log_p = torch::nn::functional::logsigmoid(logits);
  torch::Tensor log_not_p = torch::nn::functional::logsigmoid(-logits);
  torch::Tensor log_pt = targets * log_p + (1 - targets) * log_not_p;
  torch::Tensor pt = torch::exp(log_pt);
  torch::Tensor cells = -torch::pow(1 - pt, gamma) * log_pt;
  if (!sample_weights.defined()) return cells.mean();
  return (cells.mean(1) * sample_weights).sum() / torch::clamp_min(sample_weights.sum(), 1e-12);
}

torch::Tensor multilabel_bce_loss(const torch::Tensor& logits, const torch::Tensor& targets) {
  return torch::binary_cross_entropy_with_logits(logits, targets);
}

torch::Tensor sampled_softmax_loss(const torch::Tensor& logits, const torch::Tensor& sample,
                                   const torch::Tensor& positive, const torch::Tensor& negatives,
                                   const torch::Tensor& sample_weights) {
  if (positive.numel() == 0) return torch::zeros({}, logits.options());
  torch::Tensor rows = logits.index_select(0, sample);        // [M, N]
  torch::Tensor pos = rows.gather(1, positive.unsqueeze(1));  // [M, 1]
  torch::Tensor neg = rows.index_select(1, negatives);        // [M, K]
  neg = neg.masked_fill(negatives.unsqueeze(0) == positive.unsqueeze(1), -1e9);
  torch::Tensor nll = -torch::log_softmax(torch::cat({pos, neg}, 1), 1).select(1, 0);
  if (!sample_weights.defined()) return nll.mean();
  torch::Tensor w = sample_weights.index_select(0, sample);
  return (nll * w).sum() / torch::clamp_min(w.sum(), 1e-12);
}

torch::Tensor contrastive_loss(const torch::Tensor& anchors, const torch::Tensor& partners,
                               double temperature) {
  if (anchors.size(0) == 0) return torch::zeros({}, anchors.options());
  torch::Tensor a = torch::nn::functional::normalize(
      anchors, torch::nn::functional::NormalizeFuncOptions().dim(1));
  torch::Tensor p = torch::nn::functional::normalize(
      partners, torch::nn::functional::NormalizeFuncOptions().dim(1));
  torch::Tensor logits = torch::matmul(a, p.t()) / temperature;
  torch::Tensor labels =
      torch::arange(a.size(0), torch::TensorOptions().dtype(torch::kInt64).device(a.device()));
  return torch::nn::functional::cross_entropy(logits, labels);
}

std::pair<torch::Tensor, torch::Tensor> copurchase_pairs(const torch::Tensor& target_sample,
                                                         const torch::Tensor& target_product) {
  if (target_sample.numel() < 2) {
    torch::Tensor empty = torch::zeros({0}, target_product.options());
    return {empty, empty};
  }
  torch::Tensor same = target_sample.slice(0, 1) == target_sample.slice(0, 0, -1);
  torch::Tensor first = target_product.slice(0, 0, -1).index({same});
  torch::Tensor second = target_product.slice(0, 1).index({same});
  return {first, second};
}

torch::Tensor auxiliary_loss(const std::vector<torch::Tensor>& logits,
                             const std::vector<torch::Tensor>& labels,
                             const std::vector<torch::Tensor>& class_weights) {
  torch::Tensor total = torch::zeros({}, logits.front().options());
  for (size_t h = 0; h < logits.size(); ++h) {
    torch::Tensor known = (labels[h] >= 0) & (labels[h] < logits[h].size(1));
    if (!known.any().item<bool>()) continue;
    auto options = torch::nn::functional::CrossEntropyFuncOptions();
    if (h < class_weights.size() && class_weights[h].defined() &&
        class_weights[h].size(0) == logits[h].size(1))
      options.weight(class_weights[h]);
    total = total + torch::nn::functional::cross_entropy(logits[h].index({known}),
                                                         labels[h].index({known}), options);
  }
  return total;
}

torch::Tensor quantity_loss(const torch::Tensor& log_rate, const torch::Tensor& quantity) {
  if (log_rate.numel() == 0) return torch::zeros({}, log_rate.options());
  torch::Tensor counts = torch::clamp_min(quantity - 1, 0);
  return torch::poisson_nll_loss(log_rate, counts, /*log_input=*/true, /*full=*/false, 1e-8,
                                 at::Reduction::Mean);
}

torch::Tensor store_visit_loss(const torch::Tensor& logits, const torch::Tensor& next_store,
                               const torch::Tensor& class_weights, double label_smoothing) {
  auto options = torch::nn::functional::CrossEntropyFuncOptions().label_smoothing(label_smoothing);
  if (class_weights.defined()) options.weight(class_weights);
  return torch::nn::functional::cross_entropy(logits, next_store, options);
}

}  // namespace retailsim::model
