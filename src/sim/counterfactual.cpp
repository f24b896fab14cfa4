// `simulate`: a scenario against the baseline with common random numbers over repeated seeds
// (deltas with 95% intervals per product, category and store), then, in the truth, the own-price
// elasticities and promotion lifts of the best sellers by finite differences and the revenue
// response to a catalogue-wide price cut. Writes reports/counterfactual.json.
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <numeric>
#include <optional>
#include <set>
#include <string>

#include <spdlog/spdlog.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/progress.h"
#include "core/rng.h"
#include "sim/sim.h"
#include "synth/world.h"

namespace retailsim::sim {

namespace {

constexpr const char* kNoTruth =
    "no ground truth (real data): the world model's answers are reported without errors";
constexpr const char* kModelMethod =
    "the same finite differences in the world-model source's expected mode (one run per probe and "
    "group of best sellers from distinct sub-commodities: a product's units there depend on its "
    "own and its sub-commodity's prices only)";
constexpr const char* kNoWorldModel =
    "no learned demand source: the 'world-model' source is registered only when simulate runs in "
    "the torch module (a trained world model in <data>/models/), so only the truth's answers are "
    "reported";

// Two-sided 95% Student t quantiles for 1..30 degrees of freedom (1.96 above).
double t95(int dof) {
  static constexpr double kT[] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306,
                                  2.262,  2.228, 2.201, 2.179, 2.160, 2.145, 2.131, 2.120,
                                  2.110,  2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
                                  2.060,  2.056, 2.052, 2.048, 2.045, 2.042};
  return dof >= 1 && dof <= 30 ? kT[dof - 1] : 1.96;
}

// Mean with a 95% t interval over per-seed values.
Json interval(const std::vector<double>& values) {
  const double n = static_cast<double>(values.size());
  const double mean = std::accumulate(values.begin(), values.end(), 0.0) / n;
  double ss = 0;
  for (double v : values) ss += (v - mean) * (v - mean);
  const double half = n > 1 ? t95(static_cast<int>(n) - 1) * std::sqrt(ss / (n - 1) / n) : 0.0;
  return Json{{"mean", mean}, {"ci95", {mean - half, mean + half}}};
}

// Per-seed sums of one run, aggregated over weeks to products, stores, categories and total.
struct Sums {
  std::vector<double> product, store, category;
  double total = 0;
};
struct RunSums {
  Sums units, revenue, margin;
  uint64_t customer_weeks = 0;
};

struct Layout {
  std::vector<int32_t> product_category;  // into categories
  std::vector<std::string> categories;
};

Layout layout_of(const Market& market) {
  Layout l;
  for (const auto& c : market.product_category) {
    auto it = std::find(l.categories.begin(), l.categories.end(), c);
    l.product_category.push_back(static_cast<int32_t>(it - l.categories.begin()));
    if (it == l.categories.end()) l.categories.push_back(c);
  }
  return l;
}

void add(Sums& sums, const Layout& layout, int n_s, std::span<const float> cells) {
  for (size_t i = 0; i < cells.size(); ++i) {
    const size_t p = i / n_s, s = i % n_s;
    sums.product[p] += cells[i];
    sums.store[s] += cells[i];
    sums.category[layout.product_category[p]] += cells[i];
    sums.total += cells[i];
  }
}

RunSums run(Env& env, Policy& policy, uint64_t seed, const Layout& layout) {
  const Market& m = env.market();
  RunSums out;
  for (Sums* s : {&out.units, &out.revenue, &out.margin}) {
    s->product.assign(static_cast<size_t>(m.n_products()), 0.0);
    s->store.assign(static_cast<size_t>(m.n_stores()), 0.0);
    s->category.assign(layout.categories.size(), 0.0);
  }
  Observation obs = env.reset(seed);
  while (!env.done()) {
    const StepResult r = env.step(policy.act(env, obs));
    policy.observe(r);
    obs = env.observation();
    add(out.units, layout, m.n_stores(), r.units);
    add(out.revenue, layout, m.n_stores(), r.revenue_cents);
    add(out.margin, layout, m.n_stores(), r.margin_cents);
    out.customer_weeks += r.customer_weeks;
  }
  return out;
}

// History with a set of products repriced (factor) and/or their promotions forced on/off.
class ProbePolicy final : public Policy {
 public:
  ProbePolicy(std::vector<uint8_t> products, double price_factor, int promo, double depth)
      : products_(std::move(products)), factor_(price_factor), promo_(promo), depth_(depth) {}
  std::string name() const override { return "probe"; }
  Action act(const Env& env, const Observation& /*obs*/) override {
    Action a = env.historical_action();
    const int n_s = env.market().n_stores();
    for (size_t i = 0; i < a.shelf_price_cents.size(); ++i) {
      if (!products_[i / n_s]) continue;
      a.shelf_price_cents[i] = static_cast<float>(a.shelf_price_cents[i] * factor_);
      if (promo_ >= 0) a.promo_depth[i] = promo_ ? static_cast<float>(depth_) : 0.0f;
    }
    return a;
  }

