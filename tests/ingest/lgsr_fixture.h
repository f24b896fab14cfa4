// Small hand-written LGSR inputs for the ingest tests: a valid row with overrides, files in any
// column order, a raw folder with the real calendar, and reading quarantine.csv back.
#pragma once

#include <zlib.h>

#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "core/atomic_file.h"
#include "ingest/ingest.h"
#include "test_util.h"

namespace retailsim::ingest::testing {

namespace fs = std::filesystem;

inline const std::vector<std::string>& current_header() {
  static const std::vector<std::string> kHeader = {"SHOP_WEEK",
                                                   "SHOP_DATE",
                                                   "SHOP_WEEKDAY",
                                                   "SHOP_HOUR",
                                                   "QUANTITY",
                                                   "SPEND",
                                                   "PROD_CODE",
                                                   "PROD_CODE_10",
                                                   "PROD_CODE_20",
                                                   "PROD_CODE_30",
                                                   "PROD_CODE_40",
                                                   "CUST_CODE",
                                                   "seg_1",
                                                   "seg_2",
                                                   "BASKET_ID",
                                                   "BASKET_SIZE",
                                                   "BASKET_PRICE_SENSITIVITY",
                                                   "BASKET_TYPE",
                                                   "BASKET_DOMINANT_MISSION",
                                                   "STORE_CODE",
                                                   "STORE_FORMAT",
                                                   "STORE_REGION"};
  return kHeader;
}

using Row = std::map<std::string, std::string>;

// A valid row of week 200607 (2006-04-15 is a Saturday, weekday 7); `changes` overrides fields.
inline Row valid_row(const Row& changes = {}) {
  Row row = {{"SHOP_WEEK", "200607"},
             {"SHOP_DATE", "20060415"},
             {"SHOP_WEEKDAY", "7"},
             {"SHOP_HOUR", "19"},
             {"QUANTITY", "1"},
             {"SPEND", "0.93"},
             {"PROD_CODE", "PRD0900033"},
             {"PROD_CODE_10", "CL00201"},
             {"PROD_CODE_20", "DEP00067"},
             {"PROD_CODE_30", "G00021"},
             {"PROD_CODE_40", "D00005"},
             {"CUST_CODE", "CUST0000410727"},
             {"seg_1", "BG"},
             {"seg_2", "BU"},
             {"BASKET_ID", "994100100398294"},
             {"BASKET_SIZE", "L"},
             {"BASKET_PRICE_SENSITIVITY", "MM"},
             {"BASKET_TYPE", "Full Shop"},
             {"BASKET_DOMINANT_MISSION", "Mixed"},
             {"STORE_CODE", "STORE00001"},
             {"STORE_FORMAT", "LS"},
             {"STORE_REGION", "E02"}};
  for (const auto& [k, v] : changes) row[k] = v;
  return row;
}

// CSV text: the header in `columns` order, then the rows (missing fields written empty).
inline std::string csv_text(const std::vector<Row>& rows,
                            const std::vector<std::string>& columns = current_header(),
                            const std::string& eol = "\n") {
  std::string out;
  for (size_t i = 0; i < columns.size(); ++i) out += (i ? "," : "") + columns[i];
  out += eol;
  for (const auto& row : rows) {
    for (size_t i = 0; i < columns.size(); ++i) {
      auto it = row.find(columns[i]);
      out += (i ? "," : "") + (it == row.end() ? std::string() : it->second);
    }
    out += eol;
  }
  return out;
}

inline void write_text(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

inline void write_gzip(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  gzFile f = gzopen(path.c_str(), "wb");
  gzwrite(f, text.data(), static_cast<unsigned>(text.size()));
  gzclose(f);
}

// A raw folder holding the real calendar.
inline fs::path make_raw_dir(const fs::path& root) {
  fs::path raw = root / "raw";
  fs::create_directories(raw);
  fs::copy_file(retailsim::testing::lgsr_sample_dir() / "time.csv", raw / "time.csv",
                fs::copy_options::overwrite_existing);
  return raw;
}

struct QuarantineRow {
  std::string file, line, column, column_name, reason, value, detail;
};

// Reads store/quarantine.csv back (a simple reader: fields may be quoted with "" escapes).
inline std::vector<QuarantineRow> read_quarantine(const fs::path& data_dir) {
  std::string text = read_file(data_dir / "store" / "quarantine.csv");
  std::vector<QuarantineRow> out;
  std::vector<std::string> fields(1);
  bool quoted = false;
  bool header = true;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else if (c == '\n') {
      if (!header) {
        fields.resize(7);
        out.push_back(
            {fields[0], fields[1], fields[2], fields[3], fields[4], fields[5], fields[6]});
      }
      header = false;
      fields.assign(1, "");
    } else {
      fields.back() += c;
    }
  }
  return out;
}

inline IngestSummary run_ingest(const fs::path& raw, const fs::path& data, bool force = false,
                                int threads = 2) {
  IngestOptions o;
  o.raw_dir = raw;
  o.data_dir = data;
  o.force = force;
  o.n_threads = threads;
  IngestSummary s = ingest(o);
  EXPECT_EQ(s.rows_read, s.rows_stored + s.rows_quarantined) << "rows read = stored + quarantined";
  return s;
}

}  // namespace retailsim::ingest::testing
