// Shared fixture of the rl tests: the sim tests' tiny in-memory world, and an RlConfig small
// enough for a test to train and judge in seconds.
#pragma once

#include "../sim/sim_fixture.h"
#include "rl/rl.h"

namespace retailsim::rl::testing {

inline RlConfig tiny_rl_config() {
  RlConfig c;
  c.iterations = 2;
  c.episodes_per_iteration = 1;
  c.episode_weeks = 2;
  c.eval_seeds = 1;
  return c;
}

}  // namespace retailsim::rl::testing
