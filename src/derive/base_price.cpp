// Base (shelf) price estimators, chosen by name: the seeds' centred rolling max and our
// regular-level tracker, which tells promotions from shelf-price changes by what happens next.
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <utility>

#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/error.h"
#include "derive/derive.h"

namespace retailsim::derive {

namespace {

// The seeds' rule: max of the actual prices in [w - window/2, w + (window-1)/2] (pandas'
// centred window; window 4 = [w-2, w+1]), over calendar weeks, at least the cell itself.
void rolling_max_base(std::span<const int32_t> weeks, std::span<const float> actual,
                      std::span<float> base, const PriceConfig& config) {
  const int32_t before = config.rolling_window_weeks / 2;
  const int32_t after = (config.rolling_window_weeks - 1) / 2;
  const size_t n = weeks.size();
  size_t lo = 0, hi = 0;  // window = [lo, hi)
  for (size_t i = 0; i < n; ++i) {
    while (lo < i && weeks[lo] < weeks[i] - before) ++lo;
    if (hi <= i) hi = i + 1;
    while (hi < n && weeks[hi] <= weeks[i] + after) ++hi;
    float best = actual[lo];
    for (size_t k = lo + 1; k < hi; ++k) best = std::max(best, actual[k]);
    base[i] = best;
  }
}

// Ours. The series is read as a sequence of price levels. The current shelf level changes:
//  - up, at once, when a higher price holds for rise_min_weeks observed weeks (a shorter spike is
//    not a level: the spike week's base is its own price and the level stays);
//  - down, only when a lower price does not come back to the level within max_promo_weeks — a
//    lower stretch that does come back is a promotion and keeps the level as its base.
// So a promotion of any length up to max_promo_weeks keeps its pre-promotion base (a centred
// 4-week max loses it after two weeks), and a rise never lifts the base of the weeks before it
// (a centred max lifts the week before). At the right edge a drop that has not come back yet is
// taken as a promotion; at the left edge the level starts at the highest price that holds for
// rise_min_weeks within the first max_promo_weeks weeks, so a series that opens in a promotion
// gets the shelf price that follows it. Both edges are ambiguous in principle (an opening
// promotion and an early rise look alike); we side with the promotion, the more frequent event.
void regular_level_base(std::span<const int32_t> weeks, std::span<const float> actual,
                        std::span<float> base, const PriceConfig& config) {
  const size_t n = weeks.size();
  if (n == 0) return;
  const double tol = config.level_tolerance;
  const size_t rise_min = static_cast<size_t>(std::max(1, config.rise_min_weeks));

  // Observed weeks from i on (consecutive cells) priced above `threshold`.
  auto run_above = [&](size_t i, double threshold) {
    size_t j = i;
    while (j < n && actual[j] > threshold) ++j;
    return j - i;
  };

  // Opening level.
  double level = actual[0];
  for (size_t i = 0; i < n && weeks[i] - weeks[0] <= config.max_promo_weeks; ++i) {
    if (actual[i] > level * (1 + tol)) {
      const size_t held = run_above(i, actual[i] * (1 - tol) - 1e-9);
      if (held >= rise_min || i + held == n) level = actual[i];
    }
  }

  size_t i = 0;
  while (i < n) {
    const double price = actual[i];
    if (price > level * (1 + tol)) {
      const size_t held = run_above(i, level * (1 + tol));
      if (held >= rise_min || i + held == n) {
        level = price;
        base[i] = static_cast<float>(level);
        ++i;
      } else {
        for (size_t k = i; k < i + held; ++k) base[k] = actual[k];
        i += held;
      }
      continue;
    }
    if (price >= level * (1 - tol)) {
      base[i] = static_cast<float>(std::max(level, price));
      ++i;
      continue;
    }
    // A drop: does the price come back to the level within max_promo_weeks?
    size_t k = i + 1;
    while (k < n && weeks[k] - weeks[i] <= config.max_promo_weeks &&
           actual[k] < level * (1 - tol)) {
      ++k;
    }
    const bool came_back = k < n && weeks[k] - weeks[i] <= config.max_promo_weeks;
    const bool still_open = k == n;  // the series ends inside the promotion window
    if (came_back || still_open) {
      for (size_t m = i; m < k; ++m) base[m] = static_cast<float>(level);
      i = k;
    } else {
      level = price;  // a lasting cut: the new shelf price
      base[i] = static_cast<float>(level);
      ++i;
    }
  }
}

struct Entry {
  const char* name;
  BaseEstimator estimator;
  bool pooled;  // gaps of a store's series are filled from its store group (config.base_pool)
};
constexpr Entry kEstimators[] = {
    {"regular-level", &regular_level_base, true},
    {"rolling-max", &rolling_max_base, false},  // the seeds' rule, as they wrote it
};

const Entry& entry_named(const std::string& name);

// Dense group id of every store for config.base_pool ("format" or "format-region").
std::vector<int32_t> store_groups(const StoreInfo& stores, const std::string& pool) {
  std::map<std::pair<int32_t, int32_t>, int32_t> ids;
  std::vector<int32_t> group(stores.format.size());
  for (size_t s = 0; s < group.size(); ++s) {
    const std::pair<int32_t, int32_t> key{stores.format[s],
                                          pool == "format-region" ? stores.region[s] : 0};
    group[s] = ids.emplace(key, static_cast<int32_t>(ids.size())).first->second;
  }
  return group;
}

struct PoolScratch {
  std::vector<std::pair<uint32_t, float>> keyed;  // (group * n_weeks + week, price)
  std::vector<float> pooled;                      // [n_groups * n_weeks], NaN where none
  std::vector<int32_t> weeks;
  std::vector<float> actual, base;
  std::vector<int64_t> own;  // index of the merged week's own cell, -1 for a filled week
};

const Entry& entry_named(const std::string& name) {
  for (const Entry& entry : kEstimators) {
    if (name == entry.name) return entry;
  }
  fail("unknown base price estimator '{}' (known: {})", name,
       fmt::join(base_estimator_names(), ", "));
}

}  // namespace

BaseEstimator base_estimator_named(const std::string& name) {
  return entry_named(name).estimator;
}

void estimate_base_prices(PriceCells& cells, const PriceConfig& config, const StoreInfo& stores) {
  const Entry& entry = entry_named(config.base_estimator);
  if (!entry.pooled || config.base_pool == "none") {
    estimate_base_prices(cells, config);
    return;
  }
  const std::vector<int32_t> group = store_groups(stores, config.base_pool);
  const int32_t n_groups = group.empty() ? 0 : *std::max_element(group.begin(), group.end()) + 1;
  int32_t n_weeks = 0;
  for (int32_t w : cells.week) n_weeks = std::max(n_weeks, w + 1);
  const size_t n_keys = size_t(n_groups) * size_t(n_weeks);
  cells.base_price.resize(cells.size());
  const int32_t n_products = static_cast<int32_t>(cells.product_offsets.size()) - 1;
  tbb::enumerable_thread_specific<PoolScratch> scratches;
  tbb::parallel_for(
      tbb::blocked_range<int32_t>(0, std::max(0, n_products), 1), [&](const auto& range) {
        PoolScratch& t = scratches.local();
        for (int32_t p = range.begin(); p != range.end(); ++p) {
          const uint64_t first = cells.product_offsets[p], last = cells.product_offsets[p + 1];
          if (first == last) continue;
          // The group's price each week: the median over its stores' cells.
          t.keyed.clear();
          for (uint64_t c = first; c < last; ++c) {
            const uint32_t key =
                uint32_t(group[cells.store[c]]) * uint32_t(n_weeks) + uint32_t(cells.week[c]);
            t.keyed.emplace_back(key, cells.actual_price[c]);
          }
          std::sort(t.keyed.begin(), t.keyed.end());
          t.pooled.assign(n_keys, std::numeric_limits<float>::quiet_NaN());
          for (size_t i = 0; i < t.keyed.size();) {
            size_t j = i + 1;
            while (j < t.keyed.size() && t.keyed[j].first == t.keyed[i].first) ++j;
            const size_t m = j - i;
            const float mid = t.keyed[i + m / 2].second;
            t.pooled[t.keyed[i].first] =
                m % 2 ? mid : static_cast<float>((double(t.keyed[i + m / 2 - 1].second) + mid) / 2);
            i = j;
          }
          // Each store's series with its gaps filled from the group, within max_promo_weeks of its
          // own cells (the reach of the tracker's look-ahead).
          for (uint64_t i = first; i < last;) {
            uint64_t j = i + 1;
            while (j < last && cells.store[j] == cells.store[i]) ++j;
            const size_t g_row = size_t(group[cells.store[i]]) * size_t(n_weeks);
            const int32_t lo = std::max(0, cells.week[i] - config.max_promo_weeks);
            const int32_t hi = std::min(n_weeks - 1, cells.week[j - 1] + config.max_promo_weeks);
            t.weeks.clear();
            t.actual.clear();
            t.own.clear();
            uint64_t next = i;
            for (int32_t w = lo; w <= hi; ++w) {
              if (next < j && cells.week[next] == w) {
                t.weeks.push_back(w);
                t.actual.push_back(cells.actual_price[next]);
                t.own.push_back(static_cast<int64_t>(next++));
              } else if (!std::isnan(t.pooled[g_row + size_t(w)])) {
                t.weeks.push_back(w);
                t.actual.push_back(t.pooled[g_row + size_t(w)]);
                t.own.push_back(-1);
              }
            }
            t.base.assign(t.weeks.size(), 0.0f);
            entry.estimator(t.weeks, t.actual, t.base, config);
            for (size_t k = 0; k < t.own.size(); ++k) {
              if (t.own[k] >= 0) cells.base_price[static_cast<size_t>(t.own[k])] = t.base[k];
            }
            i = j;
          }
        }
      });
}

std::vector<std::string> base_estimator_names() {
  std::vector<std::string> names;
  for (const Entry& entry : kEstimators) names.emplace_back(entry.name);
  return names;
}

}  // namespace retailsim::derive
