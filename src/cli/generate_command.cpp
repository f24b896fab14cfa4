// `retailsim generate`: a synthetic LGSR world with its ground truth.
#include <spdlog/spdlog.h>

#include "cli/command.h"
#include "cli/synth_config.h"
#include "core/progress.h"
#include "synth/synth.h"

namespace retailsim::cli {

synth::SynthConfig synth_config(const CommandContext& ctx, const std::string& preset_flag) {
  Section section = ctx.config.section("synth");
  std::string preset = preset_flag.empty() ? section.get_string("preset", "demo") : preset_flag;
  auto config = synth::SynthConfig::preset_named(preset);
  config.apply(section);
  config.preset = preset;
  config.seed = ctx.seed();
  return config;
}

Command add_generate_command(CLI::App& root) {
  struct Options {
    std::string preset;  // empty: the config's [synth] preset, else "demo"
    fs::path out;
    bool gzip = false;
    double corrupt_rate = -1;
  };
  auto options = std::make_shared<Options>();
  CLI::App* app = root.add_subcommand(
      "generate", "Write synthetic LGSR CSVs (raw/) and their ground truth (truth/)");
  app->add_option(
      "--preset", options->preset,
      "tiny, demo, lgsr-sample or full (default: the config's [synth] preset, else demo)");
  app->add_option("--out", options->out, "Dataset folder to create")->required();
  app->add_flag("--gzip", options->gzip, "Write transactions_*.csv.gz");
  app->add_option("--corrupt-rate", options->corrupt_rate,
                  "Share of rows replaced by known bad rows (for testing ingest)")
      ->check(CLI::Range(0.0, 1.0));

  Command command;
  command.app = app;
  command.data_dir = [options] { return options->out; };
  command.run = [options](CommandContext& ctx) {
    auto config = synth_config(ctx, options->preset);
    if (options->gzip) config.gzip = true;
    if (options->corrupt_rate >= 0) config.corrupt_rate = options->corrupt_rate;
    auto summary = synth::generate(config, options->out, ctx.global.resolved_threads());
    ctx.counts = {{"rows", summary.rows},
                  {"baskets", summary.baskets},
                  {"customers", summary.customers},
                  {"products", summary.products},
                  {"stores", summary.stores},
                  {"weeks", summary.weeks},
                  {"corrupt_rows", summary.corrupt_rows}};
    spdlog::info("generated {} rows, {} baskets over {} weeks in {} into {}",
                 human_count(summary.rows), human_count(summary.baskets), summary.weeks,
                 human_duration(summary.seconds), (options->out / "raw").string());
  };
  return command;
}

}  // namespace retailsim::cli
