// The [rl] section: agents, training budget, held-out weeks, promotion and inventory settings,
// heuristics' parameters, shaping weights and PPO's hyperparameters.
#include <algorithm>

#include "core/error.h"
#include "rl/rl.h"

namespace retailsim::rl {

namespace {

const std::vector<std::string> kAgentNames = {"pricing", "promo", "inventory"};

void check_range(const std::string& source, std::string_view key, double value, double lo,
                 double hi) {
  if (!(value >= lo && value <= hi))
    fail("{}: [rl] {}: {} is outside [{}, {}]", source, key, value, lo, hi);
}

}  // namespace

RlConfig RlConfig::from_config(const Config& config) {
  const Section s = config.section("rl");
  s.check_known_keys({"agents",
                      "iterations",
                      "episodes_per_iteration",
                      "episode_weeks",
                      "holdout_share",
                      "eval_seeds",
                      "promo_budget_share",
                      "promo_min_depth",
                      "promo_max_depth",
                      "max_cover_weeks",
                      "holding_cost_rate",
                      "stockout_cost_rate",
                      "excess_cover_weeks",
                      "at_bound_tolerance",
                      "cost_plus_markup",
                      "edlp_position",
                      "hilo_position",
                      "reorder_cover_weeks",
                      "order_up_to_weeks",
                      "customer_share",
                      "boundary_penalty",
                      "diversity_bonus",
                      "inventory_alignment",
                      "learning_rate",
                      "gamma",
                      "gae_lambda",
                      "clip",
                      "entropy_coef",
                      "value_coef",
                      "epochs",
                      "minibatches",
                      "max_grad_norm",
                      "hidden",
                      "init_log_std"});
  RlConfig c;
  c.agents = s.get_strings("agents", c.agents);
  for (const auto& a : c.agents)
    if (std::find(kAgentNames.begin(), kAgentNames.end(), a) == kAgentNames.end())
      fail("{}: [rl] agents: unknown agent '{}' (known: pricing, promo, inventory)",
           config.source(), a);
  c.iterations = static_cast<int>(s.get_int("iterations", c.iterations));
  c.episodes_per_iteration =
      static_cast<int>(s.get_int("episodes_per_iteration", c.episodes_per_iteration));
  c.episode_weeks = static_cast<int>(s.get_int("episode_weeks", c.episode_weeks));
  c.holdout_share = s.get_double("holdout_share", c.holdout_share);
  c.eval_seeds = static_cast<int>(s.get_int("eval_seeds", c.eval_seeds));
  c.promo_budget_share = s.get_double("promo_budget_share", c.promo_budget_share);
  c.promo_min_depth = s.get_double("promo_min_depth", c.promo_min_depth);
  c.promo_max_depth = s.get_double("promo_max_depth", c.promo_max_depth);
  c.max_cover_weeks = s.get_double("max_cover_weeks", c.max_cover_weeks);
  c.holding_cost_rate = s.get_double("holding_cost_rate", c.holding_cost_rate);
  c.stockout_cost_rate = s.get_double("stockout_cost_rate", c.stockout_cost_rate);
  c.excess_cover_weeks = s.get_double("excess_cover_weeks", c.excess_cover_weeks);
  c.at_bound_tolerance = s.get_double("at_bound_tolerance", c.at_bound_tolerance);
  c.cost_plus_markup = s.get_double("cost_plus_markup", c.cost_plus_markup);
  c.edlp_position = s.get_double("edlp_position", c.edlp_position);
  c.hilo_position = s.get_double("hilo_position", c.hilo_position);
  c.reorder_cover_weeks = s.get_double("reorder_cover_weeks", c.reorder_cover_weeks);
  c.order_up_to_weeks = s.get_double("order_up_to_weeks", c.order_up_to_weeks);
  c.customer_share = s.get_double("customer_share", c.customer_share);
  c.shaping.boundary_penalty = s.get_double("boundary_penalty", c.shaping.boundary_penalty);
  c.shaping.diversity_bonus = s.get_double("diversity_bonus", c.shaping.diversity_bonus);
  c.shaping.inventory_alignment =
      s.get_double("inventory_alignment", c.shaping.inventory_alignment);
  PpoConfig& p = c.ppo;
  p.learning_rate = s.get_double("learning_rate", p.learning_rate);
  p.gamma = s.get_double("gamma", p.gamma);
  p.gae_lambda = s.get_double("gae_lambda", p.gae_lambda);
  p.clip = s.get_double("clip", p.clip);
  p.entropy_coef = s.get_double("entropy_coef", p.entropy_coef);
  p.value_coef = s.get_double("value_coef", p.value_coef);
  p.epochs = static_cast<int>(s.get_int("epochs", p.epochs));
  p.minibatches = static_cast<int>(s.get_int("minibatches", p.minibatches));
  p.max_grad_norm = s.get_double("max_grad_norm", p.max_grad_norm);
  p.hidden = static_cast<int>(s.get_int("hidden", p.hidden));
  p.init_log_std = s.get_double("init_log_std", p.init_log_std);

  check_range(config.source(), "iterations", c.iterations, 0, 1e6);
  check_range(config.source(), "episodes_per_iteration", c.episodes_per_iteration, 1, 1e4);
  check_range(config.source(), "episode_weeks", c.episode_weeks, 1, 1e4);
  check_range(config.source(), "holdout_share", c.holdout_share, 0.01, 0.9);
  check_range(config.source(), "eval_seeds", c.eval_seeds, 1, 1e4);
  check_range(config.source(), "promo_budget_share", c.promo_budget_share, 0, 1);
  check_range(config.source(), "promo_min_depth", c.promo_min_depth, 0, 0.9);
  check_range(config.source(), "promo_max_depth", c.promo_max_depth, c.promo_min_depth, 0.9);
  check_range(config.source(), "max_cover_weeks", c.max_cover_weeks, 0, 52);
  check_range(config.source(), "customer_share", c.customer_share, 1e-6, 1);
  check_range(config.source(), "at_bound_tolerance", c.at_bound_tolerance, 0, 0.5);
  check_range(config.source(), "edlp_position", c.edlp_position, 0, 1);
  check_range(config.source(), "hilo_position", c.hilo_position, 0, 1);
  check_range(config.source(), "learning_rate", p.learning_rate, 1e-8, 1);
  check_range(config.source(), "gamma", p.gamma, 0, 1);
  check_range(config.source(), "gae_lambda", p.gae_lambda, 0, 1);
  check_range(config.source(), "clip", p.clip, 1e-3, 1);
  check_range(config.source(), "epochs", p.epochs, 1, 1000);
  check_range(config.source(), "minibatches", p.minibatches, 1, 1000);
  check_range(config.source(), "hidden", p.hidden, 1, 4096);
  return c;
}

Json RlConfig::to_json() const {
  return Json{{"agents", agents},
              {"iterations", iterations},
              {"episodes_per_iteration", episodes_per_iteration},
              {"episode_weeks", episode_weeks},
              {"holdout_share", holdout_share},
              {"eval_seeds", eval_seeds},
              {"promo_budget_share", promo_budget_share},
              {"promo_min_depth", promo_min_depth},
              {"promo_max_depth", promo_max_depth},
              {"max_cover_weeks", max_cover_weeks},
              {"holding_cost_rate", holding_cost_rate},
              {"stockout_cost_rate", stockout_cost_rate},
              {"excess_cover_weeks", excess_cover_weeks},
              {"at_bound_tolerance", at_bound_tolerance},
              {"cost_plus_markup", cost_plus_markup},
              {"edlp_position", edlp_position},
              {"hilo_position", hilo_position},
              {"reorder_cover_weeks", reorder_cover_weeks},
              {"order_up_to_weeks", order_up_to_weeks},
              {"customer_share", customer_share},
              {"boundary_penalty", shaping.boundary_penalty},
              {"diversity_bonus", shaping.diversity_bonus},
              {"inventory_alignment", shaping.inventory_alignment},
              {"learning_rate", ppo.learning_rate},
              {"gamma", ppo.gamma},
              {"gae_lambda", ppo.gae_lambda},
              {"clip", ppo.clip},
              {"entropy_coef", ppo.entropy_coef},
              {"value_coef", ppo.value_coef},
              {"epochs", ppo.epochs},
              {"minibatches", ppo.minibatches},
              {"max_grad_norm", ppo.max_grad_norm},
              {"hidden", ppo.hidden},
              {"init_log_std", ppo.init_log_std}};
}

bool RlConfig::has_agent(const std::string& name) const {
  return std::find(agents.begin(), agents.end(), name) != agents.end();
}

}  // namespace retailsim::rl
