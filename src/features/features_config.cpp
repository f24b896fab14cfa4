// The [features] config section: defaults, reading, validation and its JSON for manifests.
#include "core/error.h"
#include "features/features.h"

namespace retailsim::features {

FeaturesConfig FeaturesConfig::from_section(const Section& section, uint64_t seed) {
  section.check_known_keys({"train_fraction", "val_fraction", "cold_start_trips", "price_scale",
                            "substitute_penalty", "complement_bonus"});
  FeaturesConfig c;
  c.train_fraction = section.get_double("train_fraction", c.train_fraction);
  c.val_fraction = section.get_double("val_fraction", c.val_fraction);
  c.cold_start_trips = static_cast<int>(section.get_int("cold_start_trips", c.cold_start_trips));
  c.price_scale = section.get_double("price_scale", c.price_scale);
  c.substitute_penalty = section.get_double("substitute_penalty", c.substitute_penalty);
  c.complement_bonus = section.get_double("complement_bonus", c.complement_bonus);
  c.seed = seed;
  c.validate();
  return c;
}

void FeaturesConfig::validate() const {
  if (!(train_fraction > 0 && val_fraction > 0 && train_fraction + val_fraction < 1)) {
    fail("[features] train_fraction and val_fraction must be > 0 with a sum below 1 (got {}, {})",
         train_fraction, val_fraction);
  }
  if (cold_start_trips < 1)
    fail("[features] cold_start_trips must be >= 1 (got {})", cold_start_trips);
  if (!(price_scale > 0)) fail("[features] price_scale must be > 0 (got {})", price_scale);
  if (substitute_penalty < 0 || complement_bonus < 0) {
    fail("[features] substitute_penalty and complement_bonus must be >= 0");
  }
}

Json FeaturesConfig::to_json() const {
  return Json{{"train_fraction", train_fraction},
              {"val_fraction", val_fraction},
              {"cold_start_trips", cold_start_trips},
              {"price_scale", price_scale},
              {"substitute_penalty", substitute_penalty},
              {"complement_bonus", complement_bonus},
              {"seed", seed}};
}

}  // namespace retailsim::features
