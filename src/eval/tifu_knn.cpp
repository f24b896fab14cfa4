// TIFU-KNN (Hu et al., SIGIR 2020): time-decayed personal item-frequency vectors, blended with the
// mean vector of the k nearest customers; the published settings and a grid tuned on validation
// customers by NDCG@10.
#include <algorithm>
#include <cmath>
#include <limits>

#include <spdlog/spdlog.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

#include "eval/methods.h"

namespace retailsim::eval {

SparseVector tifu_user_vector(const BasketTable& baskets, std::span<const int32_t> history,
                              double r_b, double r_g, int m) {
  SparseVector out;
  const size_t n = history.size();
  if (n == 0) return out;
  // Group sizes: fewer baskets than groups -> one basket each; else the last n mod m groups
  // hold one basket more than the others.
  std::vector<size_t> sizes;
  const auto groups = static_cast<size_t>(m);
  if (n < groups) {
    sizes.assign(n, 1);
  } else {
    const size_t base = n / groups, extra = n % groups;
    sizes.assign(groups - extra, base);
    sizes.insert(sizes.end(), extra, base + 1);
  }
  std::vector<std::pair<int32_t, double>> entries;
  size_t position = 0;
  for (size_t g = 0; g < sizes.size(); ++g) {
    const double group_weight =
        std::pow(r_g, static_cast<double>(groups - 1 - g)) / static_cast<double>(sizes[g]);
    for (size_t j = 0; j < sizes[g]; ++j, ++position) {
      const double basket_weight = std::pow(r_b, static_cast<double>(n - 1 - position));
      for (int32_t p : baskets.products(history[position]))
        entries.emplace_back(p, group_weight * basket_weight);
    }
  }
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  const double n_groups = static_cast<double>(sizes.size());
  for (size_t i = 0; i < entries.size();) {
    double sum = 0;
    size_t j = i;
    // Sum in position order within a product (stable: entries were appended in that order).
    for (; j < entries.size() && entries[j].first == entries[i].first; ++j)
      sum += entries[j].second;
    out.index.push_back(entries[i].first);
    out.value.push_back(sum / n_groups);
    out.norm2 += (sum / n_groups) * (sum / n_groups);
    i = j;
  }
  return out;
}

namespace {

// Every customer's vector over its visible baskets, an inverted index product -> customers, and
// customers by norm (the nearest of those sharing no product with a query).
class NeighbourPool {
 public:
  NeighbourPool(const TrainingView& view, double r_b, double r_g, int m) {
    const size_t n = view.visible.size();
    vectors_.resize(n);
    tbb::parallel_for(tbb::blocked_range<size_t>(0, n), [&](const auto& range) {
      for (size_t c = range.begin(); c < range.end(); ++c) {
        const auto all = view.baskets->of_customer(static_cast<int32_t>(c));
        vectors_[c] = tifu_user_vector(
            *view.baskets, all.first(static_cast<size_t>(view.visible[c])), r_b, r_g, m);
      }
    });
    posting_offsets_.assign(static_cast<size_t>(view.baskets->n_products) + 1, 0);
    for (const SparseVector& v : vectors_) {
      for (int32_t p : v.index) ++posting_offsets_[static_cast<size_t>(p) + 1];
    }
    for (size_t p = 1; p < posting_offsets_.size(); ++p)
      posting_offsets_[p] += posting_offsets_[p - 1];
    posting_customer_.resize(static_cast<size_t>(posting_offsets_.back()));
    posting_value_.resize(posting_customer_.size());
    std::vector<int64_t> fill(posting_offsets_.begin(), posting_offsets_.end() - 1);
    for (size_t c = 0; c < n; ++c) {
      const SparseVector& v = vectors_[c];
      for (size_t i = 0; i < v.index.size(); ++i) {
        const auto at = static_cast<size_t>(fill[static_cast<size_t>(v.index[i])]++);
        posting_customer_[at] = static_cast<int32_t>(c);
        posting_value_[at] = v.value[i];
      }
    }
    for (size_t c = 0; c < n; ++c) {
      if (!vectors_[c].index.empty()) by_norm_.push_back(static_cast<int32_t>(c));
    }
    std::stable_sort(by_norm_.begin(), by_norm_.end(), [&](int32_t a, int32_t b) {
      return vectors_[static_cast<size_t>(a)].norm2 < vectors_[static_cast<size_t>(b)].norm2;
    });
  }

