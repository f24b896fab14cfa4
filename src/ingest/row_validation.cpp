// Row parsing and field validation of LGSR transactions.
#include "ingest/row_validation.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include <fmt/format.h>

#include "core/error.h"
#include "ingest/csv_reader.h"

namespace retailsim::ingest {

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

}  // namespace

bool parse_int(std::string_view text, int64_t& value) {
  size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) negative = text[i++] == '-';
  if (i == text.size() || text.size() - i > 18) return false;
  int64_t v = 0;
  for (; i < text.size(); ++i) {
    if (!is_digit(text[i])) return false;
    v = v * 10 + (text[i] - '0');
  }
  value = negative ? -v : v;
  return true;
}

bool parse_cents(std::string_view text, int64_t& cents) {
  size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) negative = text[i++] == '-';
  int64_t whole = 0;
  int n_whole = 0;
  for (; i < text.size() && is_digit(text[i]); ++i, ++n_whole) {
    if (n_whole >= 15) return false;
    whole = whole * 10 + (text[i] - '0');
  }
  int64_t fraction = 0;
  int n_fraction = 0;
  if (i < text.size() && text[i] == '.') {
    for (++i; i < text.size() && is_digit(text[i]); ++i, ++n_fraction) {
      if (n_fraction >= 2) return false;
      fraction = fraction * 10 + (text[i] - '0');
    }
  }
  if (i != text.size() || n_whole + n_fraction == 0) return false;
  if (n_fraction == 1) fraction *= 10;
  cents = whole * 100 + fraction;
  if (negative) cents = -cents;
  return true;
}

bool looks_like_rounded_number(std::string_view text) {
  size_t i = 0;
  int digits = 0;
  while (i < text.size() && is_digit(text[i])) ++i, ++digits;
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && is_digit(text[i])) ++i, ++digits;
  }
  if (digits == 0) return false;
  if (i < text.size() && (text[i] == 'E' || text[i] == 'e')) {
    ++i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    int exponent_digits = 0;
    while (i < text.size() && is_digit(text[i])) ++i, ++exponent_digits;
    if (exponent_digits == 0) return false;
  }
  return i == text.size();
}

RowValidator::RowValidator(const HeaderLayout& layout, const Calendar& calendar, int32_t file_index)
    : layout_(layout), calendar_(calendar), file_index_(file_index) {
  fields_.resize(static_cast<size_t>(layout.n_columns));
  for (int v = 0; v < kVocabularyCount; ++v) {
    const auto& spelled = vocabulary_spellings(static_cast<Vocabulary>(v), layout.variant);
    CodeList& list = vocabularies_[static_cast<size_t>(v)];
    list.n = static_cast<int>(spelled.size());
    if (list.n > kMaxCodes) fail("internal error: vocabulary {} holds {} codes", v, list.n);
    for (int id = 0; id < list.n; ++id) {
      list.codes[static_cast<size_t>(id)] = spelled[static_cast<size_t>(id)];
    }
  }
  if (calendar.size() > 0) {
    int32_t lo = std::numeric_limits<int32_t>::max();
    int32_t hi = std::numeric_limits<int32_t>::min();
    for (const auto& w : calendar.weeks()) {
      lo = std::min(lo, w.shop_week);
      hi = std::max(hi, w.shop_week);
    }
    first_shop_week_ = lo;
    week_index_of_.assign(static_cast<size_t>(hi - lo + 1), -1);
    for (size_t i = 0; i < calendar.size(); ++i) {
      week_index_of_[static_cast<size_t>(calendar.at(i).shop_week - lo)] = static_cast<int16_t>(i);
    }
  }
}

void RowValidator::locate(Field field, QuarantineEntry& entry) const {
  int position = layout_.position[static_cast<int>(field)];
  entry.column = position + 1;
  entry.column_name = layout_.names[static_cast<size_t>(position)];
}

bool RowValidator::reject(Field field, Reason reason, std::string_view value, std::string detail,
                          QuarantineEntry& entry) const {
  entry.file = file_index_;
  entry.line = line_;
  entry.reason = reason;
  locate(field, entry);
  entry.value.assign(value);
  entry.detail = std::move(detail);
  return false;
}

