// The one exception type of RetailSim, carrying where in which input a problem was found.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>

#include <fmt/format.h>

namespace retailsim {

// Where a problem sits in an input file. Line and column are 1-based; 0 means "not known".
struct SourceLocation {
  std::string file;
  int64_t line = 0;
  int32_t column = 0;       // 1-based field index in a CSV row, 0 when not about one field
  std::string column_name;  // header name of that field, when known
};

// Thrown for every user-facing failure (bad input, bad config, I/O). main() catches it once and
// prints what() as a single line.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
  Error(SourceLocation where, const std::string& message)
      : std::runtime_error(describe(where, message)), where_(std::move(where)) {}

  const SourceLocation& where() const { return where_; }

  static std::string describe(const SourceLocation& where, const std::string& message);

 private:
  SourceLocation where_;
};

template <typename... Args>
[[noreturn]] void fail(fmt::format_string<Args...> format, Args&&... args) {
  throw Error(fmt::format(format, std::forward<Args>(args)...));
}

template <typename... Args>
[[noreturn]] void fail_at(SourceLocation where, fmt::format_string<Args...> format,
                          Args&&... args) {
  throw Error(std::move(where), fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace retailsim
