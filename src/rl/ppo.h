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
#include "rl/rl.h"

namespace retailsim::rl {

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

// A policy is either per item (each item is its own actor with its own reward, the network shared:
// log-probabilities and values have one entry per item, P' = P) or joint (one log-probability and
// one value for the whole set, P' = 1).
struct PolicyOutput {
  RawAction raw;
  torch::Tensor log_prob;  // [P']
  torch::Tensor value;     // [P']
};
struct PolicyEval {
  torch::Tensor log_prob;  // [B, P']
  torch::Tensor entropy;   // [B]
  torch::Tensor value;     // [B, P']
};

// An actor-critic over items. act() samples with `rng`, or takes the mode when rng is null.
class Policy : public torch::nn::Module {
 public:
  virtual PolicyOutput act(const Observation& obs, Rng* rng) = 0;
  virtual PolicyEval evaluate(const Observation& batch, const RawAction& raw) = 0;
};

// Per-item Gaussian in pre-squash units u with a learnable log-sd; the agent maps u to its bounds
// by low + sigmoid(u) * (high - low), so no action can leave them. raw = {u [P]}. Per item.
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

// Independent Bernoulli choice per item from its logit. raw = {x [P] in {0, 1}}. Per item.
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
// depth u (counted only for the picked items). raw = {picks [k] (int64), u [P]}. Joint: one
// log-probability and a critic over the mean of the items' features.
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

// Generalised advantage estimation over one rollout of T steps of one actor. values[t] is V(s_t),
// dones[t] marks that s_{t+1} starts a new episode, last_value is V(s_T) (ignored when
// dones[T-1]).
struct Gae {
  std::vector<double> advantage;
  std::vector<double> returns;  // advantage + value: the critic's target
};
Gae compute_gae(const std::vector<double>& rewards, const std::vector<double>& values,
                const std::vector<uint8_t>& dones, double last_value, double gamma, double lambda);

// One policy's share of a rollout: T steps of P' actors each.
struct Trajectory {
  std::vector<Observation> observations;
  std::vector<RawAction> actions;
  std::vector<torch::Tensor> log_probs;  // [P'] per step
  std::vector<torch::Tensor> values;     // [P'] per step
  std::vector<torch::Tensor> rewards;    // [P'] per step
  std::vector<uint8_t> dones;            // per step: the episode ended after it
  void add(const Observation& obs, const PolicyOutput& out) {
    observations.push_back(obs);
    actions.push_back(out.raw);
    log_probs.push_back(out.log_prob);
    values.push_back(out.value);
  }
  size_t size() const { return observations.size(); }
};

// Advantages and returns [T, P'] of a trajectory (GAE per actor; last_value [P'] = V(s_T)).
struct Advantages {
  torch::Tensor advantage, returns;
};
Advantages trajectory_advantages(const Trajectory& trajectory, const torch::Tensor& last_value,
                                 double gamma, double lambda);

// The clipped PPO update over `epochs` passes of shuffled minibatches of steps (advantages
// normalised per minibatch). Returns mean losses, approximate KL and clip fraction.
Json ppo_update(Policy& policy, torch::optim::Optimizer& optimizer, const Trajectory& trajectory,
                const Advantages& advantages, const PpoConfig& config, Rng& rng);

// Standard normal / uniform noise tensors drawn from rng (float32).
torch::Tensor normal_noise(Rng& rng, at::IntArrayRef shape);
torch::Tensor gumbel_noise(Rng& rng, at::IntArrayRef shape);

}  // namespace retailsim::rl
