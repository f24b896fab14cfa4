// The learned agents: per-product features, the three policies and their mapping to actions.
#include "rl/agents.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "rl/policy_rules.h"

namespace retailsim::rl {

namespace {

double sigmoid(double u) {
  return 1 / (1 + std::exp(-u));
}

}  // namespace

Observation product_features(const sim::Market& market, const sim::Observation& obs,
                             int history_weeks, int episode_weeks) {
  const int n_p = market.n_products(), n_s = market.n_stores();
  const size_t n = market.n_cells();
  auto items = torch::zeros({n_p, kItemFeatures}, torch::kFloat32);
  auto f = items.accessor<float, 2>();
  const size_t newest = history_weeks > 0 ? static_cast<size_t>(history_weeks - 1) * n : 0;
  for (int p = 0; p < n_p; ++p) {
    const double low = market.price_low_cents[p], high = market.price_high_cents[p];
    const double range = std::max(high - low, 1e-3);
    double hist_pos = 0, hist_depth = 0, last_pos = 0, last_units = 0, forecast = 0, stock = 0;
    for (int s = 0; s < n_s; ++s) {
      const size_t cell = static_cast<size_t>(p) * n_s + s;
      hist_pos += (obs.historical_price_cents[cell] - low) / range;
      hist_depth += obs.historical_promo_depth[cell];
      last_pos += (obs.shelf_price_cents[cell] - low) / range;
      if (history_weeks > 0) last_units += obs.recent_units[newest + cell];
      for (int k = 0; k < history_weeks; ++k) forecast += obs.recent_units[k * n + cell];
      stock += obs.inventory_units[cell];
    }
    if (history_weeks > 0) forecast /= history_weeks;
    f[p][0] = static_cast<float>(std::clamp((market.unit_cost_cents[p] - low) / range, -3.0, 3.0));
    f[p][1] = static_cast<float>(std::log(std::max(high, 1.0) / std::max(low, 1.0)));
    f[p][2] = static_cast<float>(std::clamp(hist_pos / n_s, -1.0, 2.0));
    f[p][3] = static_cast<float>(hist_depth / n_s);
    f[p][4] = static_cast<float>(std::clamp(last_pos / n_s, -1.0, 2.0));
    f[p][5] = static_cast<float>(std::log1p(last_units));
    f[p][6] = static_cast<float>(std::log1p(forecast));
    f[p][7] = market.perishable[p] ? 1.0f : 0.0f;
    f[p][8] = static_cast<float>(std::log1p(stock));
    f[p][9] = static_cast<float>(std::min(stock / (forecast + 0.5), 10.0) / 10);
  }
  auto global = torch::tensor(
      {static_cast<float>(obs.step) / static_cast<float>(std::max(1, episode_weeks)), 1.0f});
  return {items, global};
}

AgentSet::AgentSet(const sim::Market& market, const RlConfig& config)
    : market_(market), config_(config) {
  promo_budget_ =
      std::clamp(static_cast<int>(std::lround(config.promo_budget_share * market.n_products())), 1,
                 market.n_products());
  if (config.has_agent("pricing"))
    pricing_ = std::make_shared<SquashedGaussianPolicy>(kItemFeatures, kGlobalFeatures, config.ppo);
  if (config.has_agent("promo"))
    promo_ =
        std::make_shared<TopKPolicy>(kItemFeatures, kGlobalFeatures, promo_budget_, config.ppo);
  if (config.has_agent("inventory"))
    inventory_ =
        std::make_shared<SquashedGaussianPolicy>(kItemFeatures, kGlobalFeatures, config.ppo);
}

std::vector<std::pair<std::string, std::shared_ptr<Policy>>> AgentSet::policies() const {
  std::vector<std::pair<std::string, std::shared_ptr<Policy>>> out;
  if (pricing_) out.emplace_back("pricing", pricing_);
  if (promo_) out.emplace_back("promo", promo_);
  if (inventory_) out.emplace_back("inventory", inventory_);
  return out;
}

Decision AgentSet::decide(const sim::Env& env, const sim::Observation& obs, Rng* rng) {
  const int n_p = market_.n_products(), n_s = market_.n_stores();
  const size_t n = market_.n_cells();
  const int history = env.config().history_weeks;
  Decision d;
  d.features = product_features(market_, obs, history, env.config().episode_weeks);
  sim::Action& a = d.action;
  a.shelf_price_cents = obs.historical_price_cents;
  a.promo_depth = obs.historical_promo_depth;
  d.positions.assign(n_p, 0.0);
  if (pricing_) {
    d.pricing = pricing_->act(d.features, rng);
    auto u = d.pricing.raw[0].contiguous();
    const float* us = u.data_ptr<float>();
    for (int p = 0; p < n_p; ++p) {
      const float price = price_at(market_, p, sigmoid(us[p]));
      for (int s = 0; s < n_s; ++s) a.shelf_price_cents[static_cast<size_t>(p) * n_s + s] = price;
    }
  }
  for (int p = 0; p < n_p; ++p) {
    double sum = 0;
    for (int s = 0; s < n_s; ++s)
      sum += position_of(market_, p, a.shelf_price_cents[static_cast<size_t>(p) * n_s + s]);
    d.positions[p] = sum / n_s;
  }
  if (promo_) {
    d.promo = promo_->act(d.features, rng);
    std::fill(a.promo_depth.begin(), a.promo_depth.end(), 0.0f);
    auto picks = d.promo.raw[0].contiguous();
    auto u = d.promo.raw[1].contiguous();
    const int64_t* ps = picks.data_ptr<int64_t>();
    const float* us = u.data_ptr<float>();
    for (int64_t i = 0; i < picks.numel(); ++i) {
      const int p = static_cast<int>(ps[i]);
      const double depth = config_.promo_min_depth +
                           sigmoid(us[p]) * (config_.promo_max_depth - config_.promo_min_depth);
      for (int s = 0; s < n_s; ++s)
        a.promo_depth[static_cast<size_t>(p) * n_s + s] = static_cast<float>(depth);
    }
  }
  if (env.config().track_inventory) {
    const auto forecast = forecast_units(obs, history);
    if (inventory_) {
      d.inventory = inventory_->act(d.features, rng);
      auto u = d.inventory.raw[0].contiguous();
      const float* us = u.data_ptr<float>();
      a.order_units.assign(n, 0.0f);
      for (int p = 0; p < n_p; ++p) {
        const double level = sigmoid(us[p]) * config_.max_cover_weeks;
        for (int s = 0; s < n_s; ++s) {
          const size_t cell = static_cast<size_t>(p) * n_s + s;
          a.order_units[cell] = static_cast<float>(
              std::max(0.0, std::ceil(level * forecast[cell] - obs.inventory_units[cell])));
        }
      }
    } else {
      ss_orders(obs, forecast, config_.reorder_cover_weeks, config_.order_up_to_weeks,
                a.order_units);
    }
  }
  return d;
}

void AgentSet::save(const std::filesystem::path& dir) const {
  for (const auto& [name, policy] : policies())
    torch::save(policy, (dir / (name + ".pt")).string());
}

void AgentSet::load(const std::filesystem::path& dir) {
  for (const auto& [name, policy] : policies()) {
    const auto path = dir / (name + ".pt");
    if (!std::filesystem::exists(path))
      fail("{}: no trained '{}' agent (run `retailsim rl train` with it first)", path.string(),
           name);
    auto module = std::static_pointer_cast<torch::nn::Module>(policy);
    torch::load(module, path.string());
  }
}

namespace {

class LearnedPolicy final : public sim::Policy {
 public:
  LearnedPolicy(AgentSet& agents, bool pricing_only)
      : agents_(agents), pricing_only_(pricing_only) {}
  std::string name() const override { return pricing_only_ ? "ppo-pricing" : "ppo"; }
  sim::Action act(const sim::Env& env, const sim::Observation& obs) override {
    sim::Action a = agents_.decide(env, obs, nullptr).action;
    if (pricing_only_) {
      a.promo_depth = obs.historical_promo_depth;
      if (env.config().track_inventory)
        replenish_orders(obs, env.config().history_weeks, a.order_units);
    }
    return a;
  }

 private:
  AgentSet& agents_;
  bool pricing_only_;
};

}  // namespace

std::unique_ptr<sim::Policy> make_learned_policy(AgentSet& agents, bool pricing_only) {
  return std::make_unique<LearnedPolicy>(agents, pricing_only);
}

}  // namespace retailsim::rl
