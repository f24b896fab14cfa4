// The truth side of reports/derive.json: derived prices, promotions, complements and primary
// stores compared with the synthetic generator's World (truth/). The only derive file that knows
// synth, so the algorithms stay independent of it.
#include <algorithm>
#include <cmath>
#include <set>
#include <unordered_map>

#include "core/npy.h"
#include "derive/stage_io.h"
#include "synth/world.h"

namespace retailsim::derive {

namespace {

using synth::World;

// Dense id maps from the store's codes to the world's ids (-1: not in the world).
std::vector<int32_t> map_codes(const std::vector<std::string>& store_codes,
                               const std::vector<std::string>& world_codes) {
  std::unordered_map<std::string, int32_t> index;
  for (size_t i = 0; i < world_codes.size(); ++i) index.emplace(world_codes[i], int32_t(i));
  std::vector<int32_t> out(store_codes.size(), -1);
  for (size_t i = 0; i < store_codes.size(); ++i) {
    auto it = index.find(store_codes[i]);
    if (it != index.end()) out[i] = it->second;
  }
  return out;
}

// What the truth says about one observed cell.
struct TruthCell {
  bool known = false;
  float base = 0;            // true shelf price, pence = cents
  float actual = 0;          // true price paid
  float depth = 0;           // 1 - actual / base
  int promo_weeks = 0;       // length of the promotion holding the cell, 0 = none
  bool before_rise = false;  // the shelf price rises next week
  bool after_cut = false;    // the shelf price fell this week or the week before
};

struct Counts {
  uint64_t tp = 0, fp = 0, fn = 0, tn = 0;
  double ape_sum = 0, depth_err_sum = 0;
  uint64_t n = 0;
  double ape_before_rise = 0;
  uint64_t n_before_rise = 0;
  uint64_t flagged_after_cut = 0, n_after_cut = 0;
  uint64_t recalled_by_length[5] = {}, promo_by_length[5] = {};
  uint64_t recalled_by_density[4] = {}, promo_by_density[4] = {}, false_by_density[4] = {};
};

// Buckets of a series' observed weeks: sparse series hold less evidence of the shelf price.
constexpr const char* kDensityNames[4] = {"1-4", "5-12", "13-26", "27+"};
int density_bucket(size_t observed_weeks) {
  return observed_weeks <= 4 ? 0 : observed_weeks <= 12 ? 1 : observed_weeks <= 26 ? 2 : 3;
}

double ratio(double a, double b) {
  return b > 0 ? a / b : 0.0;
}

// Promotion length of every (week, zone, product) from the world's promo events.
std::vector<uint8_t> promo_lengths(const World& world) {
  std::vector<uint8_t> length(world.promo_depth_pct.size(), 0);
  for (const synth::PromoEvent& e : world.promos) {
    for (int k = 0; k < e.n_weeks; ++k) {
      const int week = e.start_week + k;
      if (week >= world.n_weeks()) break;
      length[world.price_index(week, e.zone, e.product)] = static_cast<uint8_t>(e.n_weeks);
    }
  }
  return length;
}

// What the truth says about the cell of world product p, store s, week w.
TruthCell truth_of(const World& world, const std::vector<uint8_t>& promo_length, int32_t p,
                   int32_t s, int32_t w) {
  TruthCell t;
  const int zone = world.store_format[s];
  t.known = true;
  const int32_t base = world.base_price(w, zone, p);
  const int32_t depth_pct = world.promo_depth(w, zone, p);
  t.base = static_cast<float>(base);
  t.actual = static_cast<float>(synth::promo_price(base, depth_pct));
  t.depth = 1.0f - t.actual / t.base;
  t.promo_weeks = depth_pct > 0 ? promo_length[world.price_index(w, zone, p)] : 0;
  t.before_rise = w + 1 < world.n_weeks() && world.base_price(w + 1, zone, p) > base;
  for (int back = 0; back < 2 && w - back >= 1; ++back) {
    if (world.base_price(w - back, zone, p) < world.base_price(w - back - 1, zone, p)) {
      t.after_cut = true;
    }
  }
  return t;
}

// One known cell against one estimator's base price.
void tally(Counts& k, const TruthCell& t, int density, float actual_price, float base,
           const PriceConfig& config) {
  const Promotion derived = promotion_of(actual_price, base, config);
  const bool true_promo = t.promo_weeks > 0;
  k.tp += derived.promo && true_promo;
  k.fp += derived.promo && !true_promo;
  k.fn += !derived.promo && true_promo;
  k.tn += !derived.promo && !true_promo;
  const double ape = std::abs(base - t.base) / t.base;
  k.ape_sum += ape;
  k.depth_err_sum += std::abs(derived.depth - t.depth);
  ++k.n;
  if (t.before_rise) {
    k.ape_before_rise += ape;
    ++k.n_before_rise;
  }
  if (t.after_cut && !true_promo) {
    ++k.n_after_cut;
    k.flagged_after_cut += derived.promo;
  }
  if (true_promo) {
    ++k.promo_by_density[density];
    k.recalled_by_density[density] += derived.promo;
  } else {
    k.false_by_density[density] += derived.promo;
  }
  if (true_promo) {
    const int length = std::clamp(t.promo_weeks, 1, 4);
    ++k.promo_by_length[length];
    k.recalled_by_length[length] += derived.promo;
  }
}

}  // namespace

Json add_truth_metrics(const fs::path& truth_dir, const ReportInputs& in, Json& report) {
  const World world = synth::load_world(truth_dir);
  const Store& store = *in.store;
  const PriceCells& cells = *in.cells;
  const std::vector<int32_t> product_of = map_codes(store.product_codes, world.product_code);
  const std::vector<int32_t> store_of = map_codes(store.store_codes, world.store_code);
  std::vector<int32_t> week_of(static_cast<size_t>(in.weeks.n_weeks), -1);
  for (int32_t w = 0; w < in.weeks.n_weeks; ++w) {
    const int32_t shop_week = store.calendar.at(in.weeks.first_week_index + w).shop_week;
    if (auto index = world.calendar.index_of_week(shop_week)) week_of[w] = *index;
  }
  const std::vector<uint8_t> promo_length = promo_lengths(world);

  // One pass over the observed cells, series by series: each cell's truth is read once and
  // tallied for every estimator, so no per-cell truth (or density) array is held.
  std::vector<Counts> counts(in.estimators.size());
  double actual_ape_sum = 0;
  uint64_t n_known = 0;
  for (size_t i = 0; i < cells.size();) {
    size_t j = i + 1;
    while (j < cells.size() && cells.product[j] == cells.product[i] &&
           cells.store[j] == cells.store[i]) {
      ++j;
    }
    // Observed weeks of the cell's (product, store) series.
    const int density = density_bucket(j - i);
    for (size_t c = i; c < j; ++c) {
      const int32_t p = product_of[cells.product[c]], s = store_of[cells.store[c]];
      const int32_t w = week_of[cells.week[c]];
      if (p < 0 || s < 0 || w < 0) continue;
      const TruthCell t = truth_of(world, promo_length, p, s, w);
      actual_ape_sum += std::abs(cells.actual_price[c] - t.actual) / t.actual;
      ++n_known;
      for (size_t e = 0; e < in.estimators.size(); ++e) {
        tally(counts[e], t, density, cells.actual_price[c], in.estimators[e].base_price[c],
              *in.price_config);
      }
    }
    i = j;
  }
  report["truth"] = {{"cells_compared", n_known},
                     {"cells_without_truth", cells.size() - n_known},
                     {"actual_price_mape", ratio(actual_ape_sum, double(n_known))}};

  for (size_t e = 0; e < in.estimators.size(); ++e) {
    const EstimatorCells& estimator = in.estimators[e];
    const Counts& k = counts[e];
    const double precision = ratio(double(k.tp), double(k.tp + k.fp));
    const double recall = ratio(double(k.tp), double(k.tp + k.fn));
    Json& out = report["estimators"][estimator.name];
    out["base_price_mape"] = ratio(k.ape_sum, double(k.n));
    out["promo_precision"] = precision;
    out["promo_recall"] = recall;
    out["promo_f1"] = ratio(2 * precision * recall, precision + recall);
    out["discount_depth_mae"] = ratio(k.depth_err_sum, double(k.n));
    Json by_length = Json::object();
    for (int length = 1; length <= 4; ++length) {
      by_length[std::to_string(length)] =
          ratio(double(k.recalled_by_length[length]), double(k.promo_by_length[length]));
    }
    Json by_density = Json::object(), false_by_density = Json::object();
    for (int d = 0; d < 4; ++d) {
      by_density[kDensityNames[d]] =
          ratio(double(k.recalled_by_density[d]), double(k.promo_by_density[d]));
      false_by_density[kDensityNames[d]] = k.false_by_density[d];
    }
    out["shortfalls"] = {
        {"promo_recall_by_series_weeks", by_density},
        {"false_promos_by_series_weeks", false_by_density},
        {"promo_recall_by_promo_weeks", by_length},
        {"base_price_mape_week_before_rise", ratio(k.ape_before_rise, double(k.n_before_rise))},
        {"cells_week_before_rise", k.n_before_rise},
        {"false_promo_rate_after_cut", ratio(double(k.flagged_after_cut), double(k.n_after_cut))},
        {"cells_after_cut", k.n_after_cut}};
    out["true_promo_cells"] = k.tp + k.fn;
  }

  // Graph: share of top-k complement edges that join a true complement category pair.
  const fs::path graph_dir = in.derived_dir / "graph";
  if (fs::exists(graph_dir / "manifest.json")) {
    const auto offsets = read_npy<uint64_t>(graph_dir / "complement_offsets.npy");
    const auto target = read_npy<int32_t>(graph_dir / "complement_target.npy");
    std::set<std::pair<int32_t, int32_t>> pairs;
    for (size_t i = 0; i < world.complement_a.size(); ++i) {
      pairs.emplace(world.complement_a[i], world.complement_b[i]);
      pairs.emplace(world.complement_b[i], world.complement_a[i]);
    }
    auto cl_of = [&](int32_t product) {
      const int32_t p = product_of[static_cast<size_t>(product)];
      return p < 0 ? -1 : world.product_cl[p];
    };
    uint64_t hits = 0, edges = 0;
    for (size_t p = 0; p + 1 < offsets.size(); ++p) {
      for (uint64_t e = offsets[p]; e < offsets[p + 1]; ++e) {
        ++edges;
        hits += pairs.count({cl_of(int32_t(p)), cl_of(target[e])}) > 0;
      }
    }
    // Chance level: the share of all ordered pairs of distinct products in the store that join
    // a true complement category pair.
    std::vector<double> per_cl(static_cast<size_t>(world.n_cl()), 0);
    double n_products = 0;
    for (size_t p = 0; p < store.n_products(); ++p) {
      const int32_t cl = cl_of(int32_t(p));
      if (cl >= 0) {
        per_cl[cl] += 1;
        n_products += 1;
      }
    }
    double chance_pairs = 0;
    for (const auto& [a, b] : pairs) {
      if (a != b) chance_pairs += per_cl[a] * per_cl[b];
    }
    report["graph"]["complement_edges_compared"] = edges;
    report["graph"]["true_complement_share"] = ratio(double(hits), double(edges));
    report["graph"]["true_complement_share_by_chance"] =
        ratio(chance_pairs, n_products * (n_products - 1));
  }

  // Affinity: derived primary store against the true home store.
  const fs::path affinity_dir = in.derived_dir / "affinity";
  if (fs::exists(affinity_dir / "manifest.json")) {
    const auto primary = read_npy<int32_t>(affinity_dir / "primary_store.npy");
    const auto n_trips = read_npy<uint32_t>(affinity_dir / "n_trips.npy");
    std::vector<std::string> known_codes;
    for (int32_t c = 0; c < world.n_known; ++c) {
      known_codes.push_back(synth::customer_code_text(world.customer_number[c]));
    }
    const std::vector<int32_t> customer_of = map_codes(store.customer_codes, known_codes);
    uint64_t right = 0, compared = 0;
    for (size_t c = 0; c < primary.size(); ++c) {
      if (n_trips[c] == 0 || customer_of[c] < 0 || primary[c] < 0) continue;
      ++compared;
      right += store_of[primary[c]] == world.customer_home_store[customer_of[c]];
    }
    report["affinity"]["customers_compared"] = compared;
    report["affinity"]["primary_store_accuracy"] = ratio(double(right), double(compared));
  }

  // Plotted series, for cells the truth knows: the true base price and promo flag per week.
  Json series = Json::array();
  for (const Json& s : report["plots"]) {
    const int32_t p = product_of[s["product"].get<size_t>()];
    const int32_t st = store_of[s["store"].get<size_t>()];
    Json with_truth = s;
    Json true_base = Json::array(), true_promo = Json::array();
    for (const Json& w : s["weeks"]) {
      const int32_t world_week = week_of[w.get<size_t>()];
      if (p < 0 || st < 0 || world_week < 0) {
        true_base.push_back(nullptr);
        true_promo.push_back(0);
        continue;
      }
      const int zone = world.store_format[st];
      true_base.push_back(world.base_price(world_week, zone, p));
      true_promo.push_back(world.promo_depth(world_week, zone, p) > 0 ? 1 : 0);
    }
    with_truth["true_base"] = true_base;
    with_truth["true_promo"] = true_promo;
    series.push_back(with_truth);
  }
  return series;
}

}  // namespace retailsim::derive
