// Layer 5: the 96-d store context (format 16 + region 32 + operational 32 + identity 16) from the
// training weeks.
#include <algorithm>
#include <cmath>
#include <set>

#include "core/dataset.h"
#include "core/rng.h"
#include "features/features.h"

namespace retailsim::features {

namespace {

constexpr uint64_t kStoreIdentityStream = 0x53544f5245ULL;  // "STORE"
constexpr int kOp = kFormatDims + kRegionDims;              // operational block start
constexpr int kId = kOp + kOperationalDims;                 // identity block start

float clamp01(double x) {
  return static_cast<float>(std::clamp(x, 0.0, 1.0));
}

struct StoreTotals {
  double baskets = 0, lines = 0, units = 0, spend = 0, anonymous = 0, promo_lines = 0;
  double promo_spend = 0, price_ratio = 0, priced_lines = 0, first_half = 0, second_half = 0;
  double weekend = 0, morning = 0, afternoon = 0, evening = 0;
  double mission[5] = {}, type[4] = {}, size[3] = {}, sensitivity[4] = {};
  std::set<int32_t> weeks, customers;
};

}  // namespace

StoreContext store_context(const Store& store, const SplitWeeks& weeks, int32_t first_week_index,
                           uint64_t /*n_train_rows*/, uint64_t n_train_baskets,
                           std::span<const float> product_price,
                           const TrainingPromotions& promotions, const FeaturesConfig& config) {
  const size_t n = store.n_stores();
  std::vector<StoreTotals> t(n);
  for (uint64_t b = 0; b < n_train_baskets; ++b) {
    StoreTotals& s = t[static_cast<size_t>(store.basket_store_id[b])];
    const int32_t week = store.basket_week_index[b] - first_week_index;
    s.baskets += 1;
    s.weeks.insert(week);
    (week < weeks.n_train / 2 ? s.first_half : s.second_half) += 1;
    if (store.basket_customer_id[b] < 0) {
      s.anonymous += 1;
    } else {
      s.customers.insert(store.basket_customer_id[b]);
    }
    const int wd = store.basket_weekday[b], hour = store.basket_hour[b];
    s.weekend += wd == 1 || wd == 7;
    s.morning += hour < 12;
    s.afternoon += hour >= 12 && hour < 17;
    s.evening += hour >= 17;
    if (store.basket_mission[b] >= 0) s.mission[store.basket_mission[b] % 5] += 1;
    if (store.basket_type[b] >= 0) s.type[store.basket_type[b] % 4] += 1;
    if (store.basket_size[b] >= 0) s.size[store.basket_size[b] % 3] += 1;
    if (store.basket_price_sensitivity[b] >= 0)
      s.sensitivity[store.basket_price_sensitivity[b] % 4] += 1;
    const RowRange rows = store.basket_rows(static_cast<int32_t>(b));
    for (int64_t r = rows.begin; r < rows.end; ++r) {
      const auto ri = static_cast<size_t>(r);
      const double spend = store.spend_cents[ri];
      const double quantity = store.quantity[ri];
      s.lines += 1;
      s.units += quantity;
      s.spend += spend;
      const float reference = product_price[static_cast<size_t>(store.product_id[ri])];
      if (quantity > 0 && spend > 0 && std::isfinite(reference) && reference > 0) {
        s.price_ratio += spend / quantity / reference;
        s.priced_lines += 1;
      }
      if (!promotions.row_promo.empty() && promotions.row_promo[ri]) {
        s.promo_lines += 1;
        s.promo_spend += spend;
      }
    }
  }
  double max_rate = 0, max_customers = 0;
  for (const StoreTotals& s : t) {
    max_rate = std::max(max_rate, std::log1p(s.baskets / weeks.n_train));
    max_customers = std::max(max_customers, static_cast<double>(s.customers.size()));
  }
  StoreContext out;
  out.vectors.assign(n * kStoreDims, 0.0f);
  for (size_t i = 0; i < n; ++i) {
    float* v = out.vectors.data() + i * kStoreDims;
    const int format = store.store_format[i], region = store.store_region[i];
    if (format >= 0) v[format % kFormatDims] = 1.0f;
    if (region >= 0) v[kFormatDims + region % kRegionDims] = 1.0f;
    Rng rng = Rng::stream(config.seed, {kStoreIdentityStream, static_cast<uint64_t>(i)});
    for (int k = 0; k < kIdentityDims; ++k) v[kId + k] = static_cast<float>(0.25 * rng.normal());
    const StoreTotals& s = t[i];
    if (s.baskets == 0) continue;  // no training traffic: operational block stays 0
    float* o = v + kOp;
    o[0] = max_rate > 0 ? clamp01(std::log1p(s.baskets / weeks.n_train) / max_rate) : 0;
    o[1] = clamp01(s.baskets / static_cast<double>(n_train_baskets));
    o[2] = clamp01(static_cast<double>(s.weeks.size()) / weeks.n_train);
    o[3] = clamp01(((s.second_half - s.first_half) / s.baskets + 1) / 2);
    o[4] = clamp01(std::log1p(s.lines / s.baskets) / std::log(101.0));
    o[5] = clamp01(std::log1p(s.spend / s.baskets) / std::log(1e6));
    o[6] = clamp01(s.anonymous / s.baskets);
    o[7] = max_customers > 0 ? clamp01(static_cast<double>(s.customers.size()) / max_customers) : 0;
    // Price index: mean of unit price / the product's training reference price, halved so the
    // usual range [0, 2] maps into [0, 1] (0.5 = priced like the chain).
    o[8] = s.priced_lines > 0 ? clamp01(s.price_ratio / s.priced_lines / 2) : 0;
    o[9] = s.lines > 0 ? clamp01(s.promo_lines / s.lines) : 0;
    o[10] = s.spend > 0 ? clamp01(s.promo_spend / s.spend) : 0;
    for (int k = 0; k < 5; ++k) o[11 + k] = clamp01(s.mission[k] / s.baskets);
    for (int k = 0; k < 4; ++k) o[16 + k] = clamp01(s.type[k] / s.baskets);
    for (int k = 0; k < 3; ++k) o[20 + k] = clamp01(s.size[k] / s.baskets);
    for (int k = 0; k < 4; ++k) o[23 + k] = clamp01(s.sensitivity[k] / s.baskets);
    o[27] = clamp01(s.weekend / s.baskets);
    o[28] = clamp01(s.morning / s.baskets);
    o[29] = clamp01(s.afternoon / s.baskets);
    o[30] = clamp01(s.evening / s.baskets);
    o[31] = s.lines > 0 ? clamp01(1 - s.lines / std::max(s.units, s.lines)) : 0;
  }
  return out;
}

}  // namespace retailsim::features
