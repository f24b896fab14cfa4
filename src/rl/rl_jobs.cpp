// The torch-module jobs of rl: "rl.train" trains the agents jointly with PPO on the training weeks
// of the truth market; "rl.evaluate" judges heuristics and agents on the held-out weeks and
// writes reports/rl.{json,html}.
#include <algorithm>
#include <cmath>
#include <regex>

#include <ATen/Parallel.h>
#include <spdlog/spdlog.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/progress.h"
#include "core/rng.h"
#include "rl/agents.h"
#include "rl/rl.h"

namespace retailsim::rl {

namespace {

enum : uint64_t { kExplorationStream = 6201, kEpisodeStream = 6202 };
constexpr int kHistoryWeeks = 2;

struct JobInputs {
  fs::path data_dir;
  Config config;
  RlConfig rl;
  uint64_t seed = 42;
};

JobInputs read_inputs(const Json& args) {
  JobInputs in;
  in.data_dir = args.at("data").get<std::string>();
  const std::string config_path = args.value("config", std::string{});
  in.config = config_path.empty() ? Config() : Config::load(config_path);
  in.rl = RlConfig::from_config(in.config);
  const std::string agents = args.value("agents", std::string{});
  if (!agents.empty()) {
    // --agents overrides [rl] agents, checked like it.
    Config override_config =
        Config::parse("[rl]\nagents = [\"" +
                          std::regex_replace(agents, std::regex("\\s*,\\s*"), "\", \"") + "\"]\n",
                      "--agents");
    in.rl.agents = RlConfig::from_config(override_config).agents;
  }
  in.seed = args.value("seed", uint64_t{42});
  return in;
}

sim::Market load_rl_market(const JobInputs& in) {
  sim::ScopeConfig scope;
  scope.customer_share = in.rl.customer_share;
  sim::Market market = sim::load_market(in.data_dir, scope, in.seed);
  if (!market.synthetic)
    spdlog::info(
        "{}: no ground truth (real data): the agents are trained and judged in the world model's "
        "market",
        in.data_dir.string());
  return market;
}

// Per product: the week's profit (margin less its waste, holding and stock-out costs).
std::vector<double> product_profit(const sim::Market& market, const sim::EnvConfig& env,
                                   const sim::Action& action, const sim::StepResult& r,
                                   const sim::Observation& next) {
  const int n_p = market.n_products(), n_s = market.n_stores();
  std::vector<double> out(n_p, 0.0);
  for (int p = 0; p < n_p; ++p) {
    const double cost = market.unit_cost_cents[p];
    for (int s = 0; s < n_s; ++s) {
      const size_t cell = static_cast<size_t>(p) * n_s + s;
      double profit = r.margin_cents[cell];
      if (env.track_inventory) {
        const double order =
            action.order_units.empty() ? 0.0 : std::floor(std::max(0.0f, action.order_units[cell]));
        const double left = std::max(0.0, next.inventory_units[cell] - order);
        const double actual = action.shelf_price_cents[cell] * (1 - action.promo_depth[cell]);
        profit -= r.waste_units[cell] * cost + env.holding_cost_rate * left * cost +
                  env.stockout_cost_rate * r.stockout_units[cell] * actual;
      }
      out[p] += profit;
    }
  }
  return out;
}

// Mean weekly profit per product at historical prices, from the warm-up weeks of an episode: the
// scale that makes a product's profit reward about 1.
double reference_profit(const sim::Market& market, const sim::Observation& obs, int history) {
  const int n_s = market.n_stores();
  const size_t n = market.n_cells();
  double total = 0;
  for (size_t cell = 0; cell < n; ++cell) {
    const int p = static_cast<int>(cell / n_s);
    double units = 0;
    for (int k = 0; k < history; ++k) units += obs.recent_units[k * n + cell];
    const double actual = obs.historical_price_cents[cell] * (1 - obs.historical_promo_depth[cell]);
    total += units / std::max(1, history) * std::max(0.0, actual - market.unit_cost_cents[p]);
  }
  return std::max(1.0, total / market.n_products());
}

// LibTorch's intra-op threads set to one for the job's lifetime. The agents' networks are small
// (a 64-wide MLP over a few thousand products), and LibTorch's OpenMP workers spin after every op
// while the truth market's oneTBB workers need the same cores: with 2 threads on 2 cores a demo
// training iteration took 20 CPU-seconds instead of 1.2.
class SingleTorchThread {
 public:
  SingleTorchThread() : saved_(at::get_num_threads()) { at::set_num_threads(1); }
  ~SingleTorchThread() { at::set_num_threads(saved_); }
  SingleTorchThread(const SingleTorchThread&) = delete;
  SingleTorchThread& operator=(const SingleTorchThread&) = delete;

