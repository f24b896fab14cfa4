// Target-week price features of every candidate product at one (store, week).
#include <cmath>

#include "derive/derive.h"
#include "model/model.h"

namespace retailsim::model {

std::vector<float> candidate_price_features(const derive::PriceTable& table, int32_t store,
                                            int32_t week, const derive::PriceConfig& config) {
  const int32_t n_products = table.dims.n_products;
  std::vector<float> features(static_cast<size_t>(n_products) * kPriceFeatures, 0.0f);
  if (store < 0 || store >= table.dims.n_stores || week < 0 || week >= table.dims.n_weeks) {
    return features;  // outside the priced grid: every product at its regular price
  }
  for (int32_t p = 0; p < n_products; ++p) {
    const derive::PriceLookup price = table.lookup(p, store, week);
    if (!(price.actual_price > 0) || !(price.base_price > 0)) continue;
    const derive::Promotion promo =
        derive::promotion_of(price.actual_price, price.base_price, config);
    float* row = features.data() + static_cast<size_t>(p) * kPriceFeatures;
    row[0] = std::log(price.actual_price / price.base_price);
    row[1] = promo.promo ? 1.0f : 0.0f;
    row[2] = promo.depth;
  }
  return features;
}

}  // namespace retailsim::model
