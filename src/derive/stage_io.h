// Internal to src/derive: the store read into the algorithms' inputs, the writers of derived/
// folders and the pieces of the report (derive.h stays the public surface).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/dataset.h"
#include "derive/derive.h"

namespace retailsim::derive {

// The weeks holding rows: derived week w is calendar week first_week_index + w.
struct DataWeeks {
  int32_t first_week_index = 0;
  int32_t n_weeks = 0;
};
DataWeeks data_weeks_of(const Store& store);

PriceDims price_dims_of(const Store& store, const DataWeeks& weeks);
StorePriceRows price_rows_of(const Store& store, const DataWeeks& weeks);

// STORE_FORMAT and STORE_REGION widened to the int32 the price table takes.
struct StoreInfoColumns {
  std::vector<int32_t> format, region;
  StoreInfo view() const { return StoreInfo{format, region}; }
};
StoreInfoColumns store_info_of(const Store& store);

// Parent arrays product -> CL -> DEP -> G -> D; a parent's own parent is taken from the first
// product under it (the ingest guarantees one set of parents per product).
struct HierarchyColumns {
  std::vector<int32_t> product_to_cl, cl_to_dep, dep_to_g, g_to_d;
  Hierarchy view() const { return Hierarchy{product_to_cl, cl_to_dep, dep_to_g, g_to_d}; }
};
HierarchyColumns hierarchy_of(const Store& store);
BasketRows basket_rows_of(const Store& store);
GraphNames graph_names_of(const Store& store);

// The promotion flag of any (product, store, week) as promotion_of(PriceTable::lookup()), read
// from derived/prices/ (built with `config`) without its prices: missions needs only the flags.
class PromoLookup {
 public:
  static PromoLookup read(const fs::path& prices_dir, const PriceDims& dims,
                          const PriceConfig& config);
  bool promo(int32_t product, int32_t store, int32_t week) const;

 private:
  int64_t find_cell(int32_t product, int32_t store, int32_t week) const;
  int32_t n_stores_ = 0, n_weeks_ = 0, n_groups_ = 0, words_ = 0;
  std::vector<uint64_t> series_;         // per (product, store): first cell, then week mask words
  std::vector<uint8_t> cell_promo_;      // per observed cell
  std::vector<uint8_t> fallback_;        // per (product, group, week): none, priced, promoted
  std::vector<int32_t> store_group_;     // per store
  std::vector<int32_t> last_sold_week_;  // per (product, week)
};

// Per-basket columns of the customers' baskets, owned; spend and lines summed from the rows and,
// with a price table, the spend on promoted rows.
struct CustomerBasketColumns {
  std::vector<int64_t> basket_ids;
  std::vector<int32_t> store, week, hour, weekday, lines;
  std::vector<int64_t> spend_cents, promo_spend_cents;
  CustomerBaskets view(const Store& source) const;
};
// Without promotion flags promo_spend_cents stays empty.
CustomerBasketColumns customer_baskets_of(const Store& store, const DataWeeks& weeks,
                                          const PromoLookup* promos);
MissionVocab mission_vocab_of(const Store& store);

// Writers of derived/<stage>/ contents; each returns the file names it wrote.
std::vector<std::string> write_product_graph(const PairCounts& pairs, const ProductGraph& graph,
                                             const GraphNames& names, const fs::path& dir);
std::vector<std::string> write_affinity(const CustomerAffinity& affinity, const fs::path& dir);
std::vector<std::string> write_missions(const CustomerMissions& missions, const fs::path& dir);

// Reads the observed cells of derived/prices/ back (with the selected estimator's base prices),
// without their row counts (n_rows stays empty): the report does not use them.
PriceCells read_price_cells(const fs::path& prices_dir);

// The truth side of the report (truth_report.cpp, the one file that knows synth's World).
// Fills `report` with the truth metrics; the estimators' base prices per observed cell are given.
struct EstimatorCells {
  std::string name;
  std::vector<float> base_price;  // per observed cell
};
struct ReportInputs {
  const Store* store = nullptr;
  DataWeeks weeks;
  const PriceCells* cells = nullptr;
  std::vector<EstimatorCells> estimators;
  const PriceConfig* price_config = nullptr;
  fs::path derived_dir;
};
// Adds truth metrics to `report` and returns the plotted series (JSON the HTML writer draws).
Json add_truth_metrics(const fs::path& truth_dir, const ReportInputs& inputs, Json& report);

// The readable report: tables and inline SVG plots of the JSON report and the plotted series.
std::string report_html(const Json& report, const Json& series);

}  // namespace retailsim::derive
