// The world model's LibTorch modules (internal to the model stage and its tests): batches as
// tensors, the Mamba block, the history encoder, the basket model and the store-visit model.
// 1.13's transformer layers take [T, B, D]; the modules here take and return batch-first tensors
// and transpose at the layer boundary, so they compile against LibTorch 1.13 and 2.x alike.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <span>

#include "model/model.h"
#include "prepare/prepare.h"

namespace retailsim::model {

// Price features [n_products, kPriceFeatures] of every product at (store, week).
using PriceFn = std::function<std::span<const float>(int32_t store, int32_t week)>;

// A prepare::Batch as tensors (ids int64, masks bool, features float32).
struct BatchTensors {
  int64_t size = 0;
  torch::Tensor t1, t3, t5, t6;  // [B, 192], [B, 64], [B, 96], [B, 48]
  torch::Tensor store;           // [B] the target's store
  // The most recent history baskets (at most max_history): flat items and per-basket offsets
  // (for embedding_bag), then [B, H] views: which basket (n_history = the zero row), valid,
  // weeks before the target (clipped), store.
  torch::Tensor history_items, history_offsets;
  torch::Tensor history_index, history_valid, history_gap, history_store;
  torch::Tensor history_size;  // [B, H] log1p(items) of each history basket (0 for padding)
  // Personal history of candidate products: sample, product, features [n_repeat, 8].
  torch::Tensor repeat_sample, repeat_product, repeat_features;
  // Input basket [B, S]: true and masked-input product ids (pad and [MASK] as embedding rows
  // n_products + 1 and n_products), real-item and masked flags, T2 [B, S, 256], T4 [B, S, 64].
  torch::Tensor item_product, input_product, attention_mask, masked, t2, t4;
  // Next-basket target as (sample, product, quantity) triples.
  torch::Tensor target_sample, target_product, target_quantity;
  torch::Tensor next_store;  // [B] store-visit target (n_stores = no trip)
  // Store-visit: the customer's earlier trips as (sample, store, trips) triples, and [B, 2]
  // their weeks with a trip after the first and without one (prepare::Batch::trip_weeks).
  torch::Tensor visit_sample, visit_store, visit_trips, trip_weeks;
  torch::Tensor basket_size, price_sensitivity, mission_type, mission_focus;  // [B], -1 unknown
  // [B, n_basket_sizes + n_price_sensitivities + n_mission_types + n_mission_focuses]: how often
  // each label came up in the customer's earlier baskets (prepare::Batch::history_labels);
  // undefined when the batch has none (masked-basket batches).
  torch::Tensor history_labels;
  torch::Tensor price_features;  // [B, n_products, 3]; undefined: regular prices everywhere

  // Multi-hot [B, n_products] of the next-basket targets.
  torch::Tensor target_multi_hot(int64_t n_products) const;
  BatchTensors to(const torch::Device& device) const;
};

// Converts a batch; `prices` (may be empty) gives the target week's candidate price features.
BatchTensors to_tensors(const prepare::Batch& batch, const ModelConfig& config,
                        const PriceFn& prices = {});

// Mamba (Gu & Dao 2023): a selective state-space block with input-dependent step, B and C,
// a causal depthwise convolution and a gated output; sequential scan over the (short) history.
// Input and output [B, L, D]; pre-norm residual.
class MambaBlockImpl : public torch::nn::Module {
 public:
  MambaBlockImpl(int64_t d_model, int64_t d_state, int64_t expand, int64_t conv_width);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  int64_t d_inner_, d_state_, dt_rank_, conv_width_;
  torch::nn::LayerNorm norm_{nullptr};
  torch::nn::Linear in_proj_{nullptr}, x_proj_{nullptr}, dt_proj_{nullptr}, out_proj_{nullptr};
  torch::nn::Conv1d conv_{nullptr};
  torch::Tensor a_log_, d_skip_;
};
TORCH_MODULE(MambaBlock);

// The history encoder chosen by config: transformer encoder layers or Mamba blocks.
// x [B, L, D], padding [B, L] (true = padding) -> [B, L, D].
class HistoryEncoderImpl : public torch::nn::Module {
 public:
  explicit HistoryEncoderImpl(const ModelConfig& config);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& padding);

 private:
  bool mamba_ = false;
  torch::nn::TransformerEncoder transformer_{nullptr};
  torch::nn::ModuleList mamba_blocks_{nullptr};
};
TORCH_MODULE(HistoryEncoder);

