// `retailsim train`: trains the world (basket) model or the store-visit model in the LibTorch
// module ("model.train" job); checkpoints in <data>/models/<model>/, curves in runs.sqlite and
// <data>/reports/training-<model>.json.
#include <spdlog/spdlog.h>

#include "cli/command.h"
#include "core/progress.h"
#include "core/torch_runtime.h"

namespace retailsim::cli {

Json run_training(CommandContext& ctx, const TrainingRequest& request) {
  const int threads = ctx.global.resolved_threads();
  load_torch_runtime(threads);
  const Json args = {{"data_dir", request.data.string()},
                     {"model", request.model},
                     {"resume", request.resume},
                     {"skip_if_trained", request.skip_if_trained},
                     {"device", request.device},
                     {"seed", ctx.seed()},
                     {"threads", threads},
                     {"config_path", ctx.global.config_path.string()}};
  Json result = run_torch_job("model.train", args, ctx.global.quiet);
  const bool skipped = result.value("skipped", false);
  if (ctx.log_metric && !skipped) {
    for (const Json& point : result.at("curve")) {
      ctx.log_metric("train/" + request.model + "/loss", point.at("step"), point.at("loss"));
    }
    for (const Json& v : result.at("validations")) {
      const std::string prefix =
          "val/" + request.model + "/" + v.at("kind").get<std::string>() + "/";
      for (const auto& [key, value] : v.items()) {
        if (value.is_number() && key != "step" && key != "epoch") {
          ctx.log_metric(prefix + key, v.at("step"), value.get<double>());
        }
      }
    }
  }
  result.erase("curve");
  result.erase("validations");
  if (!skipped) {
    const std::string monitor = result.at("monitor");
    const Json& best = result.at("best_validation");
    spdlog::info("{} model: {} steps, best validation {} {}, took {}; report {}", request.model,
                 result.at("steps").get<int64_t>(), monitor,
                 best.contains(monitor) ? fmt::format("{:.5f}", best.at(monitor).get<double>())
                                        : std::string("(none)"),
                 human_duration(result.at("seconds").get<double>()),
                 result.at("report").get<std::string>());
  }
  return result;
}

Command add_train_command(CLI::App& root) {
  auto options = std::make_shared<TrainingRequest>();
  CLI::App* app = root.add_subcommand(
      "train",
      "Train the world model (next and masked baskets) or the store-visit model on the "
      "prepared samples into <data>/models/<model>/");
  app->add_option("--data", options->data, "Dataset folder")->required();
  app->add_option("--model", options->model, "Which model: world or store-visit")
      ->check(CLI::IsMember({"world", "store-visit"}));
  app->add_flag("--resume", options->resume,
                "Continue from <data>/models/<model>/latest.pt to the weights an uninterrupted run "
                "reaches");
  app->add_option("--device", options->device,
                  "auto, cpu or cuda (Debian's LibTorch is CPU-only: auto is cpu there)")
      ->check(CLI::IsMember({"auto", "cpu", "cuda"}));

  Command command;
  command.app = app;
  command.data_dir = [options] { return options->data; };
  command.run = [options](CommandContext& ctx) { ctx.counts = run_training(ctx, *options); };
  return command;
}

}  // namespace retailsim::cli
