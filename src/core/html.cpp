// HTML helpers shared by the reports (derive.html, evaluation.html, rl.html).
#include "core/html.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace retailsim {

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += ch;
    }
  }
  return out;
}

std::string html_table(const std::vector<std::string>& header,
                       const std::vector<std::vector<std::string>>& rows) {
  std::string out = "<table><tr>";
  for (const auto& h : header) out += "<th>" + html_escape(h) + "</th>";
  out += "</tr>\n";
  for (const auto& row : rows) {
    out += "<tr>";
    for (const auto& cell : row) out += "<td>" + cell + "</td>";
    out += "</tr>\n";
  }
  return out + "</table>\n";
}

std::string html_page_begin(std::string_view title, std::string_view heading) {
  return "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + html_escape(title) +
         "</title>\n<style>body{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#222}"
         "table{border-collapse:collapse;margin:0.5em 0 1.5em}td,th{border:1px solid #ccc;"
         "padding:3px 8px;text-align:right}th{background:#f4f4f4}td:first-child{text-align:left}"
         ".note{color:#555;font-size:90%}</style></head><body>\n<h1>" +
         html_escape(heading) + "</h1>\n";
}

std::string html_page_end() {
  return "</body></html>\n";
}

std::string svg_axes(double left, double top, double right, double bottom, double lo, double hi,
                     int decimals) {
  std::string svg = fmt::format(
      "<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#444\"/>\n", left, top, bottom);
  svg += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"#444\"/>\n", left,
                     bottom, right);
  for (int t = 0; t <= 4; ++t) {
    const double v = lo + (hi - lo) * t / 4;
    const double y = top + (hi - v) / (hi - lo) * (bottom - top);
    const std::string label =
        decimals < 0 ? fmt::format("{:.4g}", v) : fmt::format("{:.{}f}", v, decimals);
    svg += fmt::format(
        "<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>"
        "<line x1=\"{}\" y1=\"{:.1f}\" x2=\"{}\" y2=\"{:.1f}\" stroke=\"#eee\"/>\n",
        left - 4, y + 4, label, left, y, right, y);
  }
  return svg;
}

const char* svg_colour(size_t i) {
  constexpr const char* kColours[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd",
                                      "#ff7f0e", "#8c564b", "#e377c2", "#17becf"};
  return kColours[i % 8];
}

std::string svg_line_chart(const std::vector<SvgSeries>& series, std::string_view x_label,
                           std::string_view y_label,
                           const std::vector<std::pair<double, std::string>>& markers) {
  constexpr double W = 760, H = 240, left = 64, right = 170, top = 14, bottom = 34;
  double x_lo = std::numeric_limits<double>::max(), x_hi = std::numeric_limits<double>::lowest();
  double lo = x_lo, hi = x_hi;
  bool whole = true;  // every x an integer: ticks without decimals
  for (const SvgSeries& s : series) {
    for (const auto& [x, y] : s.points) {
      x_lo = std::min(x_lo, x);
      x_hi = std::max(x_hi, x);
      lo = std::min(lo, y);
      hi = std::max(hi, y);
      whole = whole && x == std::round(x);
    }
  }
  if (x_lo > x_hi) return "";
  if (!(x_hi > x_lo)) x_hi = x_lo + 1;
  if (!(hi > lo)) {
    lo -= 1;
    hi += 1;
  }
  const double pad = (hi - lo) * 0.08;
  lo -= pad;
  hi += pad;
  auto px = [&](double x) { return left + (x - x_lo) / (x_hi - x_lo) * (W - left - right); };
  auto py = [&](double y) { return top + (hi - y) / (hi - lo) * (H - top - bottom); };
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" "
      "font-family=\"sans-serif\" font-size=\"11\">\n",
      W, H);
  svg += svg_axes(left, top, W - right, H - bottom, lo, hi, -1);
  double last_tick = std::numeric_limits<double>::lowest();
  for (int t = 0; t <= 8; ++t) {
    double x = x_lo + (x_hi - x_lo) * t / 8;
    if (whole) x = std::round(x);
    if (x == last_tick) continue;
    last_tick = x;
    svg +=
        fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", px(x),
                    H - bottom + 16, whole ? fmt::format("{:.0f}", x) : fmt::format("{:.4g}", x));
  }
  svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n",
                     (left + W - right) / 2, H - 4, html_escape(x_label));
  svg += fmt::format(
      "<text x=\"12\" y=\"{0}\" transform=\"rotate(-90 12 {0})\" "
      "text-anchor=\"middle\">{1}</text>\n",
      (top + H - bottom) / 2, html_escape(y_label));
  for (const auto& [x, label] : markers) {
    if (x < x_lo || x > x_hi) continue;
    svg += fmt::format(
        "<line x1=\"{0:.1f}\" y1=\"{1}\" x2=\"{0:.1f}\" y2=\"{2}\" stroke=\"#999\" "
        "stroke-dasharray=\"4,3\"/><text x=\"{3:.1f}\" y=\"{4}\" fill=\"#666\">{5}</text>\n",
        px(x), top, H - bottom, px(x) + 3, top + 10, html_escape(label));
  }
  double ly = top + 8;
  for (size_t s = 0; s < series.size(); ++s) {
    const char* colour = svg_colour(s);
    if (series[s].dots) {
      for (const auto& [x, y] : series[s].points)
        svg += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"2.5\" fill=\"{}\"/>\n", px(x),
                           py(y), colour);
    } else {
      std::string points;
      for (const auto& [x, y] : series[s].points)
        points += fmt::format("{:.1f},{:.1f} ", px(x), py(y));
      svg += fmt::format(
          "<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"1.6\"/>\n", points,
          colour);
    }
    svg += series[s].dots ? fmt::format("<circle cx=\"{}\" cy=\"{}\" r=\"2.5\" fill=\"{}\"/>",
                                        W - right + 22, ly, colour)
                          : fmt::format(
                                "<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" "
                                "stroke=\"{3}\" stroke-width=\"2\"/>",
                                W - right + 10, ly, W - right + 34, colour);
    svg += fmt::format("<text x=\"{}\" y=\"{}\">{}</text>\n", W - right + 38, ly + 4,
                       html_escape(series[s].name));
    ly += 16;
  }
  return svg + "</svg>\n";
}

}  // namespace retailsim