bool RowValidator::parse(std::string_view line, int64_t line_number, ParsedRow& row,
                         QuarantineEntry& entry) {
  line_ = line_number;
  size_t n = split_fields(line, fields_, scratch_);
  if (n != fields_.size()) {
    entry.file = file_index_;
    entry.line = line_number;
    entry.column = 0;
    entry.column_name.clear();
    entry.reason = Reason::kFieldCount;
    entry.value.assign(line.substr(0, 200));
    entry.detail = fmt::format("{} fields, the header has {}", n, fields_.size());
    return false;
  }
  auto get = [&](Field f) {
    return fields_[static_cast<size_t>(layout_.position[static_cast<int>(f)])];
  };
  auto integer = [&](Field f, int64_t& value) {
    std::string_view text = get(f);
    if (text.empty()) return reject(f, Reason::kMissingValue, text, "", entry);
    if (!parse_int(text, value))
      return reject(f, Reason::kBadInteger, text, "not an integer", entry);
    return true;
  };
  auto code = [&](Field f, Vocabulary v, int8_t& id, bool required) {
    std::string_view text = get(f);
    if (text.empty()) {
      if (required) return reject(f, Reason::kMissingValue, text, "", entry);
      id = -1;
      return true;
    }
    const CodeList& list = vocabularies_[static_cast<size_t>(v)];
    int found = -1;
    for (int i = 0; i < list.n; ++i) {
      std::string_view candidate = list.codes[static_cast<size_t>(i)];
      // Codes are 1 to 10 bytes: compare the length and first byte before calling memcmp.
      if (candidate.size() == text.size() && candidate[0] == text[0] &&
          std::memcmp(candidate.data(), text.data(), text.size()) == 0) {
        found = i;
        break;
      }
    }
    if (found < 0) {
      return reject(f, Reason::kUnknownCode, text,
                    fmt::format("not one of the {} header's codes",
                                layout_.variant == HeaderVariant::kOld ? "old" : "current"),
                    entry);
    }
    id = static_cast<int8_t>(found);
    return true;
  };
  auto text_field = [&](Field f, std::string_view& out) {
    out = get(f);
    if (out.empty()) return reject(f, Reason::kMissingValue, out, "", entry);
    return true;
  };

  row.line = line_number;
  int64_t shop_week = 0, shop_date = 0, weekday = 0, hour = 0, quantity = 0;
  if (!integer(Field::kShopWeek, shop_week)) return false;
  if (!integer(Field::kShopDate, shop_date)) return false;
  if (!integer(Field::kShopWeekday, weekday)) return false;
  if (weekday < 1 || weekday > 7) {
    return reject(Field::kShopWeekday, Reason::kOutOfRange, get(Field::kShopWeekday),
                  "expected 1 (Sunday) to 7 (Saturday)", entry);
  }
  if (!integer(Field::kShopHour, hour)) return false;
  if (hour < 0 || hour > 23) {
    return reject(Field::kShopHour, Reason::kOutOfRange, get(Field::kShopHour), "expected 0 to 23",
                  entry);
  }
  if (!integer(Field::kQuantity, quantity)) return false;
  if (quantity <= 0) {
    return reject(Field::kQuantity, Reason::kQuantityNotPositive, get(Field::kQuantity), "", entry);
  }
  if (quantity > std::numeric_limits<int32_t>::max()) {
    return reject(Field::kQuantity, Reason::kOutOfRange, get(Field::kQuantity), "too large", entry);
  }
  std::string_view spend_text = get(Field::kSpend);
  int64_t cents;
  if (spend_text.empty())
    return reject(Field::kSpend, Reason::kMissingValue, spend_text, "", entry);
  if (!parse_cents(spend_text, cents)) {
    return reject(Field::kSpend, Reason::kBadNumber, spend_text,
                  "expected a decimal number with at most 2 decimals", entry);
  }
  if (cents < 0) return reject(Field::kSpend, Reason::kNegativeSpend, spend_text, "", entry);
  if (cents > std::numeric_limits<int32_t>::max()) {
    return reject(Field::kSpend, Reason::kOutOfRange, spend_text, "too large", entry);
  }
  if (!text_field(Field::kProdCode, row.product)) return false;
  if (!text_field(Field::kProdCode10, row.parents[0])) return false;
  if (!text_field(Field::kProdCode20, row.parents[1])) return false;
  if (!text_field(Field::kProdCode30, row.parents[2])) return false;
  if (!text_field(Field::kProdCode40, row.parents[3])) return false;
  row.customer = get(Field::kCustCode);
  if (!row.customer.empty()) {
    if (!code(Field::kSeg1, Vocabulary::kSeg1, row.seg_1, false)) return false;
    if (!code(Field::kSeg2, Vocabulary::kSeg2, row.seg_2, false)) return false;
  } else {
    row.seg_1 = row.seg_2 = -1;  // an anonymous row has no customer whose segments they would be
  }
  row.basket_id_text = get(Field::kBasketId);
  if (row.basket_id_text.empty()) {
    return reject(Field::kBasketId, Reason::kMissingValue, row.basket_id_text, "", entry);
  }
  int64_t basket_id;
  if (parse_int(row.basket_id_text, basket_id) && basket_id >= 0 &&
      row.basket_id_text.front() != '-' && row.basket_id_text.front() != '+') {
    row.basket_id = basket_id;
    row.damaged_basket_id = false;
  } else if (looks_like_rounded_number(row.basket_id_text)) {
    row.damaged_basket_id = true;
  } else {
    return reject(Field::kBasketId, Reason::kBadBasketId, row.basket_id_text,
                  "expected a non-negative integer of up to 18 digits", entry);
  }
  if (!code(Field::kBasketSize, Vocabulary::kBasketSize, row.basket_size, true)) return false;
  if (!code(Field::kBasketPriceSensitivity, Vocabulary::kBasketPriceSensitivity,
            row.basket_price_sensitivity, true)) {
    return false;
  }
  if (!code(Field::kBasketType, Vocabulary::kBasketType, row.basket_type, true)) return false;
  if (!code(Field::kBasketDominantMission, Vocabulary::kBasketMission, row.basket_mission, true)) {
    return false;
  }
  if (!text_field(Field::kStoreCode, row.store)) return false;
  if (!code(Field::kStoreFormat, Vocabulary::kStoreFormat, row.store_format, true)) return false;
  if (!text_field(Field::kStoreRegion, row.region)) return false;

  // Cross-field checks: the date is real, its weekday agrees, the week is known and holds it.
  if (shop_date < 0 || shop_date > 99991231 || !days_from_date(static_cast<DateInt>(shop_date))) {
    return reject(Field::kShopDate, Reason::kBadDate, get(Field::kShopDate),
                  "not a calendar date YYYYMMDD", entry);
  }
  int true_weekday = lgsr_weekday(static_cast<DateInt>(shop_date));
  if (true_weekday != weekday) {
    return reject(Field::kShopWeekday, Reason::kWeekdayMismatch, get(Field::kShopWeekday),
                  fmt::format("SHOP_DATE {} is weekday {}", shop_date, true_weekday), entry);
  }
  int64_t slot = shop_week - first_shop_week_;
  if (slot < 0 || slot >= static_cast<int64_t>(week_index_of_.size()) ||
      week_index_of_[static_cast<size_t>(slot)] < 0) {
    return reject(Field::kShopWeek, Reason::kUnknownWeek, get(Field::kShopWeek),
                  "not a shop week of time.csv", entry);
  }
  int16_t week_index = week_index_of_[static_cast<size_t>(slot)];
  const ShopWeek& week = calendar_.at(static_cast<size_t>(week_index));
  if (shop_date < week.date_from || shop_date > week.date_to) {
    return reject(
        Field::kShopDate, Reason::kDateOutsideWeek, get(Field::kShopDate),
        fmt::format("shop week {} runs {}..{}", week.shop_week, week.date_from, week.date_to),
        entry);
  }
  row.shop_date = static_cast<int32_t>(shop_date);
  row.weekday = static_cast<int8_t>(weekday);
  row.hour = static_cast<int8_t>(hour);
  row.week_index = week_index;
  row.quantity = static_cast<int32_t>(quantity);
  row.spend_cents = static_cast<int32_t>(cents);
  return true;
}

}  // namespace retailsim::ingest
