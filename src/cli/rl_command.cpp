// `retailsim rl train|evaluate`: PPO agents (pricing, promotion, inventory) trained in the truth
// market, then judged with the heuristic baselines on held-out weeks (reports/rl.{json,html}).
// The work runs as jobs of the LibTorch module (core/torch_runtime.h).
#include <spdlog/spdlog.h>

#include "cli/command.h"
#include "core/torch_runtime.h"

namespace retailsim::cli {

Command add_rl_command(CLI::App& root) {
  struct Options {
    fs::path data;
    std::string agents;
  };
  auto options = std::make_shared<Options>();
  CLI::App* app = root.add_subcommand(
      "rl",
      "Pricing, promotion and inventory agents: train them with PPO, judge them in the truth");
  app->require_subcommand(1);
  CLI::App* train = app->add_subcommand(
      "train", "Train the agents jointly with PPO on the training weeks into <data>/models/rl/");
  train->add_option("--data", options->data, "Dataset folder (synthetic, with truth/)")->required();
  train->add_option("--agents", options->agents,
                    "Comma-separated agents: pricing,promo,inventory (default: the config's [rl] "
                    "agents, else all three)");
  CLI::App* evaluate = app->add_subcommand(
      "evaluate",
      "Judge the heuristics and the trained agents on the held-out weeks of the truth market "
      "into <data>/reports/rl.{json,html}");
  evaluate->add_option("--data", options->data, "Dataset folder (synthetic, with truth/)")
      ->required();

  Command command;
  command.app = app;
  command.data_dir = [options] { return options->data; };
  command.run = [options, train](CommandContext& ctx) {
    load_torch_runtime(ctx.global.resolved_threads());
    Json args = {{"data", options->data.string()},
                 {"config", ctx.global.config_path.string()},
                 {"seed", ctx.seed()},
                 {"agents", options->agents}};
    if (train->parsed()) {
      ctx.counts = run_torch_job("rl.train", args, ctx.global.quiet);
      spdlog::info("rl train: agents saved in {}", ctx.counts.value("models_dir", std::string{}));
    } else {
      const Json result = run_torch_job("rl.evaluate", args, ctx.global.quiet);
      ctx.counts = result["policies"];
      for (const auto& [name, f] : result["policies"].items()) {
        spdlog::info("{:<20} profit lift {:+7.2f} %  violations {}  at bounds {:5.1f} %", name,
                     f["profit_lift"].is_number() ? 100 * f["profit_lift"].get<double>() : 0.0,
                     f["violations"].get<int64_t>(), 100 * f["share_at_bounds"].get<double>());
      }
      spdlog::info("rl evaluate: {}", result.value("report", std::string{}));
    }
  };
  return command;
}

}  // namespace retailsim::cli