 private:
  int saved_;
};

}  // namespace

Json rl_train_job(const Json& args) {
  const SingleTorchThread single_torch_thread;
  const JobInputs in = read_inputs(args);
  const RlConfig& config = in.rl;
  const sim::Market market = load_rl_market(in);
  const WeekSplit split = split_weeks(market, config, kHistoryWeeks);
  const int episode_weeks = std::min(config.episode_weeks, split.train_end - split.train_begin);
  torch::manual_seed(in.seed);
  AgentSet agents(market, config);
  std::vector<std::unique_ptr<torch::optim::Adam>> optimizers;
  for (const auto& [name, policy] : agents.policies())
    optimizers.push_back(std::make_unique<torch::optim::Adam>(
        policy->parameters(), torch::optim::AdamOptions(config.ppo.learning_rate)));
  Rng exploration = Rng::stream(in.seed, {kExplorationStream});
  Rng episodes = Rng::stream(in.seed, {kEpisodeStream});
  const int n_p = market.n_products();
  double reference = 0;
  Json curve = Json::array();
  Progress progress("rl train", static_cast<uint64_t>(config.iterations), "iterations");
  for (int it = 0; it < config.iterations; ++it) {
    std::vector<Trajectory> trajectories(agents.policies().size());
    double reward_sum = 0, profit_sum = 0;
    int n_steps = 0;
    for (int e = 0; e < config.episodes_per_iteration; ++e) {
      const int n_starts = split.train_end - split.train_begin - episode_weeks + 1;
      const int start = split.train_begin + static_cast<int>(episodes.below(n_starts));
      const sim::EnvConfig env_cfg = env_config(config, start, episode_weeks, market);
      sim::Env env(market, env_cfg, {env_cfg.mode, in.data_dir});
      sim::Observation obs = env.reset(episodes.next_u64());
      if (reference == 0) reference = reference_profit(market, obs, kHistoryWeeks);
      while (!env.done()) {
        Decision d = agents.decide(env, obs, &exploration);
        // Excess stock at decision time (for the inventory alignment term).
        std::vector<uint8_t> excess(n_p, 0);
        if (env_cfg.track_inventory) {
          const auto& f = d.features.items;
          auto fa = f.accessor<float, 2>();
          for (int p = 0; p < n_p; ++p)
            excess[p] = std::expm1(fa[p][8]) > config.excess_cover_weeks * std::expm1(fa[p][6]);
        }
        const sim::StepResult r = env.step(d.action);
        obs = env.observation();
        const auto profit = product_profit(market, env_cfg, d.action, r, obs);
        // Per product: its profit against the reference, with the seeds' shaping terms (the
        // catalogue's diversity shared by all).
        const double diversity = diversity_bonus(d.positions);
        auto rewards = torch::empty({n_p}, torch::kFloat32);
        double step_reward = 0, step_profit = 0;
        for (int p = 0; p < n_p; ++p) {
          const double x = d.positions[p];
          const double rp = profit[p] / reference -
                            config.shaping.boundary_penalty * (1 - 4 * x * (1 - x)) +
                            config.shaping.diversity_bonus * diversity +
                            config.shaping.inventory_alignment * (excess[p] ? 1 - x : 0.0);
          rewards[p] = static_cast<float>(rp);
          step_reward += rp;
          step_profit += profit[p];
        }
        reward_sum += step_reward / n_p;
        profit_sum += step_profit / n_p / reference;
        ++n_steps;
        size_t slot = 0;
        for (const auto& [name, policy] : agents.policies()) {
          const PolicyOutput& out =
              name == "pricing" ? d.pricing : (name == "promo" ? d.promo : d.inventory);
          Trajectory& t = trajectories[slot++];
          t.add(d.features, out);
          // The promotion agent's one choice earns the catalogue's mean reward.
          t.rewards.push_back(name == "promo" ? torch::full({1}, step_reward / n_p) : rewards);
          t.dones.push_back(env.done() ? 1 : 0);
        }
      }
    }
    Json stats = Json::object();
    size_t slot = 0;
    for (const auto& [name, policy] : agents.policies()) {
      Trajectory& t = trajectories[slot];
      const Advantages adv = trajectory_advantages(t, torch::zeros_like(t.values.back()),
                                                   config.ppo.gamma, config.ppo.gae_lambda);
      stats[name] = ppo_update(*policy, *optimizers[slot], t, adv, config.ppo, exploration);
      ++slot;
    }
    curve.push_back({{"iteration", it + 1},
                     {"mean_reward", reward_sum / std::max(1, n_steps)},
                     {"profit_vs_reference", profit_sum / std::max(1, n_steps)},
                     {"losses", stats}});
    spdlog::debug("rl train: iteration {} reward {:.4f} profit/ref {:.4f}", it + 1,
                  reward_sum / std::max(1, n_steps), profit_sum / std::max(1, n_steps));
    progress.advance();
  }
  progress.finish();

  const fs::path out_dir = in.data_dir / "models" / "rl";
  fs::create_directories(out_dir.parent_path());
  AtomicDir dir(out_dir);
  agents.save(dir.staging());
  const Json manifest = {
      {"schema", "retailsim.rl.v1"},
      {"agents", config.agents},
      {"seed", in.seed},
      {"config", config.to_json()},
      {"train_weeks", {market.shop_week[split.train_begin], market.shop_week[split.train_end - 1]}},
      {"heldout_weeks", {market.shop_week[split.eval_begin], market.shop_week[split.eval_end - 1]}},
      {"episode_weeks", episode_weeks},
      {"reference_profit_cents_per_product_week", reference},
      {"curve", curve}};
  write_json(dir.staging() / "manifest.json", manifest);
  dir.commit();
  const Json last = curve.empty() ? Json::object() : curve.back();
  return {{"models_dir", out_dir.string()},
          {"agents", config.agents},
          {"iterations", config.iterations},
          {"products", n_p},
          {"stores", market.n_stores()},
          {"final_profit_vs_reference", last.value("profit_vs_reference", 0.0)},
          {"final_mean_reward", last.value("mean_reward", 0.0)}};
}

Json rl_evaluate_job(const Json& args) {
  const SingleTorchThread single_torch_thread;
  JobInputs in = read_inputs(args);
  const fs::path models = in.data_dir / "models" / "rl";
  Json training = Json::object();
  if (fs::exists(models / "manifest.json")) {
    training = read_json(models / "manifest.json");
    // Judge the agents that were trained, in the environment they were trained for.
    in.rl.agents = training.at("agents").get<std::vector<std::string>>();
  }
  const RlConfig& config = in.rl;
  const sim::Market market = load_rl_market(in);
  const WeekSplit split = split_weeks(market, config, kHistoryWeeks);
  std::vector<std::unique_ptr<sim::Policy>> policies;
  for (const auto& name : heuristic_names())
    policies.push_back(make_heuristic(name, config, in.seed));
  std::unique_ptr<AgentSet> agents;
  if (!training.empty()) {
    agents = std::make_unique<AgentSet>(market, config);
    agents->load(models);
    policies.push_back(make_learned_policy(*agents));
    if (config.has_agent("pricing") && config.agents.size() > 1)
      policies.push_back(make_learned_policy(*agents, true));
  } else {
    spdlog::warn("{}: no trained agents (run `retailsim rl train`); judging heuristics only",
                 models.string());
  }
  // Judged in the truth; without one (real data) in the world model's market, with nothing
  // to hold its prediction against.
  const sim::DemandOptions learned{sim::DemandMode::kSampled, in.data_dir};
  const sim::DemandOptions* judged_in = market.synthetic ? nullptr : &learned;
  std::vector<PolicyOutcome> outcomes;
  Progress progress("rl evaluate", policies.size(), "policies");
  for (auto& policy : policies) {
    torch::NoGradGuard no_grad;
    outcomes.push_back(judge_policy(market, *policy, config, split, in.seed, judged_in));
    progress.advance();
  }
  progress.finish();
  // The learned simulator's prediction of each policy's profit over the same held-out weeks
  // and seeds: the "world-model" source, when registered and trained, sampled like the truth (the
  // inventory policies' stock-outs depend on the lumpiness of weekly demand, which expected
  // values smooth away).
  const auto sources = sim::demand_source_names();
  std::string note =
      "not measured: the learned 'world-model' demand source is not registered in this process";
  Json predicted = Json::object(), predicted_details = Json::object();
  if (!market.synthetic) {
    note =
        "not measured: no ground truth (real data); the policies were judged in the world "
        "model's market";
  } else if (std::find(sources.begin(), sources.end(), "world-model") != sources.end()) {
    try {
      (void)sim::make_demand_source("world-model", market, learned);  // fails without models
      Progress predicting("rl evaluate (world model)", policies.size(), "policies");
      for (auto& policy : policies) {
        torch::NoGradGuard no_grad;
        const PolicyOutcome o = judge_policy(market, *policy, config, split, in.seed, &learned);
        predicted[policy->name()] = o.profit_cents;
        predicted_details[policy->name()] = outcome_details(o);
        predicting.advance();
      }
      predicting.finish();
      note =
          "|profit predicted by the world-model market - profit in the truth| / |truth profit|, "
          "same held-out weeks, evaluation seeds, policies and sampled mode";
    } catch (const Error& e) {
      note = std::string("not measured: ") + e.what();
      spdlog::warn("rl evaluate: sim-to-real gap {}", note);
    }
  }
  Json report = rl_report(outcomes, predicted, note, training);
  report["judged_in"] = market.synthetic ? "truth" : "world-model";
  report["world_model_profit_cents"] = predicted;     // per policy, beside details.*.profit_cents
  report["world_model_details"] = predicted_details;  // the same accounts as details.*
  report["heldout_weeks"] = {market.shop_week[split.eval_begin],
                             market.shop_week[split.eval_end - 1]};
  report["eval_seeds"] = config.eval_seeds;
  report["products"] = market.n_products();
  report["stores"] = market.n_stores();
  const fs::path reports = in.data_dir / "reports";
  fs::create_directories(reports);
  write_file_atomic(reports / "rl.json", report.dump(2) + "\n");
  write_file_atomic(reports / "rl.html", rl_report_html(report, outcomes));
  Json summary = Json::object();
  for (const auto& [name, figures] : report["policies"].items()) summary[name] = figures;
  return {{"report", (reports / "rl.json").string()}, {"policies", summary}};
}

}  // namespace retailsim::rl
