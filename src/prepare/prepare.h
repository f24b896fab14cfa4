// Public surface of the prepare stage: samples (masked-basket, next-basket, store-visit) split by
// the target's week, the T1-T6 model inputs, the batcher (bucketing by basket length, BERT-style
// masking) and the prefetching loader. Torch-free: batches are plain row-major float/int arrays
// that model code wraps with torch::from_blob, and that `retailsim export tensors` writes as .npy.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "core/config.h"
#include "core/dataset.h"
#include "core/manifest.h"
#include "core/npy.h"

namespace retailsim::prepare {

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------------
// Tensor widths (docs/prepare.md lists every dimension)
// ---------------------------------------------------------------------------------------------
inline constexpr int kT1Dims = 192;  // customer: static 64 + history 96 + affinity 32
inline constexpr int kT2Dims = 256;  // product: graph embedding
inline constexpr int kT3Dims = 64;   // temporal: week 16 + weekday 8 + hour 8 + holiday 8 +
                                     // season 8 + trend 8 + recency 8
inline constexpr int kT4Dims = 64;   // price: Fourier 24 + log-price 16 + relative 16 + velocity 8
inline constexpr int kT5Dims = 96;   // store context
inline constexpr int kT6Dims = 48;   // trip: mission type 16 + focus 16 + price sens. 8 + size 8
inline constexpr int kRepeatDims = 10;         // one product bought before (see Batch::repeat_*)
inline constexpr int kPersonalRepeatDims = 8;  // of which the customer's own history

enum class SampleKind : int8_t { kMaskedBasket = 0, kNextBasket = 1, kStoreVisit = 2 };

// Item tokens: ids >= 0 are product ids; kPadToken marks padding; the [MASK] token is the id
// n_products (one past the last product), so an embedding table has n_products + 1 rows.
inline constexpr int32_t kPadToken = -1;

// One batch of B samples of one kind. Arrays are row-major; [B, S] means index b * S + s.
// Per-item arrays are padded to S = max_items, the longest input basket in the batch.
struct Batch {
  SampleKind kind = SampleKind::kMaskedBasket;
  int32_t size = 0;       // B
  int32_t max_items = 0;  // S

  // Per sample [B]. `basket` is the input basket (the one T2/T4 describe); `week`, `store` the
  // target's week index and store (store-visit: the input basket's store). Ids are store ids.
  std::vector<int64_t> sample_index;  // row of the sample in samples/<kind>/
  std::vector<int32_t> customer, store, week, basket;
  std::vector<uint8_t> cold_start;  // 1: the customer's first basket is in the test weeks

  std::vector<float> t1;  // [B, 192]; cold-start customers: segment-only (behaviour blended out)
  std::vector<float> t3;  // [B, 64] of the target's time
  std::vector<float> t5;  // [B, 96] of `store`
  std::vector<float> t6;  // [B, 48] of the input basket

  // Input basket items [B, S]
  std::vector<int32_t> item_product;    // product id; kPadToken past the basket's length
  std::vector<int32_t> input_product;   // after masking: product, [MASK] or a random product
  std::vector<uint8_t> attention_mask;  // 1: a real item
  std::vector<uint8_t> masked;          // 1: chosen for prediction (15%; never padding)
  std::vector<float> t2;  // [B, S, 256] embedding of input_product (0 for [MASK], pad)
  std::vector<float> t4;  // [B, S, 64] price encoding of item_product at (store, week)

  // Next-basket target (kNextBasket), CSR over samples: target_offsets [B + 1].
  std::vector<int64_t> target_offsets;
  std::vector<int32_t> target_product;
  std::vector<float> target_quantity;

  // Store-visit target (kStoreVisit) [B]: the next store id, or n_stores for "no trip that week".
  std::vector<int32_t> next_store;

  // Customer history before the target (next-basket, store-visit): the most recent baskets,
  // oldest first. history_offsets [B + 1] into history baskets; history_item_offsets
  // [n_history + 1] into history_product. history_week is a basket's calendar week, history_gap
  // the observed weeks from it to the target's week (observed_week_positions: a week missing
  // from the data does not count).
  std::vector<int64_t> history_offsets;
  std::vector<int32_t> history_week, history_store, history_gap;
  std::vector<int64_t> history_item_offsets;
  std::vector<int32_t> history_product;

