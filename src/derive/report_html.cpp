// reports/derive.html: a self-contained page (no external assets) with the report's tables and
// hand-written inline SVG plots of derived against true base prices, promotion weeks marked.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include <fmt/format.h>

#include "core/html.h"
#include "derive/stage_io.h"

namespace retailsim::derive {

namespace {

std::string percent(const Json& value) {
  return value.is_number() ? fmt::format("{:.2f} %", 100.0 * value.get<double>()) : "–";
}
std::string number(const Json& value) {
  if (value.is_number_integer()) return fmt::format("{}", value.get<int64_t>());
  if (value.is_number()) return fmt::format("{:.4f}", value.get<double>());
  return "–";
}

const char* colour_of(size_t estimator_index) {
  constexpr const char* kColours[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd"};
  return kColours[estimator_index % 4];
}

// One series: weeks on x, cents on y; shaded weeks are promotions (true ones when known).
std::string svg_plot(const Json& s, const std::vector<std::string>& names) {
  constexpr double W = 760, H = 240, left = 56, right = 150, top = 14, bottom = 34;
  const Json& weeks = s["weeks"];
  if (weeks.empty()) return "";
  const bool truth = s.contains("true_base");
  double lo = std::numeric_limits<double>::max(), hi = 0;
  auto widen = [&](const Json& values) {
    for (const Json& v : values) {
      if (!v.is_number()) continue;
      lo = std::min(lo, v.get<double>());
      hi = std::max(hi, v.get<double>());
    }
  };
  widen(s["actual"]);
  for (const std::string& name : names) widen(s["base"][name]);
  if (truth) widen(s["true_base"]);
  if (!(hi > lo)) {
    lo *= 0.9;
    hi = hi * 1.1 + 1;
  }
  const double pad = (hi - lo) * 0.08;
  lo -= pad;
  hi += pad;
  const double w0 = weeks.front().get<double>(), w1 = std::max(w0 + 1, weeks.back().get<double>());
  const double step = (W - left - right) / (w1 - w0 + 1);
  auto x = [&](double week) { return left + (week - w0 + 0.5) * step; };
  auto y = [&](double cents) { return top + (hi - cents) / (hi - lo) * (H - top - bottom); };

  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" "
      "font-family=\"sans-serif\" font-size=\"11\">\n",
      W, H);
  // Promotion weeks.
  const Json& promo = truth ? s["true_promo"] : s["derived_promo"];
  for (size_t i = 0; i < weeks.size(); ++i) {
    if (promo[i].get<int>()) {
      svg += fmt::format(
          "<rect x=\"{:.1f}\" y=\"{}\" width=\"{:.1f}\" height=\"{}\" fill=\"#ffe0b3\"/>\n",
          x(weeks[i].get<double>()) - step / 2, top, step, H - top - bottom);
    }
  }
  // Derived promotion flags of the selected estimator as ticks under the plot area.
  if (truth) {
    for (size_t i = 0; i < weeks.size(); ++i) {
      if (s["derived_promo"][i].get<int>()) {
        svg += fmt::format(
            "<rect x=\"{:.1f}\" y=\"{}\" width=\"{:.1f}\" height=\"4\" "
            "fill=\"#e67e00\"/>\n",
            x(weeks[i].get<double>()) - step / 2, H - bottom + 1, step);
      }
    }
  }
  // Axes and y ticks.
  svg += svg_axes(left, top, W - right, H - bottom, lo, hi, 0);
  const size_t every = std::max<size_t>(1, weeks.size() / 8);
  for (size_t i = 0; i < weeks.size(); i += every) {
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n",
                       x(weeks[i].get<double>()), H - bottom + 18, s["shop_weeks"][i].get<int>());
  }
  auto polyline = [&](const Json& values, const char* colour, const char* dash) {
    std::string points;
    for (size_t i = 0; i < weeks.size(); ++i) {
      if (!values[i].is_number()) continue;
      points +=
          fmt::format("{:.1f},{:.1f} ", x(weeks[i].get<double>()), y(values[i].get<double>()));
    }
    return fmt::format(
        "<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"1.6\" "
        "stroke-dasharray=\"{}\"/>\n",
        points, colour, dash);
  };
  if (truth) svg += polyline(s["true_base"], "#000", "5,3");
  for (size_t e = 0; e < names.size(); ++e) svg += polyline(s["base"][names[e]], colour_of(e), "");
  for (size_t i = 0; i < weeks.size(); ++i) {
    svg += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"2.2\" fill=\"#888\"/>\n",
                       x(weeks[i].get<double>()), y(s["actual"][i].get<double>()));
  }
  // Legend.
  double ly = top + 8;
  auto legend = [&](const std::string& label, const char* colour, const char* dash) {
    svg += fmt::format(
        "<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"{3}\" stroke-width=\"2\" "
        "stroke-dasharray=\"{4}\"/><text x=\"{5}\" y=\"{6}\">{7}</text>\n",
        W - right + 10, ly, W - right + 34, colour, dash, W - right + 38, ly + 4,
        html_escape(label));
    ly += 16;
  };
  if (truth) legend("true base", "#000", "5,3");
  for (size_t e = 0; e < names.size(); ++e) legend(names[e], colour_of(e), "");
  svg += fmt::format(
      "<circle cx=\"{}\" cy=\"{}\" r=\"2.5\" fill=\"#888\"/>"
      "<text x=\"{}\" y=\"{}\">actual price</text>\n",
      W - right + 22, ly, W - right + 38, ly + 4);
  ly += 16;
  svg += fmt::format(
      "<rect x=\"{}\" y=\"{}\" width=\"24\" height=\"10\" fill=\"#ffe0b3\"/>"
      "<text x=\"{}\" y=\"{}\">{}</text>\n",
      W - right + 10, ly - 5, W - right + 38, ly + 4, truth ? "true promo" : "derived promo");
  if (truth) {
    ly += 16;
    svg += fmt::format(
        "<rect x=\"{}\" y=\"{}\" width=\"24\" height=\"4\" fill=\"#e67e00\"/>"
        "<text x=\"{}\" y=\"{}\">derived promo</text>\n",
        W - right + 10, ly - 2, W - right + 38, ly + 4);
  }
  svg += "</svg>\n";
  return svg;
}

}  // namespace

