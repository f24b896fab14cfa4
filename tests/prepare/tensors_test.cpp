// Batch assembly on the tiny world: the shape and value range of every tensor of each kind, T2/T5
// read from the right rows, history and repeat features from the customer's earlier baskets only,
// segment-only T1 for cold-start customers, and the encoders' layouts.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "core/customer_weeks.h"
#include "prepare/prepare_fixture.h"

namespace retailsim::prepare {
namespace {

using testing::clean;

void expect_in(std::span<const float> values, float lo, float hi, const char* name) {
  for (float v : values) {
    ASSERT_TRUE(std::isfinite(v)) << name;
    ASSERT_GE(v, lo) << name;
    ASSERT_LE(v, hi) << name;
  }
}

struct Assembled {
  std::shared_ptr<const TensorSources> sources = TensorSources::open(clean(), PrepareConfig{});
  Samples samples;
  std::vector<int64_t> rows;
  Batch batch;
  explicit Assembled(SampleKind kind) : samples(Samples::open(clean(), kind)) {
    for (size_t i = 0; i < samples.size(); ++i) rows.push_back(static_cast<int64_t>(i));
    batch = sources->assemble(samples, rows, 0, 0);
  }
};

void check_common(const Assembled& a) {
  const Batch& b = a.batch;
  const Store& store = a.sources->store();
  const auto B = static_cast<size_t>(b.size);
  const auto S = static_cast<size_t>(b.max_items);
  ASSERT_EQ(B, a.rows.size());
  for (auto* v : {&b.customer, &b.store, &b.week, &b.basket}) ASSERT_EQ(v->size(), B);
  ASSERT_EQ(b.t1.size(), B * kT1Dims);
  ASSERT_EQ(b.t3.size(), B * kT3Dims);
  ASSERT_EQ(b.t5.size(), B * kT5Dims);
  ASSERT_EQ(b.t6.size(), B * kT6Dims);
  ASSERT_EQ(b.item_product.size(), B * S);
  ASSERT_EQ(b.input_product.size(), B * S);
  ASSERT_EQ(b.attention_mask.size(), B * S);
  ASSERT_EQ(b.masked.size(), B * S);
  ASSERT_EQ(b.t2.size(), B * S * kT2Dims);
  ASSERT_EQ(b.t4.size(), B * S * kT4Dims);
  expect_in(b.t1, 0.0f, 1.0f, "t1");
  expect_in(b.t3, -1.0f, 1.0f, "t3");
  expect_in(b.t4, -1.0f, 1.0f, "t4");
  expect_in(b.t6, 0.0f, 1.0f, "t6");
  const Column<float> context(clean() / "features" / "store_context" / "store_context.npy");
  const Column<float> embeddings(clean() / "features" / "graph_embeddings" / "embeddings.npy");
  int64_t max_len = 0;
  for (size_t i = 0; i < B; ++i) {
    const auto row = static_cast<size_t>(a.rows[i]);
    EXPECT_EQ(b.customer[i], a.samples.customer[row]);
    EXPECT_EQ(b.basket[i], a.samples.input_basket[row]);
    EXPECT_EQ(b.week[i], a.samples.week[row]);
    for (int d = 0; d < kT5Dims; ++d) {
      ASSERT_EQ(b.t5[i * kT5Dims + d], context[static_cast<size_t>(b.store[i]) * kT5Dims + d]);
    }
    // T6: one one-hot block per label, each with at most one 1.
    for (int block : {0, 16, 32, 40}) {
      const int width = block < 32 ? 16 : 8;
      float sum = 0;
      for (int d = 0; d < width; ++d) sum += b.t6[i * kT6Dims + block + d];
      EXPECT_LE(sum, 1.0f);
    }
    const auto products = store.basket_products(b.basket[i]);
    const size_t n = std::min<size_t>(products.size(), 64);
    max_len = std::max<int64_t>(max_len, static_cast<int64_t>(n));
    for (size_t s = 0; s < S; ++s) {
      const size_t at = i * S + s;
      if (s < n) {
        ASSERT_EQ(b.attention_mask[at], 1);
        ASSERT_EQ(b.item_product[at], products[s]);
      } else {
        ASSERT_EQ(b.attention_mask[at], 0);
        ASSERT_EQ(b.item_product[at], kPadToken);
        ASSERT_EQ(b.input_product[at], kPadToken);
        ASSERT_EQ(b.masked[at], 0);
      }
      const int32_t p = b.input_product[at];
      for (int d = 0; d < kT2Dims; ++d) {
        const float want = s < n && p >= 0 && p < a.sources->n_products()
                               ? embeddings[static_cast<size_t>(p) * kT2Dims + d]
                               : 0.0f;
        ASSERT_EQ(b.t2[at * kT2Dims + d], want);
      }
      if (s >= n) {
        for (int d = 0; d < kT4Dims; ++d) ASSERT_EQ(b.t4[at * kT4Dims + d], 0.0f);
      }
    }
    for (auto* label : {&b.basket_size, &b.price_sensitivity, &b.mission_type, &b.mission_focus}) {
      EXPECT_GE((*label)[i], -1);
    }
  }
  EXPECT_EQ(b.max_items, max_len);
}

TEST(Tensors, MaskedBasketBatchHasTheDocumentedShapesAndRanges) {
  const Assembled a(SampleKind::kMaskedBasket);
  check_common(a);
  const Store& store = a.sources->store();
  for (size_t i = 0; i < a.rows.size(); ++i) {
    EXPECT_EQ(a.batch.store[i], store.basket_store_id[static_cast<size_t>(a.batch.basket[i])]);
    EXPECT_EQ(a.batch.mission_type[i], store.basket_type[static_cast<size_t>(a.batch.basket[i])]);
  }
  EXPECT_TRUE(a.batch.history_offsets.empty());
  EXPECT_TRUE(a.batch.target_offsets.empty());
  EXPECT_GT(std::count(a.batch.masked.begin(), a.batch.masked.end(), 1), 0);
}

TEST(Tensors, NextBasketBatchCarriesTargetsFromTheTargetBasket) {
  const Assembled a(SampleKind::kNextBasket);
  check_common(a);
  const Store& store = a.sources->store();
  const Batch& b = a.batch;
  ASSERT_EQ(b.target_offsets.size(), a.rows.size() + 1);
  EXPECT_EQ(std::count(b.masked.begin(), b.masked.end(), 1), 0);
  EXPECT_EQ(b.input_product, b.item_product);
  for (size_t i = 0; i < a.rows.size(); ++i) {
    const int32_t target = a.samples.target_basket[static_cast<size_t>(a.rows[i])];
    const auto products = store.basket_products(target);
    const auto begin = static_cast<size_t>(b.target_offsets[i]);
    ASSERT_EQ(static_cast<size_t>(b.target_offsets[i + 1]) - begin, products.size());
    for (size_t k = 0; k < products.size(); ++k)
      EXPECT_EQ(b.target_product[begin + k], products[k]);
    EXPECT_EQ(b.store[i], store.basket_store_id[static_cast<size_t>(target)]);
  }
}

TEST(Tensors, StoreVisitBatchNamesTheNextStoreOrNoTrip) {
  const Assembled a(SampleKind::kStoreVisit);
  check_common(a);
  const Batch& b = a.batch;
  ASSERT_EQ(b.next_store.size(), a.rows.size());
  int no_trip = 0;
  for (size_t i = 0; i < a.rows.size(); ++i) {
    ASSERT_GE(b.next_store[i], 0);
    ASSERT_LE(b.next_store[i], a.sources->n_stores());
    if (b.next_store[i] == a.sources->n_stores()) {
      ++no_trip;
      EXPECT_EQ(b.mission_type[i], -1);  // no target basket, no labels
      for (int d = 16; d < 32; ++d) EXPECT_EQ(b.t3[i * kT3Dims + d], 0.0f);  // weekday, hour
    }
  }
  EXPECT_GT(no_trip, 0);
}

// A store-visit sample asks whether and where the customer shops in the target week, so nothing
// of the target trip may reach its inputs: T3 is the week's (its Monday, no weekday or hour),
// the same whether the week holds a trip or not. With the trip's date, weekday and hour the
// weekday block alone told a trip from no trip, and the simulator, which asks about weeks not
// yet shopped, got "no trip" for every shopper.
TEST(Tensors, StoreVisitInputsDoNotTellATripFromNoTrip) {
  const Assembled a(SampleKind::kStoreVisit);
  const Batch& b = a.batch;
  const Store& store = a.sources->store();
  const SplitInfo split = read_split(clean());
  int trips = 0;
  for (size_t i = 0; i < a.rows.size(); ++i) {
    const auto row = static_cast<size_t>(a.rows[i]);
    const int32_t week = a.samples.week[row];
    float want[kT3Dims];
    encode_temporal(store.calendar.at(static_cast<size_t>(week)).date_from, 0, -1,
                    store.calendar.at(static_cast<size_t>(week)).shop_week,
                    week - split.first_week_index, split.n_weeks, a.samples.gap_weeks[row], want);
    for (int d = 0; d < kT3Dims; ++d) ASSERT_EQ(b.t3[i * kT3Dims + d], want[d]) << i << " " << d;
    trips += a.samples.target_basket[row] >= 0;
  }
  EXPECT_GT(trips, 0);
  // A next-basket sample keeps its target trip's moment: the basket is predicted given the trip.
  const Assembled next(SampleKind::kNextBasket);
  for (size_t i = 0; i < next.rows.size(); ++i) {
    const auto target = static_cast<size_t>(next.samples.target_basket[next.rows[i]]);
    float weekday = 0;
    for (int d = 16; d < 23; ++d) weekday += next.batch.t3[i * kT3Dims + d];
    EXPECT_EQ(weekday, store.basket_weekday[target] > 0 ? 1.0f : 0.0f);
  }
}

// The customer's trips by store and their weeks with and without a trip, by brute force over
// the baskets before the target week (the store-visit model starts from them).
TEST(Tensors, StoreVisitBatchesCountTheCustomersTripsByStoreAndWeek) {
  const Assembled a(SampleKind::kStoreVisit);
  const Batch& b = a.batch;
  const Store& store = a.sources->store();
  const std::vector<uint8_t> observed = store.weeks_with_baskets();
  ASSERT_EQ(b.visit_offsets.size(), a.rows.size() + 1);
  ASSERT_EQ(b.visit_trips.size(), b.visit_store.size());
  ASSERT_EQ(b.trip_weeks.size(), a.rows.size() * 2);
  int64_t with_empty_weeks = 0;
  for (size_t i = 0; i < a.rows.size(); ++i) {
    const auto row = static_cast<size_t>(a.rows[i]);
    const auto prior = store.baskets_of_customer(b.customer[i])
                           .first(static_cast<size_t>(a.samples.history_count[row]));
    std::map<int32_t, float> trips;
    std::set<int32_t> weeks;
    for (int32_t basket : prior) {
      trips[store.basket_store_id[static_cast<size_t>(basket)]] += 1;
      weeks.insert(store.basket_week_index[static_cast<size_t>(basket)]);
    }
    std::map<int32_t, float> got;
    for (int64_t k = b.visit_offsets[i]; k < b.visit_offsets[i + 1]; ++k)
      got[b.visit_store[static_cast<size_t>(k)]] = b.visit_trips[static_cast<size_t>(k)];
    EXPECT_EQ(got, trips);
    float empty = 0;
    int32_t previous = *weeks.begin();
    for (int32_t w = previous + 1; w < b.week[i]; ++w) {
      if (weeks.count(w)) {
        previous = w;
      } else if (observed[static_cast<size_t>(w)] && w - previous <= 12) {
        empty += 1;
      }
    }
    EXPECT_EQ(b.trip_weeks[i * 2], static_cast<float>(weeks.size() - 1)) << i;
    EXPECT_EQ(b.trip_weeks[i * 2 + 1], empty) << i;
    with_empty_weeks += empty > 0;
  }
  EXPECT_GT(with_empty_weeks, 0);
  EXPECT_TRUE(Assembled(SampleKind::kNextBasket).batch.visit_offsets.empty());
}

// History and repeat features are computed from the customer's baskets before the target only.
TEST(Tensors, HistoryAndRepeatFeaturesUseOnlyEarlierBaskets) {
  for (SampleKind kind : {SampleKind::kNextBasket, SampleKind::kStoreVisit}) {
    const Assembled a(kind);
    const Batch& b = a.batch;
    const Store& store = a.sources->store();
    ASSERT_EQ(b.history_offsets.size(), a.rows.size() + 1);
    ASSERT_EQ(b.repeat_offsets.size(), a.rows.size() + 1);
    ASSERT_EQ(b.repeat_features.size(), b.repeat_product.size() * kRepeatDims);
    for (size_t i = 0; i < a.rows.size(); ++i) {
      const auto row = static_cast<size_t>(a.rows[i]);
      const auto prior = store.baskets_of_customer(b.customer[i])
                             .first(static_cast<size_t>(a.samples.history_count[row]));
      const auto h0 = static_cast<size_t>(b.history_offsets[i]);
      const auto h1 = static_cast<size_t>(b.history_offsets[i + 1]);
      ASSERT_EQ(h1 - h0, std::min<size_t>(prior.size(), 10));
      for (size_t h = h0; h < h1; ++h) EXPECT_LE(b.history_week[h], b.week[i]);
      if (h1 > h0) {  // the most recent basket is the input basket, last
        EXPECT_EQ(b.history_week[h1 - 1],
                  store.basket_week_index[static_cast<size_t>(b.basket[i])]);
      }
      std::map<int32_t, int> count;
      std::map<int32_t, std::pair<int32_t, int32_t>> span;  // first and last purchase week
      for (int32_t basket : prior) {
        const int32_t w = store.basket_week_index[static_cast<size_t>(basket)];
        for (int32_t p : store.basket_products(basket)) {
          if (++count[p] == 1) span[p].first = w;
          span[p].second = w;
        }
      }
      const auto r0 = static_cast<size_t>(b.repeat_offsets[i]);
      const auto r1 = static_cast<size_t>(b.repeat_offsets[i + 1]);
      ASSERT_EQ(r1 - r0, count.size());
      size_t k = r0;
      for (const auto& [product, n] : count) {
        ASSERT_EQ(b.repeat_product[k], product);
        EXPECT_EQ(b.repeat_features[k * kRepeatDims], static_cast<float>(n));
        EXPECT_EQ(b.repeat_features[k * kRepeatDims + 3], b.week[i] - span[product].second);
        const float mean =
            n > 1 ? static_cast<float>(span[product].second - span[product].first) / (n - 1) : 0;
        EXPECT_FLOAT_EQ(b.repeat_features[k * kRepeatDims + 5], mean);
        ++k;
      }
    }
  }
}

// Feature 8 counts the other shoppers' training-week baskets, by brute force over the store: the
// sample's customer is left out, so a training target never counts towards its own features.
TEST(Tensors, RepeatFeaturesSayHowOtherShoppersBuyTheProduct) {
  const Assembled a(SampleKind::kNextBasket);
  const Batch& b = a.batch;
  const Store& store = a.sources->store();
  const SplitInfo& split = a.sources->split();
  std::map<int32_t, std::map<int32_t, int>> customer_with;  // customer -> product -> baskets
  for (size_t basket = 0; basket < store.n_baskets(); ++basket) {
    const int32_t c = store.basket_customer_id[basket];
    if (c < 0 || split.split_of(store.basket_week_index[basket]) != 0) continue;
    const auto products = store.basket_products(static_cast<int32_t>(basket));
    for (int32_t p : std::set<int32_t>(products.begin(), products.end())) ++customer_with[c][p];
  }
  int checked = 0, repeats_left_out = 0;
  for (size_t i = 0; i < a.rows.size(); ++i) {
    const int32_t c = b.customer[i];
    for (auto k = static_cast<size_t>(b.repeat_offsets[i]);
         k < static_cast<size_t>(b.repeat_offsets[i + 1]); ++k) {
      const int32_t p = b.repeat_product[k];
      int buyers = 0, repeaters = 0, own = 0;
      for (const auto& [customer, products] : customer_with) {
        const auto it = products.find(p);
        if (it == products.end()) continue;
        if (customer == c) {
          own = it->second;
          continue;
        }
        ++buyers;
        repeaters += it->second >= 2;
      }
      EXPECT_FLOAT_EQ(b.repeat_features[k * kRepeatDims + 8],
                      static_cast<float>((repeaters + 0.5) / (buyers + 1.0)));
      repeats_left_out += own >= 2;
      ++checked;
    }
  }
  EXPECT_GT(checked, 100);
  EXPECT_GT(repeats_left_out, 0);
}

TEST(Tensors, RepeatFeaturesSayHowTheTargetsStoreSellsTheProduct) {
  const Assembled a(SampleKind::kNextBasket);
  const Batch& b = a.batch;
  const Store& store = a.sources->store();
  const SplitInfo& split = a.sources->split();
  // Training baskets per (store, product), per store and per product; and per customer the same
  // for their own baskets, which the feature leaves out.
  std::map<std::pair<int32_t, int32_t>, int> with;
  std::map<int32_t, int> store_baskets, product_baskets;
  std::map<int32_t, std::map<std::pair<int32_t, int32_t>, int>> own_with;
  std::map<int32_t, std::map<int32_t, int>> own_baskets;
  int64_t baskets = 0;
  for (size_t basket = 0; basket < store.n_baskets(); ++basket) {
    if (split.split_of(store.basket_week_index[basket]) != 0) continue;
    const int32_t s = store.basket_store_id[basket], c = store.basket_customer_id[basket];
    ++baskets;
    ++store_baskets[s];
    if (c >= 0) ++own_baskets[c][s];
    const auto products = store.basket_products(static_cast<int32_t>(basket));
    for (int32_t p : std::set<int32_t>(products.begin(), products.end())) {
      ++with[{s, p}];
      ++product_baskets[p];
      if (c >= 0) ++own_with[c][{s, p}];
    }
  }
  int checked = 0, own_left_out = 0, negative = 0;
  for (size_t i = 0; i < a.rows.size(); ++i) {
    const int32_t c = b.customer[i], s = b.store[i];
    for (auto k = static_cast<size_t>(b.repeat_offsets[i]);
         k < static_cast<size_t>(b.repeat_offsets[i + 1]); ++k) {
      const int32_t p = b.repeat_product[k];
      const int own = own_with[c][{s, p}];
      const double others_with = with[{s, p}] - own;
      const double others = store_baskets[s] - own_baskets[c][s];
      const double share = (product_baskets[p] + 0.5) / (static_cast<double>(baskets) + 1.0);
      const double want = std::log((others_with + 1.0) / (others * share + 1.0));
      EXPECT_NEAR(b.repeat_features[k * kRepeatDims + 9], want, 1e-5);
      own_left_out += own > 0;
      negative += want < 0;
      ++checked;
    }
  }
  EXPECT_GT(checked, 100);
  EXPECT_GT(own_left_out, 0);
  EXPECT_GT(negative, 0);
}

TEST(Tensors, AStoreGivenPerRowPutsTheTargetThere) {
  const Assembled a(SampleKind::kNextBasket);
  const std::vector<int64_t> rows(a.rows.begin(), a.rows.begin() + 8);
  const int32_t other = (a.batch.store[0] + 1) % a.sources->n_stores();
  std::vector<int32_t> stores(rows.size(), -1);
  stores[0] = other;
  const Batch moved = a.sources->assemble(a.samples, rows, 0, 0, stores);
  const Batch same = a.sources->assemble(a.samples, rows, 0, 0);
  EXPECT_EQ(moved.store[0], other);
  for (size_t i = 1; i < rows.size(); ++i) EXPECT_EQ(moved.store[i], same.store[i]);
  EXPECT_NE(std::vector<float>(moved.t5.begin(), moved.t5.begin() + kT5Dims),
            std::vector<float>(same.t5.begin(), same.t5.begin() + kT5Dims));
  EXPECT_EQ(std::vector<float>(moved.t5.begin() + kT5Dims, moved.t5.end()),
            std::vector<float>(same.t5.begin() + kT5Dims, same.t5.end()));
  const std::vector<int32_t> too_few(rows.size() - 1, -1);
  EXPECT_THROW(a.sources->assemble(a.samples, rows, 0, 0, too_few), Error);
  std::vector<int32_t> out_of_range(rows.size(), -1);
  out_of_range[1] = a.sources->n_stores();
  EXPECT_THROW(a.sources->assemble(a.samples, rows, 0, 0, out_of_range), Error);
}

TEST(Tensors, HistoryLabelsCountEachLabelOverTheEarlierBaskets) {
  for (SampleKind kind : {SampleKind::kNextBasket, SampleKind::kStoreVisit}) {
    const Assembled a(kind);
    const Batch& b = a.batch;
    const Store& store = a.sources->store();
    const std::array<int32_t, 4> values = label_values(store);
    EXPECT_EQ(values[0], static_cast<int32_t>(store.basket_size_codes.size()));
    const size_t n_values = static_cast<size_t>(values[0] + values[1] + values[2] + values[3]);
    ASSERT_EQ(b.history_labels.size(), a.rows.size() * n_values);
    const Column<int8_t>* columns[4] = {&store.basket_size, &store.basket_price_sensitivity,
                                        &store.basket_type, &store.basket_mission};
    int with_history = 0;
    for (size_t i = 0; i < a.rows.size(); ++i) {
      const auto r = static_cast<size_t>(a.rows[i]);
      const auto prior = store.baskets_of_customer(a.samples.customer[r])
                             .first(static_cast<size_t>(a.samples.history_count[r]));
      std::vector<float> expected(n_values, 0.0f);
      for (int32_t h : prior) {
        size_t block = 0;
        for (size_t k = 0; k < 4; ++k) {
          const int8_t v = (*columns[k])[static_cast<size_t>(h)];
          if (v >= 0) expected[block + static_cast<size_t>(v)] += 1;
          block += static_cast<size_t>(values[k]);
        }
      }
      const std::vector<float> got(
          b.history_labels.begin() + static_cast<ptrdiff_t>(i * n_values),
          b.history_labels.begin() + static_cast<ptrdiff_t>((i + 1) * n_values));
      EXPECT_EQ(got, expected) << "sample " << i;
      // Each attribute's block adds up to the earlier baskets with that label known.
      float sizes = 0;
      for (int32_t v = 0; v < values[0]; ++v) sizes += got[static_cast<size_t>(v)];
      EXPECT_LE(sizes, static_cast<float>(prior.size()));
      with_history += sizes > 0;
    }
    EXPECT_GT(with_history, 10);
  }
  // Masked-basket batches have no history and no counts.
  EXPECT_TRUE(Assembled(SampleKind::kMaskedBasket).batch.history_labels.empty());
}

TEST(Tensors, ColdStartCustomersGetSegmentOnlyT1) {
  const Assembled a(SampleKind::kMaskedBasket);
  const Column<float> history(clean() / "features" / "customer_history" / "customer_history.npy");
  const Column<int32_t> trips(clean() / "features" / "customer_history" / "training_trips.npy");
  int cold = 0, warm_with_affinity = 0;
  for (size_t i = 0; i < a.rows.size(); ++i) {
    const auto c = static_cast<size_t>(a.batch.customer[i]);
    const float* t1 = a.batch.t1.data() + i * kT1Dims;
    for (int d = 0; d < 160; ++d) ASSERT_EQ(t1[d], history[c * 160 + d]);
    float affinity = 0;
    for (int d = 160; d < kT1Dims; ++d) affinity += t1[d];
    if (a.batch.cold_start[i]) {
      ++cold;
      EXPECT_EQ(trips[c], 0);  // the behaviour block is the segment prior
      EXPECT_EQ(affinity, 0.0f);
    } else if (a.samples.history_count[static_cast<size_t>(a.rows[i])] > 0) {
      warm_with_affinity += affinity > 0;
    }
  }
  EXPECT_GT(cold, 0);
  EXPECT_GT(warm_with_affinity, 0);
}

// A calendar week without any basket (the public LGSR copies lack 200608) is missing data: the
// weeks between a purchase or trip and the target count observed weeks only, in the repeat
// features, the history's gaps, T1's recency and T3's weeks since the previous basket.
TEST(Tensors, WeeksMissingFromTheDataAreNotCounted) {
  const auto sources = TensorSources::open(testing::gapped(), PrepareConfig{});
  const Store& store = sources->store();
  const std::vector<uint8_t> observed = store.weeks_with_baskets();
  const auto first = std::find(observed.begin(), observed.end(), 1);
  const auto end = std::find(observed.rbegin(), observed.rend(), 1).base();
  ASSERT_EQ(std::count(first, end, 0), 1) << "one week missing between the first and the last";
  const std::vector<int32_t> at = observed_week_positions(observed);
  int64_t across = 0;  // spans over the missing week: calendar and observed weeks differ
  for (SampleKind kind : {SampleKind::kNextBasket, SampleKind::kMaskedBasket}) {
    const Samples samples = Samples::open(testing::gapped(), kind);
    std::vector<int64_t> rows(samples.size());
    for (size_t i = 0; i < rows.size(); ++i) rows[i] = static_cast<int64_t>(i);
    const Batch b = sources->assemble(samples, rows, 0, 0);
    for (size_t i = 0; i < rows.size(); ++i) {
      const int32_t week = b.week[i];
      const auto prior = store.baskets_of_customer(b.customer[i])
                             .first(static_cast<size_t>(samples.history_count[i]));
      if (prior.empty()) continue;
      const auto week_of = [&](int32_t basket) {
        return store.basket_week_index[static_cast<size_t>(basket)];
      };
      const int32_t last_trip = week_of(prior.back());
      across += week - last_trip != at[week] - at[last_trip];
      // T3 56: min(g, 52) / 52, g the observed weeks since the previous basket.
      EXPECT_NEAR(b.t3[i * kT3Dims + 56] * 52.0f, static_cast<float>(at[week] - at[last_trip]),
                  1e-4);
      // T1 affinity: 8 weeks since the last trip / 52; 10, 11 trips in the last 4 and 13 weeks
      // (clamped shares); 12 tenure / 52.
      if (!b.cold_start[i]) {
        const float* affinity = b.t1.data() + i * kT1Dims + 160;
        EXPECT_NEAR(affinity[8] * 52.0f, static_cast<float>(at[week] - at[last_trip]), 1e-4);
        int recent4 = 0, recent13 = 0;
        for (int32_t basket : prior) {
          recent4 += at[week] - at[week_of(basket)] <= 4;
          recent13 += at[week] - at[week_of(basket)] <= 13;
        }
        EXPECT_NEAR(affinity[10], std::min(1.0f, recent4 / 4.0f), 1e-6);
        EXPECT_NEAR(affinity[11], std::min(1.0f, recent13 / 13.0f), 1e-6);
        EXPECT_NEAR(affinity[12] * 52.0f, static_cast<float>(at[week] - at[week_of(prior[0])]),
                    1e-4);
      }
      if (kind != SampleKind::kNextBasket) continue;
      for (int64_t h = b.history_offsets[i]; h < b.history_offsets[i + 1]; ++h) {
        const auto k = static_cast<size_t>(h);
        EXPECT_EQ(b.history_gap[k], at[week] - at[b.history_week[k]]);
      }
      std::map<int32_t, int32_t> last;  // product -> week of its last purchase
      for (int32_t basket : prior)
        for (int32_t p : store.basket_products(basket)) last[p] = week_of(basket);
      for (int64_t r = b.repeat_offsets[i]; r < b.repeat_offsets[i + 1]; ++r) {
        const auto k = static_cast<size_t>(r);
        EXPECT_EQ(b.repeat_features[k * kRepeatDims + 3],
                  static_cast<float>(at[week] - at[last.at(b.repeat_product[k])]));
      }
    }
  }
  EXPECT_GT(across, 0) << "no sample spans the missing week: the test would prove nothing";
}

TEST(Tensors, TemporalEncodingLayout) {
  float t[kT3Dims];
  // Saturday 2006-12-23, 18h, shop week 200638, data week 3 of 8, 2 weeks since the last trip.
  encode_temporal(20061223, 7, 18, 200638, 3, 8, 2, t);
  EXPECT_EQ(t[16 + 6], 1.0f);  // Saturday
  EXPECT_EQ(t[23], 1.0f);      // weekend
  EXPECT_EQ(t[30], 1.0f);      // from 17h
  EXPECT_EQ(t[33], 1.0f);      // the week before Christmas
  EXPECT_NEAR(t[32], std::exp(-2.0 / 7.0), 1e-6);
  EXPECT_EQ(t[44], 1.0f);  // winter
  EXPECT_NEAR(t[48], 3.5 / 8, 1e-6);
  EXPECT_EQ(t[62], 1.0f);  // 2-4 weeks since the last trip
  // Easter Monday 2007 (9 April) is a bank holiday: its week is flagged, Easter is near.
  encode_temporal(20070409, 2, -1, 200707, 0, 8, -1, t);
  EXPECT_EQ(t[36], 1.0f);
  EXPECT_NEAR(t[35], std::exp(-1.0 / 4.0), 1e-6);
  for (int d = 24; d < 32; ++d) EXPECT_EQ(t[d], 0.0f);  // unknown hour
  for (int d = 56; d < 64; ++d) EXPECT_EQ(t[d], 0.0f);  // no previous trip
}

TEST(Tensors, RepeatFeaturesOfKnownPurchases) {
  // Bought in weeks 2, 4 and 8 (intervals 2 and 4), 5 trips before a target in week 10.
  float f[kRepeatDims];
  repeat_features(RepeatStats{3, 2, 8, 2.0 * 2 + 4.0 * 4}, 5, 10, f);
  EXPECT_FLOAT_EQ(f[0], 3.0f);
  EXPECT_FLOAT_EQ(f[1], std::log1p(3.0f));
  EXPECT_FLOAT_EQ(f[2], 0.6f);
  EXPECT_FLOAT_EQ(f[3], 2.0f);  // weeks since the last purchase
  EXPECT_FLOAT_EQ(f[4], std::log1p(2.0f));
  EXPECT_FLOAT_EQ(f[5], 3.0f);                        // mean interval
  EXPECT_FLOAT_EQ(f[6], 1.0f / 3.0f);                 // sd 1 / mean 3
  EXPECT_FLOAT_EQ(f[7], 2.0f / 3.0f);                 // how due
  repeat_features(RepeatStats{1, 6, 6, 0}, 4, 6, f);  // once, in the target's week
  EXPECT_FLOAT_EQ(f[3], 0.0f);
  EXPECT_FLOAT_EQ(f[5], 0.0f);
  EXPECT_FLOAT_EQ(f[7], 0.0f);
}

TEST(Tensors, TripEncodingIsOneHotPerLabel) {
  float t[kT6Dims];
  encode_trip(2, 17, 3, -1, t);
  EXPECT_EQ(t[2], 1.0f);
  EXPECT_EQ(t[16 + 1], 1.0f);  // 17 mod 16
  EXPECT_EQ(t[32 + 3], 1.0f);
  float sum = 0;
  for (float v : t) sum += v;
  EXPECT_EQ(sum, 3.0f);  // unknown basket size: an all-zero block
}

TEST(Tensors, MissingEmbeddingsNameTheFile) {
  const fs::path path = clean() / "features" / "graph_embeddings" / "embeddings.npy";
  const fs::path aside = path.string() + ".aside";
  fs::rename(path, aside);
  try {
    TensorSources::open(clean(), PrepareConfig{});
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("embeddings.npy"), std::string::npos) << e.what();
  }
  fs::rename(aside, path);
}

}  // namespace
}  // namespace retailsim::prepare