  struct Scratch {
    std::vector<double> dot;  // per customer
    std::vector<uint8_t> touched_flag;
    std::vector<int32_t> touched;
  };

  // Up to k customers nearest to u (other than `self`, with a non-empty vector), nearest first;
  // ties by lower id.
  std::vector<int32_t> nearest(const SparseVector& u, int32_t self, int k, bool cosine,
                               Scratch& s) const {
    const size_t n = vectors_.size();
    if (s.dot.size() != n) {
      s.dot.assign(n, 0.0);
      s.touched_flag.assign(n, 0);
    }
    s.touched.clear();
    for (size_t i = 0; i < u.index.size(); ++i) {
      const auto p = static_cast<size_t>(u.index[i]);
      for (int64_t j = posting_offsets_[p]; j < posting_offsets_[p + 1]; ++j) {
        const auto c = static_cast<size_t>(posting_customer_[static_cast<size_t>(j)]);
        if (!s.touched_flag[c]) {
          s.touched_flag[c] = 1;
          s.touched.push_back(static_cast<int32_t>(c));
        }
        s.dot[c] += u.value[i] * posting_value_[static_cast<size_t>(j)];
      }
    }
    std::vector<std::pair<double, int32_t>> scored;  // (key to minimise, customer)
    for (int32_t c : s.touched) {
      if (c == self) continue;
      const auto& v = vectors_[static_cast<size_t>(c)];
      const double d = s.dot[static_cast<size_t>(c)];
      const double key = cosine ? -d / std::sqrt(u.norm2 * v.norm2) : v.norm2 - 2.0 * d;
      scored.emplace_back(key, c);
    }
    // Customers sharing no product: distance^2 - |u|^2 = |v|^2 (cosine 0), the smallest first.
    int added = 0;
    for (int32_t c : by_norm_) {
      if (added >= k) break;
      if (c == self || s.touched_flag[static_cast<size_t>(c)]) continue;
      scored.emplace_back(cosine ? 0.0 : vectors_[static_cast<size_t>(c)].norm2, c);
      ++added;
    }
    for (int32_t c : s.touched) {
      s.dot[static_cast<size_t>(c)] = 0.0;
      s.touched_flag[static_cast<size_t>(c)] = 0;
    }
    const size_t keep = std::min(scored.size(), static_cast<size_t>(k));
    std::partial_sort(scored.begin(), scored.begin() + static_cast<std::ptrdiff_t>(keep),
                      scored.end());
    std::vector<int32_t> out(keep);
    for (size_t i = 0; i < keep; ++i) out[i] = scored[i].second;
    return out;
  }

  const SparseVector& vector_of(int32_t c) const { return vectors_[static_cast<size_t>(c)]; }

