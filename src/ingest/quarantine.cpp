// Reason names and the quarantine.csv writer.
#include "ingest/quarantine.h"

#include "core/atomic_file.h"

namespace retailsim::ingest {

namespace {

void append_csv_field(std::string& out, std::string_view value) {
  if (value.find_first_of(",\"\r\n") == std::string_view::npos) {
    out.append(value);
    return;
  }
  out.push_back('"');
  for (char c : value) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

}  // namespace

std::string_view reason_name(Reason reason) {
  static constexpr std::array<std::string_view, kReasonCount> kNames = {"field_count",
                                                                        "missing_value",
                                                                        "bad_integer",
                                                                        "bad_number",
                                                                        "bad_basket_id",
                                                                        "out_of_range",
                                                                        "bad_date",
                                                                        "weekday_mismatch",
                                                                        "unknown_week",
                                                                        "date_outside_week",
                                                                        "unknown_code",
                                                                        "quantity_not_positive",
                                                                        "negative_spend",
                                                                        "basket_mismatch",
                                                                        "product_parents_mismatch",
                                                                        "store_attribute_mismatch"};
  return kNames[static_cast<int>(reason)];
}

void write_quarantine_csv(const fs::path& path, const std::vector<QuarantineEntry>& entries,
                          const std::vector<std::string>& file_names) {
  AtomicFile file(path);
  std::string out = "file,line,column,column_name,reason,value,detail\n";
  for (const auto& e : entries) {
    append_csv_field(out, file_names.at(static_cast<size_t>(e.file)));
    out += ',';
    out += std::to_string(e.line);
    out += ',';
    out += std::to_string(e.column);
    out += ',';
    append_csv_field(out, e.column_name);
    out += ',';
    out += reason_name(e.reason);
    out += ',';
    append_csv_field(out, e.value);
    out += ',';
    append_csv_field(out, e.detail);
    out += '\n';
    if (out.size() > (1 << 20)) {
      file.write(out);
      out.clear();
    }
  }
  file.write(out);
  file.commit();
}

}  // namespace retailsim::ingest
