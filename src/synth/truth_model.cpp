// TruthModel: the generator's behaviour model turned into per-product purchase probabilities of
// one trip, computed in closed form from the rules sample_customer_week follows.
#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "core/error.h"
#include "synth/truth_terms.h"
#include "synth/world.h"

namespace retailsim::synth {

struct TruthModel::Index {
  std::unordered_map<std::string, int> customer, product, store;
  // Per sub-commodity: the sub-commodities that name it as a complement (a -> b gives b <- a).
  std::vector<std::vector<int>> complement_sources;
};

namespace {

int find_code(const std::unordered_map<std::string, int>& map, std::string_view code) {
  auto it = map.find(std::string(code));
  return it == map.end() ? -1 : it->second;
}

}  // namespace

TruthModel TruthModel::load(const fs::path& truth_dir) {
  if (!fs::exists(truth_dir / "world.json"))
    fail("{}: no truth world (world.json); the oracle needs data made by retailsim generate",
         truth_dir.string());
  return TruthModel(load_world(truth_dir));
}

TruthModel::TruthModel(World world)
    : world_(std::make_unique<World>(std::move(world))), index_(std::make_unique<Index>()) {
  const World& w = *world_;
  for (int c = 0; c < w.n_known; ++c)
    index_->customer.emplace(customer_code_text(w.customer_number[c]), c);
  for (int p = 0; p < w.n_products(); ++p) index_->product.emplace(w.product_code[p], p);
  for (int s = 0; s < w.n_stores(); ++s) index_->store.emplace(w.store_code[s], s);
  index_->complement_sources = complement_sources(w);
}

TruthModel::TruthModel(TruthModel&&) noexcept = default;
TruthModel& TruthModel::operator=(TruthModel&&) noexcept = default;
TruthModel::~TruthModel() = default;

int TruthModel::n_products() const {
  return world_->n_products();
}
int TruthModel::customer_of_code(std::string_view code) const {
  return find_code(index_->customer, code);
}
int TruthModel::product_of_code(std::string_view code) const {
  return find_code(index_->product, code);
}
int TruthModel::store_of_code(std::string_view code) const {
  return find_code(index_->store, code);
}
int TruthModel::week_of_shop_week(int32_t shop_week) const {
  auto index = world_->calendar.index_of_week(shop_week);
  return index ? *index : -1;
}

double TruthModel::expected_trips(int customer, int week) const {
  const World& w = *world_;
  if (week < w.customer_first_week[customer] || week > w.customer_last_week[customer]) return 0;
  // Trips are Poisson(rate) truncated at 14, which moves the mean by a negligible amount.
  return w.customer_trip_rate[customer];
}

double TruthModel::store_probability(int customer, int store) const {
  const World& w = *world_;
  const int64_t a0 = w.customer_alt_offsets[customer], a1 = w.customer_alt_offsets[customer + 1];
  const double switch_prob = a1 > a0 ? w.customer_switch_prob[customer] : 0.0;
  double p = store == w.customer_home_store[customer] ? 1.0 - switch_prob : 0.0;
  for (int64_t i = a0; i < a1; ++i) {
    if (w.customer_alt_stores[i] == store) p += switch_prob / static_cast<double>(a1 - a0);
  }
  return p;
}

TruthModel::LineRates TruthModel::line_rates(int customer, int week, int store,
                                             const WeekPrices* prices_override,
                                             std::span<const double> favourite_share) const {
  const World& w = *world_;
  const int n = w.n_products();
  if (customer < 0 || customer >= w.n_customers() || store < 0 || store >= w.n_stores() ||
      week < 0 || week >= w.n_weeks())
    fail("truth model: customer {}, store {} or week {} is outside the world", customer, store,
         week);
  // Reference prices and trip sizes follow the store's format; a simulator's prices may give the
  // store a zone of its own.
  const int format = w.store_format[store];
  const int zone = prices_override ? prices_override->zone_of_store(w, store) : format;
  const int seg = w.customer_seg1[customer];

  // Per product: accepted at this week's price and its explore share within its sub-commodity.
  PriceTerms terms;
  if (prices_override) {
    const size_t from = static_cast<size_t>(zone) * n;
    terms = price_terms(w, seg, format, std::span(prices_override->actual_pence).subspan(from, n),
                        std::span(prices_override->promo_depth_pct).subspan(from, n));
  } else {
    std::vector<int32_t> actual(n);
    std::vector<uint8_t> depth(n);
    for (int p = 0; p < n; ++p) {
      depth[p] = static_cast<uint8_t>(w.promo_depth(week, format, p));
      actual[p] = promo_price(w.base_price(week, format, p), depth[p]);
    }
    terms = price_terms(w, seg, format, actual, depth);
  }
  const std::vector<double>& accept = terms.accept;
  const std::vector<double>& explore = terms.explore;
  std::vector<uint8_t> stocked(n);
  for (int p = 0; p < n; ++p) stocked[p] = w.stocked(store, p) ? 1 : 0;
  const int n_cl = w.n_cl();
  std::vector<double> unstocked_explore(n_cl, 0.0);  // explore mass of unstocked products
  for (int cl = 0; cl < n_cl; ++cl) {
    for (int i = w.cl_offsets[cl]; i < w.cl_offsets[cl + 1]; ++i) {
      if (!stocked[w.cl_products[i]]) unstocked_explore[cl] += explore[w.cl_products[i]];
    }
  }

  // The candidate of one planned line: a favourite (repeat_share), else a sub-commodity (half the
  // time a preferred one, else by attractiveness) explored by choice weight.
  const int64_t f0 = w.customer_fav_offsets[customer], f1 = w.customer_fav_offsets[customer + 1];
  const double repeat = f1 > f0 ? w.customer_repeat_share[customer] : 0.0;
  const std::vector<double> cl_share = cl_shares(w, customer);
  std::vector<double> candidate(n, 0.0);
  for (int p = 0; p < n; ++p)
    candidate[p] = (1.0 - repeat) * cl_share[w.product_cl[p]] * explore[p];
  if (!favourite_share.empty() && static_cast<int64_t>(favourite_share.size()) != f1 - f0)
    fail("truth model: {} favourite shares for customer {}'s {} favourites", favourite_share.size(),
         customer, f1 - f0);
  for (int64_t i = f0; i < f1; ++i) {
    const double share = favourite_share.empty() ? cumulative_share(w.customer_fav_cum, f0, f1, i)
                                                 : favourite_share[static_cast<size_t>(i - f0)];
    candidate[w.customer_fav_product[i]] += repeat * share;
  }

  // A candidate not stocked is replaced by an explored product of its sub-commodity.
  std::vector<double> unstocked_candidate(n_cl, 0.0);
  for (int p = 0; p < n; ++p) {
    if (!stocked[p]) unstocked_candidate[w.product_cl[p]] += candidate[p];
  }
  std::vector<double> direct(n, 0.0), added_in_cl(n_cl, 0.0);
  double any_added = 0;  // chance a planned line adds something
  for (int p = 0; p < n; ++p) {
    if (!stocked[p]) continue;
    const int cl = w.product_cl[p];
    direct[p] = accept[p] * (candidate[p] + unstocked_candidate[cl] * explore[p]);
    added_in_cl[cl] += direct[p];
    any_added += direct[p];
  }
  // After a line of sub-commodity a is added, with complement_prob one of a's complement
  // sub-commodities is explored and tried.
  std::vector<double> complement_pull(n_cl, 0.0);  // chance a line tries a product of cl this way
  for (int b = 0; b < n_cl; ++b) {
    for (int a : index_->complement_sources[b]) {
      const int n_comp = w.cl_complement_offsets[a + 1] - w.cl_complement_offsets[a];
      complement_pull[b] += added_in_cl[a] * w.config.complement_prob / n_comp;
    }
  }
  LineRates rates;
  rates.per_line.assign(n, 0.0);
  for (int p = 0; p < n; ++p) {
    if (!stocked[p]) continue;
    const int cl = w.product_cl[p];
    const double complement =
        complement_pull[cl] * accept[p] * explore[p] * (1.0 + unstocked_explore[cl]);
    rates.per_line[p] = std::min(1.0, direct[p] + complement);
  }
  rates.any_added = any_added;
  rates.extra_lines_mean = extra_lines_mean(w, customer, format);
  return rates;
}

std::span<const int32_t> TruthModel::favourites(int customer) const {
  const World& w = *world_;
  if (customer < 0 || customer >= w.n_customers())
    fail("truth model: customer {} is outside the world", customer);
  const int64_t f0 = w.customer_fav_offsets[customer], f1 = w.customer_fav_offsets[customer + 1];
  return std::span<const int32_t>(w.customer_fav_product)
      .subspan(static_cast<size_t>(f0), static_cast<size_t>(f1 - f0));
}

std::vector<double> TruthModel::product_probabilities_with_favourites(
    int customer, int week, int store, std::span<const double> favourite_share) const {
  return trip_probabilities(line_rates(customer, week, store, nullptr, favourite_share));
}

std::vector<double> TruthModel::product_probabilities(int customer, int week, int store,
                                                      const WeekPrices* prices_override) const {
  return trip_probabilities(line_rates(customer, week, store, prices_override));
}

std::vector<double> TruthModel::trip_probabilities(const LineRates& rates) const {
  const World& w = *world_;
  const int n = w.n_products();
  const std::vector<double>& per_line = rates.per_line;
  const double any_added = rates.any_added;
  // Planned lines: 1 + Poisson(mu * G / shape), G ~ Gamma(shape): E[x^extra] =
  // (1 + mu (1 - x) / shape)^-shape.
  const double mu = rates.extra_lines_mean;
  const double shape = w.config.trip_size_shape;
  auto none_in_trip = [&](double r) { return (1.0 - r) * std::pow(1.0 + mu * r / shape, -shape); };
  const double service = service_share(w);
  const double n_service = static_cast<double>(w.service_products.size());
  std::vector<double> out(n);
  for (int p = 0; p < n; ++p) out[p] = (1.0 - service) * (1.0 - none_in_trip(per_line[p]));
  for (int p : w.service_products) out[p] += service / n_service;
  // Trips that bought nothing are not baskets: condition on the basket being non-empty.
  const double non_empty =
      service + (1.0 - service) * (1.0 - none_in_trip(std::min(1.0, any_added)));
  if (non_empty > 0) {
    for (double& v : out) v = std::min(1.0, v / non_empty);
  }
  return out;
}

std::vector<double> TruthModel::expected_units(int customer, int week, int store,
                                               const WeekPrices* prices_override) const {
  const World& w = *world_;
  const int n = w.n_products();
  const LineRates rates = line_rates(customer, week, store, prices_override);
  const int zone =
      prices_override ? prices_override->zone_of_store(w, store) : w.store_format[store];
  const double service = service_share(w);
  const double planned = 1.0 + rates.extra_lines_mean;
  std::vector<double> out(n, 0.0);
  for (int p = 0; p < n; ++p) {
    if (rates.per_line[p] <= 0) continue;
    const int depth =
        prices_override ? prices_override->depth(zone, p) : w.promo_depth(week, zone, p);
    out[p] = (1.0 - service) * planned * rates.per_line[p] * line_quantity(w, p, depth);
  }
  for (int p : w.service_products)
    out[p] += service / static_cast<double>(w.service_products.size());
  return out;
}

}  // namespace retailsim::synth
