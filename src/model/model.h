// Public surface of the model stage: the world model's configuration (basket model, store-visit
// model, losses), the torch-free price features of candidate products and checkpoint lookup, and
// the torch jobs that the CLI runs through run_torch_job() ("model.train", "model.predict"). The
// LibTorch modules themselves live in retailsim_model_torch (modules.h, internal) and run only
// inside the retailsim_torch module.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/manifest.h"

namespace retailsim::derive {
struct PriceTable;
struct PriceConfig;
}  // namespace retailsim::derive

namespace retailsim::model {

// Weights of the losses of the next-basket objective (0 switches one off). Defaults follow the
// seeds (focal 0.6, co-purchase contrastive 0.2, auxiliary heads 0.2) plus the softmax of the full
// product scores (docs/decisions.md: without it the model ranked below global top-frequency).
struct LossWeights {
  double focal = 0.6;
  double contrastive = 0.2;
  double auxiliary = 0.2;
  double sampled_softmax = 1.0;
  double bce = 0.0;
  double quantity = 0.1;  // Poisson count loss of the chosen products' quantities
  double masked = 1.0;    // masked-basket cross-entropy (masked-basket batches)
};

// [model]: sizes of the basket and store-visit models and their losses.
struct ModelConfig {
  std::string encoder = "transformer";  // history encoder: "transformer" or "mamba"
  // Which price features get a learned scale: "relative" (per product: substitution strength
  // differs by product; the response to the product's own price is the shopper's), "group" (the
  // relative price per product, the own price per sub-commodity, PROD_CODE_10: products of one
  // sub-commodity share how their shoppers take their own price), "group-both" (both prices per
  // sub-commodity), "both" (each per product) or "none" (docs/decisions.md has the
  // measurements). Checkpoints from before the key: "both".
  std::string product_price_scale = "group";
  // 1: a repeat product's score also sees how the other shoppers buy it in the training weeks
  // (Batch::repeat_features 8: the share of its buyers who bought it again); 0: the customer's
  // own history of it only, as checkpoints from before the key.
  int64_t product_habits = 1;
  // 1 (needs product_habits = 1): a repeat product's score also sees how the target's store sells
  // it (Batch::repeat_features 9: its training-week baskets with the product against those
  // expected, the customer's own left out), so a product bought elsewhere that this store does
  // not stock falls. 0, the default (as checkpoints from before the key): the simulator scores a
  // shopper at one store a week, and with 1 its inventory baseline's sim-to-real gap left its
  // target (docs/decisions.md).
  int64_t store_lift = 0;
  // 1: each auxiliary head (basket size, price sensitivity, mission type and focus) adds a learned
  // linear map of the log shares of its labels among the customer's earlier baskets
  // (Batch::history_labels) to its logits, starting as the shares themselves; 0: the heads read the
  // user vector only, as checkpoints from before the key.
  int64_t label_history = 1;
  // 1: the auxiliary heads' training loss weighs each label by how much rarer it is among the
  // next-basket targets than among all baskets (label_shift_weights in src/model/tasks.h: targets
  // need min_target_items products); 0: every label weighs 1, as checkpoints from before the key.
  int64_t label_reweight = 1;
  // p: each next-basket training sample weighs n^-p in the product losses (focal, sampled
  // softmax), n the number of its customer's training samples, normalised to a mean of 1 over the
  // training samples (customer_sample_weights in src/model/tasks.h). 0: every sample weighs 1
  // (a basket's weight: heavy shoppers dominate); 1: every customer weighs the same, as the
  // evaluation's one case per customer does. Checkpoints from before the key: 0.
  double customer_weight = 0.0;
  int64_t d_model = 64;        // width of every hidden vector
  int64_t n_heads = 4;         // attention heads (d_model must divide by it)
  int64_t encoder_layers = 2;  // history encoder depth
  int64_t decoder_layers = 2;  // cross-attention decoder depth
  int64_t n_queries = 4;       // learned decoder queries pooled into the user vector
  int64_t feedforward = 128;   // transformer feed-forward width
  int64_t mamba_state = 16;    // Mamba: state size N per channel
  int64_t mamba_expand = 2;    // Mamba: inner width = expand * d_model
  int64_t mamba_conv = 4;      // Mamba: causal depthwise convolution width
  double dropout = 0.1;
  int64_t max_history = 16;    // most recent history baskets the encoder sees
  int64_t max_gap_weeks = 64;  // gaps of history baskets to the target week are clipped here
  double focal_gamma = 2.0;
  double contrastive_temperature = 0.2;
  int64_t n_negatives = 4096;    // sampled-softmax negatives (>= n_products: all of them)
  double label_smoothing = 0.1;  // store-visit cross-entropy
  int64_t store_hidden = 128;    // store-visit MLP width
  // Whether the store-visit model reads T3's calendar blocks (week of the year, holidays,
  // season): "on", "off", or "auto" (on when the training weeks span a full year, 52 weeks or
  // more; training stores the resolved value). Learnt from less than a year they extrapolate to
  // weeks of the year never seen (docs/decisions.md). Its trend block is never read (it runs past
  // the training weeks' range), its recency block always. Checkpoints from before the key: "on".
  std::string visit_calendar = "auto";
  LossWeights loss;
  // World model: members trained with seeds seed, seed + 1, ... (member_dir); ranking, prediction
  // and the simulator average them. Not part of a member's own configuration (to_json).
  int64_t ensemble = 1;

