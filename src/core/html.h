// Small pieces of the self-contained HTML reports (no external assets): escaping, tables, the page
// frame with the reports' shared style.
#pragma once

#include <string>
#include <string_view>
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

}  // namespace retailsim
