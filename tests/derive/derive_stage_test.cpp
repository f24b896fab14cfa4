// The derive stage end to end: a tiny generated world ingested and derived — documented files,
// dtypes and lengths, skip when unchanged, --force, missions' dependency on prices, accuracy
// against the truth, the store-typed row path, and real LGSR weeks without truth.
#include <gtest/gtest.h>

#include <algorithm>

#include "core/dataset.h"
#include "core/error.h"
#include "core/npy.h"
#include "derive/derive.h"
#include "ingest/ingest.h"
#include "synth/synth.h"
#include "test_util.h"

namespace retailsim::derive {
namespace {

using retailsim::testing::lgsr_sample_dir;
using retailsim::testing::ScratchDir;

// generate (tiny) + ingest into `dir`.
void make_tiny_store(const fs::path& dir) {
  synth::SynthConfig config = synth::SynthConfig::preset_named("tiny");
  synth::generate(config, dir, 2);
  ingest::IngestOptions options;
  options.raw_dir = dir / "raw";
  options.data_dir = dir;
  options.n_threads = 2;
  ingest::ingest(options);
}

StageOptions stage_options(const fs::path& dir) {
  StageOptions options;
  options.data_dir = dir;
  return options;
}

const StageResult& result_of(const DeriveSummary& summary, const std::string& stage) {
  for (const StageResult& r : summary.stages) {
    if (r.stage == stage) return r;
  }
  throw std::runtime_error("no result for stage " + stage);
}

void expect_column(const fs::path& path, const std::string& dtype,
                   const std::vector<uint64_t>& shape) {
  ASSERT_TRUE(fs::exists(path)) << path;
  const NpyInfo info = read_npy_info(path);
  EXPECT_EQ(info.dtype, dtype) << path;
  EXPECT_EQ(info.shape, shape) << path;
}

// One tiny world shared by the suite (generating it is the slow part).
class DeriveStage : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() /
                        ("retailsim-derive-stage-" + std::to_string(::getpid())));
    fs::remove_all(*dir_);
    make_tiny_store(*dir_);
    derive_stage(stage_options(*dir_));
  }
  static void TearDownTestSuite() {
    std::error_code ignored;
    fs::remove_all(*dir_, ignored);
    delete dir_;
  }
  static fs::path* dir_;
};
fs::path* DeriveStage::dir_ = nullptr;

