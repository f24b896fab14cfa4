// Test helpers: prepare::Batch filled with random but valid content of any kind, and an in-memory
// BatchSource over a fixed set of batches (shuffled per epoch from a seed).
#pragma once

#include <algorithm>
#include <numeric>
#include <vector>

#include "core/rng.h"
#include "prepare/prepare.h"
#include "train/train.h"

namespace retailsim::testing {

struct RandomBatchOptions {
  prepare::SampleKind kind = prepare::SampleKind::kNextBasket;
  int32_t size = 4;
  int32_t n_products = 30;
  int32_t n_stores = 5;
  int32_t max_items = 6;
  int32_t max_history = 5;
  int32_t n_classes = 3;  // of each auxiliary label
  double mask_rate = 0.3;
  uint64_t seed = 1;
};

inline prepare::Batch random_batch(const RandomBatchOptions& o) {
  using namespace prepare;
  Rng rng(o.seed);
  Batch b;
  b.kind = o.kind;
  b.size = o.size;
  std::vector<int32_t> lengths(o.size);
  for (auto& l : lengths) l = static_cast<int32_t>(rng.uniform_int(1, o.max_items));
  b.max_items = *std::max_element(lengths.begin(), lengths.end());
  const int32_t S = b.max_items;
  auto fill = [&](std::vector<float>& v, size_t n) {
    v.resize(n);
    for (float& x : v) x = static_cast<float>(rng.normal());
  };
  fill(b.t1, size_t(o.size) * kT1Dims);
  fill(b.t3, size_t(o.size) * kT3Dims);
  fill(b.t5, size_t(o.size) * kT5Dims);
  fill(b.t6, size_t(o.size) * kT6Dims);
  fill(b.t2, size_t(o.size) * S * kT2Dims);
  fill(b.t4, size_t(o.size) * S * kT4Dims);
  b.item_product.assign(size_t(o.size) * S, kPadToken);
  b.input_product.assign(size_t(o.size) * S, kPadToken);
  b.attention_mask.assign(size_t(o.size) * S, 0);
  b.masked.assign(size_t(o.size) * S, 0);
  b.target_offsets = {0};
  b.history_offsets = {0};
  b.history_item_offsets = {0};
  b.repeat_offsets = {0};
  for (int32_t s = 0; s < o.size; ++s) {
    b.sample_index.push_back(s);
    b.customer.push_back(static_cast<int32_t>(rng.below(100)));
    b.store.push_back(static_cast<int32_t>(rng.below(o.n_stores)));
    b.week.push_back(static_cast<int32_t>(rng.uniform_int(10, 30)));
    b.basket.push_back(s);
    b.cold_start.push_back(0);
    for (int32_t i = 0; i < lengths[s]; ++i) {
      const size_t at = size_t(s) * S + i;
      const auto product = static_cast<int32_t>(rng.below(o.n_products));
      b.item_product[at] = product;
      b.attention_mask[at] = 1;
      const bool mask = rng.bernoulli(o.mask_rate);
      b.masked[at] = mask;
      b.input_product[at] = mask ? o.n_products : product;
      if (mask) std::fill_n(b.t2.begin() + at * kT2Dims, kT2Dims, 0.0f);
    }
    for (int32_t i = lengths[s]; i < S; ++i) {
      std::fill_n(b.t2.begin() + (size_t(s) * S + i) * kT2Dims, kT2Dims, 0.0f);
      std::fill_n(b.t4.begin() + (size_t(s) * S + i) * kT4Dims, kT4Dims, 0.0f);
    }
    const auto n_targets = rng.uniform_int(1, 4);
    for (int64_t k = 0; k < n_targets; ++k) {
      b.target_product.push_back(static_cast<int32_t>(rng.below(o.n_products)));
      b.target_quantity.push_back(static_cast<float>(rng.uniform_int(1, 3)));
    }
    b.target_offsets.push_back(static_cast<int64_t>(b.target_product.size()));
    const auto n_history = rng.uniform_int(0, o.max_history);
    for (int64_t h = 0; h < n_history; ++h) {
      // Every other calendar week missing from the data: the gap counts observed weeks only.
      b.history_week.push_back(b.week.back() - 2 * static_cast<int32_t>(n_history - h));
      b.history_gap.push_back(static_cast<int32_t>(n_history - h));
      b.history_store.push_back(static_cast<int32_t>(rng.below(o.n_stores)));
      const auto n_items = rng.uniform_int(1, 4);
      for (int64_t k = 0; k < n_items; ++k) {
        b.history_product.push_back(static_cast<int32_t>(rng.below(o.n_products)));
      }
      b.history_item_offsets.push_back(static_cast<int64_t>(b.history_product.size()));
    }
    b.history_offsets.push_back(static_cast<int64_t>(b.history_week.size()));
    const auto n_repeat = rng.uniform_int(0, 3);
    for (int64_t r = 0; r < n_repeat; ++r) {
      b.repeat_product.push_back(static_cast<int32_t>((s * 7 + r * 3) % o.n_products));
      for (int d = 0; d < kRepeatDims; ++d)
        b.repeat_features.push_back(static_cast<float>(rng.uniform(0, 5)));
    }
    b.repeat_offsets.push_back(static_cast<int64_t>(b.repeat_product.size()));
    b.next_store.push_back(static_cast<int32_t>(rng.below(o.n_stores + 1)));
    auto label = [&] { return static_cast<int8_t>(rng.uniform_int(-1, o.n_classes - 1)); };
    b.basket_size.push_back(label());
    b.price_sensitivity.push_back(label());
    b.mission_type.push_back(label());
    b.mission_focus.push_back(label());
  }
  if (o.kind != SampleKind::kMaskedBasket) {
    // Label counts of the earlier baskets (4 blocks of n_classes), from a stream of their own so
    // the draws above stay as they were.
    Rng counts = Rng::stream(o.seed, {41});
    b.history_labels.resize(size_t(o.size) * 4 * size_t(o.n_classes));
    for (float& x : b.history_labels) x = static_cast<float>(counts.below(6));
  }
  return b;
}

// A fixed set of batches served in an order shuffled per epoch from `seed`.
class VectorSource : public train::BatchSource {
 public:
  VectorSource(std::vector<prepare::Batch> batches, uint64_t seed)
      : batches_(std::move(batches)), seed_(seed) {}
  int64_t batches_per_epoch(const train::Phase&) const override {
    return static_cast<int64_t>(batches_.size());
  }
  void start_epoch(int64_t epoch, const train::Phase&) override {
    order_.resize(batches_.size());
    std::iota(order_.begin(), order_.end(), 0);
    Rng rng = Rng::stream(seed_, {static_cast<uint64_t>(epoch)});
    for (size_t i = order_.size(); i > 1; --i) std::swap(order_[i - 1], order_[rng.below(i)]);
    next_ = 0;
  }
  bool next(prepare::Batch& batch) override {
    if (next_ >= order_.size()) return false;
    batch = batches_[order_[next_++]];
    return true;
  }

 private:
  std::vector<prepare::Batch> batches_;
  uint64_t seed_;
  std::vector<size_t> order_;
  size_t next_ = 0;
};

}  // namespace retailsim::testing
