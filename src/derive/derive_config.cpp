// The [derive] config section: defaults, reading, validation and the JSON recorded in manifests.
#include <set>
#include <string>

#include "core/error.h"
#include "derive/derive.h"

namespace retailsim::derive {

DeriveConfig DeriveConfig::from_section(const Section& section) {
  section.check_known_keys({"remove_outliers",
                            "outlier_low_quantile",
                            "outlier_high_quantile",
                            "outlier_range_factor",
                            "base_estimator",
                            "rolling_window_weeks",
                            "level_tolerance",
                            "max_promo_weeks",
                            "rise_min_weeks",
                            "base_pool",
                            "promo_threshold",
                            "discount_bin_edges",
                            "bound_low_quantile",
                            "bound_high_quantile",
                            "dense_max_cells",
                            "dense_export",
                            "graph_min_count",
                            "graph_top_k",
                            "graph_rank_by",
                            "substitute_max_lift",
                            "substitute_min_expected",
                            "substitute_top_k",
                            "graph_dense_max_products",
                            "top_stores"});
  DeriveConfig c;
  PriceConfig& p = c.prices;
  p.remove_outliers = section.get_bool("remove_outliers", p.remove_outliers);
  p.outlier_low_quantile = section.get_double("outlier_low_quantile", p.outlier_low_quantile);
  p.outlier_high_quantile = section.get_double("outlier_high_quantile", p.outlier_high_quantile);
  p.outlier_range_factor = section.get_double("outlier_range_factor", p.outlier_range_factor);
  p.base_estimator = section.get_string("base_estimator", p.base_estimator);
  p.rolling_window_weeks =
      static_cast<int>(section.get_int("rolling_window_weeks", p.rolling_window_weeks));
  p.level_tolerance = section.get_double("level_tolerance", p.level_tolerance);
  p.max_promo_weeks = static_cast<int>(section.get_int("max_promo_weeks", p.max_promo_weeks));
  p.rise_min_weeks = static_cast<int>(section.get_int("rise_min_weeks", p.rise_min_weeks));
  p.base_pool = section.get_string("base_pool", p.base_pool);
  p.promo_threshold = section.get_double("promo_threshold", p.promo_threshold);
  p.discount_bin_edges = section.get_doubles("discount_bin_edges", p.discount_bin_edges);
  p.bound_low_quantile = section.get_double("bound_low_quantile", p.bound_low_quantile);
  p.bound_high_quantile = section.get_double("bound_high_quantile", p.bound_high_quantile);
  p.dense_max_cells = section.get_int("dense_max_cells", p.dense_max_cells);
  p.dense_export = section.get_bool("dense_export", p.dense_export);
  GraphConfig& g = c.graph;
  g.min_count = static_cast<int>(section.get_int("graph_min_count", g.min_count));
  g.top_k = static_cast<int>(section.get_int("graph_top_k", g.top_k));
  g.rank_by = section.get_string("graph_rank_by", g.rank_by);
  g.substitute_max_lift = section.get_double("substitute_max_lift", g.substitute_max_lift);
  g.substitute_min_expected =
      section.get_double("substitute_min_expected", g.substitute_min_expected);
  g.substitute_top_k = static_cast<int>(section.get_int("substitute_top_k", g.substitute_top_k));
  g.dense_max_products =
      static_cast<int>(section.get_int("graph_dense_max_products", g.dense_max_products));
  c.affinity.top_stores = static_cast<int>(section.get_int("top_stores", c.affinity.top_stores));
  c.validate();
  return c;
}

void DeriveConfig::validate() const {
  const PriceConfig& p = prices;
  auto quantile_ok = [](double q) { return q >= 0.0 && q <= 1.0; };
  if (!quantile_ok(p.outlier_low_quantile) || !quantile_ok(p.outlier_high_quantile) ||
      p.outlier_low_quantile > p.outlier_high_quantile) {
    fail("[derive] outlier quantiles must satisfy 0 <= low <= high <= 1 (got {}, {})",
         p.outlier_low_quantile, p.outlier_high_quantile);
  }
  if (p.outlier_range_factor < 0) fail("[derive] outlier_range_factor must be >= 0");
  base_estimator_named(p.base_estimator);  // throws listing the known names
  if (p.rolling_window_weeks < 1) fail("[derive] rolling_window_weeks must be >= 1");
  if (p.level_tolerance < 0 || p.level_tolerance >= 1) {
    fail("[derive] level_tolerance must be in [0, 1)");
  }
  if (p.max_promo_weeks < 1) fail("[derive] max_promo_weeks must be >= 1");
  if (p.rise_min_weeks < 1) fail("[derive] rise_min_weeks must be >= 1");
  if (p.base_pool != "format" && p.base_pool != "format-region" && p.base_pool != "none") {
    fail("[derive] base_pool must be format, format-region or none (got '{}')", p.base_pool);
  }
  if (p.promo_threshold < 0 || p.promo_threshold >= 1) {
    fail("[derive] promo_threshold must be in [0, 1)");
  }
  if (p.discount_bin_edges.size() != 3 || !(p.discount_bin_edges[0] <= p.discount_bin_edges[1] &&
                                            p.discount_bin_edges[1] <= p.discount_bin_edges[2])) {
    fail("[derive] discount_bin_edges must be three increasing edges (none|shallow|medium|deep)");
  }
  if (!quantile_ok(p.bound_low_quantile) || !quantile_ok(p.bound_high_quantile)) {
    fail("[derive] bound quantiles must be in [0, 1]");
  }
  if (graph.min_count < 1) fail("[derive] graph_min_count must be >= 1");
  if (graph.top_k < 1 || graph.substitute_top_k < 1) fail("[derive] top-k values must be >= 1");
  if (graph.rank_by != "lift" && graph.rank_by != "count") {
    fail("[derive] graph_rank_by must be lift or count (got '{}')", graph.rank_by);
  }
  if (affinity.top_stores < 1) fail("[derive] top_stores must be >= 1");
}

Json DeriveConfig::to_json() const {
  const PriceConfig& p = prices;
  return Json{{"remove_outliers", p.remove_outliers},
              {"outlier_low_quantile", p.outlier_low_quantile},
              {"outlier_high_quantile", p.outlier_high_quantile},
              {"outlier_range_factor", p.outlier_range_factor},
              {"base_estimator", p.base_estimator},
              {"rolling_window_weeks", p.rolling_window_weeks},
              {"level_tolerance", p.level_tolerance},
              {"max_promo_weeks", p.max_promo_weeks},
              {"rise_min_weeks", p.rise_min_weeks},
              {"base_pool", p.base_pool},
              {"promo_threshold", p.promo_threshold},
              {"discount_bin_edges", p.discount_bin_edges},
              {"bound_low_quantile", p.bound_low_quantile},
              {"bound_high_quantile", p.bound_high_quantile},
              {"dense_max_cells", p.dense_max_cells},
              {"dense_export", p.dense_export},
              {"graph_min_count", graph.min_count},
              {"graph_top_k", graph.top_k},
              {"graph_rank_by", graph.rank_by},
              {"substitute_max_lift", graph.substitute_max_lift},
              {"substitute_min_expected", graph.substitute_min_expected},
              {"substitute_top_k", graph.substitute_top_k},
              {"graph_dense_max_products", graph.dense_max_products},
              {"top_stores", affinity.top_stores}};
}

}  // namespace retailsim::derive
