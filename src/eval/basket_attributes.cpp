// The auxiliary heads' targets: each case's target basket attributes (BASKET_SIZE,
// BASKET_PRICE_SENSITIVITY, BASKET_TYPE, BASKET_DOMINANT_MISSION) guessed by the global and the
// personal mode, by the generator's own trips on synthetic data (the ceiling) or read from a
// method's attributes file, and the accuracy of each guess.
#include <algorithm>
#include <map>
#include <span>

#include <fmt/ranges.h>
#include <tbb/parallel_for.h>

#include "core/dataset.h"
#include "core/error.h"
#include "core/npy.h"
#include "eval/eval.h"
#include "eval/methods.h"
#include "synth/world.h"

namespace retailsim::eval {

namespace {

// Attribute a (basket_attribute_names' order): its store column, the column's dictionary and
// the generator's names of its values (indexed by synth's enums).
struct Attribute {
  const Column<int8_t>& column;
  const std::vector<std::string>& codes;
  std::span<const char* const> synth_names;
};

Attribute attribute(const Store& store, int a) {
  switch (a) {
    case 0:
      return {store.basket_size, store.basket_size_codes, synth::kSizeNames};
    case 1:
      return {store.basket_price_sensitivity, store.basket_price_sensitivity_codes,
              synth::kPriceSensitivityNames};
    case 2:
      return {store.basket_type, store.basket_type_codes, synth::kTypeNames};
    default:
      return {store.basket_mission, store.basket_mission_codes, synth::kMissionNames};
  }
}

int32_t value_of(const Store& store, int a, int32_t store_basket) {
  return attribute(store, a).column[static_cast<size_t>(store_basket)];
}

// The value with the highest count; ties to the one seen last (`last[v]`, larger is later).
int32_t mode_of(const std::map<int32_t, std::pair<int64_t, int64_t>>& count_and_last) {
  int32_t best = -1;
  std::pair<int64_t, int64_t> top{-1, -1};
  for (const auto& [value, count_last] : count_and_last) {
    if (count_last > top) {
      top = count_last;
      best = value;
    }
  }
  return best;
}

AttributeGuess global_mode(const Store& store, const TrainingView& view) {
  AttributeGuess out;
  for (int a = 0; a < kBasketAttributes; ++a) {
    std::map<int32_t, std::pair<int64_t, int64_t>> counts;
    for (size_t c = 0; c < view.visible.size(); ++c) {
      for (int32_t b : view.baskets->of_customer(static_cast<int32_t>(c))
                           .first(static_cast<size_t>(view.visible[c]))) {
        const int32_t v = value_of(store, a, view.baskets->store_basket[static_cast<size_t>(b)]);
        if (v >= 0) ++counts[v].first;
      }
    }
    out[static_cast<size_t>(a)] = mode_of(counts);
  }
  return out;
}

}  // namespace

const std::vector<std::string>& basket_attribute_names() {
  static const std::vector<std::string> names = {"basket_size", "price_sensitivity", "mission_type",
                                                 "mission_focus"};
  return names;
}

std::vector<AttributeGuess> global_mode_attributes(const Store& store, const TrainingView& view,
                                                   const std::vector<EvalCase>& cases) {
  return std::vector<AttributeGuess>(cases.size(), global_mode(store, view));
}

std::vector<AttributeGuess> personal_mode_attributes(const Store& store, const TrainingView& view,
                                                     const std::vector<EvalCase>& cases) {
  const AttributeGuess fallback = global_mode(store, view);
  std::vector<AttributeGuess> out(cases.size(), fallback);
  for (size_t i = 0; i < cases.size(); ++i) {
    const std::span<const int32_t> history = view.history(cases[i]);
    for (int a = 0; a < kBasketAttributes; ++a) {
      std::map<int32_t, std::pair<int64_t, int64_t>> counts;
      for (size_t h = 0; h < history.size(); ++h) {
        const int32_t v =
            value_of(store, a, view.baskets->store_basket[static_cast<size_t>(history[h])]);
        if (v < 0) continue;
        ++counts[v].first;
        counts[v].second = static_cast<int64_t>(h);
      }
      if (!counts.empty()) out[i][static_cast<size_t>(a)] = mode_of(counts);
    }
  }
  return out;
}

std::vector<AttributeGuess> oracle_attributes(const fs::path& data_dir, const Store& store,
                                              const std::vector<EvalCase>& cases, int trips,
                                              uint64_t seed) {
  const synth::TruthModel truth = synth::TruthModel::load(data_dir / "truth");
  const synth::World& world = truth.world();
  const WorldIds ids = world_ids(truth, store);
  // Generator enum value -> store dictionary id, per attribute.
  std::array<std::vector<int32_t>, kBasketAttributes> to_store;
  for (int a = 0; a < kBasketAttributes; ++a) {
    const Attribute attr = attribute(store, a);
    const std::vector<std::string>& codes = attr.codes;
    for (const char* name : attr.synth_names) {
      const auto it = std::find(codes.begin(), codes.end(), name);
      to_store[static_cast<size_t>(a)].push_back(
          it == codes.end() ? -1 : static_cast<int32_t>(it - codes.begin()));
    }
  }
  // The week's true prices and demand, once per target week.
  struct WeekDemand {
    synth::WeekPrices prices;
    synth::DemandTables demand;
  };
  std::map<int, WeekDemand> weeks;
  for (const EvalCase& c : cases) {
    const int week = ids.week[static_cast<size_t>(c.week)];
    if (week >= 0 && !weeks.contains(week)) weeks[week] = {};
  }
  std::vector<std::map<int, WeekDemand>::iterator> to_build;
  for (auto it = weeks.begin(); it != weeks.end(); ++it) to_build.push_back(it);
  tbb::parallel_for(size_t{0}, to_build.size(), [&](size_t i) {
    WeekDemand& d = to_build[i]->second;
    d.prices = synth::true_week_prices(world, to_build[i]->first);
    d.demand = synth::build_demand_tables(world, d.prices);
  });

  std::vector<AttributeGuess> out(cases.size(), AttributeGuess{-1, -1, -1, -1});
  tbb::parallel_for(size_t{0}, cases.size(), [&](size_t i) {
    const EvalCase& c = cases[i];
    const int customer = ids.customer[static_cast<size_t>(c.customer)];
    const int shop = ids.store[static_cast<size_t>(c.store)];
    const int week = ids.week[static_cast<size_t>(c.week)];
    if (customer < 0 || shop < 0 || week < 0) return;
    const WeekDemand& d = weeks.at(week);
    Rng rng = Rng::stream(seed, {static_cast<uint64_t>(c.customer), static_cast<uint64_t>(c.week),
                                 static_cast<uint64_t>(c.target)});
    std::array<std::vector<int64_t>, kBasketAttributes> counts;
    for (int a = 0; a < kBasketAttributes; ++a)
      counts[static_cast<size_t>(a)].assign(to_store[static_cast<size_t>(a)].size(), 0);
    std::vector<synth::TripLine> lines;
    int64_t non_empty = 0;
    // Trips that buy nothing are not baskets; a customer whose trips (almost) never buy
    // anything is given up on after 20 times the draws.
    for (int draw = 0; draw < 20 * trips && non_empty < trips; ++draw) {
      lines.clear();
      synth::sample_trip_lines(world, customer, shop, d.prices, d.demand, rng, lines);
      if (lines.empty()) continue;
      ++non_empty;
      synth::Trip trip;
      synth::label_basket(world, lines, trip);
      ++counts[0][trip.size];
      ++counts[1][trip.price_sensitivity];
      ++counts[2][trip.type];
      ++counts[3][trip.mission];
    }
    if (non_empty == 0) return;
    for (int a = 0; a < kBasketAttributes; ++a) {
      const auto& n = counts[static_cast<size_t>(a)];
      const auto best = std::max_element(n.begin(), n.end()) - n.begin();
      out[i][static_cast<size_t>(a)] = to_store[static_cast<size_t>(a)][static_cast<size_t>(best)];
    }
  });
  return out;
}

fs::path attributes_file(const fs::path& data_dir, const std::string& method,
                         const std::string& fold_name) {
  return data_dir / "reports" / "rankings" / method / (fold_name + ".attributes.npy");
}

std::vector<AttributeGuess> file_attributes(const fs::path& data_dir, const std::string& method,
                                            const Fold& fold) {
  const fs::path path = attributes_file(data_dir, method, fold.name);
  if (!fs::exists(path)) fail("{}: no such attributes file", path.string());
  Column<int32_t> column(path);
  const size_t n_rows = fold.cases.size() + fold.cold_cases.size();
  if (column.shape() != std::vector<uint64_t>{n_rows, static_cast<uint64_t>(kBasketAttributes)})
    fail("{}: expected int32 [{}, {}] (one row per case of {}, columns {})", path.string(), n_rows,
         kBasketAttributes, case_file(data_dir, fold.name).string(),
         fmt::join(basket_attribute_names(), ", "));
  std::vector<AttributeGuess> out(fold.cases.size());
  for (size_t i = 0; i < fold.cases.size(); ++i) {
    const size_t row = static_cast<size_t>(fold.cases[i].index);
    for (size_t a = 0; a < kBasketAttributes; ++a) out[i][a] = column[row * kBasketAttributes + a];
  }
  return out;
}

Json attribute_accuracy(const Store& store, const BasketTable& baskets,
                        const std::vector<EvalCase>& cases,
                        const std::vector<AttributeGuess>& guesses) {
  if (guesses.size() != cases.size())
    fail("attribute accuracy: {} guesses for {} cases", guesses.size(), cases.size());
  Json out = Json::object();
  out["n_cases"] = cases.size();
  for (int a = 0; a < kBasketAttributes; ++a) {
    int64_t known = 0, right = 0;
    for (size_t i = 0; i < cases.size(); ++i) {
      const int32_t truth =
          value_of(store, a, baskets.store_basket[static_cast<size_t>(cases[i].target)]);
      if (truth < 0) continue;
      ++known;
      right += guesses[i][static_cast<size_t>(a)] == truth;
    }
    const std::string key = basket_attribute_names()[static_cast<size_t>(a)] + "_accuracy";
    if (known > 0) {
      out[key] = static_cast<double>(right) / static_cast<double>(known);
    } else {
      out[key] = nullptr;
    }
  }
  return out;
}

}  // namespace retailsim::eval
