// `retailsim features`: the temporal split and feature layers 1-5 into <data>/features/.
#include <spdlog/spdlog.h>

#include "cli/command.h"
#include "core/progress.h"
#include "derive/derive.h"
#include "features/features.h"

namespace retailsim::cli {

Command add_features_command(CLI::App& root) {
  struct Options {
    fs::path data;
    bool force = false;
  };
  auto options = std::make_shared<Options>();
  CLI::App* app = root.add_subcommand(
      "features",
      "Split weeks (train/val/test) and fit pseudo-brands, price encoding statistics, GraphSAGE "
      "product embeddings, customer history and store context on the training weeks into "
      "<data>/features/");
  app->add_option("--data", options->data, "Dataset folder")->required();
  app->add_flag("--force", options->force, "Rebuild even when inputs and config are unchanged");

  Command command;
  command.app = app;
  command.data_dir = [options] { return options->data; };
  command.run = [options](CommandContext& ctx) {
    features::FeaturesOptions o;
    o.data_dir = options->data;
    o.force = options->force;
    o.config = features::FeaturesConfig::from_section(ctx.config.section("features"), ctx.seed());
    o.n_threads = ctx.global.resolved_threads();
    o.quiet = ctx.global.quiet;
    o.derive_config = derive::DeriveConfig::from_section(ctx.config.section("derive"));
    const features::FeaturesSummary summary = features::features_stage(o);
    ctx.counts = summary.to_json();
    spdlog::info("features done in {}", human_duration(summary.seconds));
  };
  return command;
}

}  // namespace retailsim::cli
