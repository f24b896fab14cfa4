// Public surface of the derive stage: prices and promotions, the product graph, customer–store
// affinity and shopping missions, computed from plain column spans (any store reader can feed
// them).
#pragma once

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/manifest.h"

namespace retailsim::derive {

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------------
// Configuration: the [derive] section of a config file. Every field's comment is its user doc
// (docs/derive.md); the TOML key is the field name.
// ---------------------------------------------------------------------------------------------

struct PriceConfig {
  // Unit-price outliers per product: rows outside
  // [q_low - f * (q_high - q_low), q_high + f * (q_high - q_low)] are removed (the seeds' rule).
  bool remove_outliers = true;
  double outlier_low_quantile = 0.05;
  double outlier_high_quantile = 0.95;
  double outlier_range_factor = 1.5;
  // Base (shelf) price estimator, by name: "regular-level" (ours) or "rolling-max" (the seeds').
  std::string base_estimator = "regular-level";
  // rolling-max: centred window in weeks, [w - window/2, w + (window - 1)/2] like pandas'
  // rolling(window, center=True, min_periods=1), taken over calendar weeks.
  int rolling_window_weeks = 4;
  // regular-level: prices within this relative distance of the current level are that level.
  double level_tolerance = 0.02;
  // regular-level: a drop that comes back to the level within this many weeks is a promotion; one
  // that lasts longer (or never returns) is a new, lower shelf price.
  int max_promo_weeks = 8;
  // regular-level: a rise becomes the new level once it holds for this many observed weeks.
  int rise_min_weeks = 2;
  // regular-level: weeks a store did not sell the product are filled with the median price of
  // the stores of its group that week ("format", "format-region" or "none"), so a sparse series
  // (a product that sells mostly on promotion) still sees its shelf price. The seeds'
  // rolling-max is never pooled.
  std::string base_pool = "format";
  // Promotion flag: discount depth strictly above this.
  double promo_threshold = 0.05;
  // Discount bins none / shallow / medium / deep, right-inclusive upper edges of the first three.
  std::vector<double> discount_bin_edges = {0.05, 0.15, 0.30};
  // Price bounds per product (for pricing agents): quantiles of the observed actual prices.
  double bound_low_quantile = 0.20;
  double bound_high_quantile = 0.95;
  // dense_prices() refuses grids larger than this many cells.
  int64_t dense_max_cells = 50'000'000;
  // Also write the dense [product, store, week] grids (dense_*.npy) for small data, for users
  // who want plain arrays; `retailsim derive --dense` sets it.
  bool dense_export = false;
};

struct GraphConfig {
  // Pairs bought together in fewer baskets than this get no complement edge.
  int min_count = 5;
  // Complements kept per product, ranked by `rank_by`: "lift" (PMI ranks the same) or "count".
  int top_k = 10;
  std::string rank_by = "lift";
  // Substitute candidates: same sub-commodity (PROD_CODE_10) and lift at most this ...
  double substitute_max_lift = 0.5;
  // ... where the pair's expected co-purchase count (n_a * n_b / n_baskets) is at least this, so
  // "rarely together" is evidence and not small numbers.
  double substitute_min_expected = 2.0;
  int substitute_top_k = 10;
  // Dense per-thread pair counters up to this many products; sparse hash counters above.
  int dense_max_products = 8'000;
};

struct AffinityConfig {
  int top_stores = 3;  // stores kept per customer, with their shares of trips
};

struct DeriveConfig {
  PriceConfig prices;
  GraphConfig graph;
  AffinityConfig affinity;

