// What every subcommand is given and gives back: the shared context and a small description that
// main() uses to run it inside the run registry.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "core/config.h"
#include "core/manifest.h"

namespace retailsim::cli {

namespace fs = std::filesystem;

struct CommandContext {
  GlobalOptions global;
  Config config;
  std::string command_line;      // as typed, for the registry
  Json counts = Json::object();  // key counts the command reports into runs.sqlite
  // Records a metric of this run into runs.sqlite (main sets it when the run is recorded).
  std::function<void(const std::string& name, int64_t step, double value)> log_metric =
      [](const std::string&, int64_t, double) {};
  uint64_t seed() const { return global.seed; }
};

struct Command {
  CLI::App* app = nullptr;
  // The dataset folder whose runs.sqlite records this run (empty: not recorded).
  std::function<fs::path()> data_dir;
  std::function<void(CommandContext&)> run;
};

// One function per subcommand file; each adds its subcommand to `root`.
Command add_generate_command(CLI::App& root);
Command add_ingest_command(CLI::App& root);
Command add_derive_command(CLI::App& root);
Command add_features_command(CLI::App& root);
Command add_prepare_command(CLI::App& root);
Command add_export_command(CLI::App& root);
Command add_evaluate_command(CLI::App& root);
Command add_inspect_command(CLI::App& root);
Command add_run_command(CLI::App& root);
Command add_simulate_command(CLI::App& root);
Command add_train_command(CLI::App& root);
Command add_predict_command(CLI::App& root);
Command add_rl_command(CLI::App& root);

// What `evaluate` (and `run`) evaluates; empty fields take the config's [evaluate] values.
struct EvaluationRequest {
  fs::path data;
  std::string methods;  // comma-separated; empty: all
  std::string protocol;
  std::string split;
  bool force = false;
  bool price_ablation = false;  // also rank the world model without target-week prices
};
// Runs the evaluation, records every method's metrics into runs.sqlite, returns the key figures.
Json run_evaluation(CommandContext& ctx, const EvaluationRequest& request);

struct TrainingRequest {
  fs::path data;
  std::string model = "world";  // world or store-visit
  std::string device = "auto";
  bool resume = false;
  bool skip_if_trained = false;  // nothing to do when trained on the same samples and config
};
// Trains one model through the torch module ("model.train"), records its curves into
// runs.sqlite, returns the job's summary (without the curves).
Json run_training(CommandContext& ctx, const TrainingRequest& request);

// Sets the thread count of oneTBB for the whole process; commands that use LibTorch pass the same
// count to load_torch_runtime().
class ThreadSettings {
 public:
  explicit ThreadSettings(int n_threads);
  ~ThreadSettings();

 private:
  struct Impl;
  Impl* impl_;
};

}  // namespace retailsim::cli