// Signed price coefficients of each shopper [B, kScoreFeatures] (model.h lists the features),
// for products new to them and for products they bought before.
struct PriceCoefficients {
  torch::Tensor explore, repeat;
};

struct BasketOutputs {
  torch::Tensor product_logits;  // [B, n_products]
  torch::Tensor user;            // [B, D] the customer's next-trip vector
  torch::Tensor basket_size, price_sensitivity, mission_type, mission_focus;  // logits
};

// The basket model: history baskets (pooled product vectors + gap and store context) and a
// customer token (T1, T3, T5) encoded, then learned queries cross-attend to them through a
// transformer decoder into the user vector. Product score = explore score (user . product + bias)
// for products new to the customer, repeat score (an MLP over the personal history features and
// the explore score) for products bought before; plus the sign-constrained price term for all.
class BasketModelImpl : public torch::nn::Module {
 public:
  explicit BasketModelImpl(const ModelConfig& config);
  BasketOutputs forward(const BatchTensors& batch);
  // Masked-basket objective: logits [n_masked, n_products] of the masked items' true products.
  torch::Tensor masked_logits(const BatchTensors& batch);
  // Price term [B, n_products] alone (the sign-constrained part of the scores): per product
  // sum_k<kScoreFeatures features_k x coefficient_k x price_scale_k(product), with the repeat
  // coefficients of the shopper for (repeat_sample, repeat_product) pairs (undefined: none).
  torch::Tensor price_term(const torch::Tensor& user, const torch::Tensor& price_features,
                           const torch::Tensor& repeat_sample = {},
                           const torch::Tensor& repeat_product = {});
  PriceCoefficients price_coefficients(const torch::Tensor& user);
  // Per product [n_products, kScoreFeatures], positive: how strongly it responds to each feature.
  torch::Tensor price_scale();
  // Log Poisson rate of (quantity - 1) for products `product` of samples `sample`: a part linear
  // in [user, product vector], plus quantity_price_coefficients() . (promotion flag, depth) when
  // the pairs' price features [n, kPriceFeatures] are given.
  torch::Tensor quantity_log_rate(const torch::Tensor& user, const torch::Tensor& sample,
                                  const torch::Tensor& product,
                                  const torch::Tensor& price_features = {});
  torch::Tensor quantity_price_coefficients();  // [2] positive: promotion flag, depth
  // Product vectors [n_products, D] and biases [n_products] used by the scores.
  torch::Tensor product_vectors() const;
  torch::Tensor product_bias() const { return product_bias_; }
  // product_price_scale "group" or "group-both": each product's sub-commodity, 0 ..
  // n_product_groups - 1 (set
  // before training; the checkpoint keeps it). Throws Error on a size or range mismatch.
  void set_product_groups(const std::vector<int64_t>& group);
  torch::Tensor user_projection(const torch::Tensor& user) { return user_proj_->forward(user); }
  const ModelConfig& config() const { return config_; }

 private:
  torch::Tensor context_token(const BatchTensors& batch);
  ModelConfig config_;
  int64_t n_products_;
  torch::nn::Embedding items_{nullptr}, gaps_{nullptr}, stores_{nullptr};
  torch::nn::Linear context_{nullptr}, t2_proj_{nullptr}, t4_proj_{nullptr}, user_proj_{nullptr},
      size_proj_{nullptr};
  torch::nn::LayerNorm user_norm_{nullptr};
  HistoryEncoder history_encoder_{nullptr};
  torch::nn::TransformerEncoder item_encoder_{nullptr};
  torch::nn::TransformerDecoder decoder_{nullptr};
  torch::nn::Sequential repeat_{nullptr};
  torch::nn::Linear repeat_linear_{nullptr};  // starts as log1p(count): personal top-frequency
  // Raw price coefficients per user (made positive) for new and for repeat products, and the
  // product's raw scale from its vector plus a free per-product part.
  torch::nn::Linear price_coef_{nullptr}, repeat_price_coef_{nullptr}, price_scale_{nullptr};
  torch::nn::Linear quantity_{nullptr};
  torch::nn::Linear size_head_{nullptr}, sensitivity_head_{nullptr}, type_head_{nullptr},
      focus_head_{nullptr};
  torch::Tensor queries_, product_bias_, price_scale_bias_, quantity_price_;
  // product_price_scale "group" / "group-both": the products' sub-commodities and each one's raw
  // own-price scale [n_groups] / raw scales of both prices [n_groups, kScoreFeatures].
  torch::Tensor product_group_, group_own_scale_;
  // label_history: per head, [n_classes, n_classes] from the log shares of the customer's
  // earlier labels to the head's logits (undefined for a head without classes).
  std::array<torch::Tensor, 4> label_prior_;
};
TORCH_MODULE(BasketModel);

