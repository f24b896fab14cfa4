// TruthWeekUnits: TruthModel::expected_units summed over many shoppers of one week, the closed
// form factored so that only a shopper's own terms are computed per shopper.
//
// For a stocked product p of sub-commodity cl, TruthModel::line_rates' chance that one planned
// line adds p is min(1, x_p) with
//   x_p     = accept_p * explore_p * K[cl] + repeat * accept_p * fav_p
//   K[cl]   = D[cl] + pull[cl] * (1 + U[cl])                  (direct and complement additions)
//   D[cl]   = (1 - repeat) * cl_share[cl] * (1 + U[cl]) + repeat * FU[cl]
//   pull[b] = sum over a -> b of added[a] * complement_prob / (complements of a)
//   added[a] = D[a] * AE[a] + repeat * FA[a]
// where accept and explore depend on the zone and segment only, U (explore mass of unstocked
// products) and AE (sum of accept * explore over stocked products) on the store too, and
// cl_share, fav (the favourites' shares), FU (favourites not stocked) and FA (accept * share of
// favourites stocked) on the shopper, who is sparse in favourites and preferred sub-commodities.
#include <algorithm>
#include <array>
#include <memory>
#include <optional>

#include <tbb/parallel_for.h>

#include "core/error.h"
#include "synth/truth_terms.h"
#include "synth/world.h"

