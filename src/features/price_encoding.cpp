// Layer 2: the 64-d Fourier price encoding of a (product, store, week), computed on the fly from
// the price table of all weeks and statistics fitted on the training weeks; its files.
#include <algorithm>
#include <cmath>
#include <numbers>
#include <numeric>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/npy.h"
#include "features/features.h"

namespace retailsim::features {

namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// Lookback weeks of the velocity block, nearest first.
constexpr int kLookback[] = {1, 2, 3, 4, 8, 13};
constexpr int kNLookback = 6;
// A log-price move larger than this counts as a price change (2%).
constexpr double kChange = 0.02;

float clip(double x, double low, double high) {
  return static_cast<float>(std::min(high, std::max(low, x)));
}

struct Moments {
  double sum = 0;
  uint64_t n = 0;
  void add(double x) {
    sum += x;
    ++n;
  }
  double mean() const { return n ? sum / static_cast<double>(n) : std::nan(""); }
};

}  // namespace

PriceEncodingStats fit_price_encoding(const derive::PriceTable& table,
                                      const std::span<const int32_t> product_parents[4]) {
  const derive::PriceCells& cells = table.cells;
  const auto P = static_cast<size_t>(table.dims.n_products);
  const auto S = static_cast<size_t>(table.dims.n_stores);
  for (int k = 0; k < 4; ++k) {
    if (product_parents[k].size() != P) {
      fail("fit_price_encoding: level {} parents have {} entries for {} products", k,
           product_parents[k].size(), P);
    }
  }
  PriceEncodingStats st;
  st.n_stores = static_cast<int32_t>(S);
  int32_t n_nodes[4] = {0, 0, 0, 0};
  for (int k = 0; k < 4; ++k) {
    for (int32_t id : product_parents[k]) n_nodes[k] = std::max(n_nodes[k], id + 1);
  }
  st.n_categories = n_nodes[0];
  st.product_category.assign(product_parents[0].begin(), product_parents[0].end());

  // Per product, in cell order (deterministic sums).
  std::vector<Moments> product(P);
  st.product_log_min.assign(P, kNaN);
  st.product_log_max.assign(P, kNaN);
  Moments all;
  double all_sq = 0;
  for (size_t p = 0; p < P; ++p) {
    for (uint64_t c = cells.product_offsets[p]; c < cells.product_offsets[p + 1]; ++c) {
      const float price = cells.actual_price[c];
      if (!(price > 0)) continue;
      const double lp = std::log(static_cast<double>(price));
      product[p].add(lp);
      all.add(lp);
      all_sq += lp * lp;
      st.product_log_min[p] = std::isnan(st.product_log_min[p])
                                  ? static_cast<float>(lp)
                                  : std::min(st.product_log_min[p], static_cast<float>(lp));
      st.product_log_max[p] = std::isnan(st.product_log_max[p])
                                  ? static_cast<float>(lp)
                                  : std::max(st.product_log_max[p], static_cast<float>(lp));
    }
  }
  if (all.n == 0) fail("fit_price_encoding: the training weeks have no priced cell");
  st.log_price_mean = all.mean();
  const double var = all_sq / static_cast<double>(all.n) - st.log_price_mean * st.log_price_mean;
  st.log_price_sd = std::max(0.05, std::sqrt(std::max(0.0, var)));

  // Hierarchy levels: cell-weighted means; an empty node takes the level above, D the global mean.
  for (int k = 0; k < 4; ++k) {
    std::vector<Moments> node(static_cast<size_t>(n_nodes[k]));
    for (size_t p = 0; p < P; ++p) {
      Moments& m = node[static_cast<size_t>(product_parents[k][p])];
      m.sum += product[p].sum;
      m.n += product[p].n;
    }
    st.product_level_log_price[k].resize(P);
    for (size_t p = 0; p < P; ++p) {
      st.product_level_log_price[k][p] =
          static_cast<float>(node[static_cast<size_t>(product_parents[k][p])].mean());
    }
  }
  for (size_t p = 0; p < P; ++p) {
    float above = static_cast<float>(st.log_price_mean);
    for (int k = 3; k >= 0; --k) {
      float& v = st.product_level_log_price[k][p];
      if (std::isnan(v)) v = above;
      above = v;
    }
  }
  st.product_sold.resize(P);
  st.product_log_price.resize(P);
  for (size_t p = 0; p < P; ++p) {
    st.product_sold[p] = product[p].n > 0 ? 1 : 0;
    st.product_log_price[p] =
        product[p].n > 0 ? static_cast<float>(product[p].mean()) : st.product_level_log_price[0][p];
    if (!st.product_sold[p]) {
      st.product_log_min[p] = st.product_log_price[p];
      st.product_log_max[p] = st.product_log_price[p];
    }
  }

  // Tier within the sub-commodity: rank of the product's log price among the sold products.
  st.product_tier.assign(P, 0.5f);
  {
    std::vector<std::vector<int32_t>> members(static_cast<size_t>(st.n_categories));
    for (size_t p = 0; p < P; ++p) {
      if (st.product_sold[p]) {
        members[static_cast<size_t>(st.product_category[p])].push_back(static_cast<int32_t>(p));
      }
    }
    for (auto& m : members) {
      if (m.size() < 2) continue;
      std::stable_sort(m.begin(), m.end(), [&](int32_t a, int32_t b) {
        return st.product_log_price[size_t(a)] < st.product_log_price[size_t(b)];
      });
      for (size_t r = 0; r < m.size(); ++r) {
        st.product_tier[size_t(m[r])] = static_cast<float>(r) / static_cast<float>(m.size() - 1);
      }
    }
  }

  // Store price indices: how far above the product's mean a store's prices sit.
  const size_t C = static_cast<size_t>(st.n_categories);
  std::vector<Moments> store(S), store_category(S * C);
  for (size_t p = 0; p < P; ++p) {
    const size_t cl = static_cast<size_t>(st.product_category[p]);
    for (uint64_t c = cells.product_offsets[p]; c < cells.product_offsets[p + 1]; ++c) {
      const float price = cells.actual_price[c];
      if (!(price > 0)) continue;
      const double gap = std::log(static_cast<double>(price)) - product[p].mean();
      const auto s = static_cast<size_t>(cells.store[c]);
      store[s].add(gap);
      store_category[s * C + cl].add(gap);
    }
  }
  st.store_index.resize(S);
  st.store_category_index.resize(S * C);
  for (size_t s = 0; s < S; ++s) {
    st.store_index[s] = store[s].n ? static_cast<float>(store[s].mean()) : 0.0f;
    for (size_t cl = 0; cl < C; ++cl) {
      const Moments& m = store_category[s * C + cl];
      st.store_category_index[s * C + cl] = m.n ? static_cast<float>(m.mean()) : st.store_index[s];
    }
  }
  return st;
}

