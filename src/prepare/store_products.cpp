// How each store sells each product in the training weeks (StoreProductCounts): the store half of
// the repeat features, each product counted once per basket.
#include <algorithm>
#include <cmath>

#include "prepare/prepare.h"

namespace retailsim::prepare {

StoreProductCounts store_product_counts(const Store& store, const SplitInfo& split) {
  StoreProductCounts c;
  const size_t P = store.n_products(), S = store.n_stores();
  c.n_products = static_cast<int32_t>(P);
  c.with.assign(S * P, 0);
  c.store_baskets.assign(S, 0);
  c.product_baskets.assign(P, 0);
  std::vector<int32_t> seen_in(P, 0);  // the last basket (+1) that counted each product
  for (int32_t b = 0; b < static_cast<int32_t>(store.n_baskets()); ++b) {
    const auto i = static_cast<size_t>(b);
    if (split.split_of(store.basket_week_index[i]) != 0) continue;
    const auto s = static_cast<size_t>(store.basket_store_id[i]);
    ++c.store_baskets[s];
    ++c.baskets;
    for (int32_t p : store.basket_products(b)) {
      const auto pi = static_cast<size_t>(p);
      if (seen_in[pi] == b + 1) continue;
      seen_in[pi] = b + 1;
      ++c.with[s * P + pi];
      ++c.product_baskets[pi];
    }
  }
  return c;
}

float StoreProductCounts::lift(int32_t store, int32_t product, int32_t own_with,
                               int32_t own_baskets) const {
  if (store < 0 || static_cast<size_t>(store) >= store_baskets.size()) return 0.0f;
  const auto s = static_cast<size_t>(store), p = static_cast<size_t>(product);
  const double others_with = std::max(0, with[s * static_cast<size_t>(n_products) + p] - own_with);
  const double others = std::max(0, store_baskets[s] - own_baskets);
  const double share =
      (static_cast<double>(product_baskets[p]) + 0.5) / (static_cast<double>(baskets) + 1.0);
  return static_cast<float>(std::log((others_with + 1.0) / (others * share + 1.0)));
}

}  // namespace retailsim::prepare