// The configuration a checkpoint was trained with (model.json beside it).
ModelConfig config_of(const fs::path& checkpoint);

// The trained world model's members (member_checkpoints: models/world/, then member-<k>/), each
// with its own configuration, in eval mode. Ranking, prediction and the simulator average what
// they predict. Throws Error when there is none or one was trained on another catalogue.
struct WorldMembers {
  std::vector<BasketModel> models;
  std::vector<ModelConfig> configs;
  std::vector<fs::path> checkpoints;
  std::vector<ProbabilityCalibration> calibrations;  // each member's (the identity if none)
  size_t size() const { return models.size(); }
  // Member m's calibrated logits of its product logits: slope * logits + offset.
  torch::Tensor calibrated_logits(size_t m, const torch::Tensor& logits) const;
  // The ensemble's probabilities from each member's product logits (one tensor per member, same
  // shape): the sigmoid of the members' mean calibrated logit (on the demo the same, to 0.0002
  // NDCG@10, as the mean of their calibrated probabilities).
  torch::Tensor probabilities(const std::vector<torch::Tensor>& member_logits) const;
};
WorldMembers load_world_members(const fs::path& data_dir, int32_t n_products);

// The store-visit model: MLP over T1, T3, the previous store and the input basket's summary (T6)
// -> logits over n_stores + 1 outcomes (the last: no trip this week).
//
// Training weights the outcomes (class weights w) and smooths the labels (epsilon), so the softmax
// of the logits is not the outcome distribution: at the loss's optimum it is proportional to
// w_c ((1 - epsilon) p_c + epsilon / K). probabilities() undoes both (the weights travel with the
// model as the buffer "outcome_weights"), which the simulator needs: its trips go to stores in
// these proportions.
class StoreVisitModelImpl : public torch::nn::Module {
 public:
  explicit StoreVisitModelImpl(const ModelConfig& config);
  torch::Tensor forward(const BatchTensors& batch);
  // [B, n_stores + 1] outcome probabilities with the training's weights and smoothing undone.
  torch::Tensor probabilities(const BatchTensors& batch);
  void set_outcome_weights(const torch::Tensor& weights);
  const torch::Tensor& outcome_weights() const { return outcome_weights_; }
  // The shares behind the personal estimate from the training samples' outcome counts
  // [n_stores + 1] (trips by store, no trip last), each store's with 0.1 added.
  void set_outcome_shares(const std::vector<int64_t>& counts);
  // [B, n_stores + 1] the customer's own estimate, visit-personal's in docs/evaluation.md:
  // P(no trip) = (empty + 2 g0) / (trip + empty + 2) over their weeks with and without a trip,
  // P(s) = (1 - P(no trip)) (n_s + g_s) / (n + 1) over their n trips, n_s of them to s, g the
  // shares above. The scores are log(w (1 - eps) p + w eps / K) (the outcome weights w and the
  // label smoothing eps the loss uses) plus what the network adds, which starts at 0: an
  // untrained model's probabilities() are this estimate.
  torch::Tensor personal_probabilities(const BatchTensors& batch) const;

 private:
  double label_smoothing_;
  torch::nn::Embedding previous_store_{nullptr};
  torch::nn::Sequential mlp_{nullptr};
  torch::Tensor outcome_weights_;
  // The personal estimate the scores start from (personal_probabilities): each store's share of
  // the training samples' trips and the no-trip share, set from the training outcomes.
  torch::Tensor store_share_, no_trip_share_;
  torch::Tensor last_weight_;  // x [the last trip's store], starting at 0
  torch::Tensor t3_mask_;      // [64] 1 for the T3 dims read (ModelConfig::visit_calendar)
};
TORCH_MODULE(StoreVisitModel);

// The outcome distribution behind softmax outputs q [B, K] of a model trained with class weights
// w [K] and label smoothing epsilon: p_c = max(0, r_c / sum r - epsilon / K) / (1 - epsilon) with
// r = q / w, renormalised (exact when q is the weighted, smoothed loss's optimum).
torch::Tensor undo_outcome_weighting(const torch::Tensor& q, const torch::Tensor& weights,
                                     double label_smoothing);

}  // namespace retailsim::model
