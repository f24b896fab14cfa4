// The "world-model" demand source of the market simulator: the trained store-visit model chooses
// the store of each trip, the basket model which products go in the basket at the week's shelf
// prices and promotions, and its quantity head how many units. Also the "sim.simulate" torch job,
// which runs `retailsim simulate` with this source registered.
//
// Two levels come from each shopper's own history instead of the models: trips per week (a
// recency-weighted rate, times the share of predicted trips the training weeks delivered; chosen
// when the store-visit model's no-trip class was no weekly rate, its samples then being one
// drawn no-trip week per gap; it is one now, starting from the shopper's own rate, but was not
// measured as the market's trip rate) and distinct products per trip. The store of a trip is the
// store-visit model's distribution (its training weights and label smoothing undone) updated with
// the shopper's own trips by store, the model worth kStoreHistoryPrior trips.
// docs/decisions.md has the measurements behind all three.
//
// A product's chance to be in a trip is its share of the basket model's softmax over the whole
// catalogue (the objective that carries the training, a choice among products) times the
// shopper's mean lines per trip, with the softmax normalised at the week's historical prices of
// the store the shopper visits most: the price term
// then moves a product's units in proportion, as a per-line choice does, instead of through a
// sigmoid that flattens the response of the products a shopper buys most (docs/decisions.md).
//
// Per simulated week the models run once over every shopper (batches of kBatchCustomers, no
// gradients, eval mode) and their outputs are cached: the scope products' scores without the
// price term, each shopper's price coefficients (for new and for repeat products; the price term
// is linear in the price features given the products' scales), which products each shopper
// bought before, the quantity head's per-shopper and per-product parts (it is linear in [user,
// product]) and the store choice. A demand() call computes the price features of every cell from
// the week's prices (model.h: the price against the sub-commodity's and against the product's
// reference, promotion flag and depth; products outside the scope at the derived table's prices)
// and then only evaluates
//   P(product | trip to s) = min(1, exp(score + sum_k coef_k scale_pk f_k + log_lines_scale))
// per (shopper, store visited, product) in plain loops, so repeated runs of the same week
// (baseline, scenario, probes, seeds) cost no forward pass.
#include <algorithm>
#include <array>
#include <cmath>
#include <list>
#include <map>
#include <optional>

#include <spdlog/spdlog.h>
#include <tbb/parallel_for.h>

#include "core/error.h"
#include "core/rng.h"
#include "model/model.h"
#include "model/modules.h"
#include "model/tasks.h"
#include "sim/sim.h"
#include "synth/world.h"
#include "train/trainer.h"

namespace retailsim::model {

namespace {

enum : uint64_t { kWorldShopperStream = 603 };
constexpr int64_t kBatchCustomers = 512;
constexpr size_t kBlockCustomers = 256;
// Weeks whose model outputs are kept (an episode revisits its weeks once per policy and seed):
// as many as fit in this budget, at least 4.
constexpr size_t kCacheBytes = size_t{1} << 30;
// Visits less likely than this are left out of expected demand (their share of units is below
// the model's own error); sampled mode draws every outcome.
constexpr float kMinVisitProbability = 1e-4f;

// Inverse-CDF Poisson draw from one uniform, so that a draw always uses the same random numbers.
int poisson_from_uniform(double rate, double u) {
  if (!(rate > 0)) return 0;
  double p = std::exp(-rate), cdf = p;
  int k = 0;
  while (u > cdf && k < 1000) {
    ++k;
    p *= rate / k;
    cdf += p;
  }
  return k;
}

// What the models say about every shopper of one week (see the file comment).
struct WeekState {
  std::vector<int32_t> shopper;  // index into WorldModelDemand::shoppers_, per active shopper
  size_t n() const { return shopper.size(); }
  std::vector<float> score;  // [n, P] scope products' scores without the price term
  std::vector<float> coef_explore, coef_repeat;  // [n, kScoreFeatures] signed price coefficients
  std::vector<uint8_t> repeat;                   // [n, P] 1: the shopper bought it before
  // Per shopper: log(mean distinct products per basket so far) - logsumexp(scores at the week's
  // historical prices of the shopper's main store), so that the expected lines of a trip at
  // those prices are that mean.
  std::vector<float> log_lines_scale;
  std::vector<float> rate_user;  // [n] exp(quantity head's shopper part)
  std::vector<float> rate_item;  // [P] exp(quantity head's product part)
  std::vector<float> trips;      // [n] expected trips this week
  std::vector<float> visit;      // [n, S + 1] P(store s | a trip); last: a store elsewhere
  // Per scope store: the derived table's actual price and promotion depth of every model
  // product this week (the prices of products outside the scope).
  std::vector<std::vector<float>> table_actual, table_depth;
  std::vector<std::vector<float>> table_features;  // per scope store, filled on first use
  // Per scope store: the shoppers likely to visit it (for expected demand).
  std::vector<std::vector<std::pair<int32_t, float>>> visitors;

