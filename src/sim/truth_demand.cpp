// The "truth" demand source: the generator's own behaviour model (synth/world.h) driven by the
// environment's prices instead of the generator's calendar, sampled (the generator's sampler) or
// in expectation (synth::TruthModel's closed form, summed over shoppers by
// synth::TruthWeekUnits). Stores whose prices differ from their format's get a price zone of their
// own; shoppers are simulated in blocks in parallel, each with its own random stream per (seed,
// customer, week), so results are common random numbers and do not depend on the thread count.
#include <algorithm>
#include <cmath>
#include <map>

#include <tbb/parallel_for.h>

#include "core/error.h"
#include "core/rng.h"
#include "sim/sim.h"
#include "sim/truth_demand.h"
#include "synth/synth.h"
#include "synth/world.h"

namespace retailsim::sim {

namespace {

enum : uint64_t { kShopperStream = 602 };
constexpr size_t kBlockCustomers = 256;

struct CellUnits {
  uint32_t cell = 0;
  double units = 0;
};

class TruthDemand final : public DemandSource {
 public:
  TruthDemand(const Market& market, DemandMode mode)
      : market_(market), world_(*market.world), mode_(mode) {
    if (mode_ == DemandMode::kExpected) {
      model_ = std::make_unique<synth::TruthModel>(world_);
      store_customers_.resize(static_cast<size_t>(market.n_stores()));
    }
    local_store_.assign(static_cast<size_t>(world_.n_stores()), -1);
    for (int s = 0; s < market.n_stores(); ++s) local_store_[market.store_source_id[s]] = s;
    local_product_.assign(static_cast<size_t>(world_.n_products()), -1);
    for (int p = 0; p < market.n_products(); ++p) local_product_[market.product_source_id[p]] = p;
    // Per store of the scope: the shoppers who may visit it (home or other store).
    if (mode_ == DemandMode::kExpected) {
      for (int c : market.customers) {
        auto add = [&](int world_store) {
          const int s = local_store_[world_store];
          if (s >= 0 && (store_customers_[s].empty() || store_customers_[s].back() != c))
            store_customers_[s].push_back(c);
        };
        add(world_.customer_home_store[c]);
        for (int64_t i = world_.customer_alt_offsets[c]; i < world_.customer_alt_offsets[c + 1];
             ++i)
          add(world_.customer_alt_stores[i]);
      }
    }
  }

  std::string name() const override { return "truth"; }

  void demand(const WeekInput& input, uint64_t seed, WeekDemand& out) override {
    if (input.week < 0 || input.week >= world_.n_weeks())
      fail("truth demand: week index {} is outside the world's {} weeks", input.week,
           world_.n_weeks());
    const synth::WeekPrices prices = week_prices(input);
    if (mode_ == DemandMode::kExpected) return expected_demand(input.week, prices, out);
    const synth::DemandTables tables = synth::build_demand_tables(world_, prices);
    const auto& customers = market_.customers;
    const size_t n_blocks = (customers.size() + kBlockCustomers - 1) / kBlockCustomers;
    std::vector<std::vector<CellUnits>> block_units(n_blocks);
    std::vector<uint64_t> block_trips(n_blocks, 0);
    const int n_s = market_.n_stores();
    tbb::parallel_for(size_t{0}, n_blocks, [&](size_t b) {
      synth::WeekSample sample;
      std::vector<CellUnits>& units = block_units[b];
      const size_t end = std::min(customers.size(), (b + 1) * kBlockCustomers);
      for (size_t i = b * kBlockCustomers; i < end; ++i) {
        const int customer = customers[i];
        sample.clear();
        Rng rng = Rng::stream(seed, {kShopperStream, static_cast<uint64_t>(customer),
                                     static_cast<uint64_t>(input.week)});
        synth::sample_customer_week(world_, customer, input.week, prices, tables, rng, sample);
        block_trips[b] += sample.trips.size();
        for (const synth::Trip& trip : sample.trips) {
          const int s = local_store_[trip.store];
          if (s < 0) continue;
          for (uint32_t l = trip.line_begin; l < trip.line_end; ++l) {
            const synth::TripLine& line = sample.lines[l];
            const int p = local_product_[line.product];
            if (p < 0) continue;
            units.push_back({static_cast<uint32_t>(static_cast<size_t>(p) * n_s + s),
                             static_cast<double>(line.quantity)});
          }
        }
      }
    });
    // Reduced in block order, so floating-point sums do not depend on the schedule either.
    out.units.assign(market_.n_cells(), 0.0);
    out.trips = 0;
    for (size_t b = 0; b < n_blocks; ++b) {
      for (const CellUnits& u : block_units[b]) out.units[u.cell] += u.units;
      out.trips += block_trips[b];
    }
    out.customer_weeks = customers.size();
  }

