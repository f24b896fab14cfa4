// `retailsim simulate`: a counterfactual scenario against the baseline (common random numbers,
// repeated seeds), the truth's elasticities and lifts, into <data>/reports/counterfactual.json.
// With a trained world model it runs as the torch job "sim.simulate", where the "world-model"
// demand source is registered and answers the same questions beside the truth, or alone on real
// data (no truth/).
#include <spdlog/spdlog.h>

#include "cli/command.h"
#include "core/error.h"
#include "core/progress.h"
#include "core/torch_runtime.h"
#include "model/model.h"
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
                  "Demand source: truth, world-model or auto (overrides [simulate] "
                  "demand_source; default auto: the truth on synthetic data, the world model on "
                  "real data)");
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
    // The learned source lives in the torch module: run there when it is asked for, or when a
    // trained world model can answer beside the truth.
    sim::SimulateSummary summary;
    const bool world_model_trained = !model::find_checkpoint(options->data, "world").empty() &&
                                     !model::find_checkpoint(options->data, "store-visit").empty();
    const bool synthetic = fs::exists(options->data / "truth" / "world.json");
    if (!synthetic && !world_model_trained && scenario.simulate.demand_source != "truth")
      fail(
          "{}: no ground truth (real data) and no trained world model to simulate with; run "
          "`retailsim train --data {} --model world` and `--model store-visit` first (or "
          "`retailsim run`)",
          options->data.string(), options->data.string());
    if (scenario.simulate.demand_source == "world-model" || world_model_trained) {
      load_torch_runtime(ctx.global.resolved_threads());
      Json args = {{"data_dir", options->data.string()},
                   {"scenario", options->scenario.string()},
                   {"seed", ctx.seed()},
                   {"source", scenario.simulate.demand_source},
                   {"mode", sim::demand_mode_name(scenario.simulate.mode)},
                   {"seeds", scenario.simulate.n_seeds},
                   {"weeks", scenario.simulate.weeks}};
      const Json result = run_torch_job("sim.simulate", args, ctx.global.quiet);
      summary.report = result.at("report");
      summary.report_path = result.at("report_path").get<std::string>();
      summary.seconds = result.at("seconds").get<double>();
      summary.customer_weeks = result.at("customer_weeks").get<uint64_t>();
    } else {
      summary = sim::simulate(options->data, scenario, ctx.seed());
    }
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
