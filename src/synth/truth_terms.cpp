// The terms of the truth model's closed form shared by TruthModel and TruthWeekUnits: per-product
// price terms, sub-commodity shares, complement sources, trip sizes and line quantities.
#include "synth/truth_terms.h"

#include <algorithm>
#include <cmath>

namespace retailsim::synth {

PriceTerms price_terms(const World& w, int seg, int format, std::span<const int32_t> actual_pence,
                       std::span<const uint8_t> depth_pct) {
  const int n = w.n_products();
  PriceTerms terms;
  terms.accept.resize(n);
  terms.explore.resize(n);
  for (int p = 0; p < n; ++p) {
    terms.accept[p] = line_accept_probability(w, seg, format, p, actual_pence[p], depth_pct[p]);
    terms.explore[p] = w.product_popularity[p] * w.seg1_tier_pref[seg][w.product_tier[p]] *
                       price_response(w, seg, format, p, actual_pence[p], depth_pct[p]);
  }
  for (int cl = 0; cl < w.n_cl(); ++cl) {
    double sum = 0;
    for (int i = w.cl_offsets[cl]; i < w.cl_offsets[cl + 1]; ++i)
      sum += terms.explore[w.cl_products[i]];
    for (int i = w.cl_offsets[cl]; i < w.cl_offsets[cl + 1]; ++i) {
      double& explore = terms.explore[w.cl_products[i]];
      explore = sum > 0 ? explore / sum : 0.0;
    }
  }
  return terms;
}

double cumulative_share(const std::vector<float>& cum, int64_t begin, int64_t end, int64_t i) {
  const double total = cum[static_cast<size_t>(end - 1)];
  if (total <= 0) return 0;
  const double before = i == begin ? 0.0 : cum[static_cast<size_t>(i - 1)];
  return (cum[static_cast<size_t>(i)] - before) / total;
}

std::vector<double> cl_shares(const World& w, int customer) {
  const int n_cl = w.n_cl();
  const int64_t c0 = w.customer_cat_offsets[customer], c1 = w.customer_cat_offsets[customer + 1];
  const double preferred = c1 > c0 ? 0.5 : 0.0;
  std::vector<double> share(n_cl, 0.0);
  const double attractiveness_total = w.cl_attractiveness_cum.back();
  for (int cl = 0; cl < n_cl; ++cl) {
    const double before = cl == 0 ? 0.0 : w.cl_attractiveness_cum[cl - 1];
    share[cl] = (1.0 - preferred) * (w.cl_attractiveness_cum[cl] - before) / attractiveness_total;
  }
  for (int64_t i = c0; i < c1; ++i)
    share[w.customer_cat_cl[i]] += preferred * cumulative_share(w.customer_cat_cum, c0, c1, i);
  return share;
}

std::vector<std::vector<int>> complement_sources(const World& w) {
  std::vector<std::vector<int>> sources(static_cast<size_t>(w.n_cl()));
  for (int a = 0; a < w.n_cl(); ++a) {
    for (int k = w.cl_complement_offsets[a]; k < w.cl_complement_offsets[a + 1]; ++k)
      sources[static_cast<size_t>(w.cl_complements[k])].push_back(a);
  }
  return sources;
}

double service_share(const World& w) {
  return w.service_products.empty() ? 0.0 : w.config.service_trip_share;
}

double extra_lines_mean(const World& w, int customer, int format) {
  return std::max(0.0, w.customer_lines_mean[customer] * kFormatTripSize[format] - 1.0);
}

double line_quantity(const World& w, int product, int depth_pct) {
  const double x = std::min(0.8, w.product_extra_unit_prob[product] + 0.15 * depth_pct / 25.0);
  return (1.0 - std::pow(x, 40)) / (1.0 - x);
}

}  // namespace retailsim::synth
