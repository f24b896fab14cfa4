// reports/evaluation.html: every method's metrics side by side, cold-start customers, a bar chart
// of Recall@10 and NDCG@10, NDCG@10 by target week (inline SVG), the store-visit methods, the
// models' learning curves, the calibration plot and the tuned TIFU-KNN settings.
#include <algorithm>
#include <limits>

#include <fmt/format.h>

#include "core/html.h"
#include "eval/eval.h"

namespace retailsim::eval {

namespace {

std::string number(const Json& value) {
  if (value.is_number_integer()) return fmt::format("{}", value.get<int64_t>());
  if (value.is_number()) return fmt::format("{:.4f}", value.get<double>());
  return "–";
}

const char* colour_of(size_t i) {
  constexpr const char* kColours[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd",
                                      "#ff7f0e", "#8c564b", "#e377c2", "#7f7f7f"};
  return kColours[i % 8];
}

double value_or_zero(const Json& v) {
  return v.is_number() ? v.get<double>() : 0.0;
}

std::string metrics_table(const Json& methods, const std::vector<std::string>& columns) {
  std::vector<std::string> header = {"method", "cases"};
  header.insert(header.end(), columns.begin(), columns.end());
  std::vector<std::vector<std::string>> rows;
  for (const auto& [name, m] : methods.items()) {
    std::vector<std::string> row = {html_escape(name), number(m["n_cases"])};
    for (const std::string& c : columns) row.push_back(number(m.value(c, Json())));
    rows.push_back(row);
  }
  return html_table(header, rows);
}

// Grouped bars: one group per method, one bar per metric.
std::string bar_chart(const Json& methods, const std::vector<std::string>& metrics) {
  constexpr double W = 760, H = 260, left = 50, top = 14, bottom = 60;
  const size_t n = methods.size();
  if (n == 0) return "";
  double hi = 0;
  for (const auto& [name, m] : methods.items()) {
    for (const std::string& k : metrics) hi = std::max(hi, value_or_zero(m.value(k, Json())));
  }
  hi = hi > 0 ? hi * 1.1 : 1.0;
  const double group = (W - left - 20) / static_cast<double>(n);
  const double bar = group * 0.8 / static_cast<double>(metrics.size());
  auto y = [&](double v) { return top + (hi - v) / hi * (H - top - bottom); };
  std::string svg = fmt::format(
      "<svg width=\"{}\" height=\"{}\" xmlns=\"http://www.w3.org/2000/svg\" "
      "font-size=\"11\">\n<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#888\"/>\n",
      W, H, left, y(0), W - 20, y(0));
  for (int t = 0; t <= 4; ++t) {
    const double v = hi * t / 4;
    svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{:.3f}</text>\n", left - 4,
                       y(v) + 4, v);
  }
  size_t i = 0;
  for (const auto& [name, m] : methods.items()) {
    const double x0 = left + group * static_cast<double>(i) + group * 0.1;
    for (size_t k = 0; k < metrics.size(); ++k) {
      const double v = value_or_zero(m.value(metrics[k], Json()));
      svg += fmt::format(
          "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\">"
          "<title>{} {}: {:.4f}</title></rect>\n",
          x0 + bar * static_cast<double>(k), y(v), bar * 0.95, y(0) - y(v), colour_of(k),
          html_escape(name), metrics[k], v);
    }
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>\n",
                       x0 + group * 0.4, y(0) + 16, html_escape(name));
    ++i;
  }
  for (size_t k = 0; k < metrics.size(); ++k) {
    const double lx = left + 120.0 * static_cast<double>(k);
    svg += fmt::format(
        "<rect x=\"{}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"{}\"/><text x=\"{}\" "
        "y=\"{}\">{}</text>\n",
        lx, H - 22, colour_of(k), lx + 16, H - 12, metrics[k]);
  }
  return svg + "</svg>\n";
}

