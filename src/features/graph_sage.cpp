// GraphSAGE (2 layers, mean aggregation) in LibTorch, trained with the unsupervised GraphSAGE
// loss: -log s(z_u . z_v) - sum over Q negatives of log s(-z_u . z_n), with neighbour sampling.
#include "features/graph_sage.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <unordered_set>

#include "core/error.h"
#include "core/progress.h"
#include "core/rng.h"

namespace retailsim::features {

namespace {

// Stream ids of the seeded choices.
constexpr uint64_t kHoldoutStream = 1, kNonEdgeStream = 2, kShuffleStream = 3, kSampleStream = 4,
                   kNegativeStream = 5;

torch::Tensor int64_tensor(const std::vector<int64_t>& values) {
  return torch::from_blob(const_cast<int64_t*>(values.data()),
                          {static_cast<int64_t>(values.size())}, torch::kInt64)
      .clone();
}

// Up to k neighbours per node: all of them when there are at most k, else k drawn uniformly
// with replacement (as GraphSAGE does).
EdgeIndex sample_edges(const CsrGraph& graph, int k, Rng& rng) {
  std::vector<int64_t> row, col;
  row.reserve(static_cast<size_t>(graph.n_nodes()) * static_cast<size_t>(k));
  col.reserve(row.capacity());
  for (int64_t v = 0; v < graph.n_nodes(); ++v) {
    const int64_t first = graph.offsets[size_t(v)], degree = graph.offsets[size_t(v) + 1] - first;
    if (degree <= k) {
      for (int64_t e = first; e < first + degree; ++e) {
        row.push_back(v);
        col.push_back(graph.targets[size_t(e)]);
      }
    } else {
      for (int j = 0; j < k; ++j) {
        row.push_back(v);
        col.push_back(graph.targets[size_t(first) + rng.below(uint64_t(degree))]);
      }
    }
  }
  return {int64_tensor(row), int64_tensor(col)};
}

struct Pair {
  int64_t a, b;
};

// The undirected edges a < b of a CSR graph.
std::vector<Pair> undirected_pairs(const CsrGraph& graph) {
  std::vector<Pair> pairs;
  for (int64_t v = 0; v < graph.n_nodes(); ++v) {
    for (int64_t e = graph.offsets[size_t(v)]; e < graph.offsets[size_t(v) + 1]; ++e) {
      if (v < graph.targets[size_t(e)]) pairs.push_back({v, graph.targets[size_t(e)]});
    }
  }
  return pairs;
}

CsrGraph graph_of(int64_t n_nodes, const std::vector<Pair>& pairs) {
  CsrGraph g;
  g.offsets.assign(size_t(n_nodes) + 1, 0);
  for (const Pair& p : pairs) {
    ++g.offsets[size_t(p.a) + 1];
    ++g.offsets[size_t(p.b) + 1];
  }
  for (int64_t v = 0; v < n_nodes; ++v) g.offsets[size_t(v) + 1] += g.offsets[size_t(v)];
  g.targets.resize(size_t(g.offsets.back()));
  std::vector<int64_t> cursor(g.offsets.begin(), g.offsets.end() - 1);
  for (const Pair& p : pairs) {
    g.targets[size_t(cursor[size_t(p.a)]++)] = p.b;
    g.targets[size_t(cursor[size_t(p.b)]++)] = p.a;
  }
  return g;
}

uint64_t pair_key(int64_t a, int64_t b) {
  if (a > b) std::swap(a, b);
  return (uint64_t(a) << 32) | uint64_t(b);
}

std::vector<float> cosine_scores(const torch::Tensor& z, const std::vector<Pair>& pairs) {
  std::vector<float> scores(pairs.size());
  const auto acc = z.accessor<float, 2>();
  const int64_t d = z.size(1);
  for (size_t i = 0; i < pairs.size(); ++i) {
    double dot = 0;
    for (int64_t k = 0; k < d; ++k) dot += double(acc[pairs[i].a][k]) * acc[pairs[i].b][k];
    scores[i] = static_cast<float>(dot);
  }
  return scores;
}

}  // namespace

EdgeIndex all_edges(const CsrGraph& graph) {
  std::vector<int64_t> row(graph.targets.size());
  for (int64_t v = 0; v < graph.n_nodes(); ++v) {
    std::fill(row.begin() + graph.offsets[size_t(v)], row.begin() + graph.offsets[size_t(v) + 1],
              v);
  }
  return {int64_tensor(row), int64_tensor(graph.targets)};
}

torch::Tensor mean_aggregate(const torch::Tensor& x, const EdgeIndex& edges) {
  const int64_t n = x.size(0);
  torch::Tensor sum = torch::zeros({n, x.size(1)}, x.options());
  torch::Tensor count = torch::zeros({n}, x.options());
  if (edges.row.numel() > 0) {
    sum = sum.index_add(0, edges.row, x.index_select(0, edges.col));
    count = count.index_add(0, edges.row, torch::ones({edges.row.numel()}, x.options()));
  }
  return sum / count.clamp_min(1).unsqueeze(1);
}

SageLayerImpl::SageLayerImpl(int64_t in_dims, int64_t out_dims)
    : self(register_module("self", torch::nn::Linear(in_dims, out_dims))),
      neighbours(register_module(
          "neighbours",
          torch::nn::Linear(torch::nn::LinearOptions(in_dims, out_dims).bias(false)))) {}

torch::Tensor SageLayerImpl::forward(const torch::Tensor& x, const EdgeIndex& edges) {
  return self->forward(x) + neighbours->forward(mean_aggregate(x, edges));
}

GraphSageImpl::GraphSageImpl(int64_t in_dims, int64_t hidden_dims, int64_t out_dims)
    : layer1(register_module("layer1", SageLayer(in_dims, hidden_dims))),
      layer2(register_module("layer2", SageLayer(hidden_dims, out_dims))) {}

torch::Tensor GraphSageImpl::forward(const torch::Tensor& x, const EdgeIndex& edges1,
                                     const EdgeIndex& edges2) {
  // Each layer's output is L2-normalised, as in Hamilton et al.'s Algorithm 1.
  namespace F = torch::nn::functional;
  const auto unit = F::NormalizeFuncOptions().p(2).dim(1).eps(1e-12);
  const torch::Tensor h = F::normalize(torch::relu(layer1->forward(x, edges1)), unit);
  return F::normalize(layer2->forward(h, edges2), unit);
}

double roc_auc(const std::vector<float>& positive, const std::vector<float>& negative) {
  if (positive.empty() || negative.empty()) return std::nan("");
  std::vector<float> neg(negative);
  std::sort(neg.begin(), neg.end());
  double wins = 0;
  for (float s : positive) {
    const auto below = std::lower_bound(neg.begin(), neg.end(), s) - neg.begin();
    const auto upto = std::upper_bound(neg.begin(), neg.end(), s) - neg.begin();
    wins += double(below) + 0.5 * double(upto - below);
  }
  return wins / (double(positive.size()) * double(neg.size()));
}

GraphSageResult train_graph_sage(const std::vector<float>& features, int64_t n_features,
                                 const CsrGraph& graph, const GraphEmbeddingConfig& config) {
  const int64_t n = graph.n_nodes();
  if (n <= 0 || int64_t(features.size()) != n * n_features) {
    fail("graph embeddings: {} feature values for {} nodes of {} features", features.size(), n,
         n_features);
  }
  torch::manual_seed(config.seed);
  const uint64_t seed = config.seed;
  GraphSageResult result;

  // Hold out a seeded share of the undirected edges.
  std::vector<Pair> pairs = undirected_pairs(graph);
  {
    Rng rng = Rng::stream(seed, {kHoldoutStream});
    for (size_t i = pairs.size(); i > 1; --i) std::swap(pairs[i - 1], pairs[rng.below(i)]);
  }
  const auto n_heldout =
      static_cast<size_t>(std::llround(config.holdout_fraction * double(pairs.size())));
  const std::vector<Pair> heldout(pairs.begin(), pairs.begin() + ptrdiff_t(n_heldout));
  std::vector<Pair> train(pairs.begin() + ptrdiff_t(n_heldout), pairs.end());
  std::sort(train.begin(), train.end(),
            [](const Pair& x, const Pair& y) { return x.a != y.a ? x.a < y.a : x.b < y.b; });
  const CsrGraph train_graph = graph_of(n, train);
  result.train_edges = int64_t(train.size());
  result.heldout_edges = int64_t(heldout.size());

  // Negatives drawn by degree^0.75 in the training graph (uniform when it has no edge).
  std::vector<double> cumulative(static_cast<size_t>(n));
  double total = 0;
  for (int64_t v = 0; v < n; ++v) {
    const double degree =
        double(train_graph.offsets[size_t(v) + 1] - train_graph.offsets[size_t(v)]);
    total += train.empty() ? 1.0 : std::pow(degree, 0.75);
    cumulative[size_t(v)] = total;
  }

  const torch::Tensor x =
      torch::from_blob(const_cast<float*>(features.data()), {n, n_features}, torch::kFloat32)
          .clone();
  GraphSage model(n_features, config.hidden_dims, config.dims);
  torch::optim::Adam optimizer(model->parameters(),
                               torch::optim::AdamOptions(config.learning_rate));
  const int64_t q = config.negatives;
  const uint64_t steps_per_epoch =
      (train.size() + size_t(config.batch_edges) - 1) / size_t(config.batch_edges);
  Progress progress("graph embeddings", uint64_t(config.epochs) * steps_per_epoch, "steps");
  for (int epoch = 0; epoch < config.epochs && !train.empty(); ++epoch) {
    Rng shuffle = Rng::stream(seed, {kShuffleStream, uint64_t(epoch)});
    std::vector<Pair> order(train);
    for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[shuffle.below(i)]);
    double loss_sum = 0;
    int64_t steps = 0;
    for (size_t begin = 0; begin < order.size(); begin += size_t(config.batch_edges)) {
      const size_t end = std::min(order.size(), begin + size_t(config.batch_edges));
      const auto b = int64_t(end - begin);
      Rng sample = Rng::stream(seed, {kSampleStream, uint64_t(epoch), begin});
      const EdgeIndex edges1 = sample_edges(train_graph, config.neighbours_1, sample);
      const EdgeIndex edges2 = sample_edges(train_graph, config.neighbours_2, sample);
      std::vector<int64_t> u(static_cast<size_t>(b)), v(static_cast<size_t>(b)),
          neg(static_cast<size_t>(b * q));
      Rng negative = Rng::stream(seed, {kNegativeStream, uint64_t(epoch), begin});
      for (int64_t i = 0; i < b; ++i) {
        u[size_t(i)] = order[begin + size_t(i)].a;
        v[size_t(i)] = order[begin + size_t(i)].b;
        for (int64_t j = 0; j < q; ++j) {
          neg[size_t(i * q + j)] = int64_t(negative.categorical_cumulative(cumulative));
        }
      }
      const torch::Tensor z = model->forward(x, edges1, edges2);
      const torch::Tensor zu = z.index_select(0, int64_tensor(u));
      const torch::Tensor zv = z.index_select(0, int64_tensor(v));
      const torch::Tensor zn = z.index_select(0, int64_tensor(neg)).view({b, q, -1});
      const torch::Tensor positive = torch::log_sigmoid((zu * zv).sum(1));
      const torch::Tensor negatives = torch::log_sigmoid(-(zn * zu.unsqueeze(1)).sum(2)).sum(1);
      const torch::Tensor loss = -(positive + negatives).mean();
      optimizer.zero_grad();
      loss.backward();
      optimizer.step();
      loss_sum += loss.item<double>();
      ++steps;
      progress.advance();
    }
    result.epoch_loss.push_back(loss_sum / double(std::max<int64_t>(1, steps)));
  }

