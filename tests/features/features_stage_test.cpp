// The features stage end to end on a tiny generated world: files, dtypes, shapes and ranges, the
// blend weight, segment-only vectors, skip/--force, determinism and the planted-leak test.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <set>

#include "core/atomic_file.h"
#include "core/dataset.h"
#include "core/error.h"
#include "core/manifest.h"
#include "core/npy.h"
#include "features/features.h"
#include "ingest/ingest.h"
#include "synth/synth.h"
#include "test_util.h"

namespace retailsim::features {
namespace {

void ingest_into(const fs::path& raw, const fs::path& data) {
  ingest::IngestOptions options;
  options.raw_dir = raw;
  options.data_dir = data;
  options.n_threads = 2;
  ingest::ingest(options);
}

FeaturesOptions options_for(const fs::path& dir) {
  FeaturesOptions o;
  o.data_dir = dir;
  o.n_threads = 2;
  o.torch_module_dir = RETAILSIM_BUILD_DIR;
  o.quiet = true;
  return o;
}

void expect_column(const fs::path& path, const std::string& dtype,
                   const std::vector<uint64_t>& shape) {
  ASSERT_TRUE(fs::exists(path)) << path;
  const NpyInfo info = read_npy_info(path);
  EXPECT_EQ(info.dtype, dtype) << path;
  EXPECT_EQ(info.shape, shape) << path;
}

// A product code that sorts after every generated one, so no other product id moves.
constexpr const char* kPlantedCode = "PRDZZZPLANTED";

// Appends one row of a new product, bought by an existing customer in a new basket, to the
// last week's file: a product sold only after the training weeks.
void plant_late_product(const fs::path& raw) {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(raw)) {
    if (e.path().filename().string().rfind("transactions_", 0) == 0) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  ASSERT_FALSE(files.empty());
  ASSERT_EQ(files.back().extension(), ".csv");
  std::ifstream in(files.back());
  std::string header, row;
  std::getline(in, header);
  std::getline(in, row);
  in.close();
  std::vector<std::string> f;
  size_t start = 0;
  for (size_t i = 0; i <= row.size(); ++i) {
    if (i == row.size() || row[i] == ',') {
      f.push_back(row.substr(start, i - start));
      start = i + 1;
    }
  }
  ASSERT_EQ(f.size(), 22u);
  f[4] = "3";                 // QUANTITY
  f[5] = "99.99";             // SPEND: a price far above anything else
  f[6] = kPlantedCode;        // PROD_CODE, under the same parents as the copied row
  f[14] = "999999999999999";  // BASKET_ID: a new basket
  std::string line;
  for (size_t i = 0; i < f.size(); ++i) line += (i ? "," : "") + f[i];
  std::ofstream out(files.back(), std::ios::app);
  out << line << "\n";
}

class FeaturesStage : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = new fs::path(fs::temp_directory_path() /
                         ("retailsim-features-stage-" + std::to_string(::getpid())));
    fs::remove_all(*root_);
    synth::generate(synth::SynthConfig::preset_named("tiny"), *root_ / "clean", 2);
    ingest_into(*root_ / "clean" / "raw", *root_ / "clean");
    features_stage(options_for(*root_ / "clean"));
    derive::StageOptions derive_options;
    derive_options.data_dir = *root_ / "clean";
    derive_options.stages = {"prices"};
    derive_options.write_report = false;
    derive::derive_stage(derive_options);
    fs::create_directories(*root_ / "planted");
    fs::copy(*root_ / "clean" / "raw", *root_ / "planted" / "raw", fs::copy_options::recursive);
    plant_late_product(*root_ / "planted" / "raw");
    ingest_into(*root_ / "planted" / "raw", *root_ / "planted");
    features_stage(options_for(*root_ / "planted"));
    // Without its third week's file (as the public LGSR copies lack 200608); every customer with
    // a training basket gets their own behaviour (blend weight 1).
    retailsim::testing::copy_raw_without_week(*root_ / "clean" / "raw", *root_ / "gapped" / "raw",
                                              2);
    ingest_into(*root_ / "gapped" / "raw", *root_ / "gapped");
    FeaturesOptions gapped = options_for(*root_ / "gapped");
    gapped.config.cold_start_trips = 1;
    gapped.graph_embeddings = false;
    features_stage(gapped);
  }
  static void TearDownTestSuite() {
    std::error_code ignored;
    fs::remove_all(*root_, ignored);
    delete root_;
  }
  static fs::path clean() { return *root_ / "clean"; }
  static fs::path planted() { return *root_ / "planted"; }
  static fs::path gapped() { return *root_ / "gapped"; }
  static fs::path* root_;
};
fs::path* FeaturesStage::root_ = nullptr;

