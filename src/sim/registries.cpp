// The registries of demand sources and policies: names -> factories, with the built-in ones
// ("truth"; "historical") present from the start. A library that adds one (the torch module's
// "world-model", src/rl's agents and heuristics) registers it before use.
#include <map>
#include <mutex>

#include <fmt/ranges.h>

#include "core/error.h"
#include "sim/historical_policy.h"
#include "sim/sim.h"
#include "sim/truth_demand.h"

namespace retailsim::sim {

namespace {

template <typename Factory>
struct Registry {
  Registry(const std::string& name, Factory builtin) { factories[name] = std::move(builtin); }
  std::mutex mutex;
  std::map<std::string, Factory> factories;

  void add(const std::string& name, Factory factory) {
    std::lock_guard lock(mutex);
    factories[name] = std::move(factory);
  }
  std::vector<std::string> names() {
    std::lock_guard lock(mutex);
    std::vector<std::string> out;
    for (const auto& [name, factory] : factories) out.push_back(name);
    return out;
  }
  Factory find(const std::string& name, const char* what) {
    {
      std::lock_guard lock(mutex);
      auto it = factories.find(name);
      if (it != factories.end()) return it->second;
    }
    fail("unknown {} '{}' (known: {})", what, name, fmt::join(names(), ", "));
  }
};

Registry<DemandSourceFactory>& demand_registry() {
  static Registry<DemandSourceFactory> registry("truth", make_truth_demand);
  return registry;
}

Registry<PolicyFactory>& policy_registry() {
  static Registry<PolicyFactory> registry("historical", make_historical_policy);
  return registry;
}

}  // namespace

DemandMode demand_mode_named(const std::string& name) {
  if (name == "sampled") return DemandMode::kSampled;
  if (name == "expected") return DemandMode::kExpected;
  fail("unknown demand mode '{}' (choose sampled or expected)", name);
}

const char* demand_mode_name(DemandMode mode) {
  return mode == DemandMode::kSampled ? "sampled" : "expected";
}

void register_demand_source(const std::string& name, DemandSourceFactory factory) {
  demand_registry().add(name, std::move(factory));
}

std::vector<std::string> demand_source_names() {
  return demand_registry().names();
}

std::unique_ptr<DemandSource> make_demand_source(const std::string& name, const Market& market,
                                                 const DemandOptions& options) {
  return demand_registry().find(name, "demand source")(market, options);
}

void register_policy(const std::string& name, PolicyFactory factory) {
  policy_registry().add(name, std::move(factory));
}

std::vector<std::string> policy_names() {
  return policy_registry().names();
}

std::unique_ptr<Policy> make_policy(const std::string& name, const Json& options, uint64_t seed) {
  return policy_registry().find(name, "policy")(options, seed);
}

}  // namespace retailsim::sim
