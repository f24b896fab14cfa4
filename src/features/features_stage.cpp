// The features stage driver: the temporal split, then prices and the product graph refitted on the
// training weeks, then pseudo-brands, customer history and store context, each part written into
// features/<part>/ atomically with its manifest and skipped when its inputs and config are
// unchanged.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>
#include <unordered_map>

#include <spdlog/spdlog.h>

#include "core/atomic_file.h"
#include "core/dataset.h"
#include "core/error.h"
#include "core/npy.h"
#include "core/progress.h"
#include "core/torch_runtime.h"
#include "features/features.h"
#include "retailsim_version.h"

namespace retailsim::features {

namespace {

// Bumped when a features folder's layout changes, so older folders are rebuilt.
constexpr int kFeaturesSchemaVersion = 1;

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The training prefix of the store: rows and baskets are sorted by week, so the training weeks
// are the first n_train_rows rows and the first n_train_baskets baskets.
struct TrainingPrefix {
  int32_t first_week_index = 0;
  SplitWeeks weeks;
  uint64_t n_rows = 0;
  uint64_t n_baskets = 0;
};

TrainingPrefix training_prefix(const Store& store, const FeaturesConfig& config) {
  if (store.n_rows() == 0) fail("features: the store has no rows");
  TrainingPrefix t;
  t.first_week_index = store.week_index[0];
  const int32_t n_weeks = store.week_index[store.n_rows() - 1] - t.first_week_index + 1;
  t.weeks = split_weeks(n_weeks, config.train_fraction, config.val_fraction);
  const auto end_week = static_cast<int16_t>(t.first_week_index + t.weeks.n_train);
  t.n_rows = static_cast<uint64_t>(
      std::lower_bound(store.week_index.begin(), store.week_index.end(), end_week) -
      store.week_index.begin());
  t.n_baskets = static_cast<uint64_t>(
      std::lower_bound(store.basket_week_index.begin(), store.basket_week_index.end(), end_week) -
      store.basket_week_index.begin());
  return t;
}

// Prices and promotions fitted on the training rows only.
struct TrainingPrices {
  TrainingPromotions promotions;
  std::vector<float> product_price;  // median base price over the product's training cells
  PriceEncodingStats encoding;       // layer 2's statistics
};

TrainingPrices training_prices(const Store& store, const TrainingPrefix& t,
                               const derive::PriceConfig& config) {
  const size_t n = t.n_rows;
  derive::StorePriceRows rows{store.product_id.span().first(n),  store.store_id.span().first(n),
                              store.week_index.span().first(n),  store.quantity.span().first(n),
                              store.spend_cents.span().first(n), t.first_week_index};
  const derive::PriceDims dims{static_cast<int32_t>(store.n_products()),
                               static_cast<int32_t>(store.n_stores()), t.weeks.n_train};
  std::vector<int32_t> format(store.store_format.begin(), store.store_format.end());
  std::vector<int32_t> region(store.store_region.begin(), store.store_region.end());
  const derive::PriceTable table =
      derive::derive_prices(rows, dims, derive::StoreInfo{format, region}, config);
  TrainingPrices out;
  out.promotions.row_promo.assign(n, 0);
  out.promotions.row_depth.assign(n, 0.0f);
  out.promotions.row_bin.assign(n, 0);
  for (size_t r = 0; r < n; ++r) {
    const int64_t cell =
        table.find_cell(rows.product[r], rows.store[r], rows.week[r] - t.first_week_index);
    if (cell < 0) continue;
    const auto c = static_cast<size_t>(cell);
    out.promotions.row_promo[r] = table.promo_flag[c];
    out.promotions.row_depth[r] = table.discount_depth[c];
    out.promotions.row_bin[r] = table.discount_bin[c];
  }
  const std::span<const int32_t> parents[4] = {
      store.product_parent[0].span(), store.product_parent[1].span(),
      store.product_parent[2].span(), store.product_parent[3].span()};
  out.encoding = fit_price_encoding(table, parents);
  out.product_price.assign(store.n_products(), std::nanf(""));
  std::vector<float> prices;
  for (size_t p = 0; p < store.n_products(); ++p) {
    prices.clear();
    for (uint64_t c = table.cells.product_offsets[p]; c < table.cells.product_offsets[p + 1]; ++c) {
      if (std::isfinite(table.cells.base_price[c])) prices.push_back(table.cells.base_price[c]);
    }
    if (prices.empty()) continue;
    std::nth_element(prices.begin(), prices.begin() + static_cast<ptrdiff_t>(prices.size() / 2),
                     prices.end());
    out.product_price[p] = prices[prices.size() / 2];
  }
  return out;
}

// The product graph of the training baskets only.
derive::ProductGraph training_graph(const Store& store, const TrainingPrefix& t,
                                    const derive::GraphConfig& config) {
  std::vector<uint64_t> offsets(t.n_baskets + 1);
  for (uint64_t b = 0; b <= t.n_baskets; ++b) {
    offsets[b] = static_cast<uint64_t>(store.basket_row_offsets[b]);
  }
  const derive::BasketRows baskets{offsets, store.product_id.span().first(t.n_rows)};
  const auto n_products = static_cast<int32_t>(store.n_products());
  const derive::PairCounts pairs = derive::count_copurchases(baskets, n_products, config);
  std::vector<int32_t> product_to_cl(store.product_parent[0].begin(),
                                     store.product_parent[0].end());
  std::vector<int32_t> up[3];
  for (int level = 0; level < 3; ++level) {
    up[level].assign(store.product_parent_codes[level].size(), 0);
    for (size_t p = 0; p < store.n_products(); ++p) {
      up[level][static_cast<size_t>(store.product_parent[level][p])] =
          store.product_parent[level + 1][p];
    }
  }
  return derive::build_product_graph(pairs, derive::Hierarchy{product_to_cl, up[0], up[1], up[2]},
                                     config);
}

class PartRunner {
 public:
  PartRunner(const FeaturesOptions& options, const Store& store)
      : options_(options),
        store_(store),
        prefix_(training_prefix(store, options.config)),
        dir_(options.data_dir / "features"),
        store_input_(describe_input(store.dir / "manifest.json", options.data_dir)) {}