  // One shopper's rows, looked up once for a loop over products.
  struct Shopper {
    const float* score;  // [P]
    const uint8_t* repeat;
    const float *coef_explore, *coef_repeat;
    float log_lines_scale, rate_user;
  };
  Shopper shopper_rows(size_t i, int n_p) const {
    const size_t row = i * static_cast<size_t>(n_p);
    return {score.data() + row,
            repeat.data() + row,
            coef_explore.data() + i * kScoreFeatures,
            coef_repeat.data() + i * kScoreFeatures,
            log_lines_scale[i],
            rate_user[i]};
  }
  // The shopper's chance to buy product p on a trip, from p's scaled score features `f` at the
  // store (at most 1).
  float probability(const Shopper& c, int p, const float* f) const {
    const float* k = c.repeat[p] ? c.coef_repeat : c.coef_explore;
    float x = c.score[p] + c.log_lines_scale;
    for (int j = 0; j < kScoreFeatures; ++j) x += k[j] * f[j];
    return std::min(1.0f, std::exp(x));
  }
  // Poisson rate of extra units of p; promotions raise it through the quantity head's price part
  // (`promo`: p's factor at the store).
  float extra_rate(const Shopper& c, int p, float promo) const {
    return c.rate_user * rate_item[p] * promo;
  }
};

class WorldModelDemand final : public sim::DemandSource {
 public:
  // The basket model of `world_checkpoint` (one member of the ensemble) with the store-visit
  // model of options.data_dir; `memory_share` of the memory budgets (the week-state limit and
  // the cache of weeks) is this member's.
  WorldModelDemand(const sim::Market& market, const sim::DemandOptions& options,
                   const fs::path& world_checkpoint, double memory_share)
      : market_(market),
        mode_(options.mode),
        data_dir_(options.data_dir),
        cache_bytes_(static_cast<size_t>(static_cast<double>(kCacheBytes) * memory_share)) {
    const fs::path visit_checkpoint = require_checkpoint(data_dir_, "store-visit");
    store_visit_inputs_current(visit_checkpoint);
    basket_config_ = config_of(world_checkpoint);
    visit_config_ = config_of(visit_checkpoint);
    prepare_config_ = prepare::PrepareConfig::from_section(Config().section("prepare"), 42);
    sources_ = prepare::TensorSources::open(data_dir_, prepare_config_);
    const Store& store = sources_->store();
    if (basket_config_.n_products != static_cast<int32_t>(store.n_products()) ||
        visit_config_.n_stores != static_cast<int32_t>(store.n_stores())) {
      fail(
          "{}: the models were trained on {} products and {} stores, the store has {} and {} "
          "(retrain them)",
          world_checkpoint.string(), basket_config_.n_products, visit_config_.n_stores,
          store.n_products(), store.n_stores());
    }
    basket_ = BasketModel(basket_config_);
    train::load_checkpoint(world_checkpoint, *basket_, nullptr);
    basket_->eval();
    visit_ = StoreVisitModel(visit_config_);
    train::load_checkpoint(visit_checkpoint, *visit_, nullptr);
    visit_->eval();
    price_features_.emplace(price_features(data_dir_, *sources_));
    map_ids(store);
    // One week holds per shopper a score and a flag per product and a visit chance per store
    // (twice, with the trips by store): refuse a market that cannot fit, saying what to do.
    const int n_p = market.n_products(), n_s = market.n_stores();
    const double week_bytes =
        static_cast<double>(shoppers_.size()) *
        (static_cast<double>(n_p) * (sizeof(float) + 1) + 2.0 * (n_s + 1) * sizeof(float));
    const double max_week_bytes = options.max_week_state_bytes * memory_share;
    if (week_bytes > max_week_bytes)
      fail(
          "world-model demand: one week of {} shoppers x {} products x {} stores needs {:.1f} GB "
          "of model outputs, more than {:.1f} GB; simulate a sample of the shoppers "
          "(customer_share = {:.3f} or less in [scope], or in [rl] for rl) or fewer products or "
          "stores",
          shoppers_.size(), n_p, n_s, week_bytes / 1e9, max_week_bytes / 1e9,
          max_week_bytes / week_bytes);
    trips_calibration_ = trip_calibration(store, sources_->split());
    {
      torch::NoGradGuard no_grad;
      const torch::Tensor q = basket_->quantity_price_coefficients().contiguous();
      quantity_price_ = {q[0].item<float>(), q[1].item<float>()};
      const torch::Tensor scale = basket_->price_scale().contiguous();
      price_scale_.assign(static_cast<size_t>(market.n_products()) * kScoreFeatures, 0.0f);
      for (int p = 0; p < market.n_products(); ++p) {
        if (model_product_[p] < 0) continue;
        std::copy_n(
            scale.data_ptr<float>() + static_cast<size_t>(model_product_[p]) * kScoreFeatures,
            kScoreFeatures, price_scale_.data() + static_cast<size_t>(p) * kScoreFeatures);
      }
    }
    spdlog::debug(
        "world-model demand: {} of {} shoppers known to the store, {} products, {} "
        "stores",
        shoppers_.size(), market.customers.size(), market.n_products(), market.n_stores());
  }

