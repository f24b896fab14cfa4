// The personal history of one product (Batch::repeat_features): how often and how regularly the
// customer bought it before the target, and how due it is.
#include <cmath>

#include "prepare/prepare.h"

namespace retailsim::prepare {

void repeat_features(std::span<const int32_t> purchase_weeks, int32_t n_trips, int32_t target_week,
                     float* out8) {
  const auto count = static_cast<double>(purchase_weeks.size());
  const int32_t first = purchase_weeks.front(), last = purchase_weeks.back();
  const double since_last = target_week - last;
  double mean_interval = 0, cv = 0;
  if (purchase_weeks.size() >= 2) {
    mean_interval = static_cast<double>(last - first) / (count - 1);
    if (purchase_weeks.size() >= 3 && mean_interval > 0) {
      double sum_sq = 0;
      for (size_t i = 1; i < purchase_weeks.size(); ++i) {
        const double d = purchase_weeks[i] - purchase_weeks[i - 1] - mean_interval;
        sum_sq += d * d;
      }
      cv = std::sqrt(sum_sq / (count - 1)) / mean_interval;
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
