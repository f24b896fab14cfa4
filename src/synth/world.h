// The ground-truth market (internal to synth, shared with later simulators): the World of
// products, stores, customers, prices and promotions, its true weekly prices, the demand tables
// that turn prices into purchase probabilities, and the sampler of one customer's week.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "core/calendar.h"
#include "core/rng.h"
#include "synth/synth.h"

namespace retailsim::synth {

// Fixed vocabularies, in the order their integer ids use.
inline constexpr int kFormats = 4;
inline constexpr std::array<const char*, kFormats> kFormatNames = {"LS", "MS", "SS", "XLS"};
inline constexpr int kRegions = 12;
inline constexpr std::array<const char*, kRegions> kRegionNames = {
    "E01", "E02", "E03", "N01", "N02", "N03", "S01", "S02", "S03", "W01", "W02", "W03"};
inline constexpr int kSeg1 = 4;  // price sensitivity: AZ = LA, BG = UM, CT = MM, DY = XX
inline constexpr std::array<const char*, kSeg1> kSeg1Names = {"AZ", "BG", "CT", "DY"};
inline constexpr int kSeg2 = 6;  // lifestage; -1 = not known (written "")
inline constexpr std::array<const char*, kSeg2> kSeg2Names = {"AT", "BU", "CZ", "DI", "EQ", "FN"};
inline constexpr int kDepartments = 9;  // D00001..D00009
// What a department counts as for the basket's dominant mission.
enum Group : uint8_t { kFresh = 0, kGrocery = 1, kNonfood = 2, kOther = 3 };
inline constexpr std::array<Group, kDepartments> kDepartmentGroup = {
    kFresh, kFresh, kGrocery, kNonfood, kNonfood, kOther, kOther, kGrocery, kGrocery};
inline constexpr int kTiers = 3;  // brand tier: 0 value, 1 standard, 2 premium
// Trip size by store format (planned lines are scaled by it): small stores see small trips.
inline constexpr std::array<double, kFormats> kFormatTripSize = {1.0, 0.85, 0.55, 1.3};

// Basket labels, with the text LGSR writes for each value.
enum BasketSize : uint8_t { kSizeS = 0, kSizeM = 1, kSizeL = 2 };
inline constexpr std::array<const char*, 3> kSizeNames = {"S", "M", "L"};
enum BasketType : uint8_t { kSmallShop = 0, kTopUp = 1, kFullShop = 2, kTypeXX = 3 };
inline constexpr std::array<const char*, 4> kTypeNames = {"Small Shop", "Top Up", "Full Shop",
                                                          "XX"};
enum Mission : uint8_t {
  kMissionFresh = 0,
  kMissionMixed,
  kMissionGrocery,
  kMissionNonfood,
  kMissionXX
};
inline constexpr std::array<const char*, 5> kMissionNames = {"Fresh", "Mixed", "Grocery", "Nonfood",
                                                             "XX"};
enum PriceSensitivity : uint8_t { kPsLA = 0, kPsMM, kPsUM, kPsXX };
inline constexpr std::array<const char*, 4> kPriceSensitivityNames = {"LA", "MM", "UM", "XX"};

// A shelf price change: from `week` on, `product` costs `price_pence` in price zone `zone`.
struct PriceChange {
  int32_t product = 0;
  int32_t zone = 0;
  int32_t week = 0;  // week index (0 = 200607)
  int32_t price_pence = 0;
};

// A promotion: `product` sells at depth_pct below its shelf price in `zone` for n_weeks weeks.
struct PromoEvent {
  int32_t product = 0;
  int32_t zone = 0;
  int32_t start_week = 0;
  int32_t n_weeks = 0;    // 1..4
  int32_t depth_pct = 0;  // actual = round(base * (100 - depth_pct) / 100)
};

// Everything true about the market. Built from a SynthConfig or read back from truth/.
// Arrays are plain vectors indexed by dense ids; CSR pairs (offsets, values) hold per-entity lists.
struct World {
  SynthConfig config;
  Calendar calendar;  // the n_weeks written weeks

  // Hierarchy: product -> sub-commodity (CL, PROD_CODE_10) -> DEP (20) -> G (30) -> D (40).
  std::vector<std::string> dept_code, g_code, dep_code, cl_code;
  std::vector<int32_t> g_dept, dep_g, cl_dep;
  std::vector<double> cl_attractiveness;  // how often the category is chosen when exploring
  std::vector<double> cl_elasticity;      // own-price elasticity for the MM (CT) segment
  std::vector<int32_t> complement_a, complement_b;  // complement sub-commodity pairs (a -> b)