  // Reads [derive] on top of the defaults; unknown keys and bad values are errors naming the key.
  static DeriveConfig from_section(const Section& section);
  Json to_json() const;
  void validate() const;
};

// ---------------------------------------------------------------------------------------------
// Prices and promotions
// ---------------------------------------------------------------------------------------------

struct PriceDims {
  int32_t n_products = 0;
  int32_t n_stores = 0;
  int32_t n_weeks = 0;
};

// Per store: STORE_FORMAT and STORE_REGION ids (any dense codes).
struct StoreInfo {
  std::span<const int32_t> format;
  std::span<const int32_t> region;
};

// Transaction rows in any order (anonymous rows included). Ids are dense, 0-based; week is the
// week index (0 = first week of the data).
struct PriceRows {
  std::span<const int32_t> product;
  std::span<const int32_t> store;
  std::span<const int32_t> week;
  std::span<const int32_t> quantity;
  std::span<const int64_t> spend_cents;
  size_t size() const { return product.size(); }
};

// The same rows in the store's own column types (core/dataset.h), so a 300M-row store is read
// in place instead of widened into copies. Week = week_index - week_offset.
struct StorePriceRows {
  std::span<const int32_t> product;
  std::span<const int16_t> store;
  std::span<const int16_t> week;
  std::span<const int32_t> quantity;
  std::span<const int32_t> spend_cents;
  int32_t week_offset = 0;
  size_t size() const { return product.size(); }
};

// Observed (product, store, week) cells, sorted by product, then store, then week. Prices are in
// cents per unit.
struct PriceCells {
  std::vector<int32_t> product;
  std::vector<int32_t> store;
  std::vector<int32_t> week;
  std::vector<float> actual_price;        // median of SPEND/QUANTITY over the cell's kept rows
  std::vector<uint32_t> n_rows;           // kept rows behind the median
  std::vector<float> base_price;          // filled by estimate_base_prices()
  std::vector<uint64_t> product_offsets;  // n_products + 1: product p's cells are [o[p], o[p+1])
  size_t size() const { return product.size(); }
};

struct OutlierSummary {
  uint64_t rows_in = 0;
  uint64_t rows_invalid = 0;  // quantity <= 0 or spend <= 0: no unit price
  uint64_t rows_removed = 0;  // unit-price outliers
  uint64_t rows_kept = 0;
  std::vector<float> low_bound;  // per product, cents (NaN: product has no valid row)
  std::vector<float> high_bound;
  std::vector<uint32_t> removed_per_product;
  Json to_json() const;
};

// Step 1: outlier removal and the median unit price per observed cell. Deterministic whatever the
// thread count. Throws Error on ids out of range.
PriceCells actual_prices(const PriceRows& rows, const PriceDims& dims, const PriceConfig& config,
                         OutlierSummary* outliers = nullptr);
PriceCells actual_prices(const StorePriceRows& rows, const PriceDims& dims,
                         const PriceConfig& config, OutlierSummary* outliers = nullptr);

// Step 2: base price of every cell with the configured estimator, series by series.
void estimate_base_prices(PriceCells& cells, const PriceConfig& config);
// The same with the store groups of config.base_pool filling the gaps of pooled estimators'
// series (stores: per-store format and region, as for the price table).
void estimate_base_prices(PriceCells& cells, const PriceConfig& config, const StoreInfo& stores);

// A base-price estimator: one (product, store) series in week order -> its base prices.
using BaseEstimator = void (*)(std::span<const int32_t> weeks, std::span<const float> actual,
                               std::span<float> base, const PriceConfig& config);
// The registry: "rolling-max", "regular-level". Throws Error listing the names on an unknown one.
BaseEstimator base_estimator_named(const std::string& name);
std::vector<std::string> base_estimator_names();

// Step 4: discount depth = 1 - actual/base clipped at 0, promo flag, discount bin.
enum class DiscountBin : uint8_t { kNone = 0, kShallow = 1, kMedium = 2, kDeep = 3 };
struct Promotion {
  float depth = 0;
  bool promo = false;
  DiscountBin bin = DiscountBin::kNone;
};
Promotion promotion_of(float actual_price, float base_price, const PriceConfig& config);

// Where a looked-up price came from, in waterfall order.
enum class PriceLevel : uint8_t {
  kObserved = 0,      // the (product, store, week) cell had sales
  kFormatRegion = 1,  // median over cells of the same store format and region that week, else
                      // of the same store format that week
  kGlobal = 2,        // median over all cells of the product that week
  kForwardFill = 3,   // the same store's price in the last week the product sold anywhere
  kNone = 4,          // before the product's first sale
};
const char* price_level_name(PriceLevel level);

struct PriceLookup {
  float actual_price = std::numeric_limits<float>::quiet_NaN();
  float base_price = std::numeric_limits<float>::quiet_NaN();
  PriceLevel level = PriceLevel::kNone;
};

// The compact price table: observed cells plus dense fallback tables, answering any
// (product, store, week) in O(1) without a product x store x week grid.
struct PriceTable {
  PriceDims dims;
  PriceCells cells;                   // observed cells, with base prices
  std::vector<float> discount_depth;  // per observed cell
  std::vector<uint8_t> promo_flag;    // per observed cell
  std::vector<uint8_t> discount_bin;  // per observed cell (DiscountBin)
  // Series index: cell of (p, s, w) = series_start[p*S+s] + popcount of the series' week mask
  // below w. The mask has words_per_series 64-bit words per (p, s).
  int32_t words_per_series = 0;
  std::vector<uint64_t> series_start;
  std::vector<uint64_t> series_mask;
  // Format-region groups: store -> group, and the dense (product, group, week) medians.
  int32_t n_groups = 0;
  std::vector<int32_t> store_group;
  // [n_products, n_groups, n_weeks], NaN where neither the group nor its format sold the product
  // that week (kFormatRegion)
  std::vector<float> group_actual;
  std::vector<float> group_base;
  // Dense (product, week) medians over all stores, NaN where the product sold nowhere.
  std::vector<float> global_actual;  // [n_products, n_weeks]
  std::vector<float> global_base;
  // Last week <= w in which the product sold anywhere, -1 if none: the forward-fill source.
  std::vector<int32_t> last_sold_week;  // [n_products, n_weeks]
  // Per product: bound quantiles of the observed actual prices (NaN when never sold).
  std::vector<float> price_low;
  std::vector<float> price_high;

