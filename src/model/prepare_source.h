// Batch sources over the prepare stage's samples and loader (internal to the model stage): the
// world model reads masked-basket batches in the warm-up phase and next-basket batches (with
// masked-basket batches mixed in at the phase's mask rate) afterwards; the store-visit model
// reads store-visit batches.
#pragma once

#include <map>
#include <memory>
#include <optional>

#include "core/manifest.h"
#include "prepare/prepare.h"
#include "train/trainer.h"

namespace retailsim::model {

class PrepareSource : public train::BatchSource {
 public:
  // `kind`: the samples served (next-basket: the world model, masked-basket batches mixed in as
  // the phase says; store-visit). `split`: 0 train, 1 val, 2 test. `world_phases`: whether phases
  // choose the kinds (training the world model) or `kind` alone is served (validation).
  PrepareSource(const fs::path& data_dir, const prepare::PrepareConfig& config,
                prepare::SampleKind kind, int8_t split, bool world_phases, int n_threads);
  ~PrepareSource() override;
  int64_t batches_per_epoch(const train::Phase& phase) const override;
  void start_epoch(int64_t epoch, const train::Phase& phase) override;
  bool next(prepare::Batch& batch) override;

  const prepare::TensorSources& sources() const { return *sources_.at(config_.mask_rate); }
  const prepare::Samples& samples(prepare::SampleKind kind) const;
  // Rows of the served split of `kind`.
  const std::vector<int64_t>& rows(prepare::SampleKind kind) const;
  // Rows a refit phase trains on (a world model's training source only): the training split's and
  // the validation split's, less the validation samples whose target is on their customer's last
  // date when [prepare] hold_out_last_date holds them out (reality-check targets).
  const std::vector<int64_t>& refit_rows(prepare::SampleKind kind) const;

 private:
  std::shared_ptr<const prepare::TensorSources> sources_for(double mask_rate);
  // `training` plus the validation rows a refit trains on.
  std::vector<int64_t> with_validation(const prepare::Samples& samples,
                                       const std::vector<int64_t>& training) const;
  bool serves_masked(const train::Phase& phase) const;
  bool masked_only(const train::Phase& phase) const;
  const std::vector<int64_t>& rows_for(prepare::SampleKind kind, const train::Phase& phase) const;
  int64_t plan_size(prepare::SampleKind kind, const train::Phase& phase) const;

  fs::path data_dir_;
  prepare::PrepareConfig config_;
  prepare::SampleKind kind_;
  bool world_phases_;
  int n_threads_;
  std::map<double, std::shared_ptr<const prepare::TensorSources>> sources_;
  std::map<int, prepare::Samples> samples_;
  std::map<int, std::vector<int64_t>> rows_, refit_rows_;
  std::unique_ptr<prepare::Loader> main_, masked_;
  int64_t position_ = 0;
  bool mixed_ = false, only_masked_ = false;
};

// The trained model on `test_source` (eval mode): its validation figures over the split's first
// max_batches batches (0: the whole split; `batches` and `samples` say how many), the seconds
// that took and, for the world model, the scoring latency (ms) of one sample and of a batch of
// (at most) 1,024.
Json evaluate_on_test(train::TrainTask& task, PrepareSource& test_source, bool world,
                      int64_t max_batches);

}  // namespace retailsim::model