TEST_F(DeriveStage, WritesEveryStageWithTheDocumentedDtypesAndLengths) {
  const Store store = Store::open(*dir_);
  const fs::path d = *dir_ / "derived";
  const uint64_t P = store.n_products(), S = store.n_stores(), C = store.n_customers();
  for (const char* stage : kStageNames) {
    auto manifest = Manifest::read(d / stage);
    ASSERT_TRUE(manifest) << stage;
    EXPECT_EQ(manifest->stage, std::string("derive-") + stage);
    ASSERT_FALSE(manifest->inputs.empty());
    EXPECT_EQ(manifest->inputs[0].name, "store/manifest.json");
  }
  EXPECT_EQ(Manifest::read(d / "missions")->inputs.at(1).name, "derived/prices/manifest.json");

  // prices
  const uint64_t n_cells = read_npy_info(d / "prices" / "cell_product.npy").n_elements();
  const uint64_t W = Manifest::read(d / "prices")->counts["weeks"].get<uint64_t>();
  EXPECT_EQ(W, 8u);
  EXPECT_GT(n_cells, 0u);
  for (const char* name : {"cell_product", "cell_store", "cell_week"}) {
    expect_column(d / "prices" / (std::string(name) + ".npy"), "<i4", {n_cells});
  }
  for (const char* name : {"cell_actual_price", "cell_base_price", "cell_discount_depth"}) {
    expect_column(d / "prices" / (std::string(name) + ".npy"), "<f4", {n_cells});
  }
  expect_column(d / "prices" / "cell_n_rows.npy", "<u4", {n_cells});
  expect_column(d / "prices" / "cell_promo_flag.npy", "|u1", {n_cells});
  expect_column(d / "prices" / "cell_discount_bin.npy", "|u1", {n_cells});
  expect_column(d / "prices" / "product_cell_offsets.npy", "<u8", {P + 1});
  expect_column(d / "prices" / "store_group.npy", "<i4", {S});
  const uint64_t G = read_npy_info(d / "prices" / "group_actual_price.npy").shape.at(1);
  expect_column(d / "prices" / "group_base_price.npy", "<f4", {P, G, W});
  expect_column(d / "prices" / "global_actual_price.npy", "<f4", {P, W});
  expect_column(d / "prices" / "last_sold_week.npy", "<i4", {P, W});
  expect_column(d / "prices" / "price_low.npy", "<f4", {P});
  // Every stored row is in a cell (tiny has no invalid rows), apart from the outliers removed.
  const Json counts = Manifest::read(d / "prices")->counts;
  EXPECT_EQ(counts["rows_in"].get<uint64_t>(), store.n_rows());
  uint64_t rows_in_cells = 0;
  for (uint32_t n : read_npy<uint32_t>(d / "prices" / "cell_n_rows.npy")) rows_in_cells += n;
  EXPECT_EQ(rows_in_cells, counts["rows_kept"].get<uint64_t>());

  // graph
  const uint64_t n_pairs = read_npy_info(d / "graph" / "pair_a.npy").n_elements();
  expect_column(d / "graph" / "pair_b.npy", "<i4", {n_pairs});
  expect_column(d / "graph" / "pair_count.npy", "<u4", {n_pairs});
  expect_column(d / "graph" / "product_baskets.npy", "<u4", {P});
  expect_column(d / "graph" / "complement_offsets.npy", "<u8", {P + 1});
  const auto offsets = read_npy<uint64_t>(d / "graph" / "complement_offsets.npy");
  expect_column(d / "graph" / "complement_target.npy", "<i4", {offsets.back()});
  expect_column(d / "graph" / "complement_lift.npy", "<f4", {offsets.back()});
  expect_column(d / "graph" / "product_to_cl.npy", "<i4", {P});
  expect_column(d / "graph" / "cl_to_dep.npy", "<i4", {store.product_parent_codes[0].size()});
  EXPECT_TRUE(fs::file_size(d / "graph" / "product_graph.graphml") > 0);
  EXPECT_TRUE(fs::file_size(d / "graph" / "edges.csv") > 0);

  // affinity and missions
  expect_column(d / "affinity" / "primary_store.npy", "<i4", {C});
  expect_column(d / "affinity" / "n_trips.npy", "<u4", {C});
  expect_column(d / "affinity" / "top_store.npy", "<i4", {C, 3});
  expect_column(d / "affinity" / "total_spend_cents.npy", "<i8", {C});
  expect_column(d / "missions" / "type_share.npy", "<f4", {C, store.basket_type_codes.size()});
  expect_column(d / "missions" / "mission_share.npy", "<f4",
                {C, store.basket_mission_codes.size()});
  expect_column(d / "missions" / "typical_hour.npy", "|i1", {C});
  expect_column(d / "missions" / "promo_spend_share.npy", "<f4", {C});

  EXPECT_TRUE(fs::exists(*dir_ / "reports" / "derive.json"));
  const std::string html = read_file(*dir_ / "reports" / "derive.html");
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_EQ(html.find("http://"), html.find("http://www.w3.org/2000/svg"));  // no external assets
}

TEST_F(DeriveStage, SkipsUnchangedStagesRebuildsChangedOnesAndForceRebuildsAll) {
  const DeriveSummary again = derive_stage(stage_options(*dir_));
  ASSERT_EQ(again.stages.size(), 4u);
  for (const StageResult& r : again.stages) EXPECT_TRUE(r.skipped) << r.stage;
  EXPECT_FALSE(again.report_written);

  StageOptions changed = stage_options(*dir_);
  changed.config.graph.top_k = 3;
  const DeriveSummary after_change = derive_stage(changed);
  EXPECT_TRUE(result_of(after_change, "prices").skipped);
  EXPECT_FALSE(result_of(after_change, "graph").skipped);
  EXPECT_TRUE(result_of(after_change, "affinity").skipped);
  EXPECT_TRUE(result_of(after_change, "missions").skipped);

  // A new price config rebuilds prices and, through its manifest, missions.
  StageOptions forced = stage_options(*dir_);
  forced.force = true;
  const DeriveSummary rebuilt = derive_stage(forced);
  for (const StageResult& r : rebuilt.stages) EXPECT_FALSE(r.skipped) << r.stage;
  EXPECT_TRUE(rebuilt.report_written);
  StageOptions threshold = stage_options(*dir_);
  threshold.config.prices.promo_threshold = 0.08;
  const DeriveSummary repriced = derive_stage(threshold);
  EXPECT_FALSE(result_of(repriced, "prices").skipped);
  EXPECT_TRUE(result_of(repriced, "graph").skipped);
  EXPECT_FALSE(result_of(repriced, "missions").skipped);
  derive_stage(stage_options(*dir_));  // back to the defaults for the other tests
}

