// The temporal split: the seeds' weeks on 117, proportions elsewhere, integrity and cold start.
#include <gtest/gtest.h>

#include "core/config.h"
#include "core/error.h"
#include "features/features.h"

namespace retailsim::features {
namespace {

TEST(SplitWeeks, GivesTheSeedsWeeksOn117) {
  const FeaturesConfig c;
  const SplitWeeks w = split_weeks(117, c.train_fraction, c.val_fraction);
  EXPECT_EQ(w.n_train, 80);  // weeks 1-80
  EXPECT_EQ(w.n_val, 15);    // 81-95
  EXPECT_EQ(w.n_test, 22);   // 96-117
}

TEST(SplitWeeks, RoundsProportionsHalfUpOnOtherLengths) {
  const FeaturesConfig c;
  // 52 * 80/117 = 35.56 -> 36; 52 * 95/117 = 42.22 -> 42.
  SplitWeeks w = split_weeks(52, c.train_fraction, c.val_fraction);
  EXPECT_EQ(w.n_train, 36);
  EXPECT_EQ(w.n_val, 6);
  EXPECT_EQ(w.n_test, 10);
  // 10 * 0.25 = 2.5 rounds up to 3; 10 * 0.5 = 5.
  w = split_weeks(10, 0.25, 0.25);
  EXPECT_EQ(w.n_train, 3);
  EXPECT_EQ(w.n_val, 2);
  EXPECT_EQ(w.n_test, 5);
}

TEST(SplitWeeks, PutsEveryWeekInExactlyOneSplitInTimeOrder) {
  const FeaturesConfig c;
  for (int32_t n = 3; n <= 200; ++n) {
    const SplitWeeks w = split_weeks(n, c.train_fraction, c.val_fraction);
    ASSERT_GE(w.n_train, 1) << n;
    ASSERT_GE(w.n_val, 1) << n;
    ASSERT_GE(w.n_test, 1) << n;
    ASSERT_EQ(w.n_train + w.n_val + w.n_test, n) << n;
    int previous = kTrain;
    int counts[3] = {0, 0, 0};
    for (int32_t k = 0; k < n; ++k) {
      const int s = w.split_of(k);
      ASSERT_GE(s, previous) << "week " << k << " of " << n;
      previous = s;
      ++counts[s];
    }
    EXPECT_EQ(counts[kTrain], w.n_train);
    EXPECT_EQ(counts[kVal], w.n_val);
    EXPECT_EQ(counts[kTest], w.n_test);
  }
  EXPECT_THROW(split_weeks(2, c.train_fraction, c.val_fraction), Error);
}

TEST(CustomerSplit, FlagsCustomersWhoseFirstBasketIsInTheTestWeeks) {
  const SplitWeeks w = split_weeks(10, 0.5, 0.2);  // train 0-4, val 5-6, test 7-9
  ASSERT_EQ(w.test_begin(), 7);
  // Customer 0: weeks 1, 8; customer 1: none; customer 2: 7, 9; customer 3: 6; customer 4: 9.
  const std::vector<int64_t> offsets = {0, 2, 2, 4, 5, 6};
  const std::vector<int32_t> weeks = {1, 8, 7, 9, 6, 9};
  const CustomerSplit s = customer_split(offsets, weeks, w);
  EXPECT_EQ(s.first_week, (std::vector<int32_t>{1, -1, 7, 6, 9}));
  EXPECT_EQ(s.cold_start, (std::vector<uint8_t>{0, 0, 1, 0, 1}));
}

TEST(FeaturesConfig, ReadsTheSectionAndRejectsBadFractions) {
  Config config = Config::parse("[features]\ntrain_fraction = 0.6\nval_fraction = 0.2\n");
  const FeaturesConfig c = FeaturesConfig::from_section(config.section("features"), 7);
  EXPECT_DOUBLE_EQ(c.train_fraction, 0.6);
  EXPECT_EQ(c.seed, 7u);
  Config bad = Config::parse("[features]\ntrain_fraction = 0.9\nval_fraction = 0.2\n");
  EXPECT_THROW(FeaturesConfig::from_section(bad.section("features"), 1), Error);
  Config typo = Config::parse("[features]\ntrain_fractoin = 0.5\n");
  EXPECT_THROW(FeaturesConfig::from_section(typo.section("features"), 1), Error);
}

}  // namespace
}  // namespace retailsim::features
