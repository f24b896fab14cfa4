// Layer 4: the 160-d customer history (segments 64 + behaviour 96) from the training weeks, with
// the cold-start blend towards the mean behaviour of the customer's segment.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <utility>

#include "core/customer_weeks.h"
#include "core/dataset.h"
#include "features/features.h"

namespace retailsim::features {

namespace {

constexpr int kB = kSegmentDims;  // behaviour block start

float clamp01(double x) {
  return static_cast<float>(std::clamp(x, 0.0, 1.0));
}

// One-hot of a small code into `slots` dims: codes fold modulo slots - 1, the last slot = unknown.
void one_hot(float* out, int slots, int code) {
  out[code < 0 ? slots - 1 : code % (slots - 1)] = 1.0f;
}

// The 96 behaviour dims of one customer's training baskets (docs/features.md). Weeks are counted
// in observed weeks: `position` is observed_week_positions() of the store's calendar, shifted so
// that the first data week is 0, and `n_train` the observed training weeks.
void behaviour(const Store& store, std::span<const int32_t> baskets,
               std::span<const int32_t> position, int32_t n_train_weeks,
               const TrainingPromotions& promotions, float* out) {
  const double n_train = n_train_weeks;
  double spend = 0, lines = 0, units = 0, promo_spend = 0, promo_lines = 0, promo_trips = 0;
  double promo_depth = 0, all_depth = 0, bins[3] = {0, 0, 0};
  double weekend = 0, morning = 0, afternoon = 0, evening = 0, last4 = 0, last13 = 0;
  double first_half = 0, second_half = 0, sum_sq_spend = 0;
  std::set<int32_t> products;
  std::set<int32_t> active_weeks;
  std::map<int32_t, double> store_spend;
  double by_l40[16] = {}, by_l30[32] = {};
  double mission[5] = {}, type[4] = {}, size[3] = {}, sensitivity[4] = {};
  int32_t first = -1, last = -1;
  for (int32_t b : baskets) {
    const auto bi = static_cast<size_t>(b);
    const int32_t week = position[static_cast<size_t>(store.basket_week_index[bi])];
    if (first < 0) first = week;
    last = week;
    active_weeks.insert(week);
    const int wd = store.basket_weekday[bi], hour = store.basket_hour[bi];
    weekend += wd == 1 || wd == 7;
    morning += hour < 12;
    afternoon += hour >= 12 && hour < 17;
    evening += hour >= 17;
    last4 += week >= n_train_weeks - 4;
    last13 += week >= n_train_weeks - 13;
    (week < n_train_weeks / 2 ? first_half : second_half) += 1;
    if (store.basket_mission[bi] >= 0) mission[store.basket_mission[bi] % 5] += 1;
    if (store.basket_type[bi] >= 0) type[store.basket_type[bi] % 4] += 1;
    if (store.basket_size[bi] >= 0) size[store.basket_size[bi] % 3] += 1;
    if (store.basket_price_sensitivity[bi] >= 0)
      sensitivity[store.basket_price_sensitivity[bi] % 4] += 1;
    double basket_spend = 0;
    bool any_promo = false;
    const RowRange rows = store.basket_rows(b);
    for (int64_t r = rows.begin; r < rows.end; ++r) {
      const auto ri = static_cast<size_t>(r);
      const int32_t p = store.product_id[ri];
      const double s = store.spend_cents[ri];
      basket_spend += s;
      lines += 1;
      units += store.quantity[ri];
      products.insert(p);
      by_l40[store.product_parent[3][static_cast<size_t>(p)] % 16] += s;
      by_l30[store.product_parent[2][static_cast<size_t>(p)] % 32] += s;
      if (!promotions.row_promo.empty()) {
        const double depth = promotions.row_depth[ri];
        all_depth += depth;
        if (promotions.row_promo[ri]) {
          any_promo = true;
          promo_spend += s;
          promo_lines += 1;
          promo_depth += depth;
          if (promotions.row_bin[ri] > 0)
            bins[std::min(promotions.row_bin[ri], uint8_t{3}) - 1] += 1;
        }
      }
    }
    promo_trips += any_promo;
    spend += basket_spend;
    sum_sq_spend += basket_spend * basket_spend;
    store_spend[store.basket_store_id[bi]] += basket_spend;
  }
  const double trips = static_cast<double>(baskets.size());
  if (trips == 0) return;
  float* v = out + kB;
  for (int i = 0; i < 16; ++i) v[i] = spend > 0 ? clamp01(by_l40[i] / spend) : 0;
  for (int i = 0; i < 32; ++i) v[16 + i] = spend > 0 ? clamp01(by_l30[i] / spend) : 0;
  // Frequency and timing.
  v[48] = clamp01(trips / (trips + n_train));
  v[49] = clamp01(static_cast<double>(active_weeks.size()) / n_train);
  v[50] = trips > 1 ? clamp01((last - first) / (trips - 1) / n_train) : 0;
  v[51] = clamp01(std::log1p(trips) / std::log1p(7 * n_train));
  v[52] = clamp01(weekend / trips);
  v[53] = clamp01(morning / trips);
  v[54] = clamp01(afternoon / trips);
  v[55] = clamp01(evening / trips);
  // Recency, measured to the last training week.
  const double recency = n_train_weeks - 1 - last;
  v[56] = clamp01(recency / n_train);
  v[57] = clamp01((last - first + 1) / n_train);
  v[58] = clamp01(std::exp(-recency / 4));
  v[59] = clamp01(std::exp(-recency / 13));
  v[60] = clamp01(last4 / trips);
  v[61] = clamp01(last13 / trips);
  v[62] = clamp01(first / n_train);
  v[63] = clamp01(((second_half - first_half) / trips + 1) / 2);
  // Spend.
  const double mean_spend = spend / trips;
  const double var = std::max(0.0, sum_sq_spend / trips - mean_spend * mean_spend);
  double top_store_spend = 0;
  for (const auto& [s, value] : store_spend) top_store_spend = std::max(top_store_spend, value);
  v[64] = clamp01(std::log1p(mean_spend) / std::log(1e6));
  v[65] = clamp01(std::log1p(spend) / std::log(1e8));
  v[66] = clamp01(std::log1p(lines / trips) / std::log(101.0));
  v[67] = lines > 0 ? clamp01(1 - lines / std::max(units, lines)) : 0;
  v[68] = mean_spend > 0 ? clamp01(std::tanh(std::sqrt(var) / mean_spend)) : 0;
  v[69] = lines > 0 ? clamp01(static_cast<double>(products.size()) / lines) : 0;
  v[70] = clamp01(std::log1p(static_cast<double>(products.size())) / std::log(1001.0));
  v[71] = spend > 0 ? clamp01(top_store_spend / spend) : 0;
  // Promotions (training price table).
  v[72] = spend > 0 ? clamp01(promo_spend / spend) : 0;
  v[73] = lines > 0 ? clamp01(promo_lines / lines) : 0;
  v[74] = clamp01(promo_trips / trips);
  v[75] = promo_lines > 0 ? clamp01(promo_depth / promo_lines) : 0;
  for (int i = 0; i < 3; ++i) v[76 + i] = promo_lines > 0 ? clamp01(bins[i] / promo_lines) : 0;
  v[79] = lines > 0 ? clamp01(all_depth / lines) : 0;
  // Mission mix.
  for (int i = 0; i < 5; ++i) v[80 + i] = clamp01(mission[i] / trips);
  for (int i = 0; i < 4; ++i) v[85 + i] = clamp01(type[i] / trips);
  for (int i = 0; i < 3; ++i) v[89 + i] = clamp01(size[i] / trips);
  for (int i = 0; i < 4; ++i) v[92 + i] = clamp01(sensitivity[i] / trips);
}

}  // namespace

CustomerHistory customer_history(const Store& store, const SplitWeeks& weeks,
                                 int32_t first_week_index, uint64_t /*n_train_rows*/,
                                 uint64_t n_train_baskets, const TrainingPromotions& promotions,
                                 const FeaturesConfig& config) {
  const size_t n = store.n_customers();
  CustomerHistory h;
  h.vectors.assign(n * kCustomerDims, 0.0f);
  h.training_trips.assign(n, 0);
  h.blend_weight.assign(n, 0.0f);
  std::vector<float> own(n * kCustomerDims, 0.0f);
  // Segment means of the customers seen in training, keyed by (seg_1, seg_2), and overall.
  std::map<std::pair<int, int>, std::pair<std::vector<double>, int>> group;
  std::vector<double> overall(kBehaviourDims, 0.0);
  int n_seen = 0;
  // Observed weeks from the first data week (a calendar week without any basket in the store is
  // missing data, not a week without a trip); the training weeks among them.
  const std::vector<uint8_t> observed = store.weeks_with_baskets();
  std::vector<int32_t> position = observed_week_positions(observed);
  const int32_t origin = position[static_cast<size_t>(first_week_index)];
  for (int32_t& p : position) p -= origin;
  int32_t n_train_weeks = 0;
  for (int32_t w = 0; w < weeks.n_train; ++w)
    n_train_weeks += observed[static_cast<size_t>(first_week_index + w)];
  for (size_t c = 0; c < n; ++c) {
    float* v = h.vectors.data() + c * kCustomerDims;
    one_hot(v, 32, store.customer_seg_1[c]);
    one_hot(v + 32, 32, store.customer_seg_2[c]);
    std::span<const int32_t> baskets = store.baskets_of_customer(static_cast<int32_t>(c));
    // Each customer's baskets are in time order: the training ones are a prefix.
    const auto train_end = std::find_if(baskets.begin(), baskets.end(), [&](int32_t b) {
      return static_cast<uint64_t>(b) >= n_train_baskets;
    });
    baskets = baskets.first(static_cast<size_t>(train_end - baskets.begin()));
    h.training_trips[c] = static_cast<int32_t>(baskets.size());
    if (baskets.empty()) continue;
    float* o = own.data() + c * kCustomerDims;
    behaviour(store, baskets, position, std::max(1, n_train_weeks), promotions, o);
    auto& [sum, count] = group[{store.customer_seg_1[c], store.customer_seg_2[c]}];
    sum.resize(kBehaviourDims, 0.0);
    for (int k = 0; k < kBehaviourDims; ++k) {
      sum[static_cast<size_t>(k)] += o[kB + k];
      overall[static_cast<size_t>(k)] += o[kB + k];
    }
    ++count;
    ++n_seen;
  }
  for (size_t c = 0; c < n; ++c) {
    const auto it = group.find({store.customer_seg_1[c], store.customer_seg_2[c]});
    const bool has_group = it != group.end();
    const double w =
        std::min(1.0, static_cast<double>(h.training_trips[c]) / config.cold_start_trips);
    h.blend_weight[c] = static_cast<float>(w);
    float* v = h.vectors.data() + c * kCustomerDims;
    const float* o = own.data() + c * kCustomerDims;
    for (int k = 0; k < kBehaviourDims; ++k) {
      const double prior = has_group ? it->second.first[static_cast<size_t>(k)] / it->second.second
                                     : (n_seen ? overall[static_cast<size_t>(k)] / n_seen : 0.0);
      v[kB + k] = static_cast<float>(w * o[kB + k] + (1 - w) * prior);
    }
  }
  return h;
}

}  // namespace retailsim::features
