#include "core/customer_weeks.h"

#include <gtest/gtest.h>

#include <tuple>
#include <vector>

namespace retailsim {
namespace {

struct Visit {
  int32_t week;
  size_t n_history;
  bool trip;
  bool operator==(const Visit&) const = default;
};

std::vector<Visit> visits(const std::vector<int32_t>& weeks, int32_t begin, int32_t end,
                          int horizon, const std::vector<uint8_t>& observed) {
  std::vector<Visit> out;
  for_each_customer_week(
      weeks.size(), [&](size_t i) { return weeks[i]; }, begin, end, horizon, observed,
      [&](int32_t w, size_t n, bool trip) {
        out.push_back({w, n, trip});
      });
  return out;
}

TEST(CustomerWeeks, CountsTripAndEmptyWeeksBetweenTrips) {
  // Trips in weeks 1, 1, 3, 4; end 7; every week observed; horizon 12.
  const std::vector<int32_t> weeks = {1, 1, 3, 4};
  const std::vector<uint8_t> observed(10, 1);
  const TripWeeks t = count_trip_weeks(
      weeks.size(), [&](size_t i) { return weeks[i]; }, 7, 12, observed);
  // Trip weeks followed by another: 1 and 3. Empty: week 2, weeks 5 and 6.
  EXPECT_EQ(t.trip, 2);
  EXPECT_EQ(t.empty, 3);
}

TEST(CustomerWeeks, MissingWeeksAndTheHorizonCountAsNeither) {
  const std::vector<int32_t> weeks = {0, 5, 9};
  std::vector<uint8_t> observed(12, 1);
  observed[2] = 0;  // missing data
  // Horizon 2: after week 0 only weeks 1 (and missing 2) count; after 5, weeks 6 and 7.
  const TripWeeks t = count_trip_weeks(
      weeks.size(), [&](size_t i) { return weeks[i]; }, 9, 2, observed);
  EXPECT_EQ(t.trip, 1);   // week 0 (week 5 is the last trip week before the end)
  EXPECT_EQ(t.empty, 3);  // 1, 6, 7
  // Baskets at or after `end` are not read.
  const TripWeeks before = count_trip_weeks(
      weeks.size(), [&](size_t i) { return weeks[i]; }, 5, 12, observed);
  EXPECT_EQ(before.trip, 0);
  EXPECT_EQ(before.empty, 3);  // 1, 3, 4 (2 missing)
}

TEST(CustomerWeeks, VisitsTripWeeksNoTripWeeksAndSkipsLapsesAndMissingWeeks) {
  const std::vector<int32_t> weeks = {2, 2, 4, 9};
  std::vector<uint8_t> observed(12, 1);
  observed[3] = 0;
  const auto got = visits(weeks, 0, 12, 2, observed);
  const std::vector<Visit> want = {
      // 0-2: no basket before; 3: missing; 4: trip (two baskets before);
      {4, 2, true},
      // 5, 6 within two weeks of week 4; 7, 8 lapsed; 9 a trip; 10, 11 within the horizon.
      {5, 3, false},
      {6, 3, false},
      {9, 3, true},
      {10, 4, false},
      {11, 4, false},
  };
  EXPECT_EQ(got, want);
}

TEST(CustomerWeeks, VisitsOnlyTheGivenWeeks) {
  const std::vector<int32_t> weeks = {1, 3};
  const std::vector<uint8_t> observed(6, 1);
  const auto got = visits(weeks, 3, 5, 12, observed);
  const std::vector<Visit> want = {{3, 1, true}, {4, 2, false}};
  EXPECT_EQ(got, want);
}

TEST(CustomerWeeks, ObservedWeekPositionsSkipMissingWeeks) {
  // Weeks 0-5 with week 2 missing (as 200608 in the public LGSR copies).
  const std::vector<int32_t> at = observed_week_positions(std::vector<uint8_t>{1, 1, 0, 1, 1, 1});
  EXPECT_EQ(at, (std::vector<int32_t>{0, 1, 2, 2, 3, 4}));
  EXPECT_EQ(at[3] - at[1], 1);  // weeks 1 and 3 are neighbours in the data
  EXPECT_EQ(at[5] - at[0], 4);
  // Without a missing week the positions are the calendar weeks from the first observed one.
  EXPECT_EQ(observed_week_positions(std::vector<uint8_t>{0, 1, 1, 1}),
            (std::vector<int32_t>{0, 0, 1, 2}));
}

}  // namespace
}  // namespace retailsim
