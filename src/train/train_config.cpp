// TrainConfig: the [train] section, its JSON form and its checks.
#include "core/error.h"
#include "train/train.h"

namespace retailsim::train {
namespace {

constexpr const char* kPhaseKeys[] = {"warmup", "main", "finetune"};
constexpr int64_t kDefaultRefitEpochs = 2;

}  // namespace

TrainConfig TrainConfig::from_section(const Section& section) {
  TrainConfig c;
  std::set<std::string, std::less<>> known = {
      "batch_size",       "weight_decay",          "grad_clip",         "warmup_steps",
      "min_lr_ratio",     "quick_val_every",       "quick_val_batches", "patience",
      "checkpoint_every", "max_batches_per_epoch", "full_val_batches",  "monitor",
      "restore_best"};
  c.batch_size = section.get_int("batch_size", c.batch_size);
  c.weight_decay = section.get_double("weight_decay", c.weight_decay);
  c.grad_clip = section.get_double("grad_clip", c.grad_clip);
  c.warmup_steps = section.get_int("warmup_steps", c.warmup_steps);
  c.min_lr_ratio = section.get_double("min_lr_ratio", c.min_lr_ratio);
  c.quick_val_every = section.get_int("quick_val_every", c.quick_val_every);
  c.quick_val_batches = section.get_int("quick_val_batches", c.quick_val_batches);
  c.patience = section.get_int("patience", c.patience);
  c.checkpoint_every = section.get_int("checkpoint_every", c.checkpoint_every);
  c.max_batches_per_epoch = section.get_int("max_batches_per_epoch", c.max_batches_per_epoch);
  c.full_val_batches = section.get_int("full_val_batches", c.full_val_batches);
  c.monitor = section.get_string("monitor", c.monitor);
  c.restore_best = section.get_bool("restore_best", c.restore_best);
  for (size_t i = 0; i < c.phases.size(); ++i) {
    const std::string prefix = kPhaseKeys[i];
    for (const char* suffix : {"_epochs", "_lr", "_mask_rate"}) known.insert(prefix + suffix);
    Phase& p = c.phases[i];
    p.epochs = section.get_int(prefix + "_epochs", p.epochs);
    p.learning_rate = section.get_double(prefix + "_lr", p.learning_rate);
    p.mask_rate = section.get_double(prefix + "_mask_rate", p.mask_rate);
  }
  // The refit phase: two epochs at the main phase's peak rate with the fine-tune phase's mask
  // rate by default (docs/model.md).
  Phase refit{"refit", kDefaultRefitEpochs, c.phases[1].learning_rate, c.phases.back().mask_rate,
              true};
  for (const char* suffix : {"_epochs", "_lr", "_mask_rate"})
    known.insert(std::string("refit") + suffix);
  refit.epochs = section.get_int("refit_epochs", refit.epochs);
  refit.learning_rate = section.get_double("refit_lr", refit.learning_rate);
  refit.mask_rate = section.get_double("refit_mask_rate", refit.mask_rate);
  if (refit.epochs < 0) fail("[train] refit_epochs must be >= 0, got {}", refit.epochs);
  if (refit.epochs > 0) c.phases.push_back(refit);
  section.check_known_keys(known);
  c.validate();
  return c;
}

Json TrainConfig::to_json() const {
  Json phases_json = Json::array();
  for (const Phase& p : phases) {
    Json phase = {{"name", p.name},
                  {"epochs", p.epochs},
                  {"learning_rate", p.learning_rate},
                  {"mask_rate", p.mask_rate}};
    if (p.refit) phase["refit"] = true;
    phases_json.push_back(phase);
  }
  return {{"phases", phases_json},
          {"batch_size", batch_size},
          {"weight_decay", weight_decay},
          {"grad_clip", grad_clip},
          {"warmup_steps", warmup_steps},
          {"min_lr_ratio", min_lr_ratio},
          {"quick_val_every", quick_val_every},
          {"quick_val_batches", quick_val_batches},
          {"patience", patience},
          {"checkpoint_every", checkpoint_every},
          {"max_batches_per_epoch", max_batches_per_epoch},
          {"full_val_batches", full_val_batches},
          {"monitor", monitor},
          {"restore_best", restore_best}};
}

TrainConfig TrainConfig::from_json(const Json& j) {
  TrainConfig c;
  c.phases.clear();
  for (const Json& p : j.at("phases")) {
    c.phases.push_back({p.at("name").get<std::string>(), p.at("epochs").get<int64_t>(),
                        p.at("learning_rate").get<double>(), p.at("mask_rate").get<double>(),
                        p.value("refit", false)});
  }
  c.batch_size = j.at("batch_size");
  c.weight_decay = j.at("weight_decay");
  c.grad_clip = j.at("grad_clip");
  c.warmup_steps = j.at("warmup_steps");
  c.min_lr_ratio = j.at("min_lr_ratio");
  c.quick_val_every = j.at("quick_val_every");
  c.quick_val_batches = j.at("quick_val_batches");
  c.patience = j.at("patience");
  c.checkpoint_every = j.at("checkpoint_every");
  c.max_batches_per_epoch = j.at("max_batches_per_epoch");
  c.full_val_batches = j.at("full_val_batches");
  c.monitor = j.value("monitor", std::string("loss"));  // what runs before the key followed
  c.restore_best = j.value("restore_best", false);      // and they went on from the last epoch
  return c;
}

TrainConfig TrainConfig::without_refit() const {
  TrainConfig c = *this;
  std::erase_if(c.phases, [](const Phase& p) { return p.refit; });
  return c;
}

int64_t TrainConfig::refit_epochs() const {
  int64_t n = 0;
  for (const Phase& p : phases) n += p.refit ? p.epochs : 0;
  return n;
}

void TrainConfig::validate() const {
  if (batch_size < 1) fail("[train] batch_size must be positive, got {}", batch_size);
  if (weight_decay < 0) fail("[train] weight_decay must be >= 0, got {}", weight_decay);
  if (grad_clip <= 0) fail("[train] grad_clip must be > 0, got {}", grad_clip);
  if (warmup_steps < 0) fail("[train] warmup_steps must be >= 0, got {}", warmup_steps);
  if (min_lr_ratio < 0 || min_lr_ratio > 1) fail("[train] min_lr_ratio must be in [0, 1]");
  if (quick_val_every < 0 || quick_val_batches < 1) {
    fail("[train] quick_val_every must be >= 0 and quick_val_batches positive");
  }
  if (patience < 1) fail("[train] patience must be positive, got {}", patience);
  if (checkpoint_every < 1) fail("[train] checkpoint_every must be positive");
  if (max_batches_per_epoch < 0 || full_val_batches < 0) {
    fail("[train] max_batches_per_epoch and full_val_batches must be >= 0");
  }
  if (monitor.empty() || monitor == "batches" || monitor == "samples" || monitor == "step" ||
      monitor == "epoch") {
    fail(
        "[train] monitor must name a validation figure (loss, ndcg@10, recall@10, accuracy, "
        "mrr...) or be \"auto\", got \"{}\"",
        monitor);
  }
  for (size_t i = 0; i < phases.size(); ++i) {
    if (phases[i].refit && i + 1 != phases.size())
      fail("[train] the refit phase must be the last one");
  }
  for (const Phase& p : phases) {
    if (p.epochs < 0) fail("[train] {} epochs must be >= 0, got {}", p.name, p.epochs);
    if (p.learning_rate <= 0) fail("[train] {} learning rate must be > 0", p.name);
    if (p.mask_rate < 0 || p.mask_rate >= 1) fail("[train] {} mask rate must be in [0, 1)", p.name);
  }
}

}  // namespace retailsim::train
