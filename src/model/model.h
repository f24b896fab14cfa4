// Public surface of the model stage: the world model's configuration (basket model, store-visit
// model, losses), the torch-free price features of candidate products, and the torch jobs that
// the CLI runs through run_torch_job() ("model.train", "model.predict"). The LibTorch modules
// themselves live in retailsim_model_torch (modules.h, internal) and run only inside the
// retailsim_torch module.
#pragma once

#include <cstdint>
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
  int64_t d_model = 64;                 // width of every hidden vector
  int64_t n_heads = 4;                  // attention heads (d_model must divide by it)
  int64_t encoder_layers = 2;           // history encoder depth
  int64_t decoder_layers = 2;           // cross-attention decoder depth
  int64_t n_queries = 4;                // learned decoder queries pooled into the user vector
  int64_t feedforward = 128;            // transformer feed-forward width
  int64_t mamba_state = 16;             // Mamba: state size N per channel
  int64_t mamba_expand = 2;             // Mamba: inner width = expand * d_model
  int64_t mamba_conv = 4;               // Mamba: causal depthwise convolution width
  double dropout = 0.1;
  int64_t max_history = 16;    // most recent history baskets the encoder sees
  int64_t max_gap_weeks = 64;  // gaps of history baskets to the target week are clipped here
  double focal_gamma = 2.0;
  double contrastive_temperature = 0.2;
  int64_t n_negatives = 4096;    // sampled-softmax negatives (>= n_products: all of them)
  double label_smoothing = 0.1;  // store-visit cross-entropy
  int64_t store_hidden = 128;    // store-visit MLP width
  LossWeights loss;

  // Filled from the data, not the config: vocabulary sizes.
  int32_t n_products = 0;
  int32_t n_stores = 0;
  int32_t n_basket_sizes = 0;  // classes of each auxiliary head (the store's dictionaries)
  int32_t n_price_sensitivities = 0;
  int32_t n_mission_types = 0;
  int32_t n_mission_focuses = 0;

  // Reads [model]; unknown keys and bad values are errors naming the key.
  static ModelConfig from_section(const Section& section);
  Json to_json() const;
  static ModelConfig from_json(const Json& j);
  void validate() const;
};

// Target-week price features of one candidate product: log(price / base price) (0 where no
// price is known), the promotion flag and the discount depth (1 - price / base, >= 0).
inline constexpr int kPriceFeatures = 3;

// Price features [n_products, 3] of every product at (store, week) from the derived price table
// (its waterfall fills cells without an observed price). Products without any price get zeros:
// "regular price, no promotion".
std::vector<float> candidate_price_features(const derive::PriceTable& table, int32_t store,
                                            int32_t week, const derive::PriceConfig& config);

// Torch jobs (registered in src/torch/torch_module.cpp). Arguments and results are documented in
// docs/model.md.
Json train_job(const Json& args);    // "model.train"
Json predict_job(const Json& args);  // "model.predict"
Json rank_job(const Json& args);     // "model.rank": the evaluation cases, for `evaluate`

// The market simulator's "world-model" demand source (sim::register_demand_source): the trained
// store-visit and basket models of <data>/models/. Idempotent; the torch module calls it before
// every job. docs/sim.md describes the source.
void register_world_model_demand();
// "sim.simulate": `retailsim simulate` inside the module, where "world-model" is registered.
// Arguments: data_dir, scenario (file), seed, and the optional overrides source, mode, seeds,
// weeks; result: report (counterfactual.json's content), report_path, seconds, customer_weeks.
Json simulate_job(const Json& args);

}  // namespace retailsim::model
