// Corrupt rows: each kind breaks exactly the field it names, and kinds a first-row-trusting
// reader could blame on the wrong row are drawn only where they cannot.
#include <algorithm>
#include <set>

#include <gtest/gtest.h>

#include "synth/corruption.h"

namespace retailsim::synth {
namespace {

TEST(Corruption, BasketAndParentKindsOnlyWhereTheCorruptRowIsTheOddOne) {
  Rng rng(3);
  std::set<Corruption> first_row, later_row;
  for (int i = 0; i < 3000; ++i) {
    first_row.insert(draw_corruption(5, 0, false, rng));
    later_row.insert(draw_corruption(5, 2, true, rng));
  }
  EXPECT_FALSE(first_row.contains(Corruption::kBasketAttributeChanged));
  EXPECT_FALSE(first_row.contains(Corruption::kParentCodeMismatch));
  EXPECT_EQ(first_row.size(), static_cast<size_t>(kCorruptionKinds - 2));
  EXPECT_EQ(later_row.size(), static_cast<size_t>(kCorruptionKinds));
  for (int i = 0; i < 1000; ++i)
    EXPECT_NE(draw_corruption(2, 1, true, rng), Corruption::kBasketAttributeChanged);
}

TEST(Corruption, EachKindChangesTheRowAsNamed) {
  World w = build_world([] {
    SynthConfig c = SynthConfig::preset_named("tiny");
    c.n_customers = 5;
    return c;
  }());
  const std::string clean =
      "200607,20060415,7,19,2,1.86,PRD0900033,CL00001,DEP00001,G00001,D00001,CUST0000410727,BG,"
      "BU,994100100398294,L,MM,Full Shop,Mixed,STORE00001,LS,E02\n";
  Rng rng(1);
  auto corrupt = [&](Corruption kind) {
    std::string row = clean;
    corrupt_row(row, kind, w, rng);
    EXPECT_NE(row, clean);
    EXPECT_EQ(row.back(), '\n');
    return row;
  };
  EXPECT_NE(corrupt(Corruption::kZeroQuantity).find(",19,0,1.86,"), std::string::npos);
  EXPECT_NE(corrupt(Corruption::kNegativeSpend).find(",-1.86,"), std::string::npos);
  EXPECT_NE(corrupt(Corruption::kBadNumber).find(",1.86x,"), std::string::npos);
  EXPECT_NE(corrupt(Corruption::kWeekdayMismatch).find("20060415,1,"), std::string::npos);
  EXPECT_NE(corrupt(Corruption::kUnknownStoreFormat).find(",XXL,"), std::string::npos);
  EXPECT_NE(corrupt(Corruption::kHourOutOfRange).find(",7,25,"), std::string::npos);
  EXPECT_EQ(corrupt(Corruption::kBasketAttributeChanged).find("Full Shop"), std::string::npos);
  EXPECT_EQ(corrupt(Corruption::kParentCodeMismatch).find(",CL00001,"), std::string::npos);
  EXPECT_NE(corrupt(Corruption::kEmptyRequiredField).find("\"\""), std::string::npos);
  const std::string short_row = corrupt(Corruption::kWrongFieldCount);
  EXPECT_EQ(std::count(short_row.begin(), short_row.end(), ','), 20);
  EXPECT_EQ(corrupt(Corruption::kDateOutsideWeek).find("20060415"), std::string::npos);
}

}  // namespace
}  // namespace retailsim::synth
