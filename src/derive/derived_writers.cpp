// Writers of the derived/graph, derived/affinity and derived/missions folders (one .npy per
// column, as docs/derive.md lists them) and the reader of derived/prices' observed cells.
#include <string>
#include <vector>

#include "core/npy.h"
#include "derive/stage_io.h"

namespace retailsim::derive {

namespace {

// Collects file names while writing columns into one folder.
class FolderWriter {
 public:
  explicit FolderWriter(fs::path dir) : dir_(std::move(dir)) {}
  template <typename T>
  void put(const std::string& name, const std::vector<T>& values,
           std::vector<uint64_t> shape = {}) {
    write_npy(dir_ / name, values, std::move(shape));
    names_.push_back(name);
  }
  void add_name(std::string name) { names_.push_back(std::move(name)); }
  const fs::path& dir() const { return dir_; }
  std::vector<std::string> names() const { return names_; }

 private:
  fs::path dir_;
  std::vector<std::string> names_;
};

void put_edges(FolderWriter& out, const std::string& prefix, const EdgeList& edges) {
  out.put(prefix + "_offsets.npy", edges.offsets);
  out.put(prefix + "_target.npy", edges.target);
  out.put(prefix + "_count.npy", edges.count);
  out.put(prefix + "_lift.npy", edges.lift);
  out.put(prefix + "_pmi.npy", edges.pmi);
}

}  // namespace

std::vector<std::string> write_product_graph(const PairCounts& pairs, const ProductGraph& graph,
                                             const GraphNames& names, const fs::path& dir) {
  FolderWriter out(dir);
  out.put("pair_a.npy", pairs.a);
  out.put("pair_b.npy", pairs.b);
  out.put("pair_count.npy", pairs.count);
  out.put("product_baskets.npy", graph.product_baskets);
  put_edges(out, "complement", graph.complements);
  put_edges(out, "substitute", graph.substitutes);
  out.put("product_to_cl.npy", graph.product_to_cl);
  out.put("cl_to_dep.npy", graph.cl_to_dep);
  out.put("dep_to_g.npy", graph.dep_to_g);
  out.put("g_to_d.npy", graph.g_to_d);
  write_graphml(graph, names, dir / "product_graph.graphml");
  out.add_name("product_graph.graphml");
  write_edge_csv(graph, names, dir / "edges.csv");
  out.add_name("edges.csv");
  return out.names();
}

std::vector<std::string> write_affinity(const CustomerAffinity& a, const fs::path& dir) {
  FolderWriter out(dir);
  const uint64_t n = a.n_trips.size(), k = static_cast<uint64_t>(a.top_k);
  out.put("n_trips.npy", a.n_trips);
  out.put("primary_store.npy", a.primary_store);
  out.put("loyalty.npy", a.loyalty);
  out.put("n_stores.npy", a.n_stores);
  out.put("switching_rate.npy", a.switching_rate);
  out.put("top_store.npy", a.top_store, {n, k});
  out.put("top_share.npy", a.top_share, {n, k});
  out.put("first_week.npy", a.first_week);
  out.put("last_week.npy", a.last_week);
  out.put("recency_weeks.npy", a.recency_weeks);
  out.put("trips_per_week.npy", a.trips_per_week);
  out.put("total_spend_cents.npy", a.total_spend_cents);
  out.put("mean_spend_cents.npy", a.mean_spend_cents);
  return out.names();
}

std::vector<std::string> write_missions(const CustomerMissions& m, const fs::path& dir) {
  FolderWriter out(dir);
  const uint64_t n = m.mean_lines.size();
  out.put("type_share.npy", m.type_share, {n, uint64_t(m.vocab.n_types)});
  out.put("mission_share.npy", m.mission_share, {n, uint64_t(m.vocab.n_missions)});
  out.put("price_sensitivity_share.npy", m.price_sensitivity_share,
          {n, uint64_t(m.vocab.n_price_sensitivities)});
  out.put("size_share.npy", m.size_share, {n, uint64_t(m.vocab.n_sizes)});
  out.put("dominant_type.npy", m.dominant_type);
  out.put("dominant_mission.npy", m.dominant_mission);
  out.put("typical_hour.npy", m.typical_hour);
  out.put("typical_weekday.npy", m.typical_weekday);
  out.put("mean_lines.npy", m.mean_lines);
  out.put("mean_spend_cents.npy", m.mean_spend_cents);
  out.put("promo_spend_share.npy", m.promo_spend_share);
  return out.names();
}

PriceCells read_price_cells(const fs::path& dir) {
  PriceCells cells;
  cells.product = read_npy<int32_t>(dir / "cell_product.npy");
  cells.store = read_npy<int32_t>(dir / "cell_store.npy");
  cells.week = read_npy<int32_t>(dir / "cell_week.npy");
  cells.actual_price = read_npy<float>(dir / "cell_actual_price.npy");
  cells.base_price = read_npy<float>(dir / "cell_base_price.npy");
  cells.product_offsets = read_npy<uint64_t>(dir / "product_cell_offsets.npy");
  return cells;
}

}  // namespace retailsim::derive