  // Personal history of every product the customer bought before the target (all earlier
  // baskets, not only the recent ones): repeat_offsets [B + 1] into repeat_product and
  // repeat_features [n_repeat, 10] = purchase count, log1p(count), share of trips with it, weeks
  // since last purchase, log1p of that, mean inter-purchase interval (weeks), its coefficient of
  // variation, weeks since last / mean interval (how due it is); then how the other shoppers buy
  // it (ProductHabits, the customer's own baskets left out): 8 the share of its buyers in the
  // training weeks who bought it again; 9 how the target's store sells it (StoreProductCounts,
  // the customer's own baskets left out): log((baskets with it + 1) / (expected + 1)).
  std::vector<int64_t> repeat_offsets;
  std::vector<int32_t> repeat_product;
  std::vector<float> repeat_features;

  // Store-visit samples: the customer's trips before the target week by store (all of their
  // earlier baskets): visit_offsets [B + 1] into visit_store (ascending store ids) and
  // visit_trips (trips to that store); trip_weeks [B, 2]: the weeks with a trip after the first
  // one and the weeks without one (within max_gap_weeks of the previous trip; weeks without any
  // basket in the store not counted) before the target week. The store-visit model starts from
  // these (the visit-personal estimate of docs/evaluation.md).
  std::vector<int64_t> visit_offsets;
  std::vector<int32_t> visit_store;
  std::vector<float> visit_trips;
  std::vector<float> trip_weeks;

  // Auxiliary labels of the target basket [B]; -1 when unknown. Values are the store's
  // dictionary ids of BASKET_SIZE, BASKET_PRICE_SENSITIVITY, BASKET_TYPE, BASKET_DOMINANT_MISSION.
  std::vector<int8_t> basket_size, price_sensitivity, mission_type, mission_focus;

  // How often each of those labels came up in the customer's baskets before the target (all of
  // them, next-basket and store-visit samples) [B, label_values(store)]: one block per attribute
  // in the order above, each as long as the store's dictionary; unknown labels are not counted.
  std::vector<float> history_labels;
};

// The number of values of each basket attribute (BASKET_SIZE, BASKET_PRICE_SENSITIVITY,
// BASKET_TYPE, BASKET_DOMINANT_MISSION): the sizes of the store's dictionaries, the blocks of
// Batch::history_labels.
std::array<int32_t, 4> label_values(const Store& store);
// The store's columns of those four labels, in the same order.
std::array<const Column<int8_t>*, 4> label_columns(const Store& store);

// ---------------------------------------------------------------------------------------------
// Configuration: the [prepare] section. Field comments are the user docs (docs/prepare.md).
// ---------------------------------------------------------------------------------------------
struct PrepareConfig {
  // Next-basket pairs: the target basket needs at least this many products and must come at most
  // this many weeks after the input basket. A store-visit sample's week without a trip comes at
  // most this many weeks after the customer's previous trip.
  int min_target_items = 2;
  int max_gap_weeks = 12;
  // Batch::history_*: the customer's most recent baskets before the target.
  int history_baskets = 10;
  // Items of an input basket kept (the first ones in row order); longer baskets are truncated.
  int max_items = 64;
  int batch_size = 256;
  // BERT-style masking of masked-basket samples: share of items chosen, and of the chosen ones
  // the share replaced by [MASK] and by a random product (the rest are kept as they are).
  double mask_rate = 0.15;
  double mask_token_share = 0.8;
  double random_token_share = 0.1;
  // Training-split masked-basket and next-basket samples leave out every basket on the customer's
  // last shopping date (as input of a masked-basket sample, as target of a next-basket one): that
  // date is the customer's reality-check target, so a model trained on these samples has seen
  // none of those targets, whichever customers a reality-check split tests (docs/prepare.md).
  // Store-visit samples keep them. false: every basket, as samples from before the key.
  bool hold_out_last_date = true;
  uint64_t seed = 42;  // shuffling and masking; set from --seed / [run] seed

