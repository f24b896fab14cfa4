// `retailsim simulate`: a counterfactual scenario against the baseline (common random numbers,
// repeated seeds), the truth's elasticities and lifts, into <data>/reports/counterfactual.json.
#include <spdlog/spdlog.h>

#include "cli/command.h"
#include "core/progress.h"
#include "sim/sim.h"

namespace retailsim::cli {

Command add_simulate_command(CLI::App& root) {
  struct Options {
    fs::path data;
    fs::path scenario;
    std::string source;
    std::string mode;
    int seeds = 0;
    int weeks = 0;
  };
  auto options = std::make_shared<Options>();
  CLI::App* app = root.add_subcommand(
      "simulate",
      "Run a what-if scenario (TOML) against the baseline in the market simulator and report "
      "units, revenue and margin deltas into <data>/reports/counterfactual.json");
  app->add_option("--data", options->data, "Dataset folder")->required();
  app->add_option("--scenario", options->scenario, "Scenario file (see docs/sim.md)")
      ->required()
      ->check(CLI::ExistingFile);
  app->add_option("--source", options->source,
                  "Demand source (overrides [simulate] demand_source; default truth)");
  app->add_option("--mode", options->mode, "Demand mode: sampled or expected")
      ->check(CLI::IsMember({"sampled", "expected"}));
  app->add_option("--seeds", options->seeds, "Repeated seeds (overrides [simulate] seeds)")
      ->check(CLI::Range(2, 1000));
  app->add_option("--weeks", options->weeks, "Weeks simulated (overrides [simulate] weeks)")
      ->check(CLI::Range(1, 1000));

  Command command;
  command.app = app;
  command.data_dir = [options] { return options->data; };
  command.run = [options](CommandContext& ctx) {
    sim::Scenario scenario = sim::load_scenario(options->scenario);
    if (!options->source.empty()) scenario.simulate.demand_source = options->source;
    if (!options->mode.empty()) scenario.simulate.mode = sim::demand_mode_named(options->mode);
    if (options->seeds > 0) scenario.simulate.n_seeds = options->seeds;
    if (options->weeks > 0) scenario.simulate.weeks = options->weeks;
    const sim::SimulateSummary summary = sim::simulate(options->data, scenario, ctx.seed());
    const Json& total = summary.report["deltas"]["total"];
    ctx.counts = {{"scenario", scenario.name},
                  {"customer_weeks", summary.customer_weeks},
                  {"revenue_delta_pct", total["revenue_cents"]["pct"]["mean"]},
                  {"units_delta_pct", total["units"]["pct"]["mean"]},
                  {"seconds", summary.seconds}};
    spdlog::info(
        "scenario '{}': revenue {:+.2f}% (95% CI {:+.2f}..{:+.2f}), units {:+.2f}%, "
        "margin {:+.2f}%",
        scenario.name, total["revenue_cents"]["pct"]["mean"].get<double>(),
        total["revenue_cents"]["pct"]["ci95"][0].get<double>(),
        total["revenue_cents"]["pct"]["ci95"][1].get<double>(),
        total["units"]["pct"]["mean"].get<double>(),
        total["margin_cents"]["pct"]["mean"].get<double>());
    spdlog::info("simulate done in {}: {}", human_duration(summary.seconds),
                 summary.report_path.string());
  };
  return command;
}

}  // namespace retailsim::cli
