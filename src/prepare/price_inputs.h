// T4: the one place batch assembly asks for the price encoding of an item (internal).
#pragma once

#include <cstdint>
#include <filesystem>

#include "features/features.h"

namespace retailsim::prepare {

// features::PriceEncoder (layer 2) addressed with calendar week indices, as samples are.
// Thread-safe.
class PriceInputs {
 public:
  PriceInputs(features::PriceEncoder encoder, int32_t first_week_index)
      : encoder_(std::move(encoder)), first_week_index_(first_week_index) {}
  void encode(int32_t product, int32_t store, int32_t calendar_week, float* out64) const {
    encoder_.encode(product, store, calendar_week - first_week_index_, out64);
  }

 private:
  features::PriceEncoder encoder_;
  int32_t first_week_index_ = 0;
};

}  // namespace retailsim::prepare
