// The torch job "features.graph_embeddings": reads GraphSAGE's inputs from a folder, trains, and
// writes every product's embedding there (runs inside the retailsim_torch module).
#include <chrono>

#include <spdlog/spdlog.h>

#include "core/error.h"
#include "core/npy.h"
#include "features/features.h"
#include "features/graph_sage.h"

namespace retailsim::features {

Json graph_embeddings_job(const Json& args) {
  const auto start = std::chrono::steady_clock::now();
  const fs::path dir = args.at("dir").get<std::string>();
  const GraphEmbeddingConfig config = GraphEmbeddingConfig::from_json(args.at("config"));
  const NpyInfo info = read_npy_info(dir / "node_features.npy");
  if (info.shape.size() != 2) fail("{}: node_features.npy must be 2-D", dir.string());
  const std::vector<float> features = read_npy<float>(dir / "node_features.npy");
  CsrGraph graph;
  graph.offsets = read_npy<int64_t>(dir / "edge_offsets.npy");
  const std::vector<int32_t> targets = read_npy<int32_t>(dir / "edge_targets.npy");
  graph.targets.assign(targets.begin(), targets.end());
  const auto n = static_cast<int64_t>(info.shape[0]);
  if (graph.n_nodes() != n || graph.offsets.back() != static_cast<int64_t>(targets.size())) {
    fail("{}: edge_offsets.npy does not match {} nodes and {} edge targets", dir.string(), n,
         targets.size());
  }
  // The job's own thread count, restored afterwards (the runtime keeps the run's --threads).
  const int run_threads = at::get_num_threads();
  const int threads = config.threads > 0 ? config.threads : run_threads;
  spdlog::info("graph embeddings: GraphSAGE on {} products, {} edges, {} epochs, {} threads", n,
               targets.size() / 2, config.epochs, threads);
  at::set_num_threads(threads);
  GraphSageResult result;
  try {
    result = train_graph_sage(features, static_cast<int64_t>(info.shape[1]), graph, config);
  } catch (...) {
    at::set_num_threads(run_threads);
    throw;
  }
  at::set_num_threads(run_threads);
  write_npy(dir / "embeddings.npy", result.embeddings,
            {static_cast<uint64_t>(n), static_cast<uint64_t>(config.dims)});
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return Json{{"graph_link_auc", result.link_auc},
              {"train_edges", result.train_edges},
              {"heldout_edges", result.heldout_edges},
              {"epoch_loss", result.epoch_loss},
              {"threads", threads},
              {"seconds", seconds}};
}

}  // namespace retailsim::features
