// LibTorch, loaded on demand. Loading libtorch costs ~165 MB of resident memory and a noticeable
// start-up time, so commands that need no model (generate, ingest, inspect, derive...) never load
// it; commands that do call load_torch_runtime(), which dlopens the retailsim_torch module beside
// the binary and sets LibTorch's thread count (it otherwise starts with one thread).
#pragma once

#include <filesystem>
#include <string>

namespace retailsim {

struct TorchRuntime {
  std::string version;  // LibTorch's version, e.g. "1.13.1"
  int n_threads = 0;    // intra-op threads LibTorch now uses
};

// Loads (once per process) the retailsim_torch module from `module_dir` (default: the folder of
// the running binary) and sets LibTorch's intra-op threads to n_threads. Throws Error naming the
// module when it cannot be loaded.
TorchRuntime load_torch_runtime(int n_threads, const std::filesystem::path& module_dir = {});

// Whether load_torch_runtime() has loaded LibTorch into this process.
bool torch_runtime_loaded();

}  // namespace retailsim