  std::vector<std::string> product_code;  // PRD09nnnnn
  std::vector<int32_t> product_cl;
  std::vector<int32_t> product_brand;  // true brand, unique across sub-commodities
  std::vector<int8_t> product_tier;    // tier of its brand: 0 value, 1 standard, 2 premium
  std::vector<int32_t> product_ref_price_pence;  // national shelf price in week 0 (zone LS)
  std::vector<int32_t> product_unit_cost_pence;
  std::vector<double> product_popularity;      // relative choice weight within its sub-commodity
  std::vector<float> product_extra_unit_prob;  // chance of each further unit in a line
  std::vector<uint8_t> product_promo_prone;

  std::vector<std::string> store_code;  // STOREnnnnn
  std::vector<uint8_t> store_format;    // index into kFormatNames; also the store's price zone
  std::vector<uint8_t> store_region;    // index into kRegionNames
  std::vector<double> store_traffic;    // relative pull of the store
  std::vector<uint8_t> assortment;      // [store * n_products + product]: 1 = stocked
  std::array<double, kFormats> zone_price_factor{};  // shelf price level of each zone

  std::vector<PriceChange> price_changes;  // sorted by (product, zone, week); week 0 for each
  std::vector<PromoEvent> promos;          // sorted by (product, zone, start_week)
  // Dense truth derived from the two tables: [week][zone][product].
  std::vector<int32_t> base_price_pence;
  std::vector<uint8_t> promo_depth_pct;

  // Customers: the known ones first (ids 0..n_known-1), then anonymous shoppers.
  int32_t n_known = 0;
  std::vector<int64_t> customer_number;  // CUST + 10 digits; 0 for anonymous shoppers
  std::vector<int8_t> customer_seg1;     // index into kSeg1Names
  std::vector<int8_t> customer_seg2;     // index into kSeg2Names, -1 = unknown
  std::vector<int32_t> customer_home_store;
  std::vector<int64_t> customer_alt_offsets;  // CSR: other stores the customer sometimes visits
  std::vector<int32_t> customer_alt_stores;
  std::vector<float> customer_switch_prob;  // chance a trip goes to one of the other stores
  std::vector<float> customer_trip_rate;    // expected trips per active week
  std::vector<int16_t> customer_first_week, customer_last_week;  // active window (inclusive)
  std::vector<float> customer_lines_mean;                        // planned lines of a typical trip
  std::vector<float> customer_repeat_share;   // chance a line is one of the favourites
  std::vector<int8_t> customer_fav_hour;      // 8..21
  std::vector<int8_t> customer_fav_weekday;   // 0 = Monday .. 6 = Sunday
  std::vector<int64_t> customer_fav_offsets;  // CSR: favourite products, cumulative weights
  std::vector<int32_t> customer_fav_product;
  std::vector<float> customer_fav_cum;
  std::vector<int64_t> customer_cat_offsets;  // CSR: preferred sub-commodities, cumulative
  std::vector<int32_t> customer_cat_cl;
  std::vector<float> customer_cat_cum;

  // Segment-level behaviour.
  std::array<double, kSeg1> seg1_elasticity_mult{};  // multiplies cl_elasticity
  std::array<std::array<double, kTiers>, kSeg1> seg1_tier_pref{};
  std::array<double, 24> hour_weights{};  // share of trips by hour of day

  // Derived lookups (rebuilt by finish_world, not stored).
  std::vector<int32_t> cl_offsets, cl_products;  // products of each sub-commodity
  std::vector<int32_t> cl_group;                 // Group of each sub-commodity
  std::vector<int32_t> cl_complement_offsets, cl_complements;
  std::vector<double> cl_attractiveness_cum;  // over non-service categories
  std::vector<int32_t> service_products;      // D00006/7 products (single-line XX trips)
  std::vector<double> cl_median_ref_price;

