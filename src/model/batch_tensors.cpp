// prepare::Batch -> BatchTensors: the torch-free batch contract wrapped as tensors.
#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "model/modules.h"

namespace retailsim::model {
namespace {

torch::Tensor floats(const std::vector<float>& values, std::vector<int64_t> shape) {
  int64_t expected = 1;
  for (int64_t d : shape) expected *= d;
  if (static_cast<int64_t>(values.size()) != expected) {
    fail("batch: a feature array holds {} values, expected {}", values.size(), expected);
  }
  if (expected == 0) return torch::zeros(shape);
  return torch::from_blob(const_cast<float*>(values.data()), shape, torch::kFloat32).clone();
}

template <typename T>
torch::Tensor ids(const std::vector<T>& values) {
  std::vector<int64_t> wide(values.begin(), values.end());
  return torch::tensor(wide, torch::kInt64);
}

torch::Tensor longs(std::vector<int64_t> values, std::vector<int64_t> shape) {
  return torch::tensor(values, torch::kInt64).reshape(shape);
}

}  // namespace

torch::Tensor BatchTensors::target_multi_hot(int64_t n_products) const {
  torch::Tensor dense = torch::zeros({size, n_products});
  if (target_product.numel() > 0) {
    dense.index_put_({target_sample, target_product}, torch::ones({target_product.numel()}));
  }
  return dense;
}

BatchTensors BatchTensors::to(const torch::Device& device) const {
  BatchTensors out = *this;
  for (torch::Tensor* t : {&out.t1,
                           &out.t3,
                           &out.t5,
                           &out.t6,
                           &out.store,
                           &out.history_items,
                           &out.history_offsets,
                           &out.history_index,
                           &out.history_valid,
                           &out.history_gap,
                           &out.history_store,
                           &out.history_size,
                           &out.repeat_sample,
                           &out.repeat_product,
                           &out.repeat_features,
                           &out.item_product,
                           &out.input_product,
                           &out.attention_mask,
                           &out.masked,
                           &out.t2,
                           &out.t4,
                           &out.target_sample,
                           &out.target_product,
                           &out.target_quantity,
                           &out.next_store,
                           &out.visit_sample,
                           &out.visit_store,
                           &out.visit_trips,
                           &out.trip_weeks,
                           &out.basket_size,
                           &out.price_sensitivity,
                           &out.mission_type,
                           &out.mission_focus,
                           &out.history_labels,
                           &out.price_features}) {
    if (t->defined()) *t = t->to(device);
  }
  return out;
}

BatchTensors to_tensors(const prepare::Batch& batch, const ModelConfig& config,
                        const PriceFn& prices) {
  using namespace prepare;
  const int64_t B = batch.size;
  const int64_t S = batch.max_items;
  const int64_t n_products = config.n_products;
  BatchTensors t;
  t.size = B;
  t.t1 = floats(batch.t1, {B, kT1Dims});
  t.t3 = floats(batch.t3, {B, kT3Dims});
  t.t5 = floats(batch.t5, {B, kT5Dims});
  t.t6 = floats(batch.t6, {B, kT6Dims});
  t.store = ids(batch.store);

  // The most recent max_history baskets of each sample, oldest first.
  const int64_t H = config.max_history;
  std::vector<int64_t> items, offsets, index(B * H, -1), gap(B * H, 0),
      store(B * H, config.n_stores);
  std::vector<int64_t> valid(B * H, 0);
  std::vector<float> size(B * H, 0.0f);
  if (!batch.history_offsets.empty()) {
    if (static_cast<int64_t>(batch.history_offsets.size()) != B + 1) {
      fail("batch: history_offsets has {} entries, expected {}", batch.history_offsets.size(),
           B + 1);
    }
    if (batch.history_gap.size() != batch.history_week.size()) {
      fail("batch: history_gap has {} entries for {} history baskets", batch.history_gap.size(),
           batch.history_week.size());
    }
    for (int64_t b = 0; b < B; ++b) {
      const int64_t end = batch.history_offsets[b + 1];
      const int64_t begin = std::max(batch.history_offsets[b], end - H);
      for (int64_t h = begin; h < end; ++h) {
        const int64_t slot = b * H + (h - begin);
        index[slot] = static_cast<int64_t>(offsets.size());
        valid[slot] = 1;
        gap[slot] = std::clamp<int64_t>(batch.history_gap[h], 0, config.max_gap_weeks);
        store[slot] = batch.history_store[h];
        size[slot] = std::log1p(
            static_cast<float>(batch.history_item_offsets[h + 1] - batch.history_item_offsets[h]));
        offsets.push_back(static_cast<int64_t>(items.size()));
        for (int64_t i = batch.history_item_offsets[h]; i < batch.history_item_offsets[h + 1];
             ++i) {
          items.push_back(batch.history_product[i]);
        }
      }
    }
  }
  const int64_t n_history = static_cast<int64_t>(offsets.size());
  for (int64_t& i : index) {
    if (i < 0) i = n_history;  // the zero row appended after pooling
  }
  t.history_items = torch::tensor(items, torch::kInt64);
  t.history_offsets = torch::tensor(offsets, torch::kInt64);
  t.history_index = longs(index, {B, H});
  t.history_valid = longs(valid, {B, H}).to(torch::kBool);
  t.history_gap = longs(gap, {B, H});
  t.history_store = longs(store, {B, H});
  t.history_size = floats(size, {B, H});

  std::vector<int64_t> repeat_sample;
  for (int64_t b = 0; b + 1 < static_cast<int64_t>(batch.repeat_offsets.size()); ++b) {
    for (int64_t r = batch.repeat_offsets[b]; r < batch.repeat_offsets[b + 1]; ++r) {
      repeat_sample.push_back(b);
    }
  }
  const int64_t n_repeat = static_cast<int64_t>(batch.repeat_product.size());
  t.repeat_sample = torch::tensor(repeat_sample, torch::kInt64);
  t.repeat_product = ids(batch.repeat_product);
  t.repeat_features = floats(batch.repeat_features, {n_repeat, kRepeatDims});

  // Input basket: padding and [MASK] become embedding rows n_products + 1 and n_products.
  auto token = [&](int32_t id) -> int64_t { return id == kPadToken ? n_products + 1 : id; };
  std::vector<int64_t> item(B * S), input(B * S), attention(B * S), masked(B * S);
  for (int64_t i = 0; i < B * S; ++i) {
    item[i] = token(batch.item_product.empty() ? kPadToken : batch.item_product[i]);
    input[i] = token(batch.input_product.empty() ? kPadToken : batch.input_product[i]);
    attention[i] = batch.attention_mask.empty() ? 0 : batch.attention_mask[i];
    masked[i] = batch.masked.empty() ? 0 : batch.masked[i];
  }
  t.item_product = longs(item, {B, S});
  t.input_product = longs(input, {B, S});
  t.attention_mask = longs(attention, {B, S}).to(torch::kBool);
  t.masked = longs(masked, {B, S}).to(torch::kBool);
  t.t2 = batch.t2.empty() ? torch::zeros({B, S, kT2Dims}) : floats(batch.t2, {B, S, kT2Dims});
  t.t4 = batch.t4.empty() ? torch::zeros({B, S, kT4Dims}) : floats(batch.t4, {B, S, kT4Dims});

  std::vector<int64_t> target_sample;
  for (int64_t b = 0; b + 1 < static_cast<int64_t>(batch.target_offsets.size()); ++b) {
    for (int64_t r = batch.target_offsets[b]; r < batch.target_offsets[b + 1]; ++r) {
      target_sample.push_back(b);
    }
  }
  t.target_sample = torch::tensor(target_sample, torch::kInt64);
  t.target_product = ids(batch.target_product);
  t.target_quantity = batch.target_quantity.empty()
                          ? torch::ones({t.target_product.numel()})
                          : floats(batch.target_quantity, {(int64_t)batch.target_quantity.size()});
  t.next_store =
      batch.next_store.empty() ? torch::full({B}, -1, torch::kInt64) : ids(batch.next_store);
  if (!batch.visit_offsets.empty()) {
    if (static_cast<int64_t>(batch.visit_offsets.size()) != B + 1 ||
        static_cast<int64_t>(batch.trip_weeks.size()) != 2 * B)
      fail("batch: visit_offsets has {} entries and trip_weeks {} values for {} samples",
           batch.visit_offsets.size(), batch.trip_weeks.size(), B);
    std::vector<int64_t> visit_sample;
    for (int64_t b = 0; b < B; ++b) {
      for (int64_t v = batch.visit_offsets[b]; v < batch.visit_offsets[b + 1]; ++v)
        visit_sample.push_back(b);
    }
    t.visit_sample = torch::tensor(visit_sample, torch::kInt64);
    t.visit_store = ids(batch.visit_store);
    t.visit_trips = floats(batch.visit_trips, {static_cast<int64_t>(batch.visit_trips.size())});
    t.trip_weeks = floats(batch.trip_weeks, {B, 2});
  }
  auto labels = [&](const std::vector<int8_t>& v) {
    return v.empty() ? torch::full({B}, -1, torch::kInt64) : ids(v);
  };
  t.basket_size = labels(batch.basket_size);
  t.price_sensitivity = labels(batch.price_sensitivity);
  t.mission_type = labels(batch.mission_type);
  t.mission_focus = labels(batch.mission_focus);
  const int64_t n_labels = config.n_basket_sizes + config.n_price_sensitivities +
                           config.n_mission_types + config.n_mission_focuses;
  if (!batch.history_labels.empty()) {
    if (static_cast<int64_t>(batch.history_labels.size()) != B * n_labels) {
      fail("batch: history_labels has {} values, expected {} x {}", batch.history_labels.size(), B,
           n_labels);
    }
    t.history_labels = floats(batch.history_labels, {B, n_labels});
  }

  if (prices) {
    t.price_features = torch::empty({B, n_products, kPriceFeatures});
    float* out = t.price_features.data_ptr<float>();
    for (int64_t b = 0; b < B; ++b) {
      std::span<const float> row = prices(batch.store[b], batch.week[b]);
      if (static_cast<int64_t>(row.size()) != n_products * kPriceFeatures) {
        fail("price features: got {} values, expected {}", row.size(), n_products * kPriceFeatures);
      }
      std::copy(row.begin(), row.end(), out + b * n_products * kPriceFeatures);
    }
  }
  return t;
}

}  // namespace retailsim::model
