// The market environment: reset/step over weeks, prices and promotions applied through a demand
// source, stock, sales, stock-outs, waste and money accounted per (product, store) cell.
#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.h"
#include "sim/sim.h"
#include "synth/world.h"

namespace retailsim::sim {

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

void check_size(std::span<const float> values, size_t n, const char* name) {
  if (values.size() != n)
    fail("action.{}: expected {} values (one per product x store cell), got {}", name, n,
         values.size());
}

}  // namespace

EnvConfig EnvConfig::from_section(const Section& section) {
  section.check_known_keys({"demand_source", "mode", "start_shop_week", "episode_weeks",
                            "history_weeks", "track_inventory", "initial_stock_weeks",
                            "spoilage_rate", "holding_cost_rate", "stockout_cost_rate",
                            "max_promo_depth"});
  EnvConfig c;
  c.demand_source = section.get_string("demand_source", c.demand_source);
  c.mode = demand_mode_named(section.get_string("mode", demand_mode_name(c.mode)));
  c.start_shop_week = static_cast<int32_t>(section.get_int("start_shop_week", c.start_shop_week));
  c.episode_weeks = static_cast<int>(section.get_int("episode_weeks", c.episode_weeks));
  c.history_weeks = static_cast<int>(section.get_int("history_weeks", c.history_weeks));
  c.track_inventory = section.get_bool("track_inventory", c.track_inventory);
  c.initial_stock_weeks = section.get_double("initial_stock_weeks", c.initial_stock_weeks);
  c.spoilage_rate = section.get_double("spoilage_rate", c.spoilage_rate);
  c.holding_cost_rate = section.get_double("holding_cost_rate", c.holding_cost_rate);
  c.stockout_cost_rate = section.get_double("stockout_cost_rate", c.stockout_cost_rate);
  c.max_promo_depth = section.get_double("max_promo_depth", c.max_promo_depth);
  if (c.episode_weeks < 1) fail("[env] episode_weeks must be at least 1, got {}", c.episode_weeks);
  if (c.history_weeks < 0) fail("[env] history_weeks must be >= 0, got {}", c.history_weeks);
  if (c.initial_stock_weeks < 0)
    fail("[env] initial_stock_weeks must be >= 0, got {}", c.initial_stock_weeks);
  if (c.spoilage_rate < 0 || c.spoilage_rate > 1)
    fail("[env] spoilage_rate must be in [0, 1], got {}", c.spoilage_rate);
  if (c.holding_cost_rate < 0 || c.stockout_cost_rate < 0)
    fail("[env] holding_cost_rate and stockout_cost_rate must be >= 0");
  if (c.max_promo_depth < 0 || c.max_promo_depth >= 1)
    fail("[env] max_promo_depth must be in [0, 1), got {}", c.max_promo_depth);
  return c;
}

Json EnvConfig::to_json() const {
  return Json{{"demand_source", demand_source},
              {"mode", demand_mode_name(mode)},
              {"start_shop_week", start_shop_week},
              {"episode_weeks", episode_weeks},
              {"history_weeks", history_weeks},
              {"track_inventory", track_inventory},
              {"initial_stock_weeks", initial_stock_weeks},
              {"spoilage_rate", spoilage_rate},
              {"holding_cost_rate", holding_cost_rate},
              {"stockout_cost_rate", stockout_cost_rate},
              {"max_promo_depth", max_promo_depth}};
}

Json BoxSpace::to_json() const {
  auto bound = [](const std::vector<float>& v) {
    Json out = Json::array();
    for (float x : v) out.push_back(std::isinf(x) ? Json(x > 0 ? "inf" : "-inf") : Json(x));
    return v.size() == 1 ? out[0] : out;
  };
  return Json{
      {"shape", shape}, {"dtype", dtype}, {"low", bound(low)}, {"high", bound(high)}, {"doc", doc}};
}

Env::Env(const Market& market, std::unique_ptr<DemandSource> source, EnvConfig config)
    : market_(market), source_(std::move(source)), config_(std::move(config)) {
  if (!source_) fail("Env: no demand source");
  first_week();  // checks the start week
}

Env::Env(const Market& market, EnvConfig config, const DemandOptions& options)
    : Env(market,
          make_demand_source(config.demand_source, market,
                             [&] {
                               DemandOptions o = options;
                               o.mode = config.mode;
                               return o;
                             }()),
          config) {}

int Env::first_week() const {
  if (config_.start_shop_week == 0) return std::min(config_.history_weeks, market_.n_weeks - 1);
  return market_.week_index(config_.start_shop_week, "[env] start_shop_week");
}

Action Env::historical_action() const {
  Action a;
  const size_t n = market_.n_cells();
  a.shelf_price_cents.resize(n);
  a.promo_depth.resize(n);
  a.order_units.assign(n, 0.0f);
  market_.historical_prices(obs_.week, a.shelf_price_cents, a.promo_depth);
  return a;
}

