// Public surface of the rl stage: the [rl] config, the seeds' reward shaping terms, the heuristic
// baseline policies (registered into the simulator's policy registry), the judging of policies in
// the `truth` market, reports/rl.{json,html}, and the torch-module jobs that train and evaluate the
// PPO agents (pricing, promotion, inventory).
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/manifest.h"
#include "sim/sim.h"

namespace retailsim::rl {

namespace fs = std::filesystem;

// PPO's hyperparameters ([rl] keys of the same names).
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
  int hidden = 64;             // width of the two hidden layers of every network
  double init_log_std = -0.7;  // initial log-sd of Gaussian heads (in pre-squash units)
};

// The seeds' shaping terms, added to the profit reward (weights configurable in [rl]).
struct ShapingWeights {
  double boundary_penalty = 0.1;
  double diversity_bonus = 0.05;
  double inventory_alignment = 0.05;
};

// The [rl] section. Every field's comment is its user doc (docs/rl.md); the key is its name.
struct RlConfig {
  // Agents trained by `rl train`: any of pricing, promo, inventory. A decision without its agent
  // follows the historical rule (prices and promotions replayed, (s, S) orders).
  std::vector<std::string> agents = {"pricing", "promo", "inventory"};
  int iterations = 120;            // PPO updates
  int episodes_per_iteration = 2;  // rollouts collected before each update
  int episode_weeks = 6;           // steps (weeks) of a training episode
  // The last share of the calendar's weeks is held out: policies are judged there only.
  double holdout_share = 0.25;
  int eval_seeds = 2;  // evaluation episodes per policy (seeds shared by all policies)
  // Promotion: products promoted per week (share of the catalogue, at least 1) and depth range.
  double promo_budget_share = 0.05;
  double promo_min_depth = 0.10;
  double promo_max_depth = 0.40;
  // Inventory: the agent picks an order-up-to level in weeks of forecast sales in [0, this].
  double max_cover_weeks = 4.0;
  double holding_cost_rate = 0.005;  // per week, share of unit cost of stock held
  double stockout_cost_rate = 0.1;   // per lost unit, share of its price (goodwill)
  // Stock counts as excess (for the inventory alignment term) above this many weeks of sales.
  double excess_cover_weeks = 2.0;
  // Prices within this share of the range from a bound count as "at the bound".
  double at_bound_tolerance = 0.01;
  // Heuristics: cost-plus markup, everyday-low-price position, hi-lo shelf position,
  // (s, S) reorder point and order-up-to level (weeks of forecast sales).
  double cost_plus_markup = 0.35;
  double edlp_position = 0.25;
  double hilo_position = 0.8;
  double reorder_cover_weeks = 1.0;
  double order_up_to_weeks = 2.0;
  double customer_share = 1.0;  // share of shoppers simulated (seeded sample)
  ShapingWeights shaping;
  PpoConfig ppo;

  // Reads [rl]; unknown keys and out-of-range values are errors naming the key.
  static RlConfig from_config(const Config& config);
  Json to_json() const;
  bool has_agent(const std::string& name) const;
};

// ---------------------------------------------------------------------------------------------
// Shaping (the seeds' PricingReward): x = normalised price positions (price - low) / (high - low)
// ---------------------------------------------------------------------------------------------

// Edge-hugging: mean of 1 - 4 x (1 - x) (0 in the middle, 1 at a bound).
double boundary_penalty(std::span<const double> x);
// Varied margins: the sample standard deviation of x (0 for fewer than two prices).
double diversity_bonus(std::span<const double> x);
// Clearing excess stock: mean of excess[i] * (1 - x[i]) (low prices where stock is in excess).
double inventory_alignment(std::span<const double> x, std::span<const uint8_t> excess);
// profit_term - w.boundary * penalty + w.diversity * bonus + w.inventory * alignment.
double shaped_reward(double profit_term, std::span<const double> x, std::span<const uint8_t> excess,
                     const ShapingWeights& weights);

// ---------------------------------------------------------------------------------------------
// Heuristic baselines
// ---------------------------------------------------------------------------------------------

