// Checkpoints: model, optimizer, trainer state, random state and metadata in one archive.
#include <ATen/CPUGeneratorImpl.h>

#include <mutex>
#include <sstream>

#include "core/atomic_file.h"
#include "core/error.h"
#include "train/trainer.h"

namespace retailsim::train {

void save_checkpoint(const fs::path& path, torch::nn::Module& module,
                     torch::optim::Optimizer& optimizer, const Json& state) {
  torch::serialize::OutputArchive archive;
  torch::serialize::OutputArchive model_archive, optimizer_archive;
  module.save(model_archive);
  optimizer.save(optimizer_archive);
  archive.write("model", model_archive);
  archive.write("optimizer", optimizer_archive);
  archive.write("state", c10::IValue(state.dump()));
  {
    auto generator = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(generator.mutex());
    archive.write("cpu_rng", generator.get_state());
  }
  std::ostringstream bytes;
  archive.save_to(bytes);
  const std::string data = bytes.str();
  AtomicFile file(path);
  file.write(data);
  file.commit();
}

Json load_checkpoint(const fs::path& path, torch::nn::Module& module,
                     torch::optim::Optimizer* optimizer) {
  if (!fs::exists(path)) fail("{}: no checkpoint there", path.string());
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(path.string());
  } catch (const c10::Error& e) {
    fail("{}: not a readable checkpoint ({})", path.string(), e.what_without_backtrace());
  }
  torch::serialize::InputArchive model_archive;
  archive.read("model", model_archive);
  try {
    module.load(model_archive);
  } catch (const c10::Error& e) {
    fail(
        "{}: the checkpoint does not fit this model, likely written by an older retailsim (retrain "
        "it): {}",
        path.string(), e.what_without_backtrace());
  }
  if (optimizer) {
    torch::serialize::InputArchive optimizer_archive;
    archive.read("optimizer", optimizer_archive);
    optimizer->load(optimizer_archive);
  }
  c10::IValue state;
  archive.read("state", state);
  torch::Tensor rng;
  archive.read("cpu_rng", rng);
  {
    auto generator = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(generator.mutex());
    generator.set_state(rng);
  }
  return Json::parse(state.toStringRef());
}

}  // namespace retailsim::train