namespace retailsim::synth {

struct TruthWeekUnits::Week {
  std::vector<int32_t> store_zone;   // per store
  std::vector<int32_t> zone_format;  // per zone
  std::vector<PriceTerms> terms;     // [zone * kSeg1 + seg]
  std::vector<double> quantity;      // [zone * n_products + product]: expected units of a line
  std::vector<std::vector<int>> complement_sources;
};

namespace {

// The terms of one store's assortment for one segment.
struct StoreTerms {
  std::vector<double> accept_explore;     // per product: accept * explore, 0 when not stocked
  std::vector<double> unstocked_explore;  // per sub-commodity: U
  std::vector<double> stocked_accept;     // per sub-commodity: AE
};

StoreTerms store_terms(const World& w, int store, const PriceTerms& terms) {
  const int n = w.n_products();
  StoreTerms out;
  out.accept_explore.assign(n, 0.0);
  out.unstocked_explore.assign(w.n_cl(), 0.0);
  out.stocked_accept.assign(w.n_cl(), 0.0);
  for (int p = 0; p < n; ++p) {
    const int cl = w.product_cl[p];
    if (!w.stocked(store, p)) {
      out.unstocked_explore[cl] += terms.explore[p];
      continue;
    }
    out.accept_explore[p] = terms.accept[p] * terms.explore[p];
    out.stocked_accept[cl] += out.accept_explore[p];
  }
  return out;
}

// Per-shopper working arrays, reused from one shopper to the next.
struct ShopperScratch {
  std::vector<double> fav_rate;  // per product: repeat * accept * fav of stocked favourites
  std::vector<double> unstocked_fav, stocked_fav, direct, line;  // per sub-commodity: FU, FA, D, K
};

// Per sub-commodity, K of the shopper at the store (scratch.line), and scratch.fav_rate filled
// at the shopper's stocked favourites (the caller clears them after use).
void shopper_terms(const World& w, const std::vector<std::vector<int>>& complement_sources,
                   const PriceTerms& terms, const StoreTerms& store_terms, int store, int customer,
                   ShopperScratch& scratch) {
  const int n_cl = w.n_cl();
  const int64_t f0 = w.customer_fav_offsets[customer], f1 = w.customer_fav_offsets[customer + 1];
  const double repeat = f1 > f0 ? w.customer_repeat_share[customer] : 0.0;
  scratch.unstocked_fav.assign(n_cl, 0.0);
  scratch.stocked_fav.assign(n_cl, 0.0);
  for (int64_t i = f0; i < f1; ++i) {
    const int p = w.customer_fav_product[i];
    const double share = cumulative_share(w.customer_fav_cum, f0, f1, i);
    if (!w.stocked(store, p)) {
      scratch.unstocked_fav[w.product_cl[p]] += share;
      continue;
    }
    scratch.stocked_fav[w.product_cl[p]] += terms.accept[p] * share;
    scratch.fav_rate[p] += repeat * terms.accept[p] * share;
  }
  const std::vector<double> cl_share = cl_shares(w, customer);
  const std::vector<double>& unstocked = store_terms.unstocked_explore;
  scratch.direct.resize(n_cl);
  for (int cl = 0; cl < n_cl; ++cl) {
    scratch.direct[cl] =
        (1.0 - repeat) * cl_share[cl] * (1.0 + unstocked[cl]) + repeat * scratch.unstocked_fav[cl];
  }
  scratch.line.resize(n_cl);
  for (int b = 0; b < n_cl; ++b) {
    double pull = 0;
    for (int a : complement_sources[b]) {
      const double added =
          scratch.direct[a] * store_terms.stocked_accept[a] + repeat * scratch.stocked_fav[a];
      const int n_comp = w.cl_complement_offsets[a + 1] - w.cl_complement_offsets[a];
      pull += added * w.config.complement_prob / n_comp;
    }
    scratch.line[b] = scratch.direct[b] + pull * (1.0 + unstocked[b]);
  }
}

}  // namespace

TruthWeekUnits::TruthWeekUnits(const World& world, const WeekPrices& prices) : world_(&world) {
  const World& w = world;
  const int n = w.n_products();
  if (prices.n_products != n)
    fail("truth week units: prices for {} products, the world has {}", prices.n_products, n);
  auto week = std::make_unique<Week>();
  const int n_zones = prices.n_zones();
  week->store_zone.resize(w.n_stores());
  for (int s = 0; s < w.n_stores(); ++s) week->store_zone[s] = prices.zone_of_store(w, s);
  for (int z = 0; z < n_zones; ++z) week->zone_format.push_back(prices.format_of_zone(z));
  week->terms.resize(static_cast<size_t>(n_zones) * kSeg1);
  tbb::parallel_for(0, n_zones * kSeg1, [&](int i) {
    const int zone = i / kSeg1;
    const size_t from = static_cast<size_t>(zone) * n;
    week->terms[i] = price_terms(w, i % kSeg1, week->zone_format[zone],
                                 std::span(prices.actual_pence).subspan(from, n),
                                 std::span(prices.promo_depth_pct).subspan(from, n));
  });
  week->quantity.resize(static_cast<size_t>(n_zones) * n);
  for (int z = 0; z < n_zones; ++z) {
    for (int p = 0; p < n; ++p) {
      week->quantity[static_cast<size_t>(z) * n + p] = line_quantity(w, p, prices.depth(z, p));
    }
  }
  week->complement_sources = complement_sources(w);
  week_ = std::move(week);
}

TruthWeekUnits::TruthWeekUnits(TruthWeekUnits&&) noexcept = default;
TruthWeekUnits& TruthWeekUnits::operator=(TruthWeekUnits&&) noexcept = default;
TruthWeekUnits::~TruthWeekUnits() = default;

void TruthWeekUnits::add_store_units(int store, std::span<const int32_t> customers,
                                     std::span<const double> trips, std::span<double> units) const {
  const World& w = *world_;
  const Week& week = *week_;
  const int n = w.n_products();
  if (store < 0 || store >= w.n_stores() || customers.size() != trips.size() ||
      units.size() != static_cast<size_t>(n))
    fail("truth week units: store {} outside the world or spans of unequal sizes", store);
  const int zone = week.store_zone[store];
  const int format = w.store_format[store];
  // TruthModel takes the reference prices from the store's format, these terms from the zone's.
  if (week.zone_format[zone] != format)
    fail("truth week units: store {} of format {} is priced in zone {} of format {}", store, format,
         zone, week.zone_format[zone]);
  const double* quantity = week.quantity.data() + static_cast<size_t>(zone) * n;
  const double service = service_share(w);
  std::array<std::optional<StoreTerms>, kSeg1> by_segment;  // built for the segments present
  ShopperScratch scratch;
  scratch.fav_rate.assign(n, 0.0);
  double all_trips = 0;
  for (size_t i = 0; i < customers.size(); ++i) {
    const int customer = customers[i];
    if (trips[i] <= 0) continue;
    all_trips += trips[i];
    const int seg = w.customer_seg1[customer];
    const PriceTerms& terms = week.terms[static_cast<size_t>(zone) * kSeg1 + seg];
    if (!by_segment[seg]) by_segment[seg] = store_terms(w, store, terms);
    const StoreTerms& store_seg = *by_segment[seg];
    shopper_terms(w, week.complement_sources, terms, store_seg, store, customer, scratch);
    const double weight =
        trips[i] * (1.0 - service) * (1.0 + extra_lines_mean(w, customer, format));
    for (int p = 0; p < n; ++p) {
      const double x =
          store_seg.accept_explore[p] * scratch.line[w.product_cl[p]] + scratch.fav_rate[p];
      if (x > 0) units[p] += weight * std::min(1.0, x) * quantity[p];
    }
    for (int64_t f = w.customer_fav_offsets[customer]; f < w.customer_fav_offsets[customer + 1];
         ++f)
      scratch.fav_rate[w.customer_fav_product[f]] = 0.0;
  }
  for (int p : w.service_products)
    units[p] += all_trips * service / static_cast<double>(w.service_products.size());
}

}  // namespace retailsim::synth
