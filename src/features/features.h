// Public surface of the features stage: the temporal split, pseudo-brands (layer 1), the price
// encoding (layer 2), customer history (layer 4) and store context (layer 5), all fitted on the
// training weeks only.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/manifest.h"
#include "derive/derive.h"

namespace retailsim {
class Store;
}

namespace retailsim::features {

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------------
// Configuration: the [features] section. Field comments are the user docs (docs/features.md).
// ---------------------------------------------------------------------------------------------

// Layer 3, GraphSAGE over the training product graph; TOML keys are `graph_<field>`.
struct GraphEmbeddingConfig {
  int dims = 256;                 // embedding size (T2 takes 256)
  int hidden_dims = 256;          // first layer's output size
  int epochs = 5;                 // passes over the training edges
  int batch_edges = 512;          // positive edges per optimiser step
  int neighbours_1 = 10;          // neighbours sampled per node for layer 1 (all when fewer)
  int neighbours_2 = 5;           // ... for layer 2
  int negatives = 5;              // negative nodes per positive edge, drawn by degree^0.75
  double learning_rate = 0.01;    // Adam
  double holdout_fraction = 0.1;  // undirected edges held out for graph_link_auc
  int neighbours_report = 10;     // nearest neighbours of neighbour_same_subcommodity
  // LibTorch threads of the training (0: the run's --threads). One by default: the per-step
  // matrices of a product graph are small, so more threads mostly add synchronisation, and one
  // thread gives the same bytes whatever --threads is.
  int threads = 1;
  uint64_t seed = 42;  // set from the run's seed

  Json to_json() const;
  static GraphEmbeddingConfig from_json(const Json& j);  // the keys of to_json()
  void validate() const;
};

struct FeaturesConfig {
  // Shares of the data weeks in train and validation; the test split takes the rest. The
  // defaults are the seeds' 1-80 / 81-95 / 96-117 on 117 weeks.
  double train_fraction = 80.0 / 117.0;
  double val_fraction = 15.0 / 117.0;
  // Customer history: trips at which a customer's own behaviour fully replaces the segment mean
  // (blend weight = min(1, trips / cold_start_trips)).
  int cold_start_trips = 20;
  // Pseudo-brands: products of one sub-commodity whose distance is below 1 are joined.
  // Distance = |ln price_a - ln price_b| / price_scale + substitute_penalty (when the training
  // graph has a substitute edge a-b) - complement_bonus (when it has a complement edge a-b).
  double price_scale = 0.15;
  double substitute_penalty = 0.5;
  double complement_bonus = 0.25;
  uint64_t seed = 42;  // store identity vectors; set from --seed / [run] seed
  GraphEmbeddingConfig graph;

