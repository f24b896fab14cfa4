// Batch assembly: the T1-T6 inputs, items, targets, auxiliary labels, the customer's recent
// baskets and per-product repeat features of a list of samples, from the store, features/ and
// the price encoder.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/customer_weeks.h"
#include "core/error.h"
#include "prepare/prepare.h"
#include "prepare/price_inputs.h"

namespace retailsim::prepare {

namespace {

template <typename T>
Column<T> open_feature(const fs::path& data_dir, const std::string& relative,
                       const std::vector<uint64_t>& shape, const std::string& writer) {
  const fs::path path = data_dir / "features" / relative;
  if (!fs::exists(path)) {
    fail("{}: missing ({} writes it: run it first)", path.string(), writer);
  }
  Column<T> column(path);
  if (column.shape() != shape) {
    std::string want, got;
    for (uint64_t d : shape) want += (want.empty() ? "" : ", ") + std::to_string(d);
    for (uint64_t d : column.shape()) got += (got.empty() ? "" : ", ") + std::to_string(d);
    fail("{}: shape ({}) where the store needs ({})", path.string(), got, want);
  }
  return column;
}

// The 32 affinity dims of T1 from the customer's trips before the target (docs/prepare.md): the
// stores and calendar weeks of those trips, in time order. Weeks between trips are counted by
// `position` (observed_week_positions), so a week missing from the data is not a week without a
// trip.
void encode_affinity(const Store& store, std::span<const int16_t> prior_store,
                     std::span<const int16_t> prior_week, int32_t target_week,
                     std::span<const int32_t> position, int32_t sample_store, float* out32) {
  std::fill(out32, out32 + 32, 0.0f);
  const auto k = static_cast<double>(prior_store.size());
  if (prior_store.empty()) return;
  const int32_t target = position[static_cast<size_t>(target_week)];
  // Trips per store (few stores per customer: a small linear table beats a hash map).
  std::vector<std::pair<int32_t, int32_t>> per_store;
  int32_t switches = 0, recent4 = 0, recent13 = 0, previous_store = -1;
  for (size_t i = 0; i < prior_store.size(); ++i) {
    const int32_t s = prior_store[i];
    const int32_t w = position[static_cast<size_t>(prior_week[i])];
    auto it = std::find_if(per_store.begin(), per_store.end(),
                           [s](const auto& p) { return p.first == s; });
    if (it == per_store.end()) {
      per_store.emplace_back(s, 1);
    } else {
      ++it->second;
    }
    if (previous_store >= 0 && s != previous_store) ++switches;
    previous_store = s;
    recent4 += target - w <= 4;
    recent13 += target - w <= 13;
  }
  std::stable_sort(per_store.begin(), per_store.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  auto share_of_rank = [&](size_t r) {
    return r < per_store.size() ? per_store[r].second / k : 0.0;
  };
  const int32_t sample_region =
      sample_store >= 0 && sample_store < static_cast<int32_t>(store.n_stores())
          ? store.store_region[static_cast<size_t>(sample_store)]
          : -1;
  int32_t at_sample_store = 0, same_region = 0;
  for (const auto& [s, n] : per_store) {
    if (s == sample_store) at_sample_store = n;
    if (sample_region >= 0 && store.store_region[static_cast<size_t>(s)] == sample_region) {
      same_region += n;
    }
  }
  const int32_t first_week = position[static_cast<size_t>(prior_week.front())];
  const int32_t last_week = position[static_cast<size_t>(prior_week.back())];
  const double since_last = target - last_week;
  const double tenure = target - first_week;
  const auto clamp01 = [](double x) { return static_cast<float>(std::clamp(x, 0.0, 1.0)); };
  out32[0] = clamp01(std::log1p(k) / std::log(1001.0));
  out32[1] = static_cast<float>(share_of_rank(0));
  out32[2] = static_cast<float>(share_of_rank(1));
  out32[3] = static_cast<float>(share_of_rank(2));
  out32[4] = static_cast<float>(per_store.size() / k);
  out32[5] = k > 1 ? static_cast<float>(switches / (k - 1)) : 0.0f;
  out32[6] = static_cast<float>(at_sample_store / k);
  out32[7] = previous_store == sample_store ? 1.0f : 0.0f;
  out32[8] = clamp01(since_last / 52.0);
  out32[9] = static_cast<float>(std::exp(-since_last / 4.0));
  out32[10] = clamp01(recent4 / 4.0);
  out32[11] = clamp01(recent13 / 13.0);
  out32[12] = clamp01(tenure / 52.0);
  out32[13] = clamp01(k / std::max(1.0, tenure) / 7.0);
  out32[14] = per_store[0].first == sample_store ? 1.0f : 0.0f;
  out32[15] = static_cast<float>(same_region / k);
  out32[16 + per_store[0].first % 16] = static_cast<float>(share_of_rank(0));
}

}  // namespace

TensorSources::TensorSources(Store store, PrepareConfig config)
    : store_(std::move(store)), config_(std::move(config)) {}
TensorSources::~TensorSources() = default;

std::shared_ptr<const TensorSources> TensorSources::open(const fs::path& data_dir,
                                                         const PrepareConfig& config) {
  config.validate();
  auto s = std::make_shared<TensorSources>(Store::open(data_dir), config);
  s->split_ = read_split(data_dir);
  const uint64_t C = s->store_.n_customers(), S = s->store_.n_stores(), P = s->store_.n_products();
  const std::string features = "retailsim features";
  s->customer_history_ =
      open_feature<float>(data_dir, "customer_history/customer_history.npy", {C, 160}, features);
  s->cold_start_ = open_feature<uint8_t>(data_dir, "splits/customer_cold_start.npy", {C}, features);
  s->store_context_ =
      open_feature<float>(data_dir, "store_context/store_context.npy", {S, 96}, features);
  s->embeddings_ = open_feature<float>(data_dir, "graph_embeddings/embeddings.npy",
                                       {P, static_cast<uint64_t>(kT2Dims)}, features);
  // Each customer's trips' stores and weeks side by side in customer order, so T1's affinity
  // reads them contiguously instead of one scattered basket row per trip.
  const Store& st = s->store_;
  s->trip_store_.resize(st.customer_baskets.size());
  s->trip_week_.resize(st.customer_baskets.size());
  for (size_t i = 0; i < st.customer_baskets.size(); ++i) {
    const auto basket = static_cast<size_t>(st.customer_baskets[i]);
    s->trip_store_[i] = st.basket_store_id[basket];
    s->trip_week_[i] = st.basket_week_index[basket];
  }
  s->observed_weeks_ = st.weeks_with_baskets();
  s->week_position_ = observed_week_positions(s->observed_weeks_);
  s->prices_ = std::make_unique<PriceInputs>(features::PriceEncoder::open(data_dir),
                                             s->split_.first_week_index);
  s->habits_ = product_habits(s->store_, s->split_);
  s->store_products_ = store_product_counts(s->store_, s->split_);
  return s;
}

void TensorSources::fill_customer(Batch& batch, int b, const Samples& samples, int64_t row) const {
  const auto r = static_cast<size_t>(row);
  const int32_t c = samples.customer[r];
  float* t1 = batch.t1.data() + static_cast<size_t>(b) * kT1Dims;
  std::memcpy(t1, customer_history_.begin() + static_cast<size_t>(c) * 160, 160 * sizeof(float));
  batch.cold_start[static_cast<size_t>(b)] = cold_start_[static_cast<size_t>(c)];
  if (cold_start_[static_cast<size_t>(c)]) {
    std::fill(t1 + 160, t1 + kT1Dims, 0.0f);  // segment-only
    return;
  }
  const auto begin = static_cast<size_t>(store_.customer_basket_offsets[static_cast<size_t>(c)]);
  const auto n = static_cast<size_t>(samples.history_count[r]);
  encode_affinity(store_, std::span<const int16_t>(trip_store_).subspan(begin, n),
                  std::span<const int16_t>(trip_week_).subspan(begin, n), samples.week[r],
                  week_position_, batch.store[static_cast<size_t>(b)], t1 + 160);
}

void TensorSources::fill_items(Batch& batch, int b, int32_t basket) const {
  const size_t S = static_cast<size_t>(batch.max_items);
  const auto products = store_.basket_products(basket);
  const size_t n = std::min(products.size(), S);
  const size_t base = static_cast<size_t>(b) * S;
  for (size_t s = 0; s < n; ++s) {
    batch.item_product[base + s] = products[s];
    batch.attention_mask[base + s] = 1;
  }
}

std::array<int32_t, 4> label_values(const Store& store) {
  return {static_cast<int32_t>(store.basket_size_codes.size()),
          static_cast<int32_t>(store.basket_price_sensitivity_codes.size()),
          static_cast<int32_t>(store.basket_type_codes.size()),
          static_cast<int32_t>(store.basket_mission_codes.size())};
}

std::array<const Column<int8_t>*, 4> label_columns(const Store& store) {
  return {&store.basket_size, &store.basket_price_sensitivity, &store.basket_type,
          &store.basket_mission};
}

void TensorSources::fill_history(Batch& batch, const Samples& samples,
                                 std::span<const int64_t> rows) const {
  struct Scratch {
    std::vector<RepeatStats> stats;  // per product, all zero between samples
    std::vector<int32_t> touched;
    // Per product: the customer's training-week baskets holding it (ProductHabits leaves them
    // out), those of them at the target's store (StoreProductCounts leaves them out) and the
    // last of them (+1) that counted it; zero between samples.
    std::vector<int32_t> own, own_at_store, seen_in;
  };
  thread_local Scratch scratch;
  batch.history_offsets.assign(1, 0);
  batch.history_item_offsets.assign(1, 0);
  batch.repeat_offsets.assign(1, 0);
  const std::array<int32_t, 4> values = label_values(store_);
  const std::array<const Column<int8_t>*, 4> labels = label_columns(store_);
  const auto n_values = static_cast<size_t>(values[0] + values[1] + values[2] + values[3]);
  batch.history_labels.assign(rows.size() * n_values, 0.0f);
  for (size_t b = 0; b < rows.size(); ++b) {
    const auto r = static_cast<size_t>(rows[b]);
    const auto prior = store_.baskets_of_customer(samples.customer[r])
                           .first(static_cast<size_t>(samples.history_count[r]));
    const size_t recent = std::min(prior.size(), static_cast<size_t>(config_.history_baskets));
    const int32_t target_position = position(samples.week[r]);
    for (int32_t h : prior.last(recent)) {
      const int16_t week = store_.basket_week_index[static_cast<size_t>(h)];
      batch.history_week.push_back(week);
      batch.history_gap.push_back(target_position - position(week));
      batch.history_store.push_back(store_.basket_store_id[static_cast<size_t>(h)]);
      const auto products = store_.basket_products(h);
      const size_t n = std::min(products.size(), static_cast<size_t>(config_.max_items));
      batch.history_product.insert(batch.history_product.end(), products.begin(),
                                   products.begin() + static_cast<ptrdiff_t>(n));
      batch.history_item_offsets.push_back(static_cast<int64_t>(batch.history_product.size()));
    }
    batch.history_offsets.push_back(static_cast<int64_t>(batch.history_week.size()));

    // Repeat features over every earlier basket, in time order, gathered in a per-thread table
    // indexed by product (no sort of the purchases; only the distinct products are sorted).
    std::vector<RepeatStats>& stats = scratch.stats;
    std::vector<int32_t>& touched = scratch.touched;
    std::vector<int32_t>& own = scratch.own;
    std::vector<int32_t>& own_at_store = scratch.own_at_store;
    std::vector<int32_t>& seen_in = scratch.seen_in;
    if (stats.size() < store_.n_products()) {
      stats.resize(store_.n_products());
      own.resize(store_.n_products());
      own_at_store.resize(store_.n_products());
      seen_in.resize(store_.n_products());
    }
    touched.clear();
    const int32_t target_store = batch.store[b];
    int32_t own_store_baskets = 0;  // the customer's training-week baskets at the target's store
    auto is_training = [&](int32_t h) {
      return split_.split_of(store_.basket_week_index[static_cast<size_t>(h)]) == 0;
    };
    auto at_target_store = [&](int32_t h) {
      return store_.basket_store_id[static_cast<size_t>(h)] == target_store;
    };
    // A training-week basket counts once towards each product it holds.
    auto count_own = [&](int32_t h, int32_t p) {
      const auto i = static_cast<size_t>(p);
      if (seen_in[i] == h + 1) return;
      seen_in[i] = h + 1;
      ++own[i];
      if (at_target_store(h)) ++own_at_store[i];
    };
    float* counts = batch.history_labels.data() + b * n_values;
    for (int32_t h : prior) {
      int32_t block = 0;
      for (int a = 0; a < 4; ++a) {
        const int8_t v = (*labels[a])[static_cast<size_t>(h)];
        if (v >= 0 && v < values[static_cast<size_t>(a)]) counts[block + v] += 1.0f;
        block += values[static_cast<size_t>(a)];
      }
      const int32_t w = position(store_.basket_week_index[static_cast<size_t>(h)]);
      const bool training = is_training(h);
      own_store_baskets += training && at_target_store(h);
      for (int32_t p : store_.basket_products(h)) {
        if (training) count_own(h, p);
        RepeatStats& st = stats[static_cast<size_t>(p)];
        if (st.count == 0) {
          touched.push_back(p);
          st.first_week = w;
        } else {
          const double d = w - st.last_week;
          st.sum_sq_intervals += d * d;
        }
        st.last_week = w;
        ++st.count;
      }
    }
    std::sort(touched.begin(), touched.end());
    // The product and store halves of the features must leave out every training-week basket
    // of the customer, the target's and later ones too; only the products bought before matter.
    const auto all = store_.baskets_of_customer(samples.customer[r]);
    for (int32_t h : all.subspan(prior.size())) {
      if (!is_training(h)) continue;
      own_store_baskets += at_target_store(h);
      for (int32_t p : store_.basket_products(h)) {
        if (stats[static_cast<size_t>(p)].count > 0) count_own(h, p);
      }
    }
    for (int32_t p : touched) {
      batch.repeat_product.push_back(p);
      const size_t at = batch.repeat_features.size();
      batch.repeat_features.resize(at + kRepeatDims);
      float* out = batch.repeat_features.data() + at;
      repeat_features(stats[static_cast<size_t>(p)], static_cast<int32_t>(prior.size()),
                      target_position, out);
      out[kPersonalRepeatDims] = habits_.repeat_share(p, own[static_cast<size_t>(p)]);
      out[kPersonalRepeatDims + 1] = store_products_.lift(
          target_store, p, own_at_store[static_cast<size_t>(p)], own_store_baskets);
      stats[static_cast<size_t>(p)] = RepeatStats{};
      own[static_cast<size_t>(p)] = 0;
      own_at_store[static_cast<size_t>(p)] = 0;
      seen_in[static_cast<size_t>(p)] = 0;
    }
    batch.repeat_offsets.push_back(static_cast<int64_t>(batch.repeat_product.size()));
  }
}

void TensorSources::fill_visits(Batch& batch, const Samples& samples,
                                std::span<const int64_t> rows) const {
  batch.visit_offsets.assign(1, 0);
  batch.trip_weeks.assign(rows.size() * 2, 0.0f);
  const int32_t horizon = config_.max_gap_weeks;
  std::vector<std::pair<int32_t, int32_t>> trips;  // (store, trips), few per customer
  for (size_t b = 0; b < rows.size(); ++b) {
    const auto r = static_cast<size_t>(rows[b]);
    const int32_t c = samples.customer[r];
    const auto begin = static_cast<size_t>(store_.customer_basket_offsets[static_cast<size_t>(c)]);
    const auto n = static_cast<size_t>(samples.history_count[r]);
    const int32_t target_week = samples.week[r];
    trips.clear();
    for (size_t i = begin; i < begin + n; ++i) {
      const int32_t s = trip_store_[i];
      auto it =
          std::find_if(trips.begin(), trips.end(), [s](const auto& e) { return e.first == s; });
      if (it == trips.end()) {
        trips.emplace_back(s, 1);
      } else {
        ++it->second;
      }
    }
    const TripWeeks weeks = count_trip_weeks(
        n, [&](size_t i) { return static_cast<int32_t>(trip_week_[begin + i]); }, target_week,
        horizon, observed_weeks_);
    std::sort(trips.begin(), trips.end());
    for (const auto& [s, k] : trips) {
      batch.visit_store.push_back(s);
      batch.visit_trips.push_back(static_cast<float>(k));
    }
    batch.visit_offsets.push_back(static_cast<int64_t>(batch.visit_store.size()));
    batch.trip_weeks[b * 2] = static_cast<float>(weeks.trip);
    batch.trip_weeks[b * 2 + 1] = static_cast<float>(weeks.empty);
  }
}

Batch TensorSources::assemble(const Samples& samples, std::span<const int64_t> rows, uint64_t epoch,
                              uint64_t batch_index, std::span<const int32_t> stores) const {
  if (!stores.empty() && stores.size() != rows.size())
    fail("batch assembly: {} stores given for {} rows", stores.size(), rows.size());
  Batch batch;
  batch.kind = samples.kind;
  const auto B = static_cast<size_t>(rows.size());
  batch.size = static_cast<int32_t>(B);
  int32_t S = 1;
  for (int64_t row : rows) S = std::max<int32_t>(S, samples.n_items[static_cast<size_t>(row)]);
  batch.max_items = S;
  const size_t BS = B * static_cast<size_t>(S);

  batch.sample_index.assign(rows.begin(), rows.end());
  batch.customer.resize(B);
  batch.store.resize(B);
  batch.week.resize(B);
  batch.basket.resize(B);
  batch.cold_start.resize(B);
  batch.t1.resize(B * kT1Dims);
  batch.t3.resize(B * kT3Dims);
  batch.t5.resize(B * kT5Dims);
  batch.t6.resize(B * kT6Dims);
  batch.item_product.assign(BS, kPadToken);
  batch.attention_mask.assign(BS, 0);
  batch.basket_size.assign(B, -1);
  batch.price_sensitivity.assign(B, -1);
  batch.mission_type.assign(B, -1);
  batch.mission_focus.assign(B, -1);
  if (samples.kind == SampleKind::kNextBasket) batch.target_offsets.assign(1, 0);
  if (samples.kind == SampleKind::kStoreVisit) batch.next_store.resize(B);

  const Store& st = store_;
  const int32_t n_weeks = split_.n_weeks;
  for (size_t b = 0; b < B; ++b) {
    const auto r = static_cast<size_t>(rows[b]);
    const int32_t input = samples.input_basket[r];
    const int32_t target = samples.target_basket[r];
    const auto ib = static_cast<size_t>(input);
    batch.customer[b] = samples.customer[r];
    batch.week[b] = samples.week[r];
    batch.basket[b] = input;
    batch.store[b] = samples.kind == SampleKind::kNextBasket
                         ? st.basket_store_id[static_cast<size_t>(target)]
                         : st.basket_store_id[ib];
    if (!stores.empty() && stores[b] >= 0) {
      if (stores[b] >= n_stores()) fail("batch assembly: store id {} out of range", stores[b]);
      batch.store[b] = stores[b];
    }
    fill_customer(batch, static_cast<int>(b), samples, rows[b]);

    // T3 of the target's moment; a week without a trip has its Monday and no weekday or hour.
    // A store-visit sample asks whether and where the customer shops that week, so its T3 is
    // always the week's: the trip's date, weekday and hour would tell a trip from no trip.
    const int32_t week = samples.week[r];
    const ShopWeek& shop_week = st.calendar.at(static_cast<size_t>(week));
    int32_t weeks_since_previous = -1;
    if (samples.kind == SampleKind::kMaskedBasket) {
      const int32_t h = samples.history_count[r];
      if (h > 0) {
        const int32_t previous =
            st.baskets_of_customer(samples.customer[r])[static_cast<size_t>(h - 1)];
        weeks_since_previous =
            position(week) - position(st.basket_week_index[static_cast<size_t>(previous)]);
      }
    } else {  // gap_weeks: calendar weeks since the input basket
      weeks_since_previous = position(week) - position(week - samples.gap_weeks[r]);
    }
    float* t3 = batch.t3.data() + b * kT3Dims;
    if (target >= 0 && samples.kind != SampleKind::kStoreVisit) {
      const auto tb = static_cast<size_t>(target);
      encode_temporal(st.basket_date[tb], st.basket_weekday[tb], st.basket_hour[tb],
                      shop_week.shop_week, week - split_.first_week_index, n_weeks,
                      weeks_since_previous, t3);
    } else {
      encode_temporal(shop_week.date_from, 0, -1, shop_week.shop_week,
                      week - split_.first_week_index, n_weeks, weeks_since_previous, t3);
    }
    if (target >= 0) {
      const auto tb = static_cast<size_t>(target);
      batch.basket_size[b] = st.basket_size[tb];
      batch.price_sensitivity[b] = st.basket_price_sensitivity[tb];
      batch.mission_type[b] = st.basket_type[tb];
      batch.mission_focus[b] = st.basket_mission[tb];
    }
    std::memcpy(batch.t5.data() + b * kT5Dims,
                store_context_.begin() + static_cast<size_t>(batch.store[b]) * kT5Dims,
                kT5Dims * sizeof(float));
    encode_trip(st.basket_type[ib], st.basket_mission[ib], st.basket_price_sensitivity[ib],
                st.basket_size[ib], batch.t6.data() + b * kT6Dims);
    fill_items(batch, static_cast<int>(b), input);

    if (samples.kind == SampleKind::kNextBasket) {
      const RowRange target_rows = st.basket_rows(target);
      for (int64_t t = target_rows.begin; t < target_rows.end; ++t) {
        batch.target_product.push_back(st.product_id[static_cast<size_t>(t)]);
        batch.target_quantity.push_back(static_cast<float>(st.quantity[static_cast<size_t>(t)]));
      }
      batch.target_offsets.push_back(static_cast<int64_t>(batch.target_product.size()));
    } else if (samples.kind == SampleKind::kStoreVisit) {
      batch.next_store[b] = samples.next_store[r];
    }
  }

  batch.input_product = batch.item_product;
  batch.masked.assign(BS, 0);
  if (samples.kind == SampleKind::kMaskedBasket) {
    mask_items(batch, n_products(), config_, epoch, batch_index);
  }
  if (samples.kind != SampleKind::kMaskedBasket) fill_history(batch, samples, rows);
  if (samples.kind == SampleKind::kStoreVisit) fill_visits(batch, samples, rows);

  // T2 of the (masked) input, T4 of the true item at the sample's store and week.
  batch.t2.assign(BS * kT2Dims, 0.0f);
  batch.t4.assign(BS * kT4Dims, 0.0f);
  const int32_t mask_token = n_products();
  for (size_t b = 0; b < B; ++b) {
    for (size_t s = 0; s < static_cast<size_t>(S); ++s) {
      const size_t i = b * static_cast<size_t>(S) + s;
      if (!batch.attention_mask[i]) continue;
      const int32_t p = batch.input_product[i];
      if (p >= 0 && p != mask_token) {
        std::memcpy(batch.t2.data() + i * kT2Dims,
                    embeddings_.begin() + static_cast<size_t>(p) * kT2Dims,
                    kT2Dims * sizeof(float));
      }
      prices_->encode(batch.item_product[i], batch.store[b], batch.week[b],
                      batch.t4.data() + i * kT4Dims);
    }
  }
  return batch;
}

}  // namespace retailsim::prepare
