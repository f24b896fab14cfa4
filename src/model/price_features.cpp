// Price features of candidate products (model.h): fixed reference prices per product and
// format-region group, the price against the sub-commodity's and against the reference, and the
// promotion.
#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "derive/derive.h"
#include "model/model.h"

namespace retailsim::model {

namespace {

float median_of(std::vector<float>& values) {
  if (values.empty()) return std::nanf("");
  const size_t mid = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid), values.end());
  return values[mid];
}

}  // namespace

PriceFeatures::PriceFeatures(std::shared_ptr<const derive::PriceTable> table,
                             std::vector<int32_t> sub_commodity, const derive::PriceConfig& config,
                             int32_t reference_weeks, std::vector<float> weight)
    : table_(std::move(table)),
      sub_commodity_(std::move(sub_commodity)),
      weight_(std::move(weight)),
      config_(std::make_shared<derive::PriceConfig>(config)) {
  const derive::PriceTable& t = *table_;
  const int32_t P = t.dims.n_products, W = t.dims.n_weeks, G = t.n_groups;
  const int32_t weeks = reference_weeks > 0 ? std::min(reference_weeks, W) : W;
  if (static_cast<int32_t>(sub_commodity_.size()) != P)
    fail("price features: {} sub-commodity ids for {} products", sub_commodity_.size(), P);
  int32_t n_sub = 0;
  for (int32_t g : sub_commodity_) {
    if (g < 0) fail("price features: a negative sub-commodity id");
    n_sub = std::max(n_sub, g + 1);
  }
  if (weight_.empty()) weight_.assign(static_cast<size_t>(P), 1.0f);
  if (static_cast<int32_t>(weight_.size()) != P)
    fail("price features: {} weights for {} products", weight_.size(), P);
  for (float w : weight_)
    if (!(w > 0)) fail("price features: product weights must be > 0, got {}", w);
  group_size_.assign(static_cast<size_t>(n_sub), 0.0f);
  for (size_t p = 0; p < sub_commodity_.size(); ++p)
    group_size_[static_cast<size_t>(sub_commodity_[p])] += weight_[p];
  reference_.assign(static_cast<size_t>(P) * G, std::nanf(""));
  std::vector<float> values;
  // Median of the positive base prices of weeks [0, n) of one series (stride 1 from `first`).
  auto median_base = [&](const std::vector<float>& series, size_t first, int32_t n) {
    values.clear();
    for (int32_t w = 0; w < n; ++w) {
      const float base = series[first + static_cast<size_t>(w)];
      if (base > 0) values.push_back(base);
    }
    return median_of(values);
  };
  for (int32_t p = 0; p < P; ++p) {
    const size_t global_first = static_cast<size_t>(p) * W;
    float global = median_base(t.global_base, global_first, weeks);
    if (std::isnan(global)) global = median_base(t.global_base, global_first, W);
    for (int32_t g = 0; g < G; ++g) {
      const float group = median_base(t.group_base, (static_cast<size_t>(p) * G + g) * W, weeks);
      reference_[static_cast<size_t>(p) * G + g] = std::isnan(group) ? global : group;
    }
  }
}

float PriceFeatures::reference(int32_t product, int32_t store) const {
  const derive::PriceTable& t = *table_;
  return reference_[static_cast<size_t>(product) * t.n_groups + t.store_group[store]];
}

void PriceFeatures::table_prices(int32_t store, int32_t week, std::span<float> actual,
                                 std::span<float> promo_depth) const {
  const derive::PriceTable& t = *table_;
  std::fill(actual.begin(), actual.end(), std::nanf(""));
  std::fill(promo_depth.begin(), promo_depth.end(), 0.0f);
  if (store < 0 || store >= t.dims.n_stores || week < 0 || week >= t.dims.n_weeks) return;
  for (int32_t p = 0; p < n_products(); ++p) {
    const derive::PriceLookup price = t.lookup(p, store, week);
    if (!(price.actual_price > 0) || !(price.base_price > 0)) continue;
    actual[p] = price.actual_price;
    const derive::Promotion promo =
        derive::promotion_of(price.actual_price, price.base_price, *config_);
    promo_depth[p] = promo.promo ? promo.depth : 0.0f;
  }
}

void PriceFeatures::from_prices(int32_t store, std::span<const float> actual,
                                std::span<const float> promo_depth, std::span<float> out) const {
  const size_t P = sub_commodity_.size();
  if (actual.size() != P || promo_depth.size() != P || out.size() != P * kPriceFeatures)
    fail("price features: got {} prices, {} depths and {} outputs for {} products", actual.size(),
         promo_depth.size(), out.size(), P);
  std::vector<float> own(P, 0.0f);
  std::vector<double> level(group_size_.size(), 0.0);
  for (size_t p = 0; p < P; ++p) {
    const float ref = reference(static_cast<int32_t>(p), store);
    if (actual[p] > 0 && ref > 0) own[p] = std::log(actual[p] / ref);
    level[static_cast<size_t>(sub_commodity_[p])] += weight_[p] * own[p];
  }
  for (size_t g = 0; g < level.size(); ++g)
    if (group_size_[g] > 0) level[g] /= group_size_[g];
  for (size_t p = 0; p < P; ++p) {
    const float mean = static_cast<float>(level[static_cast<size_t>(sub_commodity_[p])]);
    float* f = out.data() + p * kPriceFeatures;
    f[0] = own[p] - mean;
    f[1] = own[p];
    f[2] = promo_depth[p] > 0 ? 1.0f : 0.0f;
    f[3] = std::max(0.0f, promo_depth[p]);
  }
}

std::vector<float> PriceFeatures::at(int32_t store, int32_t week) const {
  const size_t P = sub_commodity_.size();
  std::vector<float> actual(P), depth(P), out(P * kPriceFeatures, 0.0f);
  if (store < 0 || store >= table_->dims.n_stores) return out;
  table_prices(store, week, actual, depth);
  from_prices(store, actual, depth, out);
  return out;
}

}  // namespace retailsim::model