// One line per method: the metric over target weeks.
std::string week_chart(const Json& by_week, const std::string& metric) {
  constexpr double W = 760, H = 240, left = 50, right = 150, top = 14, bottom = 34;
  std::vector<std::string> weeks;
  double hi = 0;
  for (const auto& [name, slices] : by_week.items()) {
    for (const auto& [week, m] : slices.items()) {
      if (std::find(weeks.begin(), weeks.end(), week) == weeks.end()) weeks.push_back(week);
      hi = std::max(hi, value_or_zero(m.value(metric, Json())));
    }
  }
  if (weeks.size() < 2) return "";
  std::sort(weeks.begin(), weeks.end());
  hi = hi > 0 ? hi * 1.1 : 1.0;
  const double step = (W - left - right) / static_cast<double>(weeks.size() - 1);
  auto x = [&](size_t i) { return left + step * static_cast<double>(i); };
  auto y = [&](double v) { return top + (hi - v) / hi * (H - top - bottom); };
  std::string svg = fmt::format(
      "<svg width=\"{}\" height=\"{}\" xmlns=\"http://www.w3.org/2000/svg\" "
      "font-size=\"11\">\n<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#888\"/>\n",
      W, H, left, y(0), W - right, y(0));
  for (int t = 0; t <= 4; ++t) {
    const double v = hi * t / 4;
    svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{:.3f}</text>\n", left - 4,
                       y(v) + 4, v);
  }
  svg += fmt::format(
      "<text x=\"{}\" y=\"{}\">{}</text><text x=\"{}\" y=\"{}\" "
      "text-anchor=\"end\">{}</text>\n",
      left, H - 8, weeks.front(), W - right, H - 8, weeks.back());
  size_t i = 0;
  for (const auto& [name, slices] : by_week.items()) {
    std::string points;
    for (size_t w = 0; w < weeks.size(); ++w) {
      if (!slices.contains(weeks[w])) continue;
      points += fmt::format("{:.1f},{:.1f} ", x(w),
                            y(value_or_zero(slices[weeks[w]].value(metric, Json()))));
    }
    svg += fmt::format(
        "<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"1.5\"/>\n"
        "<text x=\"{}\" y=\"{}\" fill=\"{}\">{}</text>\n",
        points, colour_of(i), W - right + 8, top + 14.0 * static_cast<double>(i) + 8, colour_of(i),
        html_escape(name));
    ++i;
  }
  return svg + "</svg>\n";
}

// Reliability diagram: observed rate against mean predicted probability per bin, the diagonal
// being perfect calibration.
std::string calibration_chart(const Json& calibration) {
  constexpr double S = 300, pad = 40;
  std::string svg = fmt::format(
      "<svg width=\"{0}\" height=\"{0}\" xmlns=\"http://www.w3.org/2000/svg\" "
      "font-size=\"11\">\n<rect x=\"{1}\" y=\"{1}\" width=\"{2}\" height=\"{2}\" "
      "fill=\"none\" stroke=\"#888\"/>\n<line x1=\"{1}\" y1=\"{3}\" x2=\"{3}\" y2=\"{1}\" "
      "stroke=\"#bbb\" stroke-dasharray=\"4,3\"/>\n<text x=\"{1}\" y=\"{4}\">predicted</text>"
      "<text x=\"4\" y=\"{5}\">observed</text>\n",
      S + 2 * pad, pad, S, pad + S, S + 2 * pad - 8, pad - 8);
  size_t i = 0;
  for (const auto& [name, bins] : calibration.items()) {
    std::string points;
    for (const Json& b : bins) {
      const double x = pad + b["mean_predicted"].get<double>() * S;
      const double y = pad + (1.0 - b["observed_rate"].get<double>()) * S;
      points += fmt::format("{:.1f},{:.1f} ", x, y);
      svg += fmt::format(
          "<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3\" fill=\"{}\"><title>{}: "
          "{} products</title></circle>\n",
          x, y, colour_of(i), html_escape(name), number(b["n"]));
    }
    svg += fmt::format(
        "<polyline points=\"{}\" fill=\"none\" stroke=\"{}\"/>\n"
        "<text x=\"{}\" y=\"{}\" fill=\"{}\">{}</text>\n",
        points, colour_of(i), pad + 6, pad + 14 + 14.0 * static_cast<double>(i), colour_of(i),
        html_escape(name));
    ++i;
  }
  return svg + "</svg>\n";
}

// One model's learning curves (the report's learning_curves[model]): the training loss over
// steps, then the validation loss and ranking figure, quick validations as dots and full ones
// as a line; a dashed line where each phase starts.
std::string learning_curve_charts(const std::string& model, const Json& c) {
  std::vector<std::pair<double, std::string>> phases;
  for (const Json& p : c["phases"])
    phases.emplace_back(p["first_step"].get<double>(), p["name"].get<std::string>());
  std::vector<SvgSeries> training;
  for (const auto& [kind, points] : c["training_loss"].items()) {
    training.push_back({kind, {}, false});
    for (const Json& p : points)
      training.back().points.emplace_back(p["step"].get<double>(), p["loss"].get<double>());
  }
  const std::string metric = c.value("metric", std::string{});
  SvgSeries quick_loss{"quick validation", {}, true}, full_loss{"full validation", {}, false};
  SvgSeries quick_metric = quick_loss, full_metric = full_loss;
  for (const Json& v : c["validations"]) {
    const bool quick = v.value("kind", std::string{}) == "quick";
    const double step = v["step"].get<double>();
    if (v["loss"].is_number())
      (quick ? quick_loss : full_loss).points.emplace_back(step, v["loss"].get<double>());
    if (!metric.empty() && v.contains(metric) && v[metric].is_number())
      (quick ? quick_metric : full_metric).points.emplace_back(step, v[metric].get<double>());
  }
  std::string html = fmt::format(
      "<h3>{}</h3>\n<p class=\"note\">{} steps ({}); <code>best.pt</code> by the validation {} "
      "at step {}. The training loss is each bin's mean over its steps; its parts differ by "
      "phase (docs/model.md).</p>\n",
      html_escape(model), number(c["steps"]), html_escape(c["report"].get<std::string>()),
      html_escape(c.value("monitor", std::string{})), number(c.value("best_step", Json())));
  html += svg_line_chart(training, "step", "training loss", phases);
  html += svg_line_chart({quick_loss, full_loss}, "step", "validation loss", phases);
  if (!metric.empty())
    html += svg_line_chart({quick_metric, full_metric}, "step", "validation " + metric, phases);
  return html;
}

}  // namespace

