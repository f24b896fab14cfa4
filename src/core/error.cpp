// Formatting of Error messages: "file:line:column (NAME): message".
#include "core/error.h"

namespace retailsim {

std::string Error::describe(const SourceLocation& where, const std::string& message) {
  std::string out = where.file;
  if (where.line > 0) out += fmt::format(":{}", where.line);
  if (where.column > 0) out += fmt::format(":{}", where.column);
  if (!where.column_name.empty()) out += fmt::format(" ({})", where.column_name);
  if (!out.empty()) out += ": ";
  return out + message;
}

}  // namespace retailsim
