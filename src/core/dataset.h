// The ingested store (<data>/store/) opened for reading: memory-mapped columns of rows, baskets,
// customers, products and stores, and O(1) slices basket -> rows and customer -> baskets.
// The layout is documented in docs/data-format.md.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "core/calendar.h"
#include "core/manifest.h"
#include "core/npy.h"

namespace retailsim {

namespace fs = std::filesystem;

// Bits of Store::basket_flags.
inline constexpr uint8_t kBasketFlagAnonymous = 1;      // no customer (CUST_CODE empty)
inline constexpr uint8_t kBasketFlagReconstructed = 2;  // BASKET_ID was damaged; regrouped

// A half-open range of row indices.
struct RowRange {
  int64_t begin = 0;
  int64_t end = 0;
  int64_t size() const { return end - begin; }
};

class Store {
 public:
  // Opens <data_dir>/store. Throws Error when there is no store ("run retailsim ingest first"),
  // a column is missing or has another dtype, or the column lengths disagree.
  static Store open(const fs::path& data_dir);

  // Rows, sorted by (week, basket); one entry per transaction line, anonymous ones included.
  Column<int16_t> week_index;    // into the calendar
  Column<int32_t> basket_index;  // into the basket table
  Column<int32_t> product_id;
  Column<int16_t> store_id;
  Column<int32_t> customer_id;  // -1: anonymous
  Column<int32_t> quantity;
  Column<int32_t> spend_cents;

  // Baskets in time order (week, date, hour, BASKET_ID).
  Column<int64_t> basket_id;           // BASKET_ID; negative: a surrogate for a damaged BASKET_ID
  Column<int64_t> basket_row_offsets;  // n_baskets + 1
  Column<int16_t> basket_week_index;
  Column<int32_t> basket_date;    // YYYYMMDD
  Column<int8_t> basket_weekday;  // 1 = Sunday ... 7 = Saturday
  Column<int8_t> basket_hour;
  Column<int32_t> basket_customer_id;  // -1: anonymous
  Column<int16_t> basket_store_id;
  Column<int8_t> basket_size;  // into basket_size_codes
  Column<int8_t> basket_price_sensitivity;
  Column<int8_t> basket_type;
  Column<int8_t> basket_mission;
  Column<uint8_t> basket_flags;  // kBasketFlag* bits

  // Customers (sorted CUST_CODE order).
  Column<int64_t> customer_basket_offsets;  // n_customers + 1
  Column<int32_t> customer_baskets;         // basket indices, each customer's in time order
  Column<int8_t> customer_seg_1;            // into seg_1_codes, -1 unknown
  Column<int8_t> customer_seg_2;            // into seg_2_codes, -1 unknown

  // Products (sorted PROD_CODE order) and their parents at levels 10, 20, 30, 40.
  Column<int32_t> product_parent[4];
  // Stores (sorted STORE_CODE order).
  Column<int8_t> store_format;
  Column<int16_t> store_region;

  // Dictionaries: the code of each id.
  std::vector<std::string> product_codes, customer_codes, store_codes;
  std::vector<std::string> product_parent_codes[4];
  std::vector<std::string> store_region_codes, store_format_codes;
  std::vector<std::string> seg_1_codes, seg_2_codes;
  std::vector<std::string> basket_size_codes, basket_price_sensitivity_codes, basket_type_codes,
      basket_mission_codes;

  Calendar calendar;  // the week calendar the week indices point into
  Manifest manifest;
  fs::path dir;

  size_t n_rows() const { return product_id.size(); }
  size_t n_baskets() const { return basket_id.size(); }
  size_t n_customers() const { return customer_codes.size(); }
  size_t n_products() const { return product_codes.size(); }
  size_t n_stores() const { return store_codes.size(); }

  RowRange basket_rows(int32_t basket) const {
    return {basket_row_offsets[static_cast<size_t>(basket)],
            basket_row_offsets[static_cast<size_t>(basket) + 1]};
  }
  // The products of one basket (a slice of product_id).
  std::span<const int32_t> basket_products(int32_t basket) const {
    RowRange r = basket_rows(basket);
    return product_id.span().subspan(static_cast<size_t>(r.begin), static_cast<size_t>(r.size()));
  }
  // A customer's baskets in time order.
  std::span<const int32_t> baskets_of_customer(int32_t customer) const {
    int64_t b = customer_basket_offsets[static_cast<size_t>(customer)];
    int64_t e = customer_basket_offsets[static_cast<size_t>(customer) + 1];
    return customer_baskets.span().subspan(static_cast<size_t>(b), static_cast<size_t>(e - b));
  }
  // The date (YYYYMMDD) of a customer's last basket; 0 without baskets. Baskets on it are the
  // customer's reality-check target, which [prepare] hold_out_last_date keeps out of training.
  int32_t last_date_of(int32_t customer) const {
    const auto baskets = baskets_of_customer(customer);
    return baskets.empty() ? 0 : basket_date[static_cast<size_t>(baskets.back())];
  }
  // Per calendar week: 1 when the store holds a basket of that week. A week without any (the
  // public LGSR copies lack 200608) is missing data, not a week in which nobody shopped.
  std::vector<uint8_t> weeks_with_baskets() const;
};

}  // namespace retailsim
