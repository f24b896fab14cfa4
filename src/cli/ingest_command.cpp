// `retailsim ingest`: raw LGSR CSVs into the columnar store.
#include <spdlog/spdlog.h>

#include "cli/command.h"
#include "core/progress.h"
#include "ingest/ingest.h"

namespace retailsim::cli {

Command add_ingest_command(CLI::App& root) {
  auto options = std::make_shared<ingest::IngestOptions>();
  CLI::App* app = root.add_subcommand(
      "ingest", "Validate LGSR CSVs into <data>/store/ (bad rows to store/quarantine.csv)");
  app->add_option("--raw", options->raw_dir,
                  "Folder of transactions_*.csv[.gz] and time.csv (default: <data>/raw)");
  app->add_option("--data", options->data_dir, "Dataset folder")->required();
  app->add_flag("--force", options->force, "Rebuild even when the inputs are unchanged");

  Command command;
  command.app = app;
  command.data_dir = [options] { return options->data_dir; };
  command.run = [options](CommandContext& ctx) {
    ingest::IngestOptions o = *options;
    if (o.raw_dir.empty()) o.raw_dir = o.data_dir / "raw";
    o.n_threads = ctx.global.resolved_threads();
    auto summary = ingest::ingest(o);
    ctx.counts = summary.to_json();
    if (summary.skipped) {
      spdlog::info("store is up to date with its inputs; nothing to do (--force rebuilds)");
    } else {
      spdlog::info("stored {} of {} rows ({} quarantined) in {}", human_count(summary.rows_stored),
                   human_count(summary.rows_read), summary.rows_quarantined,
                   human_duration(summary.seconds));
    }
  };
  return command;
}

}  // namespace retailsim::cli
