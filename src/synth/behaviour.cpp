// The true behaviour model: weekly prices, demand tables (price and promotion response), the
// sampler of one customer's week of trips, and the basket labels that follow from contents.
#include <algorithm>
#include <cmath>

#include "synth/world.h"

namespace retailsim::synth {

namespace {

// Index i with cum[i-1] <= u * total < cum[i] over a cumulative table.
size_t pick_cumulative(const float* cum, size_t n, double u) {
  const float target = static_cast<float>(u * cum[n - 1]);
  size_t i = std::upper_bound(cum, cum + n, target) - cum;
  return std::min(i, n - 1);
}

// The group a focused trip keeps to, and how often.
constexpr std::array<double, 3> kFocusGroupWeights = {0.62, 0.26, 0.12};

struct TripBuilder {
  const World& w;
  const WeekPrices& prices;
  const DemandTables& demand;
  Rng& rng;
  int customer, zone, seg, store;
  std::vector<TripLine>& lines;
  size_t first_line;

  int explore_in(int cl) const {
    const size_t base = (static_cast<size_t>(zone) * kSeg1 + seg) * w.n_products();
    const int lo = w.cl_offsets[cl], hi = w.cl_offsets[cl + 1];
    const float* cum = demand.choice_cum.data() + base + lo;
    // choice_cum is cumulative within the sub-commodity, starting afresh at lo.
    return w.cl_products[lo + pick_cumulative(cum, hi - lo, rng.uniform())];
  }

  int candidate() {
    const int64_t f0 = w.customer_fav_offsets[customer], f1 = w.customer_fav_offsets[customer + 1];
    if (f1 > f0 && rng.bernoulli(w.customer_repeat_share[customer])) {
      return w.customer_fav_product[f0 + pick_cumulative(w.customer_fav_cum.data() + f0, f1 - f0,
                                                         rng.uniform())];
    }
    const int64_t c0 = w.customer_cat_offsets[customer], c1 = w.customer_cat_offsets[customer + 1];
    int cl;
    if (c1 > c0 && rng.bernoulli(0.5)) {
      cl = w.customer_cat_cl[c0 + pick_cumulative(w.customer_cat_cum.data() + c0, c1 - c0,
                                                  rng.uniform())];
    } else {
      cl = static_cast<int>(rng.categorical_cumulative(w.cl_attractiveness_cum));
    }
    return explore_in(cl);
  }

