// Field-level validation of one transactions row: types, ranges, codes, weekday against date and
// week against the calendar. Checks that need other rows (basket, product, store constancy) are
// the file merger's.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "core/calendar.h"
#include "ingest/lgsr_schema.h"
#include "ingest/quarantine.h"

namespace retailsim::ingest {

// A row that passed field validation. Code views point into the chunk the row was read from.
struct ParsedRow {
  int64_t line = 0;
  int64_t basket_id = 0;  // meaningful when !damaged_basket_id
  int32_t shop_date = 0;  // YYYYMMDD
  int32_t quantity = 0;
  int32_t spend_cents = 0;
  int16_t week_index = 0;  // position of SHOP_WEEK in the calendar
  int8_t weekday = 0;      // 1 = Sunday ... 7 = Saturday
  int8_t hour = 0;
  bool damaged_basket_id = false;  // BASKET_ID read as a rounded number such as 9.94E+14
  int8_t seg_1 = -1;               // -1: empty (always for anonymous rows)
  int8_t seg_2 = -1;
  int8_t basket_size = 0;
  int8_t basket_price_sensitivity = 0;
  int8_t basket_type = 0;
  int8_t basket_mission = 0;
  int8_t store_format = 0;
  std::string_view product;
  std::string_view parents[4];  // PROD_CODE_10, _20, _30, _40
  std::string_view customer;    // empty: anonymous
  std::string_view store;
  std::string_view region;
  std::string_view basket_id_text;
};

// What a file's rows are checked against. One validator per chunk: unescaped quoted values live in
// it, so it must outlive the ParsedRows it filled.
class RowValidator {
 public:
  RowValidator(const HeaderLayout& layout, const Calendar& calendar, int32_t file_index);

  // Splits and validates one line (without line ending). Returns true and fills `row`, or false
  // and fills `entry` with the first problem found (fields checked in schema order).
  bool parse(std::string_view line, int64_t line_number, ParsedRow& row, QuarantineEntry& entry);

  const HeaderLayout& layout() const { return layout_; }
  // Fills entry's column number and name for `field` of this file.
  void locate(Field field, QuarantineEntry& entry) const;

 private:
  bool reject(Field field, Reason reason, std::string_view value, std::string detail,
              QuarantineEntry& entry) const;
  const HeaderLayout& layout_;
  const Calendar& calendar_;
  int32_t file_index_;
  int32_t first_shop_week_ = 0;
  std::vector<int16_t> week_index_of_;  // shop_week - first_shop_week_ -> index, -1 if none
  // The codes of each vocabulary in this file's variant, looked up on every row (vocabulary_id
  // goes through std::string compares and a static table each time).
  static constexpr int kVocabularyCount = 7;
  static constexpr int kMaxCodes = 8;
  struct CodeList {
    std::array<std::string_view, kMaxCodes> codes{};
    int n = 0;
  };
  std::array<CodeList, kVocabularyCount> vocabularies_;
  std::vector<std::string_view> fields_;
  std::deque<std::string> scratch_;
  int64_t line_ = 0;
};

// Parsers shared with the tests. All return false on anything but the exact form.
bool parse_int(std::string_view text, int64_t& value);    // [-]digits
bool parse_cents(std::string_view text, int64_t& cents);  // [-]digits[.d[d]]
bool looks_like_rounded_number(std::string_view text);    // digits[.digits][E[+-]digits]

}  // namespace retailsim::ingest
