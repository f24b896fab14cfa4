// Order statistics on scratch arrays: medians and NumPy/pandas-style linearly interpolated
// quantiles by selection (nth_element), never by a full sort.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <span>

namespace retailsim::derive {

// Quantile q in [0, 1] of `values` with linear interpolation between order statistics
// (numpy.quantile's default, pandas' quantile). Reorders `values`. NaN when empty.
template <typename T>
double quantile_inplace(std::span<T> values, double q) {
  const size_t n = values.size();
  if (n == 0) return std::numeric_limits<double>::quiet_NaN();
  const double position = q * static_cast<double>(n - 1);
  const size_t below = static_cast<size_t>(std::floor(position));
  const double fraction = position - static_cast<double>(below);
  std::nth_element(values.begin(), values.begin() + below, values.end());
  const double low = static_cast<double>(values[below]);
  if (fraction <= 0.0 || below + 1 >= n) return low;
  // After nth_element everything right of `below` is >= it: the next order statistic is their min.
  const double high =
      static_cast<double>(*std::min_element(values.begin() + below + 1, values.end()));
  return low + fraction * (high - low);
}

// Median: the middle value, or the mean of the two middle values for an even count.
template <typename T>
double median_inplace(std::span<T> values) {
  return quantile_inplace(values, 0.5);
}

}  // namespace retailsim::derive
