// reports/rl.html: a self-contained page (no external assets, the style of reports/derive.html)
// with the policies' table and hand-written inline SVG plots: weekly profit of every policy in
// the truth (on real data the world model's market), profit lift by policy, and the agents'
// training curve.
#include <algorithm>
#include <map>
#include <string>

#include <fmt/format.h>

#include "core/html.h"
#include "rl/rl.h"

namespace retailsim::rl {

namespace {

std::string percent(const Json& value) {
  return value.is_number() ? fmt::format("{:+.2f} %", 100.0 * value.get<double>()) : "–";
}
std::string share(const Json& value) {
  return value.is_number() ? fmt::format("{:.2f} %", 100.0 * value.get<double>()) : "–";
}

// Lines over steps 1..n, one per named series (values times y_scale), with a legend.
std::string svg_lines(const std::vector<std::pair<std::string, std::vector<double>>>& series,
                      const std::string& x_label, double y_scale, const std::string& y_unit) {
  std::vector<SvgSeries> lines;
  for (const auto& [name, values] : series) {
    SvgSeries line{name, {}, false};
    for (size_t i = 0; i < values.size(); ++i)
      line.points.emplace_back(static_cast<double>(i + 1), values[i] * y_scale);
    lines.push_back(std::move(line));
  }
  return svg_line_chart(lines, x_label, y_unit);
}

// Horizontal bars of profit lift by policy, zero line marked.
std::string svg_lift_bars(const Json& policies) {
  std::vector<std::pair<std::string, double>> bars;
  for (const auto& [name, figures] : policies.items())
    if (figures["profit_lift"].is_number())
      bars.emplace_back(name, 100.0 * figures["profit_lift"].get<double>());
  if (bars.empty()) return "";
  constexpr double W = 760, left = 170, right = 70, row = 22;
  const double H = row * static_cast<double>(bars.size()) + 20;
  double lo = 0, hi = 0;
  for (const auto& [name, v] : bars) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  if (!(hi > lo)) hi = lo + 1;
  auto x = [&](double v) { return left + (v - lo) / (hi - lo) * (W - left - right); };
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" "
      "font-family=\"sans-serif\" font-size=\"11\">\n",
      W, H);
  for (size_t i = 0; i < bars.size(); ++i) {
    const double y0 = 10 + row * static_cast<double>(i);
    const double a = x(std::min(0.0, bars[i].second)), b = x(std::max(0.0, bars[i].second));
    svg += fmt::format(
        "<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>"
        "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{}\" fill=\"{}\"/>"
        "<text x=\"{:.1f}\" y=\"{:.1f}\">{:+.2f} %</text>\n",
        left - 6, y0 + 13, html_escape(bars[i].first), a, y0 + 2, std::max(1.0, b - a), row - 6,
        bars[i].second >= 0 ? "#2ca02c" : "#d62728", b + 4, y0 + 13, bars[i].second);
  }
  svg += fmt::format("<line x1=\"{0:.1f}\" y1=\"4\" x2=\"{0:.1f}\" y2=\"{1}\" stroke=\"#444\"/>\n",
                     x(0), H - 4);
  return svg + "</svg>\n";
}

}  // namespace

std::string rl_report_html(const Json& report, const std::vector<PolicyOutcome>& outcomes) {
  // The truth market, or on real data (no truth) the world model's.
  const std::string market = report.value("judged_in", std::string("truth"));
  const std::string market_words =
      market == "truth" ? "truth" : "world model's market (real data: no truth)";
  std::string html =
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>RetailSim rl report"
      "</title>\n<style>body{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#222}"
      "table{border-collapse:collapse;margin:0.5em 0 1.5em}td,th{border:1px solid #ccc;"
      "padding:3px 8px;text-align:right}th{background:#f4f4f4}td:first-child{text-align:left}"
      ".note{color:#555;font-size:90%}</style></head><body>\n";
  html += fmt::format("<h1>rl: policies judged in the {}</h1>\n", html_escape(market_words));
  html += fmt::format(
      "<p class=\"note\">Every policy runs in the <code>{}</code> market over the held-out "
      "weeks with the same random numbers. Profit lift is against historical prices and "
      "promotions replayed. Targets: pricing agent lift &ge; 5 % (stretch 10 %), 0 violations, "
      "&lt; 20 % of prices at a bound.</p>\n",
      html_escape(market));
  html +=
      "<table><tr><th>policy</th><th>profit lift</th><th>revenue wow CV</th><th>violations</th>"
      "<th>share at bounds</th><th>sim-to-real gap</th><th>profit (£)</th><th>revenue (£)</th>"
      "</tr>\n";
  for (const auto& [name, f] : report["policies"].items()) {
    const Json& d = report["details"][name];
    html += fmt::format(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.2f}</td>"
        "<td>{:.2f}</td></tr>\n",
        html_escape(name), percent(f["profit_lift"]), share(f["revenue_wow_cv"]),
        f["violations"].get<int64_t>(), share(f["share_at_bounds"]),
        f["sim_to_real_gap"].is_number() ? share(f["sim_to_real_gap"]) : "n/a",
        d["profit_cents"].get<double>() / 100, d["revenue_cents"].get<double>() / 100);
  }
  html += "</table>\n";
  html += fmt::format("<p class=\"note\">Sim-to-real gap: {}</p>\n",
                      html_escape(report.value("sim_to_real_note", std::string{})));
  html += "<h2>Profit lift over historical pricing</h2>\n" + svg_lift_bars(report["policies"]);
  std::vector<std::pair<std::string, std::vector<double>>> weekly;
  for (const auto& o : outcomes) weekly.emplace_back(o.name, o.weekly_profit_cents);
  html += "<h2>Weekly profit in the held-out weeks</h2>\n" +
          svg_lines(weekly, "held-out week", 0.01, "profit (£)");
  const Json& training = report["training"];
  if (training.contains("curve") && !training["curve"].empty()) {
    std::vector<double> profit, reward;
    for (const Json& point : training["curve"]) {
      profit.push_back(point["profit_vs_reference"].get<double>());
      reward.push_back(point["mean_reward"].get<double>());
    }
    html += fmt::format("<h2>Training ({} market, training weeks)</h2>\n", html_escape(market)) +
            svg_lines({{"profit / reference", profit}, {"shaped reward per product", reward}},
                      "PPO iteration", 1.0, "ratio");
  }
  return html + "</body></html>\n";
}

}  // namespace retailsim::rl
