// GraphSAGE (layer 3): mean aggregation against a hand computation, shapes and finite rows,
// learning on a toy graph of two communities, and determinism per seed.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "core/rng.h"
#include "features/graph_sage.h"

namespace retailsim::features {
namespace {

CsrGraph graph_from_pairs(int64_t n, const std::vector<std::pair<int64_t, int64_t>>& pairs) {
  std::vector<std::vector<int64_t>> adjacency(static_cast<size_t>(n));
  for (auto [a, b] : pairs) {
    adjacency[size_t(a)].push_back(b);
    adjacency[size_t(b)].push_back(a);
  }
  CsrGraph g;
  g.offsets.push_back(0);
  for (const auto& list : adjacency) {
    g.targets.insert(g.targets.end(), list.begin(), list.end());
    g.offsets.push_back(static_cast<int64_t>(g.targets.size()));
  }
  return g;
}

// Two communities of 20 nodes (edges inside with probability 0.9, across 0.01) and two isolated
// nodes; node features are one-hot ids, which say nothing about the community.
struct Toy {
  CsrGraph graph;
  std::vector<float> features;
  static constexpr int64_t kNodes = 42, kFeatures = 42;
  Toy() {
    Rng rng(7);
    std::vector<std::pair<int64_t, int64_t>> pairs;
    for (int64_t a = 0; a < 40; ++a) {
      for (int64_t b = a + 1; b < 40; ++b) {
        if (rng.bernoulli((a < 20) == (b < 20) ? 0.9 : 0.01)) pairs.emplace_back(a, b);
      }
    }
    graph = graph_from_pairs(kNodes, pairs);
    features.assign(size_t(kNodes * kFeatures), 0.0f);
    for (int64_t v = 0; v < kNodes; ++v) features[size_t(v * kFeatures + v)] = 1.0f;
  }
};

GraphEmbeddingConfig toy_config() {
  GraphEmbeddingConfig c;
  c.dims = 16;
  c.hidden_dims = 32;
  c.epochs = 40;
  c.batch_edges = 64;
  c.learning_rate = 0.01;
  c.seed = 11;
  return c;
}

TEST(GraphSage, MeanAggregationMatchesAHandComputation) {
  // Triangle 0-1-2 plus an edge 2-3, and node 4 alone.
  const CsrGraph g = graph_from_pairs(5, {{0, 1}, {0, 2}, {1, 2}, {2, 3}});
  const torch::Tensor x =
      torch::tensor({1.f, 2.f, 3.f, 4.f, 5.f, 6.f, 7.f, 8.f, 9.f, 10.f}).view({5, 2});
  const torch::Tensor mean = mean_aggregate(x, all_edges(g));
  const std::vector<float> expected = {4,
                                       5,  // (x1 + x2) / 2
                                       3,
                                       4,  // (x0 + x2) / 2
                                       (1 + 3 + 7) / 3.f,
                                       (2 + 4 + 8) / 3.f,  // x0, x1, x3
                                       5,
                                       6,  // x2
                                       0,
                                       0};  // no neighbours
  ASSERT_EQ(mean.sizes(), (std::vector<int64_t>{5, 2}));
  for (int i = 0; i < 10; ++i) EXPECT_FLOAT_EQ(mean.view({-1})[i].item<float>(), expected[i]) << i;
  // A layer is self(x) + neighbours(mean): with weights I and 2I and no bias, x + 2 mean.
  SageLayer layer(2, 2);
  {
    torch::NoGradGuard guard;
    layer->self->weight.copy_(torch::eye(2));
    layer->self->bias.zero_();
    layer->neighbours->weight.copy_(2 * torch::eye(2));
  }
  const torch::Tensor out = layer->forward(x, all_edges(g));
  for (int i = 0; i < 10; ++i) {
    EXPECT_FLOAT_EQ(out.view({-1})[i].item<float>(),
                    x.view({-1})[i].item<float>() + 2 * expected[i])
        << i;
  }
}

TEST(GraphSage, GivesEveryNodeAFiniteUnitRow) {
  const Toy toy;
  GraphEmbeddingConfig config = toy_config();
  config.epochs = 2;
  const GraphSageResult r = train_graph_sage(toy.features, Toy::kFeatures, toy.graph, config);
  ASSERT_EQ(r.embeddings.size(), size_t(Toy::kNodes * config.dims));
  for (int64_t v = 0; v < Toy::kNodes; ++v) {
    double sq = 0;
    for (int d = 0; d < config.dims; ++d) {
      const float x = r.embeddings[size_t(v * config.dims + d)];
      ASSERT_TRUE(std::isfinite(x)) << v;
      sq += double(x) * x;
    }
    EXPECT_NEAR(sq, 1.0, 1e-4) << v;  // isolated nodes 40 and 41 too: features alone
  }
  const int64_t edges = toy.graph.offsets.back() / 2;
  EXPECT_EQ(r.train_edges + r.heldout_edges, edges);
  EXPECT_EQ(r.heldout_edges, std::llround(0.1 * double(edges)));
  EXPECT_EQ(r.epoch_loss.size(), 2u);
}

TEST(GraphSage, LearnsTwoCommunitiesLossFallsAndHeldOutLinksScoreHigh) {
  const Toy toy;
  const GraphSageResult r = train_graph_sage(toy.features, Toy::kFeatures, toy.graph, toy_config());
  ASSERT_EQ(r.epoch_loss.size(), 40u);
  // Half of the negatives fall in the positive's own community, so the loss stays near the
  // 6 ln 2 of constant embeddings; it still has to fall.
  EXPECT_LT(r.epoch_loss.back(), 0.97 * r.epoch_loss.front());
  EXPECT_GT(r.link_auc, 0.9);
  // Nodes of one community end closer to each other than to the other community.
  auto cosine = [&](int a, int b) {
    double dot = 0;
    for (int d = 0; d < 16; ++d) dot += double(r.embeddings[a * 16 + d]) * r.embeddings[b * 16 + d];
    return dot;
  };
  double inside = 0, across = 0;
  for (int a = 0; a < 20; ++a) {
    for (int b = 0; b < 20; ++b) {
      if (a != b) inside += cosine(a, b) + cosine(20 + a, 20 + b);
      across += 2 * cosine(a, 20 + b);
    }
  }
  EXPECT_GT(inside / (2 * 20 * 19), across / (2 * 20 * 20) + 0.3);
}

TEST(GraphSage, SameSeedSameBytesOtherSeedOtherEmbeddings) {
  const Toy toy;
  GraphEmbeddingConfig config = toy_config();
  config.epochs = 3;
  const GraphSageResult a = train_graph_sage(toy.features, Toy::kFeatures, toy.graph, config);
  const GraphSageResult b = train_graph_sage(toy.features, Toy::kFeatures, toy.graph, config);
  ASSERT_EQ(a.embeddings.size(), b.embeddings.size());
  EXPECT_EQ(std::memcmp(a.embeddings.data(), b.embeddings.data(), a.embeddings.size() * 4), 0);
  EXPECT_EQ(a.epoch_loss, b.epoch_loss);
  EXPECT_EQ(a.link_auc, b.link_auc);
  config.seed = 12;
  const GraphSageResult c = train_graph_sage(toy.features, Toy::kFeatures, toy.graph, config);
  EXPECT_NE(std::memcmp(a.embeddings.data(), c.embeddings.data(), a.embeddings.size() * 4), 0);
}

TEST(GraphSage, RocAucCountsTiesAsHalf) {
  EXPECT_DOUBLE_EQ(roc_auc({0.9f, 0.8f}, {0.1f, 0.2f}), 1.0);
  EXPECT_DOUBLE_EQ(roc_auc({0.1f}, {0.9f}), 0.0);
  EXPECT_DOUBLE_EQ(roc_auc({0.5f, 0.7f}, {0.5f, 0.1f}), (1.5 + 2.0) / 4.0);
}

}  // namespace
}  // namespace retailsim::features
