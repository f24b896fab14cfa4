// `retailsim prepare`: masked-basket, next-basket and store-visit samples into <data>/samples/.
#include <spdlog/spdlog.h>

#include "cli/command.h"
#include "core/progress.h"
#include "prepare/prepare.h"

namespace retailsim::cli {

Command add_prepare_command(CLI::App& root) {
  struct Options {
    fs::path data;
    bool force = false;
  };
  auto options = std::make_shared<Options>();
  CLI::App* app = root.add_subcommand(
      "prepare",
      "Build masked-basket, next-basket and store-visit samples, split by the target's week, into "
      "<data>/samples/");
  app->add_option("--data", options->data, "Dataset folder")->required();
  app->add_flag("--force", options->force, "Rebuild even when inputs and config are unchanged");

  Command command;
  command.app = app;
  command.data_dir = [options] { return options->data; };
  command.run = [options](CommandContext& ctx) {
    prepare::PrepareOptions o;
    o.data_dir = options->data;
    o.force = options->force;
    o.config = prepare::PrepareConfig::from_section(ctx.config.section("prepare"), ctx.seed());
    const prepare::PrepareSummary summary = prepare::prepare_stage(o);
    ctx.counts = summary.to_json();
    if (!summary.skipped) spdlog::info("prepare done in {}", human_duration(summary.seconds));
  };
  return command;
}

}  // namespace retailsim::cli