 private:
  std::vector<SparseVector> vectors_;
  std::vector<int64_t> posting_offsets_;
  std::vector<int32_t> posting_customer_;
  std::vector<double> posting_value_;
  std::vector<int32_t> by_norm_;
};

// Sums of neighbour vectors, dense over products with a list of the touched ones.
struct ScoreScratch {
  std::vector<double> sum;
  std::vector<uint8_t> flag;
  std::vector<int32_t> touched;
  void reset(size_t n_products) {
    if (sum.size() != n_products) {
      sum.assign(n_products, 0.0);
      flag.assign(n_products, 0);
    }
    for (int32_t p : touched) {
      sum[static_cast<size_t>(p)] = 0.0;
      flag[static_cast<size_t>(p)] = 0;
    }
    touched.clear();
  }
  void add(const SparseVector& v, double weight) {
    for (size_t i = 0; i < v.index.size(); ++i) {
      const auto p = static_cast<size_t>(v.index[i]);
      if (!flag[p]) {
        flag[p] = 1;
        touched.push_back(v.index[i]);
      }
      sum[p] += weight * v.value[i];
    }
  }
};

// Top n candidates of alpha * u + (1 - alpha) * neighbour_sum / n_neighbours (positive scores
// only; ties by lower id).
std::vector<int32_t> blend_top(const SparseVector& u, const ScoreScratch& neighbours,
                               int n_neighbours, double alpha,
                               const std::vector<uint8_t>& candidate, int n) {
  const double share = n_neighbours > 0 ? (1.0 - alpha) / n_neighbours : 0.0;
  auto own = [&](int32_t p) {
    const auto it = std::lower_bound(u.index.begin(), u.index.end(), p);
    return it != u.index.end() && *it == p ? u.value[static_cast<size_t>(it - u.index.begin())]
                                           : 0.0;
  };
  std::vector<std::pair<double, int32_t>> scored;  // (-score, product)
  for (int32_t p : neighbours.touched) {
    if (!candidate[static_cast<size_t>(p)]) continue;
    const double score = alpha * own(p) + share * neighbours.sum[static_cast<size_t>(p)];
    if (score > 0) scored.emplace_back(-score, p);
  }
  for (size_t i = 0; i < u.index.size(); ++i) {
    const auto p = static_cast<size_t>(u.index[i]);
    if (!candidate[p] || neighbours.flag[p]) continue;
    const double score = alpha * u.value[i];
    if (score > 0) scored.emplace_back(-score, u.index[i]);
  }
  const size_t keep = std::min(scored.size(), static_cast<size_t>(n));
  std::partial_sort(scored.begin(), scored.begin() + static_cast<std::ptrdiff_t>(keep),
                    scored.end());
  std::vector<int32_t> out(keep);
  for (size_t i = 0; i < keep; ++i) out[i] = scored[i].second;
  return out;
}

struct Scratch {
  NeighbourPool::Scratch pool;
  ScoreScratch score;
};

class TifuKnn : public Recommender {
 public:
  explicit TifuKnn(TifuSettings settings) : settings_(std::move(settings)) {}

  void fit(const TrainingView& view) override {
    view_ = &view;
    pool_ = std::make_unique<NeighbourPool>(view, settings_.r_b, settings_.r_g, settings_.m);
  }

  std::vector<int32_t> recommend(const EvalCase& c, int n) const override {
    Scratch& s = scratch_.local();
    const SparseVector u = tifu_user_vector(*view_->baskets, view_->history(c), settings_.r_b,
                                            settings_.r_g, settings_.m);
    const std::vector<int32_t> near =
        pool_->nearest(u, c.customer, settings_.k, settings_.distance == "cosine", s.pool);
    s.score.reset(static_cast<size_t>(view_->baskets->n_products));
    for (int32_t v : near) s.score.add(pool_->vector_of(v), 1.0);
    return blend_top(u, s.score, static_cast<int>(near.size()), settings_.alpha, view_->candidate,
                     n);
  }

  Json settings() const override { return settings_.to_json(); }

 protected:
  TifuSettings settings_;

 private:
  const TrainingView* view_ = nullptr;
  std::unique_ptr<NeighbourPool> pool_;
  mutable tbb::enumerable_thread_specific<Scratch> scratch_;
};

// TIFU-KNN whose settings are the grid point with the best NDCG@10 on the validation cases.
class TifuKnnTuned : public TifuKnn {
 public:
  explicit TifuKnnTuned(const EvalConfig& config) : TifuKnn(config.tifu), config_(config) {}

