// A customer's weeks as the store-visit question sees them: a week holds a trip or it does not,
// a week without any basket in the store is missing data, and a customer lapsed for longer than a
// horizon is not asked about. One definition, shared by the store-visit samples (prepare), their
// batches and the store-visit evaluation, so that training, evaluation and the simulator ask the
// same question.
//
// Both helpers take a customer's baskets in time order through `week_of(i)`: the calendar week
// index of their i-th basket, for i < n_baskets. `observed` is Store::weeks_with_baskets().
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace retailsim {

// Trip weeks and weeks without a trip (those within `horizon` weeks after a trip, and observed),
// from the first trip's week up to `end` (exclusive): how often the customer shops. A trip week
// counts once it is followed by another trip week before `end`, so the last trip week's gap is
// counted as empty weeks only.
struct TripWeeks {
  int64_t trip = 0, empty = 0;
};

template <class WeekOf>
TripWeeks count_trip_weeks(size_t n_baskets, WeekOf&& week_of, int32_t end, int horizon,
                           std::span<const uint8_t> observed) {
  TripWeeks out;
  auto count_empty = [&](int32_t last, int32_t until) {  // observed weeks in (last, until)
    for (int32_t w = last + 1; w < until && w - last <= horizon; ++w)
      out.empty += observed[static_cast<size_t>(w)];
  };
  int32_t last = -1;
  for (size_t i = 0; i < n_baskets; ++i) {
    const int32_t w = week_of(i);
    if (w >= end) break;
    if (w == last) continue;
    if (last >= 0) {
      ++out.trip;
      count_empty(last, w);
    }
    last = w;
  }
  if (last >= 0) count_empty(last, end);
  return out;
}

// Calls visit(week, n_history, trip) for each observed week in [begin, end) after the customer's
// first basket: n_history is the number of baskets before the week, and when `trip` the basket
// at position n_history is the week's first trip. A week without a trip more than `horizon`
// weeks after the previous trip is skipped (the customer has lapsed).
template <class WeekOf, class Visit>
void for_each_customer_week(size_t n_baskets, WeekOf&& week_of, int32_t begin, int32_t end,
                            int horizon, std::span<const uint8_t> observed, Visit&& visit) {
  size_t next = 0;  // the first basket of a week >= w
  for (int32_t w = begin; w < end; ++w) {
    if (!observed[static_cast<size_t>(w)]) continue;
    while (next < n_baskets && week_of(next) < w) ++next;
    if (next == 0) continue;  // no trip before this week
    const bool trip = next < n_baskets && week_of(next) == w;
    if (!trip && w - week_of(next - 1) > horizon) continue;
    visit(w, next, trip);
  }
}

// Each calendar week's position among the observed weeks: the number of observed weeks before
// it. The difference of two positions counts the weeks between them as the data saw them, so a
// week missing from the data (the public LGSR copies lack 200608) does not count as a week in
// which the customer bought nothing; on data without such a week it is the calendar difference.
inline std::vector<int32_t> observed_week_positions(std::span<const uint8_t> observed) {
  std::vector<int32_t> out(observed.size());
  int32_t seen = 0;
  for (size_t w = 0; w < observed.size(); ++w) {
    out[w] = seen;
    seen += observed[w] ? 1 : 0;
  }
  return out;
}

}  // namespace retailsim
