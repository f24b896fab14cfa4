// The adjusted Rand index of two labelings (pseudo-brands against the true brands).
#include <cstdint>
#include <map>
#include <utility>

#include "core/error.h"
#include "features/features.h"

namespace retailsim::features {

namespace {
double pairs(double n) {
  return n * (n - 1) / 2;
}
}  // namespace

double adjusted_rand_index(std::span<const int32_t> a, std::span<const int32_t> b) {
  if (a.size() != b.size()) fail("adjusted_rand_index: {} labels against {}", a.size(), b.size());
  std::map<std::pair<int32_t, int32_t>, int64_t> cells;
  std::map<int32_t, int64_t> rows, cols;
  int64_t n = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] < 0 || b[i] < 0) continue;
    ++cells[{a[i], b[i]}];
    ++rows[a[i]];
    ++cols[b[i]];
    ++n;
  }
  double index = 0, sum_rows = 0, sum_cols = 0;
  for (const auto& [key, count] : cells) index += pairs(static_cast<double>(count));
  for (const auto& [key, count] : rows) sum_rows += pairs(static_cast<double>(count));
  for (const auto& [key, count] : cols) sum_cols += pairs(static_cast<double>(count));
  const double expected = n < 2 ? 0 : sum_rows * sum_cols / pairs(static_cast<double>(n));
  const double max_index = (sum_rows + sum_cols) / 2;
  // Both partitions trivial in the same way (all one cluster, or all singletons): identical.
  if (max_index == expected) return 1.0;
  return (index - expected) / (max_index - expected);
}

}  // namespace retailsim::features
