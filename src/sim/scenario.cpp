// Counterfactual scenario files: parsing (every error names file, table and key), checking their
// filters against a market, and applying their price and promotion changes to a week's action.
#include <algorithm>
#include <cmath>
#include <set>

#include <toml++/toml.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "sim/sim.h"

namespace retailsim::sim {

namespace {

// One table of the file, named for messages: "[[price]] #2".
struct Table {
  const toml::table& t;
  std::string name;
  std::string source;

  [[noreturn]] void error(std::string_view key, const std::string& what) const {
    const toml::node* node = t.get(key);
    const auto line = node ? static_cast<int64_t>(node->source().begin.line)
                           : static_cast<int64_t>(t.source().begin.line);
    fail_at({source, line, 0, ""}, "{} {}: {}", name, key, what);
  }
  void check_keys(const std::set<std::string>& known) const {
    for (const auto& [key, node] : t)
      if (!known.contains(std::string(key.str()))) error(key.str(), "unknown key");
  }
  std::optional<double> number(std::string_view key) const {
    const toml::node* node = t.get(key);
    if (!node) return std::nullopt;
    if (auto v = node->value<double>()) return *v;
    error(key, "expected a number");
  }
  std::optional<bool> boolean(std::string_view key) const {
    const toml::node* node = t.get(key);
    if (!node) return std::nullopt;
    if (auto v = node->value<bool>()) return *v;
    error(key, "expected true or false");
  }
  std::string string(std::string_view key, const std::string& fallback) const {
    const toml::node* node = t.get(key);
    if (!node) return fallback;
    if (auto v = node->value<std::string>()) return *v;
    error(key, "expected a string");
  }
  std::vector<std::string> strings(std::string_view key) const {
    const toml::node* node = t.get(key);
    if (!node) return {};
    std::vector<std::string> out;
    if (auto v = node->value<std::string>()) return {*v};
    const toml::array* array = node->as_array();
    if (!array) error(key, "expected a string or an array of strings");
    for (const auto& element : *array) {
      auto v = element.value<std::string>();
      if (!v) error(key, "expected an array of strings");
      out.push_back(*v);
    }
    return out;
  }
  // weeks = [first, last] (YYYYWW, inclusive) or one week.
  void weeks(CellFilter& where) const {
    const toml::node* node = t.get("weeks");
    if (!node) return;
    if (auto v = node->value<int64_t>()) {
      where.first_shop_week = where.last_shop_week = static_cast<int32_t>(*v);
      return;
    }
    const toml::array* array = node->as_array();
    if (!array || array->size() != 2 || !(*array)[0].value<int64_t>() ||
        !(*array)[1].value<int64_t>())
      error("weeks", "expected a shop week YYYYWW or [first, last]");
    where.first_shop_week = static_cast<int32_t>(*(*array)[0].value<int64_t>());
    where.last_shop_week = static_cast<int32_t>(*(*array)[1].value<int64_t>());
    if (where.first_shop_week > where.last_shop_week)
      error("weeks", "the first week comes after the last");
  }
  CellFilter filter() const {
    CellFilter where;
    where.products = strings("products");
    where.categories = strings("categories");
    where.stores = strings("stores");
    where.formats = strings("formats");
    where.regions = strings("regions");
    weeks(where);
    return where;
  }
};

const std::set<std::string> kFilterKeys = {"products", "categories", "stores",
                                           "formats",  "regions",    "weeks"};

std::set<std::string> with_filter_keys(std::set<std::string> keys) {
  keys.insert(kFilterKeys.begin(), kFilterKeys.end());
  return keys;
}

const toml::table* table_or_null(const toml::table& root, const char* key,
                                 const std::string& source) {
  const toml::node* node = root.get(key);
  if (!node) return nullptr;
  if (!node->is_table())
    fail_at({source, static_cast<int64_t>(node->source().begin.line), 0, ""},
            "[{}] must be a table", key);
  return node->as_table();
}

// Entries of an array of tables ([[price]]), each named "[[price]] #n".
template <typename F>
void each_entry(const toml::table& root, const char* key, const std::string& source, F&& f) {
  const toml::node* node = root.get(key);
  if (!node) return;
  const toml::array* array = node->as_array();
  if (!array || !array->is_array_of_tables())
    fail_at({source, static_cast<int64_t>(node->source().begin.line), 0, ""},
            "{} must be an array of tables ([[{}]])", key, key);
  int index = 0;
  for (const auto& element : *array) {
    ++index;
    f(Table{*element.as_table(), fmt::format("[[{}]] #{}", key, index), source});
  }
}

InventoryPolicy parse_inventory(const Table& t) {
  t.check_keys({"policy", "cover_weeks"});
  InventoryPolicy p;
  p.policy = t.string("policy", p.policy);
  if (p.policy != "unlimited" && p.policy != "base-stock")
    t.error("policy", fmt::format("'{}' is not a policy (unlimited or base-stock)", p.policy));
  p.cover_weeks = t.number("cover_weeks").value_or(p.cover_weeks);
  if (!(p.cover_weeks >= 0)) t.error("cover_weeks", "must be >= 0");
  return p;
}

// The scope's local index sets a filter selects (empty = all).
struct Selection {
  std::vector<uint8_t> product, store;
  int first_week = 0, last_week = 0;
};

Selection select(const CellFilter& where, const Market& market, const std::string& entry) {
  Selection sel;
  sel.product.assign(static_cast<size_t>(market.n_products()), 0);
  for (int p = 0; p < market.n_products(); ++p) {
    const auto& parents = market.product_parents[static_cast<size_t>(p)];
    bool category = where.categories.empty();
    for (const auto& code : where.categories)
      category = category || std::find(parents.begin(), parents.end(), code) != parents.end();
    const bool product =
        where.products.empty() || std::find(where.products.begin(), where.products.end(),
                                            market.product_code[p]) != where.products.end();
    sel.product[p] = category && product;
  }
  sel.store.assign(static_cast<size_t>(market.n_stores()), 0);
  auto in = [](const std::vector<std::string>& list, const std::string& v) {
    return list.empty() || std::find(list.begin(), list.end(), v) != list.end();
  };
  for (int s = 0; s < market.n_stores(); ++s)
    sel.store[s] = in(where.stores, market.store_code[s]) &&
                   in(where.formats, market.store_format[s]) &&
                   in(where.regions, market.store_region[s]);
  if (std::none_of(sel.product.begin(), sel.product.end(), [](uint8_t x) { return x; }))
    fail("{}: selects no product of the simulated scope", entry);
  if (std::none_of(sel.store.begin(), sel.store.end(), [](uint8_t x) { return x; }))
    fail("{}: selects no store of the simulated scope", entry);
  sel.first_week =
      where.first_shop_week == 0 ? 0 : market.week_index(where.first_shop_week, entry + " weeks");
  sel.last_week = where.last_shop_week == 0
                      ? market.n_weeks - 1
                      : market.week_index(where.last_shop_week, entry + " weeks");
  return sel;
}

class ScenarioPolicy final : public Policy {
 public:
  ScenarioPolicy(const Scenario* scenario, InventoryPolicy inventory)
      : scenario_(scenario), inventory_(std::move(inventory)) {}
  std::string name() const override { return scenario_ ? "scenario" : "baseline"; }
  Action act(const Env& env, const Observation& obs) override {
    Action action = env.historical_action();
    if (scenario_) apply_scenario(*scenario_, env.market(), obs.week, action);
    if (env.config().track_inventory && inventory_.tracked()) {
      // Base stock: bring next week's opening stock to cover_weeks of last week's sales,
      // expecting this week to sell what last week did.
      const size_t n = env.market().n_cells();
      const size_t last = obs.recent_units.size() >= n ? obs.recent_units.size() - n : 0;
      for (size_t i = 0; i < n; ++i) {
        const double sold = obs.recent_units.empty() ? 0.0 : obs.recent_units[last + i];
        const double target = std::ceil(inventory_.cover_weeks * sold);
        action.order_units[i] =
            static_cast<float>(std::max(0.0, target + sold - obs.inventory_units[i]));
      }
    }
    return action;
  }

