// `retailsim derive`: the store into derived/ (prices, graph, affinity, missions) and
// reports/derive.{json,html}.
#include <spdlog/spdlog.h>

#include "cli/command.h"
#include "core/progress.h"
#include "derive/derive.h"

namespace retailsim::cli {

Command add_derive_command(CLI::App& root) {
  struct Options {
    fs::path data;
    std::string stage;  // empty: all
    bool force = false;
    bool dense = false;
  };
  auto options = std::make_shared<Options>();
  CLI::App* app = root.add_subcommand(
      "derive",
      "Derive prices, promotions, product graph, affinity and missions into <data>/derived/");
  app->add_option("--data", options->data, "Dataset folder")->required();
  app->add_option("--stage", options->stage, "Only this stage (default: all, in order)")
      ->check(CLI::IsMember({"prices", "graph", "affinity", "missions"}));
  app->add_flag("--force", options->force, "Rebuild even when inputs and config are unchanged");
  app->add_flag("--dense", options->dense,
                "Also write dense [product, store, week] price grids (small data only)");

  Command command;
  command.app = app;
  command.data_dir = [options] { return options->data; };
  command.run = [options](CommandContext& ctx) {
    derive::StageOptions o;
    o.data_dir = options->data;
    if (!options->stage.empty()) o.stages = {options->stage};
    o.force = options->force;
    o.config = derive::DeriveConfig::from_section(ctx.config.section("derive"));
    if (options->dense) o.config.prices.dense_export = true;
    const derive::DeriveSummary summary = derive::derive_stage(o);
    ctx.counts = summary.to_json();
    spdlog::info("derive done in {}", human_duration(summary.seconds));
  };
  return command;
}

}  // namespace retailsim::cli
