// Process-wide thread settings: oneTBB's arena size (LibTorch's threads are set from the same
// count when a command loads it, see core/torch_runtime.h).
#include <tbb/global_control.h>

#include "cli/command.h"

namespace retailsim::cli {

struct ThreadSettings::Impl {
  tbb::global_control control;
  explicit Impl(int n) : control(tbb::global_control::max_allowed_parallelism, n) {}
};

ThreadSettings::ThreadSettings(int n_threads) : impl_(new Impl(n_threads)) {}

ThreadSettings::~ThreadSettings() {
  delete impl_;
}

}  // namespace retailsim::cli
