// Public surface of the train stage: the training configuration (three phases with their learning
// rates and mask rates, AdamW, clipping, validation cadence, early stopping), the learning-rate
// schedule, early stopping and the batch sources the trainer reads. Torch-free; the trainer itself
// (trainer.h, LibTorch) runs inside the retailsim_torch module.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/manifest.h"
#include "prepare/prepare.h"

namespace retailsim::train {

// One training phase: epochs at a peak learning rate (cosine decay within the phase) and the
// BERT-style mask rate of its masked-basket batches. A `refit` phase trains on the training and
// the validation samples (BatchSource serves both), starting from best.pt, without validation or
// early stopping; each of its epochs writes best.pt (the model the validation picked, refitted).
struct Phase {
  std::string name;
  int64_t epochs = 1;
  double learning_rate = 1e-3;
  double mask_rate = 0.15;
  bool refit = false;
};

// [train]
struct TrainConfig {
  std::vector<Phase> phases = {
      {"warm-up", 1, 1e-3, 0.15}, {"main", 6, 1e-2, 0.15}, {"fine-tune", 2, 1e-3, 0.05}};
  int64_t batch_size = 256;
  double weight_decay = 0.01;      // AdamW
  double grad_clip = 1.0;          // global gradient norm
  int64_t warmup_steps = 50;       // linear ramp at the start of the first phase
  double min_lr_ratio = 0.05;      // cosine decay floor, as a share of the phase's peak
  int64_t quick_val_every = 100;   // steps between quick validations (0: none)
  int64_t quick_val_batches = 4;   // batches of a quick validation
  int64_t patience = 3;            // epochs without a better full validation before a phase ends
  int64_t checkpoint_every = 200;  // steps between `latest` checkpoints (also at each epoch end)
  // Caps an epoch at this many batches, each epoch a fresh shuffled sample of the split (0: every
  // sample once). The default bounds training on large data: at the full LGSR size an epoch of
  // every sample is ~100k batches, more than a day on 2 cores (docs/model.md).
  int64_t max_batches_per_epoch = 1000;
  int64_t full_val_batches = 200;  // batches of a full validation (0: the whole split)
  // The full-validation figure that picks best.pt and drives early stopping: "loss" is lowered,
  // any other figure the task reports (ndcg@10, recall@10, accuracy, mrr...) raised; "auto" is the
  // task's choice (the world model's ndcg@10, the store-visit model's loss).
  std::string monitor = "auto";
  // A phase that early stopping ended hands the next phase the weights and AdamW state of
  // best.pt instead of its last epoch's.
  bool restore_best = true;
  // Epochs of a last phase, "refit" (keys refit_epochs, refit_lr, refit_mask_rate; default 2
  // epochs at main_lr, finetune_mask_rate; 0: none), over the training and validation samples
  // once the validation has picked best.pt: the samples of the latest weeks before the test then
  // train the model too (docs/model.md). from_section adds it when refit_epochs > 0; a
  // configuration built in code has none unless its `phases` hold one.
  int64_t refit_epochs() const;
  // The same configuration without its refit phase (the store-visit model's).
  TrainConfig without_refit() const;

  // Reads [train]: phase keys are warmup_epochs, warmup_lr, warmup_mask_rate, main_*,
  // finetune_*, refit_*; unknown keys and bad values are errors naming the key.
  static TrainConfig from_section(const Section& section);
  Json to_json() const;
  static TrainConfig from_json(const Json& j);
  void validate() const;
};

// The learning rate at `step` (0-based) of a phase of `phase_steps` steps: linear warm-up over the
// first `warmup_steps` (first phase only: pass 0 otherwise), then cosine decay from the phase's
// peak down to min_lr_ratio of it.
double learning_rate(const Phase& phase, int64_t step, int64_t phase_steps, int64_t warmup_steps,
                     double min_lr_ratio);

// Early stopping on one validation figure, its `monitor`: "loss" is better lower, any other
// figure better higher.
class EarlyStopping {
 public:
  explicit EarlyStopping(int64_t patience, std::string monitor = "loss");
  // Records a validation figure; returns true when it is the best so far.
  bool update(double value);
  bool should_stop() const { return bad_epochs_ >= patience_; }
  void reset_patience() { bad_epochs_ = 0; }
  // The best figure so far (+inf for "loss", -inf otherwise, before any update).
  double best() const { return best_; }
  bool has_best() const { return updates_ > 0; }
  const std::string& monitor() const { return monitor_; }
  bool higher_is_better() const { return monitor_ != "loss"; }
  // Follows another figure; only before the first update.
  void set_monitor(std::string monitor);
  Json to_json() const;
  // A state saved before monitors existed followed the loss.
  void from_json(const Json& j);

 private:
  int64_t patience_;
  std::string monitor_;
  int64_t bad_epochs_ = 0;
  int64_t updates_ = 0;
  double best_;
};

// Where the trainer reads batches. An epoch's batches are a pure function of (epoch, phase): the
// phase says which sample kinds to serve and its mask rate. That is what lets --resume skip the
// batches a killed run already trained on.
class BatchSource {
 public:
  virtual ~BatchSource() = default;
  virtual int64_t batches_per_epoch(const Phase& phase) const = 0;
  virtual void start_epoch(int64_t epoch, const Phase& phase) = 0;
  // The next batch of the epoch; false at its end.
  virtual bool next(prepare::Batch& batch) = 0;
};

}  // namespace retailsim::train
