// The terms of the truth model's closed form (internal to synth) that TruthModel (one shopper)
// and TruthWeekUnits (many shoppers of a week at once) compute the same way.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "synth/world.h"

namespace retailsim::synth {

// Per product, for shoppers of segment `seg` at a store of `format` whose prices are
// actual_pence and depth_pct (by product): the chance a planned line for it is bought (accept)
// and its share when its sub-commodity is explored (explore: the choice weight normalised within
// the sub-commodity).
struct PriceTerms {
  std::vector<double> accept, explore;
};
PriceTerms price_terms(const World& w, int seg, int format, std::span<const int32_t> actual_pence,
                       std::span<const uint8_t> depth_pct);

// Weight of entry i of a cumulative table over [begin, end) (cum restarts at each CSR segment).
double cumulative_share(const std::vector<float>& cum, int64_t begin, int64_t end, int64_t i);

// Per sub-commodity, the chance that an explored line of the customer's picks it: by
// attractiveness, or half the time one of the customer's preferred sub-commodities.
std::vector<double> cl_shares(const World& w, int customer);

// Per sub-commodity: the sub-commodities that name it as a complement (a -> b gives b <- a).
std::vector<std::vector<int>> complement_sources(const World& w);

// Share of trips that are one-line service trips (0 in a world without service products).
double service_share(const World& w);

// Expected planned lines beyond the first of the customer's trip to a store of `format`.
double extra_lines_mean(const World& w, int customer, int format);

// Expected units of one line of `product` at promotion depth `depth_pct`: each further unit with
// chance x, at most 40 units in all.
double line_quantity(const World& w, int product, int depth_pct);

}  // namespace retailsim::synth
