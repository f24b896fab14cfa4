// The "historical" policy (internal to sim): replays the data's own prices and promotions.
#pragma once

#include <memory>

#include "sim/sim.h"

namespace retailsim::sim {

std::unique_ptr<Policy> make_historical_policy(const Json& options, uint64_t seed);

}  // namespace retailsim::sim