 private:
  std::vector<uint8_t> products_;
  double factor_;
  int promo_;  // -1 keep history, 0 off, 1 on at depth_
  double depth_;
};

// Per entity (product, store or category): baseline and the delta of each metric with intervals.
// Entities whose units or revenue moved, largest mean revenue delta first, `top` of them.
Json entity_deltas(const std::vector<RunSums>& base, const std::vector<RunSums>& scen,
                   const std::vector<std::string>& names, std::vector<double> Sums::*level,
                   size_t top) {
  struct Row {
    size_t index;
    double revenue_delta;
  };
  const size_t n = names.size();
  std::vector<Row> rows;
  for (size_t e = 0; e < n; ++e) {
    double d = 0;
    for (size_t r = 0; r < base.size(); ++r)
      d += (scen[r].revenue.*level)[e] - (base[r].revenue.*level)[e];
    double du = 0;
    for (size_t r = 0; r < base.size(); ++r)
      du += (scen[r].units.*level)[e] - (base[r].units.*level)[e];
    if (d != 0 || du != 0) rows.push_back({e, d / static_cast<double>(base.size())});
  }
  std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    return std::abs(a.revenue_delta) > std::abs(b.revenue_delta);
  });
  if (rows.size() > top) rows.resize(top);
  Json out = Json::array();
  for (const Row& row : rows) {
    Json j{{"code", names[row.index]}};
    for (auto [key, metric] :
         {std::pair{"units", &RunSums::units}, std::pair{"revenue_cents", &RunSums::revenue},
          std::pair{"margin_cents", &RunSums::margin}}) {
      std::vector<double> deltas;
      double baseline = 0;
      for (size_t r = 0; r < base.size(); ++r) {
        const double b = (base[r].*metric.*level)[row.index];
        deltas.push_back((scen[r].*metric.*level)[row.index] - b);
        baseline += b / static_cast<double>(base.size());
      }
      Json d = interval(deltas);
      d["baseline"] = baseline;
      d["pct"] = baseline > 0 ? Json(100.0 * d["mean"].get<double>() / baseline) : Json(nullptr);
      j[key] = d;
    }
    out.push_back(j);
  }
  return out;
}

Json total_deltas(const std::vector<RunSums>& base, const std::vector<RunSums>& scen) {
  Json j = Json::object();
  for (auto [key, metric] :
       {std::pair{"units", &RunSums::units}, std::pair{"revenue_cents", &RunSums::revenue},
        std::pair{"margin_cents", &RunSums::margin}}) {
    std::vector<double> deltas, pcts;
    double baseline = 0;
    for (size_t r = 0; r < base.size(); ++r) {
      const double b = (base[r].*metric).total;
      deltas.push_back((scen[r].*metric).total - b);
      pcts.push_back(b != 0 ? 100.0 * deltas.back() / b : 0.0);
      baseline += b / static_cast<double>(base.size());
    }
    Json d = interval(deltas);
    d["baseline"] = baseline;
    d["pct"] = interval(pcts);
    j[key] = d;
  }
  return j;
}

