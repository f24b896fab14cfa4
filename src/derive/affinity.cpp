// Customer–store affinity: primary store, loyalty, store count, switching between consecutive
// trips, top stores with shares, and recency / frequency / monetary figures, one customer per task.
#include <algorithm>
#include <limits>
#include <utility>
#include <vector>

#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

#include "core/error.h"
#include "derive/derive.h"

namespace retailsim::derive {

namespace {

struct StoreVisits {
  int32_t store;
  uint32_t trips;
  int64_t spend_cents;
};

}  // namespace

CustomerAffinity customer_affinity(const CustomerBaskets& baskets, int32_t reference_week,
                                   const AffinityConfig& config) {
  const size_t n = baskets.n_customers();
  const size_t k = static_cast<size_t>(std::max(1, config.top_stores));
  if (n > 0 && !baskets.basket_ids.empty() &&
      baskets.customer_offsets.back() > baskets.basket_ids.size()) {
    fail("customer_affinity: customer offsets run past the {} basket ids",
         baskets.basket_ids.size());
  }
  CustomerAffinity out;
  out.top_k = static_cast<int32_t>(k);
  out.n_trips.assign(n, 0);
  out.primary_store.assign(n, -1);
  out.loyalty.assign(n, 0.0f);
  out.n_stores.assign(n, 0);
  out.switching_rate.assign(n, 0.0f);
  out.top_store.assign(n * k, -1);
  out.top_share.assign(n * k, 0.0f);
  out.first_week.assign(n, -1);
  out.last_week.assign(n, -1);
  out.recency_weeks.assign(n, -1);
  out.trips_per_week.assign(n, 0.0f);
  out.total_spend_cents.assign(n, 0);
  out.mean_spend_cents.assign(n, 0.0f);

  tbb::enumerable_thread_specific<std::vector<StoreVisits>> scratches;
  tbb::parallel_for(tbb::blocked_range<size_t>(0, n, 256), [&](const auto& range) {
    std::vector<StoreVisits>& visits = scratches.local();
    for (size_t c = range.begin(); c != range.end(); ++c) {
      const uint64_t first = baskets.customer_offsets[c], last = baskets.customer_offsets[c + 1];
      const uint64_t trips = last - first;
      out.n_trips[c] = static_cast<uint32_t>(trips);
      if (trips == 0) continue;
      visits.clear();
      uint64_t switches = 0;
      int32_t previous_store = -1;
      int32_t first_week = std::numeric_limits<int32_t>::max(), last_week = -1;
      int64_t spend = 0;
      for (uint64_t pos = first; pos < last; ++pos) {
        const int64_t b = baskets.basket_at(pos);
        const int32_t store = baskets.store[b];
        if (pos > first && store != previous_store) ++switches;
        previous_store = store;
        first_week = std::min(first_week, baskets.week[b]);
        last_week = std::max(last_week, baskets.week[b]);
        spend += baskets.spend_cents[b];
        visits.push_back({store, 1, baskets.spend_cents[b]});
      }
      // Merge the visits per store (a customer's store list is short).
      std::sort(visits.begin(), visits.end(),
                [](const StoreVisits& x, const StoreVisits& y) { return x.store < y.store; });
      size_t distinct = 0;
      for (size_t i = 0; i < visits.size(); ++i) {
        if (distinct > 0 && visits[distinct - 1].store == visits[i].store) {
          visits[distinct - 1].trips += visits[i].trips;
          visits[distinct - 1].spend_cents += visits[i].spend_cents;
        } else {
          visits[distinct++] = visits[i];
        }
      }
      visits.resize(distinct);
      // Most trips first; ties: more spend, then the lower store id.
      std::sort(visits.begin(), visits.end(), [](const StoreVisits& x, const StoreVisits& y) {
        if (x.trips != y.trips) return x.trips > y.trips;
        if (x.spend_cents != y.spend_cents) return x.spend_cents > y.spend_cents;
        return x.store < y.store;
      });
      const double n_trips = static_cast<double>(trips);
      out.primary_store[c] = visits[0].store;
      out.loyalty[c] = static_cast<float>(visits[0].trips / n_trips);
      out.n_stores[c] = static_cast<int32_t>(distinct);
      out.switching_rate[c] = trips > 1 ? static_cast<float>(switches / (n_trips - 1)) : 0.0f;
      for (size_t i = 0; i < std::min(k, distinct); ++i) {
        out.top_store[c * k + i] = visits[i].store;
        out.top_share[c * k + i] = static_cast<float>(visits[i].trips / n_trips);
      }
      out.first_week[c] = first_week;
      out.last_week[c] = last_week;
      out.recency_weeks[c] = reference_week - last_week;
      out.trips_per_week[c] =
          static_cast<float>(n_trips / std::max(1, reference_week - first_week + 1));
      out.total_spend_cents[c] = spend;
      out.mean_spend_cents[c] = static_cast<float>(static_cast<double>(spend) / n_trips);
    }
  });
  return out;
}

}  // namespace retailsim::derive
