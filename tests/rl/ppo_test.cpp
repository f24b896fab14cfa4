// PPO on a toy single-product pricing market with linear demand q = a - b p and profit
// (p - c) q, whose optimal price is known: p* = (a / b + c) / 2.
#include <gtest/gtest.h>

#include <cmath>

#include "core/rng.h"
#include "rl/ppo.h"

namespace retailsim::rl {
namespace {

struct LinearDemand {
  double a = 100, b = 10, c = 2;  // q = a - b p; unit cost c
  double low = 1, high = 11;      // price bounds
  double optimum() const { return (a / b + c) / 2; }
  double profit(double p) const { return (p - c) * std::max(0.0, a - b * p); }
  double price(double u) const { return low + (high - low) / (1 + std::exp(-u)); }
};

struct ToyResult {
  double price = 0;
  std::vector<float> parameters;
};

// One PPO update over `steps` one-step episodes (a bandit) of a fixed observation.
template <typename Reward>
void train_bandit_round(Policy& policy, torch::optim::Optimizer& optimizer, const Observation& obs,
                        const PpoConfig& config, Rng& rng, int steps, Reward reward) {
  Trajectory trajectory;
  for (int t = 0; t < steps; ++t) {
    auto out = policy.act(obs, &rng);
    trajectory.add(obs, out);
    trajectory.rewards.push_back(reward(out.raw).to(torch::kFloat32));
    trajectory.dones.push_back(1);
  }
  auto adv = trajectory_advantages(trajectory, torch::zeros_like(trajectory.values[0]),
                                   config.gamma, config.gae_lambda);
  ppo_update(policy, optimizer, trajectory, adv, config, rng);
}

// One-step episodes (a bandit): observe a constant, set a price, earn the profit.
ToyResult train_toy(uint64_t seed, int iterations) {
  torch::manual_seed(seed);
  PpoConfig config;
  config.entropy_coef = 0.0;
  SquashedGaussianPolicy policy(1, 1, config);
  torch::optim::Adam optimizer(policy.parameters(),
                               torch::optim::AdamOptions(config.learning_rate));
  Rng rng(seed);
  LinearDemand market;
  const Observation obs{torch::ones({1, 1}), torch::ones({1})};
  const double scale = market.profit(market.optimum());
  for (int it = 0; it < iterations; ++it) {
    train_bandit_round(policy, optimizer, obs, config, rng, 64, [&](const RawAction& raw) {
      return torch::full({1}, market.profit(market.price(raw[0][0].item<double>())) / scale);
    });
  }
  ToyResult result;
  result.price = market.price(policy.mean(obs)[0].item<double>());
  for (const auto& p : policy.parameters()) {
    auto flat = p.detach().flatten().contiguous();
    result.parameters.insert(result.parameters.end(), flat.data_ptr<float>(),
                             flat.data_ptr<float>() + flat.numel());
  }
  return result;
}

TEST(Ppo, ReachesTheLinearDemandOptimumWithinTwoPercent) {
  const LinearDemand market;
  for (uint64_t seed : {1, 2, 3}) {
    const auto result = train_toy(seed, 60);
    EXPECT_NEAR(result.price, market.optimum(), 0.02 * market.optimum()) << "seed " << seed;
  }
}

TEST(Ppo, SameSeedGivesTheSameParameters) {
  const auto a = train_toy(7, 20), b = train_toy(7, 20), c = train_toy(8, 20);
  EXPECT_EQ(a.parameters, b.parameters);
  EXPECT_NE(a.parameters, c.parameters);
}

TEST(Gae, MatchesAHandComputedRollout) {
  // Two steps then the episode ends: deltas d1 = 1 + 0.9 * 0.5 - 0.2 = 1.25, d2 = 2 - 0.5 = 1.5;
  // A2 = 1.5, A1 = 1.25 + 0.9 * 0.8 * 1.5 = 2.33.
  auto out = compute_gae({1, 2}, {0.2, 0.5}, {0, 1}, 9.0, 0.9, 0.8);
  ASSERT_EQ(out.advantage.size(), 2u);
  EXPECT_NEAR(out.advantage[1], 1.5, 1e-12);
  EXPECT_NEAR(out.advantage[0], 2.33, 1e-12);
  EXPECT_NEAR(out.returns[0], 2.53, 1e-12);
  // Bootstraps from last_value when the rollout stops mid-episode: d = 1 + 0.9 * 3 - 0.5 = 3.2.
  auto open = compute_gae({1}, {0.5}, {0}, 3.0, 0.9, 0.8);
  EXPECT_NEAR(open.advantage[0], 3.2, 1e-12);
}

TEST(Ppo, BernoulliPolicyLearnsWhichItemsPay) {
  // Two items; choosing item 0 earns 1, choosing item 1 costs 1.
  torch::manual_seed(3);
  PpoConfig config;
  BernoulliPolicy policy(1, 1, config);
  torch::optim::Adam optimizer(policy.parameters(), torch::optim::AdamOptions(1e-2));
  Rng rng(3);
  const Observation obs{torch::tensor({{1.0f}, {-1.0f}}), torch::ones({1})};
  for (int it = 0; it < 40; ++it) {
    // Per item: each choice earns its own reward.
    train_bandit_round(policy, optimizer, obs, config, rng, 32, [](const RawAction& raw) {
      return raw[0] * torch::tensor({1.0f, -1.0f});
    });
  }
  auto p = policy.probabilities(obs);
  EXPECT_GT(p[0].item<double>(), 0.9);
  EXPECT_LT(p[1].item<double>(), 0.1);
}

TEST(Ppo, TopKPolicyPicksExactlyKDistinctItemsAndLearnsTheBestOnes) {
  // Four items, budget two: items 2 and 3 pay, so the policy learns to pick them.
  torch::manual_seed(5);
  PpoConfig config;
  TopKPolicy policy(1, 1, 2, config);
  torch::optim::Adam optimizer(policy.parameters(), torch::optim::AdamOptions(1e-2));
  Rng rng(5);
  const Observation obs{torch::tensor({{-1.0f}, {-0.3f}, {0.3f}, {1.0f}}), torch::ones({1})};
  int n_rounds_with_duplicates = 0;
  for (int it = 0; it < 40; ++it) {
    train_bandit_round(policy, optimizer, obs, config, rng, 32, [&](const RawAction& raw) {
      const auto& picks = raw[0];
      if (picks.numel() != 2 || picks[0].item<int64_t>() == picks[1].item<int64_t>())
        ++n_rounds_with_duplicates;
      return (picks >= 2).to(torch::kFloat32).sum().reshape({1});
    });
  }
  EXPECT_EQ(n_rounds_with_duplicates, 0);
  auto greedy = policy.act(obs, nullptr).raw[0];
  std::vector<int64_t> picked = {greedy[0].item<int64_t>(), greedy[1].item<int64_t>()};
  std::sort(picked.begin(), picked.end());
  EXPECT_EQ(picked, (std::vector<int64_t>{2, 3}));
}

}  // namespace
}  // namespace retailsim::rl