  void tune(const Fold& fold) override {
    const TrainingView& view = fold.tune_view;
    const std::vector<EvalCase>& cases = fold.tune_cases;
    grid_ = Json::array();
    if (cases.empty()) {
      spdlog::warn("tifu-knn-tuned: no validation cases; keeping the published settings");
      return;
    }
    std::vector<int> ks;
    for (double k : config_.tune_k) ks.push_back(static_cast<int>(k));
    std::sort(ks.begin(), ks.end());
    const int k_max = ks.back();
    const size_t ndcg10 =
        static_cast<size_t>(std::find(metric_names().begin(), metric_names().end(), "ndcg@10") -
                            metric_names().begin());
    double best = -1;
    for (double r_b : config_.tune_r_b) {
      for (double r_g : config_.tune_r_g) {
        for (double m_value : config_.tune_m) {
          const int m = static_cast<int>(m_value);
          const NeighbourPool pool(view, r_b, r_g, m);
          // NDCG@10 of each case at each [k][alpha], summed in case order (same bytes whatever
          // the threads).
          const size_t n_alpha = config_.tune_alpha.size();
          const size_t n_points = ks.size() * n_alpha;
          std::vector<double> per_case(cases.size() * n_points, 0.0);
          tbb::enumerable_thread_specific<Scratch> scratch;
          tbb::parallel_for(tbb::blocked_range<size_t>(0, cases.size()), [&](const auto& range) {
            Scratch& s = scratch.local();
            for (size_t i = range.begin(); i < range.end(); ++i) {
              const EvalCase& c = cases[i];
              const SparseVector u = tifu_user_vector(*view.baskets, view.history(c), r_b, r_g, m);
              const std::vector<int32_t> near =
                  pool.nearest(u, c.customer, k_max, config_.tifu.distance == "cosine", s.pool);
              const std::vector<int32_t> target = target_products(fold, view, c);
              s.score.reset(static_cast<size_t>(view.baskets->n_products));
              size_t used = 0;
              for (size_t ki = 0; ki < ks.size(); ++ki) {
                const size_t upto = std::min(near.size(), static_cast<size_t>(ks[ki]));
                for (; used < upto; ++used) s.score.add(pool.vector_of(near[used]), 1.0);
                for (size_t ai = 0; ai < n_alpha; ++ai) {
                  const std::vector<int32_t> ranked =
                      blend_top(u, s.score, static_cast<int>(used), config_.tune_alpha[ai],
                                view.candidate, config_.list_length);
                  per_case[i * n_points + ki * n_alpha + ai] =
                      case_metrics(ranked, target, {})[ndcg10];
                }
              }
            }
          });
          std::vector<double> total(n_points, 0.0);
          for (size_t i = 0; i < cases.size(); ++i) {
            for (size_t j = 0; j < n_points; ++j) total[j] += per_case[i * n_points + j];
          }
          for (size_t ki = 0; ki < ks.size(); ++ki) {
            for (size_t ai = 0; ai < n_alpha; ++ai) {
              const double ndcg = total[ki * n_alpha + ai] / static_cast<double>(cases.size());
              TifuSettings s = config_.tifu;
              s.k = ks[ki];
              s.alpha = config_.tune_alpha[ai];
              s.r_b = r_b;
              s.r_g = r_g;
              s.m = m;
              Json point = s.to_json();
              point["ndcg@10"] = ndcg;
              grid_.push_back(point);
              if (ndcg > best + 1e-12) {
                best = ndcg;
                settings_ = s;
              }
            }
          }
        }
      }
    }
    best_ndcg_ = best;
    n_cases_ = static_cast<int64_t>(cases.size());
    spdlog::info(
        "tifu-knn-tuned: {} settings on {} validation cases; best NDCG@10 {:.4f} at k={} "
        "alpha={} r_b={} r_g={} m={}",
        grid_.size(), cases.size(), best, settings_.k, settings_.alpha, settings_.r_b,
        settings_.r_g, settings_.m);
  }

  Json settings() const override {
    Json out = settings_.to_json();
    out["validation_ndcg@10"] = best_ndcg_;
    out["validation_cases"] = n_cases_;
    out["grid_points"] = grid_.size();
    return out;
  }

 private:
  EvalConfig config_;
  Json grid_ = Json::array();
  double best_ndcg_ = std::numeric_limits<double>::quiet_NaN();
  int64_t n_cases_ = 0;
};

}  // namespace

std::unique_ptr<Recommender> make_tifu_knn_with(const TifuSettings& settings) {
  return std::make_unique<TifuKnn>(settings);
}
std::unique_ptr<Recommender> make_tifu_knn(const MethodContext& context) {
  return std::make_unique<TifuKnn>(context.config->tifu);
}
std::unique_ptr<Recommender> make_tifu_knn_tuned(const MethodContext& context) {
  return std::make_unique<TifuKnnTuned>(*context.config);
}

}  // namespace retailsim::eval
