// Shared fixture of the sim tests: a tiny ground-truth world built in memory (no files).
#pragma once

#include <memory>

#include "sim/sim.h"
#include "synth/synth.h"
#include "synth/world.h"

namespace retailsim::sim::testing {

inline std::shared_ptr<const synth::World> tiny_world() {
  static const auto world = [] {
    synth::SynthConfig c = synth::SynthConfig::preset_named("tiny");
    c.seed = 42;
    c.n_customers = 400;
    return std::make_shared<const synth::World>(synth::build_world(c));
  }();
  return world;
}

inline Market tiny_market(const ScopeConfig& scope = {}) {
  return market_from_world(tiny_world(), scope, 7);
}

inline EnvConfig tiny_env_config() {
  EnvConfig c;
  c.episode_weeks = 3;
  c.history_weeks = 2;
  return c;
}

}  // namespace retailsim::sim::testing