 private:
  const Scenario* scenario_;
  InventoryPolicy inventory_;
};

}  // namespace

SimulateConfig SimulateConfig::from_section(const Section& section) {
  section.check_known_keys({"demand_source", "mode", "start_shop_week", "weeks", "seeds",
                            "elasticity_products", "elasticity_step_pct", "lift_depth_pct",
                            "price_cut_pct", "report_top"});
  SimulateConfig c;
  c.demand_source = section.get_string("demand_source", c.demand_source);
  c.mode = demand_mode_named(section.get_string("mode", demand_mode_name(c.mode)));
  c.start_shop_week = static_cast<int32_t>(section.get_int("start_shop_week", 0));
  c.weeks = static_cast<int>(section.get_int("weeks", c.weeks));
  c.n_seeds = static_cast<int>(section.get_int("seeds", c.n_seeds));
  c.elasticity_products =
      static_cast<int>(section.get_int("elasticity_products", c.elasticity_products));
  c.elasticity_step_pct = section.get_double("elasticity_step_pct", c.elasticity_step_pct);
  c.lift_depth_pct = section.get_double("lift_depth_pct", c.lift_depth_pct);
  c.price_cut_pct = section.get_double("price_cut_pct", c.price_cut_pct);
  c.report_top = static_cast<int>(section.get_int("report_top", c.report_top));
  return c;
}

void SimulateConfig::validate(const std::string& source) const {
  auto bad = [&](const char* key, const char* what) {
    fail("{}: [simulate] {} must be {}", source, key, what);
  };
  if (weeks < 1) bad("weeks", "at least 1");
  if (n_seeds < 2) bad("seeds", "at least 2 (for intervals)");
  if (elasticity_products < 0) bad("elasticity_products", ">= 0");
  if (report_top < 0) bad("report_top", ">= 0");
  if (!(elasticity_step_pct > 0 && elasticity_step_pct < 50))
    bad("elasticity_step_pct", "in (0, 50)");
  if (!(lift_depth_pct > 0 && lift_depth_pct < 100)) bad("lift_depth_pct", "in (0, 100)");
  if (!(price_cut_pct > 0 && price_cut_pct < 100)) bad("price_cut_pct", "in (0, 100)");
}

Json SimulateConfig::to_json() const {
  return Json{{"demand_source", demand_source},
              {"mode", demand_mode_name(mode)},
              {"start_shop_week", start_shop_week},
              {"weeks", weeks},
              {"seeds", n_seeds},
              {"elasticity_products", elasticity_products},
              {"elasticity_step_pct", elasticity_step_pct},
              {"lift_depth_pct", lift_depth_pct},
              {"price_cut_pct", price_cut_pct},
              {"report_top", report_top}};
}

Scenario parse_scenario(const std::string& text, const std::string& source_name) {
  toml::table root;
  try {
    root = toml::parse(text, source_name);
  } catch (const toml::parse_error& e) {
    fail_at({source_name, static_cast<int64_t>(e.source().begin.line), 0, ""}, "{}",
            std::string(e.description()));
  }
  const std::set<std::string> top = {"scenario",           "price",    "promotion", "inventory",
                                     "baseline_inventory", "simulate", "scope"};
  for (const auto& [key, node] : root)
    if (!top.contains(std::string(key.str())))
      fail_at({source_name, static_cast<int64_t>(node.source().begin.line), 0, ""},
              "unknown table [{}] (known: scenario, price, promotion, inventory, "
              "baseline_inventory, simulate, scope)",
              std::string(key.str()));
  Scenario s;
  s.source = source_name;
  if (const toml::table* t = table_or_null(root, "scenario", source_name)) {
    Table table{*t, "[scenario]", source_name};
    table.check_keys({"name", "description"});
    s.name = table.string("name", "");
    s.description = table.string("description", "");
  }
  if (s.name.empty()) s.name = fs::path(source_name).stem().string();
  each_entry(root, "price", source_name, [&](const Table& t) {
    t.check_keys(with_filter_keys({"change_pct", "price_cents"}));
    PriceChange change;
    change.where = t.filter();
    const auto pct = t.number("change_pct");
    const auto cents = t.number("price_cents");
    if (pct.has_value() == cents.has_value())
      t.error("change_pct", "give exactly one of change_pct and price_cents");
    if (pct) {
      if (!(*pct > -100)) t.error("change_pct", "must be above -100");
      change.change_pct = *pct;
    } else {
      if (!(*cents > 0)) t.error("price_cents", "must be positive");
      change.absolute = true;
      change.price_cents = *cents;
    }
    s.prices.push_back(change);
  });
  each_entry(root, "promotion", source_name, [&](const Table& t) {
    t.check_keys(with_filter_keys({"enabled", "depth_pct"}));
    PromotionChange change;
    change.where = t.filter();
    change.enabled = t.boolean("enabled").value_or(true);
    change.depth_pct = t.number("depth_pct").value_or(change.depth_pct);
    if (change.enabled && !(change.depth_pct > 0 && change.depth_pct < 100))
      t.error("depth_pct", "must be in (0, 100)");
    s.promotions.push_back(change);
  });
  if (const toml::table* t = table_or_null(root, "inventory", source_name))
    s.inventory = parse_inventory(Table{*t, "[inventory]", source_name});
  if (const toml::table* t = table_or_null(root, "baseline_inventory", source_name))
    s.baseline_inventory = parse_inventory(Table{*t, "[baseline_inventory]", source_name});
  s.simulate = SimulateConfig::from_section(
      Section(table_or_null(root, "simulate", source_name), "simulate", source_name));
  s.simulate.validate(source_name);
  s.scope = ScopeConfig::from_section(
      Section(table_or_null(root, "scope", source_name), "scope", source_name));
  return s;
}

Scenario load_scenario(const fs::path& path) {
  return parse_scenario(read_file(path), path.string());
}

void check_scenario(const Scenario& scenario, const Market& market) {
  for (size_t i = 0; i < scenario.prices.size(); ++i)
    select(scenario.prices[i].where, market,
           fmt::format("{}: [[price]] #{}", scenario.source, i + 1));
  for (size_t i = 0; i < scenario.promotions.size(); ++i)
    select(scenario.promotions[i].where, market,
           fmt::format("{}: [[promotion]] #{}", scenario.source, i + 1));
}

void apply_scenario(const Scenario& scenario, const Market& market, int week, Action& action) {
  const int n_s = market.n_stores();
  for (size_t i = 0; i < scenario.prices.size(); ++i) {
    const PriceChange& change = scenario.prices[i];
    const Selection sel =
        select(change.where, market, fmt::format("{}: [[price]] #{}", scenario.source, i + 1));
    if (week < sel.first_week || week > sel.last_week) continue;
    for (int p = 0; p < market.n_products(); ++p) {
      if (!sel.product[p]) continue;
      for (int s = 0; s < n_s; ++s) {
        if (!sel.store[s]) continue;
        float& price = action.shelf_price_cents[static_cast<size_t>(p) * n_s + s];
        price = change.absolute ? static_cast<float>(change.price_cents)
                                : static_cast<float>(price * (1 + change.change_pct / 100));
      }
    }
  }
  for (size_t i = 0; i < scenario.promotions.size(); ++i) {
    const PromotionChange& change = scenario.promotions[i];
    const Selection sel =
        select(change.where, market, fmt::format("{}: [[promotion]] #{}", scenario.source, i + 1));
    if (week < sel.first_week || week > sel.last_week) continue;
    for (int p = 0; p < market.n_products(); ++p) {
      if (!sel.product[p]) continue;
      for (int s = 0; s < n_s; ++s)
        if (sel.store[s])
          action.promo_depth[static_cast<size_t>(p) * n_s + s] =
              change.enabled ? static_cast<float>(change.depth_pct / 100) : 0.0f;
    }
  }
}

std::unique_ptr<Policy> make_scenario_policy(const Scenario* scenario, InventoryPolicy inventory) {
  return std::make_unique<ScenarioPolicy>(scenario, std::move(inventory));
}

}  // namespace retailsim::sim
