// The oracle (synthetic data only): ranks products by the generator's true chance that the
// customer buys them on a trip to the target basket's store in its week (synth::TruthModel).
// "oracle-history" knows the same except how much the customer likes each favourite product: it
// estimates those shares from the customer's history, the ceiling of any method that learns a
// customer's habits from their purchases.
#include <algorithm>
#include <unordered_map>

#include "core/dataset.h"
#include "eval/methods.h"
#include "synth/synth.h"

namespace retailsim::eval {

WorldIds world_ids(const synth::TruthModel& truth, const Store& store) {
  WorldIds ids;
  ids.product.resize(store.n_products());
  for (size_t p = 0; p < store.n_products(); ++p)
    ids.product[p] = truth.product_of_code(store.product_codes[p]);
  ids.customer.resize(store.n_customers());
  for (size_t c = 0; c < store.n_customers(); ++c)
    ids.customer[c] = truth.customer_of_code(store.customer_codes[c]);
  ids.store.resize(store.n_stores());
  for (size_t i = 0; i < store.n_stores(); ++i)
    ids.store[i] = truth.store_of_code(store.store_codes[i]);
  ids.week.resize(store.calendar.size());
  for (size_t w = 0; w < store.calendar.size(); ++w)
    ids.week[w] = truth.week_of_shop_week(store.calendar.at(w).shop_week);
  return ids;
}

namespace {

class Oracle : public Recommender {
 public:
  Oracle(const MethodContext& context, bool estimate_favourites)
      : truth_(synth::TruthModel::load(context.data_dir / "truth")),
        estimate_favourites_(estimate_favourites),
        ids_(world_ids(truth_, *context.store)) {}

  void fit(const TrainingView& view) override { view_ = &view; }

  std::vector<int32_t> recommend(const EvalCase& c, int n) const override {
    const std::vector<double> probability = true_probabilities(c);
    if (probability.empty()) return {};
    std::vector<std::pair<double, int32_t>> scored;
    for (size_t p = 0; p < ids_.product.size(); ++p) {
      const int w = ids_.product[p];
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
      const int w = ids_.product[static_cast<size_t>(p)];
      out.push_back(w < 0 ? 0.0 : probability[static_cast<size_t>(w)]);
    }
    return out;
  }

 private:
  // Per world product; empty when the case's customer, store or week is not in the world.
  std::vector<double> true_probabilities(const EvalCase& c) const {
    const int customer = ids_.customer[static_cast<size_t>(c.customer)];
    const int store = ids_.store[static_cast<size_t>(c.store)];
    const int week = ids_.week[static_cast<size_t>(c.week)];
    if (customer < 0 || store < 0 || week < 0) return {};
    if (!estimate_favourites_) return truth_.product_probabilities(customer, week, store);
    return truth_.product_probabilities_with_favourites(customer, week, store,
                                                        favourite_shares(c, customer));
  }

  // The posterior mean of the customer's favourite shares under the generator's own symmetric
  // Dirichlet prior, given how many history baskets held each favourite: (a + k_i) / sum (a + k).
  // The counts also take in explored purchases of a favourite, as any history-based method's do.
  std::vector<double> favourite_shares(const EvalCase& c, int customer) const {
    const std::span<const int32_t> favourites = truth_.favourites(customer);
    std::unordered_map<int32_t, size_t> position;
    for (size_t i = 0; i < favourites.size(); ++i) position.emplace(favourites[i], i);
    std::vector<double> share(favourites.size(), synth::kFavouriteWeightShape);
    for (int32_t basket : view_->history(c)) {
      for (int32_t p : view_->baskets->products(basket)) {
        auto it = position.find(ids_.product[static_cast<size_t>(p)]);
        if (it != position.end()) share[it->second] += 1.0;
      }
    }
    double total = 0;
    for (double v : share) total += v;
    for (double& v : share) v /= total;
    return share;
  }

  synth::TruthModel truth_;
  bool estimate_favourites_;
  const TrainingView* view_ = nullptr;
  WorldIds ids_;
};

}  // namespace

std::unique_ptr<Recommender> make_oracle(const MethodContext& context) {
  return std::make_unique<Oracle>(context, false);
}

std::unique_ptr<Recommender> make_oracle_history(const MethodContext& context) {
  return std::make_unique<Oracle>(context, true);
}

}  // namespace retailsim::eval