std::string report_html(const Json& report, const Json& series) {
  const bool truth = report.value("has_truth", false);
  const std::string selected = report.value("selected", std::string());
  std::vector<std::string> names;
  for (const auto& [name, figures] : report["estimators"].items()) names.push_back(name);

  std::string html =
      html_page_begin("RetailSim derive report", "derive: prices, promotions, graph, affinity");
  const Json& data = report["data"];
  html += fmt::format(
      "<p>{} rows, {} products, {} stores, {} customers, {} weeks from shop week {}. {}</p>\n",
      number(data["rows"]), number(data["products"]), number(data["stores"]),
      number(data["customers"]), number(data["weeks"]), number(data["first_shop_week"]),
      truth ? "Synthetic data: derived figures are compared with the generator's truth."
            : "No truth/ folder (real data): the truth columns are left out.");

  html += "<h2>Base-price estimators</h2>\n";
  std::vector<std::vector<std::string>> rows;
  for (const std::string& name : names) {
    const Json& e = report["estimators"][name];
    std::vector<std::string> row = {html_escape(name) + (name == selected ? " (selected)" : ""),
                                    percent(e["promo_cell_share"]), percent(e["mean_promo_depth"])};
    if (truth) {
      for (const char* key : {"base_price_mape", "promo_precision", "promo_recall", "promo_f1",
                              "discount_depth_mae"}) {
        row.push_back(std::string(key) == "discount_depth_mae" ? number(e[key]) : percent(e[key]));
      }
    }
    rows.push_back(row);
  }
  std::vector<std::string> header = {"estimator", "promo cells", "mean promo depth"};
  if (truth) {
    for (const char* h :
         {"base-price MAPE", "promo precision", "promo recall", "promo F1", "discount-depth MAE"}) {
      header.push_back(h);
    }
  }
  html += html_table(header, rows);
  if (truth) {
    html +=
        "<h3>Where the estimators fall short</h3>\n<p class=\"note\">Promo recall by the true "
        "promotion's length (a centred 4-week max loses the shelf price inside long "
        "promotions); base-price MAPE in the week before a shelf-price rise (a centred window "
        "lifts it); share of non-promotion cells flagged as promotions in the two weeks after a "
        "price cut.</p>\n";
    rows.clear();
    for (const std::string& name : names) {
      const Json& f = report["estimators"][name]["shortfalls"];
      const Json& by = f["promo_recall_by_promo_weeks"];
      rows.push_back({html_escape(name), percent(by["1"]), percent(by["2"]), percent(by["3"]),
                      percent(by["4"]), percent(f["base_price_mape_week_before_rise"]),
                      percent(f["false_promo_rate_after_cut"])});
    }
    html += html_table({"estimator", "recall, 1-week promos", "2 weeks", "3 weeks", "4 weeks",
                        "MAPE week before rise", "false promos after cut"},
                       rows);
    html += fmt::format("<p class=\"note\">{} observed cells compared; actual-price MAPE {}.</p>\n",
                        number(report["truth"]["cells_compared"]),
                        percent(report["truth"]["actual_price_mape"]));
  }
  if (report.contains("prices")) {
    const Json& p = report["prices"];
    html += fmt::format(
        "<h2>Prices</h2>\n<p>{} rows in, {} without a unit price, {} removed as outliers; {} "
        "observed cells.</p>\n",
        number(p["rows_in"]), number(p["rows_invalid"]), number(p["rows_removed_as_outliers"]),
        number(p["cells"]));
    rows.clear();
    for (const auto& [level, share] : p["waterfall_level_share"].items()) {
      rows.push_back({html_escape(level), percent(share)});
    }
    html +=
        "<p>Product × store × week grid cells by waterfall level (the same for every "
        "estimator):</p>\n" +
        html_table({"level", "share of cells"}, rows);
  }
  if (report.contains("graph")) {
    const Json& g = report["graph"];
    html += fmt::format(
        "<h2>Product graph</h2>\n<p>{} baskets, {} co-purchased pairs, {} complement edges, {} "
        "substitute edges.",
        number(g["baskets"]), number(g["pairs"]), number(g["complement_edges"]),
        number(g["substitute_edges"]));
    if (g.contains("true_complement_share")) {
      html += fmt::format(
          " Share of top-k complement edges joining a true complement category pair: <b>{}</b> "
          "(by chance: {}).",
          percent(g["true_complement_share"]), percent(g["true_complement_share_by_chance"]));
    }
    html += "</p>\n";
  }
  if (report.contains("affinity")) {
    const Json& a = report["affinity"];
    html += fmt::format(
        "<h2>Customer–store affinity</h2>\n<p>{} customers with trips; mean loyalty {}, mean "
        "stores {}, mean switching rate {}.",
        number(a["customers_with_trips"]), percent(a["mean_loyalty"]), number(a["mean_stores"]),
        percent(a["mean_switching_rate"]));
    if (a.contains("primary_store_accuracy")) {
      html += fmt::format(" Primary store = true home store for <b>{}</b> of {} customers.",
                          percent(a["primary_store_accuracy"]), number(a["customers_compared"]));
    }
    html += "</p>\n";
  }
  if (report.contains("missions")) {
    html += fmt::format(
        "<h2>Missions</h2>\n<p>Mean share of spend on promoted lines: {}; mean lines a trip: "
        "{}.</p>\n",
        percent(report["missions"]["mean_promo_spend_share"]),
        number(report["missions"]["mean_lines"]));
  }
  if (!series.empty()) {
    html += fmt::format(
        "<h2>Base prices over time</h2>\n<p class=\"note\">Observed weeks of a few product–store "
        "series (cents). Shaded: {} promotion weeks{}.</p>\n",
        truth ? "true" : "derived (" + html_escape(selected) + ")",
        truth ? "; orange ticks under the axis: promotions derived by " + html_escape(selected)
              : "");
    for (const Json& s : series) {
      html += fmt::format("<h3>{} in {}</h3>\n", html_escape(s["product_code"].get<std::string>()),
                          html_escape(s["store_code"].get<std::string>()));
      html += svg_plot(s, names);
    }
  }
  html += html_page_end();
  return html;
}

}  // namespace retailsim::derive
