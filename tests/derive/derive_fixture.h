// Small hand-made inputs shared by the derive tests: transaction rows built row by row.
#pragma once

#include <cstdint>
#include <vector>

#include "derive/derive.h"

namespace retailsim::derive::testing {

// Owns the columns behind a PriceRows view.
struct RowTable {
  std::vector<int32_t> product, store, week, quantity;
  std::vector<int64_t> spend_cents;
  void add(int32_t p, int32_t s, int32_t w, int32_t quantity_units, int64_t spend) {
    product.push_back(p);
    store.push_back(s);
    week.push_back(w);
    quantity.push_back(quantity_units);
    spend_cents.push_back(spend);
  }
  PriceRows view() const { return PriceRows{product, store, week, quantity, spend_cents}; }
};

}  // namespace retailsim::derive::testing
