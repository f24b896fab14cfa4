// The derive stage driver: reads the store, runs prices, graph, affinity and missions, writes
// each into derived/<stage>/ atomically with its manifest, and skips a stage whose inputs and
// config are unchanged.
#include <algorithm>
#include <chrono>
#include <functional>
#include <optional>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/progress.h"
#include "derive/stage_io.h"
#include "retailsim_version.h"

namespace retailsim::derive {

namespace {

// Bumped when a derived folder's layout changes, so older folders are rebuilt.
constexpr int kDerivedSchemaVersion = 1;

// The [derive] keys each stage depends on.
Json stage_config(const std::string& stage, const DeriveConfig& config) {
  const Json all = config.to_json();
  Json out = Json::object();
  for (const auto& [key, value] : all.items()) {
    const bool graph_key = key.rfind("graph_", 0) == 0 || key.rfind("substitute_", 0) == 0;
    const bool affinity_key = key == "top_stores";
    if ((stage == "prices" && !graph_key && !affinity_key) || (stage == "graph" && graph_key) ||
        (stage == "affinity" && affinity_key)) {
      out[key] = value;
    }
  }
  return out;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

template <typename T>
double mean_of(const std::vector<T>& values, const std::function<bool(size_t)>& include) {
  double sum = 0;
  uint64_t n = 0;
  for (size_t i = 0; i < values.size(); ++i) {
    if (include(i)) {
      sum += static_cast<double>(values[i]);
      ++n;
    }
  }
  return n ? sum / static_cast<double>(n) : 0.0;
}

class StageRunner {
 public:
  StageRunner(const StageOptions& options, const Store& store)
      : options_(options),
        store_(store),
        weeks_(data_weeks_of(store)),
        dims_(price_dims_of(store, weeks_)),
        derived_(options.data_dir / "derived"),
        store_input_(describe_input(store.dir / "manifest.json", options.data_dir)) {}

  StageResult run(const std::string& stage) {
    const auto start = std::chrono::steady_clock::now();
    Manifest planned;
    planned.stage = "derive-" + stage;
    planned.schema_version = kDerivedSchemaVersion;
    planned.retailsim_version = RETAILSIM_VERSION;
    planned.inputs = {store_input_};
    planned.config = stage_config(stage, options_.config);
    if (stage == "missions") {
      // Missions reads the promotions of derived/prices/: its manifest is an input.
      planned.inputs.push_back(prices_input_for_missions());
    }
    const fs::path dir = derived_ / stage;
    StageResult result;
    result.stage = stage;
    auto previous = Manifest::read(dir);
    if (!options_.force && previous && previous->same_build(planned)) {
      result.skipped = true;
      result.counts = previous->counts;
      spdlog::info("derive {}: up to date (--force rebuilds)", stage);
      return result;
    }
    AtomicDir staging(dir);
    fs::create_directories(staging.staging());
    std::vector<std::string> files;
    if (stage == "prices") {
      files = build_prices(staging.staging(), planned.counts);
    } else if (stage == "graph") {
      files = build_graph(staging.staging(), planned.counts);
    } else if (stage == "affinity") {
      files = build_affinity(staging.staging(), planned.counts);
    } else {
      files = build_missions(staging.staging(), planned.counts);
    }
    result.seconds = seconds_since(start);
    planned.counts["seconds"] = result.seconds;
    planned.extra["files"] = files;
    planned.extra["first_week_index"] = weeks_.first_week_index;
    planned.extra["first_shop_week"] = store_.calendar.at(weeks_.first_week_index).shop_week;
    planned.extra["n_weeks"] = weeks_.n_weeks;
    planned.write(staging.staging());  // last, so a folder with a manifest is complete
    staging.commit();
    result.counts = planned.counts;
    spdlog::info("derive {}: {} files in {}", stage, files.size(), human_duration(result.seconds));
    return result;
  }

 private:
  std::vector<std::string> build_prices(const fs::path& dir, Json& counts) {
    Progress progress("derive prices", 3, "steps");
    const StoreInfoColumns stores = store_info_of(store_);
    OutlierSummary outliers;
    PriceCells cells =
        actual_prices(price_rows_of(store_, weeks_), dims_, options_.config.prices, &outliers);
    progress.advance();
    estimate_base_prices(cells, options_.config.prices, stores.view());
    progress.advance();
    const PriceTable table =
        build_price_table(std::move(cells), dims_, stores.view(), options_.config.prices);
    auto files = write_price_table(table, dir);
    write_npy(dir / "removed_outliers_per_product.npy", outliers.removed_per_product);
    files.push_back("removed_outliers_per_product.npy");
    if (options_.config.prices.dense_export) {
      const DensePrices dense = dense_prices(table, options_.config.prices);
      const std::vector<uint64_t> shape = {static_cast<uint64_t>(dims_.n_products),
                                           static_cast<uint64_t>(dims_.n_stores),
                                           static_cast<uint64_t>(dims_.n_weeks)};
      write_npy(dir / "dense_actual_price.npy", dense.actual_price, shape);
      write_npy(dir / "dense_base_price.npy", dense.base_price, shape);
      write_npy(dir / "dense_level.npy", dense.level, shape);
      write_npy(dir / "dense_promo_flag.npy", dense.promo_flag, shape);
      files.insert(files.end(), {"dense_actual_price.npy", "dense_base_price.npy",
                                 "dense_level.npy", "dense_promo_flag.npy"});
    }
    progress.advance();
    progress.finish();

    counts = outliers.to_json();
    counts["cells"] = table.cells.size();
    counts["products"] = dims_.n_products;
    counts["stores"] = dims_.n_stores;
    counts["weeks"] = dims_.n_weeks;
    counts["promo_cells"] = std::count(table.promo_flag.begin(), table.promo_flag.end(), 1);
    Json levels = Json::object();
    const std::vector<uint64_t> by_level = table.level_counts();
    for (size_t level = 0; level < by_level.size(); ++level) {
      levels[price_level_name(static_cast<PriceLevel>(level))] = by_level[level];
    }
    counts["grid_cells_by_level"] = levels;
    return files;
  }

  std::vector<std::string> build_graph(const fs::path& dir, Json& counts) {
    Progress progress("derive graph", 3, "steps");
    const HierarchyColumns hierarchy = hierarchy_of(store_);
    const PairCounts pairs =
        count_copurchases(basket_rows_of(store_), dims_.n_products, options_.config.graph);
    progress.advance();
    const ProductGraph graph = build_product_graph(pairs, hierarchy.view(), options_.config.graph);
    progress.advance();
    auto files = write_product_graph(pairs, graph, graph_names_of(store_), dir);
    progress.advance();
    progress.finish();
    counts["baskets"] = pairs.n_baskets;
    counts["products"] = dims_.n_products;
    counts["pairs"] = pairs.a.size();
    counts["complement_edges"] = graph.complements.size();
    counts["substitute_edges"] = graph.substitutes.size();
    uint64_t with_complements = 0;
    for (int32_t p = 0; p < graph.n_products; ++p) {
      with_complements += graph.complements.offsets[p + 1] > graph.complements.offsets[p];
    }
    counts["products_with_complements"] = with_complements;
    return files;
  }

  std::vector<std::string> build_affinity(const fs::path& dir, Json& counts) {
    Progress progress("derive affinity", 2, "steps");
    const CustomerBasketColumns baskets = customer_baskets_of(store_, weeks_, nullptr);
    const CustomerAffinity affinity =
        customer_affinity(baskets.view(store_), weeks_.n_weeks - 1, options_.config.affinity);
    progress.advance();
    auto files = write_affinity(affinity, dir);
    progress.advance();
    progress.finish();
    counts["customers"] = affinity.n_trips.size();
    const auto shopped = [&](size_t c) { return affinity.n_trips[c] > 0; };
    counts["customers_with_trips"] =
        std::count_if(affinity.n_trips.begin(), affinity.n_trips.end(), [](auto n) { return n; });
    counts["mean_loyalty"] = mean_of(affinity.loyalty, shopped);
    counts["mean_stores"] = mean_of(affinity.n_stores, shopped);
    counts["mean_switching_rate"] = mean_of(affinity.switching_rate, shopped);
    return files;
  }

  std::vector<std::string> build_missions(const fs::path& dir, Json& counts) {
    Progress progress("derive missions", 3, "steps");
    // Only the promotion flags of derived/prices/ are needed, not the price table (its medians
    // and per-cell prices): the flags are read back at one byte per cell and freed before the
    // per-customer pass.
    std::optional<PromoLookup> promos =
        PromoLookup::read(derived_ / "prices", dims_, options_.config.prices);
    progress.advance();
    const CustomerBasketColumns baskets = customer_baskets_of(store_, weeks_, &*promos);
    promos.reset();
    const CustomerMissions missions =
        customer_missions(baskets.view(store_), mission_vocab_of(store_));
    progress.advance();
    auto files = write_missions(missions, dir);
    progress.advance();
    progress.finish();
    counts["customers"] = missions.mean_lines.size();
    const auto known = [&](size_t c) { return !std::isnan(missions.promo_spend_share[c]); };
    counts["mean_promo_spend_share"] = mean_of(missions.promo_spend_share, known);
    counts["mean_lines"] = mean_of(missions.mean_lines, known);
    return files;
  }

  InputFile prices_input_for_missions() {
    const fs::path prices_dir = derived_ / "prices";
    auto prices = Manifest::read(prices_dir);
    if (!prices) {
      fail("derive missions needs {}; run `retailsim derive --stage prices` first",
           prices_dir.string());
    }
    if (prices->config != stage_config("prices", options_.config)) {
      fail("{} was built with another price config; run `retailsim derive --stage prices`",
           prices_dir.string());
    }
    return describe_input(prices_dir / "manifest.json", options_.data_dir);
  }

  const StageOptions& options_;
  const Store& store_;
  DataWeeks weeks_;
  PriceDims dims_;
  fs::path derived_;
  InputFile store_input_;
};

std::vector<std::string> stages_to_run(const std::vector<std::string>& requested) {
  std::vector<std::string> known(std::begin(kStageNames), std::end(kStageNames));
  if (requested.empty()) return known;
  for (const std::string& name : requested) {
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      fail("unknown derive stage '{}' (known: {})", name, fmt::join(known, ", "));
    }
  }
  std::vector<std::string> ordered;
  for (const std::string& name : known) {
    if (std::find(requested.begin(), requested.end(), name) != requested.end()) {
      ordered.push_back(name);
    }
  }
  return ordered;
}

}  // namespace

Json DeriveSummary::to_json() const {
  Json j;
  Json per_stage = Json::object();
  for (const StageResult& s : stages) {
    per_stage[s.stage] = {{"skipped", s.skipped}, {"seconds", s.seconds}, {"counts", s.counts}};
  }
  j["stages"] = per_stage;
  j["report_written"] = report_written;
  j["report"] = report_headline;
  j["seconds"] = seconds;
  return j;
}

DeriveSummary derive_stage(const StageOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  options.config.validate();
  const std::vector<std::string> stages = stages_to_run(options.stages);
  const Store store = Store::open(options.data_dir);
  const fs::path derived = options.data_dir / "derived";
  fs::create_directories(derived);
  if (int removed = remove_stale_temporaries(derived); removed > 0) {
    spdlog::warn("removed {} folders left in {} by an interrupted derive", removed,
                 derived.string());
  }
  StageRunner runner(options, store);
  DeriveSummary summary;
  bool built = false;
  for (const std::string& stage : stages) {
    summary.stages.push_back(runner.run(stage));
    built = built || !summary.stages.back().skipped;
  }
  const bool report_missing = !fs::exists(options.data_dir / "reports" / "derive.json");
  if (options.write_report && (built || report_missing || options.force)) {
    const Json report = derive_report(options.data_dir, options.config);
    summary.report_written = true;
    summary.report_headline = report.value("headline", Json::object());
  }
  summary.seconds = seconds_since(start);
  return summary;
}

}  // namespace retailsim::derive