  std::string name() const override { return "world-model"; }

  void demand(const sim::WeekInput& input, uint64_t seed, sim::WeekDemand& out) override {
    const WeekState& state = week_state(input.week);
    const int n_p = market_.n_products(), n_s = market_.n_stores();
    // Per cell, once per call: the score features times the product's price scales (the
    // shopper's coefficients multiply them) and the promotion factor of the extra-unit rate.
    const std::vector<float> features = cell_features(state, input);
    std::vector<float> scaled(market_.n_cells() * kScoreFeatures), promo_rate(market_.n_cells());
    for (size_t cell = 0; cell < market_.n_cells(); ++cell) {
      const float* f = features.data() + cell * kPriceFeatures;
      const float* scale = price_scale_.data() + cell / n_s * kScoreFeatures;
      for (int j = 0; j < kScoreFeatures; ++j) scaled[cell * kScoreFeatures + j] = f[j] * scale[j];
      promo_rate[cell] = std::exp(quantity_price_[0] * f[2] + quantity_price_[1] * f[3]);
    }
    out.units.assign(market_.n_cells(), 0.0);
    out.customer_weeks = market_.customers.size();
    if (mode_ == sim::DemandMode::kExpected) {
      // The store's cells are copied out first so that its products are contiguous (cells are
      // product-major: a stride of n_s between one product and the next; with hundreds of
      // stores that stride, not the arithmetic, set the step's time).
      tbb::parallel_for(0, n_s, [&](int s) {
        std::vector<float> f(static_cast<size_t>(n_p) * kScoreFeatures), promo(n_p);
        for (int p = 0; p < n_p; ++p) {
          const size_t cell = static_cast<size_t>(p) * n_s + s;
          std::copy_n(scaled.data() + cell * kScoreFeatures, kScoreFeatures,
                      f.data() + static_cast<size_t>(p) * kScoreFeatures);
          promo[p] = promo_rate[cell];
        }
        std::vector<double> units(n_p, 0.0);
        for (const auto& [i, visit] : state.visitors[s]) {
          const WeekState::Shopper c = state.shopper_rows(static_cast<size_t>(i), n_p);
          for (int p = 0; p < n_p; ++p) {
            if (!product_known_[p]) continue;
            units[p] +=
                visit *
                state.probability(c, p, f.data() + static_cast<size_t>(p) * kScoreFeatures) *
                (1.0 + state.extra_rate(c, p, promo[p]));
          }
        }
        for (int p = 0; p < n_p; ++p)
          out.units[static_cast<size_t>(p) * n_s + s] = units[p] * scale_[s];
      });
      double trips = 0;
      for (size_t i = 0; i < state.n(); ++i) trips += state.trips[i];
      out.trips = static_cast<uint64_t>(std::llround(trips));
      return;
    }
    // Sampled: the number of trips from the stream of (seed, shopper, week), each trip from its
    // own stream; every product uses two uniforms whatever happens, so a price change moves only
    // the draws it causes (common random numbers).
    const size_t n_blocks = (state.n() + kBlockCustomers - 1) / kBlockCustomers;
    std::vector<std::vector<std::pair<uint32_t, double>>> block_units(n_blocks);
    std::vector<uint64_t> block_trips(n_blocks, 0);
    tbb::parallel_for(size_t{0}, n_blocks, [&](size_t b) {
      const size_t end = std::min(state.n(), (b + 1) * kBlockCustomers);
      for (size_t i = b * kBlockCustomers; i < end; ++i) {
        const int32_t customer = market_.customers[shoppers_[state.shopper[i]]];
        const WeekState::Shopper c = state.shopper_rows(i, n_p);
        Rng rng = Rng::stream(seed, {kWorldShopperStream, static_cast<uint64_t>(customer),
                                     static_cast<uint64_t>(input.week)});
        const int n_trips = poisson_from_uniform(state.trips[i], rng.uniform());
        block_trips[b] += static_cast<uint64_t>(n_trips);
        for (int t = 0; t < n_trips; ++t) {
          Rng trip = Rng::stream(seed, {kWorldShopperStream, static_cast<uint64_t>(customer),
                                        static_cast<uint64_t>(input.week), uint64_t(t) + 1});
          const double u = trip.uniform();
          const float* visit = state.visit.data() + i * (n_s + 1);
          double cdf = 0;
          int s = 0;
          for (; s < n_s; ++s) {
            cdf += visit[s];
            if (u < cdf) break;
          }
          if (s == n_s) continue;  // a store outside the scope
          for (int p = 0; p < n_p; ++p) {
            const double u_in = trip.uniform(), u_quantity = trip.uniform();
            const size_t cell = static_cast<size_t>(p) * n_s + s;
            if (!product_known_[p] ||
                u_in >= state.probability(c, p, scaled.data() + cell * kScoreFeatures))
              continue;
            const int quantity =
                1 + poisson_from_uniform(state.extra_rate(c, p, promo_rate[cell]), u_quantity);
            block_units[b].push_back({static_cast<uint32_t>(cell), quantity * scale_[s]});
          }
        }
      }
    });
    out.trips = 0;
    for (size_t b = 0; b < n_blocks; ++b) {
      for (const auto& [cell, units] : block_units[b]) out.units[cell] += units;
      out.trips += block_trips[b];
    }
  }