  static FeaturesConfig from_section(const Section& section, uint64_t seed);
  Json to_json() const;
  void validate() const;
};

// ---------------------------------------------------------------------------------------------
// Splits
// ---------------------------------------------------------------------------------------------
enum Split : int8_t { kTrain = 0, kVal = 1, kTest = 2 };

// Week counts of each split on n_weeks data weeks:
//   n_train = round_half_up(n_weeks * train_fraction), clamped to [1, n_weeks - 2];
//   n_train + n_val = round_half_up(n_weeks * (train_fraction + val_fraction)), clamped to
//   [n_train + 1, n_weeks - 1]; n_test = the rest. Needs n_weeks >= 3.
struct SplitWeeks {
  int32_t n_weeks = 0;
  int32_t n_train = 0;
  int32_t n_val = 0;
  int32_t n_test = 0;
  int32_t val_begin() const { return n_train; }
  int32_t test_begin() const { return n_train + n_val; }
  Split split_of(int32_t week) const {
    return week < n_train ? kTrain : (week < test_begin() ? kVal : kTest);
  }
};
SplitWeeks split_weeks(int32_t n_weeks, double train_fraction, double val_fraction);

// Per customer (week of each customer's baskets in time order, CSR): the week of the first
// basket (-1: none) and whether that week is a test week (cold-start customer).
struct CustomerSplit {
  std::vector<int32_t> first_week;
  std::vector<uint8_t> cold_start;
};
CustomerSplit customer_split(std::span<const int64_t> customer_offsets,
                             std::span<const int32_t> basket_week_of_position,
                             const SplitWeeks& weeks);

// ---------------------------------------------------------------------------------------------
// Layer 1: pseudo-brands
// ---------------------------------------------------------------------------------------------

// Adjusted Rand index of two labelings of the same items (Hubert & Arabie). 1 for identical
// partitions up to renaming; about 0 for independent ones. Items with a negative label in either
// labeling are left out. 1 when both partitions are trivial (fewer than 2 items, or one cluster
// and all singletons equal).
double adjusted_rand_index(std::span<const int32_t> a, std::span<const int32_t> b);

// Inputs per product: sub-commodity, training price (NaN: not sold in training weeks) and the
// training graph's complement and substitute edges (CSR by product, any direction).
struct PseudoBrandInputs {
  std::span<const int32_t> product_cl;
  std::span<const float> price;
  std::span<const uint64_t> complement_offsets;
  std::span<const int32_t> complement_target;
  std::span<const uint64_t> substitute_offsets;
  std::span<const int32_t> substitute_target;
};
struct PseudoBrands {
  std::vector<int32_t> id;        // -1: product not sold in the training weeks
  std::vector<float> confidence;  // (silhouette + 1) / 2 within its sub-commodity; 0 when id -1
  int32_t n_pseudo_brands = 0;
};
// Average-linkage clustering within each sub-commodity, joined while the distance < 1; ids
// numbered by sub-commodity, then by the cluster's lowest product id.
PseudoBrands pseudo_brands(const PseudoBrandInputs& inputs, const FeaturesConfig& config);

// ---------------------------------------------------------------------------------------------
// Layers 4 and 5: vector layouts (docs/features.md lists every dimension)
// ---------------------------------------------------------------------------------------------
inline constexpr int kCustomerDims = 160;
inline constexpr int kSegmentDims = 64;    // [0, 64)
inline constexpr int kBehaviourDims = 96;  // [64, 160)
inline constexpr int kStoreDims = 96;
inline constexpr int kFormatDims = 16;       // [0, 16)
inline constexpr int kRegionDims = 32;       // [16, 48)
inline constexpr int kOperationalDims = 32;  // [48, 80)
inline constexpr int kIdentityDims = 16;     // [80, 96)

struct CustomerHistory {
  std::vector<float> vectors;  // [n_customers, 160]
  std::vector<int32_t> training_trips;
  std::vector<float> blend_weight;  // min(1, trips / cold_start_trips)
};
struct StoreContext {
  std::vector<float> vectors;  // [n_stores, 96]
};

// Per training row: the promotion flag and discount depth of its (product, store, week) cell in
// the price table fitted on the training rows; empty when unknown.
struct TrainingPromotions {
  std::vector<uint8_t> row_promo;
  std::vector<float> row_depth;
  std::vector<uint8_t> row_bin;  // derive::DiscountBin
};

// Both from the store's training prefix: rows [0, n_train_rows) and baskets [0, n_train_baskets).
CustomerHistory customer_history(const Store& store, const SplitWeeks& weeks,
                                 int32_t first_week_index, uint64_t n_train_rows,
                                 uint64_t n_train_baskets, const TrainingPromotions& promotions,
                                 const FeaturesConfig& config);
StoreContext store_context(const Store& store, const SplitWeeks& weeks, int32_t first_week_index,
                           uint64_t n_train_rows, uint64_t n_train_baskets,
                           std::span<const float> product_price,
                           const TrainingPromotions& promotions, const FeaturesConfig& config);

// ---------------------------------------------------------------------------------------------
// Layer 2: Fourier price encoding, 64-d per (product, store, week), computed on the fly
// ---------------------------------------------------------------------------------------------
inline constexpr int kPriceDims = 64;
inline constexpr int kPriceFourierDims = 24;   // [0, 24)
inline constexpr int kPriceLogDims = 16;       // [24, 40)
inline constexpr int kPriceRelativeDims = 16;  // [40, 56)
inline constexpr int kPriceVelocityDims = 8;   // [56, 64)

// Training-week statistics the encoding is relative to (features/price_encoding/), fitted on the
// observed cells of the price table of the training weeks: log prices are ln(cents per unit).
struct PriceEncodingStats {
  double log_price_mean = 0;  // over all observed training cells
  double log_price_sd = 1;
  int32_t n_stores = 0;
  int32_t n_categories = 0;  // sub-commodities (PROD_CODE_10)
  // Per product. Products unsold in the training weeks take their sub-commodity's level (else the
  // next level up, else the global mean): product_sold says which.
  std::vector<uint8_t> product_sold;
  std::vector<float> product_log_price;  // mean log price of its training cells
  std::vector<float> product_log_min;
  std::vector<float> product_log_max;
  std::vector<float> product_tier;  // rank of its log price within its sub-commodity, in [0, 1]
  std::vector<int32_t> product_category;          // sub-commodity id
  std::vector<float> product_level_log_price[4];  // mean log price of its CL, DEP, G and D level
  // Store price index: mean over a store's training cells of (log price - product log price),
  // overall and per (store, sub-commodity) [n_stores, n_categories] (the store's index where the
  // store sold nothing of the sub-commodity).
  std::vector<float> store_index;
  std::vector<float> store_category_index;
};

// Fits the statistics on `training_table` (the price table of the training weeks only).
// `product_parents[k]` is the level-k parent id of each product (k = 0: CL ... 3: D).
PriceEncodingStats fit_price_encoding(const derive::PriceTable& training_table,
                                      const std::span<const int32_t> product_parents[4]);
// Writes/reads the statistics' files (docs/features.md) in `dir`.
std::vector<std::string> write_price_encoding(const PriceEncodingStats& stats, const fs::path& dir);
PriceEncodingStats read_price_encoding(const fs::path& dir);

// The 64-d encoding of any (product, store, week) from the price table of all weeks
// (derived/prices/) and the training statistics. Only the prices of weeks <= the cell's week are
// read. Weeks are data weeks (0 = the first week of the store, as in features/splits/). Every
// value is finite and within [-1, 1]; docs/features.md lists each dimension.
class PriceEncoder {
 public:
  // derived/prices/ (run `retailsim derive`) and features/price_encoding/ (run
  // `retailsim features`) of a dataset folder. Throws Error naming what is missing.
  static PriceEncoder open(const fs::path& data_dir);
  PriceEncoder(derive::PriceTable table, PriceEncodingStats stats);

