// The evaluation's baskets: known customers' baskets as sets of products, one per BASKET_ID
// (temporal protocol) or one per customer and date (reality-check protocol), grouped by customer.
#include <algorithm>

#include "core/dataset.h"
#include "eval/eval.h"

namespace retailsim::eval {

namespace {

// Appends one basket built from the store baskets [first, last) of one customer's list.
void append_basket(const Store& store, std::span<const int32_t> store_baskets, BasketTable& out) {
  const size_t begin = out.items.size();
  for (int32_t b : store_baskets) {
    for (int32_t p : store.basket_products(b)) out.items.push_back(p);
  }
  std::sort(out.items.begin() + static_cast<std::ptrdiff_t>(begin), out.items.end());
  out.items.erase(
      std::unique(out.items.begin() + static_cast<std::ptrdiff_t>(begin), out.items.end()),
      out.items.end());
  out.item_offsets.push_back(static_cast<int64_t>(out.items.size()));
  const auto first = static_cast<size_t>(store_baskets.front());
  out.customer.push_back(store.basket_customer_id[first]);
  out.week.push_back(store.basket_week_index[first]);
  out.date.push_back(store.basket_date[first]);
  out.weekday.push_back(store.basket_weekday[first]);
  out.hour.push_back(store.basket_hour[first]);
  out.store.push_back(store.basket_store_id[first]);
  out.store_basket.push_back(store_baskets.front());
}

// Every known customer's baskets; merge_by_date joins a customer's baskets of one date.
BasketTable build(const Store& store, bool merge_by_date) {
  BasketTable out;
  out.n_products = static_cast<int32_t>(store.n_products());
  out.item_offsets.push_back(0);
  out.customer_offsets.push_back(0);
  for (size_t c = 0; c < store.n_customers(); ++c) {
    const std::span<const int32_t> list = store.baskets_of_customer(static_cast<int32_t>(c));
    size_t i = 0;
    while (i < list.size()) {
      size_t j = i + 1;
      if (merge_by_date) {
        const int32_t date = store.basket_date[static_cast<size_t>(list[i])];
        while (j < list.size() && store.basket_date[static_cast<size_t>(list[j])] == date) ++j;
      }
      append_basket(store, list.subspan(i, j - i), out);
      i = j;
    }
    out.customer_offsets.push_back(static_cast<int64_t>(out.customer.size()));
  }
  out.customer_baskets.resize(out.customer.size());
  for (size_t b = 0; b < out.customer_baskets.size(); ++b)
    out.customer_baskets[b] = static_cast<int32_t>(b);
  return out;
}

}  // namespace

BasketTable baskets_by_id(const Store& store) {
  return build(store, false);
}

BasketTable baskets_by_date(const Store& store, int min_product_count) {
  BasketTable all = build(store, true);
  std::vector<int64_t> count(static_cast<size_t>(all.n_products), 0);
  for (int32_t p : all.items) ++count[static_cast<size_t>(p)];
  // Keep frequent products; drop baskets left empty (customers' CSR rebuilt alongside).
  BasketTable out;
  out.n_products = all.n_products;
  out.item_offsets.push_back(0);
  out.customer_offsets.push_back(0);
  const size_t n_customers = all.customer_offsets.size() - 1;
  for (size_t c = 0; c < n_customers; ++c) {
    for (int32_t b : all.of_customer(static_cast<int32_t>(c))) {
      const size_t begin = out.items.size();
      for (int32_t p : all.products(b)) {
        if (count[static_cast<size_t>(p)] >= min_product_count) out.items.push_back(p);
      }
      if (out.items.size() == begin) continue;
      const auto k = static_cast<size_t>(b);
      out.item_offsets.push_back(static_cast<int64_t>(out.items.size()));
      out.customer.push_back(all.customer[k]);
      out.week.push_back(all.week[k]);
      out.date.push_back(all.date[k]);
      out.weekday.push_back(all.weekday[k]);
      out.hour.push_back(all.hour[k]);
      out.store.push_back(all.store[k]);
      out.store_basket.push_back(all.store_basket[k]);
    }
    out.customer_offsets.push_back(static_cast<int64_t>(out.customer.size()));
  }
  out.customer_baskets.resize(out.customer.size());
  for (size_t b = 0; b < out.customer_baskets.size(); ++b)
    out.customer_baskets[b] = static_cast<int32_t>(b);
  return out;
}

}  // namespace retailsim::eval