std::vector<std::string> write_price_encoding(const PriceEncodingStats& st, const fs::path& dir) {
  const uint64_t P = st.product_sold.size(), S = static_cast<uint64_t>(st.n_stores),
                 C = static_cast<uint64_t>(st.n_categories);
  std::vector<float> levels(P * 4);
  for (uint64_t p = 0; p < P; ++p) {
    for (int k = 0; k < 4; ++k) levels[p * 4 + k] = st.product_level_log_price[k][p];
  }
  const std::vector<double> moments = {st.log_price_mean, st.log_price_sd};
  write_npy(dir / "log_price_moments.npy", moments);
  write_npy(dir / "product_sold.npy", st.product_sold);
  write_npy(dir / "product_log_price.npy", st.product_log_price);
  write_npy(dir / "product_log_min.npy", st.product_log_min);
  write_npy(dir / "product_log_max.npy", st.product_log_max);
  write_npy(dir / "product_tier.npy", st.product_tier);
  write_npy(dir / "product_category.npy", st.product_category);
  write_npy(dir / "product_level_log_price.npy", levels, {P, 4});
  write_npy(dir / "store_index.npy", st.store_index);
  write_npy(dir / "store_category_index.npy", st.store_category_index, {S, C});
  return {"log_price_moments.npy", "product_sold.npy",
          "product_log_price.npy", "product_log_min.npy",
          "product_log_max.npy",   "product_tier.npy",
          "product_category.npy",  "product_level_log_price.npy",
          "store_index.npy",       "store_category_index.npy"};
}

