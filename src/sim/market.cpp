// The market of a scope: which stores, products and shoppers a simulation covers, with unit costs,
// price bounds and the historical price calendar, built from the ground-truth world (synthetic
// data) or from the ingested store and derive's price table (real data).
#include <algorithm>
#include <cmath>
#include <set>

#include "core/dataset.h"
#include "core/error.h"
#include "core/rng.h"
#include "derive/derive.h"
#include "sim/sim.h"
#include "synth/world.h"

namespace retailsim::sim {

namespace {

enum : uint64_t { kCustomerSampleStream = 601 };

bool listed(const std::vector<std::string>& list, const std::string& code) {
  return list.empty() || std::find(list.begin(), list.end(), code) != list.end();
}

// Every list entry must name something that exists, so a typo is an error and not an empty scope.
void check_known(const std::vector<std::string>& list, const std::set<std::string>& known,
                 const char* what) {
  for (const auto& code : list)
    if (!known.contains(code)) fail("[scope] {}: '{}' is not in the data", what, code);
}

// Adds a store to the market when the scope lists it (by code, format and region).
void add_store_in_scope(Market& m, const ScopeConfig& scope, const std::string& code,
                        const std::string& format, const std::string& region, int32_t source_id) {
  if (!listed(scope.stores, code) || !listed(scope.formats, format) ||
      !listed(scope.regions, region))
    return;
  m.store_code.push_back(code);
  m.store_format.push_back(format);
  m.store_region.push_back(region);
  m.store_source_id.push_back(source_id);
}

// q-quantile of values (linear interpolation, like numpy's default).
float quantile(std::vector<float> values, double q) {
  std::sort(values.begin(), values.end());
  const double at = q * static_cast<double>(values.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(at));
  const size_t hi = std::min(values.size() - 1, lo + 1);
  return static_cast<float>(values[lo] +
                            (at - static_cast<double>(lo)) * (values[hi] - values[lo]));
}

}  // namespace

ScopeConfig ScopeConfig::from_section(const Section& section) {
  section.check_known_keys(
      {"stores", "formats", "regions", "products", "categories", "customer_share"});
  ScopeConfig s;
  s.stores = section.get_strings("stores", {});
  s.formats = section.get_strings("formats", {});
  s.regions = section.get_strings("regions", {});
  s.products = section.get_strings("products", {});
  s.categories = section.get_strings("categories", {});
  s.customer_share = section.get_double("customer_share", 1.0);
  if (!(s.customer_share > 0 && s.customer_share <= 1))
    fail("[scope] customer_share must be in (0, 1], got {}", s.customer_share);
  return s;
}

Json ScopeConfig::to_json() const {
  return Json{{"stores", stores},         {"formats", formats},
              {"regions", regions},       {"products", products},
              {"categories", categories}, {"customer_share", customer_share}};
}

int Market::week_index(int32_t week, const std::string& what) const {
  for (int i = 0; i < n_weeks; ++i)
    if (shop_week[i] == week) return i;
  fail("{}: shop week {} is not in the data ({}..{})", what, week, shop_week.front(),
       shop_week.back());
}

void Market::historical_prices(int week, std::span<float> shelf_price_cents,
                               std::span<float> promo_depth) const {
  const int n_s = n_stores();
  if (!world) {
    // Real data: the derived table's regular price and promotion of each cell (its waterfall
    // where the store did not sell the product that week).
    derive::PriceConfig config;
    config.promo_threshold = promo_threshold;
    for (int p = 0; p < n_products(); ++p) {
      for (int s = 0; s < n_s; ++s) {
        const size_t cell = static_cast<size_t>(p) * n_s + s;
        const derive::PriceLookup price =
            prices->lookup(product_source_id[p], store_source_id[s], week);
        if (price.actual_price > 0 && price.base_price > 0) {
          shelf_price_cents[cell] = price.base_price;
          const derive::Promotion promo =
              derive::promotion_of(price.actual_price, price.base_price, config);
          promo_depth[cell] = promo.promo ? promo.depth : 0.0f;
        } else {
          shelf_price_cents[cell] = first_base_price[p];
          promo_depth[cell] = 0;
        }
      }
    }
    return;
  }
  const synth::World& w = *world;
  for (int p = 0; p < n_products(); ++p) {
    for (int s = 0; s < n_s; ++s) {
      const size_t cell = static_cast<size_t>(p) * n_s + s;
      const int zone = w.store_format[store_source_id[s]];
      shelf_price_cents[cell] = static_cast<float>(w.base_price(week, zone, product_source_id[p]));
      promo_depth[cell] = static_cast<float>(w.promo_depth(week, zone, product_source_id[p])) / 100;
    }
  }
}

Market market_from_world(std::shared_ptr<const synth::World> world_ptr, const ScopeConfig& scope,
                         uint64_t seed) {
  const synth::World& w = *world_ptr;
  Market m;
  m.synthetic = true;
  m.world = world_ptr;
  m.n_weeks = w.n_weeks();
  for (const auto& week : w.calendar.weeks()) m.shop_week.push_back(week.shop_week);

  check_known(scope.stores, std::set<std::string>(w.store_code.begin(), w.store_code.end()),
              "stores");
  check_known(scope.formats,
              std::set<std::string>(synth::kFormatNames.begin(), synth::kFormatNames.end()),
              "formats");
  check_known(scope.regions,
              std::set<std::string>(synth::kRegionNames.begin(), synth::kRegionNames.end()),
              "regions");
  for (int s = 0; s < w.n_stores(); ++s)
    add_store_in_scope(m, scope, w.store_code[s], synth::kFormatNames[w.store_format[s]],
                       synth::kRegionNames[w.store_region[s]], s);
  if (m.store_code.empty()) fail("[scope] selects no store");

  check_known(scope.products, std::set<std::string>(w.product_code.begin(), w.product_code.end()),
              "products");
  std::set<std::string> category_codes(w.cl_code.begin(), w.cl_code.end());
  category_codes.insert(w.dep_code.begin(), w.dep_code.end());
  category_codes.insert(w.g_code.begin(), w.g_code.end());
  category_codes.insert(w.dept_code.begin(), w.dept_code.end());
  check_known(scope.categories, category_codes, "categories");
  for (int p = 0; p < w.n_products(); ++p) {
    const int cl = w.product_cl[p], dep = w.cl_dep[cl], g = w.dep_g[dep], d = w.g_dept[g];
    const bool in_category = scope.categories.empty() || listed(scope.categories, w.cl_code[cl]) ||
                             listed(scope.categories, w.dep_code[dep]) ||
                             listed(scope.categories, w.g_code[g]) ||
                             listed(scope.categories, w.dept_code[d]);
    if (!listed(scope.products, w.product_code[p]) || !in_category) continue;
    m.product_code.push_back(w.product_code[p]);
    m.product_category.push_back(w.cl_code[cl]);
    m.product_parents.push_back({w.cl_code[cl], w.dep_code[dep], w.g_code[g], w.dept_code[d]});
    m.product_source_id.push_back(p);
    m.unit_cost_cents.push_back(static_cast<float>(w.product_unit_cost_pence[p]));
    m.perishable.push_back(synth::kDepartmentGroup[d % synth::kDepartments] == synth::kFresh);
    // Bounds from the prices actually charged: every (week, format) of the calendar.
    std::vector<float> charged;
    charged.reserve(static_cast<size_t>(w.n_weeks()) * synth::kFormats);
    for (int week = 0; week < w.n_weeks(); ++week)
      for (int z = 0; z < synth::kFormats; ++z)
        charged.push_back(static_cast<float>(
            synth::promo_price(w.base_price(week, z, p), w.promo_depth(week, z, p))));
    // Whole cents inside the quantiles, so a clipped and rounded price stays within bounds.
    const float low = std::ceil(quantile(charged, 0.20));
    const float high = std::max(low, std::floor(quantile(charged, 0.95)));
    m.price_low_cents.push_back(low);
    m.price_high_cents.push_back(high);
  }
  if (m.product_code.empty()) fail("[scope] selects no product");

  // Shoppers who may visit a store of the scope (home or alternative store), then the sample.
  std::vector<uint8_t> in_scope(static_cast<size_t>(w.n_stores()), 0);
  for (int32_t s : m.store_source_id) in_scope[s] = 1;
  for (int c = 0; c < w.n_customers(); ++c) {
    bool visits = in_scope[w.customer_home_store[c]] != 0;
    for (int64_t i = w.customer_alt_offsets[c]; !visits && i < w.customer_alt_offsets[c + 1]; ++i)
      visits = in_scope[w.customer_alt_stores[i]] != 0;
    if (!visits) continue;
    if (scope.customer_share < 1.0) {
      Rng rng = Rng::stream(seed, {kCustomerSampleStream, static_cast<uint64_t>(c)});
      if (!rng.bernoulli(scope.customer_share)) continue;
    }
    m.customers.push_back(c);
  }
  return m;
}

Market market_from_dataset(const fs::path& data_dir, const ScopeConfig& scope, uint64_t seed) {
  const Store store = Store::open(data_dir);
  const fs::path prices_dir = data_dir / "derived" / "prices";
  if (!fs::exists(prices_dir / "manifest.json"))
    fail("{}: no derived prices; run `retailsim derive --data {}` first", prices_dir.string(),
         data_dir.string());
  auto table = std::make_shared<const derive::PriceTable>(derive::read_price_table(prices_dir));
  const derive::PriceTable& t = *table;
  if (t.dims.n_products != static_cast<int32_t>(store.n_products()) ||
      t.dims.n_stores != static_cast<int32_t>(store.n_stores()))
    fail("{}: the price table has {} products and {} stores, the store {} and {} (derive again)",
         prices_dir.string(), t.dims.n_products, t.dims.n_stores, store.n_products(),
         store.n_stores());
  const Json manifest = read_json(prices_dir / "manifest.json");
  const Json extra = manifest.value("extra", Json::object());
  const Json config = manifest.value("config", Json::object());

  Market m;
  m.synthetic = false;
  m.prices = table;
  m.promo_threshold = config.value("promo_threshold", derive::PriceConfig{}.promo_threshold);
  // The table's weeks: data weeks from the store calendar's first_week_index on.
  const int32_t first = extra.value("first_week_index", 0);
  m.n_weeks = t.dims.n_weeks;
  for (int32_t i = 0; i < m.n_weeks; ++i) {
    const size_t at = static_cast<size_t>(first + i);
    if (at >= store.calendar.size())
      fail("{}: week {} of the price table is outside the store's calendar", prices_dir.string(),
           i);
    m.shop_week.push_back(store.calendar.weeks()[at].shop_week);
  }

  check_known(scope.stores,
              std::set<std::string>(store.store_codes.begin(), store.store_codes.end()), "stores");
  check_known(
      scope.formats,
      std::set<std::string>(store.store_format_codes.begin(), store.store_format_codes.end()),
      "formats");
  check_known(
      scope.regions,
      std::set<std::string>(store.store_region_codes.begin(), store.store_region_codes.end()),
      "regions");
  for (size_t s = 0; s < store.n_stores(); ++s) {
    add_store_in_scope(m, scope, store.store_codes[s],
                       store.store_format_codes[static_cast<size_t>(store.store_format[s])],
                       store.store_region_codes[static_cast<size_t>(store.store_region[s])],
                       static_cast<int32_t>(s));
  }
  if (m.store_code.empty()) fail("[scope] selects no store");

  check_known(scope.products,
              std::set<std::string>(store.product_codes.begin(), store.product_codes.end()),
              "products");
  std::set<std::string> category_codes;
  for (const auto& level : store.product_parent_codes)
    category_codes.insert(level.begin(), level.end());
  check_known(scope.categories, category_codes, "categories");
  const int32_t W = t.dims.n_weeks;
  for (size_t p = 0; p < store.n_products(); ++p) {
    std::array<std::string, 4> parents;
    for (int level = 0; level < 4; ++level)
      parents[level] =
          store.product_parent_codes[level][static_cast<size_t>(store.product_parent[level][p])];
    const bool in_category =
        scope.categories.empty() || std::any_of(parents.begin(), parents.end(), [&](const auto& c) {
          return listed(scope.categories, c);
        });
    if (!listed(scope.products, store.product_codes[p]) || !in_category) continue;
    const float low = t.price_low[p], high = t.price_high[p];
    if (!(low > 0) || !(high > 0)) continue;  // never priced: nothing to simulate
    float first_base = std::nanf("");
    for (int32_t w = 0; w < W && !(first_base > 0); ++w)
      first_base = t.global_base[p * static_cast<size_t>(W) + w];
    if (!(first_base > 0)) first_base = high;
    m.product_code.push_back(store.product_codes[p]);
    m.product_category.push_back(parents[0]);
    m.product_parents.push_back(parents);
    m.product_source_id.push_back(static_cast<int32_t>(p));
    // The seeds' proxy for the unit cost: the 20th-percentile price, also the lower bound.
    m.unit_cost_cents.push_back(low);
    m.perishable.push_back(0);
    // Whole cents inside the quantiles, so a clipped and rounded price stays within bounds.
    const float bound_low = std::ceil(low);
    m.price_low_cents.push_back(bound_low);
    m.price_high_cents.push_back(std::max(bound_low, std::floor(high)));
    m.first_base_price.push_back(first_base);
  }
  if (m.product_code.empty()) fail("[scope] selects no product");

  // Card holders with a basket at a store of the scope, then the sample.
  std::vector<uint8_t> in_scope(store.n_stores(), 0);
  for (int32_t s : m.store_source_id) in_scope[static_cast<size_t>(s)] = 1;
  for (size_t c = 0; c < store.n_customers(); ++c) {
    bool visits = false;
    for (int32_t b : store.baskets_of_customer(static_cast<int32_t>(c))) {
      if (in_scope[static_cast<size_t>(store.basket_store_id[static_cast<size_t>(b)])]) {
        visits = true;
        break;
      }
    }
    if (!visits) continue;
    if (scope.customer_share < 1.0) {
      Rng rng = Rng::stream(seed, {kCustomerSampleStream, static_cast<uint64_t>(c)});
      if (!rng.bernoulli(scope.customer_share)) continue;
    }
    m.customers.push_back(static_cast<int32_t>(c));
  }
  return m;
}

Market load_market(const fs::path& data_dir, const ScopeConfig& scope, uint64_t seed) {
  const fs::path truth = data_dir / "truth";
  if (fs::exists(truth / "world.json")) {
    auto world = std::make_shared<synth::World>(synth::load_world(truth));
    return market_from_world(std::move(world), scope, seed);
  }
  return market_from_dataset(data_dir, scope, seed);
}

}  // namespace retailsim::sim
