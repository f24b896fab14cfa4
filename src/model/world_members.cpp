// The trained world model's ensemble (model.h's member_checkpoints): every member loaded with the
// configuration it was trained with, checked against the store's catalogue.
#include <spdlog/spdlog.h>

#include "core/error.h"
#include "model/modules.h"
#include "train/trainer.h"

namespace retailsim::model {

ModelConfig config_of(const fs::path& checkpoint) {
  const fs::path path = checkpoint.parent_path() / "model.json";
  if (!fs::exists(path)) fail("{}: missing (the model's configuration)", path.string());
  return ModelConfig::from_json(read_json(path).at("model_config"));
}

WorldMembers load_world_members(const fs::path& data_dir, int32_t n_products) {
  WorldMembers out;
  for (const fs::path& checkpoint : member_checkpoints(data_dir, "world")) {
    const ModelConfig config = config_of(checkpoint);
    if (config.n_products != n_products)
      fail("{}: the model was trained on {} products, the store has {} (retrain the world model)",
           checkpoint.string(), config.n_products, n_products);
    BasketModel model(config);
    train::load_checkpoint(checkpoint, *model, nullptr);
    model->eval();
    out.models.push_back(model);
    out.configs.push_back(config);
    out.checkpoints.push_back(checkpoint);
    bool found = false;
    out.calibrations.push_back(read_calibration(checkpoint.parent_path(), &found));
    if (!found) {
      spdlog::warn(
          "{}: no {} (trained before the probabilities were calibrated), so its probabilities "
          "are the plain sigmoid, several times the observed rates; `retailsim train --data {} "
          "--model world --resume` (or `retailsim run`) fits it without retraining",
          checkpoint.parent_path().string(), kCalibrationFile, data_dir.string());
    }
  }
  return out;
}

torch::Tensor WorldMembers::calibrated_logits(size_t m, const torch::Tensor& logits) const {
  const ProbabilityCalibration& c = calibrations.at(m);
  return logits * c.slope + c.offset;
}

torch::Tensor WorldMembers::probabilities(const std::vector<torch::Tensor>& member_logits) const {
  if (member_logits.empty() || member_logits.size() != calibrations.size())
    fail("world model: {} members' logits for {} calibrated members", member_logits.size(),
         calibrations.size());
  torch::Tensor sum = calibrated_logits(0, member_logits[0]);
  for (size_t m = 1; m < member_logits.size(); ++m)
    sum = sum + calibrated_logits(m, member_logits[m]);
  return torch::sigmoid(sum / static_cast<double>(member_logits.size()));
}

}  // namespace retailsim::model
