// The world as files under truth/: one .npy per field (plus code dictionaries) and world.json
// with the scalar parameters and the list of files, their dtypes and meanings; and back.
#include <fmt/format.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/npy.h"
#include "synth/world.h"

namespace retailsim::synth {

namespace {

// Writes npy files and remembers, for world.json, what each one holds.
class TruthWriter {
 public:
  explicit TruthWriter(fs::path dir) : dir_(std::move(dir)) {}
  template <typename T>
  void put(const std::string& name, const std::vector<T>& values, const std::string& meaning,
           std::vector<uint64_t> shape = {}) {
    write_npy(dir_ / (name + ".npy"), values, shape);
    if (shape.empty()) shape = {values.size()};
    add(name, npy_dtype<T>(), shape, meaning);
  }
  void put_strings(const std::string& name, const std::vector<std::string>& values,
                   const std::string& meaning) {
    write_npy_strings(dir_ / (name + ".npy"), values);
    size_t width = 1;
    for (const auto& s : values) width = std::max(width, s.size());
    add(name, fmt::format("|S{}", width), {values.size()}, meaning);
  }
  void add(const std::string& name, const std::string& dtype, std::vector<uint64_t> shape,
           const std::string& meaning) {
    files_.push_back(
        {{"file", name + ".npy"}, {"dtype", dtype}, {"shape", shape}, {"meaning", meaning}});
  }
  const Json& files() const { return files_; }