  // Filled from the data, not the config: vocabulary sizes.
  int32_t n_products = 0;
  int32_t n_stores = 0;
  int32_t n_basket_sizes = 0;  // classes of each auxiliary head (the store's dictionaries)
  int32_t n_price_sensitivities = 0;
  int32_t n_mission_types = 0;
  int32_t n_mission_focuses = 0;
  int32_t n_product_groups = 0;  // sub-commodities (PROD_CODE_10) of the products

  // Reads [model]; unknown keys and bad values are errors naming the key.
  static ModelConfig from_section(const Section& section);
  Json to_json() const;
  static ModelConfig from_json(const Json& j);
  void validate() const;
};

// Target-week price features of every candidate product, kPriceFeatures per product, from which
// the basket model's sign-constrained price term scores it:
//   0  relative: log(actual / reference) minus its mean over the product's sub-commodity
//      (PROD_CODE_10) at the same store and week, weighted (`price_features()`: by units over
//      the training weeks plus one), the price against its substitutes';
//   1  own: log(actual / reference);
//   2  promotion flag;
//   3  promotion depth (1 - actual / base; 0 without a promotion).
// The product's score takes the first kScoreFeatures (the two prices) through positive
// coefficients: a lower own price can only raise it, a cheaper substitute only lower it (feature
// 0), and a price change shared by the whole sub-commodity moves feature 1 only, so substitution
// does not count as demand. A promotion enters the score through its price; its flag and depth
// drive the quantity head (promotions add units). In the score they cannot be told apart from
// the price (on promotion depth = 1 - exp(own)), and the training data show no depth slope to
// separate them: with the flag in the score it took the whole promotion response and left a
// shelf price change almost no effect (docs/decisions.md has the measurements).
// reference = the median over the training weeks of the product's base price in the store's
// format-region group (derive's waterfall: else its format's that week; over all stores where
// neither priced it; over every week where the training weeks never priced it): a fixed regular
// price, so that regular price changes move the features as promotions do. A product without any
// price counts as at its reference and not promoted. docs/decisions.md has the measurements.
inline constexpr int kPriceFeatures = 4;
inline constexpr int kScoreFeatures = 2;  // relative and own price

class PriceFeatures {
 public:
  // `sub_commodity` gives each product's group (any dense ids, one per product of the table);
  // the base prices of data weeks [0, reference_weeks) make the references (the training weeks,
  // so that no later price shapes a feature; <= 0 or beyond the table: every week).
  // `weight` (per product, > 0; empty: all 1) weighs each product in its sub-commodity's mean
  // own price, the level the relative feature is taken against.
  PriceFeatures(std::shared_ptr<const derive::PriceTable> table, std::vector<int32_t> sub_commodity,
                const derive::PriceConfig& config, int32_t reference_weeks,
                std::vector<float> weight = {});

  int32_t n_products() const { return static_cast<int32_t>(sub_commodity_.size()); }
  const derive::PriceTable& table() const { return *table_; }
  // The fixed regular price of (product, store); NaN where the product was never priced.
  float reference(int32_t product, int32_t store) const;

  // The features [n_products * kPriceFeatures] at (store, data week) from the derived table
  // (training, ranking); every product regular where (store, week) is outside the table.
  std::vector<float> at(int32_t store, int32_t week) const;
  // The prices the table gives at (store, week): per product the actual price (NaN: none) and
  // the promotion depth (0: no promotion).
  void table_prices(int32_t store, int32_t week, std::span<float> actual,
                    std::span<float> promo_depth) const;
  // The features from given prices of every product at `store` (as table_prices gives them).
  void from_prices(int32_t store, std::span<const float> actual, std::span<const float> promo_depth,
                   std::span<float> out) const;

