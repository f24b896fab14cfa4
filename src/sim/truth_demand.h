// The "truth" demand source (internal to sim): the generator's behaviour model as a DemandSource.
#pragma once

#include <memory>

#include "sim/sim.h"

namespace retailsim::sim {

// Throws Error when the market has no ground truth or the mode is not served.
std::unique_ptr<DemandSource> make_truth_demand(const Market& market, const DemandOptions& options);

}  // namespace retailsim::sim
