// The report helpers: escaping, tables and the chart axes.
#include "core/html.h"

#include <gtest/gtest.h>

namespace retailsim {
namespace {

int count(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(Html, EscapesMarkupAndTablesEscapeOnlyTheirHeader) {
  EXPECT_EQ(html_escape("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
  const std::string table = html_table({"<h>"}, {{"<b>x</b>"}});
  EXPECT_NE(table.find("&lt;h&gt;"), std::string::npos);
  EXPECT_NE(table.find("<b>x</b>"), std::string::npos);
}

TEST(Html, AxesHaveTwoLinesAndFiveLabelledGridLinesFromBottomToTop) {
  const std::string svg = svg_axes(40, 10, 400, 210, 0, 100, 0);
  EXPECT_EQ(count(svg, "stroke=\"#444\""), 2);  // the axes
  EXPECT_EQ(count(svg, "stroke=\"#eee\""), 5);  // the grid
  // 0 at the bottom (y = 210), 100 at the top (y = 10), labels right-aligned left of the axis.
  EXPECT_NE(svg.find("y=\"214.0\" text-anchor=\"end\">0</text>"), std::string::npos) << svg;
  EXPECT_NE(svg.find("y=\"14.0\" text-anchor=\"end\">100</text>"), std::string::npos) << svg;
  EXPECT_NE(svg.find(">50</text>"), std::string::npos);
  // Negative decimals: 4 significant digits.
  EXPECT_NE(svg_axes(40, 10, 400, 210, 0, 0.123456, -1).find(">0.1235</text>"), std::string::npos);
}

TEST(Html, LineChartsMapPointsDrawDotsAndMarkOnlyWhatTheyShow) {
  EXPECT_EQ(svg_line_chart({{"empty", {}, false}}, "x", "y"), "");
  // x 0..10 over pixels 64..590; y 0..1, padded by 8 % of its span each side, over 206..14:
  // y = 14 + (1.08 - v) / 1.16 * 192.
  const std::string svg =
      svg_line_chart({{"line", {{0, 0}, {10, 1}}, false}, {"dots", {{5, 0.5}}, true}}, "step",
                     "loss", {{5, "main"}, {20, "beyond"}});
  EXPECT_NE(svg.find("<polyline points=\"64.0,192.8 590.0,27.2 \""), std::string::npos) << svg;
  EXPECT_NE(svg.find("<circle cx=\"327.0\" cy=\"110.0\""), std::string::npos) << svg;
  EXPECT_EQ(count(svg, "stroke-dasharray"), 1);  // the marker at 5; 20 is off the chart
  EXPECT_NE(svg.find(">main</text>"), std::string::npos);
  EXPECT_EQ(svg.find("beyond"), std::string::npos);
  EXPECT_NE(svg.find(">step</text>"), std::string::npos);
  EXPECT_NE(svg.find(">10</text>"), std::string::npos);  // integer x ticks
  EXPECT_NE(svg.find(">dots</text>"), std::string::npos);
}

}  // namespace
}  // namespace retailsim