 private:
  std::shared_ptr<const derive::PriceTable> table_;
  std::vector<int32_t> sub_commodity_;
  std::vector<float> weight_;      // per product: its weight in its sub-commodity's level
  std::vector<float> group_size_;  // total weight per sub-commodity
  std::vector<float> reference_;   // [n_products, n_groups] (format-region groups)
  std::shared_ptr<const derive::PriceConfig> config_;
};

// The checkpoint of a trained model: <data>/models/<which>/best.pt, else latest.pt; empty when
// there is neither. require_checkpoint throws Error naming the folder and the train command.
fs::path find_checkpoint(const fs::path& data_dir, const std::string& which);
fs::path require_checkpoint(const fs::path& data_dir, const std::string& which);
// An ensemble's members: member 0 is <data>/models/<which>/, member k >= 1 its subfolder
// member-<k>/. member_checkpoints lists member 0's checkpoint (require_checkpoint) and then each
// further member's best.pt, up to the first member without one.
fs::path member_dir(const fs::path& data_dir, const std::string& which, int member);
std::vector<fs::path> member_checkpoints(const fs::path& data_dir, const std::string& which);

// Platt scaling of the world model's product probabilities: p = sigmoid(slope * logit + offset).
// The losses that rank well (focal with gamma 2, the sampled softmax) leave the sigmoid of a logit
// far above the rate at which the product is bought (on the four real weeks a listed product of
// predicted 0.96 was in 11% of the target baskets), so after training the world model fits the
// two numbers on the validation split (docs/model.md, "Calibration"); ranking and prediction
// report calibrated probabilities. Monotone for slope > 0: one model's ranking is unchanged.
struct ProbabilityCalibration {
  double slope = 1.0, offset = 0.0;                // the identity: the plain sigmoid
  int64_t pairs = 0, positives = 0;                // the (logit, label) pairs fitted on
  double log_loss_before = 0, log_loss_after = 0;  // mean over the pairs
  Json to_json() const;
  static ProbabilityCalibration from_json(const Json& j);
};
// The maximum-likelihood slope and offset of labels (0/1) given logits: Newton's method with step
// halving, from the identity. Without both a positive and a negative label, or when the fit does
// not give a positive slope, the identity (with the counts and log loss filled in).
ProbabilityCalibration fit_platt(std::span<const float> logits, std::span<const uint8_t> labels);
// <checkpoint folder>/calibration.json, written after training; read_calibration gives the
// identity (and `found` false) for a model trained before it existed.
inline constexpr const char* kCalibrationFile = "calibration.json";
void write_calibration(const fs::path& checkpoint_dir, const ProbabilityCalibration& calibration);
ProbabilityCalibration read_calibration(const fs::path& checkpoint_dir, bool* found = nullptr);

// What a store-visit model's inputs are, kept in its model.json ("store_visit_inputs"): T3 of the
// target week. A model trained before the key had the target trip's date, weekday and hour in T3,
// which tell a trip from no trip (docs/decisions.md): `run` retrains it (its metadata differs),
// and store_visit_inputs_current warns about it and returns false.
inline constexpr const char* kStoreVisitInputs = "t3 of the target week";
bool store_visit_inputs_current(const fs::path& checkpoint);

// Torch jobs (registered in src/torch/torch_module.cpp). Arguments and results are documented in
// docs/model.md.
Json train_job(const Json& args);    // "model.train"
Json predict_job(const Json& args);  // "model.predict"
Json rank_job(const Json& args);     // "model.rank": the evaluation cases, for `evaluate`
// "model.rank_visits": the store-visit model scores evaluate's store-visit cases
// (reports/visit_cases/) into reports/visit_rankings/store-visit/.
Json rank_visits_job(const Json& args);

// The market simulator's "world-model" demand source (sim::register_demand_source): the trained
// store-visit and basket models of <data>/models/. Idempotent; the torch module calls it before
// every job. docs/sim.md describes the source.
void register_world_model_demand();
// "sim.simulate": `retailsim simulate` inside the module, where "world-model" is registered.
// Arguments: data_dir, scenario (file), seed, and the optional overrides source, mode, seeds,
// weeks; result: report (counterfactual.json's content), report_path, seconds, customer_weeks.
Json simulate_job(const Json& args);

}  // namespace retailsim::model
