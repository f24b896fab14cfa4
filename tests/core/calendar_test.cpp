// Tests of date arithmetic and the shop-week calendar.
#include "core/calendar.h"

#include <gtest/gtest.h>

#include <fstream>

#include "core/error.h"
#include "test_util.h"

namespace retailsim {
namespace {

namespace fs = std::filesystem;

TEST(Calendar, WeekdayIsOneForSunday) {
  EXPECT_EQ(lgsr_weekday(20060416), 1);  // Sunday
  EXPECT_EQ(lgsr_weekday(20060415), 7);  // Saturday
  EXPECT_EQ(lgsr_weekday(20060413), 5);  // Thursday
  EXPECT_EQ(lgsr_weekday(20000229), 3);  // Tuesday, leap day
}

TEST(Calendar, RejectsImpossibleDates) {
  EXPECT_FALSE(days_from_date(20060230));
  EXPECT_FALSE(days_from_date(20061301));
  EXPECT_FALSE(days_from_date(20070229));
  EXPECT_TRUE(days_from_date(20080229));
  EXPECT_EQ(add_days(20061231, 1), 20070101);
  EXPECT_EQ(date_from_days(*days_from_date(19991231)), 19991231);
}

TEST(Calendar, GeneratedLgsrCalendarMatchesRealTimeCsv) {
  auto path = testing::lgsr_sample_dir() / "time.csv";
  if (!fs::exists(path)) GTEST_SKIP() << "shared data not present";
  Calendar real = Calendar::read_csv(path);
  Calendar made = Calendar::lgsr(static_cast<int>(real.size()));
  ASSERT_EQ(real.size(), 142u);
  for (size_t i = 0; i < real.size(); ++i) {
    EXPECT_EQ(made.at(i).shop_week, real.at(i).shop_week) << i;
    EXPECT_EQ(made.at(i).date_from, real.at(i).date_from) << i;
    EXPECT_EQ(made.at(i).date_to, real.at(i).date_to) << i;
  }
}

TEST(Calendar, FindsWeekOfDate) {
  Calendar c = Calendar::lgsr(3);
  EXPECT_EQ(c.index_of_date(20060410), 0);
  EXPECT_EQ(c.index_of_date(20060423), 1);
  EXPECT_EQ(c.index_of_date(20060409), std::nullopt);
  EXPECT_EQ(c.index_of_week(200609), 2);
  EXPECT_EQ(c.index_of_week(200699), std::nullopt);
}

TEST(Calendar, BadRowNamesFileAndLine) {
  testing::ScratchDir dir;
  std::ofstream(dir / "time.csv") << "shop_week,date_from,date_to\n200607,20060410,20060416\n"
                                     "200608,2006x417,20060423\n";
  try {
    Calendar::read_csv(dir / "time.csv");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("time.csv:3"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace retailsim
