// The product graph: co-purchase counts within baskets (per-thread counters summed, so any
// thread count gives the same counts), lift and PMI, top-k complements, substitute candidates
// within a sub-commodity, hierarchy edges, all stored as CSR.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <ranges>
#include <utility>

#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_sort.h>

#include "core/error.h"
#include "core/rng.h"
#include "derive/derive.h"

namespace retailsim::derive {

namespace {

// Index of pair a < b in a packed upper triangle over n products.
inline size_t triangle_index(size_t a, size_t b, size_t n) {
  return a * n - a * (a + 1) / 2 + (b - a - 1);
}

inline uint64_t pair_key(int32_t a, int32_t b) {
  return (uint64_t(uint32_t(a)) << 32) | uint32_t(b);
}

// Open-addressing counter for pair keys, for catalogues too large for a dense triangle. Grows by
// doubling; no allocation per increment.
class PairCounter {
 public:
  void add(uint64_t key) {
    if ((size_ + 1) * 2 > keys_.size()) grow();
    size_t mask = keys_.size() - 1;
    size_t at = mix64(key) & mask;
    while (keys_[at] != kEmpty && keys_[at] != key) at = (at + 1) & mask;
    if (keys_[at] == kEmpty) {
      keys_[at] = key;
      ++size_;
    }
    ++counts_[at];
  }
  template <typename F>
  void for_each(F f) const {
    for (size_t i = 0; i < keys_.size(); ++i) {
      if (keys_[i] != kEmpty) f(keys_[i], counts_[i]);
    }
  }
  size_t size() const { return size_; }

