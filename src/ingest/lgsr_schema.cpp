// Header resolution (names, aliases, variants) and code vocabularies of the LGSR schema.
#include "ingest/lgsr_schema.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "core/error.h"

namespace retailsim::ingest {

namespace {

constexpr std::array<std::string_view, kFieldCount> kCurrentNames = {"SHOP_WEEK",
                                                                     "SHOP_DATE",
                                                                     "SHOP_WEEKDAY",
                                                                     "SHOP_HOUR",
                                                                     "QUANTITY",
                                                                     "SPEND",
                                                                     "PROD_CODE",
                                                                     "PROD_CODE_10",
                                                                     "PROD_CODE_20",
                                                                     "PROD_CODE_30",
                                                                     "PROD_CODE_40",
                                                                     "CUST_CODE",
                                                                     "seg_1",
                                                                     "seg_2",
                                                                     "BASKET_ID",
                                                                     "BASKET_SIZE",
                                                                     "BASKET_PRICE_SENSITIVITY",
                                                                     "BASKET_TYPE",
                                                                     "BASKET_DOMINANT_MISSION",
                                                                     "STORE_CODE",
                                                                     "STORE_FORMAT",
                                                                     "STORE_REGION"};

constexpr std::string_view kOldSeg1 = "CUST_PRICE_SENSITIVITY";
constexpr std::string_view kOldSeg2 = "CUST_LIFESTAGE";

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim_name(std::string_view name) {
  while (!name.empty() && (name.front() == ' ' || name.front() == '\t')) name.remove_prefix(1);
  while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.remove_suffix(1);
  if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
    name = name.substr(1, name.size() - 2);
  }
  return name;
}

struct VocabularyTable {
  std::vector<std::string> codes;      // current codes, id = position
  std::vector<std::string> old_codes;  // same ids, old-variant spelling (empty: same as current)
};

const VocabularyTable& table(Vocabulary vocabulary) {
  // Old segment codes: AZ=LA, BG=UM, CT=MM, DY=XX; AT=YA, BU=OT, CZ=OA, DI=YF, EQ=OF, FN=PE.
  static const VocabularyTable kSeg1{{"AZ", "BG", "CT", "DY"}, {"LA", "UM", "MM", "XX"}};
  static const VocabularyTable kSeg2{{"AT", "BU", "CZ", "DI", "EQ", "FN"},
                                     {"YA", "OT", "OA", "YF", "OF", "PE"}};
  static const VocabularyTable kSize{{"L", "M", "S"}, {}};
  static const VocabularyTable kPrice{{"LA", "MM", "UM", "XX"}, {}};
  static const VocabularyTable kType{{"Full Shop", "Small Shop", "Top Up", "XX"}, {}};
  static const VocabularyTable kMission{{"Fresh", "Grocery", "Mixed", "Nonfood", "XX"}, {}};
  static const VocabularyTable kFormat{{"LS", "MS", "SS", "XLS"}, {}};
  switch (vocabulary) {
    case Vocabulary::kSeg1:
      return kSeg1;
    case Vocabulary::kSeg2:
      return kSeg2;
    case Vocabulary::kBasketSize:
      return kSize;
    case Vocabulary::kBasketPriceSensitivity:
      return kPrice;
    case Vocabulary::kBasketType:
      return kType;
    case Vocabulary::kBasketMission:
      return kMission;
    case Vocabulary::kStoreFormat:
      return kFormat;
  }
  return kSize;
}

}  // namespace

std::string_view field_name(Field field) {
  return kCurrentNames[static_cast<int>(field)];
}

std::string_view variant_name(HeaderVariant variant) {
  return variant == HeaderVariant::kOld ? "old (CUST_PRICE_SENSITIVITY, CUST_LIFESTAGE)"
                                        : "current (seg_1, seg_2)";
}

