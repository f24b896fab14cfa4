// The prepare stage: the files of samples/<kind>/ with their dtypes and manifests, skipping and
// --force, a clear error without features/, and the planted-leak test: a product sold only in the
// last week appears in no training or validation input, and training batches are unchanged by it.
#include <gtest/gtest.h>

#include "prepare/prepare_fixture.h"
#include "test_util.h"

namespace retailsim::prepare {
namespace {

using testing::clean;
using testing::planted;

void expect_column(const fs::path& path, const std::string& dtype, uint64_t n) {
  ASSERT_TRUE(fs::exists(path)) << path;
  const NpyInfo info = read_npy_info(path);
  EXPECT_EQ(info.dtype, dtype) << path;
  EXPECT_EQ(info.shape, std::vector<uint64_t>{n}) << path;
}

TEST(PrepareStage, WritesEveryKindWithTheDocumentedColumns) {
  for (const char* kind : kSampleKindNames) {
    const fs::path dir = clean() / "samples" / kind;
    const auto manifest = Manifest::read(dir);
    ASSERT_TRUE(manifest) << kind;
    EXPECT_EQ(manifest->stage, std::string("prepare-") + kind);
    EXPECT_EQ(manifest->inputs.size(), 2u);
    const auto n = manifest->counts["samples"].get<uint64_t>();
    EXPECT_EQ(n, manifest->counts["train"].get<uint64_t>() +
                     manifest->counts["val"].get<uint64_t>() +
                     manifest->counts["test"].get<uint64_t>());
    expect_column(dir / "customer.npy", "<i4", n);
    expect_column(dir / "input_basket.npy", "<i4", n);
    expect_column(dir / "target_basket.npy", "<i4", n);
    expect_column(dir / "week.npy", "<i4", n);
    expect_column(dir / "split.npy", "|i1", n);
    expect_column(dir / "gap_weeks.npy", "<i2", n);
    expect_column(dir / "history_count.npy", "<i4", n);
    expect_column(dir / "next_store.npy", "<i4", n);
    expect_column(dir / "n_items.npy", "<i2", n);
  }
}

TEST(PrepareStage, SkipsWhenUnchangedAndRebuildsOnForceOrNewConfig) {
  retailsim::testing::ScratchDir dir;
  fs::copy(clean() / "store", dir / "store", fs::copy_options::recursive);
  fs::create_directories(dir / "features");
  fs::copy(clean() / "features" / "splits", dir / "features" / "splits",
           fs::copy_options::recursive);
  PrepareOptions o = testing::prepare_options(dir.path());
  EXPECT_FALSE(prepare_stage(o).skipped);
  EXPECT_TRUE(prepare_stage(o).skipped);
  o.config.batch_size = 7;  // batch-time settings do not change the samples
  EXPECT_TRUE(prepare_stage(o).skipped);
  o.config.max_gap_weeks = 2;
  EXPECT_FALSE(prepare_stage(o).skipped);
  o.config.hold_out_last_date = !o.config.hold_out_last_date;
  EXPECT_FALSE(prepare_stage(o).skipped);
  EXPECT_TRUE(prepare_stage(o).skipped);
  o.force = true;
  EXPECT_FALSE(prepare_stage(o).skipped);
}

TEST(PrepareStage, NamesTheMissingSplit) {
  retailsim::testing::ScratchDir dir;
  fs::copy(clean() / "store", dir / "store", fs::copy_options::recursive);
  try {
    prepare_stage(testing::prepare_options(dir.path()));
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("retailsim features"), std::string::npos) << e.what();
  }
}

// Every product of a batch's inputs: items, recent baskets and repeat features.
std::vector<int32_t> input_products(const Batch& b) {
  std::vector<int32_t> out(b.item_product.begin(), b.item_product.end());
  out.insert(out.end(), b.history_product.begin(), b.history_product.end());
  out.insert(out.end(), b.repeat_product.begin(), b.repeat_product.end());
  return out;
}

TEST(PrepareStage, PlantedLateProductLeaksIntoNoEarlierInput) {
  const auto clean_sources = TensorSources::open(clean(), PrepareConfig{});
  const auto planted_sources = TensorSources::open(planted(), PrepareConfig{});
  const Store& store = planted_sources->store();
  const auto it = std::find(store.product_codes.begin(), store.product_codes.end(),
                            std::string(testing::kPlantedCode));
  ASSERT_NE(it, store.product_codes.end());
  const auto planted_id = static_cast<int32_t>(it - store.product_codes.begin());
  ASSERT_EQ(planted_id, clean_sources->n_products());  // sorts last: no other id moved
  for (SampleKind kind :
       {SampleKind::kMaskedBasket, SampleKind::kNextBasket, SampleKind::kStoreVisit}) {
    const Samples a = Samples::open(clean(), kind);
    const Samples b = Samples::open(planted(), kind);
    for (int8_t split : {int8_t{0}, int8_t{1}}) {
      const std::vector<int64_t> rows_a = a.rows_of_split(split);
      const std::vector<int64_t> rows_b = b.rows_of_split(split);
      ASSERT_EQ(rows_a.size(), rows_b.size()) << kind_name(kind);
      const Batch x = clean_sources->assemble(a, rows_a, 0, 0);
      const Batch y = planted_sources->assemble(b, rows_b, 0, 0);
      for (int32_t p : input_products(y)) ASSERT_NE(p, planted_id) << kind_name(kind);
      // The same samples give the same inputs: nothing of the late week reached them.
      EXPECT_EQ(x.customer, y.customer);
      EXPECT_EQ(x.basket, y.basket);
      EXPECT_EQ(x.item_product, y.item_product);
      EXPECT_EQ(x.t1, y.t1) << kind_name(kind);
      EXPECT_EQ(x.t3, y.t3);
      EXPECT_EQ(x.t4, y.t4) << kind_name(kind);
      EXPECT_EQ(x.t5, y.t5);
      EXPECT_EQ(x.t6, y.t6);
      EXPECT_EQ(x.history_product, y.history_product);
      EXPECT_EQ(x.repeat_product, y.repeat_product);
      EXPECT_EQ(x.repeat_features, y.repeat_features);
      EXPECT_EQ(x.history_labels, y.history_labels) << kind_name(kind);
      if (kind != SampleKind::kMaskedBasket) {  // unmasked: the model's input is the item
        EXPECT_EQ(x.t2, y.t2);
      }
    }
  }
  // The planted basket itself is a test-week sample.
  const Samples masked = Samples::open(planted(), SampleKind::kMaskedBasket);
  bool found = false;
  for (size_t i = 0; i < masked.size(); ++i) {
    const auto products = store.basket_products(masked.input_basket[i]);
    if (std::find(products.begin(), products.end(), planted_id) != products.end()) {
      found = true;
      EXPECT_EQ(masked.split[i], 2);
    }
  }
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace retailsim::prepare
