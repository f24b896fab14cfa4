// PPO: item policies (squashed Gaussian, Bernoulli, Gumbel top-k), GAE and the clipped update.
#include "rl/ppo.h"

#include <cmath>
#include <numeric>

#include "core/error.h"

namespace retailsim::rl {

namespace {

constexpr double kLogSqrt2Pi = 0.91893853320467274178;  // log(sqrt(2 pi))

torch::nn::Sequential mlp(int in, int hidden, int out, double last_scale) {
  torch::nn::Sequential net(torch::nn::Linear(in, hidden), torch::nn::Tanh(),
                            torch::nn::Linear(hidden, hidden), torch::nn::Tanh(),
                            torch::nn::Linear(hidden, out));
  // A small last layer starts every item near the middle of its range with a flat critic.
  torch::NoGradGuard no_grad;
  auto last = net->ptr(4)->as<torch::nn::Linear>();
  last->weight.mul_(last_scale);
  last->bias.zero_();
  return net;
}

// [..., P, F] items with [..., G] global features broadcast to every item.
torch::Tensor item_inputs(const Observation& obs) {
  auto global = obs.global.unsqueeze(-2).expand([&] {
    auto sizes = obs.global.sizes().vec();
    sizes.insert(sizes.end() - 1, obs.items.size(-2));
    return sizes;
  }());
  return torch::cat({obs.items, global}, -1);
}

torch::Tensor critic_inputs(const Observation& obs) {
  return torch::cat({obs.items.mean(-2), obs.global}, -1);
}

torch::Tensor gaussian_log_prob(const torch::Tensor& u, const torch::Tensor& mean,
                                const torch::Tensor& log_std) {
  auto z = (u - mean) * torch::exp(-log_std);
  return -0.5 * z * z - log_std - kLogSqrt2Pi;
}

torch::Tensor gaussian_entropy(const torch::Tensor& log_std) {
  return 0.5 + kLogSqrt2Pi + log_std;
}

// Plackett-Luce log-probability of ordered picks [B, k] under logits [B, P], and the entropy of
// the first pick's softmax (a cheap stand-in for the entropy of the whole ordered choice).
std::pair<torch::Tensor, torch::Tensor> plackett_luce(const torch::Tensor& logits,
                                                      const torch::Tensor& picks) {
  auto mask = torch::zeros_like(logits, torch::kBool);
  auto log_prob = torch::zeros({logits.size(0)}, logits.options());
  const double neg_inf = -std::numeric_limits<double>::infinity();
  for (int64_t i = 0; i < picks.size(1); ++i) {
    auto pick = picks.select(1, i).unsqueeze(1);
    auto lse = torch::logsumexp(logits.masked_fill(mask, neg_inf), 1);
    log_prob = log_prob + logits.gather(1, pick).squeeze(1) - lse;
    mask = mask.scatter(1, pick, true);
  }
  auto p = torch::softmax(logits, 1);
  auto entropy = -(p * torch::log_softmax(logits, 1)).sum(1);
  return {log_prob, entropy};
}

}  // namespace

torch::Tensor normal_noise(Rng& rng, at::IntArrayRef shape) {
  auto out = torch::empty(shape, torch::kFloat32);
  float* data = out.data_ptr<float>();
  for (int64_t i = 0; i < out.numel(); ++i) data[i] = static_cast<float>(rng.normal());
  return out;
}

torch::Tensor gumbel_noise(Rng& rng, at::IntArrayRef shape) {
  auto out = torch::empty(shape, torch::kFloat32);
  float* data = out.data_ptr<float>();
  for (int64_t i = 0; i < out.numel(); ++i) {
    const double u = std::max(rng.uniform(), 1e-12);
    data[i] = static_cast<float>(-std::log(-std::log(u)));
  }
  return out;
}

Observation stack_observations(const std::vector<Observation>& steps) {
  std::vector<torch::Tensor> items, global;
  for (const auto& s : steps) {
    items.push_back(s.items);
    global.push_back(s.global);
  }
  return {torch::stack(items), torch::stack(global)};
}

RawAction stack_actions(const std::vector<RawAction>& steps) {
  RawAction out;
  if (steps.empty()) return out;
  for (size_t j = 0; j < steps[0].size(); ++j) {
    std::vector<torch::Tensor> parts;
    for (const auto& s : steps) parts.push_back(s[j]);
    out.push_back(torch::stack(parts));
  }
  return out;
}

// --- squashed Gaussian ---------------------------------------------------------------------------

SquashedGaussianPolicy::SquashedGaussianPolicy(int n_item_features, int n_global_features,
                                               const PpoConfig& config) {
  actor_ =
      register_module("actor", mlp(n_item_features + n_global_features, config.hidden, 1, 0.01));
  critic_ =
      register_module("critic", mlp(n_item_features + n_global_features, config.hidden, 1, 1.0));
  log_std_ = register_parameter("log_std", torch::full({1}, config.init_log_std));
}

torch::Tensor SquashedGaussianPolicy::mean(const Observation& obs) {
  return actor_->forward(item_inputs(obs)).squeeze(-1);
}

PolicyOutput SquashedGaussianPolicy::act(const Observation& obs, Rng* rng) {
  torch::NoGradGuard no_grad;
  auto mu = mean(obs);
  auto u = rng ? mu + torch::exp(log_std_) * normal_noise(*rng, mu.sizes()) : mu;
  PolicyOutput out;
  out.raw = {u};
  out.log_prob = gaussian_log_prob(u, mu, log_std_);
  out.value = critic_->forward(item_inputs(obs)).squeeze(-1);
  return out;
}

PolicyEval SquashedGaussianPolicy::evaluate(const Observation& batch, const RawAction& raw) {
  auto mu = mean(batch);
  PolicyEval out;
  out.log_prob = gaussian_log_prob(raw.at(0), mu, log_std_);
  out.entropy = gaussian_entropy(log_std_).expand({mu.size(0)});
  out.value = critic_->forward(item_inputs(batch)).squeeze(-1);
  return out;
}

// --- Bernoulli
// -------------------------------------------------------------------------------------

BernoulliPolicy::BernoulliPolicy(int n_item_features, int n_global_features,
                                 const PpoConfig& config) {
  actor_ =
      register_module("actor", mlp(n_item_features + n_global_features, config.hidden, 1, 0.01));
  critic_ =
      register_module("critic", mlp(n_item_features + n_global_features, config.hidden, 1, 1.0));
}

torch::Tensor BernoulliPolicy::probabilities(const Observation& obs) {
  torch::NoGradGuard no_grad;
  return torch::sigmoid(actor_->forward(item_inputs(obs)).squeeze(-1));
}

PolicyOutput BernoulliPolicy::act(const Observation& obs, Rng* rng) {
  torch::NoGradGuard no_grad;
  auto logits = actor_->forward(item_inputs(obs)).squeeze(-1);
  auto p = torch::sigmoid(logits);
  torch::Tensor x;
  if (rng) {
    x = torch::empty_like(p);
    const float* prob = p.data_ptr<float>();
    float* xs = x.data_ptr<float>();
    for (int64_t i = 0; i < p.numel(); ++i) xs[i] = rng->bernoulli(prob[i]) ? 1.0f : 0.0f;
  } else {
    x = (p > 0.5).to(torch::kFloat32);
  }
  PolicyOutput out;
  out.raw = {x};
  out.log_prob = -torch::binary_cross_entropy_with_logits(logits, x, {}, {}, at::Reduction::None);
  out.value = critic_->forward(item_inputs(obs)).squeeze(-1);
  return out;
}

PolicyEval BernoulliPolicy::evaluate(const Observation& batch, const RawAction& raw) {
  auto logits = actor_->forward(item_inputs(batch)).squeeze(-1);
  const auto& x = raw.at(0);
  PolicyEval out;
  out.log_prob = -torch::binary_cross_entropy_with_logits(logits, x, {}, {}, at::Reduction::None);
  auto p = torch::sigmoid(logits);
  out.entropy =
      torch::binary_cross_entropy_with_logits(logits, p.detach(), {}, {}, at::Reduction::None)
          .mean(-1);
  out.value = critic_->forward(item_inputs(batch)).squeeze(-1);
  return out;
}

// --- Gumbel top-k with depths
// ----------------------------------------------------------------------

TopKPolicy::TopKPolicy(int n_item_features, int n_global_features, int k, const PpoConfig& config)
    : k_(k) {
  if (k < 1) fail("top-k policy: k must be at least 1 (got {})", k);
  actor_ =
      register_module("actor", mlp(n_item_features + n_global_features, config.hidden, 2, 0.01));
  critic_ =
      register_module("critic", mlp(n_item_features + n_global_features, config.hidden, 1, 1.0));
  log_std_ = register_parameter("log_std", torch::full({1}, config.init_log_std));
}

torch::Tensor TopKPolicy::heads(const Observation& obs) {
  return actor_->forward(item_inputs(obs));
}

PolicyOutput TopKPolicy::act(const Observation& obs, Rng* rng) {
  torch::NoGradGuard no_grad;
  auto h = heads(obs);
  auto logits = h.select(-1, 0);
  auto mu = h.select(-1, 1);
  const int64_t k = std::min<int64_t>(k_, logits.size(0));
  auto scores = rng ? logits + gumbel_noise(*rng, logits.sizes()) : logits;
  auto picks = std::get<1>(torch::topk(scores, k, 0, true, true));
  auto u = rng ? mu + torch::exp(log_std_) * normal_noise(*rng, mu.sizes()) : mu;
  PolicyOutput out;
  out.raw = {picks, u};
  auto [pl, entropy] = plackett_luce(logits.unsqueeze(0), picks.unsqueeze(0));
  auto depth_lp = gaussian_log_prob(u.index_select(0, picks), mu.index_select(0, picks), log_std_);
  out.log_prob = (pl + depth_lp.sum()).reshape({1});
  out.value = critic_->forward(critic_inputs(obs)).reshape({1});
  return out;
}

PolicyEval TopKPolicy::evaluate(const Observation& batch, const RawAction& raw) {
  auto h = heads(batch);
  auto logits = h.select(-1, 0);
  auto mu = h.select(-1, 1);
  const auto& picks = raw.at(0);
  const auto& u = raw.at(1);
  auto [pl, entropy] = plackett_luce(logits, picks);
  auto depth_lp = gaussian_log_prob(u.gather(1, picks), mu.gather(1, picks), log_std_).sum(1);
  PolicyEval out;
  out.log_prob = (pl + depth_lp).unsqueeze(1);
  out.entropy =
      entropy / std::log(static_cast<double>(logits.size(1)) + 1.0) + gaussian_entropy(log_std_);
  out.value = critic_->forward(critic_inputs(batch));
  return out;
}

// --- GAE and the update
// ------------------------------------------------------------------------------

Gae compute_gae(const std::vector<double>& rewards, const std::vector<double>& values,
                const std::vector<uint8_t>& dones, double last_value, double gamma, double lambda) {
  const size_t n = rewards.size();
  if (values.size() != n || dones.size() != n)
    fail("GAE: {} rewards but {} values and {} done flags", n, values.size(), dones.size());
  Gae out;
  out.advantage.assign(n, 0.0);
  out.returns.assign(n, 0.0);
  double next_advantage = 0;
  double next_value = last_value;
  for (size_t i = n; i-- > 0;) {
    const double live = dones[i] ? 0.0 : 1.0;
    const double delta = rewards[i] + gamma * next_value * live - values[i];
    next_advantage = delta + gamma * lambda * live * next_advantage;
    out.advantage[i] = next_advantage;
    out.returns[i] = next_advantage + values[i];
    next_value = values[i];
  }
  return out;
}

Advantages trajectory_advantages(const Trajectory& trajectory, const torch::Tensor& last_value,
                                 double gamma, double lambda) {
  const size_t n = trajectory.size();
  if (n == 0 || trajectory.rewards.size() != n || trajectory.dones.size() != n)
    fail("PPO: a rollout of {} steps with {} rewards and {} done flags", n,
         trajectory.rewards.size(), trajectory.dones.size());
  auto rewards = torch::stack(trajectory.rewards).to(torch::kFloat64).contiguous();
  auto values = torch::stack(trajectory.values).to(torch::kFloat64).contiguous();
  auto last = last_value.to(torch::kFloat64).contiguous();
  const int64_t n_actors = values.size(1);
  auto advantage = torch::empty_like(values), returns = torch::empty_like(values);
  auto r_at = rewards.accessor<double, 2>(), v_at = values.accessor<double, 2>();
  auto last_at = last.accessor<double, 1>();
  auto adv_at = advantage.accessor<double, 2>(), ret_at = returns.accessor<double, 2>();
  std::vector<double> r(n), v(n);
  for (int64_t a = 0; a < n_actors; ++a) {
    for (size_t t = 0; t < n; ++t) {
      r[t] = r_at[t][a];
      v[t] = v_at[t][a];
    }
    const Gae gae = compute_gae(r, v, trajectory.dones, last_at[a], gamma, lambda);
    for (size_t t = 0; t < n; ++t) {
      adv_at[t][a] = gae.advantage[t];
      ret_at[t][a] = gae.returns[t];
    }
  }
  return {advantage.to(torch::kFloat32), returns.to(torch::kFloat32)};
}

Json ppo_update(Policy& policy, torch::optim::Optimizer& optimizer, const Trajectory& trajectory,
                const Advantages& advantages, const PpoConfig& config, Rng& rng) {
  const int64_t n = static_cast<int64_t>(trajectory.size());
  if (n == 0 || advantages.advantage.size(0) != n)
    fail("PPO update: a rollout of {} steps with {} advantages", n, advantages.advantage.size(0));
  auto obs = stack_observations(trajectory.observations);
  auto actions = stack_actions(trajectory.actions);
  auto old_log_prob = torch::stack(trajectory.log_probs);

  const int64_t n_batches = std::max<int64_t>(1, std::min<int64_t>(config.minibatches, n));
  std::vector<int64_t> order(n);
  double policy_loss_sum = 0, value_loss_sum = 0, entropy_sum = 0, kl_sum = 0, clipped_sum = 0;
  int n_updates = 0;
  for (int epoch = 0; epoch < config.epochs; ++epoch) {
    std::iota(order.begin(), order.end(), 0);
    for (int64_t i = n - 1; i > 0; --i) std::swap(order[i], order[rng.below(i + 1)]);
    for (int64_t b = 0; b < n_batches; ++b) {
      const int64_t begin = b * n / n_batches, end = (b + 1) * n / n_batches;
      if (end <= begin) continue;
      auto index = torch::tensor(std::vector<int64_t>(order.begin() + begin, order.begin() + end));
      Observation mb{obs.items.index_select(0, index), obs.global.index_select(0, index)};
      RawAction mb_actions;
      for (const auto& a : actions) mb_actions.push_back(a.index_select(0, index));
      auto adv = advantages.advantage.index_select(0, index);
      if (adv.numel() > 1) adv = (adv - adv.mean()) / (adv.std() + 1e-8);
      auto eval = policy.evaluate(mb, mb_actions);
      auto log_ratio = eval.log_prob - old_log_prob.index_select(0, index);
      auto ratio = torch::exp(log_ratio);
      auto surrogate =
          torch::min(ratio * adv, torch::clamp(ratio, 1.0 - config.clip, 1.0 + config.clip) * adv);
      auto policy_loss = -surrogate.mean();
      auto value_loss = (eval.value - advantages.returns.index_select(0, index)).pow(2).mean();
      auto entropy = eval.entropy.mean();
      auto loss = policy_loss + config.value_coef * value_loss - config.entropy_coef * entropy;
      optimizer.zero_grad();
      loss.backward();
      torch::nn::utils::clip_grad_norm_(policy.parameters(), config.max_grad_norm);
      optimizer.step();
      torch::NoGradGuard no_grad;
      policy_loss_sum += policy_loss.item<double>();
      value_loss_sum += value_loss.item<double>();
      entropy_sum += entropy.item<double>();
      kl_sum += ((ratio - 1) - log_ratio).mean().item<double>();
      clipped_sum += ((ratio - 1).abs() > config.clip).to(torch::kFloat32).mean().item<double>();
      ++n_updates;
    }
  }
  const double d = std::max(1, n_updates);
  return {{"policy_loss", policy_loss_sum / d},
          {"value_loss", value_loss_sum / d},
          {"entropy", entropy_sum / d},
          {"approx_kl", kl_sum / d},
          {"clip_fraction", clipped_sum / d}};
}

}  // namespace retailsim::rl