std::string evaluation_html(const Json& report) {
  std::string html = html_page_begin("RetailSim evaluation", "evaluate: next-basket methods");
  html += fmt::format("<p>Protocol <b>{}</b>, split <b>{}</b>.",
                      html_escape(report.value("protocol", "")),
                      html_escape(report.value("split", "")));
  for (const Json& fold : report["folds"]) {
    html += fmt::format(" {}: {} cases, {} cold-start, {} for tuning.",
                        html_escape(fold.value("name", "")), number(fold["cases"]),
                        number(fold["cold_start_cases"]), number(fold["tuning_cases"]));
  }
  html += "</p>\n";
  const Json& methods = report["methods"];
  html += "<h2>Metrics</h2>\n";
  html += metrics_table(methods, {"recall@10", "ndcg@10", "precision@10", "f1@10", "hit@10", "mrr",
                                  "repeat_recall@10", "explore_recall@10"});
  html += bar_chart(methods, {"recall@10", "ndcg@10", "repeat_recall@10", "explore_recall@10"});
  html += "<h2>At 5 and 20</h2>\n";
  html += metrics_table(methods, {"recall@5", "ndcg@5", "precision@5", "hit@5", "recall@20",
                                  "ndcg@20", "precision@20", "hit@20"});
  html += "<h2>Cold-start customers (no earlier basket)</h2>\n";
  html += metrics_table(report["cold_start"],
                        {"recall@10", "ndcg@10", "precision@10", "hit@10", "mrr"});
  if (report.contains("auxiliary") && report["auxiliary"].contains("methods")) {
    html +=
        "<h2>Basket attributes (the auxiliary heads)</h2>\n<p class=\"note\">Share of the target "
        "baskets whose BASKET_SIZE, BASKET_PRICE_SENSITIVITY, BASKET_TYPE and "
        "BASKET_DOMINANT_MISSION each method guesses right. g-mode: the most frequent value; "
        "p-mode: the customer's most frequent; oracle: the generator's most likely value for the "
        "customer at that store and week.</p>\n";
    html += metrics_table(report["auxiliary"]["methods"],
                          {"basket_size_accuracy", "price_sensitivity_accuracy",
                           "mission_type_accuracy", "mission_focus_accuracy"});
  }
  if (report.contains("by_week")) {
    html += "<h2>NDCG@10 by target week</h2>\n" + week_chart(report["by_week"], "ndcg@10");
  }
  const Json visits = report.value("store_visits", Json::object());
  if (visits.contains("methods") && !visits["methods"].empty()) {
    html += fmt::format(
        "<h2>Store visits (the store-visit model)</h2>\n<p class=\"note\">{} customer-weeks of "
        "{} ({} with a trip): the store of the customer's first trip that week, or no trip (a "
        "week at most {} weeks after their previous trip). accuracy, top-k and MRR rank every "
        "outcome, no trip included; store_* rank the stores of the trip weeks; trip_auc tells "
        "trip weeks from the others by 1 &minus; P(no trip); trip_probability is its mean, trip "
        "the observed share.</p>\n",
        number(visits["cases"]), html_escape(visits.value("fold", "")),
        number(visits["trip_cases"]), number(visits["horizon_weeks"]));
    html += metrics_table(visits["methods"],
                          {"accuracy", "top3", "top5", "top10", "mrr", "store_accuracy",
                           "store_top3", "store_mrr", "trip_auc", "trip_probability", "trip"});
    html += "<h3>Accuracy by week</h3>\n" + week_chart(visits["by_week"], "accuracy");
  }
  if (report.contains("learning_curves")) {
    html += "<h2>Learning curves</h2>\n";
    for (const auto& [model, curves] : report["learning_curves"].items())
      html += learning_curve_charts(model, curves);
  }
  if (report.contains("calibration") && !report["calibration"].empty()) {
    html +=
        "<h2>Calibration</h2>\n<p class=\"note\">Listed products binned by the method's "
        "probability that they are in the target basket: the share that were, against the "
        "mean probability.</p>\n" +
        calibration_chart(report["calibration"]);
  }
  if (report.contains("tifu_tuned")) {
    html +=
        "<h2>Tuned TIFU-KNN</h2>\n<p class=\"note\">Chosen on the validation customers by "
        "NDCG@10: <code>" +
        html_escape(report["tifu_tuned"].dump()) + "</code></p>\n";
  }
  html +=
      "<p class=\"note\">Every figure and the slices by week, weekday and hour are in "
      "evaluation.json.</p>\n";
  return html + html_page_end();
}

}  // namespace retailsim::eval