// Names of the heuristic policies: historical, cost-plus, everyday-low-price, hi-lo, s-S, random.
// Each sets prices, promotions and orders: "historical" replays the data's prices and promotions
// and orders what sold last week; "s-S" replays them with (s, S) orders; the pricing and
// promotion heuristics order like "historical", so their lift measures their prices.
std::vector<std::string> heuristic_names();
// The heuristic `name` (Error listing the names on an unknown one); `seed` drives "random".
std::unique_ptr<sim::Policy> make_heuristic(const std::string& name, const RlConfig& config,
                                            uint64_t seed);
// Adds the heuristics to the simulator's policy registry under "rl:<name>" ("historical" being
// the simulator's own), so `simulate` can run them too. Idempotent.
void register_heuristics(const RlConfig& config);

// ---------------------------------------------------------------------------------------------
// Judging in the truth
// ---------------------------------------------------------------------------------------------

// The weeks of the judged and the training episodes.
struct WeekSplit {
  int train_begin = 0, train_end = 0;  // training episodes start in [begin, end - episode_weeks]
  int eval_begin = 0, eval_end = 0;    // held-out weeks (judged)
};
WeekSplit split_weeks(const sim::Market& market, const RlConfig& config, int history_weeks);

// The environment settings rl uses (inventory tracked when the inventory agent is on): the truth
// market on synthetic data, the world model's (sampled) on real data, which has no truth.
sim::EnvConfig env_config(const RlConfig& config, int start_week_index, int n_weeks,
                          const sim::Market& market);

// One policy's outcome over the held-out weeks (summed over evaluation seeds).
struct PolicyOutcome {
  std::string name;
  double profit_cents = 0, revenue_cents = 0, units = 0, stockout_units = 0, waste_units = 0;
  int64_t violations = 0;       // shelf prices set outside [low, high]
  int64_t prices_set = 0;       // shelf prices set (cells x weeks)
  int64_t prices_at_bound = 0;  // of them within at_bound_tolerance of a bound
  std::vector<double> weekly_revenue_cents, weekly_profit_cents;  // mean over seeds, per week
  std::vector<double> price_positions;  // per product: mean normalised position over weeks
};
// Runs `policy` over the held-out weeks for config.eval_seeds seeds (common random numbers:
// seed s is the same for every policy) and tallies its outcome.
// With `learned` set, the market is the learned simulator's instead: demand from the
// "world-model" source in learned->mode (its profit prediction).
PolicyOutcome judge_policy(const sim::Market& market, sim::Policy& policy, const RlConfig& config,
                           const WeekSplit& split, uint64_t seed,
                           const sim::DemandOptions* learned = nullptr);

// One policy's accounts as rl.json's `details` (and `world_model_details`) hold them: profit,
// revenue, units, stock-outs, waste, prices set and the weekly series.
Json outcome_details(const PolicyOutcome& outcome);
// reports/rl.json: {"policies": {name: {profit_lift, revenue_wow_cv, violations, share_at_bounds,
// sim_to_real_gap}}, ...}. profit_lift is against "historical" (must be among the outcomes);
// sim_to_real_gap per policy is a number when `predicted_profit_cents` has an entry for it and
// null otherwise, with `sim_to_real_note` saying why.
Json rl_report(const std::vector<PolicyOutcome>& outcomes, const Json& predicted_profit_cents,
               const std::string& sim_to_real_note, const Json& training);
// Week-over-week variation: the standard deviation of (r_t - r_{t-1}) / r_{t-1}.
double week_over_week_cv(std::span<const double> weekly);
// reports/rl.html: the report's table and inline SVG plots (weekly profit, training curve).
std::string rl_report_html(const Json& report, const std::vector<PolicyOutcome>& outcomes);

// ---------------------------------------------------------------------------------------------
// Torch-module jobs (src/torch/torch_module.cpp): JSON in, JSON out
// ---------------------------------------------------------------------------------------------

// "rl.train": args {data, config (TOML text), config_source, seed, threads}; trains the agents on
// the training weeks of the truth market and writes <data>/models/rl/ (policies + manifest.json).
Json rl_train_job(const Json& args);
// "rl.evaluate": args {data, config, config_source, seed}; judges the heuristics and the trained
// agents on the held-out weeks and writes <data>/reports/rl.{json,html}.
Json rl_evaluate_job(const Json& args);

}  // namespace retailsim::rl