  PartResult run(const std::string& part) {
    const auto start = std::chrono::steady_clock::now();
    Manifest planned;
    planned.stage = "features-" + part;
    planned.schema_version = kFeaturesSchemaVersion;
    planned.retailsim_version = RETAILSIM_VERSION;
    planned.inputs = {store_input_};
    // The split depends on its fractions only; the fitted parts on all of [features] and on the
    // [derive] settings they refit prices and the graph with.
    if (part == "splits") {
      planned.config = {{"train_fraction", options_.config.train_fraction},
                        {"val_fraction", options_.config.val_fraction}};
    } else {
      planned.config = options_.config.to_json();
      planned.config["derive"] = options_.derive_config.to_json();
      // GraphSAGE's settings concern its own part only.
      if (part != "graph_embeddings") planned.config.erase("graph");
    }
    const fs::path dir = dir_ / part;
    PartResult result;
    result.part = part;
    auto previous = Manifest::read(dir);
    if (!options_.force && previous && previous->same_build(planned)) {
      result.skipped = true;
      result.counts = previous->counts;
      spdlog::info("features {}: up to date (--force rebuilds)", part);
      return result;
    }
    AtomicDir staging(dir);
    fs::create_directories(staging.staging());
    const fs::path out = staging.staging();
    std::vector<std::string> files;
    if (part == "splits") {
      files = build_splits(out, planned.counts);
    } else if (part == "pseudo_brands") {
      files = build_pseudo_brands(out, planned.counts);
    } else if (part == "customer_history") {
      files = build_customer_history(out, planned.counts);
    } else if (part == "store_context") {
      files = build_store_context(out, planned.counts);
    } else if (part == "price_encoding") {
      files = build_price_encoding(out, planned.counts);
    } else {
      files = build_graph_embeddings(out, planned.counts);
    }
    result.seconds = seconds_since(start);
    planned.counts["seconds"] = result.seconds;
    planned.extra["files"] = files;
    planned.extra["first_week_index"] = prefix_.first_week_index;
    planned.extra["weeks"] = {{"n_weeks", prefix_.weeks.n_weeks},
                              {"train", {0, prefix_.weeks.n_train}},
                              {"val", {prefix_.weeks.val_begin(), prefix_.weeks.test_begin()}},
                              {"test", {prefix_.weeks.test_begin(), prefix_.weeks.n_weeks}}};
    planned.write(out);  // last, so a folder with a manifest is complete
    staging.commit();
    result.counts = planned.counts;
    spdlog::info("features {}: {} files in {}", part, files.size(), human_duration(result.seconds));
    return result;
  }

