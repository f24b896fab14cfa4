// Public surface of the market simulator: the market a simulation covers, demand sources chosen by
// name, the reset/step environment (one step = one week), the Policy interface agents and
// heuristics implement, and counterfactual scenarios (baseline vs scenario with common random
// numbers). Torch-free: LibTorch demand sources and agents plug in through the registries.
//
// Layout of every per-cell array: a "cell" is one (product, store) pair of the environment's scope,
// stored row-major as cell = product * n_stores + store, where product and store are the scope's
// local indices (0..n_products-1, 0..n_stores-1; their codes are in Market).
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/manifest.h"

namespace retailsim::synth {
struct World;
}
namespace retailsim::derive {
struct PriceTable;
}

namespace retailsim::sim {

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------------
// Scope and market
// ---------------------------------------------------------------------------------------------

// Which stores, products and customers an environment covers. Every list empty = everything.
// Stores are selected by code, format (LS, MS, SS, XLS) or region (E01...), all lists that are
// given must match; products by code or category (a PROD_CODE_10/20/30/40 code of any level).
struct ScopeConfig {
  std::vector<std::string> stores, formats, regions;
  std::vector<std::string> products, categories;
  // Share of the shoppers to simulate (seeded sample, 1 = all). Units are not scaled up.
  double customer_share = 1.0;

  // Reads a [scope] section (keys: stores, formats, regions, products, categories,
  // customer_share); unknown keys and bad values are errors naming the key.
  static ScopeConfig from_section(const Section& section);
  Json to_json() const;
};

// The static facts of the market in scope: products and stores with their codes, unit costs,
// price bounds and the historical (shelf price, promotion) calendar, from the ground truth on
// synthetic data (truth/) or from the ingested store and derive's price table on real data.
// Every price is in cents (= pence) per unit.
struct Market {
  bool synthetic = false;
  // Products of the scope (local ids) and their ids in the source of demand (world / store).
  std::vector<std::string> product_code, product_category;  // category: PROD_CODE_10
  // Per product its category codes from PROD_CODE_10 up to PROD_CODE_40.
  std::vector<std::array<std::string, 4>> product_parents;
  std::vector<int32_t> product_source_id;
  std::vector<float> unit_cost_cents;  // true unit cost (synthetic) or 20th-percentile price
  std::vector<float> price_low_cents;  // bounds: 20th and 95th percentiles of observed prices
  std::vector<float> price_high_cents;
  // Fresh departments: unsold stock spoils (waste). Real data does not say: none.
  std::vector<uint8_t> perishable;
  // Stores of the scope (local ids).
  std::vector<std::string> store_code, store_format, store_region;
  std::vector<int32_t> store_source_id;
  // Shoppers the simulation draws trips for (ids in the source of demand), after the scope's
  // customer sample: everyone who may visit a store of the scope.
  std::vector<int32_t> customers;
  // Weeks with a known calendar: week indices 0..n_weeks-1 (0 = the data's first shop week).
  int n_weeks = 0;
  std::vector<int32_t> shop_week;  // YYYYWW of each week index

  int n_products() const { return static_cast<int>(product_code.size()); }
  int n_stores() const { return static_cast<int>(store_code.size()); }
  size_t n_cells() const { return product_code.size() * store_code.size(); }
  // Week index of a YYYYWW shop week; throws Error naming `what` when the data has no such week.
  int week_index(int32_t shop_week, const std::string& what) const;

  // The historical shelf prices and promotion depths (fractions, 0 = none) of every cell in
  // `week`, as the data recorded them.
  void historical_prices(int week, std::span<float> shelf_price_cents,
                         std::span<float> promo_depth) const;