 private:
  // Scope products and stores to the store's ids (by code), the market's shoppers to the store's
  // customers, and per store the factor for shoppers the models do not know (anonymous).
  void map_ids(const Store& store) {
    std::map<std::string, int32_t> product_id, store_id, customer_id;
    for (size_t p = 0; p < store.n_products(); ++p)
      product_id.emplace(store.product_codes[p], static_cast<int32_t>(p));
    for (size_t s = 0; s < store.n_stores(); ++s)
      store_id.emplace(store.store_codes[s], static_cast<int32_t>(s));
    for (size_t c = 0; c < store.n_customers(); ++c)
      customer_id.emplace(store.customer_codes[c], static_cast<int32_t>(c));
    for (const auto& code : market_.product_code) {
      auto it = product_id.find(code);
      model_product_.push_back(it == product_id.end() ? -1 : it->second);
      product_known_.push_back(it == product_id.end() ? 0 : 1);
    }
    scope_product_.assign(store.n_products(), -1);
    for (size_t p = 0; p < model_product_.size(); ++p)
      if (model_product_[p] >= 0) scope_product_[model_product_[p]] = static_cast<int32_t>(p);
    scope_store_.assign(store.n_stores(), -1);
    for (const auto& code : market_.store_code) {
      auto it = store_id.find(code);
      model_store_.push_back(it == store_id.end() ? -1 : it->second);
      if (it != store_id.end())
        scope_store_[it->second] = static_cast<int32_t>(model_store_.size() - 1);
    }
    for (size_t i = 0; i < market_.customers.size(); ++i) {
      const int32_t c = market_.customers[i];
      int32_t id = -1;
      if (market_.world) {
        const int64_t number = market_.world->customer_number[c];
        if (number == 0) continue;  // anonymous: covered by the stores' scale below
        auto it = customer_id.find(synth::customer_code_text(number));
        if (it != customer_id.end()) id = it->second;
      } else if (c >= 0 && static_cast<size_t>(c) < store.n_customers()) {
        id = c;
      }
      if (id < 0) continue;
      shoppers_.push_back(static_cast<int32_t>(i));
      store_customer_.push_back(id);
    }
    // Units bought by every shopper / units bought by card holders, per store, over the data:
    // the models see card holders only, and anonymous shoppers are taken to buy like them.
    std::vector<double> all(store.n_stores(), 0.0), card(store.n_stores(), 0.0);
    for (size_t r = 0; r < store.product_id.size(); ++r) {
      const double q = store.quantity[r];
      all[store.store_id[r]] += q;
      if (store.customer_id[r] >= 0) card[store.store_id[r]] += q;
    }
    for (int32_t s : model_store_)
      scale_.push_back(s >= 0 && card[s] > 0 ? static_cast<float>(all[s] / card[s]) : 1.0f);
  }

  // Price features [n_cells, kPriceFeatures] at the input's prices: every model product at the
  // table's prices of the week, the scope's at the input's shelf prices and promotions.
  std::vector<float> cell_features(const WeekState& state, const sim::WeekInput& input) const {
    const int n_p = market_.n_products(), n_s = market_.n_stores();
    std::vector<float> out(market_.n_cells() * kPriceFeatures, 0.0f);
    const size_t n_model = static_cast<size_t>(price_features_->n_products());
    std::vector<float> actual, depth, features(n_model * kPriceFeatures);
    for (int s = 0; s < n_s; ++s) {
      if (model_store_[s] < 0) continue;
      actual = state.table_actual[s];
      depth = state.table_depth[s];
      for (int p = 0; p < n_p; ++p) {
        if (model_product_[p] < 0) continue;
        const size_t cell = static_cast<size_t>(p) * n_s + s;
        const float depth_pct = std::round(input.promo_depth[cell] * 100.0f);
        actual[model_product_[p]] =
            std::round(input.shelf_price_cents[cell] * (100.0f - depth_pct) / 100.0f);
        depth[model_product_[p]] = depth_pct / 100.0f;
      }
      price_features_->from_prices(model_store_[s], actual, depth, features);
      for (int p = 0; p < n_p; ++p) {
        if (model_product_[p] < 0) continue;
        std::copy_n(features.data() + static_cast<size_t>(model_product_[p]) * kPriceFeatures,
                    kPriceFeatures,
                    out.data() + (static_cast<size_t>(p) * n_s + s) * kPriceFeatures);
      }
    }
    return out;
  }

