// Layer 1: pseudo-brands, products of one sub-commodity clustered by training price tier and
// training co-purchase/substitution edges.
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "features/features.h"

namespace retailsim::features {

namespace {

bool has_edge(std::span<const uint64_t> offsets, std::span<const int32_t> target, int32_t from,
              int32_t to) {
  if (offsets.empty()) return false;
  const auto b = target.begin() + static_cast<ptrdiff_t>(offsets[static_cast<size_t>(from)]);
  const auto e = target.begin() + static_cast<ptrdiff_t>(offsets[static_cast<size_t>(from) + 1]);
  return std::find(b, e, to) != e;
}

// Distances of one sub-commodity's products, row-major [n, n].
std::vector<double> distances(const std::vector<int32_t>& products, const PseudoBrandInputs& in,
                              const FeaturesConfig& config) {
  const size_t n = products.size();
  std::vector<double> d(n * n, 0.0);
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = i + 1; j < n; ++j) {
      const int32_t a = products[i], b = products[j];
      double x = std::abs(std::log(in.price[static_cast<size_t>(a)]) -
                          std::log(in.price[static_cast<size_t>(b)])) /
                 config.price_scale;
      if (has_edge(in.substitute_offsets, in.substitute_target, a, b) ||
          has_edge(in.substitute_offsets, in.substitute_target, b, a)) {
        x += config.substitute_penalty;
      }
      if (has_edge(in.complement_offsets, in.complement_target, a, b) ||
          has_edge(in.complement_offsets, in.complement_target, b, a)) {
        x -= config.complement_bonus;
      }
      d[i * n + j] = d[j * n + i] = std::max(0.0, x);
    }
  }
  return d;
}

// Average linkage: merges the closest pair of clusters while their mean distance is below 1.
std::vector<int32_t> cluster(const std::vector<double>& d, size_t n) {
  std::vector<std::vector<size_t>> clusters(n);
  for (size_t i = 0; i < n; ++i) clusters[i] = {i};
  while (clusters.size() > 1) {
    double best = std::numeric_limits<double>::infinity();
    size_t best_a = 0, best_b = 0;
    for (size_t a = 0; a < clusters.size(); ++a) {
      for (size_t b = a + 1; b < clusters.size(); ++b) {
        double sum = 0;
        for (size_t i : clusters[a]) {
          for (size_t j : clusters[b]) sum += d[i * n + j];
        }
        const double mean = sum / static_cast<double>(clusters[a].size() * clusters[b].size());
        if (mean < best) {
          best = mean;
          best_a = a;
          best_b = b;
        }
      }
    }
    if (best >= 1.0) break;
    clusters[best_a].insert(clusters[best_a].end(), clusters[best_b].begin(),
                            clusters[best_b].end());
    clusters.erase(clusters.begin() + static_cast<ptrdiff_t>(best_b));
  }
  // Number clusters by their lowest member (members are in ascending product order).
  std::sort(clusters.begin(), clusters.end(), [](const auto& x, const auto& y) {
    return *std::min_element(x.begin(), x.end()) < *std::min_element(y.begin(), y.end());
  });
  std::vector<int32_t> label(n);
  for (size_t c = 0; c < clusters.size(); ++c) {
    for (size_t i : clusters[c]) label[i] = static_cast<int32_t>(c);
  }
  return label;
}

// (silhouette + 1) / 2; a cluster alone in its sub-commodity scores 1 - mean inner distance.
std::vector<float> confidences(const std::vector<double>& d, const std::vector<int32_t>& label) {
  const size_t n = label.size();
  const int32_t k = n ? *std::max_element(label.begin(), label.end()) + 1 : 0;
  std::vector<float> out(n);
  for (size_t i = 0; i < n; ++i) {
    std::vector<double> sum(static_cast<size_t>(k), 0.0);
    std::vector<int> count(static_cast<size_t>(k), 0);
    for (size_t j = 0; j < n; ++j) {
      if (j == i) continue;
      sum[static_cast<size_t>(label[j])] += d[i * n + j];
      ++count[static_cast<size_t>(label[j])];
    }
    const size_t own = static_cast<size_t>(label[i]);
    const double a = count[own] ? sum[own] / count[own] : 0.0;
    double b = std::numeric_limits<double>::infinity();
    for (size_t c = 0; c < static_cast<size_t>(k); ++c) {
      if (c != own && count[c]) b = std::min(b, sum[c] / count[c]);
    }
    const double s = std::isinf(b) ? std::clamp(1.0 - a, -1.0, 1.0)
                                   : (std::max(a, b) > 0 ? (b - a) / std::max(a, b) : 0.0);
    out[i] = static_cast<float>((s + 1.0) / 2.0);
  }
  return out;
}

}  // namespace

PseudoBrands pseudo_brands(const PseudoBrandInputs& in, const FeaturesConfig& config) {
  const size_t n_products = in.product_cl.size();
  PseudoBrands out;
  out.id.assign(n_products, -1);
  out.confidence.assign(n_products, 0.0f);
  std::map<int32_t, std::vector<int32_t>> by_cl;  // ordered: ids numbered by sub-commodity
  for (size_t p = 0; p < n_products; ++p) {
    const float price = in.price[p];
    if (std::isfinite(price) && price > 0)
      by_cl[in.product_cl[p]].push_back(static_cast<int32_t>(p));
  }
  for (const auto& [cl, products] : by_cl) {
    const std::vector<double> d = distances(products, in, config);
    const std::vector<int32_t> label = cluster(d, products.size());
    const std::vector<float> confidence = confidences(d, label);
    int32_t k = 0;
    for (size_t i = 0; i < products.size(); ++i) {
      out.id[static_cast<size_t>(products[i])] = out.n_pseudo_brands + label[i];
      out.confidence[static_cast<size_t>(products[i])] = confidence[i];
      k = std::max(k, label[i] + 1);
    }
    out.n_pseudo_brands += k;
  }
  return out;
}

}  // namespace retailsim::features