// Groups of products measured together, greedily: no two in a group share a key of
// `keys_of(product)`.
template <typename Keys>
std::vector<std::vector<int>> disjoint_groups(const std::vector<int>& products, Keys keys_of) {
  std::vector<std::vector<int>> groups;
  std::vector<std::set<int>> taken;  // keys each group touches
  for (int p : products) {
    const std::set<int> keys = keys_of(p);
    size_t g = 0;
    for (; g < groups.size(); ++g) {
      bool clash = false;
      for (int k : keys) clash = clash || taken[g].contains(k);
      if (!clash) break;
    }
    if (g == groups.size()) {
      groups.emplace_back();
      taken.emplace_back();
    }
    groups[g].push_back(p);
    taken[g].insert(keys.begin(), keys.end());
  }
  return groups;
}

// The truth's probe groups: no two share a category or complement categories, so one product's
// price barely moves another's units.
std::vector<std::vector<int>> probe_groups(const Market& market, const std::vector<int>& products) {
  const synth::World& w = *market.world;
  return disjoint_groups(products, [&](int p) {
    const int cl = w.product_cl[market.product_source_id[p]];
    std::set<int> touches = {cl};
    for (int i = w.cl_complement_offsets[cl]; i < w.cl_complement_offsets[cl + 1]; ++i)
      touches.insert(w.cl_complements[i]);
    for (size_t i = 0; i < w.complement_a.size(); ++i)
      if (w.complement_b[i] == cl) touches.insert(w.complement_a[i]);
    return touches;
  });
}

// The four probes of a group: shelf price up and down by h, a promotion of `depth` on and off.
enum { kUp, kDown, kPromoOn, kPromoOff, kProbes };
std::array<ProbePolicy, kProbes> probes_of(const Market& market, const std::vector<int>& group,
                                           double h, double depth) {
  std::vector<uint8_t> mask(static_cast<size_t>(market.n_products()), 0);
  for (int p : group) mask[p] = 1;
  return {ProbePolicy(mask, 1 + h, -1, 0), ProbePolicy(mask, 1 - h, -1, 0),
          ProbePolicy(mask, 1, 1, depth), ProbePolicy(mask, 1, 0, 0)};
}

double median(std::vector<double> v) {
  if (v.empty()) return std::nan("");
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// The `n` best sellers of a run (by units, those that sold at all), best first.
std::vector<int> best_sellers(const RunSums& run, int n) {
  std::vector<int> order(run.units.product.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return run.units.product[a] > run.units.product[b]; });
  order.resize(std::min(order.size(), static_cast<size_t>(std::max(0, n))));
  while (!order.empty() && run.units.product[order.back()] <= 0) order.pop_back();
  return order;
}

