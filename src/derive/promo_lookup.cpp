// Promotion flags of any (product, store, week) through the price waterfall, read back from
// derived/prices/ without rebuilding the price table: one byte per observed and per fallback cell.
#include <bit>
#include <cmath>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include "core/error.h"
#include "core/npy.h"
#include "derive/stage_io.h"

namespace retailsim::derive {

namespace {

// Fallback codes: the fallback median of a (product, group, week) is missing, or priced.
constexpr uint8_t kNoPrice = 0, kPriced = 1, kPromoted = 2;

}  // namespace

PromoLookup PromoLookup::read(const fs::path& dir, const PriceDims& dims,
                              const PriceConfig& config) {
  const size_t P = size_t(dims.n_products), S = size_t(dims.n_stores), W = size_t(dims.n_weeks);
  PromoLookup out;
  out.n_stores_ = dims.n_stores;
  out.n_weeks_ = dims.n_weeks;
  out.words_ = (dims.n_weeks + 63) / 64;
  out.cell_promo_ = read_npy<uint8_t>(dir / "cell_promo_flag.npy");
  out.store_group_ = read_npy<int32_t>(dir / "store_group.npy");
  out.last_sold_week_ = read_npy<int32_t>(dir / "last_sold_week.npy");
  if (out.store_group_.size() != S || out.last_sold_week_.size() != P * W) {
    fail("{} does not match {} products, {} stores, {} weeks", dir.string(), P, S, W);
  }
  {
    // The series index: per (product, store) its first cell, then its bit mask of weeks, side by
    // side so that a lookup touches one cache line.
    const std::vector<uint64_t> offsets = read_npy<uint64_t>(dir / "product_cell_offsets.npy");
    const std::vector<int32_t> store = read_npy<int32_t>(dir / "cell_store.npy");
    const std::vector<int32_t> week = read_npy<int32_t>(dir / "cell_week.npy");
    if (offsets.size() != P + 1 || store.size() != out.cell_promo_.size() ||
        week.size() != store.size() || offsets.back() != store.size()) {
      fail("{}: cell files do not match {} products", dir.string(), P);
    }
    const size_t stride = 1 + size_t(out.words_);
    out.series_.assign(P * S * stride, 0);
    tbb::parallel_for(tbb::blocked_range<size_t>(0, P, 16), [&](const auto& range) {
      for (size_t p = range.begin(); p != range.end(); ++p) {
        for (uint64_t c = offsets[p]; c < offsets[p + 1]; ++c) {
          uint64_t* entry = out.series_.data() + (p * S + size_t(store[c])) * stride;
          if (c == offsets[p] || store[c - 1] != store[c]) entry[0] = c;
          const int32_t w = week[c];
          entry[1 + (w >> 6)] |= uint64_t{1} << (w & 63);
        }
      }
    });
  }
  // The waterfall's format-region level (the format's where the group has no cell), or the global
  // one where neither has.
  const std::vector<float> group_actual = read_npy<float>(dir / "group_actual_price.npy");
  const std::vector<float> group_base = read_npy<float>(dir / "group_base_price.npy");
  const std::vector<float> global_actual = read_npy<float>(dir / "global_actual_price.npy");
  const std::vector<float> global_base = read_npy<float>(dir / "global_base_price.npy");
  if (P * W == 0 || group_actual.size() % (P * W) != 0 ||
      group_base.size() != group_actual.size() || global_actual.size() != P * W ||
      global_base.size() != P * W) {
    fail("{}: fallback tables do not match {} products, {} weeks", dir.string(), P, W);
  }
  const size_t G = group_actual.size() / (P * W);
  out.n_groups_ = static_cast<int32_t>(G);
  out.fallback_.assign(P * G * W, kNoPrice);
  tbb::parallel_for(tbb::blocked_range<size_t>(0, P, 16), [&](const auto& range) {
    for (size_t p = range.begin(); p != range.end(); ++p) {
      for (size_t g = 0; g < G; ++g) {
        for (size_t w = 0; w < W; ++w) {
          const size_t at = (p * G + g) * W + w, pw = p * W + w;
          float actual = group_actual[at], base = group_base[at];
          if (std::isnan(actual)) {
            actual = global_actual[pw];
            base = global_base[pw];
          }
          if (std::isnan(actual)) continue;
          out.fallback_[at] = promotion_of(actual, base, config).promo ? kPromoted : kPriced;
        }
      }
    }
  });
  return out;
}

int64_t PromoLookup::find_cell(int32_t product, int32_t store, int32_t week) const {
  const size_t stride = 1 + size_t(words_);
  const uint64_t* entry = series_.data() + (size_t(product) * n_stores_ + store) * stride;
  const uint64_t* mask = entry + 1;
  const int word = week >> 6, bit = week & 63;
  if (!((mask[word] >> bit) & 1)) return -1;
  uint64_t rank = static_cast<uint64_t>(std::popcount(mask[word] & ((uint64_t{1} << bit) - 1)));
  for (int k = 0; k < word; ++k) rank += static_cast<uint64_t>(std::popcount(mask[k]));
  return static_cast<int64_t>(entry[0] + rank);
}

bool PromoLookup::promo(int32_t product, int32_t store, int32_t week) const {
  // As promotion_of(PriceTable::lookup(...)): observed cell, fallbacks, forward fill.
  if (const int64_t c = find_cell(product, store, week); c >= 0) return cell_promo_[c] != 0;
  const size_t group_row = (size_t(product) * n_groups_ + store_group_[store]) * n_weeks_;
  if (const uint8_t f = fallback_[group_row + week]; f != kNoPrice) return f == kPromoted;
  const int32_t source = last_sold_week_[size_t(product) * n_weeks_ + week];
  if (source < 0) return false;
  if (const int64_t c = find_cell(product, store, source); c >= 0) return cell_promo_[c] != 0;
  return fallback_[group_row + source] == kPromoted;
}

}  // namespace retailsim::derive