 private:
  // Expected units: per store of the scope (in parallel, each writing its own cells), the sum
  // over the shoppers who may visit it of expected trips x chance of this store x expected units
  // of one trip there (synth::TruthModel's closed form, summed by synth::TruthWeekUnits).
  void expected_demand(int week, const synth::WeekPrices& prices, WeekDemand& out) const {
    const int n_s = market_.n_stores(), n_p = market_.n_products();
    const synth::TruthWeekUnits week_units(world_, prices);
    out.units.assign(market_.n_cells(), 0.0);
    std::vector<double> store_trips(static_cast<size_t>(n_s), 0.0);
    tbb::parallel_for(0, n_s, [&](int s) {
      const int world_store = market_.store_source_id[s];
      std::vector<double> trips;
      for (int c : store_customers_[s]) {
        trips.push_back(model_->expected_trips(c, week) *
                        model_->store_probability(c, world_store));
        store_trips[s] += trips.back();
      }
      std::vector<double> units(static_cast<size_t>(world_.n_products()), 0.0);
      week_units.add_store_units(world_store, store_customers_[s], trips, units);
      for (int p = 0; p < n_p; ++p)
        out.units[static_cast<size_t>(p) * n_s + s] = units[market_.product_source_id[p]];
    });
    double trips = 0;
    for (double t : store_trips) trips += t;
    out.trips = static_cast<uint64_t>(std::llround(trips));
    out.customer_weeks = market_.customers.size();
  }

  // The week's prices: the calendar's for everything out of scope, the input's for the scope's
  // cells; a store whose scope prices differ from its format's gets its own zone (stores with the
  // same prices share one).
  synth::WeekPrices week_prices(const WeekInput& input) const {
    synth::WeekPrices prices = synth::true_week_prices(world_, input.week);
    const int n_world_products = world_.n_products();
    const int n_p = market_.n_products(), n_s = market_.n_stores();
    prices.zone_format = {0, 1, 2, 3};
    prices.store_zone.assign(world_.store_format.begin(), world_.store_format.end());
    std::map<std::vector<int32_t>, int> zone_of_column;
    std::vector<int32_t> column(static_cast<size_t>(n_p) * 2 + 1);  // (price, depth)..., format
    for (int s = 0; s < n_s; ++s) {
      const int world_store = market_.store_source_id[s];
      const int format = world_.store_format[world_store];
      bool same_as_format = true;
      for (int p = 0; p < n_p; ++p) {
        const size_t cell = static_cast<size_t>(p) * n_s + s;
        column[2 * p] = static_cast<int32_t>(std::lround(input.shelf_price_cents[cell]));
        column[2 * p + 1] = static_cast<int32_t>(std::lround(input.promo_depth[cell] * 100));
        const size_t i =
            static_cast<size_t>(format) * n_world_products + market_.product_source_id[p];
        same_as_format = same_as_format && column[2 * p] == prices.base_pence[i] &&
                         column[2 * p + 1] == prices.promo_depth_pct[i];
      }
      if (same_as_format) continue;
      // A zone keeps its format's reference prices, so stores share one only within a format.
      column.back() = format;
      auto [it, added] = zone_of_column.try_emplace(column, prices.n_zones());
      if (added) add_zone(prices, format, column);
      prices.store_zone[world_store] = it->second;
    }
    return prices;
  }

  // Appends a zone: the format's prices with the scope's products replaced by `column`'s.
  void add_zone(synth::WeekPrices& prices, int format, const std::vector<int32_t>& column) const {
    const size_t n = static_cast<size_t>(world_.n_products());
    const size_t from = static_cast<size_t>(format) * n;
    // Copies first: inserting a vector's own range into it is undefined.
    for (auto* v : {&prices.base_pence, &prices.actual_pence}) {
      const std::vector<int32_t> format_column(v->begin() + from, v->begin() + from + n);
      v->insert(v->end(), format_column.begin(), format_column.end());
    }
    const std::vector<uint8_t> format_depths(prices.promo_depth_pct.begin() + from,
                                             prices.promo_depth_pct.begin() + from + n);
    prices.promo_depth_pct.insert(prices.promo_depth_pct.end(), format_depths.begin(),
                                  format_depths.end());
    const size_t to = prices.base_pence.size() - n;
    for (int p = 0; p < market_.n_products(); ++p) {
      const size_t i = to + market_.product_source_id[p];
      prices.base_pence[i] = column[2 * p];
      prices.promo_depth_pct[i] = static_cast<uint8_t>(column[2 * p + 1]);
      prices.actual_pence[i] = synth::promo_price(column[2 * p], column[2 * p + 1]);
    }
    prices.zone_format.push_back(format);
  }

  const Market& market_;
  const synth::World& world_;
  DemandMode mode_;
  std::vector<int32_t> local_store_, local_product_;
  std::unique_ptr<synth::TruthModel> model_;           // expected mode
  std::vector<std::vector<int32_t>> store_customers_;  // expected mode
};

}  // namespace

std::unique_ptr<DemandSource> make_truth_demand(const Market& market,
                                                const DemandOptions& options) {
  if (!market.synthetic || !market.world)
    fail("demand source 'truth' needs synthetic data with its ground truth (truth/)");
  return std::make_unique<TruthDemand>(market, options.mode);
}

}  // namespace retailsim::sim