Observation Env::reset(uint64_t seed) {
  seed_ = seed;
  const size_t n = market_.n_cells();
  const int week = first_week();
  end_week_ = std::min(market_.n_weeks, week + config_.episode_weeks);
  obs_ = Observation{};
  obs_.week = week;
  obs_.shop_week = market_.shop_week[week];
  obs_.recent_units.assign(static_cast<size_t>(config_.history_weeks) * n, 0.0f);
  std::vector<float> shelf(n), depth(n);
  // Warm-up: the weeks before the start at historical prices fill recent sales.
  for (int k = 0; k < config_.history_weeks; ++k) {
    const int w = week - config_.history_weeks + k;
    if (w < 0) continue;
    market_.historical_prices(w, shelf, depth);
    source_->demand({w, shelf, depth}, seed, demand_);
    std::copy(demand_.units.begin(), demand_.units.end(),
              obs_.recent_units.begin() + static_cast<ptrdiff_t>(k * n));
  }
  market_.historical_prices(std::max(0, week - 1), shelf, depth);
  obs_.shelf_price_cents = shelf;
  obs_.promo_depth = depth;
  obs_.historical_price_cents.resize(n);
  obs_.historical_promo_depth.resize(n);
  market_.historical_prices(week, obs_.historical_price_cents, obs_.historical_promo_depth);
  obs_.inventory_units.assign(n, 0.0f);
  obs_.lost_units.assign(n, 0.0f);
  if (config_.track_inventory) {
    // Opening stock: initial_stock_weeks of the warm-up's mean weekly sales (of the start week
    // at historical prices when there is no warm-up).
    std::vector<double> weekly(n, 0.0);
    int n_warm = 0;
    for (int k = 0; k < config_.history_weeks; ++k) {
      if (week - config_.history_weeks + k < 0) continue;
      ++n_warm;
      for (size_t i = 0; i < n; ++i) weekly[i] += obs_.recent_units[k * n + i];
    }
    if (n_warm == 0) {
      source_->demand({week, obs_.historical_price_cents, obs_.historical_promo_depth}, seed,
                      demand_);
      weekly = demand_.units;
      n_warm = 1;
    }
    for (size_t i = 0; i < n; ++i)
      obs_.inventory_units[i] =
          static_cast<float>(std::ceil(config_.initial_stock_weeks * weekly[i] / n_warm));
  }
  done_ = false;
  return obs_;
}

StepResult Env::step(const Action& action) {
  if (done_) fail("Env::step: the episode is done; call reset()");
  const size_t n = market_.n_cells();
  const int n_s = market_.n_stores();
  check_size(action.shelf_price_cents, n, "shelf_price_cents");
  if (!action.promo_depth.empty()) check_size(action.promo_depth, n, "promo_depth");
  if (!action.order_units.empty()) check_size(action.order_units, n, "order_units");

  StepResult r;
  r.week = obs_.week;
  std::vector<float> shelf(n), depth(n, 0.0f), actual(n);
  for (size_t i = 0; i < n; ++i) {
    const size_t p = i / n_s;
    const float low = market_.price_low_cents[p], high = market_.price_high_cents[p];
    const float price = action.shelf_price_cents[i];
    if (!std::isfinite(price)) fail("action.shelf_price_cents[{}] is not a number", i);
    if (price < low || price > high) ++r.price_violations;
    shelf[i] = std::round(std::clamp(price, low, high));
    const float d = action.promo_depth.empty() ? 0.0f : action.promo_depth[i];
    if (!std::isfinite(d)) fail("action.promo_depth[{}] is not a number", i);
    const int depth_pct =
        static_cast<int>(std::lround(std::clamp<double>(d, 0.0, config_.max_promo_depth) * 100));
    depth[i] = static_cast<float>(depth_pct) / 100;
    actual[i] = static_cast<float>(synth::promo_price(static_cast<int32_t>(shelf[i]), depth_pct));
  }

  source_->demand({obs_.week, shelf, depth}, seed_, demand_);
  r.customer_weeks = demand_.customer_weeks;
  r.trips = demand_.trips;
  r.units.resize(n);
  r.revenue_cents.resize(n);
  r.margin_cents.resize(n);
  r.stockout_units.assign(n, 0.0f);
  r.waste_units.assign(n, 0.0f);
  for (size_t i = 0; i < n; ++i) {
    const size_t p = i / n_s;
    const double wanted = demand_.units[i];
    double sold = wanted;
    if (config_.track_inventory) {
      const double stock = obs_.inventory_units[i];
      sold = std::min(wanted, stock);
      double left = stock - sold;
      const double waste = market_.perishable[p] ? std::floor(config_.spoilage_rate * left) : 0.0;
      left -= waste;
      r.stockout_units[i] = static_cast<float>(wanted - sold);
      r.waste_units[i] = static_cast<float>(waste);
      r.waste_cost_cents += waste * market_.unit_cost_cents[p];
      r.holding_cost_cents += config_.holding_cost_rate * left * market_.unit_cost_cents[p];
      r.stockout_cost_cents += config_.stockout_cost_rate * (wanted - sold) * actual[i];
      const double order =
          action.order_units.empty() ? 0.0 : std::floor(std::max(0.0f, action.order_units[i]));
      obs_.inventory_units[i] = static_cast<float>(left + order);
    }
    r.units[i] = static_cast<float>(sold);
    r.revenue_cents[i] = static_cast<float>(sold * actual[i]);
    r.margin_cents[i] = static_cast<float>(sold * (actual[i] - market_.unit_cost_cents[p]));
    r.units_total += sold;
    r.revenue_total_cents += sold * actual[i];
    r.margin_total_cents += sold * (actual[i] - market_.unit_cost_cents[p]);
    r.stockout_total_units += wanted - sold;
    r.waste_total_units += r.waste_units[i];
  }
  r.profit_cents =
      r.margin_total_cents - r.waste_cost_cents - r.holding_cost_cents - r.stockout_cost_cents;

  // The next week's observation.
  const size_t k = static_cast<size_t>(config_.history_weeks);
  if (k > 0) {
    std::copy(obs_.recent_units.begin() + static_cast<ptrdiff_t>(n), obs_.recent_units.end(),
              obs_.recent_units.begin());
    std::copy(r.units.begin(), r.units.end(),
              obs_.recent_units.begin() + static_cast<ptrdiff_t>((k - 1) * n));
  }
  obs_.shelf_price_cents = shelf;
  obs_.promo_depth = depth;
  obs_.lost_units = r.stockout_units;
  ++obs_.step;
  ++obs_.week;
  done_ = obs_.week >= end_week_;
  r.done = done_;
  if (!done_) {
    obs_.shop_week = market_.shop_week[obs_.week];
    market_.historical_prices(obs_.week, obs_.historical_price_cents, obs_.historical_promo_depth);
  }
  return r;
}