  int n_products() const { return static_cast<int>(product_code.size()); }
  int n_stores() const { return static_cast<int>(store_code.size()); }
  int n_customers() const { return static_cast<int>(customer_number.size()); }
  int n_cl() const { return static_cast<int>(cl_code.size()); }
  int n_weeks() const { return static_cast<int>(calendar.size()); }
  size_t price_index(int week, int zone, int product) const {
    return (static_cast<size_t>(week) * kFormats + zone) * product_code.size() + product;
  }
  int32_t base_price(int week, int zone, int product) const {
    return base_price_pence[price_index(week, zone, product)];
  }
  int32_t promo_depth(int week, int zone, int product) const {
    return promo_depth_pct[price_index(week, zone, product)];
  }
  bool stocked(int store, int product) const {
    return assortment[static_cast<size_t>(store) * product_code.size() + product] != 0;
  }
};

// Builds the whole world from a config (deterministic in config.seed).
World build_world(const SynthConfig& config);
// Rebuilds the derived lookups and dense price arrays from the stored fields.
void finish_world(World& world);
// Writes the world under truth_dir (npy + world.json), returns the files written.
std::vector<std::string> write_world(const World& world, const fs::path& truth_dir);
// Reads a world back from truth_dir (as written by write_world).
World load_world(const fs::path& truth_dir);

// Shelf price after a promotion of depth_pct: round(base * (100 - depth) / 100), in pence.
inline int32_t promo_price(int32_t base_pence, int32_t depth_pct) {
  return static_cast<int32_t>((static_cast<int64_t>(base_pence) * (100 - depth_pct) + 50) / 100);
}
// A product's customer code text: CUST + 10 digits.
std::string customer_code_text(int64_t number);

// The prices customers see in one week, per (zone, product). A simulator may build its own: by
// default the zones are the four store formats; a simulator that prices stores apart adds zones
// (zone_format: the format whose reference prices and trip sizes a zone keeps) and maps each store
// to its zone (store_zone).
struct WeekPrices {
  int week = 0;
  int n_products = 0;
  std::vector<int32_t> base_pence;  // [zone * n_products + product]
  std::vector<int32_t> actual_pence;
  std::vector<uint8_t> promo_depth_pct;
  std::vector<int32_t> zone_format;  // per zone; empty: zone z is format z
  std::vector<int32_t> store_zone;   // per store; empty: a store's zone is its format
  int n_zones() const {
    return n_products == 0 ? 0 : static_cast<int>(base_pence.size()) / n_products;
  }
  int format_of_zone(int zone) const { return zone_format.empty() ? zone : zone_format[zone]; }
  int zone_of_store(const World& w, int store) const;
  int32_t actual(int zone, int product) const { return actual_pence[zone * n_products + product]; }
  int32_t depth(int zone, int product) const {
    return promo_depth_pct[zone * n_products + product];
  }
};
WeekPrices true_week_prices(const World& world, int week);

// The true demand response to a week's prices, per (zone, seg_1):
//  accept = chance a planned line for the product is bought:
//           odds = base/(1-base) * (actual/ref)^(-elasticity) * exp(display_lift * promoted)
//  choice = weight of the product when a customer explores its sub-commodity:
//           popularity * tier preference * (actual/ref)^(-elasticity) * exp(display_lift *
//           promoted)
// where ref is the product's week-0 shelf price in the zone's format and elasticity =
// cl_elasticity * seg1_elasticity_mult. One table per zone of `prices`.
struct DemandTables {
  int n_products = 0;
  std::vector<float> accept;      // [(zone * kSeg1 + seg) * n_products + product]
  std::vector<float> choice_cum;  // same layout; cumulative within each sub-commodity (cl order)
  float accept_prob(int zone, int seg, int product) const {
    return accept[(static_cast<size_t>(zone) * kSeg1 + seg) * n_products + product];
  }
};
DemandTables build_demand_tables(const World& world, const WeekPrices& prices);
// Price-and-promotion multiplier of a product's odds / choice weight:
// (actual/ref)^(-elasticity) * exp(display_lift * promoted).
double price_response(const World& world, int seg1, int zone, int product, int32_t actual_pence,
                      int32_t depth_pct);
// The formula behind DemandTables::accept, for one product (the oracle of one line); `zone` is
// the store format whose reference price applies.
double line_accept_probability(const World& world, int seg1, int zone, int product,
                               int32_t actual_pence, int32_t depth_pct);

// One generated line and one trip (basket) of a week.
struct TripLine {
  int32_t product = 0;
  int32_t quantity = 0;
  int32_t unit_price_pence = 0;
  int32_t spend_pence = 0;  // quantity * unit price
};
struct Trip {
  int32_t customer = 0;
  int32_t store = 0;
  int8_t day = 0;  // 0 = Monday .. 6 = Sunday within the shop week
  int8_t hour = 0;
  BasketSize size = kSizeS;
  BasketType type = kSmallShop;
  Mission mission = kMissionFresh;
  PriceSensitivity price_sensitivity = kPsMM;
  uint32_t line_begin = 0, line_end = 0;  // into WeekSample::lines
  int64_t spend_pence = 0;
};
struct WeekSample {
  std::vector<Trip> trips;
  std::vector<TripLine> lines;
  void clear() {
    trips.clear();
    lines.clear();
  }
};

// Samples one customer's trips of `week` (appended to out, in time order, labelled).
void sample_customer_week(const World& world, int customer, int week, const WeekPrices& prices,
                          const DemandTables& demand, Rng& rng, WeekSample& out);
// The lines of one trip of the customer to `store` (appended to `lines`; possibly none): a
// service purchase or the planned lines, each a favourite or an explored product, with
// complements. sample_customer_week calls it once per trip, after choosing the trip's store.
void sample_trip_lines(const World& world, int customer, int store, const WeekPrices& prices,
                       const DemandTables& demand, Rng& rng, std::vector<TripLine>& lines);
// The LGSR basket labels that follow from a basket's contents.
void label_basket(const World& world, std::span<const TripLine> lines, Trip& trip);

}  // namespace retailsim::synth
