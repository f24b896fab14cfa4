// T4: the one place batch assembly asks for the price encoding of an item (internal).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace retailsim::prepare {

// The 64-d price encoding of (product, store, calendar week). features::PriceEncoder (layer 2,
// the features-torch work) is not in features.h yet: until it is, there is no price encoding and
// T4 is left at zero, which source() reports as "none" (export tensors writes it into
// batch.json). Thread-safe.
class PriceInputs {
 public:
  static PriceInputs open(const std::filesystem::path& data_dir);
  bool available() const { return false; }
  std::string source() const { return "none"; }
  void encode(int32_t product, int32_t store, int32_t week, float* out64) const;
};

}  // namespace retailsim::prepare