std::vector<BoxSpace> Env::observation_space() const {
  const int64_t n_p = market_.n_products(), n_s = market_.n_stores();
  const std::vector<int64_t> cells = {n_p, n_s};
  return {
      {"week",
       {1},
       {0},
       {static_cast<float>(market_.n_weeks - 1)},
       "int32",
       "week index of the week about to be simulated (0 = the data's first shop week)"},
      {"shelf_price_cents", cells, market_.price_low_cents, market_.price_high_cents, "float32",
       "last week's shelf price per product x store (bounds per product)"},
      {"promo_depth",
       cells,
       {0},
       {1},
       "float32",
       "last week's promotion depth per product x store (fraction off the shelf price)"},
      {"inventory_units",
       cells,
       {0},
       {kInf},
       "float32",
       "stock on hand per product x store (0 without inventory tracking)"},
      {"recent_units",
       {static_cast<int64_t>(config_.history_weeks), n_p, n_s},
       {0},
       {kInf},
       "float32",
       "units sold in each of the last history_weeks weeks, oldest first"},
      {"lost_units",
       cells,
       {0},
       {kInf},
       "float32",
       "last week's demand lost to stock-outs per product x store (0 without inventory "
       "tracking)"},
      {"historical_price_cents",
       cells,
       {0},
       {kInf},
       "float32",
       "the data's shelf price for this week per product x store"},
      {"historical_promo_depth",
       cells,
       {0},
       {1},
       "float32",
       "the data's promotion depth for this week per product x store"},
  };
}

std::vector<BoxSpace> Env::action_space() const {
  const std::vector<int64_t> cells = {market_.n_products(), market_.n_stores()};
  return {
      {"shelf_price_cents", cells, market_.price_low_cents, market_.price_high_cents, "float32",
       "shelf price per product x store; bounds per product (20th-95th percentile of observed "
       "prices); outside values are clipped and counted as violations"},
      {"promo_depth",
       cells,
       {0},
       {static_cast<float>(config_.max_promo_depth)},
       "float32",
       "promotion depth per product x store: fraction off the shelf price, 0 = not promoted"},
      {"order_units",
       cells,
       {0},
       {kInf},
       "float32",
       "units ordered per product x store, delivered before next week's sales (ignored without "
       "inventory tracking)"},
  };
}

Json Env::spaces_json() const {
  Json observation = Json::object(), action = Json::object();
  for (const auto& box : observation_space()) observation[box.name] = box.to_json();
  for (const auto& box : action_space()) action[box.name] = box.to_json();
  return Json{{"observation", observation},
              {"action", action},
              {"cell_layout", "row-major [product, store]: cell = product * n_stores + store"},
              {"products", market_.product_code},
              {"stores", market_.store_code}};
}

EpisodeTotals run_episode(Env& env, Policy& policy, uint64_t seed) {
  EpisodeTotals totals;
  Observation obs = env.reset(seed);
  while (!env.done()) {
    StepResult r = env.step(policy.act(env, obs));
    policy.observe(r);
    obs = env.observation();
    totals.units += r.units_total;
    totals.revenue_cents += r.revenue_total_cents;
    totals.margin_cents += r.margin_total_cents;
    totals.profit_cents += r.profit_cents;
    totals.price_violations += r.price_violations;
    totals.steps.push_back(std::move(r));
  }
  return totals;
}

}  // namespace retailsim::sim
