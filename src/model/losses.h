// The world model's losses (internal to the model stage; each selectable and weighted by
// [model] loss_*): focal, multi-label BCE, sampled softmax, co-purchase contrastive, auxiliary
// cross-entropy, Poisson quantity and the store-visit cross-entropy.
#pragma once

#include <torch/torch.h>

#include <vector>

namespace retailsim::model {

// Focal loss (Lin et al. 2017) over independent sigmoids: mean of -(1 - p_t)^gamma log p_t, where
// p_t is the probability given to the true label of each (sample, product).
// `sample_weights` [B], when defined, weighs each sample's row (weighted mean over rows).
torch::Tensor focal_loss(const torch::Tensor& logits, const torch::Tensor& targets, double gamma,
                         const torch::Tensor& sample_weights = {});

// Mean binary cross-entropy over every (sample, product).
torch::Tensor multilabel_bce_loss(const torch::Tensor& logits, const torch::Tensor& targets);

// Sampled softmax: for each positive (sample, product), cross-entropy of the positive's score
// against the scores of the `negatives` product ids (shared by the batch) in the same sample's row
// of `logits` [B, n_products] (the full product scores: embedding, repeat and price terms). A
// negative equal to the positive is masked out. Mean over positives; 0 without positives. With
// every product as a negative this is the full multi-positive softmax. `sample_weights` [B], when
// defined, weighs each positive by its sample's weight (weighted mean over positives).
torch::Tensor sampled_softmax_loss(const torch::Tensor& logits, const torch::Tensor& sample,
                                   const torch::Tensor& positive, const torch::Tensor& negatives,
                                   const torch::Tensor& sample_weights = {});

// Co-purchase contrastive (InfoNCE): anchor i should be closer (cosine / temperature) to its
// co-purchased partner i than to the other anchors' partners. Mean over pairs; 0 without pairs.
torch::Tensor contrastive_loss(const torch::Tensor& anchors, const torch::Tensor& partners,
                               double temperature);

// Co-purchase pairs of the target baskets: consecutive products of each sample's target list.
// Returns {first, second} product ids.
std::pair<torch::Tensor, torch::Tensor> copurchase_pairs(const torch::Tensor& target_sample,
                                                         const torch::Tensor& target_product);

// Sum over heads of the mean cross-entropy over samples with a known label (label >= 0); a head
// without known labels adds 0. `class_weights[h]`, when given and as long as the head's classes,
// weighs head h's samples by their label (the weighted mean of torch's cross_entropy).
torch::Tensor auxiliary_loss(const std::vector<torch::Tensor>& logits,
                             const std::vector<torch::Tensor>& labels,
                             const std::vector<torch::Tensor>& class_weights = {});

// Poisson negative log-likelihood of counts (quantity - 1 >= 0) under log rates. Mean.
torch::Tensor quantity_loss(const torch::Tensor& log_rate, const torch::Tensor& quantity);

// Cross-entropy with label smoothing and class weights (the store-visit objective).
torch::Tensor store_visit_loss(const torch::Tensor& logits, const torch::Tensor& next_store,
                               const torch::Tensor& class_weights, double label_smoothing);

}  // namespace retailsim::model
