// The learned agents (internal to rl, LibTorch): pricing (a squashed-Gaussian price position per
// product), promotion (Gumbel top-k products under the weekly budget, with depths) and inventory
// (an order-up-to level in weeks of forecast sales per product), each its own policy network
// shared across products, over the same per-product features of the environment's observation.
#pragma once

#include <filesystem>
#include <memory>
#include <vector>

#include "rl/ppo.h"
#include "rl/rl.h"
#include "sim/sim.h"

namespace retailsim::rl {

inline constexpr int kItemFeatures = 10;
inline constexpr int kGlobalFeatures = 2;

// Per-product features [P, kItemFeatures] and global features of an observation: cost and
// historical price positions in the bounds, promotion depth, recent sales, stock cover...
Observation product_features(const sim::Market& market, const sim::Observation& obs,
                             int history_weeks, int episode_weeks);

// The agents' decisions of one week and what PPO needs of them.
struct Decision {
  Observation features;
  PolicyOutput pricing, promo, inventory;  // empty raw when the agent is off
  sim::Action action;
  std::vector<double> positions;  // per product: normalised shelf price position
};

class AgentSet {
 public:
  AgentSet(const sim::Market& market, const RlConfig& config);
  // Decides one week: sampled with `rng`, the policies' modes when rng is null. Decisions
  // without an agent follow the historical rule (prices replayed, (s, S) orders).
  Decision decide(const sim::Env& env, const sim::Observation& obs, Rng* rng);
  int promo_budget() const { return promo_budget_; }
  // Every policy of the set, with its name (for optimisers, saving and loading).
  std::vector<std::pair<std::string, std::shared_ptr<Policy>>> policies() const;
  void save(const std::filesystem::path& dir) const;
  void load(const std::filesystem::path& dir);

 private:
  const sim::Market& market_;
  RlConfig config_;
  int promo_budget_ = 1;
  std::shared_ptr<SquashedGaussianPolicy> pricing_;
  std::shared_ptr<TopKPolicy> promo_;
  std::shared_ptr<SquashedGaussianPolicy> inventory_;
};

// The trained agents as a simulator policy (their modes, no exploration), named "ppo". With
// pricing_only, "ppo-pricing": the pricing agent's prices with the historical promotions and
// orders (what sold last week), which isolates the pricing agent's lift over "historical".
std::unique_ptr<sim::Policy> make_learned_policy(AgentSet& agents, bool pricing_only = false);

}  // namespace retailsim::rl
