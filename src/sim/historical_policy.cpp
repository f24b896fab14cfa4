// The "historical" policy: each week's recorded shelf prices and promotions, replayed; with
// inventory, it orders what was sold last week (a base-stock rule of one week's cover) so the
// comparison with other policies is about prices, not stock.
#include "sim/historical_policy.h"

namespace retailsim::sim {

namespace {

class HistoricalPolicy final : public Policy {
 public:
  std::string name() const override { return "historical"; }
  Action act(const Env& env, const Observation& obs) override {
    Action action = env.historical_action();
    if (env.config().track_inventory && env.config().history_weeks > 0) {
      const size_t n = env.market().n_cells();
      const size_t last = obs.recent_units.size() - n;
      for (size_t i = 0; i < n; ++i) action.order_units[i] = obs.recent_units[last + i];
    }
    return action;
  }
};

}  // namespace

std::unique_ptr<Policy> make_historical_policy(const Json& /*options*/, uint64_t /*seed*/) {
  return std::make_unique<HistoricalPolicy>();
}

}  // namespace retailsim::sim
