// Internal to src/features (LibTorch): GraphSAGE with mean aggregation, trained unsupervised with
// neighbour sampling and negative sampling; used by the features.graph_embeddings torch job.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "features/features.h"

namespace retailsim::features {

// An undirected graph in CSR form: node v's neighbours are targets[offsets[v] .. offsets[v+1]),
// each edge listed from both ends.
struct CsrGraph {
  std::vector<int64_t> offsets;  // n_nodes + 1
  std::vector<int64_t> targets;
  int64_t n_nodes() const { return offsets.empty() ? 0 : static_cast<int64_t>(offsets.size()) - 1; }
};

// Messages of one aggregation: node row[e] receives the features of node col[e].
struct EdgeIndex {
  torch::Tensor row;  // int64 [n_edges]
  torch::Tensor col;  // int64 [n_edges]
};
// Every edge of the graph (exact means, for inference).
EdgeIndex all_edges(const CsrGraph& graph);

// out[v] = mean over the messages to v of x[col]; a row of zeros for a node with none.
torch::Tensor mean_aggregate(const torch::Tensor& x, const EdgeIndex& edges);

// One GraphSAGE layer: self(x) + neighbours(mean_aggregate(x)), i.e. W [x || mean(N(x))] + b.
struct SageLayerImpl : torch::nn::Module {
  SageLayerImpl(int64_t in_dims, int64_t out_dims);
  torch::Tensor forward(const torch::Tensor& x, const EdgeIndex& edges);
  torch::nn::Linear self{nullptr};
  torch::nn::Linear neighbours{nullptr};
};
TORCH_MODULE(SageLayer);

// Two layers: h = unit(relu(layer1(x, edges1))), embeddings = unit(layer2(h, edges2)), where
// unit() scales each row to L2 norm 1 (a zero row stays zero).
struct GraphSageImpl : torch::nn::Module {
  GraphSageImpl(int64_t in_dims, int64_t hidden_dims, int64_t out_dims);
  torch::Tensor forward(const torch::Tensor& x, const EdgeIndex& edges1, const EdgeIndex& edges2);
  SageLayer layer1{nullptr};
  SageLayer layer2{nullptr};
};
TORCH_MODULE(GraphSage);

struct GraphSageResult {
  std::vector<float> embeddings;   // [n_nodes, dims], rows L2-normalised, full graph's neighbours
  std::vector<double> epoch_loss;  // mean loss of each epoch
  double link_auc = 0;             // held-out edges against as many sampled non-edges
  int64_t train_edges = 0;         // undirected
  int64_t heldout_edges = 0;
};

// Holds out a seeded share of the undirected edges, trains on the rest (per step: neighbours
// sampled per node and layer, a batch of positive edges, negatives drawn by degree^0.75), scores
// the held-out edges and as many sampled non-edges by cosine on the training graph (link_auc), and
// returns every node's embedding through the full graph. `features` is [n_nodes, n_features].
// Deterministic per config.seed at a given thread count.
GraphSageResult train_graph_sage(const std::vector<float>& features, int64_t n_features,
                                 const CsrGraph& graph, const GraphEmbeddingConfig& config);

// Area under the ROC curve of positive against negative scores (ties count one half).
double roc_auc(const std::vector<float>& positive, const std::vector<float>& negative);

}  // namespace retailsim::features
