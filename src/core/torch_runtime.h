// LibTorch, loaded on demand. Loading libtorch costs ~165 MB of resident memory and a noticeable
// start-up time, so commands that need no model (generate, ingest, inspect, derive...) never load
// it; commands that do call load_torch_runtime(), which dlopens the retailsim_torch module beside
// the binary and sets LibTorch's thread count (it otherwise starts with one thread).
//
// Work that needs LibTorch (graph embeddings, world-model training, PPO...) runs as a named *job*
// of that module: run_torch_job("model.train", args) calls the job's function inside the module
// with JSON arguments and returns its JSON result. The module links its own copy of the stage
// libraries it needs; src/torch/torch_module.cpp holds the table of jobs (one line per job).
#pragma once

#include <filesystem>
#include <string>

#include "core/manifest.h"  // Json

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

// Runs the module's job `name` with `args` and returns its result. Loads the module first when
// needed (call load_torch_runtime() before to choose the thread count). The module's logging
// follows `quiet`. An exception inside the job comes back as retailsim::Error with its message;
// an unknown name is an Error that lists the known jobs.
Json run_torch_job(const std::string& name, const Json& args, bool quiet = false);

// The C entry point the module exports (extern "C", name kTorchJobSymbol): runs job `name` and
// stores its result in *result, or returns false with the message in *error.
using TorchJobEntry = bool (*)(const char* name, const Json* args, bool quiet, Json* result,
                               std::string* error);
inline constexpr const char* kTorchJobSymbol = "retailsim_torch_run_job";

}  // namespace retailsim
