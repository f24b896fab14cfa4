// The temporal split by week and the cold-start flag of each customer.
#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "features/features.h"

namespace retailsim::features {

namespace {
int32_t round_half_up(double x) {
  return static_cast<int32_t>(std::floor(x + 0.5 + 1e-9));
}
}  // namespace

SplitWeeks split_weeks(int32_t n_weeks, double train_fraction, double val_fraction) {
  if (n_weeks < 3)
    fail("features: the temporal split needs at least 3 weeks, the data has {}", n_weeks);
  SplitWeeks w;
  w.n_weeks = n_weeks;
  w.n_train = std::clamp(round_half_up(n_weeks * train_fraction), 1, n_weeks - 2);
  const int32_t train_val = std::clamp(round_half_up(n_weeks * (train_fraction + val_fraction)),
                                       w.n_train + 1, n_weeks - 1);
  w.n_val = train_val - w.n_train;
  w.n_test = n_weeks - train_val;
  return w;
}

CustomerSplit customer_split(std::span<const int64_t> customer_offsets,
                             std::span<const int32_t> basket_week_of_position,
                             const SplitWeeks& weeks) {
  const size_t n = customer_offsets.empty() ? 0 : customer_offsets.size() - 1;
  CustomerSplit out;
  out.first_week.assign(n, -1);
  out.cold_start.assign(n, 0);
  for (size_t c = 0; c < n; ++c) {
    const int64_t b = customer_offsets[c], e = customer_offsets[c + 1];
    if (b == e) continue;
    // Baskets are in time order, so the first is the earliest; min() guards hand-made input.
    int32_t first = basket_week_of_position[static_cast<size_t>(b)];
    for (int64_t i = b + 1; i < e; ++i) {
      first = std::min(first, basket_week_of_position[static_cast<size_t>(i)]);
    }
    out.first_week[c] = first;
    out.cold_start[c] = weeks.split_of(first) == kTest;
  }
  return out;
}

}  // namespace retailsim::features
