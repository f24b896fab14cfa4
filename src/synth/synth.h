// Public surface of the synthetic LGSR world: a ground-truth grocery market and the writer of
// LGSR-format CSVs plus truth/ from it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "core/config.h"
#include "core/manifest.h"

namespace retailsim::synth {

namespace fs = std::filesystem;

// Everything that shapes a generated world. Presets fill it; a [synth] config section overrides
// single fields. Field docs are the user docs (`docs/synth.md`).
struct SynthConfig {
  std::string preset = "tiny";
  uint64_t seed = 42;
  int n_customers = 200;
  int n_weeks = 8;
  int n_products = 300;
  int n_stores = 12;
  bool gzip = false;
  double corrupt_rate = 0.0;  // share of rows replaced by known bad rows (recorded in truth/)
  // (the synth helper adds the market parameters here, each with its default and a comment)

  // Presets: tiny, demo, lgsr-sample, full. Throws Error listing them on an unknown name.
  static SynthConfig preset_named(const std::string& name);
  // Applies the [synth] section of a config on top (unknown keys are an error).
  void apply(const Section& section);
  Json to_json() const;
};

struct GenerateSummary {
  uint64_t rows = 0;
  uint64_t baskets = 0;
  uint64_t customers = 0;  // distinct known customers that shopped
  uint64_t products = 0;
  uint64_t stores = 0;
  int weeks = 0;
  uint64_t corrupt_rows = 0;
  uint64_t bytes_written = 0;
  double seconds = 0;
  Json calibration_scores = Json::object();  // figure name -> similarity score in [0, 1]
};

// Writes out_dir/raw/transactions_YYYYWW.csv[.gz], out_dir/raw/time.csv and out_dir/truth/.
// Same config (seed included) gives byte-identical output.
GenerateSummary generate(const SynthConfig& config, const fs::path& out_dir, int n_threads);

}  // namespace retailsim::synth
