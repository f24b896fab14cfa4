// `retailsim run`: the whole chain that exists, resumable (each stage skips when up to date).
// With --raw it starts from real LGSR files; otherwise it generates the configured preset.
#include <cstdio>

#include <spdlog/spdlog.h>

#include "cli/command.h"
#include "cli/synth_config.h"
#include "core/progress.h"
#include "derive/derive.h"
#include "features/features.h"
#include "ingest/ingest.h"
#include "prepare/prepare.h"
#include "synth/synth.h"

namespace retailsim::cli {

Command add_run_command(CLI::App& root) {
  struct Options {
    fs::path data;
    fs::path raw;
    std::string preset;  // empty: the config's [synth] preset, else "demo"
    bool force = false;
    bool no_train = false;
  };
  auto options = std::make_shared<Options>();
  CLI::App* app = root.add_subcommand("run",
                                      "Run the whole chain: generate (unless --raw) -> ingest -> "
                                      "derive -> features -> prepare -> train -> evaluate -> "
                                      "inspect");
  app->add_option("--data", options->data, "Dataset folder")->required();
  app->add_option("--raw", options->raw, "Real LGSR files to start from instead of generating");
  app->add_option("--preset", options->preset,
                  "Synthetic preset when generating (default: the config's, else demo)");
  app->add_flag("--force", options->force, "Rebuild every stage");
  app->add_flag("--no-train", options->no_train,
                "Leave the world and store-visit models out (evaluate the baselines only)");

  Command command;
  command.app = app;
  command.data_dir = [options] { return options->data; };
  command.run = [options](CommandContext& ctx) {
    const int threads = ctx.global.resolved_threads();
    fs::path raw = options->raw;
    if (raw.empty()) {
      raw = options->data / "raw";
      auto config = synth_config(ctx, options->preset);
      auto previous = Manifest::read(options->data / "truth");
      if (!options->force && previous && previous->config == config.to_json()) {
        spdlog::info("[1/8] generate: {} is up to date", raw.string());
      } else {
        spdlog::info("[1/8] generate: preset {}", config.preset);
        auto summary = synth::generate(config, options->data, threads);
        ctx.counts["generated_rows"] = summary.rows;
      }
    } else {
      spdlog::info("[1/8] generate: skipped, reading real files from {}", raw.string());
    }

    spdlog::info("[2/8] ingest");
    ingest::IngestOptions ingest_options;
    ingest_options.raw_dir = raw;
    ingest_options.data_dir = options->data;
    ingest_options.force = options->force;
    ingest_options.n_threads = threads;
    auto summary = ingest::ingest(ingest_options);
    ctx.counts["ingest"] = summary.to_json();
    if (summary.skipped) spdlog::info("[2/8] ingest: store is up to date");

    spdlog::info("[3/8] derive");
    derive::StageOptions derive_options;
    derive_options.data_dir = options->data;
    derive_options.force = options->force;
    derive_options.config = derive::DeriveConfig::from_section(ctx.config.section("derive"));
    ctx.counts["derive"] = derive::derive_stage(derive_options).to_json();

    spdlog::info("[4/8] features");
    features::FeaturesOptions features_options;
    features_options.data_dir = options->data;
    features_options.force = options->force;
    features_options.config =
        features::FeaturesConfig::from_section(ctx.config.section("features"), ctx.seed());
    features_options.n_threads = ctx.global.resolved_threads();
    features_options.quiet = ctx.global.quiet;
    features_options.derive_config = derive_options.config;
    ctx.counts["features"] = features::features_stage(features_options).to_json();

    spdlog::info("[5/8] prepare");
    prepare::PrepareOptions prepare_options;
    prepare_options.data_dir = options->data;
    prepare_options.force = options->force;
    prepare_options.config =
        prepare::PrepareConfig::from_section(ctx.config.section("prepare"), ctx.seed());
    ctx.counts["prepare"] = prepare::prepare_stage(prepare_options).to_json();

    if (options->no_train) {
      spdlog::info("[6/8] train: skipped (--no-train)");
    } else {
      for (const char* model : {"world", "store-visit"}) {
        spdlog::info("[6/8] train: {} model", model);
        TrainingRequest request;
        request.data = options->data;
        request.model = model;
        request.skip_if_trained = !options->force;
        ctx.counts[std::string("train_") + model] = run_training(ctx, request);
      }
    }

    spdlog::info("[7/8] evaluate");
    ctx.counts["evaluate"] =
        run_evaluation(ctx, EvaluationRequest{options->data, "all", "", "", options->force});

    spdlog::info("[8/8] inspect");
    Json inspected = ingest::inspect_store(options->data);
    std::string text = ingest::format_inspect(inspected);
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::printf(
        "\nResults are in %s (store/, derived/, features/, samples/, reports/, runs.sqlite%s)\n",
        options->data.string().c_str(), options->raw.empty() ? ", raw/, truth/" : "");
  };
  return command;
}

}  // namespace retailsim::cli
