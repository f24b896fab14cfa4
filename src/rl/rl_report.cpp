// reports/rl.json: every policy's figures in the truth, against replayed historical pricing.
#include <cmath>

#include "core/error.h"
#include "rl/rl.h"

namespace retailsim::rl {

double week_over_week_cv(std::span<const double> weekly) {
  std::vector<double> changes;
  for (size_t t = 1; t < weekly.size(); ++t)
    if (weekly[t - 1] != 0) changes.push_back((weekly[t] - weekly[t - 1]) / weekly[t - 1]);
  if (changes.size() < 2) return 0;
  double mean = 0;
  for (double c : changes) mean += c;
  mean /= static_cast<double>(changes.size());
  double ss = 0;
  for (double c : changes) ss += (c - mean) * (c - mean);
  return std::sqrt(ss / static_cast<double>(changes.size() - 1));
}

Json outcome_details(const PolicyOutcome& o) {
  return {{"profit_cents", o.profit_cents},
          {"revenue_cents", o.revenue_cents},
          {"units", o.units},
          {"stockout_units", o.stockout_units},
          {"waste_units", o.waste_units},
          {"prices_set", o.prices_set},
          {"weekly_profit_cents", o.weekly_profit_cents},
          {"weekly_revenue_cents", o.weekly_revenue_cents}};
}

Json rl_report(const std::vector<PolicyOutcome>& outcomes, const Json& predicted_profit_cents,
               const std::string& sim_to_real_note, const Json& training) {
  const PolicyOutcome* baseline = nullptr;
  for (const auto& o : outcomes)
    if (o.name == "historical") baseline = &o;
  if (!baseline) fail("rl report: the 'historical' policy was not judged");
  Json policies = Json::object(), details = Json::object();
  for (const auto& o : outcomes) {
    Json gap = nullptr;
    if (predicted_profit_cents.contains(o.name) && o.profit_cents != 0) {
      const double predicted = predicted_profit_cents[o.name].get<double>();
      gap = std::abs(predicted - o.profit_cents) / std::abs(o.profit_cents);
    }
    policies[o.name] = {{"profit_lift", baseline->profit_cents != 0
                                            ? Json(o.profit_cents / baseline->profit_cents - 1)
                                            : Json(nullptr)},
                        {"revenue_wow_cv", week_over_week_cv(o.weekly_revenue_cents)},
                        {"violations", o.violations},
                        {"share_at_bounds", o.prices_set ? static_cast<double>(o.prices_at_bound) /
                                                               static_cast<double>(o.prices_set)
                                                         : 0.0},
                        {"sim_to_real_gap", gap}};
    details[o.name] = outcome_details(o);
  }
  return Json{{"policies", policies},
              {"baseline", "historical"},
              {"sim_to_real_note", sim_to_real_note},
              {"details", details},
              {"training", training},
              {"targets",
               {{"pricing_profit_lift_min", 0.05},
                {"pricing_profit_lift_stretch", 0.10},
                {"violations", 0},
                {"share_at_bounds_max", 0.20},
                {"sim_to_real_gap_max", 0.05}}}};
}

}  // namespace retailsim::rl
