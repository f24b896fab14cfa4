// T3, the 64-d encoding of a moment (week of year, weekday, hour, holidays, season, trend, the
// time since the customer's previous trip), and T6, the 48-d one-hot labels of a trip.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <numbers>

#include "core/calendar.h"
#include "prepare/prepare.h"

namespace retailsim::prepare {

namespace {

constexpr double kTwoPi = 2.0 * std::numbers::pi;

int32_t days_of(int year, int month, int day) {
  return *days_from_date(year * 10000 + month * 100 + day);
}

// Easter Sunday of a Gregorian year (the anonymous Gregorian algorithm), as days since 1970.
int32_t easter_days(int y) {
  const int a = y % 19, b = y / 100, c = y % 100, d = b / 4, e = b % 4, f = (b + 8) / 25;
  const int g = (b - f + 1) / 3, h = (19 * a + b - d - g + 15) % 30, i = c / 4, k = c % 4;
  const int l = (32 + 2 * e + 2 * i - h - k) % 7, m = (a + 11 * h + 22 * l) / 451;
  const int month = (h + l - 7 * m + 114) / 31, day = (h + l - 7 * m + 114) % 31 + 1;
  return days_of(y, month, day);
}

// Weekday of days since 1970-01-01 (a Thursday): 0 = Monday ... 6 = Sunday.
int monday_based_weekday(int32_t days) {
  return ((days % 7) + 7 + 3) % 7;
}

int32_t first_monday(int year, int month) {
  const int32_t d = days_of(year, month, 1);
  return d + (7 - monday_based_weekday(d)) % 7;
}
int32_t last_monday(int year, int month, int last_day) {
  const int32_t d = days_of(year, month, last_day);
  return d - monday_based_weekday(d);
}

// The UK (England) bank holidays of a year, as days since 1970.
std::vector<int32_t> bank_holidays(int y) {
  const int32_t easter = easter_days(y);
  return {days_of(y, 1, 1),
          easter - 2,
          easter + 1,
          first_monday(y, 5),
          last_monday(y, 5, 31),
          last_monday(y, 8, 31),
          days_of(y, 12, 25),
          days_of(y, 12, 26)};
}

int32_t nearest_distance(int32_t days, std::initializer_list<int32_t> candidates) {
  int32_t best = 1 << 30;
  for (int32_t c : candidates) best = std::min(best, std::abs(days - c));
  return best;
}

float clamp01(double x) {
  return static_cast<float>(std::clamp(x, 0.0, 1.0));
}

void encode_holidays(int32_t date, float* out8) {
  const auto days_opt = days_from_date(date);
  if (!days_opt) return;
  const int32_t days = *days_opt;
  const int year = date / 10000, month = date / 100 % 100, day = date % 100;
  const int32_t christmas = nearest_distance(
      days, {days_of(year - 1, 12, 25), days_of(year, 12, 25), days_of(year + 1, 12, 25)});
  const int32_t new_year = nearest_distance(days, {days_of(year, 1, 1), days_of(year + 1, 1, 1)});
  const int32_t easter = nearest_distance(days, {easter_days(year)});
  out8[0] = static_cast<float>(std::exp(-christmas / 7.0));
  out8[1] = month == 12 && day >= 18 && day <= 24 ? 1.0f : 0.0f;
  out8[2] = static_cast<float>(std::exp(-new_year / 7.0));
  out8[3] = static_cast<float>(std::exp(-easter / 4.0));
  const int32_t monday = days - monday_based_weekday(days);
  int32_t next_holiday = 1 << 30;
  bool holiday_week = false;
  for (int y : {year, year + 1}) {
    for (int32_t h : bank_holidays(y)) {
      if (h >= monday && h < monday + 7) holiday_week = true;
      if (h >= days) next_holiday = std::min(next_holiday, h - days);
    }
  }
  out8[4] = holiday_week ? 1.0f : 0.0f;
  out8[5] = clamp01(next_holiday / 60.0);
  const int md = month * 100 + day;
  out8[6] = md >= 720 && md <= 902 ? 1.0f : 0.0f;  // school summer holidays
  // Other school holidays: Christmas (20 Dec - 3 Jan) and the Easter fortnight.
  out8[7] = md >= 1220 || md <= 103 || easter <= 7 ? 1.0f : 0.0f;
}

}  // namespace

void encode_temporal(int32_t date, int weekday, int hour, int32_t shop_week, int32_t data_week,
                     int32_t n_weeks, int32_t weeks_since_previous, float* out64) {
  std::fill(out64, out64 + kT3Dims, 0.0f);
  if (shop_week > 0) {  // week of the shop year, 16
    const double wy = shop_week % 100;
    for (int k = 1; k <= 8; ++k) {
      out64[2 * (k - 1)] = static_cast<float>(std::sin(kTwoPi * k * wy / 52.0));
      out64[2 * (k - 1) + 1] = static_cast<float>(std::cos(kTwoPi * k * wy / 52.0));
    }
  }
  if (weekday >= 1 && weekday <= 7) {  // weekday, 8
    out64[16 + weekday - 1] = 1.0f;
    out64[23] = weekday == 1 || weekday == 7 ? 1.0f : 0.0f;
  }
  if (hour >= 0 && hour <= 23) {  // hour, 8
    for (int k = 1; k <= 2; ++k) {
      out64[24 + 2 * (k - 1)] = static_cast<float>(std::sin(kTwoPi * k * hour / 24.0));
      out64[24 + 2 * (k - 1) + 1] = static_cast<float>(std::cos(kTwoPi * k * hour / 24.0));
    }
    out64[28] = hour < 12 ? 1.0f : 0.0f;
    out64[29] = hour >= 12 && hour < 17 ? 1.0f : 0.0f;
    out64[30] = hour >= 17 ? 1.0f : 0.0f;
    out64[31] = static_cast<float>(hour / 23.0);
  }
  encode_holidays(date, out64 + 32);             // holiday, 8
  if (const auto days = days_from_date(date)) {  // season, 8
    const double doy = *days - days_of(date / 10000, 1, 1);
    for (int k = 1; k <= 2; ++k) {
      out64[40 + 2 * (k - 1)] = static_cast<float>(std::sin(kTwoPi * k * doy / 365.25));
      out64[40 + 2 * (k - 1) + 1] = static_cast<float>(std::cos(kTwoPi * k * doy / 365.25));
    }
    const int month = date / 100 % 100;
    out64[44 + (month % 12) / 3] = 1.0f;  // winter (Dec-Feb), spring, summer, autumn
  }
  if (n_weeks > 0) {  // trend over the data weeks, 8
    const double t = std::clamp((data_week + 0.5) / n_weeks, 0.0, 1.0);
    const double pi = std::numbers::pi;
    const double v[8] = {t,
                         t * t,
                         t * t * t,
                         std::sqrt(t),
                         std::sin(pi * t),
                         std::cos(pi * t),
                         std::sin(2 * pi * t),
                         std::cos(2 * pi * t)};
    for (int i = 0; i < 8; ++i) out64[48 + i] = static_cast<float>(v[i]);
  }
  if (weeks_since_previous >= 0) {  // recency, 8
    const double g = weeks_since_previous;
    out64[56] = clamp01(g / 52.0);
    out64[57] = static_cast<float>(std::exp(-g));
    out64[58] = static_cast<float>(std::exp(-g / 4.0));
    out64[59] = static_cast<float>(std::exp(-g / 13.0));
    out64[60 + (g == 0 ? 0 : g == 1 ? 1 : g <= 4 ? 2 : 3)] = 1.0f;
  }
}

void encode_trip(int8_t mission_type, int8_t mission_focus, int8_t price_sensitivity,
                 int8_t basket_size, float* out48) {
  std::fill(out48, out48 + kT6Dims, 0.0f);
  if (mission_type >= 0) out48[mission_type % 16] = 1.0f;
  if (mission_focus >= 0) out48[16 + mission_focus % 16] = 1.0f;
  if (price_sensitivity >= 0) out48[32 + price_sensitivity % 8] = 1.0f;
  if (basket_size >= 0) out48[40 + basket_size % 8] = 1.0f;
}

}  // namespace retailsim::prepare
