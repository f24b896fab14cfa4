// Base (shelf) price estimators, chosen by name: the seeds' centred rolling max and our
// regular-level tracker, which tells promotions from shelf-price changes by what happens next.
#include <algorithm>
#include <utility>

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
};
constexpr Entry kEstimators[] = {
    {"regular-level", &regular_level_base},
    {"rolling-max", &rolling_max_base},
};

}  // namespace

BaseEstimator base_estimator_named(const std::string& name) {
  for (const Entry& entry : kEstimators) {
    if (name == entry.name) return entry.estimator;
  }
  fail("unknown base price estimator '{}' (known: {})", name,
       fmt::join(base_estimator_names(), ", "));
}

std::vector<std::string> base_estimator_names() {
  std::vector<std::string> names;
  for (const Entry& entry : kEstimators) names.emplace_back(entry.name);
  return names;
}

}  // namespace retailsim::derive