 private:
  std::vector<std::string> build_splits(const fs::path& dir, Json& counts) {
    const SplitWeeks& w = prefix_.weeks;
    std::vector<int8_t> week_split(static_cast<size_t>(w.n_weeks));
    std::vector<int16_t> week_index(static_cast<size_t>(w.n_weeks));
    for (int32_t k = 0; k < w.n_weeks; ++k) {
      week_split[static_cast<size_t>(k)] = w.split_of(k);
      week_index[static_cast<size_t>(k)] = static_cast<int16_t>(prefix_.first_week_index + k);
    }
    std::vector<int32_t> week_of_position(store_.customer_baskets.size());
    for (size_t i = 0; i < week_of_position.size(); ++i) {
      week_of_position[i] =
          store_.basket_week_index[static_cast<size_t>(store_.customer_baskets[i])] -
          prefix_.first_week_index;
    }
    const CustomerSplit split =
        customer_split(store_.customer_basket_offsets.span(), week_of_position, w);
    write_npy(dir / "week_split.npy", week_split);
    write_npy(dir / "week_index.npy", week_index);
    write_npy(dir / "customer_first_week.npy", split.first_week);
    write_npy(dir / "customer_cold_start.npy", split.cold_start);
    counts["weeks"] = w.n_weeks;
    counts["train_weeks"] = w.n_train;
    counts["val_weeks"] = w.n_val;
    counts["test_weeks"] = w.n_test;
    counts["train_rows"] = prefix_.n_rows;
    counts["train_baskets"] = prefix_.n_baskets;
    counts["cold_start_customers"] =
        std::count(split.cold_start.begin(), split.cold_start.end(), uint8_t{1});
    return {"week_split.npy", "week_index.npy", "customer_first_week.npy",
            "customer_cold_start.npy"};
  }

  std::vector<std::string> build_pseudo_brands(const fs::path& dir, Json& counts) {
    const TrainingPrices& prices = training_prices_cached();
    const derive::ProductGraph& graph = training_graph_cached();
    const PseudoBrands& brands = pseudo_brands_cached();
    write_npy(dir / "pseudo_brand_id.npy", brands.id);
    write_npy(dir / "confidence.npy", brands.confidence);
    write_npy(dir / "training_price.npy", prices.product_price);
    counts["products"] = store_.n_products();
    counts["products_with_pseudo_brand"] =
        std::count_if(brands.id.begin(), brands.id.end(), [](int32_t id) { return id >= 0; });
    counts["pseudo_brands"] = brands.n_pseudo_brands;
    counts["complement_edges"] = graph.complements.size();
    counts["substitute_edges"] = graph.substitutes.size();
    return {"pseudo_brand_id.npy", "confidence.npy", "training_price.npy"};
  }

  std::vector<std::string> build_customer_history(const fs::path& dir, Json& counts) {
    const CustomerHistory h =
        customer_history(store_, prefix_.weeks, prefix_.first_week_index, prefix_.n_rows,
                         prefix_.n_baskets, training_prices_cached().promotions, options_.config);
    const auto n = static_cast<uint64_t>(store_.n_customers());
    write_npy(dir / "customer_history.npy", h.vectors, {n, kCustomerDims});
    write_npy(dir / "training_trips.npy", h.training_trips);
    write_npy(dir / "blend_weight.npy", h.blend_weight);
    counts["customers"] = n;
    counts["customers_unseen_in_training"] =
        std::count(h.training_trips.begin(), h.training_trips.end(), 0);
    counts["customers_full_weight"] =
        std::count(h.blend_weight.begin(), h.blend_weight.end(), 1.0f);
    return {"customer_history.npy", "training_trips.npy", "blend_weight.npy"};
  }

