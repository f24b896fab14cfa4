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
  // The last layer starts at zero, so an untrained model gives the personal estimate
  // (personal_probabilities) and training learns what to change in it.
  {
    torch::NoGradGuard no_grad;
    auto last = mlp_->ptr<torch::nn::LinearImpl>(6);
    last->weight.zero_();
    last->bias.zero_();
  }
  store_share_ = register_buffer(
      "store_share",
      torch::cat({torch::full({config.n_stores},
                              1.0 / static_cast<double>(std::max<int32_t>(1, config.n_stores))),
                  torch::zeros({1})}));
  no_trip_share_ = register_buffer("no_trip_share", torch::full({1}, 0.5));
  last_weight_ = register_parameter("last_weight", torch::zeros({1}));
  // T3 (docs/prepare.md): 0-15 week of the year, 16-31 weekday and hour (always 0 in store-visit
  // samples), 32-39 holidays, 40-47 season, 48-55 trend, 56-63 recency.
  torch::Tensor mask = torch::zeros({prepare::kT3Dims});
  if (config.visit_calendar != "off") mask.slice(0, 0, 48).fill_(1);
  mask.slice(0, 56, 64).fill_(1);
  t3_mask_ = register_buffer("t3_mask", mask);
}

void StoreVisitModelImpl::set_outcome_shares(const std::vector<int64_t>& counts) {
  const int64_t k = outcome_weights_.size(0);
  if (static_cast<int64_t>(counts.size()) != k)
    fail("store-visit model: {} outcome counts for {} outcomes", counts.size(), k);
  std::vector<double> share(static_cast<size_t>(k), 0.0);
  double trips = 0, total = 0;
  for (int64_t s = 0; s + 1 < k; ++s) {
    share[static_cast<size_t>(s)] = static_cast<double>(std::max<int64_t>(0, counts[s])) + 0.1;
    trips += share[static_cast<size_t>(s)];
  }
  for (int64_t s = 0; s + 1 < k; ++s) share[static_cast<size_t>(s)] /= trips;
  for (int64_t c : counts) total += static_cast<double>(std::max<int64_t>(0, c));
  const double no_trip =
      total > 0 ? static_cast<double>(std::max<int64_t>(0, counts.back())) / total : 0.5;
  torch::NoGradGuard no_grad;
  store_share_.copy_(torch::tensor(share, torch::kFloat64).to(store_share_.options()));
  no_trip_share_.fill_(no_trip);
}

torch::Tensor StoreVisitModelImpl::personal_probabilities(const BatchTensors& batch) const {
  const int64_t k = store_share_.size(0);
  const int64_t b = batch.t1.size(0);
  const auto options = store_share_.options();
  torch::Tensor trips = torch::zeros({b, k}, options);
  torch::Tensor weeks = torch::zeros({b, 2}, options);
  if (batch.visit_sample.defined() && batch.visit_sample.numel() > 0)
    trips.index_put_({batch.visit_sample, batch.visit_store.clamp(0, k - 2)},
                     batch.visit_trips.to(options), true);
  if (batch.trip_weeks.defined()) weeks = batch.trip_weeks.to(options);
  const torch::Tensor n = trips.sum(1, true);
  const torch::Tensor trip = weeks.select(1, 0).unsqueeze(1);
  const torch::Tensor empty = weeks.select(1, 1).unsqueeze(1);
  const torch::Tensor no_trip = (empty + 2 * no_trip_share_) / (trip + empty + 2);
  const torch::Tensor stores = (1 - no_trip) * (trips + store_share_.unsqueeze(0)) / (n + 1);
  return torch::cat({stores.slice(1, 0, k - 1), no_trip}, 1);
}

torch::Tensor StoreVisitModelImpl::forward(const BatchTensors& batch) {
  torch::Tensor previous = previous_store_->forward(batch.store);
  const torch::Tensor logits =
      mlp_->forward(torch::cat({batch.t1, batch.t3 * t3_mask_, batch.t6, previous}, 1));
  const int64_t k = logits.size(1);
  // The personal estimate in the loss's weighted, smoothed space (its optimum), so that
  // probabilities() of an untrained model give it back; the last trip's store (the input
  // basket's) gets last_weight on top.
  const torch::Tensor start = torch::log(
      outcome_weights_.unsqueeze(0) * ((1 - label_smoothing_) * personal_probabilities(batch) +
                                       label_smoothing_ / static_cast<double>(k)) +
      1e-12);
  const torch::Tensor last =
      torch::one_hot(batch.store.clamp(0, k - 2), k).to(logits.scalar_type());
  return logits + start + last_weight_ * last;
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