  progress.finish();
  torch::NoGradGuard no_grad;
  auto embed = [&](const CsrGraph& g) {
    const EdgeIndex edges = all_edges(g);
    return model->forward(x, edges, edges);
  };
  // Link prediction: held-out edges against as many non-edges, scored on the training graph.
  if (!heldout.empty()) {
    std::unordered_set<uint64_t> edge_set;
    for (const Pair& p : pairs) edge_set.insert(pair_key(p.a, p.b));
    Rng rng = Rng::stream(seed, {kNonEdgeStream});
    std::vector<Pair> non_edges;
    const uint64_t max_tries = 100 * heldout.size() + 1000;
    for (uint64_t tries = 0; non_edges.size() < heldout.size() && tries < max_tries; ++tries) {
      const auto a = int64_t(rng.below(uint64_t(n))), c = int64_t(rng.below(uint64_t(n)));
      if (a != c && !edge_set.count(pair_key(a, c))) non_edges.push_back({a, c});
    }
    const torch::Tensor z = embed(train_graph).contiguous();
    result.link_auc = roc_auc(cosine_scores(z, heldout), cosine_scores(z, non_edges));
  } else {
    result.link_auc = std::nan("");
  }
  const torch::Tensor z = embed(graph).contiguous();
  result.embeddings.assign(z.data_ptr<float>(), z.data_ptr<float>() + z.numel());
  return result;
}

}  // namespace retailsim::features
