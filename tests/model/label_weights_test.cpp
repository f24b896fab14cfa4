// label_shift_weights on the tiny generated world's samples: the next-basket targets (at least
// two products) leave out one-line baskets, so the small-basket label weighs more than 1 and,
// weighed, the targets' labels are distributed as those of every basket that follows another.
#include <gtest/gtest.h>

#include "core/dataset.h"
#include "model/tasks.h"
#include "prepare/prepare_fixture.h"

namespace retailsim::model {
namespace {

using prepare::SampleKind;
using prepare::Samples;

TEST(LabelShiftWeights, WeighedTargetsHaveTheLabelsOfAllFollowingBaskets) {
  const fs::path data = prepare::testing::clean();
  const Store store = Store::open(data);
  const Samples next = Samples::open(data, SampleKind::kNextBasket);
  const Samples masked = Samples::open(data, SampleKind::kMaskedBasket);
  const std::vector<int64_t> next_rows = next.rows_of_split(0),
                             masked_rows = masked.rows_of_split(0);
  const auto weights = label_shift_weights(store, next, next_rows, masked, masked_rows);

  const auto columns = prepare::label_columns(store);
  const std::array<int32_t, 4> values = prepare::label_values(store);
  for (size_t a = 0; a < 4; ++a) {
    const auto n = static_cast<size_t>(values[a]);
    ASSERT_EQ(weights[a].size(), n);
    std::vector<double> all(n, 0), weighed(n, 0);
    for (int64_t r : masked_rows) {
      if (masked.history_count[static_cast<size_t>(r)] == 0) continue;
      const auto b = static_cast<size_t>(masked.target_basket[static_cast<size_t>(r)]);
      if ((*columns[a])[b] >= 0) all[static_cast<size_t>((*columns[a])[b])] += 1;
    }
    for (int64_t r : next_rows) {
      const auto b = static_cast<size_t>(next.target_basket[static_cast<size_t>(r)]);
      const int8_t v = (*columns[a])[b];
      if (v >= 0) weighed[static_cast<size_t>(v)] += weights[a][static_cast<size_t>(v)];
    }
    // Over the labels the targets have (a label no target has keeps weight 1 and cannot be
    // reweighed into them) and whose weight was not clamped, the shares agree.
    double sum_all = 0, sum_weighed = 0;
    std::vector<size_t> compared;
    for (size_t v = 0; v < n; ++v) {
      EXPECT_GT(weights[a][v], 0.0f);
      if (weighed[v] == 0 || weights[a][v] <= 0.1f || weights[a][v] >= 10.0f) continue;
      compared.push_back(v);
      sum_all += all[v];
      sum_weighed += weighed[v];
    }
    EXPECT_GE(compared.size(), 2u) << "attribute " << a;
    for (size_t v : compared) {
      EXPECT_NEAR(weighed[v] / sum_weighed, all[v] / sum_all, 1e-5)
          << "attribute " << a << " " << v;
    }
  }
  // One-line baskets are small ("S") and never targets: S weighs more, M and L less.
  const auto code = [&](const char* name) {
    const auto& codes = store.basket_size_codes;
    return static_cast<size_t>(std::find(codes.begin(), codes.end(), name) - codes.begin());
  };
  ASSERT_LT(code("S"), weights[0].size());
  EXPECT_GT(weights[0][code("S")], 1.0f);
  EXPECT_LT(weights[0][code("L")], 1.0f);
}

TEST(CustomerSampleWeights, EveryCustomerWeighsTheSameAtPowerOne) {
  Samples samples;
  samples.customer = Column<int32_t>::from_values({4, 4, 4, 1, 2, 4});
  const std::vector<int64_t> rows = {0, 1, 2, 3, 5};  // customer 4: 4 rows, customer 1: 1
  const std::vector<float> equal = customer_sample_weights(samples, rows, 1.0);
  ASSERT_EQ(equal.size(), 5u);
  // n^-1 scaled to a mean of 1 over the 5 rows: 1/4 and 1 times 5 / 2.
  EXPECT_NEAR(equal[4], 0.625, 1e-6);
  EXPECT_NEAR(equal[1], 2.5, 1e-6);
  EXPECT_EQ(equal[2], 1.0f);  // no row: untouched
  EXPECT_EQ(equal[0], 1.0f);
  EXPECT_NEAR(4 * equal[4], 1 * equal[1], 1e-6);  // each customer's rows weigh the same in all
  // Power 0.5: 4^-0.5 and 1, scaled to 5 / (4 * 0.5 + 1).
  const std::vector<float> root = customer_sample_weights(samples, rows, 0.5);
  EXPECT_NEAR(root[4], 0.5 * 5 / 3, 1e-6);
  EXPECT_NEAR(root[1], 5.0 / 3, 1e-6);
  for (float w : customer_sample_weights(samples, rows, 0.0)) EXPECT_NEAR(w, 1.0f, 1e-6);
}

}  // namespace
}  // namespace retailsim::model
