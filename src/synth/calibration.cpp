// Calibration: the real LGSR sample's figures (hard-coded here, from
// /work/shared/data/lgsr-sample/PROFILE.md unless marked "sample weeks"), the generated
// counterparts counted while writing, and one similarity score per figure:
// 1 - KS distance (evaluated at the real quantile points) or 1 - total variation distance.
#include "synth/calibration.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <numeric>
#include <string>

namespace retailsim::synth {

namespace {

struct QuantilePoint {
  double x;  // value in the figure's unit
  double q;  // real share of values <= x
};

// --- Real figures ---------------------------------------------------------------------------
// PROFILE.md, SPEND per line quantiles (pounds).
constexpr std::array<QuantilePoint, 6> kSpendLine = {
    {{0.29, 0.05}, {0.77, 0.25}, {1.23, 0.5}, {2.08, 0.75}, {5.61, 0.95}, {11.31, 0.99}}};
// PROFILE.md, QUANTITY per line: median 1, 95% 3, 99% 7.
constexpr std::array<QuantilePoint, 3> kQuantity = {{{1, 0.5}, {3, 0.95}, {7, 0.99}}};
// PROFILE.md, lines per basket quantiles.
constexpr std::array<QuantilePoint, 5> kLinesPerBasket = {
    {{2, 0.25}, {4, 0.5}, {9, 0.75}, {21, 0.95}, {30, 0.99}}};
// PROFILE.md, spend per basket: median 6.48, 95% 42.61.
constexpr std::array<QuantilePoint, 2> kSpendBasket = {{{6.48, 0.5}, {42.61, 0.95}}};
// PROFILE.md, baskets per customer over the 113 profiled weeks (scaled to the generated weeks).
constexpr std::array<QuantilePoint, 4> kBasketsPerCustomer = {
    {{6, 0.25}, {39, 0.5}, {111, 0.75}, {265, 0.95}}};
constexpr double kProfiledWeeks = 113;
// PROFILE.md, co-purchase lift of sub-commodity pairs bought together in >= 50 baskets:
// quantiles, plus "74% above 1.5, 41% above 2".
constexpr std::array<QuantilePoint, 8> kLift = {{{1.20, 0.10},
                                                 {1.49, 0.25},
                                                 {1.5, 0.26},
                                                 {1.87, 0.5},
                                                 {2.0, 0.59},
                                                 {2.27, 0.75},
                                                 {2.72, 0.9},
                                                 {4.33, 0.99}}};
constexpr double kLiftMinBaskets = 50, kRealBaskets = 473028;
// PROFILE.md, stores per customer: 1..5 and 6+ (= 4,965 - the rest).
constexpr std::array<double, 6> kStoresPerCustomer = {1513, 809, 673, 540, 396, 1034};
// Sample weeks (rows by SHOP_HOUR 8..21 in the four real files; PROFILE.md: peak 13-15, 21 about
// twice 20).
constexpr std::array<double, 14> kHourRows = {4412, 3634, 5368, 6975, 8194, 10295, 9832,
                                              9199, 9127, 8907, 7206, 5941, 5258,  11016};
// PROFILE.md: SHOP_WEEKDAY flat.
constexpr std::array<double, 7> kWeekdayRows = {1, 1, 1, 1, 1, 1, 1};
// PROFILE.md, BASKET_TYPE per basket: Small Shop, Top Up, Full Shop, XX.
constexpr std::array<double, 4> kTypeShares = {55, 33, 11, 1.3};
// PROFILE.md, BASKET_DOMINANT_MISSION per basket: Fresh, Mixed, Grocery, Nonfood, XX (the rest).
constexpr std::array<double, 5> kMissionShares = {51, 24, 19, 5, 1};
// Sample weeks, BASKET_SIZE per basket: S, M, L.
constexpr std::array<double, 3> kSizeBaskets = {4127, 6467, 5417};
// PROFILE.md: anonymous baskets 20.5%.
constexpr double kAnonymousBasketShare = 0.205;
// PROFILE.md, STORE_FORMAT stores: LS, MS, SS, XLS.
constexpr std::array<double, 4> kFormatStores = {330, 236, 167, 28};
// Sample weeks, rows by STORE_FORMAT: LS, MS, SS, XLS.
constexpr std::array<double, 4> kFormatRows = {69044, 21796, 6333, 8191};
// PROFILE.md, department rows D00001..D00009 (thousands).
constexpr std::array<double, 9> kDepartmentRows = {271, 1480, 868, 22, 330, 5, 0.283, 50, 12};
// PROFILE.md, seg_1 rows AZ, BG, CT, DY (thousands).
constexpr std::array<double, 4> kSeg1Rows = {651, 677, 1110, 3.3};
// PROFILE.md, seg_2 rows: unknown (known rows 0.805 x 3,034k minus the named ones), AT, BU, CZ,
// DI, EQ, FN (thousands).
constexpr std::array<double, 7> kSeg2Rows = {295.6, 321, 733, 299, 501, 127, 166};

// --- Similarity measures --------------------------------------------------------------------

// 1 - KS distance at the real quantile points for a histogram with bins of width `unit`
// (values are bin * unit). For discrete values, real quantile q at x only says
// F(x-) <= q <= F(x), so the distance at a point is how far q lies outside [F(x-), F(x)].
Json ks_score(std::span<const uint64_t> hist, double unit, std::span<const QuantilePoint> real,
              double x_scale = 1.0) {
  const double total = static_cast<double>(std::accumulate(hist.begin(), hist.end(), uint64_t{0}));
  Json generated = Json::array();
  double worst = 0;
  for (const auto& point : real) {
    const double x = point.x * x_scale;
    const int64_t bin = std::llround(x / unit);
    uint64_t below = 0, at_or_below = 0;
    for (int64_t i = 0; i < static_cast<int64_t>(hist.size()); ++i) {
      if (i < bin) below += hist[i];
      if (i <= bin) at_or_below += hist[i];
    }
    const double f_lo = total > 0 ? below / total : 0, f_hi = total > 0 ? at_or_below / total : 0;
    worst = std::max({worst, f_lo - point.q, point.q - f_hi});
    generated.push_back(
        {{"x", x}, {"real_q", point.q}, {"generated_cdf_below", f_lo}, {"generated_cdf_at", f_hi}});
  }
  return {
      {"method", "1 - KS at real quantile points"}, {"score", 1.0 - worst}, {"points", generated}};
}

template <size_t N, typename T>
Json tvd_score(const std::array<double, N>& real, std::span<const T> generated,
               std::span<const char* const> names) {
  const double real_total = std::accumulate(real.begin(), real.end(), 0.0);
  double gen_total = 0;
  for (auto g : generated) gen_total += static_cast<double>(g);
  double tvd = 0;
  Json real_shares = Json::object(), gen_shares = Json::object();
  for (size_t i = 0; i < N; ++i) {
    const double r = real[i] / real_total;
    const double g = gen_total > 0 ? static_cast<double>(generated[i]) / gen_total : 0;
    tvd += std::abs(r - g) / 2;
    real_shares[names[i]] = r;
    gen_shares[names[i]] = g;
  }
  return {{"method", "1 - total variation distance"},
          {"score", 1.0 - tvd},
          {"real", real_shares},
          {"generated", gen_shares}};
}

std::vector<std::string> numbered(const char* prefix, int first, int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back(prefix + std::to_string(first + i));
  return out;
}

std::vector<const char*> pointers(const std::vector<std::string>& names) {
  std::vector<const char*> out;
  for (const auto& s : names) out.push_back(s.c_str());
  return out;
}

}  // namespace

CalibrationCounts::CalibrationCounts(int n_cl_)
    : n_cl(n_cl_),
      lines_hist(kMaxLines + 1),
      spend_line_hist(kMaxPence + 1),
      spend_basket_hist(kMaxPence + 1),
      quantity_hist(kMaxQuantity + 1),
      cl_baskets(n_cl_),
      pair_baskets(static_cast<size_t>(n_cl_) * n_cl_) {}

void CalibrationCounts::add_basket(const World& w, const Trip& trip,
                                   std::span<const TripLine> lines, bool anonymous,
                                   std::vector<int32_t>& cls) {
  const uint64_t n = lines.size();
  rows += n;
  ++baskets;
  anonymous_baskets += anonymous ? 1 : 0;
  spend_pence += trip.spend_pence;
  ++lines_hist[std::min<uint64_t>(n, kMaxLines)];
  ++spend_basket_hist[std::min<int64_t>(trip.spend_pence, kMaxPence)];
  ++type_baskets[trip.type];
  ++mission_baskets[trip.mission];
  ++size_baskets[trip.size];
  const DateInt date = add_days(w.calendar.at(0).date_from, trip.day);  // weekday only
  weekday_rows[lgsr_weekday(date) - 1] += n;
  hour_rows[trip.hour] += n;
  format_rows[w.store_format[trip.store]] += n;
  if (!anonymous) {
    seg1_rows[w.customer_seg1[trip.customer]] += n;
    seg2_rows[w.customer_seg2[trip.customer] + 1] += n;
  }
  cls.clear();
  for (const auto& line : lines) {
    ++spend_line_hist[std::min<int64_t>(line.spend_pence, kMaxPence)];
    ++quantity_hist[std::min(line.quantity, kMaxQuantity)];
    const int cl = w.product_cl[line.product];
    ++department_rows[w.g_dept[w.dep_g[w.cl_dep[cl]]]];
    cls.push_back(cl);
  }
  std::sort(cls.begin(), cls.end());
  cls.erase(std::unique(cls.begin(), cls.end()), cls.end());
  for (size_t i = 0; i < cls.size(); ++i) {
    ++cl_baskets[cls[i]];
    for (size_t j = i + 1; j < cls.size(); ++j)
      ++pair_baskets[static_cast<size_t>(cls[i]) * n_cl + cls[j]];
  }
}

void CalibrationCounts::merge(const CalibrationCounts& o) {
  rows += o.rows;
  baskets += o.baskets;
  anonymous_baskets += o.anonymous_baskets;
  spend_pence += o.spend_pence;
  auto add = [](auto& a, const auto& b) {
    for (size_t i = 0; i < a.size(); ++i) a[i] += b[i];
  };
  add(lines_hist, o.lines_hist);
  add(spend_line_hist, o.spend_line_hist);
  add(spend_basket_hist, o.spend_basket_hist);
  add(quantity_hist, o.quantity_hist);
  add(hour_rows, o.hour_rows);
  add(weekday_rows, o.weekday_rows);
  add(type_baskets, o.type_baskets);
  add(format_rows, o.format_rows);
  add(mission_baskets, o.mission_baskets);
  add(size_baskets, o.size_baskets);
  add(department_rows, o.department_rows);
  add(seg1_rows, o.seg1_rows);
  add(seg2_rows, o.seg2_rows);
  add(cl_baskets, o.cl_baskets);
  add(pair_baskets, o.pair_baskets);
}

Json calibration_report(const World& w, const CalibrationCounts& c,
                        const CustomerCounts& customers) {
  Json figures = Json::object();
  figures["spend_per_line"] = ks_score(c.spend_line_hist, 0.01, kSpendLine);
  figures["quantity_per_line"] = ks_score(c.quantity_hist, 1, kQuantity);
  figures["lines_per_basket"] = ks_score(c.lines_hist, 1, kLinesPerBasket);
  figures["spend_per_basket"] = ks_score(c.spend_basket_hist, 0.01, kSpendBasket);

  // Baskets and stores per known customer who shopped at least once.
  std::vector<uint64_t> per_customer_hist;
  std::array<uint64_t, 6> stores_hist{};
  uint64_t shoppers = 0;
  for (size_t i = 0; i < customers.baskets.size(); ++i) {
    const uint32_t n = customers.baskets[i];
    if (n == 0) continue;
    ++shoppers;
    if (per_customer_hist.size() <= n) per_customer_hist.resize(n + 1);
    ++per_customer_hist[n];
    ++stores_hist[std::min(6, std::popcount(customers.store_mask[i])) - 1];
  }
  const double week_scale = w.n_weeks() / kProfiledWeeks;
  figures["baskets_per_customer"] = ks_score(per_customer_hist, 1, kBasketsPerCustomer, week_scale);
  figures["baskets_per_customer"]["note"] = "real quantiles scaled by n_weeks / 113";
  constexpr std::array<const char*, 6> kStoreNames = {"1", "2", "3", "4", "5", "6+"};
  figures["stores_per_customer"] =
      tvd_score(kStoresPerCustomer, std::span<const uint64_t>(stores_hist), kStoreNames);

  auto hour_names = numbered("", 8, 14);
  figures["hour"] = tvd_score(kHourRows, std::span<const uint64_t>(c.hour_rows.data() + 8, 14),
                              pointers(hour_names));
  constexpr std::array<const char*, 7> kDays = {"1", "2", "3", "4", "5", "6", "7"};
  figures["weekday"] = tvd_score(kWeekdayRows, std::span<const uint64_t>(c.weekday_rows), kDays);
  figures["basket_type"] =
      tvd_score(kTypeShares, std::span<const uint64_t>(c.type_baskets), kTypeNames);
  figures["basket_mission"] =
      tvd_score(kMissionShares, std::span<const uint64_t>(c.mission_baskets), kMissionNames);
  figures["basket_size"] =
      tvd_score(kSizeBaskets, std::span<const uint64_t>(c.size_baskets), kSizeNames);
  const std::array<uint64_t, 2> anon = {c.anonymous_baskets, c.baskets - c.anonymous_baskets};
  constexpr std::array<const char*, 2> kAnonNames = {"anonymous", "known"};
  figures["anonymous_baskets"] =
      tvd_score(std::array<double, 2>{kAnonymousBasketShare, 1 - kAnonymousBasketShare},
                std::span<const uint64_t>(anon), kAnonNames);
  figures["format_rows"] =
      tvd_score(kFormatRows, std::span<const uint64_t>(c.format_rows), kFormatNames);
  std::array<uint64_t, 4> stores_by_format{};
  for (auto f : w.store_format) ++stores_by_format[f];
  figures["format_stores"] =
      tvd_score(kFormatStores, std::span<const uint64_t>(stores_by_format), kFormatNames);
  figures["department_rows"] = tvd_score(
      kDepartmentRows, std::span<const uint64_t>(c.department_rows), pointers(w.dept_code));
  figures["seg_1_rows"] = tvd_score(kSeg1Rows, std::span<const uint64_t>(c.seg1_rows), kSeg1Names);
  constexpr std::array<const char*, 7> kSeg2WithUnknown = {"\"\"", "AT", "BU", "CZ",
                                                           "DI",   "EQ", "FN"};
  figures["seg_2_rows"] =
      tvd_score(kSeg2Rows, std::span<const uint64_t>(c.seg2_rows), kSeg2WithUnknown);

  // Co-purchase lift of sub-commodity pairs bought together in enough baskets (the real
  // threshold of 50 scaled by the number of baskets).
  const double min_baskets =
      std::max(5.0, std::round(kLiftMinBaskets * static_cast<double>(c.baskets) / kRealBaskets));
  std::vector<double> lifts;
  for (int a = 0; a < c.n_cl; ++a) {
    for (int b = a + 1; b < c.n_cl; ++b) {
      const double both = c.pair_baskets[static_cast<size_t>(a) * c.n_cl + b];
      if (both < min_baskets) continue;
      lifts.push_back(both * static_cast<double>(c.baskets) /
                      (static_cast<double>(c.cl_baskets[a]) * c.cl_baskets[b]));
    }
  }
  std::sort(lifts.begin(), lifts.end());
  {
    double worst = lifts.empty() ? 1.0 : 0.0;
    Json points = Json::array();
    for (const auto& p : kLift) {
      if (lifts.empty()) break;
      const double f =
          static_cast<double>(std::upper_bound(lifts.begin(), lifts.end(), p.x) - lifts.begin()) /
          lifts.size();
      worst = std::max(worst, std::abs(f - p.q));
      points.push_back({{"x", p.x}, {"real_q", p.q}, {"generated_cdf", f}});
    }
    figures["co_purchase_lift"] = {{"method", "1 - KS at real quantile points"},
                                   {"score", 1.0 - worst},
                                   {"pairs", lifts.size()},
                                   {"min_baskets", min_baskets},
                                   {"points", points}};
  }

  Json scores = Json::object();
  for (auto& [name, figure] : figures.items()) scores[name] = figure["score"];
  const double n_baskets = std::max<double>(1, c.baskets);
  Json summary = {{"rows", c.rows},
                  {"baskets", c.baskets},
                  {"known_customers_shopping", shoppers},
                  {"mean_lines_per_basket", c.rows / n_baskets},
                  {"mean_spend_per_basket", c.spend_pence / 100.0 / n_baskets},
                  {"real_mean_lines_per_basket", 6.41},
                  {"real_mean_spend_per_basket", 12.21}};
  return {{"scores", scores},
          {"summary", summary},
          {"figures", figures},
          {"source", "real figures: shared/data/lgsr-sample/PROFILE.md and its four sample weeks"}};
}

}  // namespace retailsim::synth