  std::shared_ptr<const synth::World> world;  // the ground truth (synthetic data)
  // Real data: derive's price table (its week 0 is the market's week 0), the promotion
  // threshold it flagged promotions with, and per product a shelf price for weeks before its
  // first sale (its first base price anywhere).
  std::shared_ptr<const derive::PriceTable> prices;
  double promo_threshold = 0;
  std::vector<float> first_base_price;
};

// The market of a scope from a ground-truth world (tests build worlds in memory). `seed` draws the
// customer sample. Throws Error when the scope selects no store or no product.
Market market_from_world(std::shared_ptr<const synth::World> world, const ScopeConfig& scope,
                         uint64_t seed);
// The market of an ingested and derived dataset without a ground truth (real LGSR data): the
// store's products, stores and card holders (those with a basket at a scope store), shelf prices
// and promotions from derive's price table, the seeds' cost proxy (each product's 20th-percentile
// price) and bounds. Throws Error naming what is missing.
Market market_from_dataset(const fs::path& data_dir, const ScopeConfig& scope, uint64_t seed);
// The market of a dataset folder: from its ground truth when it has one (truth/), else from its
// store and derived prices. Throws Error naming what is missing.
Market load_market(const fs::path& data_dir, const ScopeConfig& scope, uint64_t seed);

// ---------------------------------------------------------------------------------------------
// Demand sources
// ---------------------------------------------------------------------------------------------

// What shoppers see in one week: per cell, the shelf price and the promotion depth.
struct WeekInput {
  int week = 0;                              // week index
  std::span<const float> shelf_price_cents;  // per cell
  std::span<const float> promo_depth;        // per cell, fraction in [0, 1); 0 = not promoted
};

// What shoppers want in one week, before stock limits, per cell.
struct WeekDemand {
  std::vector<double> units;    // per cell (integers in sampled mode, expectations otherwise)
  uint64_t customer_weeks = 0;  // shoppers simulated
  uint64_t trips = 0;           // trips (baskets) with at least one line, anywhere
};

// A model of shoppers: turns a week's prices into units per cell. Implementations are chosen by
// name from the registry below ("truth"; "world-model" comes from the torch module).
class DemandSource {
 public:
  virtual ~DemandSource() = default;
  virtual std::string name() const = 0;
  // Units wanted per cell at `input` prices. Deterministic in (seed, week): randomness comes from
  // one stream per (seed, customer, week), so two calls with the same seed and week use the same
  // random numbers for the same shopper (common random numbers), whatever the thread count.
  virtual void demand(const WeekInput& input, uint64_t seed, WeekDemand& out) = 0;
};

enum class DemandMode { kSampled, kExpected };
// "sampled" (Monte Carlo, seeded) or "expected" (expected values); throws Error on others.
DemandMode demand_mode_named(const std::string& name);
const char* demand_mode_name(DemandMode mode);

struct DemandOptions {
  DemandMode mode = DemandMode::kSampled;
  fs::path data_dir;  // where model checkpoints live, for learned sources
  // Learned sources: the most memory one week's per-shopper model outputs may take (a score and
  // a flag per product, a visit chance per store; the world model caches at least four weeks);
  // a larger market is refused with what to do.
  double max_week_state_bytes = 2e9;
};

using DemandSourceFactory =
    std::function<std::unique_ptr<DemandSource>(const Market&, const DemandOptions&)>;
// Adds a source to the registry (a torch-side library registers "world-model" at its start).
void register_demand_source(const std::string& name, DemandSourceFactory factory);
// Names registered in this process, sorted.
std::vector<std::string> demand_source_names();
// The source `name` over `market`. Throws Error listing the known names on an unknown one, or
// when the source cannot serve this market (e.g. "truth" without a ground truth).
std::unique_ptr<DemandSource> make_demand_source(const std::string& name, const Market& market,
                                                 const DemandOptions& options);

// ---------------------------------------------------------------------------------------------
// The environment (Gymnasium-style reset/step; one step = one week)
// ---------------------------------------------------------------------------------------------

// A Box space as Gymnasium describes one: shape, bounds, dtype. Bounds are one value for every
// element, or (cell arrays of shape [n_products, n_stores]) one per product, the same for all its
// stores; inf means unbounded.
struct BoxSpace {
  std::string name;
  std::vector<int64_t> shape;
  std::vector<float> low, high;  // size 1, or n_products (per product, broadcast over stores)
  std::string dtype = "float32";
  std::string doc;
  Json to_json() const;  // bounds listed when per product
};

struct EnvConfig {
  std::string demand_source = "truth";
  DemandMode mode = DemandMode::kSampled;
  // First simulated week as YYYYWW (0 = the week after the first `history_weeks` weeks), and the
  // number of steps of an episode (done after the last one or at the end of the calendar).
  int32_t start_shop_week = 0;
  int episode_weeks = 4;
  // Weeks of recent sales in the observation; reset() fills them by simulating the weeks before
  // the start at historical prices (as many as the calendar holds).
  int history_weeks = 2;
  // Inventory: false = unlimited stock (no orders, no stock-outs, no waste).
  bool track_inventory = false;
  double initial_stock_weeks = 2.0;  // opening stock: this many weeks of the warm-up's sales
  double spoilage_rate = 0.15;       // share of perishable stock left at week end that is wasted
  double holding_cost_rate = 0.005;  // per week, as a share of the unit cost of stock held
  double stockout_cost_rate = 0.0;   // per lost unit, as a share of its price (goodwill)
  double max_promo_depth = 0.5;      // promotion depths are clipped into [0, max_promo_depth]

