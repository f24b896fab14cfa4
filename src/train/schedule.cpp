// The learning-rate schedule (warm-up, cosine decay) and early stopping.
#include <algorithm>
#include <cmath>
#include <numbers>

#include "train/train.h"

namespace retailsim::train {

double learning_rate(const Phase& phase, int64_t step, int64_t phase_steps, int64_t warmup_steps,
                     double min_lr_ratio) {
  const double peak = phase.learning_rate;
  if (step < warmup_steps)
    return peak * static_cast<double>(step + 1) / static_cast<double>(warmup_steps);
  const int64_t decay_steps = std::max<int64_t>(1, phase_steps - warmup_steps);
  const double progress =
      std::clamp(static_cast<double>(step - warmup_steps) / decay_steps, 0.0, 1.0);
  const double cosine = 0.5 * (1.0 + std::cos(std::numbers::pi * progress));
  return peak * (min_lr_ratio + (1.0 - min_lr_ratio) * cosine);
}

bool EarlyStopping::update(double loss) {
  if (loss < best_) {
    best_ = loss;
    bad_epochs_ = 0;
    return true;
  }
  ++bad_epochs_;
  return false;
}

Json EarlyStopping::to_json() const {
  return {{"patience", patience_}, {"bad_epochs", bad_epochs_}, {"best", best_}};
}

void EarlyStopping::from_json(const Json& j) {
  bad_epochs_ = j.at("bad_epochs");
  best_ = j.at("best");
}

}  // namespace retailsim::train
