// Public surface of the ingest stage: LGSR CSVs (both header variants, plain or gzip) validated
// into the memory-mapped columnar store <data>/store/ (layout: docs/data-format.md; read it back
// with retailsim::Store from core/dataset.h).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>

#include "core/manifest.h"

namespace retailsim::ingest {

namespace fs = std::filesystem;

struct IngestOptions {
  fs::path raw_dir;              // holds transactions_*.csv[.gz] and time.csv
  fs::path data_dir;             // the store goes to data_dir/store
  bool force = false;            // rebuild even when inputs are unchanged
  int n_threads = 1;             // worker threads (a oneTBB arena of this size)
  size_t chunk_bytes = 1 << 20;  // CSV text parsed per task; does not change the output
  // Test hook: called with each store file name once it is written into the staging folder.
  // Throwing from it simulates a crash in the middle of writing the store.
  std::function<void(const std::string& file_name)> on_file_written;
};

struct IngestSummary {
  bool skipped = false;  // inputs and config unchanged: nothing was done
  uint64_t files = 0;
  uint64_t input_bytes = 0;
  uint64_t rows_read = 0;
  uint64_t rows_stored = 0;
  uint64_t rows_quarantined = 0;  // rows_read == rows_stored + rows_quarantined, always
  uint64_t baskets = 0;
  uint64_t customers = 0;
  uint64_t products = 0;
  uint64_t stores = 0;
  uint64_t weeks = 0;
  uint64_t anonymous_rows = 0;
  uint64_t reconstructed_baskets = 0;  // baskets regrouped from a damaged BASKET_ID
  std::map<std::string, uint64_t> quarantined_by_reason;  // non-zero reasons only
  double seconds = 0;
  Json to_json() const;
};

IngestSummary ingest(const IngestOptions& options);

// What `retailsim inspect` prints, as data: rows, baskets, customers, products, stores, weeks,
// date range, anonymous share, quarantine counts by reason, disk size.
Json inspect_store(const fs::path& data_dir);
std::string format_inspect(const Json& summary);

}  // namespace retailsim::ingest
