// The world model's training tasks (internal): the basket model on masked-basket and next-basket
// batches with the configured loss mix, and the store-visit model; each a train::TrainTask.
#pragma once

#include "model/modules.h"
#include "train/trainer.h"

namespace retailsim::model {

// "auto": CUDA when this LibTorch build has it and a GPU is visible, else CPU. Throws Error for
// "cuda" without CUDA and for unknown names.
torch::Device choose_device(const std::string& name);

// The price features of the data's products: its derived price table, PROD_CODE_10 as the
// sub-commodity, references from the training weeks. Throws Error when the table does not match
// the store.
PriceFeatures price_features(const fs::path& data_dir, const prepare::TensorSources& sources);
// Candidate price features by (store, calendar week) from the derived price table, cached per
// cell visited (the target week's prices of every product, as training sees them).
PriceFn price_function(const fs::path& data_dir, const prepare::TensorSources& sources);

// Trips per week of a shopper at `week` (calendar index) for the world-model demand source:
// baskets of week v before `week` weigh kTripDecay^(week - 1 - v), over the same weights of the
// weeks since their first basket, so recent weeks count more and a shopper who stopped coming
// fades out. `baskets` in time order, at least one before `week`.
inline constexpr double kTripDecay = 0.7;
double decayed_trip_rate(const Store& store, std::span<const int32_t> baskets, int32_t week);
// Observed over predicted (decayed_trip_rate) trips of the training weeks from the 9th on, every
// customer with an earlier basket: the share of shoppers who stop coming, which no history shows
// in advance. 1 when nothing was predicted.
double trip_calibration(const Store& store, const prepare::SplitInfo& split);
// Where a shopper's trip goes: the store-visit model's distribution `row` (scope stores, then
// elsewhere) taken as a Dirichlet prior worth `prior` trips, updated with the shopper's past
// trips by store `trips` (same layout): row_s = (trips_s + prior row_s) / (sum trips + prior).
// Grocery store choice is habitual and the shopper's own counts locate it far better than the
// model alone (docs/decisions.md); a shopper with no history keeps the model's row.
inline constexpr double kStoreHistoryPrior = 1.0;
void blend_store_history(std::span<float> row, std::span<const float> trips, double prior);

// Ranking figures of next-basket logits against the targets: sums over samples (divide by
// "samples"): recall@10, ndcg@10, hit@10.
Json ranking_sums(const torch::Tensor& logits, const BatchTensors& batch, int64_t k = 10);

// Class weights of the auxiliary heads against the label shift of the next-basket targets: a
// target needs [prepare] min_target_items products, so one-line baskets (nearly all small ones)
// are rarely or never targets, while the shopper's next basket can be anything. Per attribute
// (Batch::history_labels' order) and label: the label's share among every training-split basket
// that follows an earlier one of its customer (the masked-basket rows with a history) over its
// share among the next-basket training targets, clamped to [0.1, 10]; 1 for a label no target
// has. Empty vectors for an attribute without labels.
std::array<std::vector<float>, 4> label_shift_weights(const Store& store,
                                                      const prepare::Samples& next_basket,
                                                      std::span<const int64_t> next_rows,
                                                      const prepare::Samples& masked,
                                                      std::span<const int64_t> masked_rows);

// Weight of each customer's next-basket training samples ([model] customer_weight = power):
// n^-power for a customer with n of the `rows`, scaled so that the rows' weights average 1;
// indexed by customer id (1 for a customer without rows).
std::vector<float> customer_sample_weights(const prepare::Samples& samples,
                                           std::span<const int64_t> rows, double power);

class BasketTask : public train::TrainTask {
 public:
  BasketTask(const ModelConfig& config, PriceFn prices, torch::Device device = torch::kCPU);
  torch::nn::Module& module() override { return *model_; }
  torch::Tensor loss(const prepare::Batch& batch, std::map<std::string, double>& parts) override;
  // "loss": the mean next-basket focal + auxiliary loss (masked batches: their cross-entropy),
  // plus recall@10, ndcg@10 and basket-size accuracy of next-basket batches.
  Json validate(train::BatchSource& source, int64_t max_batches) override;
  // Checkpoints are picked by ranking, not by the loss: on long histories the loss keeps falling
  // for epochs after ndcg@10 peaked (docs/decisions.md).
  std::string default_monitor() const override { return "ndcg@10"; }
  BasketModel& model() { return model_; }
  BatchTensors tensors(const prepare::Batch& batch) const;
  // Platt scaling (model.h) of the model as it is, fitted on the next-basket batches of `source`
  // (its first max_batches, 0 = all; a validation split): the top_k logits of each sample whose
  // target is its week's first trip (no history basket in the target's week) against whether
  // the product is in that basket; the products whose probabilities ranking and prediction
  // report.
  ProbabilityCalibration fit_calibration(train::BatchSource& source, int64_t max_batches,
                                         int64_t top_k = 50);
  // Weights of the auxiliary heads' labels in the training loss (label_shift_weights); none
  // set: every label weighs 1.
  void set_label_weights(const std::array<std::vector<float>, 4>& weights);
  // Weight of each customer's next-basket samples in the product losses (indexed by customer id);
  // none set: every sample weighs 1.
  void set_customer_weights(std::vector<float> weights) { customer_weights_ = std::move(weights); }

 private:
  torch::Tensor next_basket_loss(const BatchTensors& t, const torch::Tensor& sample_weights,
                                 std::map<std::string, double>& parts);
  torch::Tensor masked_loss(const BatchTensors& t);
  ModelConfig config_;
  PriceFn prices_;
  torch::Device device_;
  BasketModel model_;
  std::vector<torch::Tensor> label_weights_;  // per head; undefined: uniform
  std::vector<float> customer_weights_;       // per customer id; empty: uniform
};

class StoreVisitTask : public train::TrainTask {
 public:
  // class_weights: [n_stores + 1] (empty: uniform).
  StoreVisitTask(const ModelConfig& config, std::vector<float> class_weights,
                 torch::Device device = torch::kCPU);
  torch::nn::Module& module() override { return *model_; }
  torch::Tensor loss(const prepare::Batch& batch, std::map<std::string, double>& parts) override;
  // "loss" plus accuracy, top3, top5, top10 and mrr of the next store.
  Json validate(train::BatchSource& source, int64_t max_batches) override;
  StoreVisitModel& model() { return model_; }

 private:
  ModelConfig config_;
  torch::Device device_;
  torch::Tensor class_weights_;
  StoreVisitModel model_;
};

// Inverse-square-root frequency weights of the store-visit outcomes (mean 1 over the classes
// seen; unseen classes get the largest weight).
std::vector<float> store_class_weights(const std::vector<int64_t>& counts);

}  // namespace retailsim::model
