// Checkpoints: model, optimizer, trainer state, random state and metadata in one archive.
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Context.h>

#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "core/atomic_file.h"
#include "core/error.h"
#include "train/trainer.h"

namespace retailsim::train {

namespace {

// Every parameter's and buffer's shape by name.
std::map<std::string, std::vector<int64_t>> shapes_of(const torch::nn::Module& module) {
  std::map<std::string, std::vector<int64_t>> out;
  for (const auto& p : module.named_parameters()) out[p.key()] = p.value().sizes().vec();
  for (const auto& b : module.named_buffers()) out[b.key()] = b.value().sizes().vec();
  return out;
}

// GPUs whose random generators a checkpoint holds: dropout on a GPU draws from its device's
// generator, as on the CPU from the CPU's. None with Debian's CPU-only LibTorch.
int64_t cuda_devices() {
  return at::hasCUDA() ? static_cast<int64_t>(at::detail::getCUDAHooks().getNumGPUs()) : 0;
}

at::Generator cuda_generator(int64_t device) {
  return at::globalContext().defaultGenerator(
      at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(device)));
}

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) out += (i ? ", " : "") + std::to_string(shape[i]);
  return out + "]";
}

}  // namespace

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
  for (int64_t d = 0; d < cuda_devices(); ++d) {
    at::Generator generator = cuda_generator(d);
    std::lock_guard<std::mutex> lock(generator.mutex());
    archive.write("cuda_rng_" + std::to_string(d), generator.get_state());
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
  // Module::load puts each stored tensor in place whatever its shape, so the shapes are checked
  // after it: a checkpoint of another configuration would otherwise fail later, deep in a
  // forward pass.
  const auto expected = shapes_of(module);
  try {
    module.load(model_archive);
  } catch (const c10::Error& e) {
    fail(
        "{}: the checkpoint does not fit this model, likely written by an older retailsim (retrain "
        "it): {}",
        path.string(), e.what_without_backtrace());
  }
  for (const auto& [name, shape] : shapes_of(module)) {
    const std::vector<int64_t>& wanted = expected.at(name);
    if (shape == wanted) continue;
    fail(
        "{}: the checkpoint does not fit this model: {} is {} there and {} here (written with "
        "another [model] configuration or an older retailsim; retrain it, or train without "
        "--resume)",
        path.string(), name, shape_text(shape), shape_text(wanted));
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
  // A checkpoint written on another machine may hold more or fewer GPUs' states than this one.
  for (int64_t d = 0; d < cuda_devices(); ++d) {
    torch::Tensor cuda_rng;
    if (!archive.try_read("cuda_rng_" + std::to_string(d), cuda_rng)) continue;
    at::Generator generator = cuda_generator(d);
    std::lock_guard<std::mutex> lock(generator.mutex());
    generator.set_state(cuda_rng);
  }
  return Json::parse(state.toStringRef());
}

}  // namespace retailsim::train