  // The price features of every model product at scope store s at the week's table prices
  // (computed once per week and store, on first use).
  const std::vector<float>& table_features(WeekState& state, int s) const {
    std::vector<float>& f = state.table_features[static_cast<size_t>(s)];
    if (f.empty()) {
      f.resize(static_cast<size_t>(price_features_->n_products()) * kPriceFeatures);
      price_features_->from_prices(model_store_[s], state.table_actual[s], state.table_depth[s], f);
    }
    return f;
  }

  const WeekState& week_state(int week) {
    for (auto it = cache_.begin(); it != cache_.end(); ++it) {
      if (it->first == week) {
        cache_.splice(cache_.begin(), cache_, it);
        return cache_.front().second;
      }
    }
    WeekState state = compute_week(week);
    const size_t table_cells =
        state.table_actual.empty() ? 0 : state.table_actual.size() * state.table_actual[0].size();
    const size_t bytes =
        sizeof(float) * (state.score.size() + state.visit.size() + 2 * table_cells) +
        state.repeat.size() + 1;
    const size_t capacity = std::max<size_t>(4, cache_bytes_ / bytes);
    while (cache_.size() >= capacity) cache_.pop_back();
    cache_.emplace_front(week, std::move(state));
    return cache_.front().second;
  }

  WeekState compute_week(int week) {
    if (week < 0 || week >= market_.n_weeks)
      fail("world-model demand: week index {} is outside the market's {} weeks", week,
           market_.n_weeks);
    const Store& store = sources_->store();
    const std::optional<int32_t> found = store.calendar.index_of_week(market_.shop_week[week]);
    if (!found)
      fail("world-model demand: shop week {} is not in the store's calendar",
           market_.shop_week[week]);
    const int32_t calendar_week = *found;
    const int n_p = market_.n_products(), n_s = market_.n_stores();
    WeekState state;
    // Each shopper's state: the store-visit sample of this week (history = baskets before it).
    std::vector<prepare::Samples::Target> targets;
    std::vector<float> mean_lines;   // distinct products per basket in the shopper's history
    std::vector<float> trip_rate;    // expected trips this week (decayed rate x calibration)
    std::vector<float> store_trips;  // [n, S + 1] the shopper's past trips by store, elsewhere last
    for (size_t k = 0; k < shoppers_.size(); ++k) {
      const int32_t c = store_customer_[k];
      const auto baskets = store.baskets_of_customer(c);
      int32_t h = 0;
      while (h < static_cast<int32_t>(baskets.size()) &&
             store.basket_week_index[static_cast<size_t>(baskets[h])] < calendar_week)
        ++h;
      if (h == 0) continue;  // no history to predict from
      // Over the history: distinct products per basket, and trips by scope store (elsewhere
      // last).
      int64_t history_lines = 0;
      store_trips.resize(store_trips.size() + static_cast<size_t>(n_s) + 1, 0.0f);
      float* trips_by_store = store_trips.data() + store_trips.size() - (n_s + 1);
      for (int32_t j = 0; j < h; ++j) {
        history_lines += store.basket_rows(baskets[j]).size();
        const int32_t id = store.basket_store_id[static_cast<size_t>(baskets[j])];
        const int32_t s = id >= 0 ? scope_store_[static_cast<size_t>(id)] : -1;
        trips_by_store[s >= 0 ? s : n_s] += 1.0f;
      }
      mean_lines.push_back(static_cast<float>(history_lines) / static_cast<float>(h));
      trip_rate.push_back(static_cast<float>(trips_calibration_ *
                                             decayed_trip_rate(store, baskets, calendar_week)));
      state.shopper.push_back(static_cast<int32_t>(k));
      targets.push_back({c, -1, h, calendar_week});
    }
    const prepare::Samples samples = prepare::Samples::for_targets(
        store, targets, prepare_config_, prepare::SampleKind::kStoreVisit);

    const size_t n = state.n();
    state.score.resize(n * n_p);
    state.log_lines_scale.assign(n, 0.0f);
    state.coef_explore.resize(n * kScoreFeatures);
    state.coef_repeat.resize(n * kScoreFeatures);
    state.repeat.assign(n * n_p, 0);
    state.rate_user.resize(n);
    state.rate_item.assign(static_cast<size_t>(n_p), 0.0f);
    state.visit.resize(n * (n_s + 1));
    state.trips.resize(n);
    std::vector<int64_t> products, stores;
    for (int32_t p : model_product_) products.push_back(std::max(p, 0));
    for (int32_t s : model_store_) stores.push_back(std::max(s, 0));
    const torch::Tensor product_index = torch::tensor(products, torch::kInt64);
    const torch::Tensor store_index = torch::tensor(stores, torch::kInt64);
    // The derived table's prices of the week at each scope store (calendar index shifted to
    // data weeks).
    const int32_t data_week = calendar_week - sources_->split().first_week_index;
    const size_t n_model = static_cast<size_t>(price_features_->n_products());
    state.table_actual.assign(static_cast<size_t>(n_s), std::vector<float>(n_model));
    state.table_depth.assign(static_cast<size_t>(n_s), std::vector<float>(n_model));
    for (int s = 0; s < n_s; ++s)
      price_features_->table_prices(model_store_[s], data_week, state.table_actual[s],
                                    state.table_depth[s]);
    state.table_features.assign(static_cast<size_t>(n_s), {});
    torch::NoGradGuard no_grad;
    for (int64_t begin = 0; begin < static_cast<int64_t>(n); begin += kBatchCustomers) {
      const int64_t end = std::min<int64_t>(begin + kBatchCustomers, static_cast<int64_t>(n));
      const int64_t B = end - begin;
      std::vector<int64_t> rows(static_cast<size_t>(B));
      for (int64_t i = 0; i < B; ++i) rows[static_cast<size_t>(i)] = begin + i;
      const prepare::Batch batch = sources_->assemble(samples, rows, 0, 0);
      const BatchTensors t = to_tensors(batch, basket_config_);
      const BasketOutputs out = basket_->forward(t);
      const torch::Tensor score = out.product_logits.index_select(1, product_index).contiguous();
      std::copy_n(score.data_ptr<float>(), B * n_p, state.score.begin() + begin * n_p);
      const PriceCoefficients coef = basket_->price_coefficients(out.user);
      std::copy_n(coef.explore.contiguous().data_ptr<float>(), B * kScoreFeatures,
                  state.coef_explore.begin() + begin * kScoreFeatures);
      std::copy_n(coef.repeat.contiguous().data_ptr<float>(), B * kScoreFeatures,
                  state.coef_repeat.begin() + begin * kScoreFeatures);
      const int64_t* rs = t.repeat_sample.data_ptr<int64_t>();
      const int64_t* rp = t.repeat_product.data_ptr<int64_t>();
      for (int64_t r = 0; r < t.repeat_sample.numel(); ++r) {
        const int32_t p = scope_product_[static_cast<size_t>(rp[r])];
        if (p >= 0) state.repeat[static_cast<size_t>(begin + rs[r]) * n_p + p] = 1;
      }
      // The quantity head is linear in [user, product vector]: rate(c, p) = user part(c) +
      // product part(p), split at product 0 of the scope and checked on one other pair.
      const torch::Tensor samples_b = torch::arange(B, torch::kInt64);
      const torch::Tensor first = product_index.slice(0, 0, 1).expand({B});
      const torch::Tensor user_part = basket_->quantity_log_rate(out.user, samples_b, first);
      std::copy_n(user_part.contiguous().data_ptr<float>(), B, state.rate_user.begin() + begin);
      if (begin == 0) {
        const torch::Tensor item =
            basket_->quantity_log_rate(out.user, torch::zeros({n_p}, torch::kInt64),
                                       product_index) -
            user_part[0];
        std::copy_n(item.contiguous().data_ptr<float>(), n_p, state.rate_item.begin());
        const int64_t i = B - 1, p = n_p - 1;
        const float direct = basket_
                                 ->quantity_log_rate(out.user, torch::full({1}, i, torch::kInt64),
                                                     product_index.slice(0, p, p + 1))
                                 .item<float>();
        const float split = state.rate_user[static_cast<size_t>(i)] + state.rate_item[p];
        if (std::abs(direct - split) > 1e-3f * (1.0f + std::abs(direct)))
          fail(
              "world-model demand: the quantity head is not additive in shopper and product "
              "({} vs {}); the simulator's factorisation needs updating",
              direct, split);
      }
      const torch::Tensor visit = visit_->probabilities(to_tensors(batch, visit_config_));
      const torch::Tensor in_scope = visit.index_select(1, store_index).contiguous();
      const torch::Tensor no_trip = visit.select(1, visit_config_.n_stores).contiguous();
      const float* v = in_scope.data_ptr<float>();
      const float* none = no_trip.data_ptr<float>();
      for (int64_t i = 0; i < B; ++i) {
        float* row = state.visit.data() + (begin + i) * (n_s + 1);
        const double trip = std::max(1e-6, 1.0 - none[i]);
        double total = 0;
        for (int s = 0; s < n_s; ++s) {
          row[s] = model_store_[s] >= 0 ? static_cast<float>(v[i * n_s + s] / trip) : 0.0f;
          total += row[s];
        }
        row[n_s] = static_cast<float>(std::max(0.0, 1.0 - total));
        blend_store_history(
            std::span<float>(row, n_s + 1),
            std::span<const float>(store_trips.data() + (begin + i) * (n_s + 1), n_s + 1),
            kStoreHistoryPrior);
        state.trips[begin + i] = trip_rate[static_cast<size_t>(begin + i)];
      }
      // The normaliser: the shopper's mean basket at this week's historical prices of the store
      // they visit most (their history's baskets were bought at such prices, promotions
      // included), over the whole catalogue.
      torch::Tensor prices = torch::zeros({B, price_features_->n_products(), kPriceFeatures});
      for (int64_t i = 0; i < B; ++i) {
        const float* row = state.visit.data() + (begin + i) * (n_s + 1);
        const int s = static_cast<int>(std::max_element(row, row + n_s) - row);
        if (n_s == 0 || !(row[s] > 0) || model_store_[s] < 0) continue;
        const std::vector<float>& f = table_features(state, s);
        std::copy(f.begin(), f.end(), prices[i].data_ptr<float>());
      }
      const torch::Tensor lines =
          torch::tensor(std::vector<float>(mean_lines.begin() + begin, mean_lines.begin() + end));
      const torch::Tensor historical =
          out.product_logits +
          basket_->price_term(out.user, prices, t.repeat_sample, t.repeat_product);
      const torch::Tensor log_lines_scale = torch::log(lines) - torch::logsumexp(historical, 1);
      std::copy_n(log_lines_scale.contiguous().data_ptr<float>(), B,
                  state.log_lines_scale.begin() + begin);
    }
    // Poisson rate of extra units = exp(shopper part) x exp(product part).
    for (float& r : state.rate_user) r = std::exp(r);
    for (float& r : state.rate_item) r = std::exp(r);
    state.visitors.resize(static_cast<size_t>(n_s));
    for (size_t i = 0; i < n; ++i) {
      for (int s = 0; s < n_s; ++s) {
        const float v = state.trips[i] * state.visit[i * (n_s + 1) + s];
        if (v >= kMinVisitProbability) state.visitors[s].push_back({static_cast<int32_t>(i), v});
      }
    }
    return state;
  }

