// The personal history of one product (Batch::repeat_features): how often and how regularly the
// customer bought it before the target, and how due it is.
#include <cmath>

#include "prepare/prepare.h"

namespace retailsim::prepare {

void repeat_features(const RepeatStats& s, int32_t n_trips, int32_t target_week, float* out8) {
  const auto count = static_cast<double>(s.count);
  const double since_last = target_week - s.last_week;
  double mean_interval = 0, cv = 0;
  if (s.count >= 2) {
    mean_interval = static_cast<double>(s.last_week - s.first_week) / (count - 1);
    if (s.count >= 3 && mean_interval > 0) {
      // Intervals d_i: sum (d_i - mean)^2 = sum d_i^2 - (count - 1) mean^2.
      const double variance =
          std::max(0.0, s.sum_sq_intervals / (count - 1) - mean_interval * mean_interval);
      cv = std::sqrt(variance) / mean_interval;
    }
  }
  out8[0] = static_cast<float>(count);
  out8[1] = static_cast<float>(std::log1p(count));
  out8[2] = n_trips > 0 ? static_cast<float>(count / n_trips) : 0.0f;
  out8[3] = static_cast<float>(since_last);
  out8[4] = static_cast<float>(std::log1p(since_last));
  out8[5] = static_cast<float>(mean_interval);
  out8[6] = static_cast<float>(cv);
  out8[7] = mean_interval > 0 ? static_cast<float>(since_last / mean_interval) : 0.0f;
}

}  // namespace retailsim::prepare
