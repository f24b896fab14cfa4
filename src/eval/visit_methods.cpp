// The store-visit baselines (visit-global, visit-personal, visit-last) and, on synthetic data, the
// visit oracle: each gives a case's chance of no trip and of each store for the first trip.
#include <algorithm>
#include <cmath>

#include "core/customer_weeks.h"
#include "core/dataset.h"
#include "eval/methods.h"
#include "synth/synth.h"

namespace retailsim::eval {

namespace {

// The customer's trip weeks before `end`, over their baskets `baskets` (in time order).
TripWeeks trip_weeks_of(const Store& store, std::span<const uint8_t> observed,
                        std::span<const int32_t> baskets, int32_t end, int horizon) {
  return count_trip_weeks(
      baskets.size(),
      [&](size_t i) { return store.basket_week_index[static_cast<size_t>(baskets[i])]; }, end,
      horizon, observed);
}

// Outcomes by probability (ties: the order given, so callers rank their tie-breaks first).
VisitPrediction top_outcomes(std::vector<std::pair<int32_t, double>> scored, double no_trip,
                             int32_t n_stores, int n) {
  scored.emplace_back(n_stores, no_trip);
  std::stable_sort(scored.begin(), scored.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  VisitPrediction out;
  out.no_trip = no_trip;
  for (const auto& [outcome, p] : scored) {
    if (out.outcomes.size() >= static_cast<size_t>(n)) break;
    if (!(p > 0)) continue;
    out.outcomes.push_back(outcome);
    out.probability.push_back(p);
  }
  return out;
}

// What the customers did before the split: the share of weeks without a trip and each store's
// share of trips, over every known customer's baskets before fold.view_end.
class GlobalVisits : public VisitPredictor {
 public:
  void fit(const Store& store, const VisitFold& fold) override {
    store_ = &store;
    observed_ = store.weeks_with_baskets();
    n_stores_ = fold.n_stores;
    horizon_ = fold.horizon_weeks;
    share_.assign(static_cast<size_t>(n_stores_), 0.0);
    int64_t trips = 0, trip_weeks = 0, empty_weeks = 0;
    for (int32_t c = 0; c < static_cast<int32_t>(store.n_customers()); ++c) {
      const auto baskets = store.baskets_of_customer(c);
      for (int32_t b : baskets) {
        if (store.basket_week_index[static_cast<size_t>(b)] >= fold.view_end) break;
        share_[static_cast<size_t>(store.basket_store_id[static_cast<size_t>(b)])] += 1;
        ++trips;
      }
      const TripWeeks t = trip_weeks_of(store, observed_, baskets, fold.view_end, horizon_);
      trip_weeks += t.trip;
      empty_weeks += t.empty;
    }
    for (double& s : share_) s /= std::max<int64_t>(trips, 1);
    no_trip_ = trip_weeks + empty_weeks > 0 ? static_cast<double>(empty_weeks) /
                                                  static_cast<double>(trip_weeks + empty_weeks)
                                            : 0.5;
    by_share_.resize(static_cast<size_t>(n_stores_));
    for (int32_t s = 0; s < n_stores_; ++s) by_share_[static_cast<size_t>(s)] = s;
    std::stable_sort(by_share_.begin(), by_share_.end(), [&](int32_t a, int32_t b) {
      return share_[static_cast<size_t>(a)] > share_[static_cast<size_t>(b)];
    });
  }

  VisitPrediction predict(const VisitCase& /*c*/, int n) const override {
    std::vector<std::pair<int32_t, double>> scored;
    for (int32_t s : std::span(by_share_).first(std::min<size_t>(by_share_.size(), n)))
      scored.emplace_back(s, (1 - no_trip_) * share_[static_cast<size_t>(s)]);
    return top_outcomes(std::move(scored), no_trip_, n_stores_, n);
  }

 protected:
  const Store* store_ = nullptr;
  std::vector<uint8_t> observed_;  // Store::weeks_with_baskets
  int32_t n_stores_ = 0;
  int horizon_ = 12;
  std::vector<double> share_;      // per store, of the trips before the split
  std::vector<int32_t> by_share_;  // stores, largest share first
  double no_trip_ = 0.5;           // share of the weeks without a trip
};

// The customer's own history before the week: the share of their weeks without a trip and of
// their trips per store, each shrunk towards the global figure (worth kPriorWeeks weeks and one
// trip). Stores tie by the latest visit.
class PersonalVisits : public GlobalVisits {
 public:
  explicit PersonalVisits(bool last_store_first) : last_store_first_(last_store_first) {}

  VisitPrediction predict(const VisitCase& c, int n) const override {
    constexpr double kPriorWeeks = 2;
    const auto history =
        store_->baskets_of_customer(c.customer).first(static_cast<size_t>(c.n_history));
    const TripWeeks t = trip_weeks_of(*store_, observed_, history, c.week, horizon_);
    const double no_trip = (static_cast<double>(t.empty) + kPriorWeeks * no_trip_) /
                           (static_cast<double>(t.trip + t.empty) + kPriorWeeks);
    // (store, trips, latest position), latest visit first.
    std::vector<std::tuple<int32_t, int64_t, size_t>> own;
    for (size_t i = history.size(); i-- > 0;) {
      const int32_t s = store_->basket_store_id[static_cast<size_t>(history[i])];
      auto it =
          std::find_if(own.begin(), own.end(), [s](const auto& e) { return std::get<0>(e) == s; });
      if (it == own.end()) {
        own.emplace_back(s, 1, i);
      } else {
        ++std::get<1>(*it);
      }
    }
    const double trips = static_cast<double>(history.size());
    std::vector<std::pair<int32_t, double>> scored;
    for (const auto& [s, count, latest] : own)
      scored.emplace_back(
          s, (static_cast<double>(count) + share_[static_cast<size_t>(s)]) / (trips + 1));
    std::stable_sort(scored.begin(), scored.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    if (last_store_first_ && !own.empty() && std::get<0>(own.front()) != scored.front().first) {
      // visit-last: the last trip's store takes the top store's chance (and gives it its own).
      const int32_t last = std::get<0>(own.front());
      auto it = std::find_if(scored.begin(), scored.end(),
                             [last](const auto& e) { return e.first == last; });
      std::swap(it->first, scored.front().first);
    }
    for (int32_t s : std::span(by_share_).first(std::min<size_t>(by_share_.size(), n))) {
      if (std::none_of(own.begin(), own.end(), [s](const auto& e) { return std::get<0>(e) == s; }))
        scored.emplace_back(s, share_[static_cast<size_t>(s)] / (trips + 1));
    }
    for (auto& [s, p] : scored) p *= 1 - no_trip;
    return top_outcomes(std::move(scored), no_trip, n_stores_, n);
  }

 private:
  bool last_store_first_ = false;
};

// The generator's own rules (synthetic data): trips in a week are Poisson with the customer's
// rate inside their active weeks, and each trip goes to a store with the customer's store
// chances, so no trip has probability exp(-rate) and the first trip's store those chances.
class OracleVisits : public VisitPredictor {
 public:
  explicit OracleVisits(const fs::path& data_dir)
      : truth_(synth::TruthModel::load(data_dir / "truth")) {}

  void fit(const Store& store, const VisitFold& fold) override {
    ids_ = world_ids(truth_, store);
    n_stores_ = fold.n_stores;
  }

  VisitPrediction predict(const VisitCase& c, int n) const override {
    const int customer = ids_.customer[static_cast<size_t>(c.customer)];
    const int week = ids_.week[static_cast<size_t>(c.week)];
    const double rate = customer >= 0 && week >= 0 ? truth_.expected_trips(customer, week) : 0.0;
    const double no_trip = std::exp(-rate);
    std::vector<std::pair<int32_t, double>> scored;
    if (customer >= 0) {
      for (int32_t s = 0; s < n_stores_; ++s) {
        const int w = ids_.store[static_cast<size_t>(s)];
        const double p = w >= 0 ? truth_.store_probability(customer, w) : 0.0;
        if (p > 0) scored.emplace_back(s, (1 - no_trip) * p);
      }
    }
    return top_outcomes(std::move(scored), no_trip, n_stores_, n);
  }

 private:
  synth::TruthModel truth_;
  WorldIds ids_;
  int32_t n_stores_ = 0;
};

}  // namespace

const std::vector<VisitMethodInfo>& registered_visit_methods() {
  static const std::vector<VisitMethodInfo> methods = {
      {"visit-global",
       "every customer's share of weeks without a trip and the stores' shares of trips",
       [](const fs::path&) -> std::unique_ptr<VisitPredictor> {
         return std::make_unique<GlobalVisits>();
       },
       false},
      {"visit-personal",
       "the customer's own share of weeks without a trip and their stores by trips (shrunk "
       "towards visit-global)",
       [](const fs::path&) -> std::unique_ptr<VisitPredictor> {
         return std::make_unique<PersonalVisits>(false);
       },
       false},
      {"visit-last", "visit-personal with the last trip's store first",
       [](const fs::path&) -> std::unique_ptr<VisitPredictor> {
         return std::make_unique<PersonalVisits>(true);
       },
       false},
      {"visit-oracle",
       "the generator's trip rate and store chances of the customer (synthetic data): the ceiling",
       [](const fs::path& data_dir) -> std::unique_ptr<VisitPredictor> {
         return std::make_unique<OracleVisits>(data_dir);
       },
       true},
  };
  return methods;
}

}  // namespace retailsim::eval
