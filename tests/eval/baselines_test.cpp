// The frequency baselines and TIFU-KNN, published and tuned, on hand-made histories.
#include <cmath>

#include <gtest/gtest.h>

#include "eval/methods.h"
#include "eval_fixture.h"

namespace retailsim::eval {
namespace {

using testing::hand_table;
using testing::next_basket_case;
using testing::view_hiding_last;

// Customer 0 buys 2 three times, then 5, 3 and 1 once each (5 latest); customer 1 buys 3 twice
// and 4 once. Each customer's last basket ({9}) is hidden: the target.
BasketTable frequency_table() {
  return hand_table({{{1, 2}, {2, 3}, {2, 5}, {9}}, {{3}, {3, 4}, {9}}}, 10);
}

TEST(TopFreq, PersonalRanksByCountThenRecencyThenId) {
  const BasketTable t = frequency_table();
  const TrainingView v = view_hiding_last(t, 1);
  EXPECT_EQ(personal_ranking(v, next_basket_case(v, 0)), (std::vector<int32_t>{2, 5, 3, 1}));
  EXPECT_EQ(personal_ranking(v, next_basket_case(v, 1)), (std::vector<int32_t>{3, 4}));
}

TEST(TopFreq, GlobalRanksByBasketCountWithTiesByIdAndSkipsHiddenBaskets) {
  const BasketTable t = frequency_table();
  const TrainingView v = view_hiding_last(t, 1);
  // 2: 3 baskets, 3: 3, then 1, 4, 5 once; 9 only in hidden targets.
  EXPECT_EQ(global_ranking(v), (std::vector<int32_t>{2, 3, 1, 4, 5}));
}

TEST(TopFreq, RegisteredMethodsRankAsTheirDefinitions) {
  const BasketTable t = frequency_table();
  TrainingView v = view_hiding_last(t, 1);
  v.candidate[5] = 0;  // not sold in training: never recommended
  MethodContext context;
  auto g = make_g_topfreq(context);
  auto p = make_p_topfreq(context);
  auto gp = make_gp_topfreq(context);
  for (auto* m : {g.get(), p.get(), gp.get()}) m->fit(v);
  const EvalCase c1 = next_basket_case(v, 1);
  EXPECT_EQ(g->recommend(c1, 3), (std::vector<int32_t>{2, 3, 1}));
  EXPECT_EQ(p->recommend(c1, 20), (std::vector<int32_t>{3, 4}));  // no filling
  EXPECT_EQ(gp->recommend(c1, 4), (std::vector<int32_t>{3, 4, 2, 1}));
  EXPECT_EQ(p->recommend(next_basket_case(v, 0), 2), (std::vector<int32_t>{2, 3}));
}

TEST(TifuKnn, CustomerVectorFollowsTheReferenceGroupingAndDecays) {
  // 4 baskets, m = 3 groups: sizes 1, 1, 2. Basket weights r_b^(3-i) = 1/8, 1/4, 1/2, 1; group
  // weights r_g^(2-g) = 1/4, 1/2, 1; groups are means; the sum is divided by 3 groups.
  const BasketTable t = hand_table({{{1}, {1, 2}, {2}, {3}}}, 4);
  const std::vector<int32_t> history = {0, 1, 2, 3};
  const SparseVector v = tifu_user_vector(t, history, 0.5, 0.5, 3);
  ASSERT_EQ(v.index, (std::vector<int32_t>{1, 2, 3}));
  EXPECT_NEAR(v.value[0], (0.125 * 0.25 + 0.25 * 0.5) / 3, 1e-12);
  EXPECT_NEAR(v.value[1], (0.25 * 0.5 + 0.5 / 2 * 1.0) / 3, 1e-12);
  EXPECT_NEAR(v.value[2], (1.0 / 2 * 1.0) / 3, 1e-12);
  EXPECT_NEAR(v.norm2, v.value[0] * v.value[0] + v.value[1] * v.value[1] + v.value[2] * v.value[2],
              1e-12);

  // Fewer baskets than groups: one group each, still weighted r_g^(m-1-g), divided by 2.
  const SparseVector short_history = tifu_user_vector(t, std::vector<int32_t>{0, 3}, 0.5, 0.5, 3);
  ASSERT_EQ(short_history.index, (std::vector<int32_t>{1, 3}));
  EXPECT_NEAR(short_history.value[0], 0.5 * 0.25 / 2, 1e-12);
  EXPECT_NEAR(short_history.value[1], 1.0 * 0.5 / 2, 1e-12);
}

// Customer 0 (the query) buys 1 and 2; customer 1 buys 1, 2 and 7; customer 2 buys 5 and 6.
BasketTable neighbour_table() {
  return hand_table({{{1, 2}, {1, 2}, {9}}, {{1, 2, 7}, {1, 2, 7}}, {{5, 6}, {5, 6}}}, 10);
}

TEST(TifuKnn, NearestNeighbourSuppliesNewProductsAndTheQueryIsNotItsOwnNeighbour) {
  const BasketTable t = neighbour_table();
  TrainingView v = view_hiding_last(t, 0);
  v.visible[0] = 2;  // the query's target stays hidden
  TifuSettings s;
  s.k = 1;
  s.alpha = 0.0;  // neighbours only
  s.r_b = 1.0;
  s.r_g = 1.0;
  s.m = 1;
  auto tifu = make_tifu_knn_with(s);
  tifu->fit(v);
  const EvalCase c = next_basket_case(v, 0);
  // The nearest other customer is 1 (shares 1 and 2); its products rank equally, by id.
  EXPECT_EQ(tifu->recommend(c, 20), (std::vector<int32_t>{1, 2, 7}));

  s.alpha = 1.0;  // the customer's own vector only
  auto own = make_tifu_knn_with(s);
  own->fit(v);
  EXPECT_EQ(own->recommend(c, 20), (std::vector<int32_t>{1, 2}));
}

TEST(TifuKnn, BlendWeighsOwnAndNeighbourVectorsByAlpha) {
  const BasketTable t = neighbour_table();
  TrainingView v = view_hiding_last(t, 0);
  v.visible[0] = 2;
  TifuSettings s;
  s.k = 2;  // both other customers
  s.alpha = 0.5;
  s.r_b = 1.0;
  s.r_g = 1.0;
  s.m = 1;
  auto tifu = make_tifu_knn_with(s);
  tifu->fit(v);
  // Own vector: 1, 2 -> 1 each. Neighbour mean: 1, 2, 7 -> 1/2; 5, 6 -> 1/2. Scores: 1, 2 ->
  // 0.5 + 0.25; 5, 6, 7 -> 0.25.
  EXPECT_EQ(tifu->recommend(next_basket_case(v, 0), 20), (std::vector<int32_t>{1, 2, 5, 6, 7}));
}

TEST(TifuKnn, EuclideanNeighboursCanShareNoProductWhileCosineNeedsOverlap) {
  // Query {1, 2} with weight 1 each. Customer 1: product 1 bought in 1 of 4 baskets, product 8
  // in all (far in euclidean terms: |q - v|^2 = 0.5625 + 1 + 1 = 2.56); customer 2: one basket
  // {3} out of 4 -> vector 0.25 on 3 (|q - v|^2 = 2.06): nearest by euclidean distance, though
  // it shares nothing; by cosine, customer 1 is nearest.
  const BasketTable t = hand_table({{{1, 2}, {9}}, {{1, 8}, {8}, {8}, {8}}, {{3}, {}, {}, {}}}, 10);
  TrainingView v = view_hiding_last(t, 0);
  v.visible[0] = 1;
  TifuSettings s;
  s.k = 1;
  s.alpha = 0.0;
  s.r_b = 1.0;
  s.r_g = 1.0;
  s.m = 1;
  auto euclidean = make_tifu_knn_with(s);
  euclidean->fit(v);
  const EvalCase c = next_basket_case(v, 0);
  EXPECT_EQ(euclidean->recommend(c, 20), (std::vector<int32_t>{3}));
  s.distance = "cosine";
  auto cosine = make_tifu_knn_with(s);
  cosine->fit(v);
  EXPECT_EQ(cosine->recommend(c, 20), (std::vector<int32_t>{8, 1}));
}

// Customer 0 bought 1 and 2 twice, customer 1 bought 3 and 4 twice; their targets (hidden) are 7
// and 8, which only their nearest neighbours buy: customer 2 ({1, 2, 7}) and customer 3
// ({3, 4, 8}).
BasketTable tuning_table() {
  return hand_table({{{1, 2}, {1, 2}, {7}},
                     {{3, 4}, {3, 4}, {8}},
                     {{1, 2, 7}, {1, 2, 7}},
                     {{3, 4, 8}, {3, 4, 8}}},
                    10);
}

TEST(TifuKnn, TunedTakesTheGridPointWithTheBestValidationNdcgAndRanksWithIt) {
  const BasketTable t = tuning_table();
  TrainingView v = view_hiding_last(t, 0);
  v.visible = {2, 2, 2, 2};  // the targets stay hidden
  Fold fold;
  fold.view = v;
  fold.tune_view = v;
  fold.tune_cases = {next_basket_case(v, 0), next_basket_case(v, 1)};
  EvalConfig config;
  config.tune_k = {1, 2};
  config.tune_alpha = {0.0, 1.0};
  config.tune_r_b = {1.0};
  config.tune_r_g = {1.0};
  config.tune_m = {1};
  MethodContext context;
  context.config = &config;
  auto tuned = make_tifu_knn_tuned(context);
  tuned->tune(fold);
  tuned->fit(fold.view);
  // Customer 0's squared distances: 1 to customer 2, 4 to customer 1, 5 to customer 3 (and the
  // same for customer 1 mirrored). alpha = 1 lists the own products only: NDCG@10 0. alpha = 0:
  // with k = 1 the neighbour's {1, 2, 7} tie at 1 and list by id, the target third (NDCG@10
  // 1 / log2(4) = 0.5); with k = 2 the mean adds {3, 4} at the same 1/2, the target fifth
  // (1 / log2(6)).
  const Json settings = tuned->settings();
  EXPECT_EQ(settings["k"], 1);
  EXPECT_EQ(settings["alpha"], 0.0);
  EXPECT_DOUBLE_EQ(settings["validation_ndcg@10"].get<double>(), 0.5);
  EXPECT_EQ(settings["validation_cases"], 2);
  EXPECT_EQ(settings["grid_points"], 4);
  EXPECT_EQ(tuned->recommend(next_basket_case(v, 0), 20), (std::vector<int32_t>{1, 2, 7}));
  EXPECT_EQ(tuned->recommend(next_basket_case(v, 1), 20), (std::vector<int32_t>{3, 4, 8}));

  // Validation customers who buy their own products again pick alpha = 1.
  const BasketTable again =
      hand_table({{{1, 2}, {1, 2}, {1}}, {{3, 4}, {3, 4}, {3}}, {{5, 6}}, {{7, 8}}}, 10);
  TrainingView w = view_hiding_last(again, 0);
  w.visible = {2, 2, 1, 1};
  fold.view = w;
  fold.tune_view = w;
  fold.tune_cases = {next_basket_case(w, 0), next_basket_case(w, 1)};
  auto own = make_tifu_knn_tuned(context);
  own->tune(fold);
  EXPECT_EQ(own->settings()["alpha"], 1.0);
  EXPECT_DOUBLE_EQ(own->settings()["validation_ndcg@10"].get<double>(), 1.0);

  // Without validation cases the published settings stay.
  fold.tune_cases.clear();
  auto published = make_tifu_knn_tuned(context);
  published->tune(fold);
  EXPECT_EQ(published->settings()["k"], TifuSettings{}.k);
  EXPECT_EQ(published->settings()["alpha"], TifuSettings{}.alpha);
}

}  // namespace
}  // namespace retailsim::eval
