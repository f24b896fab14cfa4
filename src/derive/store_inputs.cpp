// The store's columns turned into the derive algorithms' inputs: row views in place, narrow
// per-store and per-basket columns widened, hierarchy parent arrays, basket spend and promo spend.
#include <algorithm>
#include <limits>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include "core/error.h"
#include "derive/stage_io.h"

namespace retailsim::derive {

namespace {

template <typename T>
std::span<const uint64_t> as_unsigned(const Column<T>& offsets) {
  static_assert(sizeof(T) == sizeof(uint64_t));
  // Offsets are non-negative, so the int64 and uint64 views hold the same values.
  return {reinterpret_cast<const uint64_t*>(offsets.span().data()), offsets.size()};
}

}  // namespace

DataWeeks data_weeks_of(const Store& store) {
  if (store.n_rows() == 0) fail("derive: the store at {} has no rows", store.dir.string());
  // Rows are sorted by week, so the first and last rows hold the week range.
  const int32_t lo = store.week_index[0];
  const int32_t hi = store.week_index[store.n_rows() - 1];
  if (lo < 0 || hi < lo) fail("derive: store rows are not sorted by week");
  return DataWeeks{lo, hi - lo + 1};
}

PriceDims price_dims_of(const Store& store, const DataWeeks& weeks) {
  return PriceDims{static_cast<int32_t>(store.n_products()), static_cast<int32_t>(store.n_stores()),
                   weeks.n_weeks};
}

StorePriceRows price_rows_of(const Store& store, const DataWeeks& weeks) {
  return StorePriceRows{store.product_id.span(), store.store_id.span(),    store.week_index.span(),
                        store.quantity.span(),   store.spend_cents.span(), weeks.first_week_index};
}

StoreInfoColumns store_info_of(const Store& store) {
  StoreInfoColumns out;
  out.format.assign(store.store_format.begin(), store.store_format.end());
  out.region.assign(store.store_region.begin(), store.store_region.end());
  return out;
}

HierarchyColumns hierarchy_of(const Store& store) {
  HierarchyColumns h;
  h.product_to_cl.assign(store.product_parent[0].begin(), store.product_parent[0].end());
  std::vector<int32_t>* up[3] = {&h.cl_to_dep, &h.dep_to_g, &h.g_to_d};
  for (int level = 0; level < 3; ++level) {
    std::vector<int32_t>& parent = *up[level];
    parent.assign(store.product_parent_codes[level].size(), -1);
    const auto& child_of = store.product_parent[level];
    const auto& parent_of = store.product_parent[level + 1];
    for (size_t p = 0; p < store.n_products(); ++p) {
      int32_t& slot = parent[static_cast<size_t>(child_of[p])];
      if (slot < 0) slot = parent_of[p];
    }
  }
  return h;
}

BasketRows basket_rows_of(const Store& store) {
  return BasketRows{as_unsigned(store.basket_row_offsets), store.product_id.span()};
}

GraphNames graph_names_of(const Store& store) {
  return GraphNames{store.product_codes, store.product_parent_codes[0],
                    store.product_parent_codes[1], store.product_parent_codes[2],
                    store.product_parent_codes[3]};
}

CustomerBaskets CustomerBasketColumns::view(const Store& source) const {
  CustomerBaskets b;
  b.customer_offsets = as_unsigned(source.customer_basket_offsets);
  b.basket_ids = basket_ids;
  b.store = store;
  b.week = week;
  b.spend_cents = spend_cents;
  b.hour = hour;
  b.weekday = weekday;
  b.lines = lines;
  b.promo_spend_cents = promo_spend_cents;
  b.basket_type = source.basket_type.span();
  b.mission = source.basket_mission.span();
  b.price_sensitivity = source.basket_price_sensitivity.span();
  b.size = source.basket_size.span();
  return b;
}

CustomerBasketColumns customer_baskets_of(const Store& store, const DataWeeks& weeks,
                                          const PromoLookup* promos) {
  CustomerBasketColumns c;
  c.basket_ids.assign(store.customer_baskets.begin(), store.customer_baskets.end());
  const size_t n = store.n_baskets();
  c.store.resize(n);
  c.week.resize(n);
  c.hour.resize(n);
  c.weekday.resize(n);
  c.lines.resize(n);
  c.spend_cents.resize(n);
  if (promos) c.promo_spend_cents.resize(n);
  tbb::parallel_for(tbb::blocked_range<size_t>(0, n, 4096), [&](const auto& range) {
    for (size_t b = range.begin(); b != range.end(); ++b) {
      c.store[b] = store.basket_store_id[b];
      c.week[b] = store.basket_week_index[b] - weeks.first_week_index;
      c.hour[b] = store.basket_hour[b];
      c.weekday[b] = store.basket_weekday[b];
      const RowRange rows = store.basket_rows(static_cast<int32_t>(b));
      c.lines[b] = static_cast<int32_t>(rows.size());
      int64_t spend = 0, promo_spend = 0;
      for (int64_t r = rows.begin; r < rows.end; ++r) {
        const auto i = static_cast<size_t>(r);
        spend += store.spend_cents[i];
        // As row_promo_flags(): the row's cell through the waterfall.
        if (promos && promos->promo(store.product_id[i], store.store_id[i],
                                    store.week_index[i] - weeks.first_week_index)) {
          promo_spend += store.spend_cents[i];
        }
      }
      c.spend_cents[b] = spend;
      if (promos) c.promo_spend_cents[b] = promo_spend;
    }
  });
  return c;
}

MissionVocab mission_vocab_of(const Store& store) {
  return MissionVocab{static_cast<int32_t>(store.basket_type_codes.size()),
                      static_cast<int32_t>(store.basket_mission_codes.size()),
                      static_cast<int32_t>(store.basket_price_sensitivity_codes.size()),
                      static_cast<int32_t>(store.basket_size_codes.size())};
}

}  // namespace retailsim::derive
