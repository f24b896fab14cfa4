// retailsim: the one binary. Parses the command line, sets up logging, threads and the config,
// runs the chosen subcommand inside the run registry and turns errors into one line + exit code.
#include <cstdio>
#include <exception>

#include <CLI/CLI.hpp>

#include "cli/command.h"
#include "core/error.h"
#include "core/log.h"
#include "registry/registry.h"
#include "retailsim_version.h"

using namespace retailsim;

int main(int argc, char** argv) {
  CLI::App app{"RetailSim: a flight simulator for retail, built on LGSR-format transaction logs"};
  app.require_subcommand(1);
  // Global options may also follow the subcommand: `retailsim run --config demo.toml --data d`.
  app.fallthrough();
  app.set_version_flag("--version", RETAILSIM_VERSION);
  cli::CommandContext ctx;
  app.add_option("--threads", ctx.global.threads,
                 "Threads for parallel work and LibTorch (default: all cores)")
      ->check(CLI::NonNegativeNumber);
  auto* seed = app.add_option("--seed", ctx.global.seed,
                              "Seed of every random choice (default: the config's, else 42)");
  app.add_option("--config", ctx.global.config_path, "TOML config file")->check(CLI::ExistingFile);
  app.add_flag("--quiet,-q", ctx.global.quiet, "Only warnings and errors; no progress bars");

  std::vector<cli::Command> commands = {
      cli::add_generate_command(app), cli::add_ingest_command(app),  cli::add_derive_command(app),
      cli::add_features_command(app), cli::add_prepare_command(app), cli::add_export_command(app),
      cli::add_evaluate_command(app), cli::add_inspect_command(app), cli::add_run_command(app),
      cli::add_simulate_command(app), cli::add_train_command(app),   cli::add_predict_command(app),
      cli::add_rl_command(app),
  };

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  ctx.global.seed_given = seed->count() > 0;
  for (int i = 0; i < argc; ++i) ctx.command_line += (i ? " " : "") + std::string(argv[i]);

  init_logging(ctx.global.quiet);
  const cli::Command* chosen = nullptr;
  for (const auto& c : commands) {
    if (c.app->parsed()) chosen = &c;
  }
  if (!chosen) return 2;

  std::unique_ptr<Registry> registry;
  int64_t run_id = 0;
  try {
    if (!ctx.global.config_path.empty()) ctx.config = Config::load(ctx.global.config_path);
    if (!ctx.global.seed_given) {
      ctx.global.seed = static_cast<uint64_t>(ctx.config.section("run").get_int("seed", 42));
    }
    cli::ThreadSettings threads(ctx.global.resolved_threads());
    fs::path data_dir = chosen->data_dir ? chosen->data_dir() : fs::path();
    if (!data_dir.empty()) {
      registry = std::make_unique<Registry>(data_dir);
      Json config = ctx.config.to_json();
      config["global"] = {{"threads", ctx.global.resolved_threads()}, {"seed", ctx.global.seed}};
      run_id =
          registry->begin_run(chosen->app->get_name(), ctx.command_line, config, RETAILSIM_VERSION);
      ctx.log_metric = [&registry, run_id](const std::string& name, int64_t step, double value) {
        registry->log_metric(run_id, name, step, value);
      };
    }
    chosen->run(ctx);
    if (registry) registry->end_run(run_id, 0, ctx.counts);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "retailsim %s: error: %s\n", chosen->app->get_name().c_str(), e.what());
    if (registry) {
      try {
        registry->end_run(run_id, 1, ctx.counts, e.what());
      } catch (const std::exception&) {
        // the registry is a record, not a reason to hide the first error
      }
    }
    return 1;
  }
}
