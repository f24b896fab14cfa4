// Public surface of the prepare stage: samples (masked-basket, next-basket, store-visit) split by
// the target's week, the T1-T6 model inputs, the batcher (bucketing by basket length, BERT-style
// masking) and the prefetching loader. Torch-free: batches are plain row-major float/int arrays
// that model code wraps with torch::from_blob, and that `retailsim export tensors` writes as .npy.
#pragma once

#include <cstdint>
#include <vector>

namespace retailsim::prepare {

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
inline constexpr int kRepeatDims = 8;  // personal history of one product (see Batch::repeat_*)

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
  // [n_history + 1] into history_product.
  std::vector<int64_t> history_offsets;
  std::vector<int32_t> history_week, history_store;
  std::vector<int64_t> history_item_offsets;
  std::vector<int32_t> history_product;

  // Personal history of every product the customer bought before the target (all earlier
  // baskets, not only the recent ones): repeat_offsets [B + 1] into repeat_product and
  // repeat_features [n_repeat, 8] = purchase count, log1p(count), share of trips with it, weeks
  // since last purchase, log1p of that, mean inter-purchase interval (weeks), its coefficient of
  // variation, weeks since last / mean interval (how due it is).
  std::vector<int64_t> repeat_offsets;
  std::vector<int32_t> repeat_product;
  std::vector<float> repeat_features;

  // Auxiliary labels of the target basket [B]; -1 when unknown. Values are the store's
  // dictionary ids of BASKET_SIZE, BASKET_PRICE_SENSITIVITY, BASKET_TYPE, BASKET_DOMINANT_MISSION.
  std::vector<int8_t> basket_size, price_sensitivity, mission_type, mission_focus;
};

}  // namespace retailsim::prepare
