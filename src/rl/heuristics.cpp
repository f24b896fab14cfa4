// Heuristic baselines: historical prices replayed, cost-plus, everyday low price, hi-lo promotion
// calendar, (s, S) inventory and random, as simulator policies.
#include <algorithm>
#include <cmath>
#include <mutex>

#include <fmt/ranges.h>

#include "core/error.h"
#include "core/rng.h"
#include "rl/policy_rules.h"
#include "rl/rl.h"

namespace retailsim::rl {

namespace {

enum class PriceRule { kHistorical, kCostPlus, kEverydayLow, kHiLo, kRandom };
enum class OrderRule { kReplenish, kSS };

class Heuristic final : public sim::Policy {
 public:
  Heuristic(std::string name, PriceRule prices, OrderRule orders, const RlConfig& config,
            uint64_t seed)
      : name_(std::move(name)), prices_(prices), orders_(orders), config_(config), rng_(seed) {}

  std::string name() const override { return name_; }

  sim::Action act(const sim::Env& env, const sim::Observation& obs) override {
    const sim::Market& market = env.market();
    const int n_p = market.n_products(), n_s = market.n_stores();
    const size_t n = market.n_cells();
    sim::Action a;
    a.shelf_price_cents.assign(n, 0.0f);
    a.promo_depth.assign(n, 0.0f);
    const int k = std::max(1, static_cast<int>(std::lround(config_.promo_budget_share * n_p)));
    std::vector<uint8_t> promoted(n_p, 0);
    std::vector<float> depth(n_p, 0.0f);
    if (prices_ == PriceRule::kHiLo) {
      // A rotating calendar: every week the next k products (in catalogue order) are promoted.
      const int n_groups = std::max(1, (n_p + k - 1) / k);
      const int group = obs.step % n_groups;
      for (int p = group * k; p < std::min(n_p, (group + 1) * k); ++p) {
        promoted[p] = 1;
        depth[p] = static_cast<float>(config_.promo_max_depth);
      }
    } else if (prices_ == PriceRule::kRandom) {
      std::vector<int> order(n_p);
      for (int p = 0; p < n_p; ++p) order[p] = p;
      for (int i = 0; i < std::min(k, n_p); ++i) {
        std::swap(order[i], order[i + rng_.below(n_p - i)]);
        promoted[order[i]] = 1;
        depth[order[i]] =
            static_cast<float>(rng_.uniform(config_.promo_min_depth, config_.promo_max_depth));
      }
    }
    for (int p = 0; p < n_p; ++p) {
      float product_price = 0;
      switch (prices_) {
        case PriceRule::kHistorical:
          break;
        case PriceRule::kCostPlus:
          product_price = std::clamp(
              static_cast<float>(market.unit_cost_cents[p] * (1 + config_.cost_plus_markup)),
              market.price_low_cents[p], market.price_high_cents[p]);
          break;
        case PriceRule::kEverydayLow:
          product_price = price_at(market, p, config_.edlp_position);
          break;
        case PriceRule::kHiLo:
          product_price = price_at(market, p, config_.hilo_position);
          break;
        case PriceRule::kRandom:
          product_price = price_at(market, p, rng_.uniform());
          break;
      }
      for (int s = 0; s < n_s; ++s) {
        const size_t cell = static_cast<size_t>(p) * n_s + s;
        if (prices_ == PriceRule::kHistorical) {
          a.shelf_price_cents[cell] = obs.historical_price_cents[cell];
          a.promo_depth[cell] = obs.historical_promo_depth[cell];
        } else {
          a.shelf_price_cents[cell] = product_price;
          a.promo_depth[cell] = depth[p];
        }
      }
    }
    const int history = env.config().history_weeks;
    if (!env.config().track_inventory) {
      a.order_units.clear();
    } else if (orders_ == OrderRule::kReplenish) {
      replenish_orders(obs, history, a.order_units);
    } else {
      const auto forecast = forecast_units(obs, history);
      ss_orders(obs, forecast, config_.reorder_cover_weeks, config_.order_up_to_weeks,
                a.order_units);
    }
    return a;
  }

 private:
  std::string name_;
  PriceRule prices_;
  OrderRule orders_;
  RlConfig config_;
  Rng rng_;
};

struct Entry {
  const char* name;
  PriceRule prices;
  OrderRule orders;
};
constexpr Entry kHeuristics[] = {
    {"historical", PriceRule::kHistorical, OrderRule::kReplenish},
    {"s-S", PriceRule::kHistorical, OrderRule::kSS},
    {"cost-plus", PriceRule::kCostPlus, OrderRule::kReplenish},
    {"everyday-low-price", PriceRule::kEverydayLow, OrderRule::kReplenish},
    {"hi-lo", PriceRule::kHiLo, OrderRule::kReplenish},
    {"random", PriceRule::kRandom, OrderRule::kReplenish},
};

}  // namespace

std::vector<std::string> heuristic_names() {
  std::vector<std::string> out;
  for (const auto& e : kHeuristics) out.emplace_back(e.name);
  return out;
}

std::unique_ptr<sim::Policy> make_heuristic(const std::string& name, const RlConfig& config,
                                            uint64_t seed) {
  for (const auto& e : kHeuristics)
    if (name == e.name) return std::make_unique<Heuristic>(name, e.prices, e.orders, config, seed);
  fail("unknown heuristic policy '{}' (known: {})", name, fmt::join(heuristic_names(), ", "));
}

void register_heuristics(const RlConfig& config) {
  for (const auto& e : kHeuristics) {
    const std::string name = e.name;
    sim::register_policy("rl:" + name, [name, config](const Json&, uint64_t seed) {
      return make_heuristic(name, config, seed);
    });
  }
}

}  // namespace retailsim::rl