PriceEncodingStats read_price_encoding(const fs::path& dir) {
  if (!fs::exists(dir / "product_log_price.npy")) {
    fail("{}: no price encoding statistics (run retailsim features first)", dir.string());
  }
  PriceEncodingStats st;
  const auto moments = read_npy<double>(dir / "log_price_moments.npy");
  if (moments.size() != 2) fail("{}: log_price_moments.npy must hold 2 values", dir.string());
  st.log_price_mean = moments[0];
  st.log_price_sd = moments[1];
  st.product_sold = read_npy<uint8_t>(dir / "product_sold.npy");
  st.product_log_price = read_npy<float>(dir / "product_log_price.npy");
  st.product_log_min = read_npy<float>(dir / "product_log_min.npy");
  st.product_log_max = read_npy<float>(dir / "product_log_max.npy");
  st.product_tier = read_npy<float>(dir / "product_tier.npy");
  st.product_category = read_npy<int32_t>(dir / "product_category.npy");
  const auto levels = read_npy<float>(dir / "product_level_log_price.npy");
  st.store_index = read_npy<float>(dir / "store_index.npy");
  const NpyInfo info = read_npy_info(dir / "store_category_index.npy");
  st.store_category_index = read_npy<float>(dir / "store_category_index.npy");
  const size_t P = st.product_sold.size();
  if (info.shape.size() != 2 || st.product_log_price.size() != P ||
      st.product_log_min.size() != P || st.product_log_max.size() != P ||
      st.product_tier.size() != P || st.product_category.size() != P || levels.size() != P * 4 ||
      info.shape[0] != st.store_index.size()) {
    fail("{}: the price encoding files do not agree in size", dir.string());
  }
  st.n_stores = static_cast<int32_t>(info.shape[0]);
  st.n_categories = static_cast<int32_t>(info.shape[1]);
  for (int k = 0; k < 4; ++k) {
    st.product_level_log_price[k].resize(P);
    for (size_t p = 0; p < P; ++p) st.product_level_log_price[k][p] = levels[p * 4 + k];
  }
  return st;
}

PriceEncoder PriceEncoder::open(const fs::path& data_dir) {
  const fs::path prices = data_dir / "derived" / "prices";
  if (!fs::exists(prices / "cell_actual_price.npy")) {
    fail("{}: no derived price table (run retailsim derive first)", prices.string());
  }
  return PriceEncoder(derive::read_price_table(prices),
                      read_price_encoding(data_dir / "features" / "price_encoding"));
}

PriceEncoder::PriceEncoder(derive::PriceTable table, PriceEncodingStats stats)
    : table_(std::move(table)), stats_(std::move(stats)) {
  if (stats_.product_sold.size() != static_cast<size_t>(table_.dims.n_products) ||
      stats_.n_stores != table_.dims.n_stores) {
    fail(
        "the price table ({} products, {} stores) and the price encoding statistics ({} "
        "products, {} stores) come from different stores (rerun retailsim derive and features)",
        table_.dims.n_products, table_.dims.n_stores, stats_.product_sold.size(), stats_.n_stores);
  }
}

