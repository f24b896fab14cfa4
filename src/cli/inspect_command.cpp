// `retailsim inspect`: what a dataset folder holds.
#include <cstdio>

#include "cli/command.h"
#include "ingest/ingest.h"

namespace retailsim::cli {

Command add_inspect_command(CLI::App& root) {
  struct Options {
    fs::path data;
    bool json = false;
  };
  auto options = std::make_shared<Options>();
  CLI::App* app = root.add_subcommand("inspect", "Summarise a dataset folder's store");
  app->add_option("--data", options->data, "Dataset folder")->required();
  app->add_flag("--json", options->json, "Print the summary as JSON");

  Command command;
  command.app = app;
  command.run = [options](CommandContext&) {
    Json summary = ingest::inspect_store(options->data);
    std::string text = options->json ? summary.dump(2) + "\n" : ingest::format_inspect(summary);
    std::fwrite(text.data(), 1, text.size(), stdout);
  };
  return command;
}

}  // namespace retailsim::cli