TEST_F(FeaturesStage, WritesEveryPartWithTheDocumentedDtypesAndShapes) {
  const Store store = Store::open(clean());
  const fs::path d = clean() / "features";
  const uint64_t P = store.n_products(), S = store.n_stores(), C = store.n_customers();
  for (const char* part : kPartNames) {
    auto manifest = Manifest::read(d / part);
    ASSERT_TRUE(manifest) << part;
    EXPECT_EQ(manifest->stage, std::string("features-") + part);
    EXPECT_EQ(manifest->inputs.size(), 1u);
  }
  const auto W = static_cast<uint64_t>(Manifest::read(d / "splits")->counts["weeks"].get<int>());
  EXPECT_EQ(W, 8u);  // the tiny preset
  expect_column(d / "splits" / "week_split.npy", "|i1", {W});
  expect_column(d / "splits" / "week_index.npy", "<i2", {W});
  expect_column(d / "splits" / "customer_first_week.npy", "<i4", {C});
  expect_column(d / "splits" / "customer_cold_start.npy", "|u1", {C});
  expect_column(d / "pseudo_brands" / "pseudo_brand_id.npy", "<i4", {P});
  expect_column(d / "pseudo_brands" / "confidence.npy", "<f4", {P});
  expect_column(d / "pseudo_brands" / "training_price.npy", "<f4", {P});
  expect_column(d / "customer_history" / "customer_history.npy", "<f4", {C, 160});
  expect_column(d / "customer_history" / "training_trips.npy", "<i4", {C});
  expect_column(d / "customer_history" / "blend_weight.npy", "<f4", {C});
  expect_column(d / "store_context" / "store_context.npy", "<f4", {S, 96});
  expect_column(d / "price_encoding" / "product_log_price.npy", "<f4", {P});
  expect_column(d / "price_encoding" / "store_category_index.npy", "<f4",
                {S, store.product_parent_codes[0].size()});
  expect_column(d / "graph_embeddings" / "node_features.npy", "<f4", {P, kGraphFeatureDims});
  expect_column(d / "graph_embeddings" / "edge_offsets.npy", "<i8", {P + 1});
  expect_column(d / "graph_embeddings" / "embeddings.npy", "<f4", {P, 256});
  const Json report = read_json(d / "report.json");
  EXPECT_TRUE(report["synthetic"].get<bool>());
  const double auc = report["graph_link_auc"].get<double>();
  EXPECT_GT(auc, 0.5);  // better than chance even on the tiny world
  EXPECT_LE(auc, 1.0);
  EXPECT_GE(report["neighbour_same_subcommodity"].get<double>(),
            report["neighbour_same_subcommodity_chance"].get<double>());
  const double ari = report["pseudo_brand_ari"].get<double>();
  EXPECT_GE(ari, -1.0);
  EXPECT_LE(ari, 1.0);
}

TEST_F(FeaturesStage, GivesEveryProductAFiniteUnitEmbedding) {
  const fs::path d = clean() / "features" / "graph_embeddings";
  const auto e = read_npy<float>(d / "embeddings.npy");
  const auto offsets = read_npy<int64_t>(d / "edge_offsets.npy");
  const size_t P = offsets.size() - 1;
  ASSERT_EQ(e.size(), P * 256);
  size_t isolated = 0;
  for (size_t p = 0; p < P; ++p) {
    double sq = 0;
    for (size_t k = 0; k < 256; ++k) {
      ASSERT_TRUE(std::isfinite(e[p * 256 + k])) << p;
      sq += double(e[p * 256 + k]) * e[p * 256 + k];
    }
    EXPECT_NEAR(sq, 1.0, 1e-3) << p;
    isolated += offsets[p + 1] == offsets[p];
  }
  EXPECT_GT(isolated, 0u) << "the tiny world should have products outside the training graph";
}

