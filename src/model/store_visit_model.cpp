// The store-visit model: which store a customer visits next, or no trip this week.
#include "model/modules.h"

namespace retailsim::model {

namespace {
constexpr int64_t kStoreEmbeddingDims = 16;
}

StoreVisitModelImpl::StoreVisitModelImpl(const ModelConfig& config) {
  const int64_t n_outcomes = config.n_stores + 1;
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

}  // namespace retailsim::model
