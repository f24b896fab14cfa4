// Decision rules shared by the heuristic baselines and the learned agents (internal to rl): demand
// forecasts from recent sales and stock-outs, (s, S) and replenish-what-was-wanted orders, prices
// from bound positions.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "sim/sim.h"

namespace retailsim::rl {

// Per cell: mean weekly demand over the observation's recent weeks (units sold, plus the newest
// week's units lost to stock-outs: sales alone are capped by stock and would forecast a cell that
// ran empty at zero for good).
std::vector<float> forecast_units(const sim::Observation& obs, int history_weeks);
// (s, S): when stock <= reorder_weeks x forecast, order up to ceil(up_to_weeks x forecast).
void ss_orders(const sim::Observation& obs, std::span<const float> forecast, double reorder_weeks,
               double up_to_weeks, std::vector<float>& orders);
// Orders last week's demand: what sold plus what was lost to stock-outs. Stock then never falls
// below last week's demand, and a cell that ran empty is refilled (ordering sales alone kept
// every cell at its opening stock and never restocked one that opened empty).
void replenish_orders(const sim::Observation& obs, int history_weeks, std::vector<float>& orders);
// Shelf price of a product at normalised position x in [0, 1] of its bounds, kept inside them
// (float rounding of low + x (high - low) could step past high).
float price_at(const sim::Market& market, int product, double x);
// Normalised position of a price in a product's bounds (0 at low, 1 at high; a zero-width range
// counts as the middle).
double position_of(const sim::Market& market, int product, double price_cents);

}  // namespace retailsim::rl