TEST_F(FeaturesStage, SplitsWeeksInOrderAndFlagsColdStartFromTheFirstBasket) {
  const Store store = Store::open(clean());
  const fs::path d = clean() / "features" / "splits";
  const auto split = read_npy<int8_t>(d / "week_split.npy");
  EXPECT_EQ(split, (std::vector<int8_t>{0, 0, 0, 0, 0, 1, 2, 2}));  // 8 weeks: 5 / 1 / 2
  const auto first = read_npy<int32_t>(d / "customer_first_week.npy");
  const auto cold = read_npy<uint8_t>(d / "customer_cold_start.npy");
  const int32_t week0 = store.week_index[0];
  for (size_t c = 0; c < store.n_customers(); ++c) {
    const auto baskets = store.baskets_of_customer(static_cast<int32_t>(c));
    if (baskets.empty()) {
      EXPECT_EQ(first[c], -1);
      continue;
    }
    const int32_t w = store.basket_week_index[static_cast<size_t>(baskets[0])] - week0;
    EXPECT_EQ(first[c], w) << c;
    EXPECT_EQ(cold[c], w >= 6 ? 1 : 0) << c;
  }
}

TEST_F(FeaturesStage, KeepsEveryVectorFiniteAndInItsRange) {
  const fs::path d = clean() / "features";
  const auto history = read_npy<float>(d / "customer_history" / "customer_history.npy");
  for (size_t i = 0; i < history.size(); ++i) {
    ASSERT_TRUE(std::isfinite(history[i])) << i;
    ASSERT_GE(history[i], 0.0f) << i;
    ASSERT_LE(history[i], 1.0f) << i;
  }
  // Each segment half is one-hot.
  for (size_t c = 0; c < history.size() / 160; ++c) {
    for (int half = 0; half < 2; ++half) {
      float sum = 0;
      for (int k = 0; k < 32; ++k) sum += history[c * 160 + half * 32 + k];
      ASSERT_EQ(sum, 1.0f) << c;
    }
  }
  const auto store_context = read_npy<float>(d / "store_context" / "store_context.npy");
  for (size_t s = 0; s < store_context.size() / 96; ++s) {
    const float* v = store_context.data() + s * 96;
    float format = 0, region = 0;
    for (int k = 0; k < 16; ++k) format += v[k];
    for (int k = 16; k < 48; ++k) region += v[k];
    EXPECT_EQ(format, 1.0f);
    EXPECT_EQ(region, 1.0f);
    for (int k = 0; k < 80; ++k) {
      ASSERT_GE(v[k], 0.0f) << s << " " << k;
      ASSERT_LE(v[k], 1.0f) << s << " " << k;
    }
    EXPECT_GT(v[48], 0.0f);  // every tiny store has training traffic
    for (int k = 80; k < 96; ++k) ASSERT_TRUE(std::isfinite(v[k]));
  }
  const auto confidence = read_npy<float>(d / "pseudo_brands" / "confidence.npy");
  for (float x : confidence) {
    ASSERT_GE(x, 0.0f);
    ASSERT_LE(x, 1.0f);
  }
}

TEST_F(FeaturesStage, BlendsByTripsAndGivesUnseenCustomersSegmentOnlyVectors) {
  const Store store = Store::open(clean());
  const fs::path d = clean() / "features" / "customer_history";
  const auto history = read_npy<float>(d / "customer_history.npy");
  const auto trips = read_npy<int32_t>(d / "training_trips.npy");
  const auto weight = read_npy<float>(d / "blend_weight.npy");
  const auto n_train_baskets =
      Manifest::read(clean() / "features" / "splits")->counts["train_baskets"].get<int64_t>();
  std::map<std::pair<int, int>, size_t> first_unseen;
  int unseen = 0;
  for (size_t c = 0; c < store.n_customers(); ++c) {
    int32_t expected_trips = 0;
    for (int32_t b : store.baskets_of_customer(static_cast<int32_t>(c))) {
      expected_trips += b < n_train_baskets;
    }
    ASSERT_EQ(trips[c], expected_trips) << c;
    EXPECT_FLOAT_EQ(weight[c], std::min(1.0f, static_cast<float>(expected_trips) / 20.0f)) << c;
    if (expected_trips > 0) continue;
    ++unseen;
    // Two unseen customers of the same segments get the same vector: segments only.
    const auto key = std::make_pair<int, int>(store.customer_seg_1[c], store.customer_seg_2[c]);
    auto [it, inserted] = first_unseen.try_emplace(key, c);
    if (!inserted) {
      for (int k = 0; k < 160; ++k) {
        ASSERT_EQ(history[c * 160 + k], history[it->second * 160 + k]) << c << " " << k;
      }
    }
  }
  EXPECT_GT(unseen, 0) << "the tiny world should have customers first seen after training";
}