// The world model's answers to the probes, per product of `order` (NaN where undefined): unit
// elasticity and promotion lift, and the catalogue-wide cut's revenue delta in % (NaN without
// revenue). Its units of a product depend on that product's own price and its sub-commodity's
// (store visits are blind to prices, products have no complements there), so the products are
// probed in as many runs as the most of them one sub-commodity holds.
struct ModelAnswers {
  std::vector<double> elasticity, lift;
  double cut_pct = std::nan("");
  uint64_t customer_weeks = 0;
};
ModelAnswers model_answers(Env& model_env, const Market& market, const Layout& layout,
                           const std::vector<int>& order, double h, double depth, double cut_pct,
                           uint64_t seed) {
  ModelAnswers out;
  const auto model_groups =
      disjoint_groups(order, [&](int p) { return std::set<int>{layout.product_category[p]}; });
  std::array<std::vector<double>, kProbes> units;
  for (auto& u : units) u.assign(static_cast<size_t>(market.n_products()), 0.0);
  for (const auto& group : model_groups) {
    std::array<ProbePolicy, kProbes> probes = probes_of(market, group, h, depth);
    for (int k = 0; k < kProbes; ++k) {
      const RunSums sums = run(model_env, probes[k], seed, layout);
      out.customer_weeks += sums.customer_weeks;
      for (int p : group) units[k][p] = sums.units.product[p];
    }
  }
  const double log_step = std::log(1 + h) - std::log(1 - h);
  for (int p : order) {
    const double up = units[kUp][p], down = units[kDown][p];
    const double on = units[kPromoOn][p], off = units[kPromoOff][p];
    out.elasticity.push_back(up > 0 && down > 0 ? (std::log(up) - std::log(down)) / log_step
                                                : std::nan(""));
    out.lift.push_back(off > 0 ? on / off - 1 : std::nan(""));
  }
  std::vector<uint8_t> all(static_cast<size_t>(market.n_products()), 1);
  ProbePolicy keep(all, 1, -1, 0), cut(all, 1 - cut_pct / 100, -1, 0);
  const RunSums b = run(model_env, keep, seed, layout);
  const RunSums c = run(model_env, cut, seed, layout);
  out.customer_weeks += b.customer_weeks + c.customer_weeks;
  if (b.revenue.total > 0)
    out.cut_pct = 100.0 * (c.revenue.total - b.revenue.total) / b.revenue.total;
  return out;
}

}  // namespace