  static PrepareConfig from_section(const Section& section, uint64_t seed);
  Json to_json() const;
  void validate() const;
};

inline constexpr const char* kSampleKindNames[] = {"masked_basket", "next_basket", "store_visit"};
const char* kind_name(SampleKind kind);
// "masked_basket" / "masked", "next_basket" / "next", "store_visit" / "store-visit"...; throws
// Error naming the accepted values otherwise.
SampleKind parse_kind(const std::string& name);

// ---------------------------------------------------------------------------------------------
// Samples: samples/<kind>/*.npy, one row per sample (docs/prepare.md lists every column)
// ---------------------------------------------------------------------------------------------
struct SampleColumns {
  std::vector<int32_t> customer;
  std::vector<int32_t> input_basket;   // store basket index of the input basket
  std::vector<int32_t> target_basket;  // -1: none (masked: the input; store-visit: no trip)
  std::vector<int32_t> week;           // calendar week index of the target
  std::vector<int8_t> split;           // features::Split of `week`
  std::vector<int16_t> gap_weeks;      // target week - input basket week (masked: 0)
  std::vector<int32_t> history_count;  // the customer's baskets before the target
  std::vector<int32_t> next_store;     // store-visit: next store, n_stores = no trip; else -1
  std::vector<int16_t> n_items;        // input basket length, capped at max_items
  size_t size() const { return customer.size(); }
};

struct SampleSet {
  SampleColumns masked_basket, next_basket, store_visit;
};

// The customer's position in the week split. The week numbers here are calendar week indices
// (Store::basket_week_index); data week 0 is `first_week_index`.
struct SplitInfo {
  int32_t first_week_index = 0;
  int32_t n_weeks = 0, val_begin = 0, test_begin = 0;  // in data weeks
  int8_t split_of(int32_t calendar_week) const {
    const int32_t w = calendar_week - first_week_index;
    return static_cast<int8_t>(w < val_begin ? 0 : (w < test_begin ? 1 : 2));
  }
};

// The week split that `retailsim features` wrote (features/splits/manifest.json); throws Error
// ("run retailsim features first") when it is missing.
SplitInfo read_split(const fs::path& data_dir);

// Every sample of the store, by customer then time (a function of the store, the split and the
// config; no random draws).
SampleSet build_samples(const Store& store, const SplitInfo& split, const PrepareConfig& config);

// One kind's samples opened from samples/<kind>/ (memory-mapped).
struct Samples {
  SampleKind kind = SampleKind::kMaskedBasket;
  Column<int32_t> customer, input_basket, target_basket, week, history_count, next_store;
  Column<int8_t> split;
  Column<int16_t> gap_weeks, n_items;
  size_t size() const { return customer.size(); }
  // Rows of one split (0 train, 1 val, 2 test), in sample order.
  std::vector<int64_t> rows_of_split(int8_t split) const;
  // Throws Error ("run retailsim prepare first") when the folder or a column is missing.
  static Samples open(const fs::path& data_dir, SampleKind kind);
  // Samples of `kind` (in memory, split 2) for chosen moments, e.g. the evaluation cases the
  // world model ranks or the shoppers of a simulated week: each target is (customer, target
  // basket or -1 for none, history_count = how many of the customer's baskets, in time order,
  // form the history, week = the calendar week of the moment, -1: the target basket's). The
  // input basket is the last history basket. Throws Error when a history_count is 0 or beyond
  // the customer's baskets, or a target without basket has no week.
  struct Target {
    int32_t customer = 0, target_basket = -1, history_count = 0, week = -1;
  };
  static Samples for_targets(const Store& store, std::span<const Target> targets,
                             const PrepareConfig& config,
                             SampleKind kind = SampleKind::kNextBasket);
};

// ---------------------------------------------------------------------------------------------
// The stage: store/ + features/splits/ -> samples/<kind>/
// ---------------------------------------------------------------------------------------------
struct PrepareOptions {
  fs::path data_dir;
  bool force = false;
  PrepareConfig config;
};
struct PrepareSummary {
  bool skipped = false;
  double seconds = 0;
  Json counts = Json::object();  // per kind: samples per split
  Json to_json() const;
};
// Writes samples/<kind>/ for the three kinds (atomically, each with its manifest.json), skipped
// when the store, the split and [prepare] are unchanged. Throws Error when the store or
// features/splits/ is missing.
PrepareSummary prepare_stage(const PrepareOptions& options);

// ---------------------------------------------------------------------------------------------
// Tensors
// ---------------------------------------------------------------------------------------------

// T3 [64] of a moment: calendar date (YYYYMMDD), LGSR weekday (1-7, 0 unknown), hour (0-23, -1
// unknown), the shop week (YYYYWW), the data week (0-based) of n_weeks, and the weeks since the
// customer's previous basket (-1: none). Layout in docs/prepare.md.
void encode_temporal(int32_t date, int weekday, int hour, int32_t shop_week, int32_t data_week,
                     int32_t n_weeks, int32_t weeks_since_previous, float* out64);

// T6 [48] of a basket's labels (store dictionary ids, -1 unknown): one-hot blocks.
void encode_trip(int8_t mission_type, int8_t mission_focus, int8_t price_sensitivity,
                 int8_t basket_size, float* out48);

// A product's purchases before the target, in time order: how many, the first and last purchase
// weeks and the sum of squared intervals (weeks) between consecutive purchases. Weeks are
// observed-week positions (observed_week_positions), as is repeat_features' target_week.
struct RepeatStats {
  int32_t count = 0;
  int32_t first_week = 0, last_week = 0;
  double sum_sq_intervals = 0;
};
// The 8 repeat features (Batch::repeat_features) of one product bought before the target.
void repeat_features(const RepeatStats& stats, int32_t n_trips, int32_t target_week, float* out8);

// How every product is bought across shoppers in the training weeks: the product half of the
// repeat features (8), which tells a staple that people buy again from a one-off even when one
// customer bought both once. Counted per basket (a product twice in a basket counts once).
struct ProductHabits {
  std::vector<int32_t> buyers;     // per product: card holders with a training-week basket of it
  std::vector<int32_t> repeaters;  // ... with two or more
  // Feature 8 for a customer `own` of whose training-week baskets hold the product: the share of
  // its other buyers who bought it again, (repeaters + 1/2) / (buyers + 1). The customer's own
  // purchases are left out, so a training sample's target never counts towards its features.
  float repeat_share(int32_t product, int32_t own) const;
};
ProductHabits product_habits(const Store& store, const SplitInfo& split);

// How each store sells each product in the training weeks: the store half of the repeat features
// (9). A product a customer bought elsewhere may not be on the shelves of the store they visit
// next (small formats stock less); a product a store sells more than others do is more likely to
// be bought there. Counted per basket, anonymous baskets included.
struct StoreProductCounts {
  int32_t n_products = 0;
  std::vector<int32_t> with;             // [n_stores * n_products] training baskets at s holding p
  std::vector<int32_t> store_baskets;    // [n_stores] training baskets at s
  std::vector<int32_t> product_baskets;  // [n_products] training baskets holding p, any store
  int64_t baskets = 0;                   // training baskets
  // Feature 9 of `product` at `store` for a customer `own_with` of whose `own_baskets`
  // training-week baskets at the store hold it: with the customer's baskets left out (so that a
  // training sample's target and later baskets never count), the baskets holding it against
  // those expected at the product's share of all baskets, log((with + 1) / (expected + 1)).
  // Near 0 where the store has few baskets; negative where it should have sold it and did not;
  // 0 for a store < 0.
  float lift(int32_t store, int32_t product, int32_t own_with, int32_t own_baskets) const;
};
StoreProductCounts store_product_counts(const Store& store, const SplitInfo& split);

// T4 through features::PriceEncoder (internal: price_inputs.h).
class PriceInputs;

// What batch assembly reads, opened once and shared read-only by the loader's workers.
class TensorSources {
 public:
  // Opens the store, features/{splits,customer_history,store_context,graph_embeddings} and the
  // price encoder (derived/prices/, features/price_encoding/). Throws Error naming the missing
  // file and the command that writes it.
  static std::shared_ptr<const TensorSources> open(const fs::path& data_dir,
                                                   const PrepareConfig& config);
  ~TensorSources();

