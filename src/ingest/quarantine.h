// Rejected rows: the reason codes, one record per quarantined row, and store/quarantine.csv.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace retailsim::ingest {

namespace fs = std::filesystem;

// Why a row was quarantined. The names (reason_name) are the codes written to quarantine.csv and
// documented in docs/data-format.md; append new ones at the end.
enum class Reason : int8_t {
  kFieldCount,              // not as many fields as the header
  kMissingValue,            // a required field is empty
  kBadInteger,              // not an integer where one is required
  kBadNumber,               // SPEND is no decimal number with at most 2 decimals
  kBadBasketId,             // BASKET_ID is neither an integer nor a damaged (rounded) number
  kOutOfRange,              // weekday not 1-7, hour not 0-23, or too large for the column
  kBadDate,                 // SHOP_DATE is no calendar date
  kWeekdayMismatch,         // SHOP_WEEKDAY disagrees with SHOP_DATE
  kUnknownWeek,             // SHOP_WEEK is not in time.csv
  kDateOutsideWeek,         // SHOP_DATE is not within SHOP_WEEK's dates
  kUnknownCode,             // not a code of the field's vocabulary
  kQuantityNotPositive,     // QUANTITY <= 0
  kNegativeSpend,           // SPEND < 0
  kBasketMismatch,          // a basket attribute differs from the basket's first row
  kProductParentsMismatch,  // a product's PROD_CODE_10..40 differ from its first row
  kStoreAttributeMismatch,  // a store's format or region differ from its first row
};
inline constexpr int kReasonCount = 16;
std::string_view reason_name(Reason reason);

// One quarantined row. Column is the 1-based field number in the file's header (0: the row).
struct QuarantineEntry {
  int32_t file = 0;  // index into the sorted input file list
  int64_t line = 0;  // 1-based, the header is line 1
  int32_t column = 0;
  Reason reason = Reason::kFieldCount;
  std::string column_name;
  std::string value;
  std::string detail;
};

using ReasonCounts = std::array<uint64_t, kReasonCount>;

// Writes quarantine.csv (header file,line,column,column_name,reason,value,detail), entries in the
// given order, fields quoted when they hold a comma, quote or line break.
void write_quarantine_csv(const fs::path& path, const std::vector<QuarantineEntry>& entries,
                          const std::vector<std::string>& file_names);

}  // namespace retailsim::ingest
