// The refit phase's rows (PrepareSource::refit_rows) on the tiny generated world: the training
// and validation samples, less the validation targets on their customer's last date.
#include <gtest/gtest.h>

#include <set>

#include "core/dataset.h"
#include "model/prepare_source.h"
#include "prepare/prepare_fixture.h"

namespace retailsim::model {
namespace {

using prepare::SampleKind;
using prepare::Samples;

std::set<int64_t> as_set(const std::vector<int64_t>& rows) {
  return {rows.begin(), rows.end()};
}

TEST(RefitRows, TrainingAndValidationSamplesLessTheValidationTargetsOnALastDate) {
  const fs::path data = prepare::testing::clean();
  const Store store = Store::open(data);
  for (const bool hold_out : {true, false}) {
    SCOPED_TRACE(hold_out);
    prepare::PrepareConfig config;
    config.hold_out_last_date = hold_out;
    const PrepareSource train(data, config, SampleKind::kNextBasket, 0, true, 1);
    for (SampleKind kind : {SampleKind::kNextBasket, SampleKind::kMaskedBasket}) {
      const Samples& samples = train.samples(kind);
      const std::set<int64_t> got = as_set(train.refit_rows(kind));
      const std::set<int64_t> training = as_set(samples.rows_of_split(0));
      const std::set<int64_t> validation = as_set(samples.rows_of_split(1));
      ASSERT_FALSE(validation.empty());
      size_t held = 0;
      for (int64_t r : training) EXPECT_TRUE(got.count(r));
      for (int64_t r : validation) {
        const auto i = static_cast<size_t>(r);
        const auto baskets = store.baskets_of_customer(samples.customer[i]);
        const bool last_date = store.basket_date[static_cast<size_t>(samples.target_basket[i])] ==
                               store.basket_date[static_cast<size_t>(baskets.back())];
        EXPECT_EQ(got.count(r) == 1, !(hold_out && last_date)) << r;
        held += hold_out && last_date;
      }
      EXPECT_EQ(got.size(), training.size() + validation.size() - held);
      if (hold_out) {
        EXPECT_GT(held, 0u);
      }
      // Nothing of the test split.
      for (int64_t r : samples.rows_of_split(2)) EXPECT_FALSE(got.count(r));
    }
  }
  // Only a training source has them.
  const PrepareSource val(data, prepare::PrepareConfig{}, SampleKind::kNextBasket, 1, false, 1);
  EXPECT_THROW(val.refit_rows(SampleKind::kNextBasket), Error);
}

TEST(RefitRows, ARefitPhaseServesThemAndOtherPhasesTheTrainingSplit) {
  const fs::path data = prepare::testing::clean();
  prepare::PrepareConfig config;
  config.batch_size = 16;
  PrepareSource train(data, config, SampleKind::kNextBasket, 0, true, 1);
  const train::Phase main{"main", 1, 1e-2, 0.0};
  const train::Phase refit{"refit", 1, 1e-2, 0.0, true};
  EXPECT_GT(train.batches_per_epoch(refit), train.batches_per_epoch(main));
  auto served = [&](const train::Phase& phase) {
    std::set<int64_t> rows;
    train.start_epoch(0, phase);
    prepare::Batch batch;
    while (train.next(batch)) rows.insert(batch.sample_index.begin(), batch.sample_index.end());
    return rows;
  };
  EXPECT_EQ(served(main), as_set(train.rows(SampleKind::kNextBasket)));
  EXPECT_EQ(served(refit), as_set(train.refit_rows(SampleKind::kNextBasket)));
}

}  // namespace
}  // namespace retailsim::model