HeaderLayout parse_header(std::string_view line, const std::string& file) {
  if (line.size() >= 3 && line.substr(0, 3) == "\xEF\xBB\xBF") line.remove_prefix(3);  // BOM
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  HeaderLayout layout;
  layout.position.fill(-1);
  bool saw_current_segments = false;
  bool saw_old_segments = false;
  int n_known = 0;
  size_t start = 0;
  for (int column = 0;; ++column) {
    size_t comma = line.find(',', start);
    std::string_view name =
        trim_name(line.substr(start, comma == std::string_view::npos ? line.npos : comma - start));
    layout.names.emplace_back(name);
    int field = -1;
    for (int f = 0; f < kFieldCount; ++f) {
      if (equal_ignoring_case(name, kCurrentNames[f])) field = f;
    }
    if (field == static_cast<int>(Field::kSeg1) || field == static_cast<int>(Field::kSeg2)) {
      saw_current_segments = true;
    }
    if (equal_ignoring_case(name, kOldSeg1)) field = static_cast<int>(Field::kSeg1);
    if (equal_ignoring_case(name, kOldSeg2)) field = static_cast<int>(Field::kSeg2);
    if (equal_ignoring_case(name, kOldSeg1) || equal_ignoring_case(name, kOldSeg2)) {
      saw_old_segments = true;
    }
    if (saw_current_segments && saw_old_segments) {
      fail_at({file, 1, column + 1, std::string(name)},
              "bad header: mixes the current (seg_1, seg_2) and old (CUST_PRICE_SENSITIVITY, "
              "CUST_LIFESTAGE) customer segment columns");
    }
    if (field < 0) {
      layout.ignored.emplace_back(name);
    } else {
      if (layout.position[field] >= 0) {
        fail_at({file, 1, column + 1, std::string(name)},
                "bad header: column {} appears twice (also column {})", name,
                layout.position[field] + 1);
      }
      layout.position[field] = column;
      ++n_known;
    }
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  layout.n_columns = static_cast<int>(layout.names.size());
  if (n_known == 0) {
    fail_at({file, 1, 0, ""},
            "unknown header: no LGSR transactions column found (expected SHOP_WEEK, SHOP_DATE, "
            "..., STORE_REGION); is this a transactions file?");
  }
  layout.variant = saw_old_segments ? HeaderVariant::kOld : HeaderVariant::kCurrent;
  std::vector<std::string> missing;
  for (int f = 0; f < kFieldCount; ++f) {
    if (layout.position[f] >= 0) continue;
    if (f == static_cast<int>(Field::kSeg1) && layout.variant == HeaderVariant::kOld) {
      missing.emplace_back(kOldSeg1);
    } else if (f == static_cast<int>(Field::kSeg2) && layout.variant == HeaderVariant::kOld) {
      missing.emplace_back(kOldSeg2);
    } else {
      missing.emplace_back(kCurrentNames[f]);
    }
  }
  if (!missing.empty()) {
    fail_at({file, 1, 0, ""}, "missing required column{} {}", missing.size() > 1 ? "s" : "",
            fmt::join(missing, ", "));
  }
  return layout;
}

const std::vector<std::string>& vocabulary_codes(Vocabulary vocabulary) {
  return table(vocabulary).codes;
}

const std::vector<std::string>& vocabulary_spellings(Vocabulary vocabulary, HeaderVariant variant) {
  const VocabularyTable& t = table(vocabulary);
  return (variant == HeaderVariant::kOld && !t.old_codes.empty()) ? t.old_codes : t.codes;
}

std::optional<int8_t> vocabulary_id(Vocabulary vocabulary, std::string_view code,
                                    HeaderVariant variant) {
  const auto& codes = vocabulary_spellings(vocabulary, variant);
  for (size_t i = 0; i < codes.size(); ++i) {
    if (codes[i] == code) return static_cast<int8_t>(i);
  }
  return std::nullopt;
}

}  // namespace retailsim::ingest
