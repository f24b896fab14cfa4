// Public surface of the synthetic LGSR world: a ground-truth grocery market and the writer of
// LGSR-format CSVs plus truth/ from it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/manifest.h"

namespace retailsim::synth {

namespace fs = std::filesystem;

// Everything that shapes a generated world. Presets fill it; a [synth] config section overrides
// single fields (same names). Field docs are the user docs (`docs/synth.md`).
struct SynthConfig {
  std::string preset = "tiny";
  uint64_t seed = 42;
  int n_customers = 200;  // known (loyalty-card) customers; anonymous shoppers come on top
  int n_weeks = 8;        // shop weeks written, from 200607 on
  int n_products = 300;   // PRD codes; the hierarchy scales with it (250/90/31/9 at 5,000)
  int n_stores = 12;
  bool gzip = false;
  double corrupt_rate = 0.0;  // share of rows replaced by known bad rows (recorded in truth/)

  // --- output ---
  int gzip_level = 1;             // zlib level of --gzip (1 = fastest; parallel deflate blocks)
  int extra_calendar_weeks = 25;  // time.csv lists this many weeks past the last written one
  int dense_price_max_cells = 2'000'000;  // write dense week x store x product truth up to this

  // --- customers ---
  double anonymous_basket_share = 0.205;  // share of baskets from shoppers without a card
  double trip_rate_median = 0.36;         // trips a week of the median customer while active
  double trip_rate_sigma = 1.5;           // log-sd of the per-customer trip rate
  double partial_activity_share = 0.5;    // customers who join late or leave early
  double lines_per_trip_median = 6.0;     // planned lines of the median customer's trip
  double lines_per_trip_sigma = 0.8;      // log-sd of customers' typical trip size
  double trip_size_shape = 1.0;       // gamma shape of trip-to-trip size variation (lower = wilder)
  double repeat_share_mean = 0.7;     // share of lines taken from the customer's favourites
  int favourites_mean = 30;           // favourite products of an average customer
  double switch_prob_mean = 0.25;     // share of trips made outside the home store
  double hour_habit = 0.6;            // share of trips at the customer's own favourite hour
  double weekday_habit = 0.45;        // share of trips on the customer's favourite weekday
  double service_trip_share = 0.012;  // one-line trips for a D00006/7 service item (XX baskets)

  // --- products, prices, promotions ---
  double price_median_pence = 95;       // median shelf price of a product
  double price_sigma = 0.6;             // log-sd of shelf prices across products
  double price_changes_per_year = 0.8;  // shelf price change points per product and zone
  double promo_start_prob = 0.012;      // chance a product starts a promotion in a zone in a week
  double promo_prone_share = 0.35;      // share of products that are ever promoted
  double elasticity_mean = 1.6;         // mean own-price elasticity of a sub-commodity (MM segment)
  double promo_display_lift = 0.35;     // log-odds lift of a promoted product beyond its price cut
  double base_accept_prob = 0.8;        // chance a planned line is bought at its reference price
  double complement_prob = 0.3;         // chance a line pulls in a line of a complement category
  double multibuy_share = 0.2;          // share of products bought several at a time

  // Presets: tiny, demo, lgsr-sample, full. Throws Error listing them on an unknown name.
  static SynthConfig preset_named(const std::string& name);
  // Applies the [synth] section of a config on top (unknown keys are an error).
  void apply(const Section& section);
  Json to_json() const;
  // The inverse of to_json() (used to load a world back from truth/world.json).
  static SynthConfig from_json(const Json& j);
};

struct GenerateSummary {
  uint64_t rows = 0;  // rows written, corrupt ones included (= clean rows + corrupt_rows)
  uint64_t baskets = 0;
  uint64_t customers = 0;  // distinct known customers that shopped
  uint64_t products = 0;   // distinct products on some written row
  uint64_t stores = 0;     // distinct stores with some written basket
  int weeks = 0;
  uint64_t corrupt_rows = 0;
  uint64_t bytes_written = 0;
  double seconds = 0;
  Json calibration_scores = Json::object();  // figure name -> similarity score in [0, 1]
};

// Writes out_dir/raw/transactions_YYYYWW.csv[.gz], out_dir/raw/time.csv and out_dir/truth/.
// Same config (seed included) gives byte-identical output whatever n_threads.
GenerateSummary generate(const SynthConfig& config, const fs::path& out_dir, int n_threads);

struct World;
struct WeekPrices;

// A customer's favourite products get weights Gamma(kFavouriteWeightShape, 1) each, normalised to
// shares (a symmetric Dirichlet): the prior of an estimate of the shares from purchase counts.
inline constexpr double kFavouriteWeightShape = 0.6;

// The generator's own behaviour model, loaded from <data>/truth/, answering "how likely is this
// customer to buy each product" for oracles (evaluation) and true demand (simulation). Ids are the
// world's: map store codes through the *_of_code lookups. Thread-safe for concurrent const calls.
class TruthModel {
 public:
  // Loads the world written by `generate` (truth/world.json + npy); throws Error when missing.
  static TruthModel load(const fs::path& truth_dir);
  explicit TruthModel(World world);
  TruthModel(TruthModel&&) noexcept;
  TruthModel& operator=(TruthModel&&) noexcept;
  ~TruthModel();

