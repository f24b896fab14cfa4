// `retailsim export tensors`: one batch of T1-T6 inputs and targets as .npy files + batch.json.
// `retailsim export prices`: the 64-d price encoding (feature layer 2) materialised for a grid of
// (product, store, week) cells as .npy files + cells.json.
#include <spdlog/spdlog.h>

#include <unordered_map>

#include "cli/command.h"
#include "core/atomic_file.h"
#include "core/dataset.h"
#include "core/error.h"
#include "core/npy.h"
#include "features/features.h"
#include "prepare/prepare.h"

namespace retailsim::cli {

namespace {

// Ids of `codes` in `dictionary` (all ids when codes is empty); an unknown code is an error
// naming the option.
std::vector<int32_t> ids_of(const std::vector<std::string>& codes,
                            const std::vector<std::string>& dictionary, const char* option) {
  std::vector<int32_t> ids;
  if (codes.empty()) {
    for (size_t i = 0; i < dictionary.size(); ++i) ids.push_back(static_cast<int32_t>(i));
    return ids;
  }
  std::unordered_map<std::string, int32_t> index;
  for (size_t i = 0; i < dictionary.size(); ++i) index.emplace(dictionary[i], i);
  for (const auto& code : codes) {
    auto it = index.find(code);
    if (it == index.end()) fail("{}: unknown code '{}' (not in the store)", option, code);
    ids.push_back(it->second);
  }
  return ids;
}

template <typename Options>
Json export_prices(const Options& options) {
  const Store store = Store::open(options.data);
  const features::PriceEncoder encoder = features::PriceEncoder::open(options.data);
  const std::vector<int32_t> products = ids_of(options.products, store.product_codes, "--products");
  const std::vector<int32_t> stores = ids_of(options.stores, store.store_codes, "--stores");
  int32_t first = 0, last = encoder.n_weeks() - 1;
  if (!options.weeks.empty()) {
    const auto colon = options.weeks.find(':');
    try {
      if (colon == std::string::npos) throw std::invalid_argument("no colon");
      first = std::stoi(options.weeks.substr(0, colon));
      last = std::stoi(options.weeks.substr(colon + 1));
    } catch (const std::exception&) {
      fail("--weeks: expected FIRST:LAST (e.g. 0:11), got '{}'", options.weeks);
    }
    if (first < 0 || last < first || last >= encoder.n_weeks()) {
      fail("--weeks {}: the data has weeks 0:{}", options.weeks, encoder.n_weeks() - 1);
    }
  }
  const int64_t n_weeks = last - first + 1;
  const int64_t n = static_cast<int64_t>(products.size()) * stores.size() * n_weeks;
  if (n > options.max_cells) {
    fail(
        "{} products x {} stores x {} weeks = {} cells, over --max-cells {} ({} bytes each); "
        "narrow --products, --stores or --weeks",
        products.size(), stores.size(), n_weeks, n, options.max_cells,
        features::kPriceDims * sizeof(float));
  }
  std::vector<int32_t> cell_product, cell_store, cell_week;
  cell_product.reserve(n);
  cell_store.reserve(n);
  cell_week.reserve(n);
  for (int32_t p : products) {
    for (int32_t s : stores) {
      for (int32_t w = first; w <= last; ++w) {
        cell_product.push_back(p);
        cell_store.push_back(s);
        cell_week.push_back(w);
      }
    }
  }
  fs::create_directories(options.out);
  features::write_price_encodings(encoder, cell_product, cell_store, cell_week,
                                  options.out / "encodings.npy");
  write_npy(options.out / "product.npy", cell_product, {static_cast<uint64_t>(n)});
  write_npy(options.out / "store.npy", cell_store, {static_cast<uint64_t>(n)});
  write_npy(options.out / "week.npy", cell_week, {static_cast<uint64_t>(n)});
  Json meta = {
      {"cells", n},
      {"order", "product, then store, then week (week fastest)"},
      {"arrays",
       {{"encodings",
         {{"dtype", "float32"},
          {"shape", {n, features::kPriceDims}},
          {"meaning", "the 64-d price encoding; docs/features.md lists every dim"}}},
        {"product", {{"dtype", "int32"}, {"shape", {n}}, {"meaning", "store product id"}}},
        {"store", {{"dtype", "int32"}, {"shape", {n}}, {"meaning", "store id"}}},
        {"week", {{"dtype", "int32"}, {"shape", {n}}, {"meaning", "data week, 0-based"}}}}}};
  write_file_atomic(options.out / "cells.json", meta.dump(2) + "\n");
  spdlog::info("export prices: {} cells -> {}", n, options.out.string());
  return {{"cells", n}, {"out", options.out.string()}};
}

}  // namespace

Command add_export_command(CLI::App& root) {
  struct Options {
    fs::path data;
    fs::path out;
    std::string split = "val";
    std::string kind = "masked";
    int64_t limit = 1000;
    // export prices
    std::vector<std::string> products, stores;
    std::string weeks;
    int64_t max_cells = 5'000'000;
  };
  auto options = std::make_shared<Options>();
  CLI::App* app = root.add_subcommand("export", "Export data for other tools");
  app->require_subcommand(1);
  CLI::App* tensors = app->add_subcommand(
      "tensors",
      "Write one batch (the first --limit samples of a split) as .npy files + batch.json");
  tensors->add_option("--data", options->data, "Dataset folder")->required();
  tensors->add_option("--out", options->out, "Folder to write the arrays into")->required();
  tensors->add_option("--split", options->split, "train, val or test")
      ->check(CLI::IsMember({"train", "val", "test"}))
      ->capture_default_str();
  tensors->add_option("--kind", options->kind, "masked, next or store-visit")
      ->check(CLI::IsMember({"masked", "next", "store-visit"}))
      ->capture_default_str();
  tensors->add_option("--limit", options->limit, "Samples in the batch")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();

  CLI::App* prices = app->add_subcommand(
      "prices",
      "Materialise the 64-d price encoding (feature layer 2) of a product x store x week grid as "
      ".npy files + cells.json");
  prices->add_option("--data", options->data, "Dataset folder")->required();
  prices->add_option("--out", options->out, "Folder to write the arrays into")->required();
  prices->add_option("--products", options->products, "Product codes (default: all)")
      ->delimiter(',');
  prices->add_option("--stores", options->stores, "Store codes (default: all)")->delimiter(',');
  prices->add_option("--weeks", options->weeks,
                     "Data weeks FIRST:LAST, 0-based and inclusive, as in features/splits "
                     "(default: all)");
  prices
      ->add_option("--max-cells", options->max_cells,
                   "Refuse grids larger than this (each cell is 256 bytes)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();

  Command command;
  command.app = app;
  command.data_dir = [options] { return options->data; };
  command.run = [options, prices](CommandContext& ctx) {
    if (prices->parsed()) {
      ctx.counts = export_prices(*options);
      return;
    }
    prepare::ExportOptions o;
    o.data_dir = options->data;
    o.out_dir = options->out;
    o.kind = prepare::parse_kind(options->kind);
    o.split = static_cast<int8_t>(options->split == "train" ? 0 : options->split == "val" ? 1 : 2);
    o.limit = options->limit;
    o.config = prepare::PrepareConfig::from_section(ctx.config.section("prepare"), ctx.seed());
    const Json j = prepare::export_tensors(o);
    ctx.counts = {{"kind", j["kind"]},
                  {"split", j["split"]},
                  {"size", j["size"]},
                  {"max_items", j["max_items"]},
                  {"out", options->out.string()}};
  };
  return command;
}

}  // namespace retailsim::cli