SimulateSummary simulate(const fs::path& data_dir, const Scenario& scenario, uint64_t seed) {
  const auto t0 = std::chrono::steady_clock::now();
  const Market market = load_market(data_dir, scenario.scope, seed);
  SimulateConfig cfg = scenario.simulate;
  if (cfg.demand_source == "auto") cfg.demand_source = market.synthetic ? "truth" : "world-model";
  check_scenario(scenario, market);
  const Layout layout = layout_of(market);

  EnvConfig env_config;
  env_config.demand_source = cfg.demand_source;
  env_config.mode = cfg.mode;
  env_config.episode_weeks = cfg.weeks;
  env_config.history_weeks = 1;
  env_config.track_inventory =
      scenario.inventory.tracked() || scenario.baseline_inventory.tracked();
  const int start = cfg.start_shop_week != 0
                        ? market.week_index(cfg.start_shop_week, "[simulate] start_shop_week")
                        : std::max(0, market.n_weeks - cfg.weeks);
  env_config.start_shop_week = market.shop_week[start];
  Env env(market, env_config, {cfg.mode, data_dir});

  std::vector<uint64_t> seeds;
  for (int r = 0; r < cfg.n_seeds; ++r) seeds.push_back(mix64(seed + static_cast<uint64_t>(r)));

  // Measurement runs ignore the price bounds: they probe the demand curve, not a policy.
  Market open_market = market;
  std::fill(open_market.price_low_cents.begin(), open_market.price_low_cents.end(), 1.0f);
  std::fill(open_market.price_high_cents.begin(), open_market.price_high_cents.end(), 1e9f);
  EnvConfig probe_config = env_config;
  probe_config.track_inventory = false;
  const bool truth_available = market.synthetic && market.world;
  std::optional<Env> probe_env;
  if (truth_available) {
    probe_config.demand_source = "truth";
    probe_config.mode = DemandMode::kSampled;
    probe_env.emplace(open_market, probe_config);
  }

  // The learned simulator, in expected mode (no Monte Carlo noise in its finite differences),
  // when the "world-model" source is registered and trained; otherwise why not.
  std::optional<Env> model_env;
  std::string no_model_reason = kNoWorldModel;
  const auto sources = demand_source_names();
  if (std::find(sources.begin(), sources.end(), "world-model") != sources.end()) {
    EnvConfig model_config = probe_config;
    model_config.demand_source = "world-model";
    model_config.mode = DemandMode::kExpected;
    try {
      model_env.emplace(open_market, model_config, DemandOptions{DemandMode::kExpected, data_dir});
    } catch (const Error& e) {
      no_model_reason = e.what();
      spdlog::warn("simulate: no world-model answers: {}", no_model_reason);
    }
  }

  const int n_top = std::min(cfg.elasticity_products, market.n_products());
  Progress progress("simulate", 0, "runs");
  // Baseline and scenario, seed by seed.
  std::vector<RunSums> base, scen;
  uint64_t customer_weeks = 0;
  for (uint64_t s : seeds) {
    auto baseline_policy = make_scenario_policy(nullptr, scenario.baseline_inventory);
    auto scenario_policy = make_scenario_policy(&scenario, scenario.inventory);
    base.push_back(run(env, *baseline_policy, s, layout));
    scen.push_back(run(env, *scenario_policy, s, layout));
    customer_weeks += base.back().customer_weeks + scen.back().customer_weeks;
    progress.advance(2);
  }

  Json report;
  report["scenario"] = {
      {"name", scenario.name}, {"description", scenario.description}, {"file", scenario.source}};
  report["demand_source"] = cfg.demand_source;
  report["mode"] = demand_mode_name(cfg.mode);
  report["config"] = cfg.to_json();
  report["scope"] = scenario.scope.to_json();
  report["n_products"] = market.n_products();
  report["n_stores"] = market.n_stores();
  report["n_customers"] = market.customers.size();
  std::vector<int32_t> weeks;
  for (int w = start; w < std::min(market.n_weeks, start + cfg.weeks); ++w)
    weeks.push_back(market.shop_week[w]);
  report["shop_weeks"] = weeks;
  report["seeds"] = seeds.size();
  report["inventory"] = {{"scenario", scenario.inventory.policy},
                         {"scenario_cover_weeks", scenario.inventory.cover_weeks},
                         {"baseline", scenario.baseline_inventory.policy},
                         {"baseline_cover_weeks", scenario.baseline_inventory.cover_weeks}};
  const size_t top = static_cast<size_t>(cfg.report_top);
  report["deltas"] = {
      {"total", total_deltas(base, scen)},
      {"by_category", entity_deltas(base, scen, layout.categories, &Sums::category, top)},
      {"by_product", entity_deltas(base, scen, market.product_code, &Sums::product, top)},
      {"by_store", entity_deltas(base, scen, market.store_code, &Sums::store, top)},
  };

  // The truth's elasticities and lifts of the best sellers (by the first seed's baseline units).
  Json elasticities = nullptr;
  Json price_cut = nullptr;
  std::optional<double> model_elasticity_error, model_price_cut_error;
  if (truth_available && n_top > 0) {
    const std::vector<int> order = best_sellers(base[0], n_top);
    const auto groups = probe_groups(market, order);
    const double h = cfg.elasticity_step_pct / 100, depth = cfg.lift_depth_pct / 100;
    progress.set_total(2 * seeds.size() + (4 * groups.size() + 2) * seeds.size());
    // units[probe][product] summed over seeds and stores; per seed for the jackknife.
    std::vector<std::vector<std::vector<double>>> units(
        kProbes, std::vector<std::vector<double>>(
                     seeds.size(), std::vector<double>(static_cast<size_t>(market.n_products()))));
    for (const auto& group : groups) {
      const std::array<ProbePolicy, kProbes> probes = probes_of(market, group, h, depth);
      for (int k = 0; k < kProbes; ++k) {
        for (size_t r = 0; r < seeds.size(); ++r) {
          ProbePolicy policy = probes[k];
          const RunSums sums = run(*probe_env, policy, seeds[r], layout);
          customer_weeks += sums.customer_weeks;
          for (int p : group) units[k][r][p] = sums.units.product[p];
          progress.advance();
        }
      }
    }
    auto pooled = [&](int k, int p, int skip) {
      double u = 0;
      for (size_t r = 0; r < seeds.size(); ++r)
        if (static_cast<int>(r) != skip) u += units[k][r][p];
      return u;
    };
    const double log_step = std::log(1 + h) - std::log(1 - h);
    auto elasticity = [&](int p, int skip) {
      const double up = pooled(kUp, p, skip), down = pooled(kDown, p, skip);
      return up > 0 && down > 0 ? (std::log(up) - std::log(down)) / log_step : std::nan("");
    };
    auto lift = [&](int p, int skip) {
      const double on = pooled(kPromoOn, p, skip), off = pooled(kPromoOff, p, skip);
      return off > 0 ? on / off - 1 : std::nan("");
    };
    // Delete-one-seed jackknife standard errors.
    auto jackknife = [&](auto&& estimate, int p) {
      const int n = static_cast<int>(seeds.size());
      std::vector<double> loo;
      for (int r = 0; r < n; ++r) loo.push_back(estimate(p, r));
      const double mean = std::accumulate(loo.begin(), loo.end(), 0.0) / n;
      double ss = 0;
      for (double v : loo) ss += (v - mean) * (v - mean);
      return std::sqrt((n - 1.0) / n * ss);
    };
    const synth::World& w = *market.world;
    Json rows = Json::array();
    std::vector<double> e_all, lift_all, odds_all;
    for (int p : order) {
      const int cl = w.product_cl[market.product_source_id[p]];
      const double e = elasticity(p, -1), l = lift(p, -1);
      auto num = [](double x) { return std::isfinite(x) ? Json(x) : Json(nullptr); };
      rows.push_back({{"product", market.product_code[p]},
                      {"category", market.product_category[p]},
                      {"baseline_units", base[0].units.product[p]},
                      {"true_unit_elasticity", num(e)},
                      {"true_unit_elasticity_se", num(jackknife(elasticity, p))},
                      {"true_promo_lift", num(l)},
                      {"true_promo_lift_se", num(jackknife(lift, p))},
                      {"generator_odds_elasticity", w.cl_elasticity[cl]},
                      {"model_unit_elasticity", nullptr},
                      {"model_promo_lift", nullptr}});
      if (std::isfinite(e)) e_all.push_back(e);
      if (std::isfinite(l)) lift_all.push_back(l);
      odds_all.push_back(w.cl_elasticity[cl]);
    }
    elasticities = {
        {"method",
         fmt::format("central finite difference of units at +-{}% shelf price (all stores, all "
                     "simulated weeks, {} seeds pooled, common random numbers), in the truth; "
                     "lift = units with a {}% promotion / units without - 1",
                     cfg.elasticity_step_pct, seeds.size(), cfg.lift_depth_pct)},
        {"n_products", rows.size()},
        {"n_probe_groups", groups.size()},
        {"true_unit_elasticity_median", median(e_all)},
        {"true_promo_lift_median", median(lift_all)},
        {"generator_odds_elasticity_median", median(odds_all)},
        {"products", rows}};

    // A catalogue-wide price cut: the truth's revenue response.
    std::vector<uint8_t> all(static_cast<size_t>(market.n_products()), 1);
    std::vector<double> pct;
    for (size_t r = 0; r < seeds.size(); ++r) {
      ProbePolicy keep(all, 1, -1, 0), cut(all, 1 - cfg.price_cut_pct / 100, -1, 0);
      const RunSums b = run(*probe_env, keep, seeds[r], layout);
      const RunSums c = run(*probe_env, cut, seeds[r], layout);
      customer_weeks += b.customer_weeks + c.customer_weeks;
      pct.push_back(100.0 * (c.revenue.total - b.revenue.total) / b.revenue.total);
      progress.advance(2);
    }
    price_cut = {{"price_cut_pct", cfg.price_cut_pct},
                 {"true_revenue_delta_pct", interval(pct)},
                 {"model_revenue_delta_pct", nullptr}};

    // The same questions to the world model.
    if (model_env) {
      const ModelAnswers answers =
          model_answers(*model_env, market, layout, order, h, depth, cfg.price_cut_pct, seeds[0]);
      customer_weeks += answers.customer_weeks;
      std::vector<double> errors, model_e;
      for (size_t i = 0; i < order.size(); ++i) {
        const double e = answers.elasticity[i], l = answers.lift[i];
        Json& row = rows[i];
        if (std::isfinite(e)) {
          row["model_unit_elasticity"] = e;
          model_e.push_back(e);
          const Json& t = row["true_unit_elasticity"];
          if (t.is_number() && t.get<double>() != 0)
            errors.push_back(std::abs(e - t.get<double>()) / std::abs(t.get<double>()));
        }
        if (std::isfinite(l)) row["model_promo_lift"] = l;
      }
      elasticities["products"] = rows;
      elasticities["model_unit_elasticity_median"] =
          model_e.empty() ? Json(nullptr) : Json(median(model_e));
      elasticities["model_method"] = kModelMethod;
      if (!errors.empty())
        model_elasticity_error = median(errors);
      else
        no_model_reason = "no best seller has both a finite true and model elasticity";
      if (std::isfinite(answers.cut_pct)) {
        price_cut["model_revenue_delta_pct"] = answers.cut_pct;
        const double true_pct = price_cut["true_revenue_delta_pct"]["mean"].get<double>();
        if (true_pct != 0)
          model_price_cut_error = std::abs(answers.cut_pct - true_pct) / std::abs(true_pct);
      }
    }
  } else if (model_env && n_top > 0) {
    // No ground truth (real data): the world model's own elasticities, lifts and cut.
    const std::vector<int> order = best_sellers(base[0], n_top);
    const ModelAnswers answers =
        model_answers(*model_env, market, layout, order, cfg.elasticity_step_pct / 100,
                      cfg.lift_depth_pct / 100, cfg.price_cut_pct, seeds[0]);
    customer_weeks += answers.customer_weeks;
    auto num = [](double x) { return std::isfinite(x) ? Json(x) : Json(nullptr); };
    Json rows = Json::array();
    std::vector<double> model_e, model_l;
    for (size_t i = 0; i < order.size(); ++i) {
      const int p = order[i];
      rows.push_back({{"product", market.product_code[p]},
                      {"category", market.product_category[p]},
                      {"baseline_units", base[0].units.product[p]},
                      {"model_unit_elasticity", num(answers.elasticity[i])},
                      {"model_promo_lift", num(answers.lift[i])}});
      if (std::isfinite(answers.elasticity[i])) model_e.push_back(answers.elasticity[i]);
      if (std::isfinite(answers.lift[i])) model_l.push_back(answers.lift[i]);
    }
    elasticities = {
        {"products", rows},
        {"model_unit_elasticity_median", model_e.empty() ? Json(nullptr) : Json(median(model_e))},
        {"model_promo_lift_median", model_l.empty() ? Json(nullptr) : Json(median(model_l))},
        {"model_method", kModelMethod}};
    price_cut = {{"price_cut_pct", cfg.price_cut_pct},
                 {"true_revenue_delta_pct", nullptr},
                 {"model_revenue_delta_pct", num(answers.cut_pct)}};
    no_model_reason = kNoTruth;
  } else if (!truth_available) {
    no_model_reason = kNoTruth;
  }
  progress.finish();
  report["elasticities"] = elasticities;
  report["price_cut"] = price_cut;
  // The learned simulator's errors against the truth (null with the reason without one).
  auto error_or_reason = [&](const char* key, const std::optional<double>& value) {
    report[key] = value ? Json(*value) : Json(nullptr);
    if (!value) report[std::string(key) + "_reason"] = no_model_reason;
  };
  error_or_reason("elasticity_error_median", model_elasticity_error);
  error_or_reason("price_cut_revenue_error", model_price_cut_error);
  report["customer_weeks_simulated"] = customer_weeks;

  SimulateSummary summary;
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  report["seconds"] = summary.seconds;
  summary.report = report;
  summary.customer_weeks = customer_weeks;
  fs::create_directories(data_dir / "reports");
  summary.report_path = data_dir / "reports" / "counterfactual.json";
  write_file_atomic(summary.report_path, report.dump(2) + "\n");
  return summary;
}

}  // namespace retailsim::sim