  // Reads an [env] section (keys named like the fields; mode as "sampled"/"expected").
  static EnvConfig from_section(const Section& section);
  Json to_json() const;
};

// The state an agent sees at the start of a week.
struct Observation {
  int week = 0;  // week index of the week about to be simulated
  int32_t shop_week = 0;
  int step = 0;                          // steps taken in this episode
  std::vector<float> shelf_price_cents;  // per cell: last week's shelf price
  std::vector<float> promo_depth;        // per cell: last week's promotion depth
  std::vector<float> inventory_units;    // per cell: on hand now (last week's orders included)
  std::vector<float> recent_units;       // [history_weeks, cells]: units sold, oldest first
  std::vector<float> lost_units;  // per cell: last week's demand lost to stock-outs (0 untracked)
  std::vector<float> historical_price_cents;  // per cell: this week's historical shelf price
  std::vector<float> historical_promo_depth;  // per cell: this week's historical promotion depth
};

// One week's decisions. Prices outside the product's bounds are clipped into them and counted as
// violations, then rounded to whole cents; depths are clipped into [0, max_promo_depth] and
// rounded to whole percents; the actual price is round(shelf x (100 - depth%) / 100) cents.
// Orders (rounded down to whole units) arrive before next week's sales (one-week lead time).
// promo_depth and order_units may be left empty (= no promotions, no orders).
struct Action {
  std::vector<float> shelf_price_cents;  // per cell
  std::vector<float> promo_depth;        // per cell: fraction off the shelf price, 0 = no promo
  std::vector<float> order_units;        // per cell (ignored without inventory)
};

// What one week produced, per cell and in total. Money in cents.
struct StepResult {
  int week = 0;
  std::vector<float> units;           // sold
  std::vector<float> revenue_cents;   // units x actual price (shelf x (1 - depth))
  std::vector<float> margin_cents;    // revenue - units x unit cost
  std::vector<float> stockout_units;  // wanted but not in stock
  std::vector<float> waste_units;     // perishable stock spoiled at week end
  double units_total = 0, revenue_total_cents = 0, margin_total_cents = 0;
  double stockout_total_units = 0, waste_total_units = 0;
  double waste_cost_cents = 0, holding_cost_cents = 0, stockout_cost_cents = 0;
  double profit_cents = 0;       // margin - waste cost - holding cost - stock-out cost
  int64_t price_violations = 0;  // action prices outside [low, high] (before clipping)
  uint64_t customer_weeks = 0, trips = 0;
  bool done = false;
};

class Env {
 public:
  // The environment over `market` with its demand source (owned).
  Env(const Market& market, std::unique_ptr<DemandSource> source, EnvConfig config);
  // Builds the source by name from the registry.
  Env(const Market& market, EnvConfig config, const DemandOptions& options = {});

  // Starts an episode at config.start_shop_week; all randomness of the episode flows from `seed`
  // (week w's demand uses streams (seed, customer, w)).
  Observation reset(uint64_t seed);
  // Simulates one week under `action`; throws Error when an array has the wrong length or the
  // episode is done.
  StepResult step(const Action& action);

  // The spaces, as Gymnasium would declare them (Dict of Box).
  std::vector<BoxSpace> observation_space() const;
  std::vector<BoxSpace> action_space() const;
  Json spaces_json() const;

  // The historical decisions of the current week (prices replayed, orders none).
  Action historical_action() const;
  const Market& market() const { return market_; }
  const EnvConfig& config() const { return config_; }
  const Observation& observation() const { return obs_; }
  bool done() const { return done_; }
  int first_week() const;  // week index reset() starts at

