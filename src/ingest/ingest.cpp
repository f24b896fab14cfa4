// The ingest command's flow: find the inputs, skip when the store is up to date, read the files in
// parallel, build the store in a staging folder and swap it into place with its manifest.
#include "ingest/ingest.h"

#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <chrono>
#include <regex>

#include <spdlog/spdlog.h>

#include "core/atomic_file.h"
#include "core/calendar.h"
#include "core/error.h"
#include "core/progress.h"
#include "ingest/file_table.h"
#include "ingest/store_builder.h"
#include "retailsim_version.h"

namespace retailsim::ingest {

namespace {

// Bumped whenever the store layout or the validation rules change, so old stores are rebuilt.
constexpr int kStoreLayoutVersion = 1;

std::vector<fs::path> transaction_files(const fs::path& raw_dir) {
  static const std::regex kName(R"(transactions_.*\.csv(\.gz)?)");
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(raw_dir)) {
    std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && std::regex_match(name, kName)) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

Json ingest_config() {
  return {
      {"store_layout_version", kStoreLayoutVersion},
      {"basket_order", "week, date, hour, basket_id"},
      {"reference_row", "first row in (file name, line) order"},
      {"damaged_basket_id", "regroup by (week, date, hour, store, customer, basket attributes)"}};
}

// Removes store staging folders left by a crashed ingest (the other stages' temporaries are
// theirs).
void remove_stale_store_temporaries(const fs::path& data_dir) {
  std::error_code ec;
  if (!fs::is_directory(data_dir, ec)) return;
  for (const auto& entry : fs::directory_iterator(data_dir, ec)) {
    std::string name = entry.path().filename().string();
    if (name.rfind("store.", 0) == 0 && name.find(".tmp.") != std::string::npos) {
      spdlog::warn("removing {} left by an interrupted ingest", entry.path().string());
      fs::remove_all(entry.path(), ec);
    }
  }
}

IngestSummary summary_from(const Manifest& m) {
  IngestSummary s;
  const Json& c = m.counts;
  s.files = m.inputs.size() > 0 ? m.inputs.size() - 1 : 0;
  for (const auto& in : m.inputs) s.input_bytes += in.bytes;
  s.rows_read = c.value("rows_read", uint64_t{0});
  s.rows_stored = c.value("rows_stored", uint64_t{0});
  s.rows_quarantined = c.value("rows_quarantined", uint64_t{0});
  s.baskets = c.value("baskets", uint64_t{0});
  s.customers = c.value("customers", uint64_t{0});
  s.products = c.value("products", uint64_t{0});
  s.stores = c.value("stores", uint64_t{0});
  s.weeks = c.value("weeks", uint64_t{0});
  s.anonymous_rows = c.value("anonymous_rows", uint64_t{0});
  s.reconstructed_baskets = c.value("reconstructed_baskets", uint64_t{0});
  if (c.contains("quarantined_by_reason")) {
    for (const auto& [reason, n] : c["quarantined_by_reason"].items()) {
      if (n.get<uint64_t>() > 0) s.quarantined_by_reason[reason] = n.get<uint64_t>();
    }
  }
  return s;
}

void warn_about(const FileTable& t) {
  if (!t.layout.ignored.empty()) {
    spdlog::warn("{}: ignoring column(s) that are no LGSR field: {}", t.name,
                 fmt::join(t.layout.ignored, ", "));
  }
  if (t.layout.variant == HeaderVariant::kOld) {
    spdlog::info(
        "{}: old header (CUST_PRICE_SENSITIVITY, CUST_LIFESTAGE); segment codes "
        "translated to the current ones",
        t.name);
  }
  if (t.reconstructed_rows > 0) {
    uint64_t baskets = 0;
    for (const auto& b : t.baskets) baskets += (b.flags & kBasketReconstructed) ? 1 : 0;
    spdlog::warn(
        "{}: {} rows have a damaged BASKET_ID (e.g. '{}', precision lost in a "
        "spreadsheet); regrouped them into {} baskets by week, date, hour, store, "
        "customer and basket attributes, flagged in basket_flags (bit 2) with negative "
        "surrogate basket ids",
        t.name, t.reconstructed_rows, t.damaged_basket_id_example, baskets);
  }
}

}  // namespace

Json IngestSummary::to_json() const {
  Json reasons = Json::object();
  for (const auto& [reason, n] : quarantined_by_reason) reasons[reason] = n;
  return {{"skipped", skipped},
          {"files", files},
          {"input_bytes", input_bytes},
          {"rows_read", rows_read},
          {"rows_stored", rows_stored},
          {"rows_quarantined", rows_quarantined},
          {"baskets", baskets},
          {"customers", customers},
          {"products", products},
          {"stores", stores},
          {"weeks", weeks},
          {"anonymous_rows", anonymous_rows},
          {"reconstructed_baskets", reconstructed_baskets},
          {"quarantined_by_reason", reasons},
          {"seconds", seconds}};
}

IngestSummary ingest(const IngestOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  const fs::path& raw = options.raw_dir;
  if (!fs::is_directory(raw)) fail("raw folder {} does not exist", raw.string());
  std::vector<fs::path> paths = transaction_files(raw);
  if (paths.empty())
    fail("{} holds no transactions_*.csv or transactions_*.csv.gz file", raw.string());
  fs::path time_csv = raw / "time.csv";
  if (!fs::exists(time_csv)) fail("{} lacks time.csv (the shop-week calendar)", raw.string());

  fs::create_directories(options.data_dir);
  remove_stale_store_temporaries(options.data_dir);
  const fs::path store_dir = options.data_dir / "store";

  Manifest manifest;
  manifest.stage = "ingest";
  manifest.schema_version = kStoreLayoutVersion;
  manifest.retailsim_version = RETAILSIM_VERSION;
  // No more threads than oneTBB may run (asking for more only makes it warn).
  tbb::task_arena arena(std::clamp(options.n_threads, 1, tbb::this_task_arena::max_concurrency()));
  // Checksums of every input, in parallel: reading them serially held up the start.
  manifest.inputs.resize(paths.size());
  arena.execute([&] {
    tbb::parallel_for(size_t{0}, paths.size(), size_t{1},
                      [&](size_t i) { manifest.inputs[i] = describe_input(paths[i], raw); });
  });
  manifest.inputs.push_back(describe_input(time_csv, raw));
  manifest.config = ingest_config();

  if (!options.force) {
    auto existing = Manifest::read(store_dir);
    if (existing && existing->same_build(manifest)) {
      IngestSummary s = summary_from(*existing);
      s.skipped = true;
      s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      return s;
    }
  }

  Calendar calendar = Calendar::read_csv(time_csv);
  if (calendar.size() == 0) fail("{}: the calendar holds no weeks", time_csv.string());
  uint64_t input_bytes = 0;
  for (const auto& p : paths) input_bytes += fs::file_size(p);

  IngestSummary summary;
  arena.execute([&] {
    std::vector<FileTable> files(paths.size());
    {
      Progress progress("ingest", input_bytes, "bytes");
      tbb::parallel_for(
          size_t{0}, paths.size(), size_t{1},
          [&](size_t i) {
            files[i] = read_file_table(paths[i], static_cast<int32_t>(i), calendar, &progress,
                                       options.chunk_bytes);
          },
          tbb::simple_partitioner());
      progress.finish();
    }
    for (const auto& t : files) warn_about(t);

    AtomicDir staging(store_dir);
    StoreFigures fig = build_store(files, calendar, staging.staging(), options.on_file_written);

    Json reasons = Json::object();
    for (int r = 0; r < kReasonCount; ++r) {
      reasons[std::string(reason_name(static_cast<Reason>(r)))] = fig.quarantined_by_reason[r];
    }
    manifest.counts = {{"rows_read", fig.rows_read},
                       {"rows_stored", fig.rows_stored},
                       {"rows_quarantined", fig.rows_quarantined},
                       {"quarantined_by_reason", reasons},
                       {"blank_lines", fig.blank_lines},
                       {"baskets", fig.baskets},
                       {"customers", fig.customers},
                       {"products", fig.products},
                       {"stores", fig.stores},
                       {"weeks", fig.weeks},
                       {"calendar_weeks", calendar.size()},
                       {"anonymous_rows", fig.anonymous_rows},
                       {"anonymous_baskets", fig.anonymous_baskets},
                       {"reconstructed_baskets", fig.reconstructed_baskets},
                       {"customers_with_varying_segments", fig.customers_with_varying_segments},
                       {"date_from", fig.date_from},
                       {"date_to", fig.date_to}};
    manifest.extra = {{"files", fig.files}, {"columns", fig.columns}};
    manifest.write(staging.staging());
    if (options.on_file_written) options.on_file_written("manifest.json");
    staging.commit();

    summary = summary_from(manifest);
  });
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

}  // namespace retailsim::ingest
