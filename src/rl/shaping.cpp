// The seeds' reward shaping terms over normalised price positions.
#include <cmath>

#include "core/error.h"
#include "rl/rl.h"

namespace retailsim::rl {

double boundary_penalty(std::span<const double> x) {
  if (x.empty()) return 0;
  double sum = 0;
  for (double v : x) sum += 1 - 4 * v * (1 - v);
  return sum / static_cast<double>(x.size());
}

double diversity_bonus(std::span<const double> x) {
  if (x.size() < 2) return 0;
  double mean = 0;
  for (double v : x) mean += v;
  mean /= static_cast<double>(x.size());
  double ss = 0;
  for (double v : x) ss += (v - mean) * (v - mean);
  return std::sqrt(ss / static_cast<double>(x.size() - 1));
}

double inventory_alignment(std::span<const double> x, std::span<const uint8_t> excess) {
  if (x.size() != excess.size())
    fail("inventory alignment: {} prices but {} excess flags", x.size(), excess.size());
  if (x.empty()) return 0;
  double sum = 0;
  for (size_t i = 0; i < x.size(); ++i) sum += excess[i] ? 1 - x[i] : 0;
  return sum / static_cast<double>(x.size());
}

double shaped_reward(double profit_term, std::span<const double> x, std::span<const uint8_t> excess,
                     const ShapingWeights& weights) {
  return profit_term - weights.boundary_penalty * boundary_penalty(x) +
         weights.diversity_bonus * diversity_bonus(x) +
         weights.inventory_alignment * inventory_alignment(x, excess);
}

}  // namespace retailsim::rl
