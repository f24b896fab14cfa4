// Building the ground-truth world from a SynthConfig: hierarchy, products, brands, prices and
// promotions, stores and assortment, customers with their habits and preferences.
#include <algorithm>
#include <cmath>
#include <numeric>

#include <fmt/format.h>
#include <tbb/parallel_for.h>

#include "core/error.h"
#include "synth/world.h"

namespace retailsim::synth {

namespace {

// Stream ids of the independent random choices (Rng::stream(seed, {kind, ...})).
enum StreamKind : uint64_t {
  kHierarchyStream = 1,
  kProductStream,
  kPriceStream,
  kStoreStream,
  kCustomerStream,
  kCustomerCodeStream,
};

// Department weights: rows per department in the real sample (PROFILE.md, PROD_CODE_40).
constexpr std::array<double, kDepartments> kDepartmentRows = {271, 1480,  868, 22, 330,
                                                              5,   0.283, 50,  12};
// Real store format counts (PROFILE.md): LS 330, MS 236, SS 167, XLS 28.
constexpr std::array<double, kFormats> kFormatStores = {330, 236, 167, 28};
// Real seg_1 and seg_2 row counts (PROFILE.md), in kSeg1Names / kSeg2Names order.
constexpr std::array<double, kSeg1> kSeg1Rows = {651, 677, 1110, 3.3};
constexpr std::array<double, kSeg2> kSeg2Rows = {321, 733, 299, 501, 127, 166};
constexpr double kSeg2UnknownShare = 0.12;  // known rows with empty seg_2 (PROFILE.md: 2.44M-2.15M)
// Trips by hour (rows by SHOP_HOUR in the four real sample weeks, 8..21).
constexpr std::array<double, 14> kHourRows = {4412, 3634, 5368, 6975, 8194, 10295, 9832,
                                              9199, 9127, 8907, 7206, 5941, 5258,  11016};

// Splits `total` into parts proportional to weights, each at least `minimum` (largest remainder).
std::vector<int> allocate(int total, std::span<const double> weights, int minimum) {
  const int n = static_cast<int>(weights.size());
  std::vector<int> out(n, minimum);
  int left = total - minimum * n;
  if (left < 0) fail("cannot split {} into {} parts of at least {}", total, n, minimum);
  double sum = std::accumulate(weights.begin(), weights.end(), 0.0);
  std::vector<std::pair<double, int>> remainders;
  int given = 0;
  for (int i = 0; i < n; ++i) {
    double exact = left * weights[i] / sum;
    int whole = static_cast<int>(std::floor(exact));
    out[i] += whole;
    given += whole;
    remainders.push_back({exact - whole, i});
  }
  std::stable_sort(remainders.begin(), remainders.end(),
                   [](auto& a, auto& b) { return a.first > b.first; });
  for (int k = 0; k < left - given; ++k) ++out[remainders[k % n].second];
  return out;
}

std::vector<double> cumulative(std::span<const double> weights) {
  std::vector<double> cum(weights.size());
  std::partial_sum(weights.begin(), weights.end(), cum.begin());
  return cum;
}

// `count` distinct sorted numbers in [1, range], roughly evenly spread with random gaps.
std::vector<int64_t> spread_numbers(int64_t count, int64_t range, Rng& rng) {
  std::vector<int64_t> out(count);
  double step = static_cast<double>(range) / static_cast<double>(count);
  for (int64_t i = 0; i < count; ++i) {
    int64_t lo = static_cast<int64_t>(std::floor(i * step)) + 1;
    int64_t hi = std::max(lo, static_cast<int64_t>(std::floor((i + 1) * step)));
    out[i] = rng.uniform_int(lo, hi);
  }
  return out;
}

void build_hierarchy(World& w, Rng& rng) {
  const int n_products = w.config.n_products;
  const double scale = n_products / 4997.0;
  const int n_g = std::clamp(static_cast<int>(std::lround(31 * scale)), kDepartments, 31);
  const int n_dep = std::clamp(static_cast<int>(std::lround(90 * scale)), n_g, 90);
  const int n_cl =
      std::clamp(static_cast<int>(std::lround(250 * scale)), n_dep, std::min(250, n_products / 2));
  std::vector<double> flat(kDepartments);
  for (int d = 0; d < kDepartments; ++d) flat[d] = std::pow(kDepartmentRows[d], 0.6);
  auto g_per_dept = allocate(n_g, flat, 1);
  auto dep_extra = allocate(n_dep - n_g, flat, 0);
  auto cl_extra = allocate(n_cl - n_dep, flat, 0);
  std::vector<double> product_weight(kDepartments);
  for (int d = 0; d < kDepartments; ++d) product_weight[d] = std::pow(kDepartmentRows[d], 0.75);

  std::vector<int> cl_per_dept(kDepartments), dep_per_dept(kDepartments);
  for (int d = 0; d < kDepartments; ++d) {
    dep_per_dept[d] = g_per_dept[d] + dep_extra[d];
    cl_per_dept[d] = dep_per_dept[d] + cl_extra[d];
  }
  std::vector<double> product_share(kDepartments);
  for (int d = 0; d < kDepartments; ++d) product_share[d] = product_weight[d];
  // At least two products per sub-commodity.
  int min_products = 0;
  for (int d = 0; d < kDepartments; ++d) min_products += 2 * cl_per_dept[d];
  std::vector<int> products_per_dept = allocate(n_products - min_products, product_share, 0);
  for (int d = 0; d < kDepartments; ++d) products_per_dept[d] += 2 * cl_per_dept[d];

  for (int d = 0; d < kDepartments; ++d) {
    w.dept_code.push_back(fmt::format("D{:05d}", d + 1));
    const int first_g = static_cast<int>(w.g_code.size());
    for (int k = 0; k < g_per_dept[d]; ++k) {
      w.g_code.push_back(fmt::format("G{:05d}", w.g_code.size() + 1));
      w.g_dept.push_back(d);
    }
    const int first_dep = static_cast<int>(w.dep_code.size());
    for (int k = 0; k < dep_per_dept[d]; ++k) {
      w.dep_code.push_back(fmt::format("DEP{:05d}", w.dep_code.size() + 1));
      w.dep_g.push_back(first_g + k * g_per_dept[d] / dep_per_dept[d]);
    }
    const int first_cl = static_cast<int>(w.cl_code.size());
    for (int k = 0; k < cl_per_dept[d]; ++k) {
      w.cl_code.push_back(fmt::format("CL{:05d}", w.cl_code.size() + 1));
      w.cl_dep.push_back(first_dep + k * dep_per_dept[d] / cl_per_dept[d]);
    }
    // Products per sub-commodity: two each plus a random share of the rest.
    std::vector<double> cl_weight(cl_per_dept[d]);
    for (auto& x : cl_weight) x = rng.gamma(1.5);
    auto sizes = allocate(products_per_dept[d] - 2 * cl_per_dept[d], cl_weight, 0);
    for (int k = 0; k < cl_per_dept[d]; ++k) {
      for (int i = 0; i < sizes[k] + 2; ++i) w.product_cl.push_back(first_cl + k);
    }
    // Category pull: the department's real row weight shared among its sub-commodities.
    for (int k = 0; k < cl_per_dept[d]; ++k) {
      w.cl_attractiveness.push_back(kDepartmentRows[d] / cl_per_dept[d] *
                                    rng.lognormal(-0.72, 1.2));
    }
  }
  for (int c = 0; c < n_cl; ++c) {
    w.cl_elasticity.push_back(
        std::clamp(w.config.elasticity_mean * rng.lognormal(-0.045, 0.3), 0.3, 4.0));
  }
  // Complements: each food/non-food category pulls one or two others, mostly of other
  // departments (e.g. pasta -> sauce), chosen by attractiveness.
  std::vector<double> cum = cumulative(w.cl_attractiveness);
  for (int a = 0; a < n_cl; ++a) {
    const int dept_a = w.g_dept[w.dep_g[w.cl_dep[a]]];
    if (kDepartmentGroup[dept_a] == kOther) continue;
    const int n_links = 1 + static_cast<int>(rng.below(3));
    for (int k = 0; k < n_links; ++k) {
      for (int attempt = 0; attempt < 20; ++attempt) {
        int b = static_cast<int>(rng.categorical_cumulative(cum));
        const int dept_b = w.g_dept[w.dep_g[w.cl_dep[b]]];
        if (b == a || kDepartmentGroup[dept_b] == kOther) continue;
        bool seen = false;
        for (size_t i = 0; i < w.complement_a.size(); ++i)
          seen |= w.complement_a[i] == a && w.complement_b[i] == b;
        if (seen) continue;
        w.complement_a.push_back(a);
        w.complement_b.push_back(b);
        break;
      }
    }
  }
}

void build_products(World& w, Rng& rng) {
  const int n = static_cast<int>(w.product_cl.size());
  const auto& c = w.config;
  // Codes: PRD0900001.. assigned in a shuffled order, so codes do not follow the hierarchy.
  std::vector<int> numbers(n);
  std::iota(numbers.begin(), numbers.end(), 1);
  for (int i = n - 1; i > 0; --i) std::swap(numbers[i], numbers[rng.below(i + 1)]);
  w.product_code.resize(n);
  for (int i = 0; i < n; ++i) w.product_code[i] = fmt::format("PRD09{:05d}", numbers[i]);

  w.product_brand.resize(n);
  w.product_tier.resize(n);
  w.product_ref_price_pence.resize(n);
  w.product_unit_cost_pence.resize(n);
  w.product_popularity.resize(n);
  w.product_extra_unit_prob.resize(n);
  w.product_promo_prone.resize(n);
  constexpr std::array<double, kTiers> kTierPrice = {0.72, 1.0, 1.45};
  constexpr std::array<double, kTiers> kTierShare = {0.25, 0.5, 0.25};
  int next_brand = 0;
  int i = 0;
  while (i < n) {
    const int cl = w.product_cl[i];
    int end = i;
    while (end < n && w.product_cl[end] == cl) ++end;
    const int size = end - i;
    const double cl_level = c.price_median_pence * rng.lognormal(0.0, c.price_sigma * 0.8);
    const int n_brands = std::min(size, 1 + static_cast<int>(rng.poisson(1.5)));
    std::vector<int> brand_tier(n_brands);
    for (auto& t : brand_tier) t = static_cast<int>(rng.categorical(kTierShare));
    for (int p = i; p < end; ++p) {
      // Every brand owns at least one product; the rest are spread at random.
      const int b = p - i < n_brands ? p - i : static_cast<int>(rng.below(n_brands));
      w.product_brand[p] = next_brand + b;
      w.product_tier[p] = static_cast<int8_t>(brand_tier[b]);
      double price = cl_level * kTierPrice[brand_tier[b]] * rng.lognormal(0.0, c.price_sigma * 0.6);
      int32_t pence = std::max<int32_t>(5, static_cast<int32_t>(std::lround(price)));
      w.product_ref_price_pence[p] = pence;
      w.product_unit_cost_pence[p] =
          std::max<int32_t>(1, static_cast<int32_t>(std::lround(pence * rng.uniform(0.55, 0.8))));
      w.product_popularity[p] = rng.lognormal(0.0, 1.1);
      w.product_extra_unit_prob[p] = rng.bernoulli(c.multibuy_share) ? 0.55f : 0.2f;
      w.product_promo_prone[p] = rng.bernoulli(c.promo_prone_share) ? 1 : 0;
    }
    next_brand += n_brands;
    i = end;
  }
}

void build_prices(World& w, Rng& rng) {
  const auto& c = w.config;
  const int n = w.n_products();
  const int weeks = c.n_weeks;
  w.zone_price_factor = {1.0, 1.03, 1.08, 0.98};
  for (int p = 0; p < n; ++p) {
    // National change points, rounded per zone.
    std::vector<std::pair<int, double>> changes = {{0, 1.0}};
    const double rate = c.price_changes_per_year * weeks / 52.0;
    const int n_changes = static_cast<int>(rng.poisson(rate));
    std::vector<int> change_weeks;
    for (int k = 0; k < n_changes && weeks > 1; ++k)
      change_weeks.push_back(static_cast<int>(rng.uniform_int(1, weeks - 1)));
    std::sort(change_weeks.begin(), change_weeks.end());
    change_weeks.erase(std::unique(change_weeks.begin(), change_weeks.end()), change_weeks.end());
    double level = 1.0;
    for (int wk : change_weeks) {
      level *= 1.0 + rng.uniform(-0.04, 0.10);
      changes.push_back({wk, level});
    }
    for (int z = 0; z < kFormats; ++z) {
      int32_t last = -1;
      for (auto [wk, lvl] : changes) {
        int32_t pence =
            std::max<int32_t>(5, static_cast<int32_t>(std::lround(w.product_ref_price_pence[p] *
                                                                  w.zone_price_factor[z] * lvl)));
        if (pence == last) continue;
        w.price_changes.push_back({p, z, wk, pence});
        last = pence;
      }
    }
    // Promotions: 1-4 weeks, national (70%) or in one zone, at least two weeks apart.
    if (!w.product_promo_prone[p]) continue;
    const double start_prob = c.promo_start_prob / std::max(0.01, c.promo_prone_share);
    constexpr std::array<int, 6> kDepths = {10, 15, 20, 25, 33, 50};
    constexpr std::array<double, 6> kDepthWeights = {0.15, 0.2, 0.25, 0.2, 0.15, 0.05};
    int wk = 0;
    std::vector<PromoEvent> events;
    while (wk < weeks) {
      if (!rng.bernoulli(start_prob)) {
        ++wk;
        continue;
      }
      const int length = static_cast<int>(rng.uniform_int(1, 4));
      const int depth = kDepths[rng.categorical(kDepthWeights)];
      const bool national = rng.bernoulli(0.7);
      const int one_zone = static_cast<int>(rng.below(kFormats));
      for (int z = 0; z < kFormats; ++z) {
        if (national || z == one_zone)
          events.push_back({p, z, wk, std::min(length, weeks - wk), depth});
      }
      wk += length + 2;
    }
    std::stable_sort(events.begin(), events.end(),
                     [](const PromoEvent& a, const PromoEvent& b) { return a.zone < b.zone; });
    w.promos.insert(w.promos.end(), events.begin(), events.end());
  }
}

void build_stores(World& w, Rng& rng) {
  const int n = w.config.n_stores;
  auto per_format = allocate(n, kFormatStores, n >= 40 ? 0 : 1);
  std::vector<uint8_t> formats;
  for (int f = 0; f < kFormats; ++f)
    for (int k = 0; k < per_format[f]; ++k) formats.push_back(static_cast<uint8_t>(f));
  for (int i = n - 1; i > 0; --i) std::swap(formats[i], formats[rng.below(i + 1)]);
  std::vector<uint8_t> regions(n);
  for (int i = 0; i < n; ++i) regions[i] = static_cast<uint8_t>(i % kRegions);
  for (int i = n - 1; i > 0; --i) std::swap(regions[i], regions[rng.below(i + 1)]);
  // Real codes reach STORE02908 for 761 stores: spread the numbers over ~3.8 x the count.
  auto numbers = spread_numbers(n, std::max<int64_t>(n, static_cast<int64_t>(n * 3.8)), rng);
  // Trips a store draws, by format (real rows per store of each format, PROFILE.md and sample).
  constexpr std::array<double, kFormats> kTraffic = {1.0, 0.45, 0.17, 1.5};
  // Share of the range stocked by format.
  constexpr std::array<double, kFormats> kCoverage = {0.9, 0.72, 0.5, 1.0};
  const int n_products = w.n_products();
  std::vector<int> order(n_products);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](int a, int b) { return w.product_popularity[a] < w.product_popularity[b]; });
  std::vector<double> pop_rank(n_products);
  for (int r = 0; r < n_products; ++r) pop_rank[order[r]] = (r + 0.5) / n_products;
  w.assortment.assign(static_cast<size_t>(n) * n_products, 0);
  for (int s = 0; s < n; ++s) {
    w.store_code.push_back(fmt::format("STORE{:05d}", numbers[s]));
    w.store_format.push_back(formats[s]);
    w.store_region.push_back(regions[s]);
    w.store_traffic.push_back(kTraffic[formats[s]] * rng.lognormal(0.0, 0.35));
    const double coverage = kCoverage[formats[s]];
    for (int p = 0; p < n_products; ++p) {
      const double keep = std::min(1.0, coverage * (0.5 + pop_rank[p]));
      w.assortment[static_cast<size_t>(s) * n_products + p] = rng.bernoulli(keep) ? 1 : 0;
    }
  }
}

