// The [evaluate] config section: defaults, reading, validation and its JSON for the report.
#include <algorithm>

#include "core/error.h"
#include "eval/eval.h"

namespace retailsim::eval {

Json TifuSettings::to_json() const {
  return Json{{"k", k}, {"r_b", r_b},     {"r_g", r_g},
              {"m", m}, {"alpha", alpha}, {"distance", distance}};
}

EvalConfig EvalConfig::from_sections(const Section& evaluate, const Section& features,
                                     uint64_t seed) {
  evaluate.check_known_keys({"protocol",
                             "split",
                             "list_length",
                             "min_baskets",
                             "max_baskets",
                             "min_product_count",
                             "rc_train_share",
                             "rc_val_share",
                             "rc_seeds",
                             "tifu_k",
                             "tifu_r_b",
                             "tifu_r_g",
                             "tifu_m",
                             "tifu_alpha",
                             "tifu_distance",
                             "tune_k",
                             "tune_alpha",
                             "tune_r_b",
                             "tune_r_g",
                             "tune_m",
                             "tune_max_cases",
                             "oracle_trips",
                             "visit_horizon_weeks",
                             "visit_max_cases"});
  EvalConfig c;
  c.protocol = evaluate.get_string("protocol", c.protocol);
  c.split = evaluate.get_string("split", c.split);
  c.list_length = static_cast<int>(evaluate.get_int("list_length", c.list_length));
  c.train_fraction = features.get_double("train_fraction", c.train_fraction);
  c.val_fraction = features.get_double("val_fraction", c.val_fraction);
  c.min_baskets = static_cast<int>(evaluate.get_int("min_baskets", c.min_baskets));
  c.max_baskets = static_cast<int>(evaluate.get_int("max_baskets", c.max_baskets));
  c.min_product_count =
      static_cast<int>(evaluate.get_int("min_product_count", c.min_product_count));
  c.rc_train_share = evaluate.get_double("rc_train_share", c.rc_train_share);
  c.rc_val_share = evaluate.get_double("rc_val_share", c.rc_val_share);
  c.rc_seeds = static_cast<int>(evaluate.get_int("rc_seeds", c.rc_seeds));
  c.tifu.k = static_cast<int>(evaluate.get_int("tifu_k", c.tifu.k));
  c.tifu.r_b = evaluate.get_double("tifu_r_b", c.tifu.r_b);
  c.tifu.r_g = evaluate.get_double("tifu_r_g", c.tifu.r_g);
  c.tifu.m = static_cast<int>(evaluate.get_int("tifu_m", c.tifu.m));
  c.tifu.alpha = evaluate.get_double("tifu_alpha", c.tifu.alpha);
  c.tifu.distance = evaluate.get_string("tifu_distance", c.tifu.distance);
  c.tune_k = evaluate.get_doubles("tune_k", c.tune_k);
  c.tune_alpha = evaluate.get_doubles("tune_alpha", c.tune_alpha);
  c.tune_r_b = evaluate.get_doubles("tune_r_b", c.tune_r_b);
  c.tune_r_g = evaluate.get_doubles("tune_r_g", c.tune_r_g);
  c.tune_m = evaluate.get_doubles("tune_m", c.tune_m);
  c.tune_max_cases = static_cast<int>(evaluate.get_int("tune_max_cases", c.tune_max_cases));
  c.oracle_trips = static_cast<int>(evaluate.get_int("oracle_trips", c.oracle_trips));
  c.visit_horizon_weeks =
      static_cast<int>(evaluate.get_int("visit_horizon_weeks", c.visit_horizon_weeks));
  c.visit_max_cases = static_cast<int>(evaluate.get_int("visit_max_cases", c.visit_max_cases));
  c.seed = seed;
  c.validate();
  return c;
}

void EvalConfig::validate() const {
  if (protocol != "temporal" && protocol != "reality-check")
    fail("[evaluate] protocol must be temporal or reality-check (got '{}')", protocol);
  if (split != "val" && split != "test")
    fail("[evaluate] split must be val or test (got '{}')", split);
  if (list_length < 20) fail("[evaluate] list_length must be >= 20 (got {})", list_length);
  if (!(train_fraction > 0 && val_fraction > 0 && train_fraction + val_fraction < 1))
    fail("[features] train_fraction and val_fraction must be > 0 with a sum below 1");
  if (min_baskets < 2 || max_baskets < min_baskets)
    fail("[evaluate] need 2 <= min_baskets <= max_baskets (got {}, {})", min_baskets, max_baskets);
  if (min_product_count < 1)
    fail("[evaluate] min_product_count must be >= 1 (got {})", min_product_count);
  if (!(rc_train_share > 0 && rc_val_share > 0 && rc_train_share + rc_val_share < 1))
    fail("[evaluate] rc_train_share and rc_val_share must be > 0 with a sum below 1");
  if (rc_seeds < 1) fail("[evaluate] rc_seeds must be >= 1 (got {})", rc_seeds);
  if (tifu.k < 1 || tifu.m < 1) fail("[evaluate] tifu_k and tifu_m must be >= 1");
  if (tifu.alpha < 0 || tifu.alpha > 1) fail("[evaluate] tifu_alpha must be in [0, 1]");
  if (tifu.r_b < 0 || tifu.r_b > 1 || tifu.r_g < 0 || tifu.r_g > 1)
    fail("[evaluate] tifu_r_b and tifu_r_g must be in [0, 1]");
  if (tifu.distance != "euclidean" && tifu.distance != "cosine")
    fail("[evaluate] tifu_distance must be euclidean or cosine (got '{}')", tifu.distance);
  for (const auto* grid : {&tune_k, &tune_alpha, &tune_r_b, &tune_r_g, &tune_m}) {
    if (grid->empty()) fail("[evaluate] a tune_* grid is empty");
  }
  for (double k : tune_k) {
    if (k < 1) fail("[evaluate] tune_k values must be >= 1");
  }
  for (double m : tune_m) {
    if (m < 1) fail("[evaluate] tune_m values must be >= 1");
  }
  if (tune_max_cases < 1) fail("[evaluate] tune_max_cases must be >= 1");
  if (oracle_trips < 1) fail("[evaluate] oracle_trips must be >= 1 (got {})", oracle_trips);
  if (visit_horizon_weeks < 1)
    fail("[evaluate] visit_horizon_weeks must be >= 1 (got {})", visit_horizon_weeks);
  if (visit_max_cases < 1)
    fail("[evaluate] visit_max_cases must be >= 1 (got {})", visit_max_cases);
}

Json EvalConfig::to_json() const {
  return Json{{"protocol", protocol},
              {"split", split},
              {"list_length", list_length},
              {"train_fraction", train_fraction},
              {"val_fraction", val_fraction},
              {"min_baskets", min_baskets},
              {"max_baskets", max_baskets},
              {"min_product_count", min_product_count},
              {"rc_train_share", rc_train_share},
              {"rc_val_share", rc_val_share},
              {"rc_seeds", rc_seeds},
              {"tifu", tifu.to_json()},
              {"tune_k", tune_k},
              {"tune_alpha", tune_alpha},
              {"tune_r_b", tune_r_b},
              {"tune_r_g", tune_r_g},
              {"tune_m", tune_m},
              {"tune_max_cases", tune_max_cases},
              {"oracle_trips", oracle_trips},
              {"visit_horizon_weeks", visit_horizon_weeks},
              {"visit_max_cases", visit_max_cases},
              {"seed", seed}};
}

}  // namespace retailsim::eval
