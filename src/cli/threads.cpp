// Process-wide thread settings: oneTBB's arena size and LibTorch's intra-op threads.
#include <ATen/Parallel.h>
#include <tbb/global_control.h>

#include "cli/command.h"

namespace retailsim::cli {

struct ThreadSettings::Impl {
  tbb::global_control control;
  explicit Impl(int n) : control(tbb::global_control::max_allowed_parallelism, n) {}
};

ThreadSettings::ThreadSettings(int n_threads) : impl_(new Impl(n_threads)) {
  // LibTorch starts with one thread; use what the user asked for.
  at::set_num_threads(n_threads);
}

ThreadSettings::~ThreadSettings() { delete impl_; }

}  // namespace retailsim::cli
