// Dates and the LGSR shop-week calendar: shop week (YYYYWW) <-> week index <-> dates.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace retailsim {

// A calendar date as the integer YYYYMMDD, as LGSR writes SHOP_DATE.
using DateInt = int32_t;

// Days since 1970-01-01 of a YYYYMMDD date (proleptic Gregorian); nullopt if it is no real date.
std::optional<int32_t> days_from_date(DateInt yyyymmdd);
DateInt date_from_days(int32_t days_since_epoch);
// LGSR weekday: 1 = Sunday ... 7 = Saturday.
int lgsr_weekday(DateInt yyyymmdd);
DateInt add_days(DateInt yyyymmdd, int32_t days);

struct ShopWeek {
  int32_t shop_week = 0;  // YYYYWW as in the files, e.g. 200607
  DateInt date_from = 0;  // Monday
  DateInt date_to = 0;    // Sunday
};

// The week calendar of time.csv. Week index = position in the calendar (0-based).
class Calendar {
 public:
  Calendar() = default;
  explicit Calendar(std::vector<ShopWeek> weeks);
  // Reads time.csv (header shop_week,date_from,date_to); throws Error naming file and line.
  static Calendar read_csv(const std::filesystem::path& path);
  // The LGSR calendar: `n_weeks` consecutive weeks starting with 200607 = 2006-04-10. Shop weeks
  // count 01..52 within a 52-week year that starts in late February, as in the real time.csv.
  static Calendar lgsr(int n_weeks, int32_t first_shop_week = 200607,
                       DateInt first_monday = 20060410);
  std::string to_csv() const;

  const std::vector<ShopWeek>& weeks() const { return weeks_; }
  size_t size() const { return weeks_.size(); }
  std::optional<int32_t> index_of_week(int32_t shop_week) const;
  // The week whose date range holds `date`, if any.
  std::optional<int32_t> index_of_date(DateInt date) const;
  const ShopWeek& at(size_t index) const { return weeks_.at(index); }

 private:
  std::vector<ShopWeek> weeks_;
};

}  // namespace retailsim
