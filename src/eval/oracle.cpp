// The oracle (synthetic data only): ranks products by the generator's true chance that the
// customer buys them on a trip to the target basket's store in its week (synth::TruthModel).
#include <algorithm>

#include "core/dataset.h"
#include "eval/methods.h"
#include "synth/synth.h"

namespace retailsim::eval {

namespace {

class Oracle : public Recommender {
 public:
  explicit Oracle(const MethodContext& context)
      : truth_(synth::TruthModel::load(context.data_dir / "truth")), store_(context.store) {
    const Store& s = *store_;
    world_product_.resize(s.n_products());
    for (size_t p = 0; p < s.n_products(); ++p)
      world_product_[p] = truth_.product_of_code(s.product_codes[p]);
    world_customer_.resize(s.n_customers());
    for (size_t c = 0; c < s.n_customers(); ++c)
      world_customer_[c] = truth_.customer_of_code(s.customer_codes[c]);
    world_store_.resize(s.n_stores());
    for (size_t i = 0; i < s.n_stores(); ++i)
      world_store_[i] = truth_.store_of_code(s.store_codes[i]);
    world_week_.resize(s.calendar.size());
    for (size_t w = 0; w < s.calendar.size(); ++w)
      world_week_[w] = truth_.week_of_shop_week(s.calendar.at(w).shop_week);
  }

  void fit(const TrainingView& view) override { view_ = &view; }

  std::vector<int32_t> recommend(const EvalCase& c, int n) const override {
    const std::vector<double> probability = true_probabilities(c);
    if (probability.empty()) return {};
    std::vector<std::pair<double, int32_t>> scored;
    for (size_t p = 0; p < world_product_.size(); ++p) {
      const int w = world_product_[p];
      if (w < 0 || !view_->candidate[p]) continue;
      const double prob = probability[static_cast<size_t>(w)];
      if (prob > 0) scored.emplace_back(-prob, static_cast<int32_t>(p));
    }
    const size_t keep = std::min(scored.size(), static_cast<size_t>(n));
    std::partial_sort(scored.begin(), scored.begin() + static_cast<std::ptrdiff_t>(keep),
                      scored.end());
    std::vector<int32_t> out(keep);
    for (size_t i = 0; i < keep; ++i) out[i] = scored[i].second;
    return out;
  }

  std::vector<double> probabilities(const EvalCase& c,
                                    std::span<const int32_t> ranked) const override {
    const std::vector<double> probability = true_probabilities(c);
    std::vector<double> out;
    if (probability.empty()) return out;
    for (int32_t p : ranked) {
      const int w = world_product_[static_cast<size_t>(p)];
      out.push_back(w < 0 ? 0.0 : probability[static_cast<size_t>(w)]);
    }
    return out;
  }

 private:
  // Per world product; empty when the case's customer, store or week is not in the world.
  std::vector<double> true_probabilities(const EvalCase& c) const {
    const int customer = world_customer_[static_cast<size_t>(c.customer)];
    const int store = world_store_[static_cast<size_t>(c.store)];
    const int week = world_week_[static_cast<size_t>(c.week)];
    if (customer < 0 || store < 0 || week < 0) return {};
    return truth_.product_probabilities(customer, week, store);
  }

  synth::TruthModel truth_;
  const Store* store_;
  const TrainingView* view_ = nullptr;
  std::vector<int> world_product_, world_customer_, world_store_, world_week_;
};

}  // namespace

std::unique_ptr<Recommender> make_oracle(const MethodContext& context) {
  return std::make_unique<Oracle>(context);
}

}  // namespace retailsim::eval
