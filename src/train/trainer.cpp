// The training loop: phases of epochs, AdamW with clipping and cosine decay, validation, early
// stopping and checkpoints.
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/error.h"
#include "core/progress.h"
#include "train/trainer.h"

namespace retailsim::train {
namespace {

void set_learning_rate(torch::optim::AdamW& optimizer, double lr) {
  for (auto& group : optimizer.param_groups()) {
    static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
  }
}

// Position of the run: what a checkpoint must hold to continue exactly.
struct Position {
  int64_t step = 0;
  size_t phase = 0;
  int64_t epoch = 0;  // global epoch counter (the source's epoch seed)
  int64_t epoch_in_phase = 0;
  int64_t batch_in_epoch = 0;  // batches of the current epoch already trained
};

}  // namespace

TrainResult run_training(TrainTask& task, BatchSource& train_source, BatchSource& val_source,
                         const TrainerOptions& options) {
  const TrainConfig& config = options.config;
  config.validate();
  fs::create_directories(options.checkpoint_dir);
  const fs::path latest = options.checkpoint_dir / "latest.pt";
  torch::nn::Module& module = task.module();
  torch::optim::AdamW optimizer(module.parameters(),
                                torch::optim::AdamWOptions(config.phases.front().learning_rate)
                                    .weight_decay(config.weight_decay));
  EarlyStopping stopping(config.patience,
                         config.monitor == "auto" ? task.default_monitor() : config.monitor);
  TrainResult result;
  Position at;

  auto state = [&] {
    return Json{{"step", at.step},
                {"phase", at.phase},
                {"epoch", at.epoch},
                {"epoch_in_phase", at.epoch_in_phase},
                {"batch_in_epoch", at.batch_in_epoch},
                {"early_stopping", stopping.to_json()},
                {"stopped_early", result.stopped_early},
                {"curve", result.curve},
                {"validations", result.validations},
                {"train_config", config.to_json()},
                {"metadata", options.metadata}};
  };
  if (options.resume && fs::exists(latest)) {
    const Json s = load_checkpoint(latest, module, &optimizer);
    at = {s.at("step"), s.at("phase"), s.at("epoch"), s.at("epoch_in_phase"),
          s.at("batch_in_epoch")};
    stopping.from_json(s.at("early_stopping"));
    // The run goes on following the figure it started with; naming another one is an error.
    if (config.monitor != "auto" && config.monitor != stopping.monitor()) {
      fail(
          "{}: the run follows the validation {} but [train] monitor is \"{}\": set it back to "
          "\"{}\" (or \"auto\") to resume, or train without --resume",
          latest.string(), stopping.monitor(), config.monitor, stopping.monitor());
    }
    result.stopped_early = s.at("stopped_early");
    result.curve = s.at("curve");
    result.validations = s.at("validations");
    spdlog::info("resuming from {} at step {} (epoch {}, batch {})", latest.string(), at.step,
                 at.epoch, at.batch_in_epoch);
  }

  auto epoch_batches = [&](const Phase& phase) {
    const int64_t n = train_source.batches_per_epoch(phase);
    return config.max_batches_per_epoch > 0 ? std::min(n, config.max_batches_per_epoch) : n;
  };
  int64_t total_steps = 0;
  for (const Phase& p : config.phases) {
    const int64_t full = train_source.batches_per_epoch(p);
    const int64_t per_epoch = epoch_batches(p);
    total_steps += p.epochs * per_epoch;
    result.phases.push_back({{"name", p.name},
                             {"epochs", p.epochs},
                             {"batches_per_epoch", per_epoch},
                             {"full_epoch_batches", full}});
    if (p.epochs > 0 && per_epoch < full) {
      spdlog::info(
          "{}: {} epochs train on {} of the {} batches of the training {}, a fresh sample each "
          "([train] max_batches_per_epoch; 0 trains on all of them)",
          options.label, p.name, per_epoch, full, p.refit ? "and validation splits" : "split");
    }
  }
  Progress progress(options.label, static_cast<uint64_t>(total_steps), "steps");
  progress.skip(static_cast<uint64_t>(at.step));

  auto validate = [&](int64_t max_batches, const char* kind) {
    module.eval();
    Json v;
    {
      torch::NoGradGuard no_grad;
      v = task.validate(val_source, max_batches);
    }
    module.train();
    v["step"] = at.step;
    v["epoch"] = at.epoch;
    v["kind"] = kind;
    result.validations.push_back(v);
    return v;
  };
  // The monitored figure of a full validation. Under "auto", a task whose figure is missing from
  // the first one (no next-basket samples in a tiny validation split) falls back to the loss.
  auto monitored = [&](const Json& v) {
    if (!v.contains(stopping.monitor()) && config.monitor == "auto" && !stopping.has_best()) {
      spdlog::warn("{}: the validation has no {}; best.pt and early stopping follow the loss",
                   options.label, stopping.monitor());
      stopping.set_monitor("loss");
    }
    if (!v.contains(stopping.monitor()) || !v.at(stopping.monitor()).is_number()) {
      std::vector<std::string> figures;
      for (const auto& [key, value] : v.items()) {
        if (value.is_number() && key != "step" && key != "epoch" && key != "batches" &&
            key != "samples")
          figures.push_back(key);
      }
      fail("[train] monitor \"{}\": the validation has no such figure (it has {})",
           stopping.monitor(), fmt::join(figures, ", "));
    }
    return v.at(stopping.monitor()).get<double>();
  };

  while (at.phase < config.phases.size()) {
    const Phase& phase = config.phases[at.phase];
    if (at.epoch_in_phase >= phase.epochs) {
      // Early stopping ended the phase past its best: the next phase starts from best.pt. (A
      // resumed run passes here again from the same latest.pt, so it restores the same file.)
      // A refit phase always starts from best.pt: it refits the model the validation picked.
      const fs::path best = options.checkpoint_dir / "best.pt";
      const bool next_refits =
          at.phase + 1 < config.phases.size() && config.phases[at.phase + 1].refit;
      if (next_refits && fs::exists(best)) {
        load_checkpoint(best, module, &optimizer);
        spdlog::info(
            "{} starts from {} ({} {:.5f}) and trains on the training and validation "
            "samples",
            config.phases[at.phase + 1].name, best.string(), stopping.monitor(), stopping.best());
      } else if (config.restore_best && stopping.should_stop() &&
                 at.phase + 1 < config.phases.size() && fs::exists(best)) {
        load_checkpoint(best, module, &optimizer);
        spdlog::info("{} ended early: {} starts from {} ({} {:.5f})", phase.name,
                     config.phases[at.phase + 1].name, best.string(), stopping.monitor(),
                     stopping.best());
      }
      ++at.phase;
      at.epoch_in_phase = 0;
      stopping.reset_patience();
      continue;
    }
    const int64_t per_epoch = epoch_batches(phase);
    const int64_t phase_steps = phase.epochs * per_epoch;
    const int64_t warmup = at.phase == 0 ? config.warmup_steps : 0;
    train_source.start_epoch(at.epoch, phase);
    prepare::Batch batch;
    for (int64_t skip = 0; skip < at.batch_in_epoch; ++skip) train_source.next(batch);
    module.train();
    while (at.batch_in_epoch < per_epoch && train_source.next(batch)) {
      const int64_t step_in_phase = at.epoch_in_phase * per_epoch + at.batch_in_epoch;
      const double lr =
          learning_rate(phase, step_in_phase, phase_steps, warmup, config.min_lr_ratio);
      set_learning_rate(optimizer, lr);
      // Gradients of parameters a batch does not reach stay undefined (AdamW skips them), so a
      // resumed run, whose fresh parameters have no gradients yet, steps exactly like this one.
      module.zero_grad(/*set_to_none=*/true);
      std::map<std::string, double> parts;
      torch::Tensor loss = task.loss(batch, parts);
      loss.backward();
      torch::nn::utils::clip_grad_norm_(module.parameters(), config.grad_clip);
      optimizer.step();
      ++at.step;
      ++at.batch_in_epoch;
      result.samples += batch.size;
      progress.advance();
      Json point = {{"step", at.step},
                    {"phase", phase.name},
                    {"epoch", at.epoch},
                    {"lr", lr},
                    {"loss", loss.item<double>()}};
      for (const auto& [name, value] : parts) point[name] = value;
      result.curve.push_back(point);
      if (!phase.refit && config.quick_val_every > 0 && at.step % config.quick_val_every == 0) {
        validate(config.quick_val_batches, "quick");
      }
      const bool killed = options.stop_after_steps >= 0 && at.step >= options.stop_after_steps;
      if (killed || at.step % config.checkpoint_every == 0)
        save_checkpoint(latest, module, optimizer, state());
      if (killed) {
        result.steps = at.step;
        result.epochs = at.epoch;
        result.monitor = stopping.monitor();
        result.best_validation = stopping.best();
        return result;
      }
    }
    // A refit phase trains on the validation samples too: nothing to validate on; each of its
    // epochs is the model to use.
    bool improved = phase.refit;
    if (phase.refit) {
      spdlog::info(
          "{} epoch {}: trained on the training and validation samples; best.pt is "
          "this epoch's",
          phase.name, at.epoch);
    } else {
      const Json full = validate(config.full_val_batches, "full");
      const double figure = monitored(full);
      improved = stopping.update(figure);
      spdlog::info("{} epoch {}: validation loss {:.5f}{}{}", phase.name, at.epoch,
                   full.at("loss").get<double>(),
                   stopping.monitor() == "loss"
                       ? ""
                       : fmt::format(", {} {:.5f}", stopping.monitor(), figure),
                   improved ? " (best so far)" : "");
    }
    ++at.epoch;
    ++at.epoch_in_phase;
    at.batch_in_epoch = 0;
    if (!phase.refit && stopping.should_stop()) {
      spdlog::info("{}: no better validation {} for {} epochs, phase ends", phase.name,
                   stopping.monitor(), config.patience);
      result.stopped_early = true;
      at.epoch_in_phase = phase.epochs;
    }
    const Json s = state();
    if (improved) save_checkpoint(options.checkpoint_dir / "best.pt", module, optimizer, s);
    save_checkpoint(options.checkpoint_dir / fmt::format("epoch-{}.pt", at.epoch), module,
                    optimizer, s);
    save_checkpoint(latest, module, optimizer, s);
  }
  progress.finish();
  result.steps = at.step;
  result.epochs = at.epoch;
  result.monitor = stopping.monitor();
  result.best_validation = stopping.best();
  result.completed = true;
  return result;
}

}  // namespace retailsim::train
