// Decision rules shared by heuristics and agents: forecasts, orders, price positions.
#include "rl/policy_rules.h"

#include <algorithm>
#include <cmath>

namespace retailsim::rl {

std::vector<float> forecast_units(const sim::Observation& obs, int history_weeks) {
  const size_t n = obs.inventory_units.size();
  std::vector<float> out(n, 0.0f);
  if (history_weeks <= 0) return out;
  for (int k = 0; k < history_weeks; ++k)
    for (size_t i = 0; i < n; ++i) out[i] += obs.recent_units[k * n + i];
  if (!obs.lost_units.empty())
    for (size_t i = 0; i < n; ++i) out[i] += obs.lost_units[i];
  for (float& v : out) v /= static_cast<float>(history_weeks);
  return out;
}

void ss_orders(const sim::Observation& obs, std::span<const float> forecast, double reorder_weeks,
               double up_to_weeks, std::vector<float>& orders) {
  const size_t n = obs.inventory_units.size();
  orders.assign(n, 0.0f);
  for (size_t i = 0; i < n; ++i) {
    const double stock = obs.inventory_units[i];
    if (stock > reorder_weeks * forecast[i]) continue;
    const double up_to = std::ceil(up_to_weeks * forecast[i]);
    orders[i] = static_cast<float>(std::max(0.0, up_to - stock));
  }
}

void replenish_orders(const sim::Observation& obs, int history_weeks, std::vector<float>& orders) {
  const size_t n = obs.inventory_units.size();
  orders.assign(n, 0.0f);
  if (history_weeks <= 0) return;
  const size_t newest = static_cast<size_t>(history_weeks - 1) * n;
  for (size_t i = 0; i < n; ++i)
    orders[i] = obs.recent_units[newest + i] + (obs.lost_units.empty() ? 0.0f : obs.lost_units[i]);
}

float price_at(const sim::Market& market, int product, double x) {
  const float low = market.price_low_cents[product], high = market.price_high_cents[product];
  const double price = low + std::clamp(x, 0.0, 1.0) * (static_cast<double>(high) - low);
  return std::clamp(static_cast<float>(price), low, high);
}

double position_of(const sim::Market& market, int product, double price_cents) {
  const double low = market.price_low_cents[product], high = market.price_high_cents[product];
  if (!(high > low)) return 0.5;
  return (price_cents - low) / (high - low);
}

}  // namespace retailsim::rl
