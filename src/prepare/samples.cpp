// The samples of the store: masked-basket (one per customer basket), next-basket pairs and
// store-visit samples (the next trip's store, or a week without a trip), by customer then time.
#include <algorithm>

#include "core/rng.h"
#include "prepare/prepare.h"

namespace retailsim::prepare {

namespace {

constexpr uint64_t kNoTripStream = 0x4e4f545249500000ULL;  // "NOTRIP"

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

// Up to k distinct weeks of [first, last], drawn uniformly, in increasing order.
std::vector<int32_t> draw_weeks(int32_t first, int32_t last, int k, Rng& rng) {
  std::vector<int32_t> weeks;
  for (int32_t w = first; w <= last; ++w) weeks.push_back(w);
  const auto n = static_cast<size_t>(std::min<int64_t>(k, static_cast<int64_t>(weeks.size())));
  for (size_t i = 0; i < n; ++i) {  // partial Fisher-Yates
    std::swap(weeks[i], weeks[i + rng.below(weeks.size() - i)]);
  }
  weeks.resize(n);
  std::sort(weeks.begin(), weeks.end());
  return weeks;
}

}  // namespace

SampleSet build_samples(const Store& store, const SplitInfo& split, const PrepareConfig& config) {
  SampleSet out;
  const auto n_stores = static_cast<int32_t>(store.n_stores());
  const int32_t last_week = split.first_week_index + split.n_weeks - 1;
  auto items_of = [&](int32_t basket) {
    return static_cast<int32_t>(
        std::min<int64_t>(store.basket_rows(basket).size(), config.max_items));
  };
  for (int32_t c = 0; c < static_cast<int32_t>(store.n_customers()); ++c) {
    const std::span<const int32_t> baskets = store.baskets_of_customer(c);
    const auto n = static_cast<int32_t>(baskets.size());
    // A training-split basket on the customer's last date (its reality-check target) is neither
    // a masked-basket input nor a next-basket target.
    const int32_t last_date =
        n > 0 ? store.basket_date[static_cast<size_t>(baskets[static_cast<size_t>(n - 1)])] : 0;
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
      // Store visit: the weeks without a trip between this trip and the next (at most
      // max_gap_weeks after this one) give up to no_trip_per_gap "no trip" samples, then the
      // next trip gives its store.
      const int32_t empty_last = std::min(next_week - 1, week + config.max_gap_weeks);
      if (empty_last > week && config.no_trip_per_gap > 0) {
        Rng rng = Rng::stream(config.seed,
                              {kNoTripStream, static_cast<uint64_t>(c), static_cast<uint64_t>(i)});
        for (int32_t w : draw_weeks(week + 1, empty_last, config.no_trip_per_gap, rng)) {
          push(out.store_visit, c, b, -1, w, split.split_of(w), w - week, i + 1, n_stores, n_items);
        }
      }
      if (has_next) {
        push(out.store_visit, c, b, next, next_week, split.split_of(next_week), next_week - week,
             i + 1, store.basket_store_id[static_cast<size_t>(next)], n_items);
      }
    }
  }
  return out;
}

}  // namespace retailsim::prepare