TEST_F(DeriveStage, OurEstimatorMatchesTheTruthOnTiny) {
  const Json report = read_json(*dir_ / "reports" / "derive.json");
  ASSERT_TRUE(report["has_truth"].get<bool>());
  EXPECT_EQ(report["selected"], "regular-level");
  const Json& ours = report["estimators"]["regular-level"];
  const Json& seeds = report["estimators"]["rolling-max"];
  // Measured on tiny (8 weeks): MAPE 0.33 %, F1 0.59, recall 0.87 (seeds' rule: 0.46).
  EXPECT_LT(ours["base_price_mape"].get<double>(), 0.02);
  EXPECT_GT(ours["promo_f1"].get<double>(), 0.5);
  EXPECT_GT(ours["promo_recall"].get<double>(), 0.75);
  EXPECT_GT(ours["promo_recall"].get<double>(), seeds["promo_recall"].get<double>());
  EXPECT_LT(ours["discount_depth_mae"].get<double>(), 0.02);
  // The prices paid are recovered exactly (no corruption in tiny).
  EXPECT_LT(report["truth"]["actual_price_mape"].get<double>(), 1e-6);
  // Measured: 0.44 of top-10 complements join true complement categories, 0.25 by chance;
  // primary store = home store for 0.78 of customers.
  EXPECT_GT(report["graph"]["true_complement_share"].get<double>(),
            report["graph"]["true_complement_share_by_chance"].get<double>() + 0.1);
  EXPECT_GT(report["affinity"]["primary_store_accuracy"].get<double>(), 0.6);
}

TEST_F(DeriveStage, StoreTypedRowsGiveTheSameCellsAsWidenedRows) {
  const Store store = Store::open(*dir_);
  const int32_t first_week = store.week_index[0];
  const PriceDims dims{static_cast<int32_t>(store.n_products()),
                       static_cast<int32_t>(store.n_stores()), 8};
  std::vector<int32_t> product(store.product_id.begin(), store.product_id.end());
  std::vector<int32_t> store_id(store.store_id.begin(), store.store_id.end());
  std::vector<int32_t> week, quantity(store.quantity.begin(), store.quantity.end());
  for (int16_t w : store.week_index) week.push_back(w - first_week);
  std::vector<int64_t> spend(store.spend_cents.begin(), store.spend_cents.end());
  const PriceRows wide{product, store_id, week, quantity, spend};
  const StorePriceRows narrow{store.product_id.span(),  store.store_id.span(),
                              store.week_index.span(),  store.quantity.span(),
                              store.spend_cents.span(), first_week};
  const PriceCells a = actual_prices(wide, dims, PriceConfig{});
  const PriceCells b = actual_prices(narrow, dims, PriceConfig{});
  EXPECT_EQ(a.week, b.week);
  EXPECT_EQ(a.store, b.store);
  EXPECT_EQ(a.actual_price, b.actual_price);
  EXPECT_EQ(a.product_offsets, b.product_offsets);
}