  std::vector<std::string> build_store_context(const fs::path& dir, Json& counts) {
    const TrainingPrices& prices = training_prices_cached();
    const StoreContext s =
        store_context(store_, prefix_.weeks, prefix_.first_week_index, prefix_.n_rows,
                      prefix_.n_baskets, prices.product_price, prices.promotions, options_.config);
    const auto n = static_cast<uint64_t>(store_.n_stores());
    write_npy(dir / "store_context.npy", s.vectors, {n, kStoreDims});
    counts["stores"] = n;
    return {"store_context.npy"};
  }

  std::vector<std::string> build_price_encoding(const fs::path& dir, Json& counts) {
    const PriceEncodingStats& st = training_prices_cached().encoding;
    counts["products"] = st.product_sold.size();
    counts["products_sold_in_training"] =
        std::count(st.product_sold.begin(), st.product_sold.end(), uint8_t{1});
    counts["stores"] = st.n_stores;
    counts["sub_commodities"] = st.n_categories;
    counts["log_price_mean"] = st.log_price_mean;
    counts["log_price_sd"] = st.log_price_sd;
    return write_price_encoding(st, dir);
  }

  // Layer 3: GraphSAGE's inputs are written into the part's folder, the torch job trains on them
  // and adds embeddings.npy; the neighbour check runs here.
  std::vector<std::string> build_graph_embeddings(const fs::path& dir, Json& counts) {
    const std::span<const int32_t> parents[4] = {
        store_.product_parent[0].span(), store_.product_parent[1].span(),
        store_.product_parent[2].span(), store_.product_parent[3].span()};
    const GraphInputs in = graph_inputs(training_graph_cached(), parents, pseudo_brands_cached().id,
                                        training_prices_cached().encoding);
    const auto P = static_cast<uint64_t>(store_.n_products());
    write_npy(dir / "node_features.npy", in.features, {P, uint64_t(kGraphFeatureDims)});
    write_npy(dir / "edge_offsets.npy", in.offsets);
    write_npy(dir / "edge_targets.npy", in.targets);
    const GraphEmbeddingConfig& config = options_.config.graph;
    const TorchRuntime runtime = load_torch_runtime(options_.n_threads, options_.torch_module_dir);
    spdlog::info("features graph_embeddings: LibTorch {} on {} threads", runtime.version,
                 runtime.n_threads);
    const Json result =
        run_torch_job("features.graph_embeddings",
                      Json{{"dir", dir.string()}, {"config", config.to_json()}}, options_.quiet);
    const std::vector<float> embeddings = read_npy<float>(dir / "embeddings.npy");
    const NeighbourAgreement agreement = neighbour_same_subcommodity(
        embeddings, config.dims, store_.product_parent[0].span(), config.neighbours_report);
    int64_t in_graph = 0;
    for (uint64_t p = 0; p < P; ++p) in_graph += in.offsets[p + 1] > in.offsets[p];
    counts["products"] = P;
    counts["products_in_training_graph"] = in_graph;
    counts["edges"] = in.targets.size() / 2;
    counts["train_edges"] = result.at("train_edges");
    counts["heldout_edges"] = result.at("heldout_edges");
    counts["graph_link_auc"] = result.at("graph_link_auc");
    counts["neighbour_same_subcommodity"] = agreement.share;
    counts["neighbour_same_subcommodity_chance"] = agreement.chance;
    counts["epoch_loss"] = result.at("epoch_loss");
    counts["training_seconds"] = result.at("seconds");
    counts["training_threads"] = result.at("threads");
    return {"node_features.npy", "edge_offsets.npy", "edge_targets.npy", "embeddings.npy"};
  }

  const derive::ProductGraph& training_graph_cached() {
    if (!graph_) graph_ = training_graph(store_, prefix_, options_.derive_config.graph);
    return *graph_;
  }