// One customer's traits; all draws from the customer's own stream, so customers build in parallel.
struct CustomerDraft {
  int64_t number = 0;
  int8_t seg1 = 0, seg2 = -1;
  int32_t home = 0;
  std::vector<int32_t> alts;
  float switch_prob = 0, trip_rate = 0, lines_mean = 0, repeat_share = 0;
  int16_t first_week = 0, last_week = 0;
  int8_t fav_hour = 12, fav_weekday = 0;
  std::vector<int32_t> favs, cats;
  std::vector<float> fav_cum, cat_cum;
};

CustomerDraft draft_customer(const World& w, int id, const std::vector<double>& store_cum,
                             const std::vector<std::vector<int32_t>>& region_stores,
                             const std::array<std::vector<double>, kSeg2 + 1>& cl_cum_by_seg2) {
  const auto& c = w.config;
  Rng rng = Rng::stream(c.seed, {kCustomerStream, static_cast<uint64_t>(id)});
  CustomerDraft d;
  d.seg1 = static_cast<int8_t>(rng.categorical(kSeg1Rows));
  d.seg2 = rng.bernoulli(kSeg2UnknownShare) ? int8_t{-1}
                                            : static_cast<int8_t>(rng.categorical(kSeg2Rows));
  d.home = static_cast<int32_t>(rng.categorical_cumulative(store_cum));
  // Other stores: none for a third of customers, else a geometric number of them, mostly in the
  // home region.
  if (!rng.bernoulli(0.25)) {
    const int n_alt = std::min<int>(12, 1 + static_cast<int>(rng.geometric(0.22)));
    const auto& local = region_stores[w.store_region[d.home]];
    for (int k = 0; k < n_alt * 4 && static_cast<int>(d.alts.size()) < n_alt; ++k) {
      int32_t s = rng.bernoulli(0.75) && local.size() > 1
                      ? local[rng.below(local.size())]
                      : static_cast<int32_t>(rng.categorical_cumulative(store_cum));
      if (s == d.home || std::find(d.alts.begin(), d.alts.end(), s) != d.alts.end()) continue;
      d.alts.push_back(s);
    }
  }
  d.switch_prob =
      d.alts.empty() ? 0.0f : static_cast<float>(rng.beta(1.2, 1.2 / c.switch_prob_mean - 1.2));
  d.trip_rate = static_cast<float>(c.trip_rate_median * rng.lognormal(0.0, c.trip_rate_sigma));
  d.trip_rate = std::min(d.trip_rate, 9.0f);
  d.first_week = 0;
  d.last_week = static_cast<int16_t>(c.n_weeks - 1);
  if (rng.bernoulli(c.partial_activity_share)) {
    const int span = std::max(1, static_cast<int>(c.n_weeks * std::pow(rng.uniform(), 1.3)));
    const int start = static_cast<int>(rng.uniform_int(0, c.n_weeks - span));
    d.first_week = static_cast<int16_t>(start);
    d.last_week = static_cast<int16_t>(start + span - 1);
  }
  d.lines_mean = static_cast<float>(
      std::max(1.0, c.lines_per_trip_median * rng.lognormal(0.0, c.lines_per_trip_sigma)));
  d.repeat_share =
      static_cast<float>(rng.beta(4.0 * c.repeat_share_mean, 4.0 * (1.0 - c.repeat_share_mean)));
  d.fav_hour = static_cast<int8_t>(8 + rng.categorical(kHourRows));
  d.fav_weekday = static_cast<int8_t>(rng.below(7));

  // Preferred sub-commodities, chosen by (lifestage-tilted) attractiveness without replacement.
  const auto& cl_cum = cl_cum_by_seg2[d.seg2 + 1];
  const int n_cats = std::min<int>(w.n_cl(), 4 + static_cast<int>(rng.poisson(6)));
  double total = 0;
  for (int k = 0; k < n_cats * 4 && static_cast<int>(d.cats.size()) < n_cats; ++k) {
    int32_t cl = static_cast<int32_t>(rng.categorical_cumulative(cl_cum));
    if (std::find(d.cats.begin(), d.cats.end(), cl) != d.cats.end()) continue;
    d.cats.push_back(cl);
    total += rng.gamma(0.8) + 1e-6;
    d.cat_cum.push_back(static_cast<float>(total));
  }
  // Favourite products: mostly in the preferred categories, by popularity and tier taste.
  const std::vector<double> cat_cum(d.cat_cum.begin(), d.cat_cum.end());
  const int n_favs = 5 + static_cast<int>(rng.poisson(c.favourites_mean * rng.lognormal(0, 0.4)));
  total = 0;
  for (int k = 0; k < n_favs * 3 && static_cast<int>(d.favs.size()) < n_favs; ++k) {
    int32_t cl = rng.bernoulli(0.6) && !d.cats.empty()
                     ? d.cats[rng.categorical_cumulative(cat_cum)]
                     : static_cast<int32_t>(rng.categorical_cumulative(cl_cum));
    const int g = kDepartmentGroup[w.g_dept[w.dep_g[w.cl_dep[cl]]]];
    if (g == kOther) continue;
    double sum = 0;
    std::vector<double> weights;
    for (int i = w.cl_offsets[cl]; i < w.cl_offsets[cl + 1]; ++i) {
      int p = w.cl_products[i];
      sum += w.product_popularity[p] * w.seg1_tier_pref[d.seg1][w.product_tier[p]];
      weights.push_back(sum);
    }
    int32_t p = w.cl_products[w.cl_offsets[cl] + rng.categorical_cumulative(weights)];
    if (std::find(d.favs.begin(), d.favs.end(), p) != d.favs.end()) continue;
    d.favs.push_back(p);
    total += rng.gamma(kFavouriteWeightShape) + 1e-6;
    d.fav_cum.push_back(static_cast<float>(total));
  }
  return d;
}

