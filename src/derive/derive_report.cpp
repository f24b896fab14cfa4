// reports/derive.json and derive.html: every registered base-price estimator run over the
// observed cells, their promotions, the waterfall, graph and affinity figures, and (synthetic
// data) the comparison with truth/.
#include <algorithm>
#include <numeric>

#include <spdlog/spdlog.h>

#include "core/atomic_file.h"
#include "core/npy.h"
#include "derive/stage_io.h"

namespace retailsim::derive {

namespace {

constexpr size_t kPlottedSeries = 4;

// A (product, store) series: cells [begin, end) of the sorted observed cells.
struct Series {
  size_t begin = 0, end = 0;
  double score = 0;
};

// Series worth looking at: long ones where promotions happen and the estimators disagree.
std::vector<Series> pick_series(const PriceCells& cells, const std::vector<EstimatorCells>& est,
                                const PriceConfig& config) {
  std::vector<Series> all;
  size_t i = 0;
  while (i < cells.size()) {
    size_t j = i + 1;
    while (j < cells.size() && cells.product[j] == cells.product[i] &&
           cells.store[j] == cells.store[i]) {
      ++j;
    }
    Series s{i, j, double(j - i)};
    for (size_t c = i; c < j; ++c) {
      int flagged = 0;
      for (const EstimatorCells& e : est) {
        flagged += promotion_of(cells.actual_price[c], e.base_price[c], config).promo;
      }
      s.score += 5.0 * (flagged > 0) + 10.0 * (flagged > 0 && flagged < int(est.size()));
    }
    all.push_back(s);
    i = j;
  }
  std::stable_sort(all.begin(), all.end(),
                   [](const Series& a, const Series& b) { return a.score > b.score; });
  std::vector<Series> picked;
  std::vector<int32_t> products;
  for (const Series& s : all) {
    const int32_t product = cells.product[s.begin];
    if (std::find(products.begin(), products.end(), product) != products.end()) continue;
    products.push_back(product);
    picked.push_back(s);
    if (picked.size() == kPlottedSeries) break;
  }
  return picked;
}

Json series_json(const Store& store, const DataWeeks& weeks, const PriceCells& cells,
                 const std::vector<EstimatorCells>& est, const PriceConfig& config,
                 const std::string& selected, const Series& s) {
  Json j;
  const int32_t p = cells.product[s.begin], st = cells.store[s.begin];
  j["product"] = p;
  j["store"] = st;
  j["product_code"] = store.product_codes[p];
  j["store_code"] = store.store_codes[st];
  Json week = Json::array(), shop_week = Json::array(), actual = Json::array(),
       promo = Json::array();
  Json base = Json::object();
  for (size_t c = s.begin; c < s.end; ++c) {
    week.push_back(cells.week[c]);
    shop_week.push_back(store.calendar.at(weeks.first_week_index + cells.week[c]).shop_week);
    actual.push_back(cells.actual_price[c]);
    for (const EstimatorCells& e : est) {
      base[e.name].push_back(e.base_price[c]);
      if (e.name == selected) {
        promo.push_back(promotion_of(cells.actual_price[c], e.base_price[c], config).promo ? 1 : 0);
      }
    }
  }
  j["weeks"] = week;
  j["shop_weeks"] = shop_week;
  j["actual"] = actual;
  j["base"] = base;
  j["derived_promo"] = promo;
  return j;
}

Json manifest_counts(const fs::path& dir) {
  auto manifest = Manifest::read(dir);
  return manifest ? manifest->counts : Json(nullptr);
}

}  // namespace

Json derive_report(const fs::path& data_dir, const DeriveConfig& config) {
  const Store store = Store::open(data_dir);
  const DataWeeks weeks = data_weeks_of(store);
  const fs::path derived = data_dir / "derived";
  const fs::path truth_dir = data_dir / "truth";
  const bool has_truth = fs::exists(truth_dir / "world.json");

  Json report;
  report["has_truth"] = has_truth;
  report["selected"] = config.prices.base_estimator;
  report["data"] = {{"rows", store.n_rows()},
                    {"products", store.n_products()},
                    {"stores", store.n_stores()},
                    {"customers", store.n_customers()},
                    {"weeks", weeks.n_weeks},
                    {"first_shop_week", store.calendar.at(weeks.first_week_index).shop_week}};
  report["estimators"] = Json::object();
  report["plots"] = Json::array();

  PriceCells cells;
  std::vector<EstimatorCells> estimators;
  if (fs::exists(derived / "prices" / "manifest.json")) {
    const Json counts = manifest_counts(derived / "prices");
    Json prices = {{"rows_in", counts["rows_in"]},
                   {"rows_invalid", counts["rows_invalid"]},
                   {"rows_removed_as_outliers", counts["rows_removed"]},
                   {"cells", counts["cells"]}};
    const Json& levels = counts["grid_cells_by_level"];
    uint64_t grid = 0;
    for (const auto& [name, n] : levels.items()) grid += n.get<uint64_t>();
    Json shares = Json::object();
    for (const auto& [name, n] : levels.items()) {
      shares[name] = grid ? n.get<double>() / double(grid) : 0.0;
    }
    prices["waterfall_level_share"] = shares;
    report["prices"] = prices;

    // Every registered estimator over the same observed cells; the selected one is stored.
    cells = read_price_cells(derived / "prices");
    const StoreInfoColumns stores = store_info_of(store);
    for (const std::string& name : base_estimator_names()) {
      PriceConfig estimator_config = config.prices;
      estimator_config.base_estimator = name;
      estimate_base_prices(cells, estimator_config, stores.view());
      estimators.push_back({name, cells.base_price});
      uint64_t promo = 0;
      double depth_sum = 0;
      for (size_t c = 0; c < cells.size(); ++c) {
        const Promotion pr =
            promotion_of(cells.actual_price[c], cells.base_price[c], config.prices);
        promo += pr.promo;
        if (pr.promo) depth_sum += pr.depth;
      }
      report["estimators"][name] = {
          {"promo_cell_share", cells.size() ? double(promo) / double(cells.size()) : 0.0},
          {"mean_promo_depth", promo ? depth_sum / double(promo) : 0.0}};
    }
    for (const Series& s : pick_series(cells, estimators, config.prices)) {
      report["plots"].push_back(series_json(store, weeks, cells, estimators, config.prices,
                                            config.prices.base_estimator, s));
    }
  }
  if (Json counts = manifest_counts(derived / "graph"); !counts.is_null()) report["graph"] = counts;
  if (Json counts = manifest_counts(derived / "affinity"); !counts.is_null()) {
    report["affinity"] = counts;
  }
  if (Json counts = manifest_counts(derived / "missions"); !counts.is_null()) {
    report["missions"] = counts;
  }

  Json series = report["plots"];
  if (has_truth) {
    ReportInputs inputs;
    inputs.store = &store;
    inputs.weeks = weeks;
    inputs.cells = &cells;
    inputs.estimators = std::move(estimators);
    inputs.price_config = &config.prices;
    inputs.derived_dir = derived;
    series = add_truth_metrics(truth_dir, inputs, report);
  }
  report["plots"] = series;

  // The figures a person (and `retailsim run`) looks at first.
  Json headline = {{"selected", config.prices.base_estimator}};
  const Json& selected = report["estimators"].value(config.prices.base_estimator, Json::object());
  for (const char* key :
       {"base_price_mape", "promo_precision", "promo_recall", "promo_f1", "discount_depth_mae"}) {
    if (selected.contains(key)) headline[key] = selected[key];
  }
  if (report.contains("graph") && report["graph"].contains("true_complement_share")) {
    headline["true_complement_share"] = report["graph"]["true_complement_share"];
  }
  if (report.contains("affinity") && report["affinity"].contains("primary_store_accuracy")) {
    headline["primary_store_accuracy"] = report["affinity"]["primary_store_accuracy"];
  }
  report["headline"] = headline;

  const fs::path reports = data_dir / "reports";
  fs::create_directories(reports);
  write_json(reports / "derive.json", report);
  write_file_atomic(reports / "derive.html", report_html(report, series));
  spdlog::info("derive report: {}", (reports / "derive.html").string());
  return report;
}

}  // namespace retailsim::derive
