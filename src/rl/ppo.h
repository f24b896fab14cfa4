// Proximal policy optimisation in LibTorch (internal to rl): policies over a set of items (one
// network shared across products: item features in, per-item action out), generalised advantage
// estimation, and the clipped update with an entropy bonus and a value loss over minibatch epochs.
// Exploration noise is drawn from core::Rng, so a seed gives the same actions everywhere.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "core/manifest.h"
#include "core/rng.h"

namespace retailsim::rl {

struct PpoConfig {
  double learning_rate = 3e-3;
  double gamma = 0.9;        // discount per step (a week)
  double gae_lambda = 0.95;  // GAE's bias/variance trade-off
  double clip = 0.2;         // ratio clip of the surrogate objective
  double entropy_coef = 1e-3;
  double value_coef = 0.5;
  int epochs = 4;       // passes over each rollout
  int minibatches = 4;  // per epoch
  double max_grad_norm = 0.5;
  int hidden = 64;             // width of the two hidden layers
  double init_log_std = -0.7;  // initial log-sd of Gaussian heads (in pre-squash units)
};

// What a policy sees at one step: per-item features [P, F] and global features [G]. A batch of
// steps stacks them: [B, P, F] and [B, G].
struct Observation {
  torch::Tensor items;
  torch::Tensor global;
};
Observation stack_observations(const std::vector<Observation>& steps);

// The raw action a policy sampled (what its log-probability is a function of): one or more
// tensors, e.g. pre-squash Gaussian values [P], or ordered picks [k] and depths [P].
using RawAction = std::vector<torch::Tensor>;
RawAction stack_actions(const std::vector<RawAction>& steps);

struct PolicyOutput {
  RawAction raw;
  double log_prob = 0;
  double value = 0;
};
struct PolicyEval {
  torch::Tensor log_prob;  // [B]
  torch::Tensor entropy;   // [B]
  torch::Tensor value;     // [B]
};

// An actor-critic over items. act() samples with `rng`, or takes the mode when rng is null.
class Policy : public torch::nn::Module {
 public:
  virtual PolicyOutput act(const Observation& obs, Rng* rng) = 0;
  virtual PolicyEval evaluate(const Observation& batch, const RawAction& raw) = 0;
};

// Per-item Gaussian in pre-squash units u with a learnable log-sd; the agent maps u to its bounds
// by low + sigmoid(u) * (high - low), so no action can leave them. raw = {u [P]}.
class SquashedGaussianPolicy : public Policy {
 public:
  SquashedGaussianPolicy(int n_item_features, int n_global_features, const PpoConfig& config);
  PolicyOutput act(const Observation& obs, Rng* rng) override;
  PolicyEval evaluate(const Observation& batch, const RawAction& raw) override;
  torch::Tensor mean(const Observation& obs);  // [P] or [B, P]
  double log_std() const { return log_std_.item<double>(); }

 private:
  torch::nn::Sequential actor_{nullptr}, critic_{nullptr};
  torch::Tensor log_std_;
};

// Independent Bernoulli choice per item from its logit. raw = {x [P] in {0, 1}}.
class BernoulliPolicy : public Policy {
 public:
  BernoulliPolicy(int n_item_features, int n_global_features, const PpoConfig& config);
  PolicyOutput act(const Observation& obs, Rng* rng) override;
  PolicyEval evaluate(const Observation& batch, const RawAction& raw) override;
  torch::Tensor probabilities(const Observation& obs);

 private:
  torch::nn::Sequential actor_{nullptr}, critic_{nullptr};
};

// k items chosen without replacement by Gumbel top-k of per-item logits (a Plackett-Luce policy,
// whose log-probability of the ordered picks is exact), and for each item a squashed Gaussian
// depth u (counted only for the picked items). raw = {picks [k] (int64), u [P]}.
class TopKPolicy : public Policy {
 public:
  TopKPolicy(int n_item_features, int n_global_features, int k, const PpoConfig& config);
  PolicyOutput act(const Observation& obs, Rng* rng) override;
  PolicyEval evaluate(const Observation& batch, const RawAction& raw) override;
  int k() const { return k_; }

 private:
  torch::Tensor heads(const Observation& obs);  // [..., P, 2]: logit, depth mean
  int k_;
  torch::nn::Sequential actor_{nullptr}, critic_{nullptr};
  torch::Tensor log_std_;
};

// Generalised advantage estimation over one rollout of T steps. values[t] is V(s_t), dones[t]
// marks that s_{t+1} starts a new episode, last_value is V(s_T) (ignored when dones[T-1]).
struct Advantages {
  std::vector<double> advantage;
  std::vector<double> returns;  // advantage + value: the critic's target
};
Advantages compute_gae(const std::vector<double>& rewards, const std::vector<double>& values,
                       const std::vector<uint8_t>& dones, double last_value, double gamma,
                       double lambda);

// One policy's share of a rollout.
struct Trajectory {
  std::vector<Observation> observations;
  std::vector<RawAction> actions;
  std::vector<double> log_probs;
  std::vector<double> values;
  void clear() {
    observations.clear();
    actions.clear();
    log_probs.clear();
    values.clear();
  }
};

// The clipped PPO update over `epochs` passes of shuffled minibatches (advantages normalised per
// minibatch). Returns mean losses, approximate KL and clip fraction.
Json ppo_update(Policy& policy, torch::optim::Optimizer& optimizer, const Trajectory& trajectory,
                const Advantages& advantages, const PpoConfig& config, Rng& rng);

// Standard normal / uniform noise tensors drawn from rng (float32).
torch::Tensor normal_noise(Rng& rng, at::IntArrayRef shape);
torch::Tensor gumbel_noise(Rng& rng, at::IntArrayRef shape);

}  // namespace retailsim::rl