void build_customers(World& w) {
  const auto& c = w.config;
  w.n_known = c.n_customers;
  const int n_anon = static_cast<int>(
      std::lround(c.n_customers * c.anonymous_basket_share / (1.0 - c.anonymous_basket_share)));
  const int n = c.n_customers + n_anon;
  std::vector<double> store_cum = cumulative(w.store_traffic);
  std::vector<std::vector<int32_t>> region_stores(kRegions);
  for (int s = 0; s < w.n_stores(); ++s) region_stores[w.store_region[s]].push_back(s);
  // Lifestage tilts department tastes (fixed per world).
  Rng tilt = Rng::stream(c.seed, {kCustomerStream, ~0ULL});
  std::array<std::vector<double>, kSeg2 + 1> cl_cum_by_seg2;
  for (int s = 0; s <= kSeg2; ++s) {
    std::array<double, kDepartments> dept_mult;
    for (auto& m : dept_mult) m = s == 0 ? 1.0 : tilt.lognormal(0.0, 0.25);
    std::vector<double> weights(w.n_cl());
    for (int cl = 0; cl < w.n_cl(); ++cl) {
      const int dept = w.g_dept[w.dep_g[w.cl_dep[cl]]];
      weights[cl] =
          kDepartmentGroup[dept] == kOther ? 0.0 : w.cl_attractiveness[cl] * dept_mult[dept];
    }
    cl_cum_by_seg2[s] = cumulative(weights);
  }
  std::vector<CustomerDraft> drafts(n);
  tbb::parallel_for(0, n, [&](int i) {
    drafts[i] = draft_customer(w, i, store_cum, region_stores, cl_cum_by_seg2);
  });
  // Card numbers: 10 digits, spread like the real CUST0000410727.
  Rng code_rng = Rng::stream(c.seed, {kCustomerCodeStream});
  auto numbers = spread_numbers(
      c.n_customers, std::max<int64_t>(999'999, static_cast<int64_t>(c.n_customers) * 4), code_rng);
  for (int i = c.n_customers - 1; i > 0; --i) std::swap(numbers[i], numbers[code_rng.below(i + 1)]);

  w.customer_alt_offsets.push_back(0);
  w.customer_fav_offsets.push_back(0);
  w.customer_cat_offsets.push_back(0);
  for (int i = 0; i < n; ++i) {
    auto& d = drafts[i];
    w.customer_number.push_back(i < c.n_customers ? numbers[i] : 0);
    w.customer_seg1.push_back(d.seg1);
    w.customer_seg2.push_back(d.seg2);
    w.customer_home_store.push_back(d.home);
    w.customer_alt_stores.insert(w.customer_alt_stores.end(), d.alts.begin(), d.alts.end());
    w.customer_alt_offsets.push_back(static_cast<int64_t>(w.customer_alt_stores.size()));
    w.customer_switch_prob.push_back(d.switch_prob);
    w.customer_trip_rate.push_back(d.trip_rate);
    w.customer_first_week.push_back(d.first_week);
    w.customer_last_week.push_back(d.last_week);
    w.customer_lines_mean.push_back(d.lines_mean);
    w.customer_repeat_share.push_back(d.repeat_share);
    w.customer_fav_hour.push_back(d.fav_hour);
    w.customer_fav_weekday.push_back(d.fav_weekday);
    w.customer_fav_product.insert(w.customer_fav_product.end(), d.favs.begin(), d.favs.end());
    w.customer_fav_cum.insert(w.customer_fav_cum.end(), d.fav_cum.begin(), d.fav_cum.end());
    w.customer_fav_offsets.push_back(static_cast<int64_t>(w.customer_fav_product.size()));
    w.customer_cat_cl.insert(w.customer_cat_cl.end(), d.cats.begin(), d.cats.end());
    w.customer_cat_cum.insert(w.customer_cat_cum.end(), d.cat_cum.begin(), d.cat_cum.end());
    w.customer_cat_offsets.push_back(static_cast<int64_t>(w.customer_cat_cl.size()));
  }
}

void set_segment_behaviour(World& w) {
  // AZ (less affluent) reacts most to price and leans to value brands; BG (upmarket) least.
  w.seg1_elasticity_mult = {1.6, 0.55, 1.0, 1.0};
  w.seg1_tier_pref = {{{1.8, 1.0, 0.5}, {0.5, 1.0, 1.8}, {1.0, 1.0, 1.0}, {1.0, 1.0, 1.0}}};
  w.hour_weights.fill(0.0);
  double sum = std::accumulate(kHourRows.begin(), kHourRows.end(), 0.0);
  for (int h = 0; h < 14; ++h) w.hour_weights[8 + h] = kHourRows[h] / sum;
}

}  // namespace

std::string customer_code_text(int64_t number) {
  return fmt::format("CUST{:010d}", number);
}

World build_world(const SynthConfig& config) {
  World w;
  w.config = config;
  w.calendar = Calendar::lgsr(config.n_weeks);
  Rng hierarchy_rng = Rng::stream(config.seed, {kHierarchyStream});
  build_hierarchy(w, hierarchy_rng);
  Rng product_rng = Rng::stream(config.seed, {kProductStream});
  build_products(w, product_rng);
  Rng price_rng = Rng::stream(config.seed, {kPriceStream});
  build_prices(w, price_rng);
  Rng store_rng = Rng::stream(config.seed, {kStoreStream});
  build_stores(w, store_rng);
  set_segment_behaviour(w);
  finish_world(w);  // customers need the sub-commodity lookups
  build_customers(w);
  return w;
}

void finish_world(World& w) {
  const int n_cl = w.n_cl();
  const int n = w.n_products();
  w.cl_offsets.assign(n_cl + 1, 0);
  for (int p = 0; p < n; ++p) ++w.cl_offsets[w.product_cl[p] + 1];
  for (int c = 0; c < n_cl; ++c) w.cl_offsets[c + 1] += w.cl_offsets[c];
  w.cl_products.assign(n, 0);
  std::vector<int32_t> fill(w.cl_offsets.begin(), w.cl_offsets.end() - 1);
  for (int p = 0; p < n; ++p) w.cl_products[fill[w.product_cl[p]]++] = p;
  w.cl_group.resize(n_cl);
  for (int c = 0; c < n_cl; ++c) w.cl_group[c] = kDepartmentGroup[w.g_dept[w.dep_g[w.cl_dep[c]]]];
  w.cl_complement_offsets.assign(n_cl + 1, 0);
  for (int a : w.complement_a) ++w.cl_complement_offsets[a + 1];
  for (int c = 0; c < n_cl; ++c) w.cl_complement_offsets[c + 1] += w.cl_complement_offsets[c];
  w.cl_complements.assign(w.complement_a.size(), 0);
  fill.assign(w.cl_complement_offsets.begin(), w.cl_complement_offsets.end() - 1);
  for (size_t i = 0; i < w.complement_a.size(); ++i)
    w.cl_complements[fill[w.complement_a[i]]++] = w.complement_b[i];
  std::vector<double> weights(n_cl);
  for (int c = 0; c < n_cl; ++c) weights[c] = w.cl_group[c] == kOther ? 0 : w.cl_attractiveness[c];
  w.cl_attractiveness_cum = cumulative(weights);
  w.service_products.clear();
  for (int p = 0; p < n; ++p)
    if (w.cl_group[w.product_cl[p]] == kOther) w.service_products.push_back(p);
  w.cl_median_ref_price.assign(n_cl, 0);
  for (int c = 0; c < n_cl; ++c) {
    std::vector<int32_t> prices;
    for (int i = w.cl_offsets[c]; i < w.cl_offsets[c + 1]; ++i)
      prices.push_back(w.product_ref_price_pence[w.cl_products[i]]);
    std::sort(prices.begin(), prices.end());
    w.cl_median_ref_price[c] = prices.empty() ? 1.0 : prices[prices.size() / 2];
  }
  // Dense prices from the change and promotion tables.
  const int weeks = w.config.n_weeks;
  w.base_price_pence.assign(static_cast<size_t>(weeks) * kFormats * n, 0);
  w.promo_depth_pct.assign(static_cast<size_t>(weeks) * kFormats * n, 0);
  for (size_t i = 0; i < w.price_changes.size(); ++i) {
    const auto& ch = w.price_changes[i];
    int until = weeks;
    if (i + 1 < w.price_changes.size() && w.price_changes[i + 1].product == ch.product &&
        w.price_changes[i + 1].zone == ch.zone)
      until = w.price_changes[i + 1].week;
    for (int wk = ch.week; wk < until; ++wk)
      w.base_price_pence[w.price_index(wk, ch.zone, ch.product)] = ch.price_pence;
  }
  for (const auto& e : w.promos) {
    for (int wk = e.start_week; wk < std::min(weeks, e.start_week + e.n_weeks); ++wk)
      w.promo_depth_pct[w.price_index(wk, e.zone, e.product)] = static_cast<uint8_t>(e.depth_pct);
  }
}

}  // namespace retailsim::synth