  const PseudoBrands& pseudo_brands_cached() {
    if (!brands_) {
      const TrainingPrices& prices = training_prices_cached();
      const derive::ProductGraph& graph = training_graph_cached();
      std::vector<int32_t> product_cl(store_.product_parent[0].begin(),
                                      store_.product_parent[0].end());
      const PseudoBrandInputs inputs{product_cl,
                                     prices.product_price,
                                     graph.complements.offsets,
                                     graph.complements.target,
                                     graph.substitutes.offsets,
                                     graph.substitutes.target};
      brands_ = pseudo_brands(inputs, options_.config);
    }
    return *brands_;
  }

  const TrainingPrices& training_prices_cached() {
    if (!prices_) prices_ = training_prices(store_, prefix_, options_.derive_config.prices);
    return *prices_;
  }

  const FeaturesOptions& options_;
  const Store& store_;
  TrainingPrefix prefix_;
  fs::path dir_;
  InputFile store_input_;
  std::optional<TrainingPrices> prices_;
  std::optional<derive::ProductGraph> graph_;
  std::optional<PseudoBrands> brands_;
};

// features/report.json from the files on disk; pseudo_brand_ari when truth/ exists.
Json features_report(const fs::path& data_dir, const Store& store) {
  Json report;
  const fs::path truth = data_dir / "truth";
  const fs::path ids_path = data_dir / "features" / "pseudo_brands" / "pseudo_brand_id.npy";
  const bool synthetic =
      fs::exists(truth / "product_brand.npy") && fs::exists(truth / "product_code.npy");
  report["synthetic"] = synthetic;
  if (synthetic && fs::exists(ids_path)) {
    const std::vector<int32_t> ids = read_npy<int32_t>(ids_path);
    const std::vector<std::string> codes = read_npy_strings(truth / "product_code.npy");
    const std::vector<int32_t> brand = read_npy<int32_t>(truth / "product_brand.npy");
    std::unordered_map<std::string, int32_t> brand_of;
    for (size_t i = 0; i < codes.size() && i < brand.size(); ++i) brand_of[codes[i]] = brand[i];
    std::vector<int32_t> truth_labels(ids.size(), -1);
    for (size_t p = 0; p < ids.size(); ++p) {
      auto it = brand_of.find(store.product_codes[p]);
      if (it != brand_of.end()) truth_labels[p] = it->second;
    }
    size_t compared = 0;
    for (size_t p = 0; p < ids.size(); ++p) compared += ids[p] >= 0 && truth_labels[p] >= 0;
    report["pseudo_brand_ari"] = adjusted_rand_index(ids, truth_labels);
    report["pseudo_brand_products_compared"] = compared;
  }
  if (auto graph = Manifest::read(data_dir / "features" / "graph_embeddings")) {
    for (const char* key :
         {"graph_link_auc", "neighbour_same_subcommodity", "neighbour_same_subcommodity_chance"}) {
      report[key] = graph->counts.value(key, Json());
    }
  }
  return report;
}

}  // namespace

Json FeaturesSummary::to_json() const {
  Json per_part = Json::object();
  for (const PartResult& p : parts) {
    per_part[p.part] = {{"skipped", p.skipped}, {"seconds", p.seconds}, {"counts", p.counts}};
  }
  return Json{{"parts", per_part}, {"report", report}, {"seconds", seconds}};
}

FeaturesSummary features_stage(const FeaturesOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  options.config.validate();
  options.derive_config.validate();
  const Store store = Store::open(options.data_dir);
  const fs::path dir = options.data_dir / "features";
  fs::create_directories(dir);
  if (int removed = remove_stale_temporaries(dir); removed > 0) {
    spdlog::warn("removed {} folders left in {} by an interrupted features run", removed,
                 dir.string());
  }
  PartRunner runner(options, store);
  FeaturesSummary summary;
  for (const char* part : kPartNames) {
    if (std::string(part) == "graph_embeddings" && !options.graph_embeddings) continue;
    summary.parts.push_back(runner.run(part));
  }
  summary.report = features_report(options.data_dir, store);
  write_json(dir / "report.json", summary.report);
  summary.seconds = seconds_since(start);
  return summary;
}

}  // namespace retailsim::features