 private:
  static constexpr uint64_t kEmpty = ~uint64_t{0};
  void grow() {
    std::vector<uint64_t> old_keys = std::move(keys_);
    std::vector<uint32_t> old_counts = std::move(counts_);
    const size_t capacity = std::max<size_t>(1024, old_keys.size() * 2);
    keys_.assign(capacity, kEmpty);
    counts_.assign(capacity, 0);
    size_ = 0;
    const size_t mask = capacity - 1;
    for (size_t i = 0; i < old_keys.size(); ++i) {
      if (old_keys[i] == kEmpty) continue;
      size_t at = mix64(old_keys[i]) & mask;
      while (keys_[at] != kEmpty) at = (at + 1) & mask;
      keys_[at] = old_keys[i];
      counts_[at] = old_counts[i];
      ++size_;
    }
  }
  std::vector<uint64_t> keys_;
  std::vector<uint32_t> counts_;
  size_t size_ = 0;
};

struct CountLocal {
  std::vector<uint32_t> product_baskets;
  std::vector<uint32_t> dense;
  PairCounter sparse;
  std::vector<int32_t> distinct;
};

struct Candidate {
  int32_t target;
  uint32_t count;
  double lift;
  double score;  // higher ranks first
};

// Keeps the best k candidates (score desc, then target asc) and appends them to `edges`.
void append_top(std::vector<Candidate>& candidates, size_t k, EdgeList& edges) {
  auto better = [](const Candidate& x, const Candidate& y) {
    return x.score != y.score ? x.score > y.score : x.target < y.target;
  };
  const size_t keep = std::min(k, candidates.size());
  std::partial_sort(candidates.begin(), candidates.begin() + keep, candidates.end(), better);
  for (size_t i = 0; i < keep; ++i) {
    edges.target.push_back(candidates[i].target);
    edges.count.push_back(candidates[i].count);
    edges.lift.push_back(static_cast<float>(candidates[i].lift));
    edges.pmi.push_back(static_cast<float>(std::log(candidates[i].lift)));
  }
}

}  // namespace

double pair_lift(uint64_t count, uint64_t n_a, uint64_t n_b, uint64_t n_baskets) {
  if (n_a == 0 || n_b == 0) return 0.0;
  return static_cast<double>(count) * static_cast<double>(n_baskets) /
         (static_cast<double>(n_a) * static_cast<double>(n_b));
}

uint32_t PairCounts::count_of(int32_t x, int32_t y) const {
  if (x == y) return 0;
  if (x > y) std::swap(x, y);
  auto indices = std::views::iota(size_t{0}, a.size());
  auto it = std::ranges::partition_point(
      indices, [&](size_t i) { return a[i] < x || (a[i] == x && b[i] < y); });
  if (it == indices.end()) return 0;
  const size_t i = *it;
  return (a[i] == x && b[i] == y) ? count[i] : 0;
}

PairCounts count_copurchases(const BasketRows& baskets, int32_t n_products,
                             const GraphConfig& config) {
  const size_t n_baskets = baskets.n_baskets();
  if (n_products <= 0) fail("count_copurchases: no products");
  if (n_baskets > 0 && baskets.basket_offsets.back() != baskets.product.size()) {
    fail("count_copurchases: basket offsets end at {} but there are {} rows",
         baskets.basket_offsets.back(), baskets.product.size());
  }
  const size_t P = static_cast<size_t>(n_products);
  const bool dense = n_products <= config.dense_max_products;
  const size_t n_triangle = P * (P - 1) / 2;

  tbb::enumerable_thread_specific<CountLocal> locals;
  tbb::parallel_for(tbb::blocked_range<size_t>(0, n_baskets, 1024), [&](const auto& range) {
    CountLocal& local = locals.local();
    if (local.product_baskets.empty()) {
      local.product_baskets.assign(P, 0);
      if (dense) local.dense.assign(n_triangle, 0);
    }
    for (size_t basket = range.begin(); basket != range.end(); ++basket) {
      const uint64_t first = baskets.basket_offsets[basket];
      const uint64_t last = baskets.basket_offsets[basket + 1];
      if (last < first) fail("count_copurchases: basket {} has decreasing offsets", basket);
      local.distinct.assign(baskets.product.begin() + first, baskets.product.begin() + last);
      std::sort(local.distinct.begin(), local.distinct.end());
      local.distinct.erase(std::unique(local.distinct.begin(), local.distinct.end()),
                           local.distinct.end());
      if (!local.distinct.empty() &&
          (local.distinct.front() < 0 || local.distinct.back() >= n_products)) {
        fail("count_copurchases: basket {} holds a product id outside [0, {})", basket, n_products);
      }
      const size_t m = local.distinct.size();
      for (size_t i = 0; i < m; ++i) {
        const size_t x = static_cast<size_t>(local.distinct[i]);
        ++local.product_baskets[x];
        if (dense) {
          const size_t row = triangle_index(x, x + 1, P) - (x + 1);  // index of (x, 0) offset
          for (size_t j = i + 1; j < m; ++j) ++local.dense[row + size_t(local.distinct[j])];
        } else {
          for (size_t j = i + 1; j < m; ++j) {
            local.sparse.add(pair_key(local.distinct[i], local.distinct[j]));
          }
        }
      }
    }
  });

  PairCounts counts;
  counts.n_products = n_products;
  counts.n_baskets = n_baskets;
  counts.product_baskets.assign(P, 0);
  for (const CountLocal& local : locals) {
    if (local.product_baskets.empty()) continue;
    for (size_t p = 0; p < P; ++p) counts.product_baskets[p] += local.product_baskets[p];
  }

  if (dense) {
    // Sum the triangles in place into the first one, block by block.
    std::vector<CountLocal*> used;
    for (CountLocal& local : locals) {
      if (!local.dense.empty()) used.push_back(&local);
    }
    if (used.empty()) return counts;
    std::vector<uint32_t>& total = used.front()->dense;
    tbb::parallel_for(tbb::blocked_range<size_t>(0, n_triangle, 1 << 16), [&](const auto& r) {
      for (size_t u = 1; u < used.size(); ++u) {
        const uint32_t* other = used[u]->dense.data();
        for (size_t i = r.begin(); i != r.end(); ++i) total[i] += other[i];
      }
    });
    for (size_t x = 0; x + 1 < P; ++x) {
      const size_t row = triangle_index(x, x + 1, P);
      for (size_t y = x + 1; y < P; ++y) {
        const uint32_t c = total[row + (y - x - 1)];
        if (c == 0) continue;
        counts.a.push_back(static_cast<int32_t>(x));
        counts.b.push_back(static_cast<int32_t>(y));
        counts.count.push_back(c);
      }
    }
  } else {
    std::vector<std::pair<uint64_t, uint32_t>> entries;
    size_t total_entries = 0;
    for (const CountLocal& local : locals) total_entries += local.sparse.size();
    entries.reserve(total_entries);
    for (const CountLocal& local : locals) {
      local.sparse.for_each([&](uint64_t key, uint32_t c) { entries.emplace_back(key, c); });
    }
    tbb::parallel_sort(entries.begin(), entries.end());
    for (size_t i = 0; i < entries.size();) {
      size_t j = i;
      uint32_t c = 0;
      while (j < entries.size() && entries[j].first == entries[i].first) c += entries[j++].second;
      counts.a.push_back(static_cast<int32_t>(entries[i].first >> 32));
      counts.b.push_back(static_cast<int32_t>(entries[i].first & 0xFFFFFFFFu));
      counts.count.push_back(c);
      i = j;
    }
  }
  return counts;
}

ProductGraph build_product_graph(const PairCounts& pairs, const Hierarchy& hierarchy,
                                 const GraphConfig& config) {
  const int32_t P = pairs.n_products;
  if (!hierarchy.product_to_cl.empty() && hierarchy.product_to_cl.size() != size_t(P)) {
    fail("build_product_graph: hierarchy has {} products, counts have {}",
         hierarchy.product_to_cl.size(), P);
  }
  ProductGraph graph;
  graph.n_products = P;
  graph.n_baskets = pairs.n_baskets;
  graph.product_baskets = pairs.product_baskets;
  const uint64_t N = pairs.n_baskets;

  // Complements: symmetric adjacency of the pairs with enough support, then top-k per product.
  std::vector<uint64_t> degree(size_t(P) + 1, 0);
  for (size_t i = 0; i < pairs.a.size(); ++i) {
    if (pairs.count[i] < uint32_t(config.min_count)) continue;
    ++degree[pairs.a[i] + 1];
    ++degree[pairs.b[i] + 1];
  }
  std::partial_sum(degree.begin(), degree.end(), degree.begin());
  std::vector<uint32_t> neighbour_pair(degree.back());
  {
    std::vector<uint64_t> cursor(degree.begin(), degree.end() - 1);
    for (size_t i = 0; i < pairs.a.size(); ++i) {
      if (pairs.count[i] < uint32_t(config.min_count)) continue;
      neighbour_pair[cursor[pairs.a[i]]++] = static_cast<uint32_t>(i);
      neighbour_pair[cursor[pairs.b[i]]++] = static_cast<uint32_t>(i);
    }
  }
  const bool by_count = config.rank_by == "count";
  graph.complements.offsets.assign(size_t(P) + 1, 0);
  std::vector<Candidate> candidates;
  for (int32_t p = 0; p < P; ++p) {
    candidates.clear();
    for (uint64_t k = degree[p]; k < degree[p + 1]; ++k) {
      const uint32_t i = neighbour_pair[k];
      const int32_t other = pairs.a[i] == p ? pairs.b[i] : pairs.a[i];
      const double lift =
          pair_lift(pairs.count[i], pairs.product_baskets[p], pairs.product_baskets[other], N);
      candidates.push_back({other, pairs.count[i], lift, by_count ? pairs.count[i] : lift});
    }
    append_top(candidates, size_t(config.top_k), graph.complements);
    graph.complements.offsets[p + 1] = graph.complements.size();
  }

  // Substitutes: pairs in one sub-commodity expected to meet often enough but rarely seen together.
  graph.substitutes.offsets.assign(size_t(P) + 1, 0);
  if (!hierarchy.product_to_cl.empty()) {
    const int32_t n_cl = static_cast<int32_t>(hierarchy.cl_to_dep.size());
    std::vector<std::vector<int32_t>> members(std::max(n_cl, 1));
    for (int32_t p = 0; p < P; ++p) {
      const int32_t cl = hierarchy.product_to_cl[p];
      if (cl < 0) continue;
      if (cl >= int32_t(members.size())) members.resize(cl + 1);
      members[cl].push_back(p);
    }
    std::vector<std::vector<Candidate>> per_product(P);
    for (const auto& group : members) {
      for (size_t i = 0; i < group.size(); ++i) {
        for (size_t j = i + 1; j < group.size(); ++j) {
          const int32_t x = group[i], y = group[j];
          const uint64_t n_x = pairs.product_baskets[x], n_y = pairs.product_baskets[y];
          if (N == 0) continue;
          const double expected = double(n_x) * double(n_y) / double(N);
          if (expected < config.substitute_min_expected) continue;
          const uint32_t together = pairs.count_of(x, y);
          const double lift = together / expected;
          if (lift > config.substitute_max_lift) continue;
          per_product[x].push_back({y, together, lift, -lift});
          per_product[y].push_back({x, together, lift, -lift});
        }
      }
    }
    for (int32_t p = 0; p < P; ++p) {
      append_top(per_product[p], size_t(config.substitute_top_k), graph.substitutes);
      graph.substitutes.offsets[p + 1] = graph.substitutes.size();
    }
  }

  auto copy = [](std::span<const int32_t> from) {
    return std::vector<int32_t>(from.begin(), from.end());
  };
  graph.product_to_cl = copy(hierarchy.product_to_cl);
  graph.cl_to_dep = copy(hierarchy.cl_to_dep);
  graph.dep_to_g = copy(hierarchy.dep_to_g);
  graph.g_to_d = copy(hierarchy.g_to_d);
  return graph;
}

}  // namespace retailsim::derive
