// The LGSR transactions schema: its fields, the header names (and old-variant aliases) they go by,
// and the closed code vocabularies of the enumerated fields.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace retailsim::ingest {

// The fields of a transactions row, in the order of the current header.
enum class Field : int8_t {
  kShopWeek,
  kShopDate,
  kShopWeekday,
  kShopHour,
  kQuantity,
  kSpend,
  kProdCode,
  kProdCode10,
  kProdCode20,
  kProdCode30,
  kProdCode40,
  kCustCode,
  kSeg1,  // CUST_PRICE_SENSITIVITY in the old header
  kSeg2,  // CUST_LIFESTAGE in the old header
  kBasketId,
  kBasketSize,
  kBasketPriceSensitivity,
  kBasketType,
  kBasketDominantMission,
  kStoreCode,
  kStoreFormat,
  kStoreRegion,
};
inline constexpr int kFieldCount = 22;

// The name a field has in the current header ("seg_1").
std::string_view field_name(Field field);

// Which header an input file carries; the old one names the customer segments differently and
// writes their codes in an older vocabulary.
enum class HeaderVariant : int8_t { kCurrent, kOld };
std::string_view variant_name(HeaderVariant variant);

// How one file's header maps onto the schema.
struct HeaderLayout {
  HeaderVariant variant = HeaderVariant::kCurrent;
  int n_columns = 0;                      // fields in the header line
  std::array<int, kFieldCount> position;  // 0-based column of each field
  std::vector<std::string> names;         // header names as written (for quarantine messages)
  std::vector<std::string> ignored;       // columns that are no LGSR field (ignored, reported)
};

// Reads a header line (without its line ending). Names match case-insensitively, may be quoted,
// and may come in any order. Throws Error naming `file` on an unknown header, a missing required
// column, a duplicate column or a header mixing both variants.
HeaderLayout parse_header(std::string_view line, const std::string& file);

// Closed vocabularies. Each enumerated field stores a small id into its list of codes (the
// current codes; the old variant's customer-segment codes are translated on the way in).
enum class Vocabulary : int8_t {
  kSeg1,
  kSeg2,
  kBasketSize,
  kBasketPriceSensitivity,
  kBasketType,
  kBasketMission,
  kStoreFormat,
};
const std::vector<std::string>& vocabulary_codes(Vocabulary vocabulary);
// The codes as a file of `variant` writes them, by id (the old variant spells segments otherwise).
const std::vector<std::string>& vocabulary_spellings(Vocabulary vocabulary, HeaderVariant variant);
// The id of `code` in the vocabulary for a file of `variant`; nullopt when it is not a known code.
std::optional<int8_t> vocabulary_id(Vocabulary vocabulary, std::string_view code,
                                    HeaderVariant variant);

}  // namespace retailsim::ingest
