// The [prepare] config section: defaults, reading, validation and its JSON for manifests; the
// names of the sample kinds.
#include "core/error.h"
#include "prepare/prepare.h"

namespace retailsim::prepare {

PrepareConfig PrepareConfig::from_section(const Section& section, uint64_t seed) {
  if (section.has("no_trip_per_gap"))
    fail(
        "[prepare] no_trip_per_gap is gone: store-visit samples are one per customer-week, every "
        "week without a trip within max_gap_weeks of the previous trip included (docs/prepare.md); "
        "remove the key");
  section.check_known_keys({"min_target_items", "max_gap_weeks", "history_baskets", "max_items",
                            "batch_size", "mask_rate", "mask_token_share", "random_token_share",
                            "hold_out_last_date"});
  PrepareConfig c;
  c.min_target_items = static_cast<int>(section.get_int("min_target_items", c.min_target_items));
  c.max_gap_weeks = static_cast<int>(section.get_int("max_gap_weeks", c.max_gap_weeks));
  c.history_baskets = static_cast<int>(section.get_int("history_baskets", c.history_baskets));
  c.max_items = static_cast<int>(section.get_int("max_items", c.max_items));
  c.batch_size = static_cast<int>(section.get_int("batch_size", c.batch_size));
  c.mask_rate = section.get_double("mask_rate", c.mask_rate);
  c.mask_token_share = section.get_double("mask_token_share", c.mask_token_share);
  c.random_token_share = section.get_double("random_token_share", c.random_token_share);
  c.hold_out_last_date = section.get_bool("hold_out_last_date", c.hold_out_last_date);
  c.seed = seed;
  c.validate();
  return c;
}

void PrepareConfig::validate() const {
  if (min_target_items < 1)
    fail("[prepare] min_target_items must be >= 1 (got {})", min_target_items);
  if (max_gap_weeks < 1) fail("[prepare] max_gap_weeks must be >= 1 (got {})", max_gap_weeks);
  if (history_baskets < 0) fail("[prepare] history_baskets must be >= 0 (got {})", history_baskets);
  if (max_items < 1 || max_items > 32767) {
    fail("[prepare] max_items must be in [1, 32767] (got {})", max_items);
  }
  if (batch_size < 1) fail("[prepare] batch_size must be >= 1 (got {})", batch_size);
  if (!(mask_rate > 0 && mask_rate <= 1)) {
    fail("[prepare] mask_rate must be in (0, 1] (got {})", mask_rate);
  }
  if (!(mask_token_share >= 0 && random_token_share >= 0 &&
        mask_token_share + random_token_share <= 1)) {
    fail(
        "[prepare] mask_token_share and random_token_share must be >= 0 with a sum <= 1 (got "
        "{}, {})",
        mask_token_share, random_token_share);
  }
}

Json PrepareConfig::to_json() const {
  return Json{{"min_target_items", min_target_items},
              {"max_gap_weeks", max_gap_weeks},
              {"history_baskets", history_baskets},
              {"max_items", max_items},
              {"batch_size", batch_size},
              {"mask_rate", mask_rate},
              {"mask_token_share", mask_token_share},
              {"random_token_share", random_token_share},
              {"hold_out_last_date", hold_out_last_date},
              {"seed", seed}};
}

const char* kind_name(SampleKind kind) {
  return kSampleKindNames[static_cast<int>(kind)];
}

SampleKind parse_kind(const std::string& name) {
  if (name == "masked" || name == "masked_basket" || name == "masked-basket") {
    return SampleKind::kMaskedBasket;
  }
  if (name == "next" || name == "next_basket" || name == "next-basket") {
    return SampleKind::kNextBasket;
  }
  if (name == "store-visit" || name == "store_visit" || name == "visit") {
    return SampleKind::kStoreVisit;
  }
  fail("unknown sample kind '{}' (expected masked, next or store-visit)", name);
}

}  // namespace retailsim::prepare
