// Turning clean LGSR rows into rows with one known defect each.
#include "synth/corruption.h"

#include <string_view>
#include <vector>

#include "core/calendar.h"
#include "synth/lgsr_writer.h"

namespace retailsim::synth {

namespace {

// Field positions in the LGSR header.
enum Field : int {
  kShopWeek = 0,
  kShopDate = 1,
  kWeekday = 2,
  kHour = 3,
  kQuantity = 4,
  kSpend = 5,
  kProdCode = 6,
  kProdCode10 = 7,
  kBasketId = 14,
  kBasketType = 17,
  kStoreCode = 19,
  kStoreFormat = 20
};

std::vector<std::string> split_row(std::string_view row) {
  if (!row.empty() && row.back() == '\n') row.remove_suffix(1);
  std::vector<std::string> fields;
  size_t start = 0;
  for (;;) {
    size_t comma = row.find(',', start);
    fields.emplace_back(row.substr(start, comma - start));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return fields;
}

}  // namespace

Corruption draw_corruption(int basket_rows, int row_in_basket, bool product_seen_before, Rng& rng) {
  for (;;) {
    auto kind = static_cast<Corruption>(rng.below(kCorruptionKinds));
    if (kind == Corruption::kBasketAttributeChanged && (basket_rows < 3 || row_in_basket == 0))
      continue;
    if (kind == Corruption::kParentCodeMismatch && !product_seen_before) continue;
    return kind;
  }
}

void corrupt_row(std::string& row, Corruption kind, const World& world, Rng& rng) {
  auto f = split_row(row);
  switch (kind) {
    case Corruption::kBadNumber:
      f[kSpend] += "x";
      break;
    case Corruption::kNegativeSpend:
      f[kSpend] = "-" + f[kSpend];
      break;
    case Corruption::kZeroQuantity:
      f[kQuantity].assign(1, '0');
      break;
    case Corruption::kWeekdayMismatch:
      f[kWeekday] = std::to_string(std::stoi(f[kWeekday]) % 7 + 1);
      break;
    case Corruption::kDateOutsideWeek: {
      const int shift = rng.bernoulli(0.5) ? 7 * static_cast<int>(1 + rng.below(3))
                                           : -7 * static_cast<int>(1 + rng.below(3));
      f[kShopDate] = std::to_string(add_days(std::stoi(f[kShopDate]), shift));
      break;
    }
    case Corruption::kUnknownStoreFormat:
      f[kStoreFormat] = std::string("XXL");
      break;
    case Corruption::kBasketAttributeChanged: {
      int type = 0;
      for (int t = 0; t < 4; ++t)
        if (f[kBasketType] == kTypeNames[t]) type = t;
      f[kBasketType] = kTypeNames[(type + 1 + rng.below(2)) % 3];
      break;
    }
    case Corruption::kParentCodeMismatch: {
      int cl = 0;
      for (int c = 0; c < world.n_cl(); ++c)
        if (world.cl_code[c] == f[kProdCode10]) cl = c;
      f[kProdCode10] = world.cl_code[(cl + 1 + rng.below(world.n_cl() - 1)) % world.n_cl()];
      break;
    }
    case Corruption::kEmptyRequiredField: {
      constexpr std::array<int, 4> kRequired = {kProdCode, kStoreCode, kBasketId, kShopDate};
      f[kRequired[rng.below(kRequired.size())]] = std::string("\"\"");
      break;
    }
    case Corruption::kWrongFieldCount:
      f.pop_back();
      break;
    case Corruption::kHourOutOfRange:
      f[kHour] = std::string("25");
      break;
  }
  row.clear();
  for (size_t i = 0; i < f.size(); ++i) {
    if (i > 0) row.push_back(',');
    row += f[i];
  }
  row.push_back('\n');
}

}  // namespace retailsim::synth