// A calendar week without any basket is missing data: the behaviour block counts observed training
// weeks only (the share of weeks with a trip, recency, tenure).
TEST_F(FeaturesStage, CustomerHistoryCountsObservedWeeksOnly) {
  const Store store = Store::open(gapped());
  const std::vector<uint8_t> observed = store.weeks_with_baskets();
  const auto split = Manifest::read(gapped() / "features" / "splits");
  ASSERT_TRUE(split);
  const auto first = split->extra.at("first_week_index").get<int32_t>();
  const auto n_train_baskets = split->counts["train_baskets"].get<int64_t>();
  std::vector<int32_t> at(observed.size());  // observed weeks from the first data week
  for (size_t w = static_cast<size_t>(first) + 1; w < observed.size(); ++w)
    at[w] = at[w - 1] + observed[w - 1];
  // The training weeks end where the validation baskets begin.
  int32_t n_train = 0, n_train_calendar = 0;
  for (int32_t b = 0; b < n_train_baskets; ++b) {
    const int32_t w = store.basket_week_index[static_cast<size_t>(b)];
    n_train = std::max(n_train, at[static_cast<size_t>(w)] + 1);
    n_train_calendar = std::max(n_train_calendar, w - first + 1);
  }
  ASSERT_EQ(n_train_calendar, n_train + 1) << "the missing week should be a training week";
  const auto history =
      read_npy<float>(gapped() / "features" / "customer_history" / "customer_history.npy");
  int checked = 0;
  for (size_t c = 0; c < store.n_customers(); ++c) {
    std::set<int32_t> weeks;
    for (int32_t b : store.baskets_of_customer(static_cast<int32_t>(c))) {
      if (b < n_train_baskets) weeks.insert(at[store.basket_week_index[static_cast<size_t>(b)]]);
    }
    if (weeks.empty()) continue;
    const float* v = history.data() + c * 160;
    const double n = n_train;
    EXPECT_NEAR(v[113], weeks.size() / n, 1e-6) << c;
    EXPECT_NEAR(v[120], (n - 1 - *weeks.rbegin()) / n, 1e-6) << c;
    EXPECT_NEAR(v[121], (*weeks.rbegin() - *weeks.begin() + 1) / n, 1e-6) << c;
    ++checked;
  }
  EXPECT_GT(checked, 0);
}