  // The batch of `rows` of `samples`, masked (masked-basket samples) with Rng::stream(seed,
  // {epoch, batch_index}) so that it does not depend on which thread assembles it.
  // `stores`, when given (one per row; -1: the sample's), puts a row's target at another store:
  // T1's affinity, T5, the price encodings and the store half of the repeat features then
  // describe that store (`predict --store`).
  Batch assemble(const Samples& samples, std::span<const int64_t> rows, uint64_t epoch,
                 uint64_t batch_index, std::span<const int32_t> stores = {}) const;

  const Store& store() const { return store_; }
  const PrepareConfig& config() const { return config_; }
  int32_t n_products() const { return static_cast<int32_t>(store_.n_products()); }
  int32_t n_stores() const { return static_cast<int32_t>(store_.n_stores()); }
  const SplitInfo& split() const { return split_; }

  TensorSources(Store store, PrepareConfig config);

 private:
  void fill_customer(Batch& batch, int b, const Samples& samples, int64_t row) const;
  void fill_items(Batch& batch, int b, int32_t basket) const;
  void fill_history(Batch& batch, const Samples& samples, std::span<const int64_t> rows) const;
  void fill_visits(Batch& batch, const Samples& samples, std::span<const int64_t> rows) const;
  // A calendar week's observed-week position (observed_week_positions).
  int32_t position(int32_t calendar_week) const {
    return week_position_[static_cast<size_t>(calendar_week)];
  }