  const sim::Market& market_;
  sim::DemandMode mode_;
  fs::path data_dir_;
  ModelConfig basket_config_, visit_config_;
  prepare::PrepareConfig prepare_config_;
  std::shared_ptr<const prepare::TensorSources> sources_;
  BasketModel basket_{nullptr};
  StoreVisitModel visit_{nullptr};
  std::optional<PriceFeatures> price_features_;
  std::vector<float> price_scale_;         // [P, kScoreFeatures] the scope products' scales
  std::array<float, 2> quantity_price_{};  // the quantity head's promotion flag and depth
  std::vector<int32_t> model_product_, model_store_;  // store ids of the scope's (-1: unknown)
  std::vector<int32_t> scope_product_;  // per store product: its scope index (-1: outside)
  std::vector<uint8_t> product_known_;
  std::vector<int32_t> shoppers_;               // market.customers indices the models know
  std::vector<int32_t> store_customer_;         // their store customer ids
  std::vector<float> scale_;                    // per scope store
  std::vector<int32_t> scope_store_;            // per store id: its scope index, or -1
  double trips_calibration_ = 1.0;              // trip_calibration() of the store
  size_t cache_bytes_;                          // budget of cache_
  std::list<std::pair<int, WeekState>> cache_;  // most recently used first
};

}  // namespace

double decayed_trip_rate(const Store& store, std::span<const int32_t> baskets, int32_t week) {
  const int32_t first = store.basket_week_index[static_cast<size_t>(baskets[0])];
  double trips = 0;
  for (int32_t b : baskets) {
    const int32_t v = store.basket_week_index[static_cast<size_t>(b)];
    if (v >= week) break;
    trips += std::pow(kTripDecay, week - 1 - v);
  }
  const double weeks = (1.0 - std::pow(kTripDecay, std::max(1, week - first))) / (1.0 - kTripDecay);
  return trips / weeks;
}

void blend_store_history(std::span<float> row, std::span<const float> trips, double prior) {
  if (row.size() != trips.size())
    fail("blend_store_history: {} outcomes against {} trip counts", row.size(), trips.size());
  if (!(prior > 0)) fail("blend_store_history: the prior must be > 0, got {}", prior);
  double n_trips = 0;
  for (float t : trips) n_trips += t;
  for (size_t s = 0; s < row.size(); ++s)
    row[s] = static_cast<float>((trips[s] + prior * row[s]) / (n_trips + prior));
}

double trip_calibration(const Store& store, const prepare::SplitInfo& split) {
  constexpr int32_t kWarmUpWeeks = 8;
  const int32_t begin = split.first_week_index + kWarmUpWeeks;
  const int32_t end = split.first_week_index + split.val_begin;
  double observed = 0, predicted = 0;
  for (size_t c = 0; c < store.n_customers(); ++c) {
    const auto baskets = store.baskets_of_customer(static_cast<int32_t>(c));
    if (baskets.empty()) continue;
    const int32_t first = store.basket_week_index[static_cast<size_t>(baskets[0])];
    // decayed_trip_rate() week by week: the decayed count of the baskets before week w.
    double decayed = 0;
    size_t next = 0;
    for (int32_t w = first + 1; w < end; ++w) {
      decayed *= kTripDecay;
      int32_t in_week = 0;
      while (next < baskets.size() &&
             store.basket_week_index[static_cast<size_t>(baskets[next])] < w) {
        ++in_week;
        ++next;
      }
      decayed += in_week;
      if (w < begin) continue;
      predicted += decayed / ((1.0 - std::pow(kTripDecay, w - first)) / (1.0 - kTripDecay));
      for (size_t j = next;
           j < baskets.size() && store.basket_week_index[static_cast<size_t>(baskets[j])] == w; ++j)
        observed += 1;
    }
  }
  return predicted > 0 ? observed / predicted : 1.0;
}

namespace {

// An ensemble of world models: each member's units, averaged (in sampled mode each member draws
// with the same streams, so common random numbers hold for the mean too).
class EnsembleDemand final : public sim::DemandSource {
 public:
  explicit EnsembleDemand(std::vector<std::unique_ptr<WorldModelDemand>> members)
      : members_(std::move(members)) {}
  std::string name() const override { return "world-model"; }
  void demand(const sim::WeekInput& input, uint64_t seed, sim::WeekDemand& out) override {
    sim::WeekDemand one;
    double trips = 0;
    for (size_t m = 0; m < members_.size(); ++m) {
      members_[m]->demand(input, seed, m == 0 ? out : one);
      if (m > 0)
        for (size_t cell = 0; cell < out.units.size(); ++cell) out.units[cell] += one.units[cell];
      trips += static_cast<double>(m == 0 ? out.trips : one.trips);
    }
    const double n = static_cast<double>(members_.size());
    for (double& u : out.units) u /= n;
    out.trips = static_cast<uint64_t>(std::llround(trips / n));
  }

