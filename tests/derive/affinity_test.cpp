// Tests of customer–store affinity and mission profiles on hand-made trip histories.
#include <cmath>

#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include "derive/derive.h"

namespace retailsim::derive {
namespace {

// Customer 0: five trips (stored out of order, reached through basket_ids); customer 1: none;
// customer 2: one trip.
struct History {
  std::vector<uint64_t> offsets = {0, 5, 5, 6};
  std::vector<int64_t> ids = {5, 0, 3, 1, 4, 2};  // time order per customer
  // Per basket id 0..5.
  std::vector<int32_t> store = {1, 1, 4, 2, 3, 1};
  std::vector<int32_t> week = {1, 5, 8, 2, 6, 0};
  std::vector<int64_t> spend = {200, 400, 999, 300, 500, 100};
  std::vector<int32_t> hour = {10, 10, 20, 18, 9, 10};
  std::vector<int32_t> weekday = {6, 6, 2, 1, 6, 3};
  std::vector<int32_t> lines = {4, 8, 3, 6, 10, 2};
  std::vector<int64_t> promo = {100, 0, 0, 150, 250, 0};
  std::vector<int8_t> type = {0, 0, 1, 1, 0, -1};
  std::vector<int8_t> mission = {2, 2, 0, 1, 2, 0};
  std::vector<int8_t> sensitivity = {0, 1, 2, 0, 0, 0};
  std::vector<int8_t> size = {2, 2, 0, 1, 2, 0};
  CustomerBaskets view(bool with_promo = true) const {
    CustomerBaskets b;
    b.customer_offsets = offsets;
    b.basket_ids = ids;
    b.store = store;
    b.week = week;
    b.spend_cents = spend;
    b.hour = hour;
    b.weekday = weekday;
    b.lines = lines;
    if (with_promo) b.promo_spend_cents = promo;
    b.basket_type = type;
    b.mission = mission;
    b.price_sensitivity = sensitivity;
    b.size = size;
    return b;
  }
};

TEST(CustomerAffinity, ProfilesStoresAndRecencyFrequencyMonetary) {
  const History h;
  AffinityConfig config;
  config.top_stores = 3;
  const CustomerAffinity a = customer_affinity(h.view(), 9, config);
  // Customer 0 visits stores 1, 1, 2, 1, 3 in weeks 0, 1, 2, 5, 6.
  EXPECT_EQ(a.n_trips[0], 5u);
  EXPECT_EQ(a.primary_store[0], 1);
  EXPECT_FLOAT_EQ(a.loyalty[0], 0.6f);
  EXPECT_EQ(a.n_stores[0], 3);
  EXPECT_FLOAT_EQ(a.switching_rate[0], 0.75f);
  // Stores 2 and 3 tie on trips; store 3 has the larger spend.
  EXPECT_EQ(std::vector<int32_t>(a.top_store.begin(), a.top_store.begin() + 3),
            (std::vector<int32_t>{1, 3, 2}));
  EXPECT_FLOAT_EQ(a.top_share[0], 0.6f);
  EXPECT_FLOAT_EQ(a.top_share[1], 0.2f);
  EXPECT_EQ(a.first_week[0], 0);
  EXPECT_EQ(a.last_week[0], 6);
  EXPECT_EQ(a.recency_weeks[0], 3);
  EXPECT_FLOAT_EQ(a.trips_per_week[0], 0.5f);
  EXPECT_EQ(a.total_spend_cents[0], 1500);
  EXPECT_FLOAT_EQ(a.mean_spend_cents[0], 300.0f);
  // Customer 1 never shopped.
  EXPECT_EQ(a.n_trips[1], 0u);
  EXPECT_EQ(a.primary_store[1], -1);
  EXPECT_EQ(a.top_store[3], -1);
  // Customer 2: one trip, fully loyal, no switching possible.
  EXPECT_EQ(a.primary_store[2], 4);
  EXPECT_FLOAT_EQ(a.loyalty[2], 1.0f);
  EXPECT_FLOAT_EQ(a.switching_rate[2], 0.0f);
  EXPECT_EQ(a.top_store[7], -1);
  EXPECT_FLOAT_EQ(a.trips_per_week[2], 1.0f / 2.0f);
}

TEST(CustomerMissions, ProfilesTripTypesHoursSpendAndPromotionShare) {
  const History h;
  const MissionVocab vocab{2, 3, 3, 3};
  const CustomerMissions m = customer_missions(h.view(), vocab);
  // Customer 0's trips are baskets 5, 0, 3, 1, 4: types -1, 0, 1, 0, 0 (unknown left out).
  EXPECT_FLOAT_EQ(m.type_share[0], 0.75f);
  EXPECT_FLOAT_EQ(m.type_share[1], 0.25f);
  EXPECT_EQ(m.dominant_type[0], 0);
  // Missions 0, 2, 1, 2, 2.
  EXPECT_FLOAT_EQ(m.mission_share[0], 0.2f);
  EXPECT_FLOAT_EQ(m.mission_share[1], 0.2f);
  EXPECT_FLOAT_EQ(m.mission_share[2], 0.6f);
  EXPECT_EQ(m.dominant_mission[0], 2);
  EXPECT_FLOAT_EQ(m.price_sensitivity_share[0], 0.8f);
  EXPECT_FLOAT_EQ(m.size_share[2], 0.6f);
  EXPECT_EQ(m.typical_hour[0], 10);
  EXPECT_EQ(m.typical_weekday[0], 6);
  EXPECT_FLOAT_EQ(m.mean_lines[0], 30.0f / 5.0f);
  EXPECT_FLOAT_EQ(m.mean_spend_cents[0], 300.0f);
  EXPECT_FLOAT_EQ(m.promo_spend_share[0], 500.0f / 1500.0f);
  // No trips: zero shares, no typical values.
  EXPECT_FLOAT_EQ(m.type_share[2], 0.0f);
  EXPECT_EQ(m.dominant_type[1], -1);
  EXPECT_EQ(m.typical_hour[1], -1);
  EXPECT_EQ(m.dominant_mission[2], 0);
  EXPECT_EQ(m.typical_hour[2], 20);
  // Without promotion input the share is unknown, not zero.
  EXPECT_TRUE(std::isnan(customer_missions(h.view(false), vocab).promo_spend_share[0]));
}

TEST(CustomerProfiles, AreTheSameWithAnyThreadCount) {
  // 3,000 customers with pseudo-random histories.
  std::vector<uint64_t> offsets = {0};
  std::vector<int32_t> store, week, hour, weekday, lines;
  std::vector<int64_t> spend;
  std::vector<int8_t> code;
  uint64_t x = 1;
  for (int c = 0; c < 3000; ++c) {
    const int trips = c % 7;
    for (int t = 0; t < trips; ++t) {
      x = x * 6364136223846793005ULL + 1442695040888963407ULL;
      store.push_back(int32_t((x >> 33) % 5));
      week.push_back(t);
      hour.push_back(int32_t((x >> 40) % 24));
      weekday.push_back(1 + int32_t((x >> 45) % 7));
      lines.push_back(1 + int32_t((x >> 50) % 20));
      spend.push_back(int64_t((x >> 20) % 5000));
      code.push_back(int8_t((x >> 55) % 3));
    }
    offsets.push_back(store.size());
  }
  CustomerBaskets b;
  b.customer_offsets = offsets;
  b.store = store;
  b.week = week;
  b.spend_cents = spend;
  b.hour = hour;
  b.weekday = weekday;
  b.lines = lines;
  b.basket_type = b.mission = b.price_sensitivity = b.size = code;
  auto profile = [&](int threads) {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
    return std::pair(customer_affinity(b, 10, AffinityConfig{}),
                     customer_missions(b, MissionVocab{3, 3, 3, 3}));
  };
  const auto [a1, m1] = profile(1);
  const auto [a4, m4] = profile(4);
  EXPECT_EQ(a1.top_store, a4.top_store);
  EXPECT_EQ(a1.switching_rate, a4.switching_rate);
  EXPECT_EQ(m1.mission_share, m4.mission_share);
  EXPECT_EQ(m1.typical_hour, m4.typical_hour);
}

TEST(BasketPromoSpend, SumsSpendOfPromotedRowsPerBasket) {
  const std::vector<uint64_t> offsets = {0, 2, 2, 5};
  const std::vector<int64_t> spend = {100, 50, 10, 20, 30};
  const std::vector<uint8_t> promo = {1, 0, 1, 1, 0};
  EXPECT_EQ(basket_promo_spend(offsets, spend, promo), (std::vector<int64_t>{100, 0, 30}));
}

}  // namespace
}  // namespace retailsim::derive