 private:
  const Market& market_;
  std::unique_ptr<DemandSource> source_;
  EnvConfig config_;
  Observation obs_;
  uint64_t seed_ = 0;
  bool done_ = true;
  int end_week_ = 0;
  WeekDemand demand_;
};

// ---------------------------------------------------------------------------------------------
// Policies: what acts in an environment (heuristics here or in src/rl; agents in src/rl)
// ---------------------------------------------------------------------------------------------

class Policy {
 public:
  virtual ~Policy() = default;
  virtual std::string name() const = 0;
  // The action for the week `obs` describes (arrays sized like env.market().n_cells()).
  virtual Action act(const Env& env, const Observation& obs) = 0;
  // The outcome of the last action (for adaptive policies); default: ignored.
  virtual void observe(const StepResult& result) { (void)result; }
};

using PolicyFactory = std::function<std::unique_ptr<Policy>(const Json& options, uint64_t seed)>;
void register_policy(const std::string& name, PolicyFactory factory);
std::vector<std::string> policy_names();
// Throws Error listing the known names on an unknown one. "historical" is built in.
std::unique_ptr<Policy> make_policy(const std::string& name, const Json& options, uint64_t seed);

struct EpisodeTotals {
  std::vector<StepResult> steps;
  double units = 0, revenue_cents = 0, margin_cents = 0, profit_cents = 0;
  int64_t price_violations = 0;
};
// Runs one episode of `policy` from env.reset(seed) to done.
EpisodeTotals run_episode(Env& env, Policy& policy, uint64_t seed);

// ---------------------------------------------------------------------------------------------
// Counterfactual scenarios (docs/sim.md has the file reference)
// ---------------------------------------------------------------------------------------------

// Which cells and weeks a change touches. Empty lists match everything; all given lists must match.
// Categories match a product's PROD_CODE_10/20/30/40 code. Weeks are YYYYWW, inclusive (0: open).
struct CellFilter {
  std::vector<std::string> products, categories, stores, formats, regions;
  int32_t first_shop_week = 0, last_shop_week = 0;
};

// A price change: a percentage of the historical shelf price, or an absolute shelf price.
struct PriceChange {
  CellFilter where;
  bool absolute = false;
  double change_pct = 0;   // e.g. -10 = 10% cheaper
  double price_cents = 0;  // when absolute
};

// Promotions switched on (at depth_pct off the shelf price) or off in the filtered cells.
struct PromotionChange {
  CellFilter where;
  bool enabled = true;
  double depth_pct = 20;
};

// Stock management: "unlimited" (no inventory) or "base-stock" (orders bring the stock up to
// cover_weeks of last week's sales, one-week lead time).
struct InventoryPolicy {
  std::string policy = "unlimited";
  double cover_weeks = 1.5;
  bool tracked() const { return policy != "unlimited"; }
};

// What `retailsim simulate` runs: baseline (history) against the scenario with common random
// numbers over repeated seeds, then the truth's own-price elasticities and promotion lifts.
struct SimulateConfig {
  // "auto": the truth on synthetic data, the world model on real data.
  std::string demand_source = "auto";
  DemandMode mode = DemandMode::kSampled;
  int32_t start_shop_week = 0;     // 0: the last `weeks` weeks of the data
  int weeks = 4;                   // weeks simulated per run
  int n_seeds = 5;                 // repeated seeds (uncertainty intervals over them)
  int elasticity_products = 100;   // best sellers whose elasticities and lifts are measured
  double elasticity_step_pct = 5;  // +- this % of the shelf price (central difference)
  double lift_depth_pct = 20;      // promotion depth whose lift is measured
  double price_cut_pct = 10;       // the catalogue-wide price cut whose revenue delta is reported
  int report_top = 50;             // products and stores listed in the report (largest deltas)

  // Reads a [simulate] section on top of the defaults (errors name the key).
  static SimulateConfig from_section(const Section& section);
  // Throws Error naming `source` and the key of a value out of range.
  void validate(const std::string& source) const;
  Json to_json() const;
};

struct Scenario {
  std::string name;
  std::string description;
  std::string source;  // the file it was read from (for error messages and the report)
  std::vector<PriceChange> prices;
  std::vector<PromotionChange> promotions;
  InventoryPolicy inventory;           // the scenario's
  InventoryPolicy baseline_inventory;  // the baseline's ([baseline_inventory], default unlimited)
  SimulateConfig simulate;             // [simulate]
  ScopeConfig scope;                   // [scope]
};

// Parses a scenario file; every error names the file, the table (with its index for [[price]]
// and [[promotion]]) and the key. Unknown keys are errors.
Scenario parse_scenario(const std::string& text, const std::string& source_name);
Scenario load_scenario(const fs::path& path);

// Applies the scenario's price and promotion changes of `week` to `action` (in order, later
// entries winning). Throws Error naming the entry when a filter names nothing in the market.
void apply_scenario(const Scenario& scenario, const Market& market, int week, Action& action);
// Checks every filter against the market (unknown codes are errors naming the entry and key).
void check_scenario(const Scenario& scenario, const Market& market);

// A policy that replays history with the scenario's changes and manages stock by `inventory`.
std::unique_ptr<Policy> make_scenario_policy(const Scenario* scenario, InventoryPolicy inventory);

struct SimulateSummary {
  Json report;  // what reports/counterfactual.json holds
  fs::path report_path;
  double seconds = 0;
  uint64_t customer_weeks = 0;
};

// Runs the whole counterfactual study and writes <data>/reports/counterfactual.json atomically.
// The scenario's [simulate] settings drive it; `seed` is the root of every random stream.
SimulateSummary simulate(const fs::path& data_dir, const Scenario& scenario, uint64_t seed);

}  // namespace retailsim::sim