 private:
  std::vector<std::unique_ptr<WorldModelDemand>> members_;
};

std::unique_ptr<sim::DemandSource> make_world_model_demand(const sim::Market& market,
                                                           const sim::DemandOptions& options) {
  const std::vector<fs::path> checkpoints = member_checkpoints(options.data_dir, "world");
  if (checkpoints.size() == 1)
    return std::make_unique<WorldModelDemand>(market, options, checkpoints.front(), 1.0);
  // Each member keeps its own weeks of model outputs: the memory budgets are shared.
  const double share = 1.0 / static_cast<double>(checkpoints.size());
  std::vector<std::unique_ptr<WorldModelDemand>> members;
  for (const fs::path& checkpoint : checkpoints)
    members.push_back(std::make_unique<WorldModelDemand>(market, options, checkpoint, share));
  spdlog::info("world-model demand: the mean of {} ensemble members", members.size());
  return std::make_unique<EnsembleDemand>(std::move(members));
}

}  // namespace

void register_world_model_demand() {
  static const bool registered = [] {
    sim::register_demand_source("world-model", make_world_model_demand);
    return true;
  }();
  (void)registered;
}

Json simulate_job(const Json& args) {
  register_world_model_demand();
  const fs::path data_dir = args.at("data_dir").get<std::string>();
  sim::Scenario scenario = sim::load_scenario(args.at("scenario").get<std::string>());
  if (args.contains("source")) scenario.simulate.demand_source = args.at("source");
  if (args.contains("mode"))
    scenario.simulate.mode = sim::demand_mode_named(args.at("mode").get<std::string>());
  if (args.contains("seeds")) scenario.simulate.n_seeds = args.at("seeds");
  if (args.contains("weeks")) scenario.simulate.weeks = args.at("weeks");
  const sim::SimulateSummary summary =
      sim::simulate(data_dir, scenario, args.value("seed", uint64_t{42}));
  return {{"report", summary.report},
          {"report_path", summary.report_path.string()},
          {"seconds", summary.seconds},
          {"customer_weeks", summary.customer_weeks}};
}

}  // namespace retailsim::model