  Store store_;
  PrepareConfig config_;
  SplitInfo split_;
  Column<float> customer_history_;  // [C, 160]
  Column<uint8_t> cold_start_;      // [C]
  Column<float> store_context_;     // [S, 96]
  Column<float> embeddings_;        // [P, 256]
  // Store and week of each entry of store.customer_baskets (4 bytes a customer basket).
  std::vector<int16_t> trip_store_, trip_week_;
  std::vector<uint8_t> observed_weeks_;  // Store::weeks_with_baskets
  std::vector<int32_t> week_position_;   // observed_week_positions(observed_weeks_)
  std::unique_ptr<PriceInputs> prices_;
  ProductHabits habits_;
  StoreProductCounts store_products_;
};

// ---------------------------------------------------------------------------------------------
// Batcher and loader
// ---------------------------------------------------------------------------------------------

// Length buckets: 0: 1-10 items, 1: 11-25, 2: 26-50, 3: 51+.
inline constexpr int kBuckets = 4;
int bucket_of(int n_items);

// One epoch's batches: rows of the samples, batch i = rows[offsets[i], offsets[i + 1]).
struct BatchPlan {
  uint64_t epoch = 0;
  std::vector<int64_t> offsets{0};
  std::vector<int64_t> rows;
  size_t size() const { return offsets.size() - 1; }
  std::span<const int64_t> batch(size_t i) const {
    return std::span<const int64_t>(rows).subspan(static_cast<size_t>(offsets[i]),
                                                  static_cast<size_t>(offsets[i + 1] - offsets[i]));
  }
};

// Bucket batching: rows grouped by bucket_of(n_items) and shuffled within each bucket, cut into
// batches of batch_size (a bucket's last may be smaller), all buckets' batches in a shuffled
// order: each batch pads to one bucket's lengths, every stretch of an epoch mixes them.
BatchPlan plan_epoch(const Samples& samples, std::span<const int64_t> rows, int batch_size,
                     uint64_t seed, uint64_t epoch);

// BERT-style masking of batch.input_product/masked from item_product: each real item is chosen
// with probability mask_rate (at least one per basket); a chosen item becomes [MASK]
// (n_products) with mask_token_share, a random product with random_token_share, else stays.
void mask_items(Batch& batch, int32_t n_products, const PrepareConfig& config, uint64_t epoch,
                uint64_t batch_index);

// Assembles a plan's batches on worker threads (oneTBB) ahead of the consumer into a bounded
// queue; next() returns them in plan order, the same whatever the thread count.
class Loader {
 public:
  Loader(std::shared_ptr<const TensorSources> sources, const Samples& samples, BatchPlan plan,
         int n_threads, int prefetch = 8);
  ~Loader();
  Loader(const Loader&) = delete;
  Loader& operator=(const Loader&) = delete;
  // The next batch, nullopt at the end of the plan. Rethrows a worker's error.
  std::optional<Batch> next();

 private:
  struct State;
  std::shared_ptr<State> state_;
  std::thread producer_;
};

// ---------------------------------------------------------------------------------------------
// Export: one batch as .npy files + batch.json (`retailsim export tensors`)
// ---------------------------------------------------------------------------------------------
struct ExportOptions {
  fs::path data_dir;
  fs::path out_dir;
  SampleKind kind = SampleKind::kMaskedBasket;
  int8_t split = 1;  // val
  int64_t limit = 256;
  PrepareConfig config;
};
// Writes the first `limit` samples of the split (sample order, epoch 0 masking) as one batch:
// every Batch array as <name>.npy with its shape, and batch.json (kind, split, size, max_items,
// arrays: dtype, shape, meaning). Returns batch.json's content.
Json export_tensors(const ExportOptions& options);

// The arrays of a batch with their numpy shapes (export, tests, the model's from_blob).
struct BatchArray {
  std::string name;
  std::string dtype;
  std::vector<uint64_t> shape;
  const void* data = nullptr;
  size_t bytes = 0;
  std::string meaning;
};
std::vector<BatchArray> batch_arrays(const Batch& batch);

}  // namespace retailsim::prepare
