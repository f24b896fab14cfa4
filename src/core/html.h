// Small pieces of the self-contained HTML reports (no external assets): escaping, tables, the page
// frame with the reports' shared style.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace retailsim {

// Text safe inside HTML elements and attribute values.
std::string html_escape(std::string_view text);
// A table: the header cells are escaped, the body cells are inserted as given (may hold markup).
std::string html_table(const std::vector<std::string>& header,
                       const std::vector<std::vector<std::string>>& rows);
// <!DOCTYPE html> ... <body><h1>heading</h1>, with the reports' style; close with html_page_end.
std::string html_page_begin(std::string_view title, std::string_view heading);
std::string html_page_end();

// SVG of a chart's two axes (left and bottom) and 5 horizontal grid lines, each labelled with its
// value. The plot area spans x in [left, right] and y in [top, bottom] (pixels); values lo..hi map
// from bottom to top. `decimals` < 0 labels with 4 significant digits.
std::string svg_axes(double left, double top, double right, double bottom, double lo, double hi,
                     int decimals);

// The reports' palette: the colour of the i-th series.
const char* svg_colour(size_t i);

// One series of svg_line_chart: its (x, y) points in x order, drawn as a line or as dots.
struct SvgSeries {
  std::string name;
  std::vector<std::pair<double, double>> points;
  bool dots = false;
};

// A chart of series over x (760 x 240 pixels): the axes, about 8 x ticks, the axis labels, a
// legend on the right, and a dashed vertical line labelled at each marker's x (where a phase
// starts, say). Empty when no series has a point.
std::string svg_line_chart(const std::vector<SvgSeries>& series, std::string_view x_label,
                           std::string_view y_label,
                           const std::vector<std::pair<double, std::string>>& markers = {});

}  // namespace retailsim
