// dlopen-based loading of the retailsim_torch module.
#include "core/torch_runtime.h"

#include <dlfcn.h>

#include <mutex>

#include "core/error.h"

namespace retailsim {

namespace {

std::mutex g_mutex;
void* g_module = nullptr;  // process-wide: LibTorch is loaded once and never unloaded

std::filesystem::path executable_dir() {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::current_path() : exe.parent_path();
}

}  // namespace

TorchRuntime load_torch_runtime(int n_threads, const std::filesystem::path& module_dir) {
  std::lock_guard lock(g_mutex);
  if (!g_module) {
    auto dir = module_dir.empty() ? executable_dir() : module_dir;
    auto path = dir / "libretailsim_torch.so";
    g_module = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!g_module) fail("cannot load LibTorch through {}: {}", path.string(), ::dlerror());
  }
  using SetThreads = int (*)(int);
  using Version = const char* (*)();
  auto set_threads = reinterpret_cast<SetThreads>(::dlsym(g_module, "retailsim_torch_set_threads"));
  auto version = reinterpret_cast<Version>(::dlsym(g_module, "retailsim_torch_version"));
  if (!set_threads || !version) fail("libretailsim_torch.so lacks its entry points");
  TorchRuntime runtime;
  runtime.n_threads = set_threads(n_threads);
  runtime.version = version();
  return runtime;
}

Json run_torch_job(const std::string& name, const Json& args, bool quiet) {
  if (!torch_runtime_loaded()) load_torch_runtime(0);
  void* module = nullptr;
  {
    std::lock_guard lock(g_mutex);
    module = g_module;
  }
  auto entry = reinterpret_cast<TorchJobEntry>(::dlsym(module, kTorchJobSymbol));
  if (!entry) fail("libretailsim_torch.so lacks {}", kTorchJobSymbol);
  Json result;
  std::string error;
  if (!entry(name.c_str(), &args, quiet, &result, &error)) fail("{}", error);
  return result;
}

bool torch_runtime_loaded() {
  std::lock_guard lock(g_mutex);
  return g_module != nullptr;
}

}  // namespace retailsim
