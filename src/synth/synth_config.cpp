// SynthConfig: the four presets, [synth] overrides and the JSON form of every field.
#include <set>
#include <type_traits>

#include "core/error.h"
#include "synth/synth.h"

namespace retailsim::synth {

namespace {

// Calls visit(name, field) for every field but `preset`, so apply() and to_json() cannot drift.
template <typename Config, typename Visit>
void for_each_field(Config& c, Visit&& visit) {
  visit("seed", c.seed);
  visit("n_customers", c.n_customers);
  visit("n_weeks", c.n_weeks);
  visit("n_products", c.n_products);
  visit("n_stores", c.n_stores);
  visit("gzip", c.gzip);
  visit("corrupt_rate", c.corrupt_rate);
  visit("gzip_level", c.gzip_level);
  visit("extra_calendar_weeks", c.extra_calendar_weeks);
  visit("dense_price_max_cells", c.dense_price_max_cells);
  visit("anonymous_basket_share", c.anonymous_basket_share);
  visit("trip_rate_median", c.trip_rate_median);
  visit("trip_rate_sigma", c.trip_rate_sigma);
  visit("partial_activity_share", c.partial_activity_share);
  visit("lines_per_trip_median", c.lines_per_trip_median);
  visit("lines_per_trip_sigma", c.lines_per_trip_sigma);
  visit("trip_size_shape", c.trip_size_shape);
  visit("repeat_share_mean", c.repeat_share_mean);
  visit("favourites_mean", c.favourites_mean);
  visit("switch_prob_mean", c.switch_prob_mean);
  visit("hour_habit", c.hour_habit);
  visit("weekday_habit", c.weekday_habit);
  visit("service_trip_share", c.service_trip_share);
  visit("price_median_pence", c.price_median_pence);
  visit("price_sigma", c.price_sigma);
  visit("price_changes_per_year", c.price_changes_per_year);
  visit("promo_start_prob", c.promo_start_prob);
  visit("promo_prone_share", c.promo_prone_share);
  visit("elasticity_mean", c.elasticity_mean);
  visit("promo_display_lift", c.promo_display_lift);
  visit("base_accept_prob", c.base_accept_prob);
  visit("complement_prob", c.complement_prob);
  visit("multibuy_share", c.multibuy_share);
}

void check_ranges(const SynthConfig& c) {
  if (c.n_customers < 1) fail("[synth] n_customers must be at least 1, got {}", c.n_customers);
  if (c.n_weeks < 1 || c.n_weeks > 999) fail("[synth] n_weeks must be 1..999, got {}", c.n_weeks);
  if (c.n_products < 20 || c.n_products > 99999)
    fail("[synth] n_products must be 20..99999, got {}", c.n_products);
  if (c.n_stores < 4 || c.n_stores > 20000)
    fail("[synth] n_stores must be 4..20000, got {}", c.n_stores);
  if (c.corrupt_rate < 0 || c.corrupt_rate > 1)
    fail("[synth] corrupt_rate must be in [0, 1], got {}", c.corrupt_rate);
  if (c.gzip_level < 1 || c.gzip_level > 9)
    fail("[synth] gzip_level must be 1..9, got {}", c.gzip_level);
  if (c.anonymous_basket_share < 0 || c.anonymous_basket_share >= 0.95)
    fail("[synth] anonymous_basket_share must be in [0, 0.95), got {}", c.anonymous_basket_share);
}

}  // namespace

SynthConfig SynthConfig::preset_named(const std::string& name) {
  SynthConfig c;
  c.preset = name;
  if (name == "tiny") {
    c.n_customers = 200;
    c.n_weeks = 8;
    c.n_products = 300;
    c.n_stores = 12;
  } else if (name == "demo") {
    c.n_customers = 2000;
    c.n_weeks = 52;
    c.n_products = 2000;
    c.n_stores = 60;
  } else if (name == "lgsr-sample") {
    c.n_customers = 5000;
    c.n_weeks = 117;
    c.n_products = 4997;
    c.n_stores = 761;
  } else if (name == "full") {
    c.n_customers = 500000;
    c.n_weeks = 117;
    c.n_products = 4997;
    c.n_stores = 761;
    c.gzip = true;
  } else {
    fail("unknown synth preset '{}' (choose tiny, demo, lgsr-sample or full)", name);
  }
  return c;
}

void SynthConfig::apply(const Section& section) {
  std::set<std::string, std::less<>> known{"preset"};
  for_each_field(*this, [&](const char* key, auto&) { known.insert(key); });
  section.check_known_keys(known);
  if (section.has("preset")) {
    const std::string name = section.get_string("preset", preset);
    if (name != preset) *this = preset_named(name);
  }
  for_each_field(*this, [&](const char* key, auto& field) {
    using T = std::decay_t<decltype(field)>;
    if (!section.has(key)) return;
    if constexpr (std::is_same_v<T, bool>) {
      field = section.get_bool(key, field);
    } else if constexpr (std::is_same_v<T, double>) {
      field = section.get_double(key, field);
    } else if constexpr (std::is_same_v<T, uint64_t>) {
      field = static_cast<uint64_t>(section.get_int(key, static_cast<int64_t>(field)));
    } else {
      field = static_cast<int>(section.get_int(key, field));
    }
  });
  check_ranges(*this);
}

Json SynthConfig::to_json() const {
  Json j = Json::object();
  j["preset"] = preset;
  for_each_field(*this, [&](const char* key, const auto& field) { j[key] = field; });
  return j;
}

SynthConfig SynthConfig::from_json(const Json& j) {
  SynthConfig c = preset_named(j.at("preset").get<std::string>());
  for_each_field(c, [&](const char* key, auto& field) {
    if (j.contains(key)) j.at(key).get_to(field);
  });
  check_ranges(c);
  return c;
}

}  // namespace retailsim::synth
