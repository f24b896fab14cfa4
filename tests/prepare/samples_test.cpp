// Samples on the tiny world: one masked-basket sample per customer basket, next-basket pairs by
// their rules, one store-visit sample per customer-week within the horizon, every split taken
// from the target's week, inputs strictly before targets, and determinism.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <tuple>

#include "prepare/prepare_fixture.h"

namespace retailsim::prepare {
namespace {

using testing::clean;

PrepareConfig config_holding_out(bool hold_out_last_date) {
  PrepareConfig c;
  c.hold_out_last_date = hold_out_last_date;
  return c;
}

// The rules below take every basket (hold_out_last_date = false); the hold-out is tested on its
// own against them.
struct Loaded {
  explicit Loaded(bool hold_out_last_date = false)
      : config(config_holding_out(hold_out_last_date)) {}
  Store store = Store::open(clean());
  SplitInfo split = read_split(clean());
  PrepareConfig config;
  SampleSet set = build_samples(store, split, config);
  int32_t week_of(int32_t basket) const {
    return store.basket_week_index[static_cast<size_t>(basket)];
  }
  // Position of a basket among its customer's baskets.
  int32_t position(int32_t customer, int32_t basket) const {
    const auto baskets = store.baskets_of_customer(customer);
    return static_cast<int32_t>(std::find(baskets.begin(), baskets.end(), basket) -
                                baskets.begin());
  }
};

TEST(Samples, OneMaskedBasketSamplePerCustomerBasket) {
  const Loaded l;
  size_t with_customer = 0;
  for (size_t b = 0; b < l.store.n_baskets(); ++b)
    with_customer += l.store.basket_customer_id[b] >= 0;
  ASSERT_EQ(l.set.masked_basket.size(), with_customer);
  std::set<int32_t> seen(l.set.masked_basket.input_basket.begin(),
                         l.set.masked_basket.input_basket.end());
  EXPECT_EQ(seen.size(), with_customer);
  const SampleColumns& m = l.set.masked_basket;
  for (size_t i = 0; i < m.size(); ++i) {
    EXPECT_EQ(m.target_basket[i], m.input_basket[i]);
    EXPECT_EQ(l.store.basket_customer_id[static_cast<size_t>(m.input_basket[i])], m.customer[i]);
    EXPECT_EQ(m.week[i], l.week_of(m.input_basket[i]));
    EXPECT_EQ(m.history_count[i], l.position(m.customer[i], m.input_basket[i]));
    EXPECT_EQ(m.n_items[i], std::min<int64_t>(l.store.basket_rows(m.input_basket[i]).size(), 64));
  }
}

TEST(Samples, NextBasketPairsFollowTheirRules) {
  const Loaded l;
  const SampleColumns& n = l.set.next_basket;
  ASSERT_GT(n.size(), 0u);
  size_t expected = 0;
  const std::vector<uint8_t> observed = l.store.weeks_with_baskets();
  for (int32_t c = 0; c < static_cast<int32_t>(l.store.n_customers()); ++c) {
    const auto baskets = l.store.baskets_of_customer(c);
    for (size_t i = 0; i + 1 < baskets.size(); ++i) {
      expected += l.store.basket_rows(baskets[i + 1]).size() >= 2 &&
                  l.week_of(baskets[i + 1]) - l.week_of(baskets[i]) <= 12;
    }
  }
  EXPECT_EQ(n.size(), expected);
  for (size_t i = 0; i < n.size(); ++i) {
    const int32_t pos = l.position(n.customer[i], n.input_basket[i]);
    EXPECT_EQ(l.store.baskets_of_customer(n.customer[i])[static_cast<size_t>(pos) + 1],
              n.target_basket[i]);
    EXPECT_GE(l.store.basket_rows(n.target_basket[i]).size(), 2);
    EXPECT_EQ(n.week[i], l.week_of(n.target_basket[i]));
    EXPECT_EQ(n.gap_weeks[i], n.week[i] - l.week_of(n.input_basket[i]));
    EXPECT_LE(n.gap_weeks[i], 12);
    EXPECT_EQ(n.history_count[i], pos + 1);
    EXPECT_EQ(n.next_store[i], -1);
  }
}

TEST(Samples, ForTargetsMatchesTheStoredNextBasketSamplesAndChecksHistories) {
  const Loaded l;
  const SampleColumns& n = l.set.next_basket;
  ASSERT_GT(n.size(), 0u);
  std::vector<Samples::Target> targets;
  for (size_t i = 0; i < std::min<size_t>(n.size(), 50); ++i) {
    targets.push_back({n.customer[i], n.target_basket[i], n.history_count[i], -1});
  }
  const Samples s = Samples::for_targets(l.store, targets, l.config);
  ASSERT_EQ(s.size(), targets.size());
  for (size_t i = 0; i < targets.size(); ++i) {
    EXPECT_EQ(s.input_basket[i], n.input_basket[i]);
    EXPECT_EQ(s.week[i], n.week[i]);
    EXPECT_EQ(s.gap_weeks[i], n.gap_weeks[i]);
    EXPECT_EQ(s.n_items[i], n.n_items[i]);
    EXPECT_EQ(s.split[i], 2);
  }
  // A moment without a target basket takes its week; a store-visit kind keeps it.
  const Samples visit = Samples::for_targets(
      l.store, std::vector<Samples::Target>{{n.customer[0], -1, n.history_count[0], n.week[0] + 1}},
      l.config, SampleKind::kStoreVisit);
  EXPECT_EQ(visit.kind, SampleKind::kStoreVisit);
  EXPECT_EQ(visit.week[0], n.week[0] + 1);
  EXPECT_EQ(visit.target_basket[0], -1);
  // No history, or more history than the customer has, or no week at all: errors.
  EXPECT_THROW(Samples::for_targets(
                   l.store, std::vector<Samples::Target>{{n.customer[0], -1, 0, 3}}, l.config),
               Error);
  const auto too_many = static_cast<int32_t>(l.store.baskets_of_customer(n.customer[0]).size()) + 1;
  EXPECT_THROW(
      Samples::for_targets(l.store, std::vector<Samples::Target>{{n.customer[0], -1, too_many, 3}},
                           l.config),
      Error);
  EXPECT_THROW(Samples::for_targets(
                   l.store, std::vector<Samples::Target>{{n.customer[0], -1, 1, -1}}, l.config),
               Error);
}

TEST(Samples, TrainingSamplesHoldOutEachCustomersLastDate) {
  EXPECT_TRUE(PrepareConfig{}.hold_out_last_date);  // the default
  const Loaded all(false), held(true);
  // A basket is held out when it is in a training week and on its customer's last date.
  auto last_date_in_training = [&](int32_t basket) {
    const auto customer = all.store.basket_customer_id[static_cast<size_t>(basket)];
    const auto baskets = all.store.baskets_of_customer(customer);
    return all.split.split_of(all.week_of(basket)) == 0 &&
           all.store.basket_date[static_cast<size_t>(basket)] ==
               all.store.basket_date[static_cast<size_t>(baskets.back())];
  };
  using Key = std::tuple<int32_t, int32_t, int32_t>;  // customer, input, target
  auto keys = [](const SampleColumns& c) {
    std::vector<Key> out;
    for (size_t i = 0; i < c.size(); ++i)
      out.emplace_back(c.customer[i], c.input_basket[i], c.target_basket[i]);
    return out;
  };
  size_t dropped_masked = 0, dropped_next = 0;
  auto expect_held_out = [&](const SampleColumns& every, const SampleColumns& kept,
                             size_t& dropped) {
    std::vector<Key> expected;
    for (const Key& k : keys(every)) {
      if (last_date_in_training(std::get<2>(k))) {
        ++dropped;
      } else {
        expected.push_back(k);
      }
    }
    EXPECT_EQ(keys(kept), expected);
  };
  expect_held_out(all.set.masked_basket, held.set.masked_basket, dropped_masked);
  expect_held_out(all.set.next_basket, held.set.next_basket, dropped_next);
  // The tiny world has customers who stop shopping within the training weeks.
  EXPECT_GT(dropped_masked, 0u);
  EXPECT_GT(dropped_next, 0u);
  // Validation and test samples and every store-visit sample stay.
  EXPECT_EQ(keys(held.set.store_visit), keys(all.set.store_visit));
  for (const SampleColumns* c : {&held.set.masked_basket, &held.set.next_basket}) {
    for (size_t i = 0; i < c->size(); ++i) EXPECT_FALSE(last_date_in_training(c->target_basket[i]));
  }
  EXPECT_EQ(
      PrepareConfig::from_section(
          Config::parse("[prepare]\nhold_out_last_date = false\n", "t.toml").section("prepare"), 1)
          .to_json()
          .at("hold_out_last_date"),
      false);
}

// One store-visit sample per customer-week after the first trip: every week with a trip (its
// first trip's store) and every week without one at most max_gap_weeks after the previous trip,
// counted here by brute force over each customer's weeks; weeks without any basket in the store
// are missing data.
TEST(Samples, StoreVisitsAreTheCustomerWeeksWithinTheHorizon) {
  const Loaded l;
  const SampleColumns& v = l.set.store_visit;
  const auto n_stores = static_cast<int32_t>(l.store.n_stores());
  const int32_t last_week = l.split.first_week_index + l.split.n_weeks - 1;
  std::map<std::pair<int32_t, int32_t>, size_t> sample_of;  // (customer, week) -> row
  size_t no_trips = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    EXPECT_TRUE(sample_of.emplace(std::make_pair(v.customer[i], v.week[i]), i).second)
        << "one sample per customer-week";
    const auto baskets = l.store.baskets_of_customer(v.customer[i]);
    const auto h = static_cast<size_t>(v.history_count[i]);
    ASSERT_GE(h, 1u);
    // The history is every basket before the week; the input is the last of them.
    EXPECT_LT(l.week_of(baskets[h - 1]), v.week[i]);
    if (h < baskets.size()) {
      EXPECT_GE(l.week_of(baskets[h]), v.week[i]);
    }
    EXPECT_EQ(v.input_basket[i], baskets[h - 1]);
    EXPECT_EQ(v.gap_weeks[i], v.week[i] - l.week_of(v.input_basket[i]));
    if (v.next_store[i] == n_stores) {
      ++no_trips;
      EXPECT_EQ(v.target_basket[i], -1);
      for (int32_t b : baskets) EXPECT_NE(l.week_of(b), v.week[i]);
      EXPECT_LE(v.gap_weeks[i], 12);
    } else {
      EXPECT_EQ(v.target_basket[i], baskets[h]);  // the week's first trip
      EXPECT_EQ(v.week[i], l.week_of(v.target_basket[i]));
      EXPECT_EQ(v.next_store[i], l.store.basket_store_id[static_cast<size_t>(v.target_basket[i])]);
    }
  }
  size_t expected = 0;
  const std::vector<uint8_t> observed = l.store.weeks_with_baskets();
  for (int32_t c = 0; c < static_cast<int32_t>(l.store.n_customers()); ++c) {
    const auto baskets = l.store.baskets_of_customer(c);
    if (baskets.empty()) continue;
    std::set<int32_t> trip_weeks;
    for (int32_t b : baskets) trip_weeks.insert(l.week_of(b));
    int32_t previous = *trip_weeks.begin();
    for (int32_t w = previous + 1; w <= last_week; ++w) {
      const bool trip = trip_weeks.count(w) > 0;
      if (!observed[static_cast<size_t>(w)]) continue;  // no basket at all: missing data
      if (trip || w - previous <= 12) {
        ++expected;
        EXPECT_TRUE(sample_of.count({c, w})) << "customer " << c << " week " << w;
      }
      if (trip) previous = w;
    }
  }
  EXPECT_EQ(v.size(), expected);
  EXPECT_GT(no_trips, 0u);
  EXPECT_LT(no_trips, v.size());
}

TEST(Samples, SplitIsTheTargetWeeksAndInputsComeFirst) {
  const Loaded l;
  for (const SampleColumns* c : {&l.set.masked_basket, &l.set.next_basket, &l.set.store_visit}) {
    int counts[3] = {0, 0, 0};
    for (size_t i = 0; i < c->size(); ++i) {
      EXPECT_EQ(c->split[i], l.split.split_of(c->week[i]));
      ++counts[c->split[i]];
      // The input basket is at or before the target's week, and every basket the history may
      // read (the first history_count of the customer) precedes the target.
      EXPECT_LE(l.week_of(c->input_basket[i]), c->week[i]);
      const auto baskets = l.store.baskets_of_customer(c->customer[i]);
      for (int32_t h = 0; h < c->history_count[i]; ++h) {
        EXPECT_LE(l.week_of(baskets[static_cast<size_t>(h)]), c->week[i]);
        EXPECT_NE(baskets[static_cast<size_t>(h)], c->target_basket[i]);
      }
    }
    EXPECT_GT(counts[0], 0);
    EXPECT_GT(counts[1], 0);
    EXPECT_GT(counts[2], 0);
  }
}

// The key of the drawn no-trip weeks is refused with what replaced it, not silently ignored.
TEST(Samples, TheRemovedNoTripKeySaysWhatReplacedIt) {
  try {
    PrepareConfig::from_section(
        Config::parse("[prepare]\nno_trip_per_gap = 1\n", "t.toml").section("prepare"), 1);
    FAIL() << "no_trip_per_gap was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("one per customer-week"), std::string::npos) << e.what();
  }
}

TEST(Samples, SamplesDoNotDependOnTheSeed) {
  const Loaded a;
  PrepareConfig other = a.config;
  other.seed = 7;
  const SampleSet c = build_samples(a.store, a.split, other);
  EXPECT_EQ(c.masked_basket.input_basket, a.set.masked_basket.input_basket);
  EXPECT_EQ(c.next_basket.target_basket, a.set.next_basket.target_basket);
  EXPECT_EQ(c.store_visit.week, a.set.store_visit.week);
  EXPECT_EQ(c.store_visit.next_store, a.set.store_visit.next_store);
}

}  // namespace
}  // namespace retailsim::prepare
