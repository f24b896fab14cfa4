// The frequency baselines of the reality-check paper: G-TopFreq (the most popular products),
// P-TopFreq (the customer's own most frequent products) and GP-TopFreq (P-TopFreq filled up with
// G-TopFreq).
#include <algorithm>
#include <unordered_map>

#include "eval/methods.h"

namespace retailsim::eval {

std::vector<int32_t> global_ranking(const TrainingView& view) {
  const BasketTable& t = *view.baskets;
  std::vector<int64_t> count(static_cast<size_t>(t.n_products), 0);
  const size_t n_customers = view.visible.size();
  for (size_t c = 0; c < n_customers; ++c) {
    const std::span<const int32_t> list = t.of_customer(static_cast<int32_t>(c));
    for (int32_t i = 0; i < view.visible[c]; ++i) {
      for (int32_t p : t.products(list[static_cast<size_t>(i)])) ++count[static_cast<size_t>(p)];
    }
  }
  std::vector<int32_t> ranking;
  for (size_t p = 0; p < count.size(); ++p) {
    if (count[p] > 0 && view.candidate[p]) ranking.push_back(static_cast<int32_t>(p));
  }
  std::stable_sort(ranking.begin(), ranking.end(), [&](int32_t a, int32_t b) {
    return count[static_cast<size_t>(a)] > count[static_cast<size_t>(b)];
  });
  return ranking;
}

std::vector<int32_t> personal_ranking(const TrainingView& view, const EvalCase& c) {
  struct Tally {
    int32_t count = 0;
    int32_t last = 0;  // position of the latest basket holding it
  };
  std::unordered_map<int32_t, Tally> tally;
  const std::span<const int32_t> history = view.history(c);
  for (size_t i = 0; i < history.size(); ++i) {
    for (int32_t p : view.baskets->products(history[i])) {
      if (!view.candidate[static_cast<size_t>(p)]) continue;
      Tally& t = tally[p];
      ++t.count;
      t.last = static_cast<int32_t>(i);
    }
  }
  std::vector<int32_t> ranking;
  ranking.reserve(tally.size());
  for (const auto& [p, t] : tally) ranking.push_back(p);
  std::sort(ranking.begin(), ranking.end(), [&](int32_t a, int32_t b) {
    const Tally& x = tally.at(a);
    const Tally& y = tally.at(b);
    if (x.count != y.count) return x.count > y.count;
    if (x.last != y.last) return x.last > y.last;
    return a < b;
  });
  return ranking;
}

namespace {

class GlobalTopFreq : public Recommender {
 public:
  void fit(const TrainingView& view) override { ranking_ = global_ranking(view); }
  std::vector<int32_t> recommend(const EvalCase&, int n) const override {
    return std::vector<int32_t>(ranking_.begin(),
                                ranking_.begin() + std::min<std::ptrdiff_t>(n, ranking_.size()));
  }

 private:
  std::vector<int32_t> ranking_;
};

class PersonalTopFreq : public Recommender {
 public:
  explicit PersonalTopFreq(bool fill) : fill_(fill) {}
  void fit(const TrainingView& view) override {
    view_ = &view;
    if (fill_) global_ = global_ranking(view);
  }
  std::vector<int32_t> recommend(const EvalCase& c, int n) const override {
    std::vector<int32_t> out = personal_ranking(*view_, c);
    if (out.size() > static_cast<size_t>(n)) out.resize(static_cast<size_t>(n));
    if (fill_) {
      std::vector<int32_t> taken = out;
      std::sort(taken.begin(), taken.end());
      for (int32_t p : global_) {
        if (out.size() >= static_cast<size_t>(n)) break;
        if (!std::binary_search(taken.begin(), taken.end(), p)) out.push_back(p);
      }
    }
    return out;
  }

 private:
  bool fill_;
  const TrainingView* view_ = nullptr;
  std::vector<int32_t> global_;
};

}  // namespace

std::unique_ptr<Recommender> make_g_topfreq(const MethodContext&) {
  return std::make_unique<GlobalTopFreq>();
}
std::unique_ptr<Recommender> make_p_topfreq(const MethodContext&) {
  return std::make_unique<PersonalTopFreq>(false);
}
std::unique_ptr<Recommender> make_gp_topfreq(const MethodContext&) {
  return std::make_unique<PersonalTopFreq>(true);
}

}  // namespace retailsim::eval
