// Known bad rows for testing a validating ingest (internal to synth): the defect kinds and the
// function that turns a clean formatted row into a corrupt one.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "core/rng.h"
#include "synth/world.h"

namespace retailsim::synth {

enum class Corruption : uint8_t {
  kBadNumber = 0,           // SPEND is not a number ("1.2x")
  kNegativeSpend,           // SPEND < 0
  kZeroQuantity,            // QUANTITY = 0
  kWeekdayMismatch,         // SHOP_WEEKDAY disagrees with SHOP_DATE
  kDateOutsideWeek,         // SHOP_DATE outside SHOP_WEEK's date range
  kUnknownStoreFormat,      // STORE_FORMAT not one of LS, MS, SS, XLS
  kBasketAttributeChanged,  // BASKET_TYPE differs from the basket's other rows (baskets >= 3 rows)
  kParentCodeMismatch,      // PROD_CODE_10 differs from the product's true parent
  kEmptyRequiredField,      // PROD_CODE, STORE_CODE, BASKET_ID or SHOP_DATE written ""
  kWrongFieldCount,         // the last field is missing
  kHourOutOfRange,          // SHOP_HOUR = 25
};
inline constexpr int kCorruptionKinds = 11;
inline constexpr std::array<const char*, kCorruptionKinds> kCorruptionNames = {
    "bad_number",
    "negative_spend",
    "zero_quantity",
    "weekday_mismatch",
    "date_outside_week",
    "unknown_store_format",
    "basket_attribute_changed",
    "parent_code_mismatch",
    "empty_required_field",
    "wrong_field_count",
    "hour_out_of_range"};

// Replaces `row` (one formatted line with its '\n') by a corrupt version of kind `kind`.
void corrupt_row(std::string& row, Corruption kind, const World& world, Rng& rng);

// Draws the kind of a corrupt row; kBasketAttributeChanged only in baskets of 3+ rows and never
// on a basket's first row (row_in_basket is 0-based), and
// kParentCodeMismatch only when the product was written with its true parents on an earlier line
// (so a reader that trusts a product's first row sees the corrupt row as the odd one).
Corruption draw_corruption(int basket_rows, int row_in_basket, bool product_seen_before, Rng& rng);

}  // namespace retailsim::synth