 private:
  fs::path dir_;
  Json files_ = Json::array();
};

template <typename T, typename F>
std::vector<T> column_of(const std::vector<F>& rows, T F::*member) {
  std::vector<T> out;
  out.reserve(rows.size());
  for (const auto& r : rows) out.push_back(r.*member);
  return out;
}

template <typename T>
std::vector<T> load(const fs::path& dir, const std::string& name) {
  return read_npy<T>(dir / (name + ".npy"));
}

}  // namespace

std::vector<std::string> write_world(const World& w, const fs::path& dir) {
  TruthWriter t(dir);
  const auto n_products = static_cast<uint64_t>(w.n_products());
  // Hierarchy.
  t.put_strings("dept_code", w.dept_code, "PROD_CODE_40 codes, index = department id");
  t.put_strings("g_code", w.g_code, "PROD_CODE_30 codes");
  t.put("g_dept", w.g_dept, "department id of each PROD_CODE_30");
  t.put_strings("dep_code", w.dep_code, "PROD_CODE_20 codes");
  t.put("dep_g", w.dep_g, "PROD_CODE_30 id of each PROD_CODE_20");
  t.put_strings("cl_code", w.cl_code, "PROD_CODE_10 (sub-commodity) codes");
  t.put("cl_dep", w.cl_dep, "PROD_CODE_20 id of each sub-commodity");
  t.put("cl_attractiveness", w.cl_attractiveness,
        "how often a sub-commodity is chosen when a customer explores");
  t.put("cl_elasticity", w.cl_elasticity,
        "own-price elasticity of the sub-commodity for seg_1 CT (x seg1_elasticity_mult)");
  std::vector<int32_t> pairs;
  for (size_t i = 0; i < w.complement_a.size(); ++i) {
    pairs.push_back(w.complement_a[i]);
    pairs.push_back(w.complement_b[i]);
  }
  t.put("complement_pairs", pairs,
        "complement sub-commodity pairs (a, b): a line of a pulls in a line of b",
        {w.complement_a.size(), 2});
  // Products.
  t.put_strings("product_code", w.product_code, "PROD_CODE of each product id");
  t.put("product_cl", w.product_cl, "sub-commodity id of each product");
  t.put("product_brand", w.product_brand, "true brand id (brands never span sub-commodities)");
  t.put("product_tier", w.product_tier, "brand tier: 0 value, 1 standard, 2 premium");
  t.put("product_ref_price_pence", w.product_ref_price_pence,
        "national reference shelf price before zone factors (pence)");
  t.put("product_unit_cost_pence", w.product_unit_cost_pence, "unit cost (pence)");
  t.put("product_popularity", w.product_popularity, "choice weight within the sub-commodity");
  t.put("product_extra_unit_prob", w.product_extra_unit_prob,
        "chance of each further unit in a line (before promotion boost)");
  t.put("product_promo_prone", w.product_promo_prone, "1 = the product is ever promoted");
  // Stores.
  t.put_strings("store_code", w.store_code, "STORE_CODE of each store id");
  t.put("store_format", w.store_format, "0 LS, 1 MS, 2 SS, 3 XLS; also the price zone");
  t.put("store_region", w.store_region, "index into E01..E03, N01..N03, S01..S03, W01..W03");
  t.put("store_traffic", w.store_traffic, "relative pull of the store when customers pick one");
  t.put("assortment", w.assortment, "1 = store stocks product, [store, product]",
        {static_cast<uint64_t>(w.n_stores()), n_products});
  // Prices and promotions.
  t.put("price_change_product", column_of(w.price_changes, &PriceChange::product),
        "shelf price change table: product id");
  t.put("price_change_zone", column_of(w.price_changes, &PriceChange::zone),
        "shelf price change table: zone (= store format id)");
  t.put("price_change_week", column_of(w.price_changes, &PriceChange::week),
        "shelf price change table: first week index the price applies");
  t.put("price_change_pence", column_of(w.price_changes, &PriceChange::price_pence),
        "shelf price change table: new shelf price (pence)");
  t.put("promo_product", column_of(w.promos, &PromoEvent::product), "promotion table: product");
  t.put("promo_zone", column_of(w.promos, &PromoEvent::zone), "promotion table: zone");
  t.put("promo_start_week", column_of(w.promos, &PromoEvent::start_week),
        "promotion table: first week index");
  t.put("promo_weeks", column_of(w.promos, &PromoEvent::n_weeks), "promotion table: 1..4 weeks");
  t.put("promo_depth_pct", column_of(w.promos, &PromoEvent::depth_pct),
        "promotion table: % off the shelf price");
  const uint64_t weeks = w.n_weeks();
  t.put("base_price_zone_pence", w.base_price_pence, "shelf price [week, zone, product] (pence)",
        {weeks, kFormats, n_products});
  t.put("promo_depth_zone_pct", w.promo_depth_pct,
        "promotion depth [week, zone, product], 0 = not promoted", {weeks, kFormats, n_products});
  const uint64_t store_cells = weeks * w.n_stores() * n_products;
  if (store_cells <= static_cast<uint64_t>(w.config.dense_price_max_cells)) {
    std::vector<int32_t> actual(store_cells);
    std::vector<uint8_t> depth(store_cells);
    for (uint64_t wk = 0; wk < weeks; ++wk)
      for (int s = 0; s < w.n_stores(); ++s)
        for (int p = 0; p < w.n_products(); ++p) {
          const size_t i = (wk * w.n_stores() + s) * n_products + p;
          depth[i] = static_cast<uint8_t>(w.promo_depth(wk, w.store_format[s], p));
          actual[i] = promo_price(w.base_price(wk, w.store_format[s], p), depth[i]);
        }
    t.put("actual_price_store_pence", actual,
          "actual price [week, store, product] (pence; small presets only)",
          {weeks, static_cast<uint64_t>(w.n_stores()), n_products});
    t.put("promo_depth_store_pct", depth, "promotion depth [week, store, product] (small presets)",
          {weeks, static_cast<uint64_t>(w.n_stores()), n_products});
  }
  // Customers.
  std::vector<std::string> codes;
  for (int c = 0; c < w.n_customers(); ++c)
    codes.push_back(c < w.n_known ? customer_code_text(w.customer_number[c]) : "");
  t.put_strings("customer_code", codes, "CUST_CODE; empty for anonymous shoppers (ids >= n_known)");
  t.put("customer_number", w.customer_number, "the 10 digits of CUST_CODE, 0 = anonymous");
  t.put("customer_seg1", w.customer_seg1, "seg_1 index: 0 AZ, 1 BG, 2 CT, 3 DY");
  t.put("customer_seg2", w.customer_seg2,
        "seg_2 index: 0 AT, 1 BU, 2 CZ, 3 DI, 4 EQ, 5 FN, -1 \"\"");
  t.put("customer_home_store", w.customer_home_store, "home store id");
  t.put("customer_alt_offsets", w.customer_alt_offsets, "CSR offsets into customer_alt_stores");
  t.put("customer_alt_stores", w.customer_alt_stores, "other stores a customer sometimes uses");
  t.put("customer_switch_prob", w.customer_switch_prob, "chance a trip goes to another store");
  t.put("customer_trip_rate", w.customer_trip_rate, "expected trips per active week (Poisson)");
  t.put("customer_first_week", w.customer_first_week, "first active week index");
  t.put("customer_last_week", w.customer_last_week, "last active week index");
  t.put("customer_lines_mean", w.customer_lines_mean, "planned lines of a typical trip");
  t.put("customer_repeat_share", w.customer_repeat_share, "chance a line is a favourite product");
  t.put("customer_fav_hour", w.customer_fav_hour, "habitual hour (8..21)");
  t.put("customer_fav_weekday", w.customer_fav_weekday, "habitual day, 0 = Monday .. 6 = Sunday");
  t.put("customer_fav_offsets", w.customer_fav_offsets, "CSR offsets into customer_fav_*");
  t.put("customer_fav_product", w.customer_fav_product, "favourite products (repeat purchases)");
  t.put("customer_fav_cum", w.customer_fav_cum, "cumulative favourite weights per customer");
  t.put("customer_cat_offsets", w.customer_cat_offsets, "CSR offsets into customer_cat_*");
  t.put("customer_cat_cl", w.customer_cat_cl, "preferred sub-commodities (exploration)");
  t.put("customer_cat_cum", w.customer_cat_cum, "cumulative category weights per customer");

  std::vector<double> zone(w.zone_price_factor.begin(), w.zone_price_factor.end());
  std::vector<double> elasticity(w.seg1_elasticity_mult.begin(), w.seg1_elasticity_mult.end());
  Json tier = Json::array();
  for (const auto& row : w.seg1_tier_pref)
    tier.push_back(std::vector<double>(row.begin(), row.end()));
  Json world_json = {
      {"config", w.config.to_json()},
      {"n_known_customers", w.n_known},
      {"n_customers_with_anonymous", w.n_customers()},
      {"n_products", w.n_products()},
      {"n_stores", w.n_stores()},
      {"n_weeks", w.n_weeks()},
      {"n_sub_commodities", w.n_cl()},
      {"formats_and_zones", kFormatNames},
      {"regions", kRegionNames},
      {"seg_1", kSeg1Names},
      {"seg_2", kSeg2Names},
      {"zone_price_factor", zone},
      {"seg1_elasticity_mult", elasticity},
      {"seg1_tier_pref", tier},
      {"hour_weights", std::vector<double>(w.hour_weights.begin(), w.hour_weights.end())},
      {"demand",
       "accept odds = base_accept_prob/(1-base_accept_prob) * (actual/ref)^(-e) * "
       "exp(promo_display_lift * promoted); ref = shelf price in week 0 of the zone; e = "
       "cl_elasticity * seg1_elasticity_mult[seg_1]. See docs/synth.md."},
      {"files", t.files()}};
  write_json(dir / "world.json", world_json);
  std::vector<std::string> names = {"world.json"};
  for (const auto& f : t.files()) names.push_back(f["file"].get<std::string>());
  return names;
}

World load_world(const fs::path& dir) {
  const Json j = read_json(dir / "world.json");
  World w;
  w.config = SynthConfig::from_json(j.at("config"));
  w.calendar = Calendar::lgsr(w.config.n_weeks);
  w.dept_code = read_npy_strings(dir / "dept_code.npy");
  w.g_code = read_npy_strings(dir / "g_code.npy");
  w.dep_code = read_npy_strings(dir / "dep_code.npy");
  w.cl_code = read_npy_strings(dir / "cl_code.npy");
  w.g_dept = load<int32_t>(dir, "g_dept");
  w.dep_g = load<int32_t>(dir, "dep_g");
  w.cl_dep = load<int32_t>(dir, "cl_dep");
  w.cl_attractiveness = load<double>(dir, "cl_attractiveness");
  w.cl_elasticity = load<double>(dir, "cl_elasticity");
  auto pairs = load<int32_t>(dir, "complement_pairs");
  for (size_t i = 0; i + 1 < pairs.size(); i += 2) {
    w.complement_a.push_back(pairs[i]);
    w.complement_b.push_back(pairs[i + 1]);
  }
  w.product_code = read_npy_strings(dir / "product_code.npy");
  w.product_cl = load<int32_t>(dir, "product_cl");
  w.product_brand = load<int32_t>(dir, "product_brand");
  w.product_tier = load<int8_t>(dir, "product_tier");
  w.product_ref_price_pence = load<int32_t>(dir, "product_ref_price_pence");
  w.product_unit_cost_pence = load<int32_t>(dir, "product_unit_cost_pence");
  w.product_popularity = load<double>(dir, "product_popularity");
  w.product_extra_unit_prob = load<float>(dir, "product_extra_unit_prob");
  w.product_promo_prone = load<uint8_t>(dir, "product_promo_prone");
  w.store_code = read_npy_strings(dir / "store_code.npy");
  w.store_format = load<uint8_t>(dir, "store_format");
  w.store_region = load<uint8_t>(dir, "store_region");
  w.store_traffic = load<double>(dir, "store_traffic");
  w.assortment = load<uint8_t>(dir, "assortment");
  auto pc_product = load<int32_t>(dir, "price_change_product");
  auto pc_zone = load<int32_t>(dir, "price_change_zone");
  auto pc_week = load<int32_t>(dir, "price_change_week");
  auto pc_pence = load<int32_t>(dir, "price_change_pence");
  for (size_t i = 0; i < pc_product.size(); ++i)
    w.price_changes.push_back({pc_product[i], pc_zone[i], pc_week[i], pc_pence[i]});
  auto pr_product = load<int32_t>(dir, "promo_product");
  auto pr_zone = load<int32_t>(dir, "promo_zone");
  auto pr_start = load<int32_t>(dir, "promo_start_week");
  auto pr_weeks = load<int32_t>(dir, "promo_weeks");
  auto pr_depth = load<int32_t>(dir, "promo_depth_pct");
  for (size_t i = 0; i < pr_product.size(); ++i)
    w.promos.push_back({pr_product[i], pr_zone[i], pr_start[i], pr_weeks[i], pr_depth[i]});
  w.n_known = j.at("n_known_customers").get<int32_t>();
  w.customer_number = load<int64_t>(dir, "customer_number");
  w.customer_seg1 = load<int8_t>(dir, "customer_seg1");
  w.customer_seg2 = load<int8_t>(dir, "customer_seg2");
  w.customer_home_store = load<int32_t>(dir, "customer_home_store");
  w.customer_alt_offsets = load<int64_t>(dir, "customer_alt_offsets");
  w.customer_alt_stores = load<int32_t>(dir, "customer_alt_stores");
  w.customer_switch_prob = load<float>(dir, "customer_switch_prob");
  w.customer_trip_rate = load<float>(dir, "customer_trip_rate");
  w.customer_first_week = load<int16_t>(dir, "customer_first_week");
  w.customer_last_week = load<int16_t>(dir, "customer_last_week");
  w.customer_lines_mean = load<float>(dir, "customer_lines_mean");
  w.customer_repeat_share = load<float>(dir, "customer_repeat_share");
  w.customer_fav_hour = load<int8_t>(dir, "customer_fav_hour");
  w.customer_fav_weekday = load<int8_t>(dir, "customer_fav_weekday");
  w.customer_fav_offsets = load<int64_t>(dir, "customer_fav_offsets");
  w.customer_fav_product = load<int32_t>(dir, "customer_fav_product");
  w.customer_fav_cum = load<float>(dir, "customer_fav_cum");
  w.customer_cat_offsets = load<int64_t>(dir, "customer_cat_offsets");
  w.customer_cat_cl = load<int32_t>(dir, "customer_cat_cl");
  w.customer_cat_cum = load<float>(dir, "customer_cat_cum");
  auto zone = j.at("zone_price_factor").get<std::vector<double>>();
  for (int z = 0; z < kFormats; ++z) w.zone_price_factor[z] = zone.at(z);
  auto elasticity = j.at("seg1_elasticity_mult").get<std::vector<double>>();
  for (int s = 0; s < kSeg1; ++s) w.seg1_elasticity_mult[s] = elasticity.at(s);
  auto tier = j.at("seg1_tier_pref");
  for (int s = 0; s < kSeg1; ++s)
    for (int k = 0; k < kTiers; ++k) w.seg1_tier_pref[s][k] = tier.at(s).at(k).get<double>();
  auto hours = j.at("hour_weights").get<std::vector<double>>();
  for (int h = 0; h < 24; ++h) w.hour_weights[h] = hours.at(h);
  finish_world(w);
  return w;
}

}  // namespace retailsim::synth