TEST(DeriveStageDense, DenseExportWritesGridsThatAgreeWithTheCompactTable) {
  testing::ScratchDir dir;
  make_tiny_store(dir.path());
  StageOptions options = stage_options(dir.path());
  options.stages = {"prices"};
  options.write_report = false;
  derive_stage(options);
  EXPECT_FALSE(fs::exists(dir / "derived" / "prices" / "dense_base_price.npy"));

  options.config.prices.dense_export = true;  // a config change: the stage is rebuilt
  EXPECT_FALSE(result_of(derive_stage(options), "prices").skipped);
  const Store store = Store::open(dir.path());
  const fs::path prices = dir / "derived" / "prices";
  const auto n_weeks = read_npy_info(prices / "dense_base_price.npy").shape.at(2);
  const std::vector<uint64_t> shape = {store.n_products(), store.n_stores(), n_weeks};
  expect_column(prices / "dense_actual_price.npy", "<f4", shape);
  expect_column(prices / "dense_base_price.npy", "<f4", shape);
  expect_column(prices / "dense_level.npy", "|u1", shape);
  expect_column(prices / "dense_promo_flag.npy", "|u1", shape);

  // Every observed cell of the compact table sits at its place in the dense grid.
  const auto product = read_npy<int32_t>(prices / "cell_product.npy");
  const auto store_id = read_npy<int32_t>(prices / "cell_store.npy");
  const auto week = read_npy<int32_t>(prices / "cell_week.npy");
  const auto base = read_npy<float>(prices / "cell_base_price.npy");
  const Column<float> dense(prices / "dense_base_price.npy");
  ASSERT_FALSE(product.empty());
  for (size_t i = 0; i < product.size(); ++i) {
    const size_t at =
        (static_cast<size_t>(product[i]) * shape[1] + store_id[i]) * n_weeks + week[i];
    ASSERT_FLOAT_EQ(dense[at], base[i]) << "cell " << i;
  }
}

TEST(DeriveStageRequirements, MissionsAloneNeedsThePricesStage) {
  ScratchDir dir;
  make_tiny_store(dir.path());
  StageOptions options = stage_options(dir.path());
  options.stages = {"missions"};
  EXPECT_THROW(derive_stage(options), Error);
  options.stages = {"prices"};
  derive_stage(options);
  options.stages = {"missions"};
  EXPECT_FALSE(result_of(derive_stage(options), "missions").skipped);
  options.stages = {"bogus"};
  EXPECT_THROW(derive_stage(options), Error);
}

TEST(DeriveStageRealData, RealWeeksDeriveAndReportWithoutTruth) {
  ScratchDir dir;
  fs::create_directories(dir / "raw");
  for (const char* name :
       {"transactions_200607.csv.gz", "transactions_200609.csv.gz", "transactions_200610.csv.gz",
        "transactions_200611.csv.gz", "time.csv"}) {
    fs::copy_file(lgsr_sample_dir() / name, dir / "raw" / name);
  }
  ingest::IngestOptions ingest_options;
  ingest_options.raw_dir = dir / "raw";
  ingest_options.data_dir = dir.path();
  ingest_options.n_threads = 2;
  ingest::ingest(ingest_options);
  const DeriveSummary summary = derive_stage(stage_options(dir.path()));
  ASSERT_EQ(summary.stages.size(), 4u);
  EXPECT_GT(result_of(summary, "prices").counts["cells"].get<uint64_t>(), 0u);
  EXPECT_GT(result_of(summary, "graph").counts["complement_edges"].get<uint64_t>(), 0u);

  const Json report = read_json(dir / "reports" / "derive.json");
  EXPECT_FALSE(report["has_truth"].get<bool>());
  EXPECT_FALSE(report.contains("truth"));
  EXPECT_EQ(report["selected"], "regular-level");
  ASSERT_EQ(report["estimators"].size(), base_estimator_names().size());
  for (const auto& [name, figures] : report["estimators"].items()) {
    EXPECT_TRUE(figures.contains("promo_cell_share")) << name;
    EXPECT_FALSE(figures.contains("base_price_mape")) << name;
    EXPECT_FALSE(figures.contains("promo_f1")) << name;
  }
  EXPECT_FALSE(report["affinity"].contains("primary_store_accuracy"));
  EXPECT_FALSE(report["graph"].contains("true_complement_share"));
  const std::string html = read_file(dir / "reports" / "derive.html");
  EXPECT_NE(html.find("No truth"), std::string::npos);
}

}  // namespace
}  // namespace retailsim::derive