  // Adds the product if stocked (else a stocked substitute of its category) and accepted at this
  // week's price; returns whether a line was added or grown.
  bool try_add(int product) {
    if (!w.stocked(store, product)) {
      int substitute = explore_in(w.product_cl[product]);
      if (!w.stocked(store, substitute)) return false;
      product = substitute;
    }
    if (!rng.bernoulli(demand.accept_prob(zone, seg, product))) return false;
    const int32_t price = prices.actual(zone, product);
    const int depth = prices.depth(zone, product);
    int quantity = 1;
    const double extra = std::min(0.8, w.product_extra_unit_prob[product] + 0.15 * depth / 25.0);
    while (quantity < 40 && rng.bernoulli(extra)) ++quantity;
    for (size_t i = first_line; i < lines.size(); ++i) {
      if (lines[i].product == product) {
        lines[i].quantity += quantity;
        lines[i].spend_pence = lines[i].quantity * lines[i].unit_price_pence;
        return true;
      }
    }
    lines.push_back({product, quantity, price, quantity * price});
    return true;
  }
};

}  // namespace

int WeekPrices::zone_of_store(const World& w, int store) const {
  return store_zone.empty() ? w.store_format[store] : store_zone[store];
}

WeekPrices true_week_prices(const World& w, int week) {
  WeekPrices out;
  out.week = week;
  out.n_products = w.n_products();
  const size_t cells = static_cast<size_t>(kFormats) * out.n_products;
  out.base_pence.resize(cells);
  out.actual_pence.resize(cells);
  out.promo_depth_pct.resize(cells);
  for (int z = 0; z < kFormats; ++z) {
    for (int p = 0; p < out.n_products; ++p) {
      const size_t i = static_cast<size_t>(z) * out.n_products + p;
      out.base_pence[i] = w.base_price(week, z, p);
      out.promo_depth_pct[i] = static_cast<uint8_t>(w.promo_depth(week, z, p));
      out.actual_pence[i] = promo_price(out.base_pence[i], out.promo_depth_pct[i]);
    }
  }
  return out;
}

double price_response(const World& w, int seg1, int zone, int product, int32_t actual_pence,
                      int32_t depth_pct) {
  const double ref = w.base_price(0, zone, product);
  const double elasticity = w.cl_elasticity[w.product_cl[product]] * w.seg1_elasticity_mult[seg1];
  const double promoted = depth_pct > 0 ? 1.0 : 0.0;
  return std::pow(actual_pence / ref, -elasticity) *
         std::exp(w.config.promo_display_lift * promoted);
}

double line_accept_probability(const World& w, int seg1, int zone, int product,
                               int32_t actual_pence, int32_t depth_pct) {
  const double base = w.config.base_accept_prob;
  const double odds =
      base / (1.0 - base) * price_response(w, seg1, zone, product, actual_pence, depth_pct);
  return odds / (1.0 + odds);
}

DemandTables build_demand_tables(const World& w, const WeekPrices& prices) {
  DemandTables t;
  const int n = w.n_products();
  t.n_products = n;
  const int n_zones = prices.n_zones();
  t.accept.resize(static_cast<size_t>(n_zones) * kSeg1 * n);
  t.choice_cum.resize(t.accept.size());
  for (int z = 0; z < n_zones; ++z) {
    const int format = prices.format_of_zone(z);
    for (int s = 0; s < kSeg1; ++s) {
      const size_t base = (static_cast<size_t>(z) * kSeg1 + s) * n;
      for (int p = 0; p < n; ++p) {
        t.accept[base + p] = static_cast<float>(
            line_accept_probability(w, s, format, p, prices.actual(z, p), prices.depth(z, p)));
      }
      for (int cl = 0; cl < w.n_cl(); ++cl) {
        double sum = 0;
        for (int i = w.cl_offsets[cl]; i < w.cl_offsets[cl + 1]; ++i) {
          const int p = w.cl_products[i];
          sum += w.product_popularity[p] * w.seg1_tier_pref[s][w.product_tier[p]] *
                 price_response(w, s, format, p, prices.actual(z, p), prices.depth(z, p));
          t.choice_cum[base + i] = static_cast<float>(sum);
        }
      }
    }
  }
  return t;
}

void sample_trip_lines(const World& w, int customer, int store, const WeekPrices& prices,
                       const DemandTables& demand, Rng& rng, std::vector<TripLine>& lines) {
  const auto& c = w.config;
  const int zone = prices.zone_of_store(w, store);
  TripBuilder b{w,     prices, demand,      rng, customer, zone, w.customer_seg1[customer],
                store, lines,  lines.size()};
  if (!w.service_products.empty() && rng.bernoulli(c.service_trip_share)) {
    const int p = w.service_products[rng.below(w.service_products.size())];
    const int32_t price = prices.actual(zone, p);
    lines.push_back({p, 1, price, price});
    return;
  }
  const double mean = w.customer_lines_mean[customer] * kFormatTripSize[w.store_format[store]];
  const double shape = c.trip_size_shape;
  const int planned =
      1 + static_cast<int>(rng.poisson(std::max(0.0, mean - 1.0) * rng.gamma(shape) / shape));
  const double focus_prob = planned <= 2 ? 0.25 : 0.0;
  const int focus =
      rng.bernoulli(focus_prob) ? static_cast<int>(rng.categorical(kFocusGroupWeights)) : -1;
  for (int k = 0; k < planned; ++k) {
    int p = b.candidate();
    for (int retry = 0; retry < 4 && focus >= 0 && w.cl_group[w.product_cl[p]] != focus; ++retry)
      p = b.candidate();
    if (!b.try_add(p)) continue;
    const int cl = w.product_cl[p];
    const int k0 = w.cl_complement_offsets[cl], k1 = w.cl_complement_offsets[cl + 1];
    if (k1 > k0 && rng.bernoulli(c.complement_prob))
      b.try_add(b.explore_in(w.cl_complements[k0 + rng.below(k1 - k0)]));
  }
}

void sample_customer_week(const World& w, int customer, int week, const WeekPrices& prices,
                          const DemandTables& demand, Rng& rng, WeekSample& out) {
  const auto& c = w.config;
  if (week < w.customer_first_week[customer] || week > w.customer_last_week[customer]) return;
  const int n_trips =
      std::min<int>(14, static_cast<int>(rng.poisson(w.customer_trip_rate[customer])));
  if (n_trips == 0) return;
  std::array<std::pair<int8_t, int8_t>, 14> when;
  for (int t = 0; t < n_trips; ++t) {
    int8_t day = rng.bernoulli(c.weekday_habit) ? w.customer_fav_weekday[customer]
                                                : static_cast<int8_t>(rng.below(7));
    int8_t hour = rng.bernoulli(c.hour_habit)
                      ? w.customer_fav_hour[customer]
                      : static_cast<int8_t>(rng.categorical(w.hour_weights));
    when[t] = {day, hour};
  }
  std::sort(when.begin(), when.begin() + n_trips);
  const int64_t a0 = w.customer_alt_offsets[customer], a1 = w.customer_alt_offsets[customer + 1];
  for (int t = 0; t < n_trips; ++t) {
    Trip trip;
    trip.customer = customer;
    trip.day = when[t].first;
    trip.hour = when[t].second;
    trip.store = w.customer_home_store[customer];
    if (a1 > a0 && rng.bernoulli(w.customer_switch_prob[customer]))
      trip.store = w.customer_alt_stores[a0 + rng.below(a1 - a0)];
    trip.line_begin = static_cast<uint32_t>(out.lines.size());
    sample_trip_lines(w, customer, trip.store, prices, demand, rng, out.lines);
    trip.line_end = static_cast<uint32_t>(out.lines.size());
    if (trip.line_end == trip.line_begin) continue;  // planned a trip, bought nothing
    label_basket(w,
                 std::span<const TripLine>(out.lines.data() + trip.line_begin,
                                           trip.line_end - trip.line_begin),
                 trip);
    out.trips.push_back(trip);
  }
}

void label_basket(const World& w, std::span<const TripLine> lines, Trip& trip) {
  const int n = static_cast<int>(lines.size());
  int64_t spend = 0;
  std::array<int64_t, 4> group_spend{};
  double price_index = 0;
  for (const auto& line : lines) {
    spend += line.spend_pence;
    const int cl = w.product_cl[line.product];
    group_spend[w.cl_group[cl]] += line.spend_pence;
    price_index += std::log(line.unit_price_pence / w.cl_median_ref_price[cl]);
  }
  price_index /= std::max(1, n);
  trip.spend_pence = spend;
  trip.size = n <= 2 ? kSizeS : n <= 9 ? kSizeM : kSizeL;
  if (group_spend[kOther] == spend) {
    trip.type = kTypeXX;
    trip.mission = kMissionXX;
    trip.price_sensitivity = kPsXX;
    return;
  }
  trip.type = (n >= 15 || (n >= 10 && spend >= 5000)) ? kFullShop
              : (n >= 6 || spend >= 1500)             ? kTopUp
                                                      : kSmallShop;
  const int64_t food_spend = std::max<int64_t>(1, spend - group_spend[kOther]);
  if (group_spend[kFresh] * 10 >= food_spend * 6)
    trip.mission = kMissionFresh;
  else if (group_spend[kGrocery] * 10 >= food_spend * 6)
    trip.mission = kMissionGrocery;
  else if (group_spend[kNonfood] * 10 >= food_spend * 6)
    trip.mission = kMissionNonfood;
  else
    trip.mission = kMissionMixed;
  trip.price_sensitivity = price_index < -0.18 ? kPsLA : price_index > 0.22 ? kPsUM : kPsMM;
}

}  // namespace retailsim::synth