  // O(1); ids must be in range.
  PriceLookup lookup(int32_t product, int32_t store, int32_t week) const;
  // Index into `cells` of an observed cell, or -1.
  int64_t find_cell(int32_t product, int32_t store, int32_t week) const;
  // Cells of each waterfall level over the whole grid (counted from the tables, not enumerated).
  std::vector<uint64_t> level_counts() const;
};

// Steps 3 and 4: waterfall tables, promotions of the observed cells, price bounds. `cells` must
// carry base prices.
PriceTable build_price_table(PriceCells cells, const PriceDims& dims, const StoreInfo& stores,
                             const PriceConfig& config);

// The whole price derivation: actual prices, base prices, table.
PriceTable derive_prices(const PriceRows& rows, const PriceDims& dims, const StoreInfo& stores,
                         const PriceConfig& config, OutlierSummary* outliers = nullptr);
PriceTable derive_prices(const StorePriceRows& rows, const PriceDims& dims, const StoreInfo& stores,
                         const PriceConfig& config, OutlierSummary* outliers = nullptr);

// A dense [n_products, n_stores, n_weeks] grid (small data only; throws Error above
// config.dense_max_cells).
struct DensePrices {
  std::vector<float> actual_price;
  std::vector<float> base_price;
  std::vector<uint8_t> level;  // PriceLevel
  std::vector<uint8_t> promo_flag;
};
DensePrices dense_prices(const PriceTable& table, const PriceConfig& config);

// Promo flag of every transaction row from its cell (0 where the row's cell has no price).
std::vector<uint8_t> row_promo_flags(const PriceTable& table, const PriceRows& rows,
                                     const PriceConfig& config);

// Writes the table's columns (.npy) into `dir` (which must exist). Returns the file names.
std::vector<std::string> write_price_table(const PriceTable& table, const fs::path& dir);
// Reads a table written by write_price_table() back (derived/prices/), rebuilding only its series
// index; cell row counts are not read. Throws Error naming the folder when files are missing or
// their sizes disagree.
PriceTable read_price_table(const fs::path& dir);

// ---------------------------------------------------------------------------------------------
// Product graph
// ---------------------------------------------------------------------------------------------

// Baskets as CSR: basket b's rows are [basket_offsets[b], basket_offsets[b+1]).
struct BasketRows {
  std::span<const uint64_t> basket_offsets;  // n_baskets + 1
  std::span<const int32_t> product;          // per row
  size_t n_baskets() const { return basket_offsets.empty() ? 0 : basket_offsets.size() - 1; }
};

// Parent of each node one level up: product -> CL (PROD_CODE_10) -> DEP -> G -> D.
struct Hierarchy {
  std::span<const int32_t> product_to_cl;
  std::span<const int32_t> cl_to_dep;
  std::span<const int32_t> dep_to_g;
  std::span<const int32_t> g_to_d;
};

// Co-purchase counts of product pairs a < b (each pair once per basket).
struct PairCounts {
  int32_t n_products = 0;
  uint64_t n_baskets = 0;
  std::vector<uint32_t> product_baskets;  // baskets holding each product
  // All pairs with count >= 1, sorted by (a, b).
  std::vector<int32_t> a;
  std::vector<int32_t> b;
  std::vector<uint32_t> count;
  uint32_t count_of(int32_t x, int32_t y) const;  // O(log n); 0 when never together
};
PairCounts count_copurchases(const BasketRows& baskets, int32_t n_products,
                             const GraphConfig& config);

// lift = count * n_baskets / (n_a * n_b); pmi = ln(lift).
double pair_lift(uint64_t count, uint64_t n_a, uint64_t n_b, uint64_t n_baskets);

// Directed weighted edges of one kind in CSR form by source product.
struct EdgeList {
  std::vector<uint64_t> offsets;  // n_products + 1
  std::vector<int32_t> target;
  std::vector<uint32_t> count;
  std::vector<float> lift;
  std::vector<float> pmi;
  size_t size() const { return target.size(); }
};

struct ProductGraph {
  int32_t n_products = 0;
  uint64_t n_baskets = 0;
  std::vector<uint32_t> product_baskets;
  EdgeList complements;  // top-k per product among pairs with count >= min_count
  EdgeList substitutes;  // same sub-commodity, rarely bought together
  // Hierarchy edges as parent arrays (copied from the input).
  std::vector<int32_t> product_to_cl, cl_to_dep, dep_to_g, g_to_d;
};

ProductGraph build_product_graph(const PairCounts& pairs, const Hierarchy& hierarchy,
                                 const GraphConfig& config);

// Node names for exports (codes); empty vectors give "product:12", "cl:3", ...
struct GraphNames {
  std::vector<std::string> product, cl, dep, g, d;
};
// GraphML (NetworkX: nx.read_graphml) with node attribute `kind` and edge attributes `kind`,
// `count`, `lift`, `pmi`.
void write_graphml(const ProductGraph& graph, const GraphNames& names, const fs::path& path);
// Edge list CSV: source,target,kind,count,lift,pmi (pandas.read_csv).
void write_edge_csv(const ProductGraph& graph, const GraphNames& names, const fs::path& path);

// ---------------------------------------------------------------------------------------------
// Customer–store affinity and missions (customers with a CUST_CODE only)
// ---------------------------------------------------------------------------------------------

// A customer's baskets in time order are basket_ids[customer_offsets[c] .. customer_offsets[c+1])
// (basket_ids empty: the identity, baskets already grouped by customer). Per-basket columns are
// indexed by basket id; categorical codes are small non-negative ids, negative = unknown.
struct CustomerBaskets {
  std::span<const uint64_t> customer_offsets;  // n_customers + 1
  std::span<const int64_t> basket_ids;
  std::span<const int32_t> store;
  std::span<const int32_t> week;
  std::span<const int64_t> spend_cents;
  std::span<const int32_t> hour;               // SHOP_HOUR 0..23
  std::span<const int32_t> weekday;            // SHOP_WEEKDAY 1..7
  std::span<const int32_t> lines;              // rows in the basket
  std::span<const int64_t> promo_spend_cents;  // spend on promoted rows (may be empty)
  std::span<const int8_t> basket_type;
  std::span<const int8_t> mission;
  std::span<const int8_t> price_sensitivity;
  std::span<const int8_t> size;
  size_t n_customers() const { return customer_offsets.empty() ? 0 : customer_offsets.size() - 1; }
  int64_t basket_at(uint64_t position) const {
    return basket_ids.empty() ? static_cast<int64_t>(position) : basket_ids[position];
  }
};

struct CustomerAffinity {
  int32_t top_k = 0;
  std::vector<uint32_t> n_trips;
  std::vector<int32_t> primary_store;  // most trips; ties: more spend, then lower id; -1: none
  std::vector<float> loyalty;          // share of trips at the primary store
  std::vector<int32_t> n_stores;
  std::vector<float> switching_rate;  // share of consecutive trip pairs changing store
  std::vector<int32_t> top_store;     // [n_customers, top_k], -1 padded
  std::vector<float> top_share;       // [n_customers, top_k], 0 padded
  std::vector<int32_t> first_week;
  std::vector<int32_t> last_week;
  std::vector<int32_t> recency_weeks;  // reference_week - last_week
  std::vector<float> trips_per_week;   // n_trips / (reference_week - first_week + 1)
  std::vector<int64_t> total_spend_cents;
  std::vector<float> mean_spend_cents;
};
// reference_week: the last week of the data (recency is measured to it).
CustomerAffinity customer_affinity(const CustomerBaskets& baskets, int32_t reference_week,
                                   const AffinityConfig& config);

// Numbers of codes of each categorical basket field (the store's vocabulary sizes).
struct MissionVocab {
  int32_t n_types = 0;
  int32_t n_missions = 0;
  int32_t n_price_sensitivities = 0;
  int32_t n_sizes = 0;
};

struct CustomerMissions {
  MissionVocab vocab;
  // Shares of the customer's trips with a known code, row-major [n_customers, n_codes].
  std::vector<float> type_share, mission_share, price_sensitivity_share, size_share;
  std::vector<int8_t> dominant_type, dominant_mission;  // argmax, -1 when no known code
  std::vector<int8_t> typical_hour;                     // most frequent SHOP_HOUR, -1 when none
  std::vector<int8_t> typical_weekday;                  // most frequent SHOP_WEEKDAY, -1 when none
  std::vector<float> mean_lines;
  std::vector<float> mean_spend_cents;
  std::vector<float> promo_spend_share;  // promoted spend / spend (NaN without promo input)
};
CustomerMissions customer_missions(const CustomerBaskets& baskets, const MissionVocab& vocab);

// Spend on promoted rows per basket, from per-row spend and promo flags.
std::vector<int64_t> basket_promo_spend(std::span<const uint64_t> basket_offsets,
                                        std::span<const int64_t> row_spend_cents,
                                        std::span<const uint8_t> row_promo);

// ---------------------------------------------------------------------------------------------
// The stage: <data>/store/ -> <data>/derived/<stage>/, and the report <data>/reports/derive.*
// ---------------------------------------------------------------------------------------------

// Stages in the order they run; missions reads the prices stage (promotion share of spend).
inline constexpr const char* kStageNames[] = {"prices", "graph", "affinity", "missions"};

struct StageOptions {
  fs::path data_dir;
  std::vector<std::string> stages;  // names from kStageNames; empty: all four
  bool force = false;               // rebuild even when inputs and config are unchanged
  bool write_report = true;         // reports/derive.json and derive.html after the stages
  DeriveConfig config;
};

struct StageResult {
  std::string stage;
  bool skipped = false;  // inputs and config unchanged: the folder was left as it was
  double seconds = 0;
  Json counts = Json::object();  // the manifest's counts
};

struct DeriveSummary {
  std::vector<StageResult> stages;
  bool report_written = false;
  Json report_headline = Json::object();  // the report's key figures (see derive_report)
  double seconds = 0;
  Json to_json() const;
};

// Runs the requested stages over the store, each written atomically into derived/<stage>/ with
// its manifest.json, then the report. Throws Error when there is no store, on an unknown stage,
// or when missions is asked for alone and derived/prices/ is missing or built with another
// price config.
DeriveSummary derive_stage(const StageOptions& options);

// Writes reports/derive.json and reports/derive.html from derived/ (and truth/ when the data is
// synthetic): per base-price estimator, its promotions and (with truth) base-price MAPE, promo
// precision/recall/F1 and discount-depth MAE; waterfall level shares; the graph's share of true
// complement pairs; primary-store accuracy. Returns the JSON written.
Json derive_report(const fs::path& data_dir, const DeriveConfig& config);

}  // namespace retailsim::derive
