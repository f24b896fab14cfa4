// Judging a policy in the truth market over the held-out weeks: profit, revenue by week, price
// bound violations and the share of prices at a bound, with common random numbers across
// policies (evaluation seed s is the same for every policy).
#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "core/rng.h"
#include "rl/policy_rules.h"
#include "rl/rl.h"

namespace retailsim::rl {

namespace {
enum : uint64_t { kEvalSeedStream = 6101 };
}

WeekSplit split_weeks(const sim::Market& market, const RlConfig& config, int history_weeks) {
  const int n = market.n_weeks;
  WeekSplit split;
  const int n_holdout =
      std::max(1, static_cast<int>(std::lround(config.holdout_share * static_cast<double>(n))));
  split.eval_end = n;
  split.eval_begin = n - n_holdout;
  split.train_begin = std::min(history_weeks, n);
  split.train_end = split.eval_begin;
  if (split.train_end - split.train_begin < 1)
    fail(
        "rl: {} weeks leave no training week after {} warm-up weeks and {} held-out weeks "
        "([rl] holdout_share = {})",
        n, history_weeks, n_holdout, config.holdout_share);
  return split;
}

sim::EnvConfig env_config(const RlConfig& config, int start_week_index, int n_weeks,
                          const sim::Market& market) {
  sim::EnvConfig env;
  env.demand_source = market.synthetic ? "truth" : "world-model";
  env.mode = sim::DemandMode::kSampled;
  env.start_shop_week = market.shop_week.at(start_week_index);
  env.episode_weeks = n_weeks;
  env.history_weeks = 2;
  env.track_inventory = config.has_agent("inventory");
  env.holding_cost_rate = config.holding_cost_rate;
  env.stockout_cost_rate = config.stockout_cost_rate;
  env.max_promo_depth = config.promo_max_depth;
  return env;
}

PolicyOutcome judge_policy(const sim::Market& market, sim::Policy& policy, const RlConfig& config,
                           const WeekSplit& split, uint64_t seed,
                           const sim::DemandOptions* learned) {
  PolicyOutcome out;
  out.name = policy.name();
  const int n_weeks = split.eval_end - split.eval_begin;
  const int n_p = market.n_products(), n_s = market.n_stores();
  out.weekly_revenue_cents.assign(n_weeks, 0.0);
  out.weekly_profit_cents.assign(n_weeks, 0.0);
  out.price_positions.assign(n_p, 0.0);
  const double tol = config.at_bound_tolerance;
  for (int e = 0; e < config.eval_seeds; ++e) {
    sim::EnvConfig env_cfg = env_config(config, split.eval_begin, n_weeks, market);
    if (learned) {
      env_cfg.demand_source = "world-model";
      env_cfg.mode = learned->mode;
    }
    sim::Env env(market, env_cfg, learned ? *learned : sim::DemandOptions{});
    const uint64_t episode_seed = Rng::stream(seed, {kEvalSeedStream, uint64_t(e)}).next_u64();
    sim::Observation obs = env.reset(episode_seed);
    int week = 0;
    while (!env.done()) {
      sim::Action action = policy.act(env, obs);
      for (int p = 0; p < n_p; ++p) {
        double position_sum = 0;
        for (int s = 0; s < n_s; ++s) {
          const double x =
              position_of(market, p, action.shelf_price_cents[static_cast<size_t>(p) * n_s + s]);
          position_sum += x;
          out.prices_at_bound += (x <= tol || x >= 1 - tol) ? 1 : 0;
        }
        out.price_positions[p] += position_sum / n_s;
      }
      out.prices_set += static_cast<int64_t>(market.n_cells());
      sim::StepResult r = env.step(action);
      policy.observe(r);
      obs = env.observation();
      out.profit_cents += r.profit_cents;
      out.revenue_cents += r.revenue_total_cents;
      out.units += r.units_total;
      out.stockout_units += r.stockout_total_units;
      out.waste_units += r.waste_total_units;
      out.violations += r.price_violations;
      out.weekly_revenue_cents[week] += r.revenue_total_cents / config.eval_seeds;
      out.weekly_profit_cents[week] += r.profit_cents / config.eval_seeds;
      ++week;
    }
  }
  for (double& x : out.price_positions) x /= static_cast<double>(n_weeks) * config.eval_seeds;
  return out;
}

}  // namespace retailsim::rl