TEST_F(FeaturesStage, PlantedLateProductAppearsInNoTrainingTimeFeature) {
  const Store store = Store::open(planted());
  const auto code = std::find(store.product_codes.begin(), store.product_codes.end(), kPlantedCode);
  ASSERT_NE(code, store.product_codes.end());
  const auto p = static_cast<size_t>(code - store.product_codes.begin());
  ASSERT_EQ(p, store.n_products() - 1);  // sorts last: every other id is unchanged
  const fs::path a = clean() / "features", b = planted() / "features";
  // No training price, so no price tier and no pseudo-brand.
  const auto price = read_npy<float>(b / "pseudo_brands" / "training_price.npy");
  const auto id = read_npy<int32_t>(b / "pseudo_brands" / "pseudo_brand_id.npy");
  EXPECT_TRUE(std::isnan(price[p]));
  EXPECT_EQ(id[p], -1);
  // Every other product keeps its pseudo-brand and price.
  const auto clean_id = read_npy<int32_t>(a / "pseudo_brands" / "pseudo_brand_id.npy");
  const auto clean_price = read_npy<float>(a / "pseudo_brands" / "training_price.npy");
  ASSERT_EQ(clean_id.size() + 1, id.size());
  EXPECT_TRUE(std::equal(clean_id.begin(), clean_id.end(), id.begin()));
  EXPECT_EQ(std::memcmp(clean_price.data(), price.data(), clean_price.size() * sizeof(float)), 0);
  // Customer histories and store contexts are byte-identical to the world without the product.
  for (const char* file :
       {"customer_history/customer_history.npy", "customer_history/training_trips.npy",
        "store_context/store_context.npy"}) {
    EXPECT_EQ(read_file(a / file), read_file(b / file)) << file;
  }
  // The price encoding's statistics: the planted product is unsold in training, every other
  // product and every store keeps its figures.
  const fs::path pa = a / "price_encoding", pb = b / "price_encoding";
  EXPECT_EQ(read_npy<uint8_t>(pb / "product_sold.npy")[p], 0);
  EXPECT_EQ(read_file(pa / "log_price_moments.npy"), read_file(pb / "log_price_moments.npy"));
  EXPECT_EQ(read_file(pa / "store_index.npy"), read_file(pb / "store_index.npy"));
  EXPECT_EQ(read_file(pa / "store_category_index.npy"), read_file(pb / "store_category_index.npy"));
  for (const char* file : {"product_log_price.npy", "product_log_min.npy", "product_log_max.npy",
                           "product_tier.npy"}) {
    const auto x = read_npy<float>(pa / file), y = read_npy<float>(pb / file);
    ASSERT_EQ(x.size() + 1, y.size()) << file;
    EXPECT_EQ(std::memcmp(x.data(), y.data(), x.size() * sizeof(float)), 0) << file;
  }
  // The planted basket is a test-week basket of an existing customer.
  const auto cold = read_npy<uint8_t>(b / "splits" / "customer_cold_start.npy");
  EXPECT_EQ(cold, read_npy<uint8_t>(a / "splits" / "customer_cold_start.npy"));
}

TEST_F(FeaturesStage, PriceEncoderOpensTheDatasetAndEncodesEveryCellWithinRange) {
  const PriceEncoder encoder = PriceEncoder::open(clean());
  const Store store = Store::open(clean());
  ASSERT_EQ(encoder.n_products(), static_cast<int32_t>(store.n_products()));
  ASSERT_EQ(encoder.n_stores(), static_cast<int32_t>(store.n_stores()));
  ASSERT_EQ(encoder.n_weeks(), 8);
  std::vector<float> v(kPriceDims);
  size_t observed = 0;
  for (int32_t p = 0; p < encoder.n_products(); ++p) {
    for (int32_t s = 0; s < encoder.n_stores(); ++s) {
      for (int32_t w = 0; w < encoder.n_weeks(); ++w) {
        encoder.encode(p, s, w, v.data());
        for (int k = 0; k < kPriceDims; ++k) {
          ASSERT_TRUE(std::isfinite(v[k]) && v[k] >= -1.0f && v[k] <= 1.0f)
              << p << " " << s << " " << w << " dim " << k << " = " << v[k];
        }
        observed += v[36] == 1.0f;
      }
    }
  }
  EXPECT_GT(observed, 0u);
  // Without derived/prices the encoder names what to run.
  try {
    PriceEncoder::open(planted());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("retailsim derive"), std::string::npos) << e.what();
  }
}

TEST_F(FeaturesStage, SkipsUnchangedPartsAndRebuildsWithForce) {
  FeaturesOptions o = options_for(clean());
  FeaturesSummary again = features_stage(o);
  for (const PartResult& r : again.parts) EXPECT_TRUE(r.skipped) << r.part;
  o.config.cold_start_trips = 10;  // changes the config of the parts after splits
  again = features_stage(o);
  EXPECT_TRUE(again.parts[0].skipped);
  EXPECT_FALSE(again.parts[2].skipped);
  o.config.cold_start_trips = 20;
  o.force = true;
  again = features_stage(o);
  for (const PartResult& r : again.parts) EXPECT_FALSE(r.skipped) << r.part;
}

TEST_F(FeaturesStage, SameSeedGivesTheSameBytes) {
  const fs::path copy = *root_ / "copy";
  fs::create_directories(copy);
  fs::copy(clean() / "store", copy / "store", fs::copy_options::recursive);
  features_stage(options_for(copy));
  for (const char* part : kPartNames) {
    for (const auto& e : fs::directory_iterator(clean() / "features" / part)) {
      if (e.path().extension() != ".npy") continue;
      EXPECT_EQ(read_file(e.path()), read_file(copy / "features" / part / e.path().filename()))
          << e.path();
    }
  }
}

}  // namespace
}  // namespace retailsim::features
