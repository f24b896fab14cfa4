// The learning-rate schedule (warm-up, cosine decay) and early stopping.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include "core/error.h"
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

namespace {

double worst_value(bool higher_is_better) {
  return higher_is_better ? -std::numeric_limits<double>::infinity()
                          : std::numeric_limits<double>::infinity();
}

}  // namespace

EarlyStopping::EarlyStopping(int64_t patience, std::string monitor)
    : patience_(patience), monitor_(std::move(monitor)), best_(worst_value(higher_is_better())) {}

void EarlyStopping::set_monitor(std::string monitor) {
  if (updates_ > 0) fail("early stopping: the monitor cannot change after the first validation");
  monitor_ = std::move(monitor);
  best_ = worst_value(higher_is_better());
}

bool EarlyStopping::update(double value) {
  ++updates_;
  if (higher_is_better() ? value > best_ : value < best_) {
    best_ = value;
    bad_epochs_ = 0;
    return true;
  }
  ++bad_epochs_;
  return false;
}

Json EarlyStopping::to_json() const {
  // JSON has no infinities: before the first update `best` is null.
  return {{"patience", patience_},
          {"monitor", monitor_},
          {"bad_epochs", bad_epochs_},
          {"updates", updates_},
          {"best", updates_ > 0 ? Json(best_) : Json()}};
}

void EarlyStopping::from_json(const Json& j) {
  monitor_ = j.value("monitor", std::string("loss"));
  bad_epochs_ = j.at("bad_epochs");
  const Json& best = j.at("best");
  // Older states kept 1e300 as "none yet" and did not count updates.
  best_ = best.is_null() || best.get<double>() >= 1e300 ? worst_value(higher_is_better())
                                                        : best.get<double>();
  updates_ = j.value("updates", best_ == worst_value(higher_is_better()) ? 0 : 1);
}

}  // namespace retailsim::train
