// The trainer (LibTorch; internal to the train stage, used by the model jobs and tests): phases,
// AdamW, gradient clipping, cosine decay, quick and full validation, early stopping, and
// checkpoints that hold everything --resume needs to continue bit for bit.
#pragma once

#include <torch/torch.h>

#include <filesystem>
#include <map>
#include <string>

#include "train/train.h"

namespace retailsim::train {

namespace fs = std::filesystem;

// What the trainer trains: a module, its training loss on one batch, and its validation.
class TrainTask {
 public:
  virtual ~TrainTask() = default;
  virtual torch::nn::Module& module() = 0;
  // Training-mode loss of one batch; `parts` receives the named components (for the curves).
  virtual torch::Tensor loss(const prepare::Batch& batch, std::map<std::string, double>& parts) = 0;
  // Eval-mode validation over at most max_batches batches (0: all) of `source`, started at
  // epoch 0 with no masking change. Must hold "loss" (lower is better) and may add metrics.
  virtual Json validate(BatchSource& source, int64_t max_batches) = 0;
  // The validation figure [train] monitor = "auto" follows (see TrainConfig::monitor).
  virtual std::string default_monitor() const { return "loss"; }
};

struct TrainerOptions {
  TrainConfig config;
  fs::path checkpoint_dir;         // best.pt, latest.pt, epoch-N.pt, checkpoint.json
  Json metadata = Json::object();  // model config, data manifest...: stored in every checkpoint
  bool resume = false;             // continue from checkpoint_dir/latest.pt
  int64_t stop_after_steps = -1;  // stop (as if killed) after this many global steps, saving latest
  std::string label = "train";    // progress bar label
};

struct TrainResult {
  int64_t steps = 0;
  int64_t epochs = 0;
  int64_t samples = 0;  // samples trained on by this call (not counting a resumed run's past)
  std::string monitor;  // the figure that picked best.pt and drove early stopping
  double best_validation = 0;  // its best full-validation value
  bool stopped_early = false;
  bool completed = false;            // false when stop_after_steps cut it short
  Json curve = Json::array();        // {step, phase, epoch, lr, loss, parts...} per logged step
  Json validations = Json::array();  // {step, epoch, kind: quick|full, loss, metrics...}
  // Per phase: {name, epochs, batches_per_epoch (what an epoch trains on), full_epoch_batches
  // (the batches of every training sample once)}.
  Json phases = Json::array();
};

// `val_source` must be another object than `train_source` (validation restarts its source).
TrainResult run_training(TrainTask& task, BatchSource& train_source, BatchSource& val_source,
                         const TrainerOptions& options);

// Checkpoint files: the module's parameters and buffers, the optimizer's state, the trainer's
// state (step, epoch, position in the epoch, early stopping, curves), LibTorch's CPU random state
// and the metadata, written atomically.
void save_checkpoint(const fs::path& path, torch::nn::Module& module,
                     torch::optim::Optimizer& optimizer, const Json& state);
// Loads into `module` and `optimizer` (may be null), restores the random state, returns the state.
Json load_checkpoint(const fs::path& path, torch::nn::Module& module,
                     torch::optim::Optimizer* optimizer);

}  // namespace retailsim::train
