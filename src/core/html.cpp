// HTML helpers shared by the reports (derive.html, evaluation.html).
#include "core/html.h"

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

}  // namespace retailsim
