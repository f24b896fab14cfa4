// The store-visit model: which store a customer visits next, or no trip this week.
#include "core/error.h"
#include "model/modules.h"

namespace retailsim::model {

namespace {
constexpr int64_t kStoreEmbeddingDims = 16;
}

StoreVisitModelImpl::StoreVisitModelImpl(const ModelConfig& config)
    : label_smoothing_(config.label_smoothing) {
  const int64_t n_outcomes = config.n_stores + 1;
  outcome_weights_ = register_buffer("outcome_weights", torch::ones({n_outcomes}));
  previous_store_ =
      register_module("previous_store", torch::nn::Embedding(n_outcomes, kStoreEmbeddingDims));
  const int64_t inputs =
      prepare::kT1Dims + prepare::kT3Dims + prepare::kT6Dims + kStoreEmbeddingDims;
  mlp_ = register_module(
      "mlp", torch::nn::Sequential(torch::nn::Linear(inputs, config.store_hidden),
                                   torch::nn::ReLU(), torch::nn::Dropout(config.dropout),
                                   torch::nn::Linear(config.store_hidden, config.store_hidden),
                                   torch::nn::ReLU(), torch::nn::Dropout(config.dropout),
                                   torch::nn::Linear(config.store_hidden, n_outcomes)));
}

torch::Tensor StoreVisitModelImpl::forward(const BatchTensors& batch) {
  torch::Tensor previous = previous_store_->forward(batch.store);
  return mlp_->forward(torch::cat({batch.t1, batch.t3, batch.t6, previous}, 1));
}

torch::Tensor StoreVisitModelImpl::probabilities(const BatchTensors& batch) {
  return undo_outcome_weighting(torch::softmax(forward(batch), 1), outcome_weights_,
                                label_smoothing_);
}

void StoreVisitModelImpl::set_outcome_weights(const torch::Tensor& weights) {
  if (weights.dim() != 1 || weights.size(0) != outcome_weights_.size(0))
    fail("store-visit model: {} outcome weights for {} outcomes", weights.numel(),
         outcome_weights_.size(0));
  if (!(weights.min().item<float>() > 0)) fail("store-visit model: outcome weights must be > 0");
  torch::NoGradGuard no_grad;
  outcome_weights_.copy_(weights.to(outcome_weights_.device(), torch::kFloat));
}

torch::Tensor undo_outcome_weighting(const torch::Tensor& q, const torch::Tensor& weights,
                                     double label_smoothing) {
  const int64_t k = q.size(1);
  torch::Tensor r = q / weights.to(q.device()).unsqueeze(0);
  r = r / r.sum(1, true);
  torch::Tensor p = torch::clamp_min(r - label_smoothing / static_cast<double>(k), 0.0);
  const torch::Tensor total = p.sum(1, true);
  // A row the smoothing floor empties entirely (no outcome above epsilon / K) keeps r.
  return torch::where(total > 0, p / total.clamp_min(1e-30), r);
}

}  // namespace retailsim::model
