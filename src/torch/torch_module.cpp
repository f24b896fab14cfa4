// The retailsim_torch module: the one place LibTorch is linked for now. Loaded with dlopen by
// core/torch_runtime.cpp, so commands without models never pay for LibTorch.
#include <ATen/Parallel.h>
#include <torch/version.h>

extern "C" {

// Sets LibTorch's intra-op threads and returns the count it now uses.
__attribute__((visibility("default"))) int retailsim_torch_set_threads(int n_threads) {
  if (n_threads > 0) at::set_num_threads(n_threads);
  return at::get_num_threads();
}

__attribute__((visibility("default"))) const char* retailsim_torch_version() {
  return TORCH_VERSION;
}

}  // extern "C"