void PriceEncoder::encode(int32_t product, int32_t store, int32_t week, float* out) const {
  const PriceEncodingStats& st = stats_;
  const auto p = static_cast<size_t>(product);
  const auto s = static_cast<size_t>(store);
  auto log_price_at = [&](int32_t w, derive::PriceLevel* level) {
    const derive::PriceLookup found = table_.lookup(product, store, w);
    if (level) *level = found.level;
    return found.level != derive::PriceLevel::kNone && found.actual_price > 0
               ? std::log(static_cast<double>(found.actual_price))
               : std::nan("");
  };
  derive::PriceLevel level = derive::PriceLevel::kNone;
  double lp = log_price_at(week, &level);
  const bool fallback = std::isnan(lp);
  if (fallback) lp = st.product_log_price[p];  // never priced up to this week: training level
  const double product_lp = st.product_log_price[p];
  const double lo = st.product_log_min[p], hi = st.product_log_max[p];
  const float* levels[4] = {&st.product_level_log_price[0][p], &st.product_level_log_price[1][p],
                            &st.product_level_log_price[2][p], &st.product_level_log_price[3][p]};
  const double store_index = st.store_index[s];
  const double store_category_index =
      st.store_category_index[s * static_cast<size_t>(st.n_categories) +
                              static_cast<size_t>(st.product_category[p])];

  // Fourier block: sin/cos of k * theta, k = 1..12, theta = pi/4 per standard deviation of the
  // training log prices; the harmonics by angle addition (one sin/cos call).
  const double z = (lp - st.log_price_mean) / st.log_price_sd;
  const double theta = std::numbers::pi / 4 * std::clamp(z, -8.0, 8.0);
  const double s1 = std::sin(theta), c1 = std::cos(theta);
  double sk = s1, ck = c1;
  for (int k = 0; k < kPriceFourierDims / 2; ++k) {
    out[2 * k] = static_cast<float>(sk);
    out[2 * k + 1] = static_cast<float>(ck);
    const double next_s = sk * c1 + ck * s1;
    ck = ck * c1 - sk * s1;
    sk = next_s;
  }

  // Log-price block.
  float* l = out + kPriceFourierDims;
  l[0] = clip(lp / 12.0, 0, 1);
  l[1] = clip(z / 4.0, -1, 1);
  l[2] = clip(product_lp / 12.0, 0, 1);
  for (int k = 0; k < 4; ++k) l[3 + k] = clip(*levels[k] / 12.0, 0, 1);
  l[7] = hi - lo > 1e-6 ? clip((lp - lo) / (hi - lo), 0, 1) : 0.5f;
  l[8] = clip(lp - lo, 0, 1);
  l[9] = clip(hi - lp, 0, 1);
  l[10] = st.product_tier[p];
  l[11] = fallback ? 1.0f : 0.0f;
  l[12] = level == derive::PriceLevel::kObserved ? 1.0f : 0.0f;
  l[13] = level == derive::PriceLevel::kFormatRegion ? 1.0f : 0.0f;
  l[14] = level == derive::PriceLevel::kGlobal ? 1.0f : 0.0f;
  l[15] = level == derive::PriceLevel::kForwardFill ? 1.0f : 0.0f;

  // Relative block: against the product's training level, the store's price index, the
  // hierarchy levels and this week's prices of the same product elsewhere.
  float* r = l + kPriceLogDims;
  r[0] = clip(lp - product_lp, -1, 1);
  r[1] = clip(lp - product_lp - store_index, -1, 1);
  r[2] = clip(store_index, -1, 1);
  r[3] = clip(store_category_index, -1, 1);
  for (int k = 0; k < 4; ++k) r[4 + k] = clip((lp - *levels[k]) / 2.0, -1, 1);
  r[8] = clip((product_lp - *levels[0]) / 2.0, -1, 1);
  const int32_t W = table_.dims.n_weeks;
  const float group = table_.group_actual[(p * static_cast<size_t>(table_.n_groups) +
                                           static_cast<size_t>(table_.store_group[s])) *
                                              static_cast<size_t>(W) +
                                          static_cast<size_t>(week)];
  const float global = table_.global_actual[p * static_cast<size_t>(W) + static_cast<size_t>(week)];
  const bool has_group = group > 0, has_global = global > 0;
  r[9] = has_group ? clip(lp - std::log(static_cast<double>(group)), -1, 1) : 0.0f;
  r[10] = has_global ? clip(lp - std::log(static_cast<double>(global)), -1, 1) : 0.0f;
  r[11] = has_group ? 1.0f : 0.0f;
  r[12] = has_global ? 1.0f : 0.0f;
  r[13] = !fallback && lp < product_lp + store_index - 0.05 ? 1.0f : 0.0f;
  r[14] = clip(std::exp(lp - product_lp) / 2.0, 0, 1);
  r[15] = clip(1.0 - std::exp(lp - hi), 0, 1);

  // Velocity block: the same store's prices 1, 2, 3, 4, 8 and 13 weeks before (through the same
  // waterfall); a missing week contributes 0.
  float* v = r + kPriceRelativeDims;
  double past[kNLookback];
  int known = 0;
  for (int k = 0; k < kNLookback; ++k) {
    const int32_t w = week - kLookback[k];
    past[k] = w >= 0 && !fallback ? log_price_at(w, nullptr) : std::nan("");
    known += !std::isnan(past[k]);
  }
  auto delta = [&](int k) { return std::isnan(past[k]) ? 0.0f : clip(lp - past[k], -1, 1); };
  v[0] = delta(0);
  v[1] = delta(1);
  v[2] = delta(3);
  v[3] = delta(4);
  v[4] = delta(5);
  double recent_max = std::nan("");
  for (int k = 0; k < 4; ++k) {
    if (!std::isnan(past[k]))
      recent_max = std::isnan(recent_max) ? past[k] : std::max(recent_max, past[k]);
  }
  v[5] = std::isnan(recent_max) ? 0.0f : clip(lp - recent_max, -1, 1);
  // Price changes between consecutive weeks w-4 -> w-3 -> ... -> w, over the pairs both known.
  int changes = 0;
  double later = lp;
  for (int k = 0; k < 4; ++k) {
    if (!std::isnan(past[k]) && !std::isnan(later) && std::abs(later - past[k]) > kChange) {
      ++changes;
    }
    later = past[k];
  }
  v[6] = static_cast<float>(changes) / 4.0f;
  v[7] = static_cast<float>(known) / static_cast<float>(kNLookback);
}

