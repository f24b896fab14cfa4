// The batcher: length buckets, plans that keep each batch within a bucket and mix the buckets'
// batches, BERT-style masking rates over many draws, and determinism per (seed, epoch).
#include <gtest/gtest.h>

#include <set>

#include "prepare/prepare_fixture.h"
#include "test_util.h"

namespace retailsim::prepare {
namespace {

// A samples/masked_basket/ folder whose samples have the given input lengths.
Samples fake_samples(const fs::path& data, const std::vector<int16_t>& n_items) {
  const fs::path dir = data / "samples" / "masked_basket";
  fs::create_directories(dir);
  const size_t n = n_items.size();
  const std::vector<int32_t> zeros(n, 0), minus(n, -1);
  write_npy(dir / "customer.npy", zeros);
  write_npy(dir / "input_basket.npy", zeros);
  write_npy(dir / "target_basket.npy", zeros);
  write_npy(dir / "week.npy", zeros);
  write_npy(dir / "split.npy", std::vector<int8_t>(n, 0));
  write_npy(dir / "gap_weeks.npy", std::vector<int16_t>(n, 0));
  write_npy(dir / "history_count.npy", zeros);
  write_npy(dir / "next_store.npy", minus);
  write_npy(dir / "n_items.npy", n_items);
  Manifest m;
  m.stage = "prepare-masked_basket";
  m.write(dir);
  return Samples::open(data, SampleKind::kMaskedBasket);
}

std::vector<int16_t> lengths(size_t n) {
  std::vector<int16_t> out;
  for (size_t i = 0; i < n; ++i) out.push_back(static_cast<int16_t>(1 + (i * 37) % 80));
  return out;
}

TEST(Batcher, BucketsByBasketLength) {
  EXPECT_EQ(bucket_of(1), 0);
  EXPECT_EQ(bucket_of(10), 0);
  EXPECT_EQ(bucket_of(11), 1);
  EXPECT_EQ(bucket_of(25), 1);
  EXPECT_EQ(bucket_of(26), 2);
  EXPECT_EQ(bucket_of(50), 2);
  EXPECT_EQ(bucket_of(51), 3);
  EXPECT_EQ(bucket_of(500), 3);
}

TEST(Batcher, EveryRowOnceEachBatchWithinOneBucketBucketsMixed) {
  retailsim::testing::ScratchDir dir;
  const Samples samples = fake_samples(dir.path(), lengths(4000));
  std::vector<int64_t> rows;
  for (int64_t i = 0; i < 4000; ++i) rows.push_back(i);
  for (uint64_t epoch = 0; epoch < 5; ++epoch) {
    const BatchPlan plan = plan_epoch(samples, rows, 32, 42, epoch);
    std::multiset<int64_t> seen(plan.rows.begin(), plan.rows.end());
    ASSERT_EQ(seen.size(), 4000u);
    EXPECT_EQ(std::set<int64_t>(plan.rows.begin(), plan.rows.end()).size(), 4000u);
    std::vector<int> bucket_of_batch;
    for (size_t i = 0; i < plan.size(); ++i) {
      const auto batch = plan.batch(i);
      ASSERT_FALSE(batch.empty());
      ASSERT_LE(batch.size(), 32u);
      const int bucket = bucket_of(samples.n_items[static_cast<size_t>(batch[0])]);
      for (int64_t r : batch) ASSERT_EQ(bucket_of(samples.n_items[static_cast<size_t>(r)]), bucket);
      bucket_of_batch.push_back(bucket);
    }
    // At most one short batch per bucket.
    EXPECT_LE(plan.size(), 4000u / 32 + 4);
    // Any stretch of the epoch mixes lengths: the first quarter of the batches (what an epoch
    // capped there trains on) holds every bucket, and the buckets alternate many times.
    const std::set<int> first_quarter(bucket_of_batch.begin(),
                                      bucket_of_batch.begin() + plan.size() / 4);
    EXPECT_EQ(first_quarter.size(), 4u);
    int switches = 0;
    for (size_t i = 1; i < bucket_of_batch.size(); ++i)
      switches += bucket_of_batch[i] != bucket_of_batch[i - 1];
    EXPECT_GT(switches, 50);
  }
}

TEST(Batcher, ShufflesWithinBucketsDeterministicallyPerSeedAndEpoch) {
  retailsim::testing::ScratchDir dir;
  const Samples samples = fake_samples(dir.path(), lengths(500));
  std::vector<int64_t> rows;
  for (int64_t i = 0; i < 500; ++i) rows.push_back(i);
  const BatchPlan a = plan_epoch(samples, rows, 16, 42, 3);
  const BatchPlan b = plan_epoch(samples, rows, 16, 42, 3);
  EXPECT_EQ(a.rows, b.rows);
  EXPECT_EQ(a.offsets, b.offsets);
  EXPECT_NE(plan_epoch(samples, rows, 16, 42, 7).rows, a.rows);
  EXPECT_NE(plan_epoch(samples, rows, 16, 43, 3).rows, a.rows);
}

// A batch of baskets of the given lengths, padded to the longest.
Batch batch_of(const std::vector<int>& lengths, int32_t n_products) {
  Batch b;
  b.size = static_cast<int32_t>(lengths.size());
  b.max_items = *std::max_element(lengths.begin(), lengths.end());
  const auto S = static_cast<size_t>(b.max_items);
  b.item_product.assign(lengths.size() * S, kPadToken);
  b.attention_mask.assign(lengths.size() * S, 0);
  for (size_t i = 0; i < lengths.size(); ++i) {
    for (size_t s = 0; s < static_cast<size_t>(lengths[i]); ++s) {
      b.item_product[i * S + s] =
          static_cast<int32_t>((i * 7 + s * 13) % static_cast<size_t>(n_products));
      b.attention_mask[i * S + s] = 1;
    }
  }
  return b;
}

TEST(Batcher, MaskingRatesWithinToleranceAndNeverPadding) {
  const int32_t n_products = 1000;
  PrepareConfig config;
  Batch b = batch_of({40, 60, 25, 3}, n_products);  // padding in three rows
  int64_t real = 0, chosen = 0, as_mask = 0, as_random = 0, kept = 0;
  for (uint64_t draw = 0; draw < 400; ++draw) {
    mask_items(b, n_products, config, 0, draw);
    const auto S = static_cast<size_t>(b.max_items);
    for (size_t i = 0; i < static_cast<size_t>(b.size); ++i) {
      int in_row = 0;
      for (size_t s = 0; s < S; ++s) {
        const size_t at = i * S + s;
        if (!b.attention_mask[at]) {
          ASSERT_EQ(b.masked[at], 0);
          ASSERT_EQ(b.input_product[at], kPadToken);
          continue;
        }
        in_row += b.masked[at];
        if (i == 3) continue;  // the short basket's at-least-one rule biases its rate
        ++real;
        if (!b.masked[at]) {
          ASSERT_EQ(b.input_product[at], b.item_product[at]);
          continue;
        }
        ++chosen;
        if (b.input_product[at] == n_products) {
          ++as_mask;
        } else if (b.input_product[at] == b.item_product[at]) {
          ++kept;  // includes the rare random draw of the same product
        } else {
          ASSERT_GE(b.input_product[at], 0);
          ASSERT_LT(b.input_product[at], n_products);
          ++as_random;
        }
      }
      ASSERT_GE(in_row, 1);  // every basket predicts something
    }
  }
  const double rate = static_cast<double>(chosen) / static_cast<double>(real);
  EXPECT_NEAR(rate, 0.15, 0.01);
  EXPECT_NEAR(static_cast<double>(as_mask) / chosen, 0.8, 0.02);
  EXPECT_NEAR(static_cast<double>(as_random) / chosen, 0.1, 0.02);
  EXPECT_NEAR(static_cast<double>(kept) / chosen, 0.1, 0.02);
}

TEST(Batcher, MaskingIsAFunctionOfSeedEpochAndBatch) {
  PrepareConfig config;
  Batch a = batch_of({30, 30, 30}, 500), b = batch_of({30, 30, 30}, 500);
  mask_items(a, 500, config, 2, 5);
  mask_items(b, 500, config, 2, 5);
  EXPECT_EQ(a.masked, b.masked);
  EXPECT_EQ(a.input_product, b.input_product);
  mask_items(b, 500, config, 3, 5);
  EXPECT_NE(a.input_product, b.input_product);
  config.seed = 1;
  mask_items(b, 500, config, 2, 5);
  EXPECT_NE(a.input_product, b.input_product);
}

}  // namespace
}  // namespace retailsim::prepare