  const World& world() const { return *world_; }
  int n_products() const;
  // World ids of codes as LGSR writes them (CUST0000000001, PRD0900001, STORE00001, 200607); -1
  // when the world has no such entity (e.g. an anonymous shopper or a week it did not write).
  int customer_of_code(std::string_view code) const;
  int product_of_code(std::string_view code) const;
  int store_of_code(std::string_view code) const;
  int week_of_shop_week(int32_t shop_week) const;

  // Chance that each product (by world id) is in a basket the customer brings home from one trip
  // to `store` in `week`, given that the trip happened and bought something, under that week's
  // true prices or `prices_override` (per zone and product, e.g. a simulator's prices). Computed
  // exactly from the sampler's rules (favourites, category exploration, stock-outs replaced by a
  // substitute, price acceptance, complements, the gamma-Poisson number of planned lines, service
  // trips), except that the rare re-draws of focused 1-2 line trips are left out and a product's
  // direct and complement additions within one planned line are summed.
  std::vector<double> product_probabilities(int customer, int week, int store,
                                            const WeekPrices* prices_override = nullptr) const;
  // The customer's favourite products (world ids), in the order favourite shares follow.
  std::span<const int32_t> favourites(int customer) const;
  // product_probabilities at the week's true prices with the favourites weighted by
  // `favourite_share` (one value per favourites() entry, summing to 1) instead of their true
  // weights: what a predictor that knew everything about the customer but those weights would
  // say (evaluate's "oracle-history"). Throws Error when the sizes differ.
  std::vector<double> product_probabilities_with_favourites(
      int customer, int week, int store, std::span<const double> favourite_share) const;
  // Expected units of each product (by world id) bought on one trip of the customer to `store` in
  // `week` (trips that buy nothing count as zero): planned lines x the per-line purchase rate of
  // product_probabilities x the expected quantity of a line, plus service trips. Same closed form
  // and the same approximations; a product added twice in one trip counts twice, as it does in
  // the sampler's units.
  std::vector<double> expected_units(int customer, int week, int store,
                                     const WeekPrices* prices_override = nullptr) const;
  // Expected trips of the customer in `week` (0 outside its active window).
  double expected_trips(int customer, int week) const;
  // Chance that one trip of the customer goes to `store`.
  double store_probability(int customer, int store) const;

 private:
  // Chance that one planned line adds each product (direct or as a complement), the chance that
  // it adds anything, and the trip's expected number of planned lines beyond the first.
  struct LineRates {
    std::vector<double> per_line;
    double any_added = 0;
    double extra_lines_mean = 0;
  };
  // Chance of each product in a non-empty basket from the line rates of one trip.
  std::vector<double> trip_probabilities(const LineRates& rates) const;
  // `favourite_share` empty: the true weights.
  LineRates line_rates(int customer, int week, int store, const WeekPrices* prices_override,
                       std::span<const double> favourite_share = {}) const;

  std::unique_ptr<World> world_;
  struct Index;
  std::unique_ptr<Index> index_;
};

// TruthModel::expected_units summed over many shoppers of one week, for a simulator: the
// per-product terms that depend only on a price zone and a shopper's segment are computed once
// for the week, those of a store's assortment once per store and segment, and each shopper adds
// only what is its own (favourites, preferred sub-commodities, trip size) in one pass over the
// products. Same closed form; sums agree with expected_units up to rounding. Thread-safe for
// concurrent const calls.
class TruthWeekUnits {
 public:
  // `world` must outlive this; `prices` (the week's prices by zone, prices.week the week) is
  // prepared here and not kept.
  TruthWeekUnits(const World& world, const WeekPrices& prices);
  TruthWeekUnits(TruthWeekUnits&&) noexcept;
  TruthWeekUnits& operator=(TruthWeekUnits&&) noexcept;
  ~TruthWeekUnits();

  // units[p] += sum over i of trips[i] x expected_units(customers[i], prices.week, store,
  // &prices)[p], for every product p (world ids; units has one entry per product); shoppers with
  // trips[i] <= 0 add nothing. Throws Error when the store's zone is of another format.
  void add_store_units(int store, std::span<const int32_t> customers, std::span<const double> trips,
                       std::span<double> units) const;

 private:
  const World* world_;
  struct Week;
  std::unique_ptr<const Week> week_;
};

}  // namespace retailsim::synth
