// The loader: the same batches in the same order as direct assembly, whatever the thread count,
// and a loader dropped half-way stops cleanly.
#include <gtest/gtest.h>

#include "prepare/prepare_fixture.h"

namespace retailsim::prepare {
namespace {

using testing::clean;

void expect_same(const Batch& a, const Batch& b) {
  EXPECT_EQ(a.sample_index, b.sample_index);
  EXPECT_EQ(a.input_product, b.input_product);
  EXPECT_EQ(a.masked, b.masked);
  EXPECT_EQ(a.t1, b.t1);
  EXPECT_EQ(a.t2, b.t2);
  EXPECT_EQ(a.t3, b.t3);
  EXPECT_EQ(a.t4, b.t4);
  EXPECT_EQ(a.repeat_features, b.repeat_features);
  EXPECT_EQ(a.history_labels, b.history_labels);
}

TEST(Loader, SameBatchesInPlanOrderWhateverTheThreadCount) {
  PrepareConfig config;
  config.batch_size = 16;
  const auto sources = TensorSources::open(clean(), config);
  for (SampleKind kind : {SampleKind::kMaskedBasket, SampleKind::kNextBasket}) {
    const Samples samples = Samples::open(clean(), kind);
    const std::vector<int64_t> rows = samples.rows_of_split(0);
    const BatchPlan plan = plan_epoch(samples, rows, config.batch_size, config.seed, 1);
    ASSERT_GT(plan.size(), 4u);
    std::vector<Batch> direct;
    for (size_t i = 0; i < plan.size(); ++i) {
      direct.push_back(sources->assemble(samples, plan.batch(i), plan.epoch, i));
    }
    for (int threads : {1, 2, 4}) {
      Loader loader(sources, samples, plan, threads, 3);
      size_t n = 0;
      while (auto batch = loader.next()) {
        ASSERT_LT(n, direct.size());
        expect_same(*batch, direct[n]);
        ++n;
      }
      EXPECT_EQ(n, direct.size()) << threads << " threads";
    }
  }
}

TEST(Loader, StopsCleanlyWhenDroppedEarly) {
  const auto sources = TensorSources::open(clean(), PrepareConfig{});
  const Samples samples = Samples::open(clean(), SampleKind::kMaskedBasket);
  std::vector<int64_t> rows;
  for (size_t i = 0; i < samples.size(); ++i) rows.push_back(static_cast<int64_t>(i));
  const BatchPlan plan = plan_epoch(samples, rows, 4, 42, 0);
  Loader loader(sources, samples, plan, 2, 2);
  ASSERT_TRUE(loader.next().has_value());
  // The destructor runs with the queue full and workers waiting: it must not hang.
}

}  // namespace
}  // namespace retailsim::prepare
