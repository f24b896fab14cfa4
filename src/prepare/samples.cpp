// The samples of the store: masked-basket (one per customer basket), next-basket pairs and
// store-visit samples (one per customer-week: the first trip's store, or no trip), by customer
// then time.
#include <algorithm>

#include "core/customer_weeks.h"
#include "prepare/prepare.h"

namespace retailsim::prepare {

namespace {

void push(SampleColumns& c, int32_t customer, int32_t input, int32_t target, int32_t week,
          int8_t split, int32_t gap, int32_t history_count, int32_t next_store, int32_t n_items) {
  c.customer.push_back(customer);
  c.input_basket.push_back(input);
  c.target_basket.push_back(target);
  c.week.push_back(week);
  c.split.push_back(split);
  c.gap_weeks.push_back(static_cast<int16_t>(std::min<int32_t>(gap, 32767)));
  c.history_count.push_back(history_count);
  c.next_store.push_back(next_store);
  c.n_items.push_back(static_cast<int16_t>(n_items));
}

}  // namespace

SampleSet build_samples(const Store& store, const SplitInfo& split, const PrepareConfig& config) {
  SampleSet out;
  const auto n_stores = static_cast<int32_t>(store.n_stores());
  const int32_t last_week = split.first_week_index + split.n_weeks - 1;
  const std::vector<uint8_t> observed = store.weeks_with_baskets();
  auto items_of = [&](int32_t basket) {
    return static_cast<int32_t>(
        std::min<int64_t>(store.basket_rows(basket).size(), config.max_items));
  };
  for (int32_t c = 0; c < static_cast<int32_t>(store.n_customers()); ++c) {
    const std::span<const int32_t> baskets = store.baskets_of_customer(c);
    const auto n = static_cast<int32_t>(baskets.size());
    // A training-split basket on the customer's last date (its reality-check target) is neither
    // a masked-basket input nor a next-basket target.
    const int32_t last_date = store.last_date_of(c);
    auto held_out = [&](int32_t basket, int8_t basket_split) {
      return config.hold_out_last_date && basket_split == 0 &&
             store.basket_date[static_cast<size_t>(basket)] == last_date;
    };
    for (int32_t i = 0; i < n; ++i) {
      const int32_t b = baskets[static_cast<size_t>(i)];
      const int32_t week = store.basket_week_index[static_cast<size_t>(b)];
      const int32_t n_items = items_of(b);
      if (!held_out(b, split.split_of(week))) {
        push(out.masked_basket, c, b, b, week, split.split_of(week), 0, i, -1, n_items);
      }

      const bool has_next = i + 1 < n;
      const int32_t next = has_next ? baskets[static_cast<size_t>(i) + 1] : -1;
      const int32_t next_week =
          has_next ? store.basket_week_index[static_cast<size_t>(next)] : last_week + 1;
      if (has_next && next_week - week <= config.max_gap_weeks &&
          store.basket_rows(next).size() >= config.min_target_items &&
          !held_out(next, split.split_of(next_week))) {
        push(out.next_basket, c, b, next, next_week, split.split_of(next_week), next_week - week,
             i + 1, -1, n_items);
      }
    }
    // Store visit, one sample per week after the customer's first trip: the store of the week's
    // first trip, or "no trip" for a week without one at most max_gap_weeks after the previous
    // trip (a customer lapsed for longer is not asked about). The input is the last basket
    // before the week. A week without any basket in the store is missing data: no sample.
    if (n == 0) continue;
    auto week_of = [&](size_t i) {
      return store.basket_week_index[static_cast<size_t>(baskets[i])];
    };
    for_each_customer_week(
        baskets.size(), week_of, week_of(0) + 1, last_week + 1, config.max_gap_weeks, observed,
        [&](int32_t w, size_t at, bool trip) {
          const int32_t input = baskets[at - 1];
          const int32_t input_week = week_of(at - 1);
          const int32_t target = trip ? baskets[at] : -1;
          push(out.store_visit, c, input, target, w, split.split_of(w), w - input_week,
               static_cast<int32_t>(at),
               trip ? store.basket_store_id[static_cast<size_t>(target)] : n_stores,
               items_of(input));
        });
  }
  return out;
}

}  // namespace retailsim::prepare
