// Civil-date arithmetic (Howard Hinnant's algorithms) and the shop-week calendar.
#include "core/calendar.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "core/error.h"

namespace retailsim {

namespace {

int32_t days_from_civil(int32_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int32_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int32_t>(doe) - 719468;
}

}  // namespace

std::optional<int32_t> days_from_date(DateInt v) {
  int32_t y = v / 10000;
  unsigned m = static_cast<unsigned>((v / 100) % 100);
  unsigned d = static_cast<unsigned>(v % 100);
  if (v <= 0 || m < 1 || m > 12 || d < 1) return std::nullopt;
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  unsigned max_day = kDays[m - 1] + (m == 2 && leap ? 1 : 0);
  if (d > max_day) return std::nullopt;
  return days_from_civil(y, m, d);
}

DateInt date_from_days(int32_t z) {
  z += 719468;
  const int32_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int32_t y = static_cast<int32_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
  return y * 10000 + static_cast<int32_t>(m) * 100 + static_cast<int32_t>(d);
}

int lgsr_weekday(DateInt date) {
  auto days = days_from_date(date);
  if (!days) return 0;
  // 1970-01-01 was a Thursday (LGSR 5).
  int32_t k = (*days % 7 + 7) % 7;  // 0 = Thursday
  return (k + 4) % 7 + 1;
}

DateInt add_days(DateInt date, int32_t days) {
  auto base = days_from_date(date);
  if (!base) fail("invalid date {}", date);
  return date_from_days(*base + days);
}

Calendar::Calendar(std::vector<ShopWeek> weeks) : weeks_(std::move(weeks)) {}

Calendar Calendar::read_csv(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) fail("cannot open {}", path.string());
  std::string line;
  std::vector<ShopWeek> weeks;
  int64_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    if (line_no == 1) {
      std::string lower = line;
      std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
      if (lower != "shop_week,date_from,date_to") {
        fail_at({path.string(), 1, 0, ""},
                "unexpected header '{}', expected shop_week,date_from,date_to", line);
      }
      continue;
    }
    ShopWeek w;
    char c1 = 0, c2 = 0;
    std::istringstream fields(line);
    if (!(fields >> w.shop_week >> c1 >> w.date_from >> c2 >> w.date_to) || c1 != ',' ||
        c2 != ',' || !days_from_date(w.date_from) || !days_from_date(w.date_to)) {
      fail_at({path.string(), line_no, 0, ""}, "cannot read calendar row '{}'", line);
    }
    weeks.push_back(w);
  }
  std::sort(weeks.begin(), weeks.end(),
            [](const ShopWeek& a, const ShopWeek& b) { return a.date_from < b.date_from; });
  return Calendar(std::move(weeks));
}

Calendar Calendar::lgsr(int n_weeks, int32_t first_shop_week, DateInt first_monday) {
  std::vector<ShopWeek> weeks;
  int32_t year = first_shop_week / 100;
  int32_t week = first_shop_week % 100;
  DateInt monday = first_monday;
  for (int i = 0; i < n_weeks; ++i) {
    weeks.push_back({year * 100 + week, monday, add_days(monday, 6)});
    monday = add_days(monday, 7);
    if (++week > 52) {
      week = 1;
      ++year;
    }
  }
  return Calendar(std::move(weeks));
}

std::string Calendar::to_csv() const {
  std::string out = "shop_week,date_from,date_to\n";
  for (const auto& w : weeks_)
    out += fmt::format("{},{},{}\n", w.shop_week, w.date_from, w.date_to);
  return out;
}

std::optional<int32_t> Calendar::index_of_week(int32_t shop_week) const {
  for (size_t i = 0; i < weeks_.size(); ++i) {
    if (weeks_[i].shop_week == shop_week) return static_cast<int32_t>(i);
  }
  return std::nullopt;
}

std::optional<int32_t> Calendar::index_of_date(DateInt date) const {
  auto it = std::upper_bound(weeks_.begin(), weeks_.end(), date,
                             [](DateInt d, const ShopWeek& w) { return d < w.date_from; });
  if (it == weeks_.begin()) return std::nullopt;
  --it;
  if (date > it->date_to) return std::nullopt;
  return static_cast<int32_t>(it - weeks_.begin());
}

}  // namespace retailsim