void PriceEncoder::encode_many(std::span<const int32_t> product, std::span<const int32_t> store,
                               std::span<const int32_t> week, float* out) const {
  if (store.size() != product.size() || week.size() != product.size()) {
    fail("encode_many: {} products, {} stores and {} weeks", product.size(), store.size(),
         week.size());
  }
  for (size_t i = 0; i < product.size(); ++i) {
    encode(product[i], store[i], week[i], out + i * kPriceDims);
  }
}

void write_price_encodings(const PriceEncoder& encoder, std::span<const int32_t> product,
                           std::span<const int32_t> store, std::span<const int32_t> week,
                           const fs::path& path) {
  const size_t n = product.size();
  if (store.size() != n || week.size() != n) {
    fail("write_price_encodings: {} products, {} stores and {} weeks", n, store.size(),
         week.size());
  }
  for (size_t i = 0; i < n; ++i) {
    if (product[i] < 0 || product[i] >= encoder.n_products() || store[i] < 0 ||
        store[i] >= encoder.n_stores() || week[i] < 0 || week[i] >= encoder.n_weeks()) {
      fail("{}: cell {} ({}, {}, {}) is outside {} products, {} stores, {} weeks", path.string(), i,
           product[i], store[i], week[i], encoder.n_products(), encoder.n_stores(),
           encoder.n_weeks());
    }
  }
  std::vector<float> values(n * kPriceDims);
  tbb::parallel_for(tbb::blocked_range<size_t>(0, n, 4096), [&](const auto& range) {
    for (size_t i = range.begin(); i != range.end(); ++i) {
      encoder.encode(product[i], store[i], week[i], values.data() + i * kPriceDims);
    }
  });
  write_npy(path, values, {n, static_cast<uint64_t>(kPriceDims)});
}

}  // namespace retailsim::features
