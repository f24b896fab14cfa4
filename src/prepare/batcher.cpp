// The batcher: bucket batching by basket length (shuffled within buckets, the batches in a
// shuffled order) and BERT-style masking, both drawn from seeded streams so a batch depends only on
// (seed, epoch, batch index).
#include <algorithm>

#include "core/rng.h"
#include "prepare/prepare.h"

namespace retailsim::prepare {

namespace {
constexpr uint64_t kShuffleStream = 0x5348554646000000ULL;     // "SHUFF"
constexpr uint64_t kMaskStream = 0x4d41534b00000000ULL;        // "MASK"
constexpr uint64_t kBatchOrderStream = 0x4f52444552000000ULL;  // "ORDER"
}  // namespace

int bucket_of(int n_items) {
  if (n_items <= 10) return 0;
  if (n_items <= 25) return 1;
  if (n_items <= 50) return 2;
  return 3;
}

BatchPlan plan_epoch(const Samples& samples, std::span<const int64_t> rows, int batch_size,
                     uint64_t seed, uint64_t epoch) {
  std::vector<int64_t> buckets[kBuckets];
  for (int64_t row : rows) {
    buckets[bucket_of(samples.n_items[static_cast<size_t>(row)])].push_back(row);
  }
  // Each bucket shuffled and cut into batches: [bucket, start, end) of its rows.
  struct Cut {
    int bucket;
    size_t start, end;
  };
  std::vector<Cut> cuts;
  for (int bucket = 0; bucket < kBuckets; ++bucket) {
    std::vector<int64_t>& b = buckets[bucket];
    Rng rng = Rng::stream(seed, {kShuffleStream, epoch, static_cast<uint64_t>(bucket)});
    for (size_t i = b.size(); i > 1; --i) std::swap(b[i - 1], b[rng.below(i)]);  // Fisher-Yates
    for (size_t start = 0; start < b.size(); start += static_cast<size_t>(batch_size))
      cuts.push_back({bucket, start, std::min(b.size(), start + static_cast<size_t>(batch_size))});
  }
  // The batches in a shuffled order, so that any stretch of an epoch (a capped one, the last
  // batches before a checkpoint) mixes basket lengths.
  Rng rng = Rng::stream(seed, {kBatchOrderStream, epoch});
  for (size_t i = cuts.size(); i > 1; --i) std::swap(cuts[i - 1], cuts[rng.below(i)]);
  BatchPlan plan;
  plan.epoch = epoch;
  plan.rows.reserve(rows.size());
  for (const Cut& cut : cuts) {
    const std::vector<int64_t>& b = buckets[cut.bucket];
    plan.rows.insert(plan.rows.end(), b.begin() + static_cast<ptrdiff_t>(cut.start),
                     b.begin() + static_cast<ptrdiff_t>(cut.end));
    plan.offsets.push_back(static_cast<int64_t>(plan.rows.size()));
  }
  return plan;
}

void mask_items(Batch& batch, int32_t n_products, const PrepareConfig& config, uint64_t epoch,
                uint64_t batch_index) {
  Rng rng = Rng::stream(config.seed, {kMaskStream, epoch, batch_index});
  const auto S = static_cast<size_t>(batch.max_items);
  batch.input_product = batch.item_product;
  batch.masked.assign(batch.item_product.size(), 0);
  for (size_t b = 0; b < static_cast<size_t>(batch.size); ++b) {
    const size_t base = b * S;
    size_t n = 0;
    while (n < S && batch.attention_mask[base + n]) ++n;
    if (n == 0) continue;
    bool any = false;
    for (size_t s = 0; s < n; ++s) {
      if (rng.bernoulli(config.mask_rate)) {
        batch.masked[base + s] = 1;
        any = true;
      }
    }
    if (!any) batch.masked[base + rng.below(n)] = 1;  // every basket predicts something
    for (size_t s = 0; s < n; ++s) {
      if (!batch.masked[base + s]) continue;
      const double u = rng.uniform();
      if (u < config.mask_token_share) {
        batch.input_product[base + s] = n_products;  // [MASK]
      } else if (u < config.mask_token_share + config.random_token_share) {
        batch.input_product[base + s] =
            static_cast<int32_t>(rng.below(static_cast<uint64_t>(n_products)));
      }
    }
  }
}

}  // namespace retailsim::prepare
