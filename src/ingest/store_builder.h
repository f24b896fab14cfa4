// Merges the per-file tables into the store: global dictionaries in sorted-code order, checks
// across files, rows sorted by (week, basket), offset arrays, attribute tables, quarantine.csv.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "core/calendar.h"
#include "core/manifest.h"
#include "ingest/file_table.h"
#include "ingest/quarantine.h"

namespace retailsim::ingest {

namespace fs = std::filesystem;

struct StoreFigures {
  uint64_t rows_read = 0;
  uint64_t rows_stored = 0;
  uint64_t rows_quarantined = 0;
  uint64_t blank_lines = 0;
  uint64_t baskets = 0;
  uint64_t customers = 0;
  uint64_t products = 0;
  uint64_t stores = 0;
  uint64_t weeks = 0;  // weeks holding rows
  uint64_t anonymous_rows = 0;
  uint64_t anonymous_baskets = 0;
  uint64_t reconstructed_baskets = 0;
  uint64_t customers_with_varying_segments = 0;  // kept; their first row's segments stored
  int32_t date_from = 0;                         // YYYYMMDD of the first and last stored basket
  int32_t date_to = 0;
  ReasonCounts quarantined_by_reason{};
  Json files = Json::array();     // per input file: name, header variant, rows, weeks, ...
  Json columns = Json::object();  // per store file: dtype, shape
};

// Called with each store file name once it is fully written (a test hook for crash simulation).
using FileWrittenHook = std::function<void(const std::string& file_name)>;

// Writes every store file into `dir` (a staging folder) and returns the figures for the manifest.
// Throws Error when two files hold the same shop week or the same BASKET_ID.
StoreFigures build_store(std::vector<FileTable>& files, const Calendar& calendar,
                         const fs::path& dir, const FileWrittenHook& on_file_written);

}  // namespace retailsim::ingest
