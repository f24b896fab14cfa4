// Layer 3's inputs and its neighbour check, without LibTorch: GraphSAGE's initial node features and
// undirected edges from the training product graph, and the share of nearest neighbours by cosine
// that share a sub-commodity.
#include <algorithm>
#include <cmath>
#include <numbers>
#include <unordered_map>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include "core/error.h"
#include "features/features.h"

namespace retailsim::features {

namespace {

// Hashed one-hot blocks of the initial features: (first dim, buckets).
constexpr int kLevelFirst[4] = {0, 64, 96, 112};
constexpr int kLevelBuckets[4] = {64, 32, 16, 8};
constexpr int kBrandFirst = 120, kBrandBuckets = 15;  // dim 135: no pseudo-brand
constexpr int kStatsFirst = 136;

float clip(double x, double low, double high) {
  return static_cast<float>(std::min(high, std::max(low, x)));
}

}  // namespace

GraphInputs graph_inputs(const derive::ProductGraph& graph,
                         const std::span<const int32_t> product_parents[4],
                         std::span<const int32_t> pseudo_brand, const PriceEncodingStats& prices) {
  const auto P = static_cast<size_t>(graph.n_products);
  if (pseudo_brand.size() != P || prices.product_sold.size() != P ||
      graph.product_baskets.size() != P) {
    fail("graph_inputs: pseudo-brands ({}), price statistics ({}) and the graph ({}) disagree",
         pseudo_brand.size(), prices.product_sold.size(), P);
  }
  for (int k = 0; k < 4; ++k) {
    if (product_parents[k].size() != P) fail("graph_inputs: level {} parents do not match", k);
  }
  GraphInputs in;
  // Undirected complement edges: a pair kept by either end's top-k appears once per end.
  std::vector<std::vector<int32_t>> adjacency(P);
  const derive::EdgeList& e = graph.complements;
  for (size_t a = 0; a < P; ++a) {
    for (uint64_t k = e.offsets[a]; k < e.offsets[a + 1]; ++k) {
      const auto b = static_cast<size_t>(e.target[k]);
      if (b == a) continue;
      adjacency[a].push_back(static_cast<int32_t>(b));
      adjacency[b].push_back(static_cast<int32_t>(a));
    }
  }
  in.offsets.assign(P + 1, 0);
  for (size_t a = 0; a < P; ++a) {
    std::sort(adjacency[a].begin(), adjacency[a].end());
    adjacency[a].erase(std::unique(adjacency[a].begin(), adjacency[a].end()), adjacency[a].end());
    in.offsets[a + 1] = in.offsets[a] + static_cast<int64_t>(adjacency[a].size());
    in.targets.insert(in.targets.end(), adjacency[a].begin(), adjacency[a].end());
  }

  uint32_t max_baskets = 1;
  size_t max_degree = 1;
  for (size_t p = 0; p < P; ++p) {
    max_baskets = std::max(max_baskets, graph.product_baskets[p]);
    max_degree = std::max(max_degree, adjacency[p].size());
  }
  in.features.assign(P * kGraphFeatureDims, 0.0f);
  for (size_t p = 0; p < P; ++p) {
    float* f = in.features.data() + p * kGraphFeatureDims;
    for (int k = 0; k < 4; ++k) {
      f[kLevelFirst[k] + product_parents[k][p] % kLevelBuckets[k]] = 1.0f;
    }
    f[pseudo_brand[p] >= 0 ? kBrandFirst + pseudo_brand[p] % kBrandBuckets
                           : kBrandFirst + kBrandBuckets] = 1.0f;
    float* s = f + kStatsFirst;
    const double lp = prices.product_log_price[p];
    const double z = (lp - prices.log_price_mean) / prices.log_price_sd;
    s[0] = clip(z / 3, -1, 1);
    s[1] = clip(lp / 12, 0, 1);
    s[2] = prices.product_tier[p];
    s[3] = prices.product_sold[p] ? 1.0f : 0.0f;
    s[4] = clip(prices.product_log_max[p] - prices.product_log_min[p], 0, 1);
    s[5] = clip((lp - prices.product_level_log_price[0][p]) / 2, -1, 1);
    s[6] = static_cast<float>(std::log1p(double(graph.product_baskets[p])) /
                              std::log1p(double(max_baskets)));
    s[7] = static_cast<float>(std::log1p(double(adjacency[p].size())) /
                              std::log1p(double(max_degree)));
    const double theta = std::numbers::pi / 4 * std::clamp(z, -8.0, 8.0);
    for (int k = 0; k < 4; ++k) {
      s[8 + 2 * k] = static_cast<float>(std::sin((k + 1) * theta));
      s[9 + 2 * k] = static_cast<float>(std::cos((k + 1) * theta));
    }
  }
  return in;
}

NeighbourAgreement neighbour_same_subcommodity(std::span<const float> embeddings, int dims,
                                               std::span<const int32_t> category, int k) {
  const size_t n = category.size();
  if (dims <= 0 || embeddings.size() != n * static_cast<size_t>(dims)) {
    fail("neighbour_same_subcommodity: {} values for {} products of {} dims", embeddings.size(), n,
         dims);
  }
  std::vector<float> norm(n);
  for (size_t i = 0; i < n; ++i) {
    double sq = 0;
    for (int d = 0; d < dims; ++d)
      sq += double(embeddings[i * dims + d]) * embeddings[i * dims + d];
    norm[i] = static_cast<float>(std::sqrt(sq));
  }
  std::unordered_map<int32_t, size_t> category_size;
  size_t n_rows = 0;
  for (size_t i = 0; i < n; ++i) {
    if (norm[i] > 0) {
      ++category_size[category[i]];
      ++n_rows;
    }
  }
  NeighbourAgreement out;
  if (n_rows < 2) return out;
  const size_t kk = std::min(static_cast<size_t>(k), n_rows - 1);
  // Per product, then summed in order: the same figures whatever the thread count.
  std::vector<double> share(n, 0.0);
  tbb::parallel_for(tbb::blocked_range<size_t>(0, n, 64), [&](const auto& range) {
    std::vector<std::pair<float, size_t>> scored;
    for (size_t i = range.begin(); i != range.end(); ++i) {
      if (!(norm[i] > 0)) continue;
      scored.clear();
      for (size_t j = 0; j < n; ++j) {
        if (j == i || !(norm[j] > 0)) continue;
        float dot = 0;
        for (int d = 0; d < dims; ++d) dot += embeddings[i * dims + d] * embeddings[j * dims + d];
        scored.emplace_back(-dot / (norm[i] * norm[j]), j);  // ties: lower id first
      }
      std::partial_sort(scored.begin(), scored.begin() + static_cast<ptrdiff_t>(kk), scored.end());
      size_t same = 0;
      for (size_t r = 0; r < kk; ++r) same += category[scored[r].second] == category[i];
      share[i] = double(same) / double(kk);
    }
  });
  struct Sum {
    double share = 0, chance = 0;
  } total;
  for (size_t i = 0; i < n; ++i) {
    if (!(norm[i] > 0)) continue;
    total.share += share[i];
    total.chance += double(category_size.at(category[i]) - 1) / double(n_rows - 1);
  }
  out.share = total.share / double(n_rows);
  out.chance = total.chance / double(n_rows);
  return out;
}

}  // namespace retailsim::features
