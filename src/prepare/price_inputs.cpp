// T4 through the price encoder of the features stage (see price_inputs.h).
#include "prepare/price_inputs.h"

#include <algorithm>

#include "prepare/prepare.h"

namespace retailsim::prepare {

PriceInputs PriceInputs::open(const std::filesystem::path& /*data_dir*/) {
  return PriceInputs{};
}

void PriceInputs::encode(int32_t /*product*/, int32_t /*store*/, int32_t /*week*/,
                         float* out64) const {
  std::fill(out64, out64 + kT4Dims, 0.0f);
}

}  // namespace retailsim::prepare