  // Writes kPriceDims floats to out. Thread-safe (const, no shared scratch). Ids must be in range.
  void encode(int32_t product, int32_t store, int32_t week, float* out) const;
  // encode() for n cells into out[n, 64].
  void encode_many(std::span<const int32_t> product, std::span<const int32_t> store,
                   std::span<const int32_t> week, float* out) const;

  int32_t n_products() const { return table_.dims.n_products; }
  int32_t n_stores() const { return table_.dims.n_stores; }
  int32_t n_weeks() const { return table_.dims.n_weeks; }
  const PriceEncodingStats& stats() const { return stats_; }

 private:
  derive::PriceTable table_;
  PriceEncodingStats stats_;
};

// The materialised encodings of the given cells: writes a [n, 64] float32 .npy (atomically).
void write_price_encodings(const PriceEncoder& encoder, std::span<const int32_t> product,
                           std::span<const int32_t> store, std::span<const int32_t> week,
                           const fs::path& path);

// ---------------------------------------------------------------------------------------------
// Layer 3: graph embeddings, 256-d per product (GraphSAGE in LibTorch, the retailsim_torch module)
// ---------------------------------------------------------------------------------------------

// Initial node features: hashed one-hots of the four hierarchy levels and the pseudo-brand, and
// price and popularity statistics (docs/features.md lists them).
inline constexpr int kGraphFeatureDims = 152;

// The product graph as GraphSAGE reads it: initial features [n_products, kGraphFeatureDims] and
// the training complement edges, undirected, as CSR (each edge from both ends).
struct GraphInputs {
  std::vector<float> features;
  std::vector<int64_t> offsets;  // n_products + 1
  std::vector<int32_t> targets;
};
// `product_parents[k]`: level-k parent of each product; pseudo-brand ids (-1: none); the price
// encoding statistics give the price features, graph.product_baskets the popularity.
GraphInputs graph_inputs(const derive::ProductGraph& graph,
                         const std::span<const int32_t> product_parents[4],
                         std::span<const int32_t> pseudo_brand, const PriceEncodingStats& prices);

// Share of each product's k nearest neighbours by cosine (rows of `embeddings`, [n, dims]) that
// share its sub-commodity, averaged over products with a non-zero row; and the chance rate (the
// mean share of other products in the same sub-commodity).
struct NeighbourAgreement {
  double share = 0;
  double chance = 0;
};
NeighbourAgreement neighbour_same_subcommodity(std::span<const float> embeddings, int dims,
                                               std::span<const int32_t> category, int k);

// The torch job "features.graph_embeddings" (runs inside the retailsim_torch module). Arguments:
// {"dir": folder holding node_features.npy [n, F], edge_offsets.npy, edge_targets.npy;
//  "config": GraphEmbeddingConfig::to_json()}. Writes <dir>/embeddings.npy float32 [n, dims],
// rows L2-normalised, and returns {"graph_link_auc", "train_edges", "heldout_edges",
// "epoch_loss": [...], "seconds"}.
Json graph_embeddings_job(const Json& args);

// ---------------------------------------------------------------------------------------------
// The stage: <data>/store/ -> <data>/features/<part>/ and features/report.json
// ---------------------------------------------------------------------------------------------
inline constexpr const char* kPartNames[] = {"splits",        "pseudo_brands",  "customer_history",
                                             "store_context", "price_encoding", "graph_embeddings"};

struct FeaturesOptions {
  fs::path data_dir;
  bool force = false;
  FeaturesConfig config;
  // Prices and the product graph are refitted on the training weeks with derive's algorithms
  // and this config (derived/ covers every week, test weeks included).
  derive::DeriveConfig derive_config;
  // The torch module (graph embeddings) runs with this many threads (0: LibTorch's default),
  // loaded from torch_module_dir (empty: beside the running binary); its logs follow quiet.
  int n_threads = 0;
  fs::path torch_module_dir;
  bool quiet = false;
  // false: leave out layer 3 (no LibTorch), for tests that bring their own embeddings.
  bool graph_embeddings = true;
};

struct PartResult {
  std::string part;
  bool skipped = false;
  double seconds = 0;
  Json counts = Json::object();
};
struct FeaturesSummary {
  std::vector<PartResult> parts;
  Json report = Json::object();
  double seconds = 0;
  Json to_json() const;
};

// Builds every part whose inputs or config changed (all with force), each written atomically into
// features/<part>/ with its manifest.json, then features/report.json. Throws Error when there is
// no store or fewer than 3 data weeks.
FeaturesSummary features_stage(const FeaturesOptions& options);

}  // namespace retailsim::features
