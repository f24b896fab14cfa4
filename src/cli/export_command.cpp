// `retailsim export tensors`: one batch of T1-T6 inputs and targets as .npy files + batch.json.
#include <spdlog/spdlog.h>

#include "cli/command.h"
#include "core/error.h"
#include "prepare/prepare.h"

namespace retailsim::cli {

Command add_export_command(CLI::App& root) {
  struct Options {
    fs::path data;
    fs::path out;
    std::string split = "val";
    std::string kind = "masked";
    int64_t limit = 1000;
  };
  auto options = std::make_shared<Options>();
  CLI::App* app = root.add_subcommand("export", "Export data for other tools");
  app->require_subcommand(1);
  CLI::App* tensors = app->add_subcommand(
      "tensors",
      "Write one batch (the first --limit samples of a split) as .npy files + batch.json");
  tensors->add_option("--data", options->data, "Dataset folder")->required();
  tensors->add_option("--out", options->out, "Folder to write the arrays into")->required();
  tensors->add_option("--split", options->split, "train, val or test")
      ->check(CLI::IsMember({"train", "val", "test"}))
      ->capture_default_str();
  tensors->add_option("--kind", options->kind, "masked, next or store-visit")
      ->check(CLI::IsMember({"masked", "next", "store-visit"}))
      ->capture_default_str();
  tensors->add_option("--limit", options->limit, "Samples in the batch")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();

  Command command;
  command.app = app;
  command.data_dir = [options] { return options->data; };
  command.run = [options](CommandContext& ctx) {
    prepare::ExportOptions o;
    o.data_dir = options->data;
    o.out_dir = options->out;
    o.kind = prepare::parse_kind(options->kind);
    o.split = static_cast<int8_t>(options->split == "train" ? 0 : options->split == "val" ? 1 : 2);
    o.limit = options->limit;
    o.config = prepare::PrepareConfig::from_section(ctx.config.section("prepare"), ctx.seed());
    const Json j = prepare::export_tensors(o);
    ctx.counts = {{"kind", j["kind"]},
                  {"split", j["split"]},
                  {"size", j["size"]},
                  {"max_items", j["max_items"]},
                  {"out", options->out.string()}};
  };
  return command;
}

}  // namespace retailsim::cli
