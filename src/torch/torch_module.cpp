// The retailsim_torch module: the one place LibTorch is linked. Loaded with dlopen by
// core/torch_runtime.cpp, so commands without models never pay for LibTorch. Work that needs
// LibTorch runs here as named jobs (JSON in, JSON out); add a job with one line in jobs().
#include <ATen/Parallel.h>
#include <torch/version.h>

#include <exception>
#include <functional>
#include <map>
#include <string>

#include "core/error.h"
#include "core/log.h"
#include "core/torch_runtime.h"
#include "features/features.h"
#include "model/model.h"
#include "rl/rl.h"

namespace retailsim {
namespace {

using Job = std::function<Json(const Json&)>;

// The module's own small jobs, used by tests of the job plumbing.
Json runtime_info_job(const Json&) {
  return {{"version", TORCH_VERSION}, {"threads", at::get_num_threads()}};
}
Json runtime_fail_job(const Json& args) {
  fail("{}", args.value("message", "job failed"));
}

const std::map<std::string, Job>& jobs() {
  static const std::map<std::string, Job> table = {
      {"runtime.info", runtime_info_job},
      {"runtime.fail", runtime_fail_job},
      {"model.train", model::train_job},
      {"model.predict", model::predict_job},
      {"model.rank", model::rank_job},
      {"model.rank_visits", model::rank_visits_job},
      {"rl.train", rl::rl_train_job},
      {"rl.evaluate", rl::rl_evaluate_job},
      {"sim.simulate", model::simulate_job},
      {"features.graph_embeddings", features::graph_embeddings_job},
  };
  return table;
}

}  // namespace
}  // namespace retailsim

extern "C" {

// Sets LibTorch's intra-op threads and returns the count it now uses.
__attribute__((visibility("default"))) int retailsim_torch_set_threads(int n_threads) {
  if (n_threads > 0) at::set_num_threads(n_threads);
  return at::get_num_threads();
}

__attribute__((visibility("default"))) const char* retailsim_torch_version() {
  return TORCH_VERSION;
}

// See TorchJobEntry in core/torch_runtime.h.
__attribute__((visibility("default"))) bool retailsim_torch_run_job(const char* name,
                                                                    const retailsim::Json* args,
                                                                    bool quiet,
                                                                    retailsim::Json* result,
                                                                    std::string* error) {
  using namespace retailsim;
  try {
    init_logging(quiet);
    // Jobs that build markets (rl, simulate) find the learned demand source by name.
    model::register_world_model_demand();
    const auto& table = jobs();
    auto it = table.find(name);
    if (it == table.end()) {
      std::string known;
      for (const auto& [key, job] : table) known += (known.empty() ? "" : ", ") + key;
      fail("unknown torch job '{}' (known: {})", name, known);
    }
    *result = it->second(*args);
    return true;
  } catch (const std::exception& e) {
    *error = e.what();
    return false;
  }
}

}  // extern "C"
