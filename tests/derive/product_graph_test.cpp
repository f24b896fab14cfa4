// Tests of the product graph: co-purchase counts, lift and PMI, top-k complements, substitutes,
// hierarchy edges, dense/sparse counters and thread counts agreeing, GraphML and CSV exports.
#include <cmath>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/rng.h"
#include "derive/derive.h"
#include "test_util.h"

namespace retailsim::derive {
namespace {

// Baskets as lists of products -> CSR.
struct Baskets {
  std::vector<uint64_t> offsets = {0};
  std::vector<int32_t> product;
  void add(std::initializer_list<int32_t> items, int times = 1) {
    for (int t = 0; t < times; ++t) {
      product.insert(product.end(), items);
      offsets.push_back(product.size());
    }
  }
  BasketRows view() const { return BasketRows{offsets, product}; }
};

Baskets handful() {
  Baskets b;
  b.add({0, 1, 2});
  b.add({0, 1});
  b.add({1, 0, 1});  // product 1 twice: counted once
  b.add({2, 3});
  b.add({3});
  b.add({0, 2});
  return b;
}

TEST(CountCopurchases, CountsEachPairOncePerBasket) {
  const Baskets b = handful();
  const PairCounts counts = count_copurchases(b.view(), 4, GraphConfig{});
  EXPECT_EQ(counts.n_baskets, 6u);
  EXPECT_EQ(counts.product_baskets, (std::vector<uint32_t>{4, 3, 3, 2}));
  EXPECT_EQ(counts.a, (std::vector<int32_t>{0, 0, 1, 2}));
  EXPECT_EQ(counts.b, (std::vector<int32_t>{1, 2, 2, 3}));
  EXPECT_EQ(counts.count, (std::vector<uint32_t>{3, 2, 1, 1}));
  EXPECT_EQ(counts.count_of(1, 0), 3u);
  EXPECT_EQ(counts.count_of(1, 3), 0u);
  EXPECT_EQ(counts.count_of(2, 2), 0u);
}

TEST(CountCopurchases, RejectsProductIdsOutOfRange) {
  Baskets b;
  b.add({0, 7});
  EXPECT_THROW(count_copurchases(b.view(), 4, GraphConfig{}), Error);
}

TEST(PairLift, IsObservedOverExpectedCoPurchases) {
  EXPECT_DOUBLE_EQ(pair_lift(3, 4, 3, 6), 1.5);
  EXPECT_DOUBLE_EQ(pair_lift(1, 3, 3, 6), 6.0 / 9.0);
  EXPECT_DOUBLE_EQ(pair_lift(1, 0, 3, 6), 0.0);
}

TEST(BuildProductGraph, KeepsTopKComplementsAboveTheMinimumCount) {
  const Baskets b = handful();
  GraphConfig config;
  config.min_count = 2;
  const PairCounts counts = count_copurchases(b.view(), 4, config);
  ProductGraph graph = build_product_graph(counts, Hierarchy{}, config);
  const EdgeList& c = graph.complements;
  EXPECT_EQ(c.offsets, (std::vector<uint64_t>{0, 2, 3, 4, 4}));
  EXPECT_EQ(c.target, (std::vector<int32_t>{1, 2, 0, 0}));  // 0: lift 1.5 before lift 1.0
  EXPECT_EQ(c.count, (std::vector<uint32_t>{3, 2, 3, 2}));
  EXPECT_FLOAT_EQ(c.lift[0], 1.5f);
  EXPECT_FLOAT_EQ(c.pmi[0], std::log(1.5f));
  EXPECT_FLOAT_EQ(c.lift[1], 1.0f);
  EXPECT_FLOAT_EQ(c.pmi[1], 0.0f);

  config.top_k = 1;
  graph = build_product_graph(counts, Hierarchy{}, config);
  EXPECT_EQ(graph.complements.target, (std::vector<int32_t>{1, 0, 0}));

  config.top_k = 10;
  config.min_count = 5;  // the default: nothing in six baskets qualifies
  graph = build_product_graph(counts, Hierarchy{}, config);
  EXPECT_EQ(graph.complements.size(), 0u);
}

TEST(BuildProductGraph, RanksByCountWhenConfigured) {
  Baskets b;
  b.add({0, 1}, 10);  // popular pair, lift 1 ...
  b.add({0, 2}, 3);   // ... rarer pair with higher lift
  b.add({0}, 0);
  b.add({1}, 5);
  GraphConfig config;
  config.min_count = 1;
  const PairCounts counts = count_copurchases(b.view(), 3, config);
  auto first_of_0 = [&](const std::string& rank_by) {
    config.rank_by = rank_by;
    return build_product_graph(counts, Hierarchy{}, config).complements.target[0];
  };
  EXPECT_EQ(first_of_0("count"), 1);
  EXPECT_EQ(first_of_0("lift"), 2);
}

// Products 0-3 in sub-commodity 0, product 4 in sub-commodity 1.
const std::vector<int32_t> kProductCl = {0, 0, 0, 0, 1};
const std::vector<int32_t> kClDep = {0, 0};
const std::vector<int32_t> kDepG = {0};
const std::vector<int32_t> kGD = {0};

TEST(BuildProductGraph, ProposesSubstitutesInOneSubCommodityRarelyBoughtTogether) {
  Baskets b;
  b.add({0, 2}, 10);
  b.add({1, 2}, 10);
  b.add({0, 1}, 2);
  b.add({4}, 5);
  GraphConfig config;
  const PairCounts counts = count_copurchases(b.view(), 5, config);
  const ProductGraph graph =
      build_product_graph(counts, Hierarchy{kProductCl, kClDep, kDepG, kGD}, config);
  const EdgeList& s = graph.substitutes;
  // (0, 1): 2 together where 12 * 12 / 27 = 5.3 expected, lift 0.375. (0, 2): lift 1.125.
  EXPECT_EQ(s.offsets, (std::vector<uint64_t>{0, 1, 2, 2, 2, 2}));
  EXPECT_EQ(s.target, (std::vector<int32_t>{1, 0}));
  EXPECT_NEAR(s.lift[0], 2.0 / (12.0 * 12.0 / 27.0), 1e-6);
  EXPECT_EQ(s.count[0], 2u);
  // Hierarchy edges are carried as parent arrays.
  EXPECT_EQ(graph.product_to_cl, kProductCl);
  EXPECT_EQ(graph.g_to_d, kGD);

  GraphConfig demanding = config;
  demanding.substitute_min_expected = 6.0;  // 5.3 expected is too little evidence
  EXPECT_EQ(build_product_graph(counts, Hierarchy{kProductCl, kClDep, kDepG, kGD}, demanding)
                .substitutes.size(),
            0u);
}

TEST(CountCopurchases, GivesTheSameCountsDenseOrSparseAndWithAnyThreadCount) {
  Baskets b;
  Rng rng(5);
  for (int i = 0; i < 20000; ++i) {
    std::vector<int32_t> items;
    const int n = 1 + int(rng.below(12));
    for (int k = 0; k < n; ++k) items.push_back(int32_t(rng.below(60)));
    b.product.insert(b.product.end(), items.begin(), items.end());
    b.offsets.push_back(b.product.size());
  }
  GraphConfig dense, sparse;
  sparse.dense_max_products = 0;
  PairCounts reference;
  {
    tbb::global_control threads(tbb::global_control::max_allowed_parallelism, 1);
    reference = count_copurchases(b.view(), 60, dense);
  }
  for (int n_threads : {2, 4}) {
    tbb::global_control threads(tbb::global_control::max_allowed_parallelism, n_threads);
    for (const GraphConfig* config : {&dense, &sparse}) {
      const PairCounts got = count_copurchases(b.view(), 60, *config);
      EXPECT_EQ(got.a, reference.a);
      EXPECT_EQ(got.b, reference.b);
      EXPECT_EQ(got.count, reference.count);
      EXPECT_EQ(got.product_baskets, reference.product_baskets);
    }
  }
  // Spot-check one pair against a direct count.
  uint32_t direct = 0;
  for (size_t k = 0; k + 1 < b.offsets.size(); ++k) {
    bool has3 = false, has7 = false;
    for (uint64_t r = b.offsets[k]; r < b.offsets[k + 1]; ++r) {
      has3 |= b.product[r] == 3;
      has7 |= b.product[r] == 7;
    }
    direct += has3 && has7;
  }
  EXPECT_EQ(reference.count_of(3, 7), direct);
}

ProductGraph small_graph() {
  Baskets b;
  b.add({0, 2}, 10);
  b.add({1, 2}, 10);
  b.add({0, 1}, 2);
  b.add({4}, 5);
  GraphConfig config;
  config.min_count = 2;
  return build_product_graph(count_copurchases(b.view(), 5, config),
                             Hierarchy{kProductCl, kClDep, kDepG, kGD}, config);
}

TEST(GraphExports, WriteAnEdgeListCsvWithOneLinePerEdge) {
  const ProductGraph graph = small_graph();
  GraphNames names;
  names.product = {"PRD1", "PRD2", "PRD,3", "PRD4", "PRD5"};
  retailsim::testing::ScratchDir dir;
  write_edge_csv(graph, names, dir / "edges.csv");
  std::istringstream text(read_file(dir / "edges.csv"));
  std::string line;
  std::getline(text, line);
  EXPECT_EQ(line, "source,target,kind,count,lift,pmi");
  size_t n_lines = 0, n_parent = 0;
  bool quoted = false;
  while (std::getline(text, line)) {
    ++n_lines;
    n_parent += line.find(",parent,") != std::string::npos;
    quoted |= line.rfind("\"PRD,3\",", 0) == 0;
  }
  // 5 product->cl, 2 cl->dep, 1 dep->g, 1 g->d parent edges.
  EXPECT_EQ(n_parent, 9u);
  EXPECT_EQ(n_lines, graph.complements.size() + graph.substitutes.size() + 9);
  EXPECT_TRUE(quoted);
}

TEST(GraphExports, WriteGraphMlThatNetworkxReads) {
  const ProductGraph graph = small_graph();
  GraphNames names;
  names.product = {"PRD<1>", "PRD2", "PRD3", "PRD4", "PRD5"};
  retailsim::testing::ScratchDir dir;
  write_graphml(graph, names, dir / "graph.graphml");
  write_edge_csv(graph, names, dir / "edges.csv");
  const std::string xml = read_file(dir / "graph.graphml");
  EXPECT_NE(xml.find("PRD&lt;1&gt;"), std::string::npos);
  std::string output;
  if (retailsim::testing::run_command("python3 -c 'import networkx'") != 0) {
    GTEST_SKIP() << "python3 with networkx not available";
  }
  const std::string script =
      "import networkx as nx, csv, sys\n"
      "g = nx.read_graphml(sys.argv[1])\n"
      "rows = list(csv.DictReader(open(sys.argv[2])))\n"
      "kinds = sorted(d['kind'] for _, _, d in g.edges(data=True))\n"
      "assert kinds == sorted(r['kind'] for r in rows), (kinds, rows)\n"
      "assert g.nodes['PRD<1>']['kind'] == 'product'\n"
      "assert g.nodes['PRD<1>']['baskets'] == 12\n"
      "print(g.number_of_nodes(), g.number_of_edges())\n";
  write_file_atomic(dir / "check.py", script);
  const int status = retailsim::testing::run_command("python3 " + (dir / "check.py").string() +
                                                         " " + (dir / "graph.graphml").string() +
                                                         " " + (dir / "edges.csv").string(),
                                                     &output);
  ASSERT_EQ(status, 0) << output;
  // 5 products + 2 CL + 1 DEP + 1 G + 1 D nodes.
  const size_t n_edges = graph.complements.size() + graph.substitutes.size() + 9;
  EXPECT_EQ(output, "10 " + std::to_string(n_edges) + "\n");
}

}  // namespace
}  // namespace retailsim::derive
