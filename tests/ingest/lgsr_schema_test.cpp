// Tests of header resolution (any order, aliases, extra columns, bad headers) and vocabularies.
#include "ingest/lgsr_schema.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "lgsr_fixture.h"

namespace retailsim::ingest {
namespace {

std::string join(std::vector<std::string> names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) out += (i ? "," : "") + names[i];
  return out;
}

std::string error_of(const std::string& header) {
  try {
    parse_header(header, "transactions_x.csv");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(ParseHeader, FindsEveryFieldInAnyOrder) {
  auto names = testing::current_header();
  std::reverse(names.begin(), names.end());
  HeaderLayout layout = parse_header(join(names), "f.csv");
  EXPECT_EQ(layout.variant, HeaderVariant::kCurrent);
  EXPECT_EQ(layout.n_columns, kFieldCount);
  EXPECT_EQ(layout.position[static_cast<int>(Field::kShopWeek)], kFieldCount - 1);
  EXPECT_EQ(layout.position[static_cast<int>(Field::kStoreRegion)], 0);
  EXPECT_TRUE(layout.ignored.empty());
}

TEST(ParseHeader, AcceptsTheOldSegmentNamesAsAliases) {
  auto names = testing::current_header();
  names[12] = "CUST_PRICE_SENSITIVITY";
  names[13] = "CUST_LIFESTAGE";
  HeaderLayout layout = parse_header(join(names) + "\r", "f.csv");
  EXPECT_EQ(layout.variant, HeaderVariant::kOld);
  EXPECT_EQ(layout.position[static_cast<int>(Field::kSeg1)], 12);
  EXPECT_EQ(layout.position[static_cast<int>(Field::kSeg2)], 13);
}

TEST(ParseHeader, MatchesQuotedAndDifferentlyCasedNames) {
  auto names = testing::current_header();
  names[0] = "\"shop_week\"";
  names[12] = "SEG_1";
  EXPECT_NO_THROW(parse_header(join(names), "f.csv"));
}

TEST(ParseHeader, IgnoresAndReportsExtraUnknownColumns) {
  auto names = testing::current_header();
  names.insert(names.begin() + 3, "LOYALTY_POINTS");
  HeaderLayout layout = parse_header(join(names), "f.csv");
  EXPECT_EQ(layout.ignored, std::vector<std::string>{"LOYALTY_POINTS"});
  EXPECT_EQ(layout.position[static_cast<int>(Field::kShopHour)], 4);
}

TEST(ParseHeader, StopsOnAMissingRequiredColumnNamingFileAndColumn) {
  auto names = testing::current_header();
  names.erase(names.begin() + 5);  // SPEND
  std::string message = error_of(join(names));
  EXPECT_NE(message.find("transactions_x.csv"), std::string::npos) << message;
  EXPECT_NE(message.find("missing required column SPEND"), std::string::npos) << message;
}

TEST(ParseHeader, StopsOnAnUnknownHeader) {
  std::string message = error_of("name,age,city");
  EXPECT_NE(message.find("transactions_x.csv"), std::string::npos) << message;
  EXPECT_NE(message.find("unknown header"), std::string::npos) << message;
}

TEST(ParseHeader, StopsOnDuplicateColumnsAndMixedVariants) {
  auto names = testing::current_header();
  names.push_back("SHOP_WEEK");
  EXPECT_NE(error_of(join(names)).find("appears twice"), std::string::npos);
  names = testing::current_header();
  names.push_back("CUST_LIFESTAGE");
  EXPECT_NE(error_of(join(names)).find("mixes"), std::string::npos);
}

TEST(Vocabulary, TranslatesOldSegmentCodesToCurrentIds) {
  auto id = [](Vocabulary v, const char* code, HeaderVariant variant) {
    auto found = vocabulary_id(v, code, variant);
    return found ? vocabulary_codes(v)[static_cast<size_t>(*found)] : std::string("?");
  };
  const auto kOld = HeaderVariant::kOld;
  const auto kCur = HeaderVariant::kCurrent;
  EXPECT_EQ(id(Vocabulary::kSeg1, "LA", kOld), "AZ");
  EXPECT_EQ(id(Vocabulary::kSeg1, "UM", kOld), "BG");
  EXPECT_EQ(id(Vocabulary::kSeg1, "MM", kOld), "CT");
  EXPECT_EQ(id(Vocabulary::kSeg1, "XX", kOld), "DY");
  EXPECT_EQ(id(Vocabulary::kSeg2, "YA", kOld), "AT");
  EXPECT_EQ(id(Vocabulary::kSeg2, "OT", kOld), "BU");
  EXPECT_EQ(id(Vocabulary::kSeg2, "OA", kOld), "CZ");
  EXPECT_EQ(id(Vocabulary::kSeg2, "YF", kOld), "DI");
  EXPECT_EQ(id(Vocabulary::kSeg2, "OF", kOld), "EQ");
  EXPECT_EQ(id(Vocabulary::kSeg2, "PE", kOld), "FN");
  EXPECT_EQ(id(Vocabulary::kSeg1, "CT", kCur), "CT");
  EXPECT_EQ(id(Vocabulary::kSeg1, "CT", kOld), "?");  // a current code in an old-header file
  EXPECT_EQ(id(Vocabulary::kSeg1, "LA", kCur), "?");
  EXPECT_EQ(id(Vocabulary::kBasketType, "Top Up", kOld), "Top Up");
}

}  // namespace
}  // namespace retailsim::ingest
