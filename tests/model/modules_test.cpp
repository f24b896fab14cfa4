// Shapes and masks of the world model's modules, the repeat term and the price term's sign.
#include <gtest/gtest.h>

#include <array>
#include <string>

#include "core/error.h"
#include "model/modules.h"
#include "random_batch.h"

namespace retailsim::model {
namespace {

using testing::random_batch;
using testing::RandomBatchOptions;

ModelConfig tiny_config(const std::string& encoder = "transformer") {
  ModelConfig c;
  c.encoder = encoder;
  c.d_model = 16;
  c.n_heads = 2;
  c.feedforward = 32;
  c.encoder_layers = 2;
  c.decoder_layers = 2;
  c.max_history = 4;
  c.n_products = 30;
  c.n_stores = 5;
  c.n_basket_sizes = 3;
  c.n_price_sensitivities = 3;
  c.n_mission_types = 3;
  c.n_mission_focuses = 3;
  return c;
}

TEST(BatchTensors, KeepTheBatchLayoutAndTheMostRecentHistory) {
  RandomBatchOptions o;
  o.max_history = 8;
  const prepare::Batch batch = random_batch(o);
  const ModelConfig config = tiny_config();
  const BatchTensors t = to_tensors(batch, config);
  EXPECT_EQ(t.t1.sizes(), (std::vector<int64_t>{4, prepare::kT1Dims}));
  EXPECT_EQ(t.t2.sizes(), (std::vector<int64_t>{4, batch.max_items, prepare::kT2Dims}));
  EXPECT_EQ(t.history_index.sizes(), (std::vector<int64_t>{4, config.max_history}));
  const int64_t n_pooled = t.history_offsets.numel();
  for (int64_t b = 0; b < 4; ++b) {
    const int64_t n_history = batch.history_offsets[b + 1] - batch.history_offsets[b];
    const int64_t kept = std::min<int64_t>(n_history, config.max_history);
    for (int64_t h = 0; h < config.max_history; ++h) {
      EXPECT_EQ(t.history_valid[b][h].item<bool>(), h < kept);
      if (h >= kept) {
        EXPECT_EQ(t.history_index[b][h].item<int64_t>(), n_pooled);
      }
    }
    if (kept > 0) {  // the newest kept basket is the sample's last history basket
      const int64_t last = batch.history_offsets[b + 1] - 1;
      EXPECT_EQ(t.history_gap[b][kept - 1].item<int64_t>(), batch.history_gap[last]);
      EXPECT_NE(batch.history_gap[last], batch.week[b] - batch.history_week[last]);
    }
  }
  // Padding and [MASK] become the two extra embedding rows.
  for (int64_t i = 0; i < batch.size * batch.max_items; ++i) {
    const int64_t token = t.input_product.view({-1})[i].item<int64_t>();
    if (!batch.attention_mask[i]) {
      EXPECT_EQ(token, config.n_products + 1);
    }
    if (batch.masked[i]) {
      EXPECT_EQ(token, config.n_products);
    }
  }
  EXPECT_EQ(t.target_multi_hot(config.n_products).sum().item<float>() > 0, true);
}

class BasketModelTest : public ::testing::TestWithParam<std::string> {};

TEST_P(BasketModelTest, OutputsHaveBatchShapes) {
  torch::manual_seed(1);
  const ModelConfig config = tiny_config(GetParam());
  BasketModel model(config);
  const prepare::Batch batch = random_batch({});
  const BatchTensors t = to_tensors(batch, config);
  const BasketOutputs out = model->forward(t);
  EXPECT_EQ(out.product_logits.sizes(), (std::vector<int64_t>{4, 30}));
  EXPECT_EQ(out.user.sizes(), (std::vector<int64_t>{4, 16}));
  EXPECT_EQ(out.basket_size.sizes(), (std::vector<int64_t>{4, 3}));
  EXPECT_EQ(out.mission_focus.sizes(), (std::vector<int64_t>{4, 3}));
  EXPECT_TRUE(torch::isfinite(out.product_logits).all().item<bool>());
  const int64_t n_masked = t.masked.sum().item<int64_t>();
  EXPECT_EQ(model->masked_logits(t).sizes(), (std::vector<int64_t>{n_masked, 30}));
}

TEST_P(BasketModelTest, PaddedHistorySlotsAndItemsDoNotChangeScores) {
  torch::manual_seed(2);
  const ModelConfig config = tiny_config(GetParam());
  BasketModel model(config);
  model->eval();
  torch::NoGradGuard no_grad;
  BatchTensors t = to_tensors(random_batch({}), config);
  const torch::Tensor scores = model->forward(t).product_logits;
  const torch::Tensor masked = model->masked_logits(t);
  BatchTensors changed = t;
  changed.history_store =
      torch::where(t.history_valid, t.history_store, torch::zeros_like(t.history_store));
  changed.history_gap =
      torch::where(t.history_valid, t.history_gap, torch::full_like(t.history_gap, 7));
  changed.t2 = t.t2 + t.attention_mask.logical_not().unsqueeze(-1).to(torch::kFloat32) * 5.0;
  EXPECT_TRUE(torch::allclose(model->forward(changed).product_logits, scores, 1e-5, 1e-5));
  EXPECT_TRUE(torch::allclose(model->masked_logits(changed), masked, 1e-5, 1e-5));
}

INSTANTIATE_TEST_SUITE_P(Encoders, BasketModelTest, ::testing::Values("transformer", "mamba"));

TEST(MambaBlock, IsCausal) {
  torch::manual_seed(3);
  MambaBlock block(8, 4, 2, 3);
  torch::Tensor x = torch::randn({2, 6, 8});
  torch::Tensor y = block->forward(x);
  EXPECT_EQ(y.sizes(), x.sizes());
  torch::Tensor later = x.clone();
  later.slice(1, 4) += 3.0;
  torch::Tensor y2 = block->forward(later);
  EXPECT_TRUE(torch::allclose(y.slice(1, 0, 4), y2.slice(1, 0, 4), 1e-6, 1e-6));
  EXPECT_FALSE(torch::allclose(y.slice(1, 4), y2.slice(1, 4), 1e-3, 1e-3));
}

TEST(BasketModel, RepeatHistoryMovesOnlyItsOwnProductsScore) {
  torch::manual_seed(4);
  const ModelConfig config = tiny_config();
  BasketModel model(config);
  model->eval();
  torch::NoGradGuard no_grad;
  prepare::Batch batch = random_batch({});
  batch.repeat_offsets = {0, 1, 1, 1, 1};
  batch.repeat_product = {11};
  batch.repeat_features = {3, 1.4f, 0.5f, 2, 1.1f, 3, 0.2f, 0.7f, 0.4f, -0.3f};
  const torch::Tensor with = model->forward(to_tensors(batch, config)).product_logits;
  batch.repeat_offsets = {0, 0, 0, 0, 0};
  batch.repeat_product.clear();
  batch.repeat_features.clear();
  const torch::Tensor without = model->forward(to_tensors(batch, config)).product_logits;
  const torch::Tensor diff = (with - without).abs();
  EXPECT_GT(diff[0][11].item<float>(), 0.0f);
  diff[0][11] = 0;
  EXPECT_LT(diff.max().item<float>(), 1e-6f);
}

// Adversarial raw price parameters: the constraints must hold whatever training makes of them.
void scramble_price_parameters(BasketModel& model) {
  for (auto& p : model->named_parameters()) {
    const std::string& key = p.key();
    if (key.find("price") != std::string::npos) p.value().uniform_(-10, 10);
  }
}

torch::Tensor random_price_features(int64_t B, int64_t P) {
  torch::Tensor f = torch::randn({B, P, kPriceFeatures}) * 0.2;
  f.select(2, 2).bernoulli_(0.3);
  f.select(2, 3).abs_();
  return f;
}

// Products 0, 3, 6, ... in sub-commodity 0, 1, 4, 7, ... in 1, and so on.
std::vector<int64_t> three_groups(int64_t n_products) {
  std::vector<int64_t> group(static_cast<size_t>(n_products));
  for (int64_t p = 0; p < n_products; ++p) group[static_cast<size_t>(p)] = p % 3;
  return group;
}

ModelConfig group_config(const std::string& which = "group") {
  ModelConfig config = tiny_config();
  config.product_price_scale = which;
  config.n_product_groups = 3;
  return config;
}

TEST(BasketModel, LowerPriceOrPromotionNeverLowersAScore) {
  for (uint64_t seed = 0; seed < 6; ++seed) {
    // Per-product, per-sub-commodity own and per-sub-commodity scales (groups set).
    const std::array<std::string, 3> modes = {"relative", "group", "group-both"};
    const ModelConfig config = group_config(modes[seed % 3]);
    torch::manual_seed(seed);
    BasketModel model(config);
    if (config.product_price_scale != "relative") model->set_product_groups(three_groups(30));
    model->eval();
    torch::NoGradGuard no_grad;
    scramble_price_parameters(model);
    BatchTensors t = to_tensors(random_batch({.seed = seed + 10}), config);
    ASSERT_GT(t.repeat_sample.numel(), 0);  // both the explore and the repeat coefficients
    t.price_features = random_price_features(4, 30);
    const torch::Tensor base = model->forward(t).product_logits;
    for (int feature = 0; feature < kPriceFeatures; ++feature) {
      BatchTensors cheaper = t;
      cheaper.price_features = t.price_features.clone();
      if (feature == 0) cheaper.price_features.select(2, 0) -= 0.3;    // cheaper than substitutes
      if (feature == 1) cheaper.price_features.select(2, 1) -= 0.3;    // below its reference
      if (feature == 2) cheaper.price_features.select(2, 2).fill_(1);  // on promotion
      if (feature == 3) cheaper.price_features.select(2, 3) += 0.3;    // deeper discount
      const torch::Tensor after = model->forward(cheaper).product_logits;
      EXPECT_TRUE((after >= base - 1e-5).all().item<bool>()) << "seed " << seed << " " << feature;
      if (feature < kScoreFeatures) {
        EXPECT_GT((after - base).max().item<float>(), 0.0f) << "seed " << seed << " " << feature;
      } else {  // the promotion flag and depth are the quantity head's
        EXPECT_TRUE(torch::equal(after, base)) << "seed " << seed << " " << feature;
      }
    }
  }
}

// A tiny basket model with scrambled price parameters.
BasketModel scrambled_model(const ModelConfig& config, uint64_t seed) {
  torch::manual_seed(seed);
  BasketModel model(config);
  torch::NoGradGuard no_grad;
  scramble_price_parameters(model);
  return model;
}

TEST(BasketModel, PriceTermUsesRepeatCoefficientsForProductsBoughtBefore) {
  const ModelConfig config = tiny_config();
  BasketModel model = scrambled_model(config, 3);
  torch::NoGradGuard no_grad;
  BatchTensors t = to_tensors(random_batch({.seed = 21}), config);
  ASSERT_GT(t.repeat_sample.numel(), 0);
  const torch::Tensor features = random_price_features(4, 30);
  const torch::Tensor user = torch::randn({4, config.d_model});
  const torch::Tensor term = model->price_term(user, features, t.repeat_sample, t.repeat_product);
  const PriceCoefficients coef = model->price_coefficients(user);
  const torch::Tensor scale = model->price_scale();
  EXPECT_TRUE((scale > 0).all().item<bool>());
  auto expected = [&](int64_t b, int64_t p, const torch::Tensor& k) {
    return (features[b][p].slice(0, 0, kScoreFeatures) * scale[p] * k[b]).sum().item<float>();
  };
  torch::Tensor is_repeat = torch::zeros({4, 30}, torch::kBool);
  for (int64_t r = 0; r < t.repeat_sample.numel(); ++r) {
    const int64_t b = t.repeat_sample[r].item<int64_t>(), p = t.repeat_product[r].item<int64_t>();
    is_repeat[b][p] = true;
    EXPECT_NEAR(term[b][p].item<float>(), expected(b, p, coef.repeat), 1e-4);
  }
  for (int64_t b = 0; b < 4; ++b) {
    for (int64_t p = 0; p < 30; ++p) {
      if (!is_repeat[b][p].item<bool>()) {
        EXPECT_NEAR(term[b][p].item<float>(), expected(b, p, coef.explore), 1e-4);
      }
    }
  }
}

TEST(BasketModel, ProductPriceScaleCoversTheConfiguredFeatures) {
  // Scrambled weights make every learned scale differ from 1; the unscaled features stay at 1.
  auto scale_for = [](const std::string& which) {
    ModelConfig config = tiny_config();
    config.product_price_scale = which;
    BasketModel model = scrambled_model(config, 6);
    torch::NoGradGuard no_grad;
    return model->price_scale();
  };
  const torch::Tensor ones = torch::ones({30, 1});
  const torch::Tensor relative = scale_for("relative"), both = scale_for("both");
  EXPECT_EQ(relative.sizes(), (std::vector<int64_t>{30, kScoreFeatures}));
  EXPECT_FALSE(torch::allclose(relative.slice(1, 0, 1), ones));  // substitution: per product
  EXPECT_TRUE(torch::equal(relative.slice(1, 1, 2), ones));      // own price: the shopper's
  EXPECT_FALSE(torch::allclose(both.slice(1, 1, 2), ones));
  EXPECT_TRUE(torch::equal(relative.slice(1, 0, 1), both.slice(1, 0, 1)));
  EXPECT_TRUE(torch::equal(scale_for("none"), torch::ones({30, kScoreFeatures})));

  // "group": the relative price per product, the own price per sub-commodity.
  BasketModel model = scrambled_model(group_config(), 6);
  model->set_product_groups(three_groups(30));
  torch::NoGradGuard no_grad;
  const torch::Tensor group = model->price_scale();
  const torch::Tensor own = group.select(1, 1), substitution = group.select(1, 0);
  EXPECT_NE(substitution[0].item<float>(), substitution[3].item<float>());  // per product
  for (int64_t p = 3; p < 30; ++p) EXPECT_FLOAT_EQ(own[p].item<float>(), own[p % 3].item<float>());
  EXPECT_NE(own[0].item<float>(), own[1].item<float>());
  EXPECT_NE(own[1].item<float>(), own[2].item<float>());

  // "group-both": both prices per sub-commodity, each feature its own scale.
  BasketModel by_group = scrambled_model(group_config("group-both"), 6);
  by_group->set_product_groups(three_groups(30));
  const torch::Tensor both_groups = by_group->price_scale();
  EXPECT_EQ(both_groups.sizes(), (std::vector<int64_t>{30, kScoreFeatures}));
  for (int64_t p = 3; p < 30; ++p) EXPECT_TRUE(torch::equal(both_groups[p], both_groups[p % 3]));
  for (int64_t g = 0; g < 3; ++g) {
    EXPECT_NE(both_groups[g][0].item<float>(), both_groups[g][1].item<float>());
    EXPECT_NE(both_groups[g][0].item<float>(), both_groups[(g + 1) % 3][0].item<float>());
  }
}

TEST(BasketModel, PriceParametersStartNeutralAndProductGroupsAreACheckedBuffer) {
  // Price parameters start at zero: every shopper's coefficients softplus(0), every scale 1.
  {
    torch::NoGradGuard no_grad;
    BasketModel fresh(group_config());
    EXPECT_TRUE(torch::allclose(fresh->price_scale(), torch::ones({30, kScoreFeatures})));
    BasketModel fresh_both(group_config("group-both"));
    EXPECT_TRUE(torch::allclose(fresh_both->price_scale(), torch::ones({30, kScoreFeatures})));
    const PriceCoefficients coef = fresh->price_coefficients(torch::randn({4, 16}));
    EXPECT_TRUE(torch::allclose(coef.explore, torch::full({4, kScoreFeatures}, -std::log(2.0))));
    EXPECT_TRUE(torch::allclose(coef.repeat, coef.explore));
  }
  BasketModel model(group_config());
  std::vector<int64_t> groups = three_groups(30);
  model->set_product_groups(groups);
  bool is_buffer = false;
  for (const auto& b : model->named_buffers()) {
    is_buffer |=
        b.key() == "product_group" && torch::equal(b.value(), torch::tensor(groups, torch::kInt64));
  }
  EXPECT_TRUE(is_buffer);
  EXPECT_THROW(model->set_product_groups(three_groups(29)), Error);  // one product short
  groups[4] = 3;                                                     // only 3 groups
  EXPECT_THROW(model->set_product_groups(groups), Error);
  ModelConfig relative_config = tiny_config();
  relative_config.product_price_scale = "relative";
  BasketModel relative(relative_config);
  EXPECT_THROW(relative->set_product_groups(three_groups(30)), Error);
}

TEST(BasketModel, PromotionNeverLowersTheQuantityRate) {
  const ModelConfig config = tiny_config();
  BasketModel model = scrambled_model(config, 4);
  torch::NoGradGuard no_grad;
  const torch::Tensor user = torch::randn({4, config.d_model});
  const torch::Tensor sample = torch::tensor({0, 1, 2, 3}, torch::kInt64);
  const torch::Tensor product = torch::tensor({5, 6, 7, 8}, torch::kInt64);
  const torch::Tensor regular = torch::zeros({4, kPriceFeatures});
  torch::Tensor promoted = regular.clone();
  promoted.select(1, 2).fill_(1);
  promoted.select(1, 3).fill_(0.25);
  const torch::Tensor without = model->quantity_log_rate(user, sample, product);
  EXPECT_TRUE(torch::allclose(model->quantity_log_rate(user, sample, product, regular), without));
  EXPECT_TRUE(
      (model->quantity_log_rate(user, sample, product, promoted) > without).all().item<bool>());
}

TEST(WorldMembers, EachMembersLogitsGoThroughItsCalibration) {
  WorldMembers members;
  members.calibrations.resize(2);
  members.calibrations[1].slope = 0.5;
  members.calibrations[1].offset = -2.0;
  const torch::Tensor logits = torch::tensor({-1.0f, 0.0f, 3.0f});
  EXPECT_TRUE(torch::allclose(members.calibrated_logits(0, logits), logits));
  EXPECT_TRUE(
      torch::allclose(members.calibrated_logits(1, logits), torch::tensor({-2.5f, -2.0f, -0.5f})));
  EXPECT_THROW(members.calibrated_logits(2, logits), std::out_of_range);
  // The ensemble: the sigmoid of the mean calibrated logit.
  EXPECT_TRUE(torch::allclose(members.probabilities({logits, logits}),
                              torch::sigmoid((logits + (0.5 * logits - 2.0)) / 2)));
  EXPECT_THROW(members.probabilities({logits}), Error);
}

TEST(StoreVisitModel, ScoresEveryStoreAndNoTrip) {
  torch::manual_seed(5);
  const ModelConfig config = tiny_config();
  StoreVisitModel model(config);
  const prepare::Batch batch = random_batch({.kind = prepare::SampleKind::kStoreVisit});
  const torch::Tensor logits = model->forward(to_tensors(batch, config));
  EXPECT_EQ(logits.sizes(), (std::vector<int64_t>{4, config.n_stores + 1}));
}

// An untrained store-visit model gives the customer's own estimate (visit-personal's): its
// network starts at zero and its scores at that estimate in the loss's weighted, smoothed space,
// which probabilities() undoes. Checked against the formula by hand, with outcome weights and
// smoothing on; the last trip's store then gets last_weight on top.
TEST(StoreVisitModel, AnUntrainedModelGivesTheCustomersOwnEstimate) {
  torch::manual_seed(5);
  const ModelConfig config = tiny_config();
  const int64_t k = config.n_stores + 1;
  StoreVisitModel model(config);
  model->eval();
  model->set_outcome_weights(torch::linspace(0.5, 2.0, k));
  std::vector<int64_t> counts(static_cast<size_t>(k), 0);
  for (int64_t s = 0; s < config.n_stores; ++s) counts[static_cast<size_t>(s)] = 3 * s;
  counts.back() = 40;
  model->set_outcome_shares(counts);
  double store_total = 0, total = 40;
  for (int64_t s = 0; s < config.n_stores; ++s) {
    store_total += 3.0 * static_cast<double>(s) + 0.1;
    total += 3.0 * static_cast<double>(s);
  }
  const double g0 = 40 / total;

  prepare::Batch batch = random_batch({.kind = prepare::SampleKind::kStoreVisit});
  batch.visit_offsets = {0};
  for (int32_t b = 0; b < batch.size; ++b) {  // sample b: b + 1 trips to store b, 2 to store 0
    batch.visit_store.insert(batch.visit_store.end(), {0, b + 1});
    batch.visit_trips.insert(batch.visit_trips.end(), {2.0f, static_cast<float>(b + 1)});
    batch.visit_offsets.push_back(static_cast<int64_t>(batch.visit_store.size()));
    batch.trip_weeks.insert(batch.trip_weeks.end(), {static_cast<float>(b + 2), 1.0f});
  }
  const BatchTensors t = to_tensors(batch, config);
  const torch::Tensor p = model->probabilities(t);
  for (int32_t b = 0; b < batch.size; ++b) {
    const double no_trip = (1 + 2 * g0) / (b + 2 + 1 + 2);
    const double n = 2 + (b + 1);
    EXPECT_NEAR(p[b][k - 1].item<double>(), no_trip, 1e-5);
    for (int64_t s = 0; s < config.n_stores; ++s) {
      const double trips = (s == 0 ? 2.0 : 0.0) + (s == b + 1 ? b + 1.0 : 0.0);
      const double share = (3.0 * static_cast<double>(s) + 0.1) / store_total;
      EXPECT_NEAR(p[b][s].item<double>(), (1 - no_trip) * (trips + share) / (n + 1), 1e-5)
          << b << " " << s;
    }
  }
  EXPECT_TRUE(torch::allclose(model->personal_probabilities(t), p, 1e-5, 1e-6));
  // last_weight raises the last trip's store (the input basket's) and nothing else.
  torch::NoGradGuard no_grad;
  for (auto& param : model->named_parameters()) {
    if (param.key() == "last_weight") param.value().fill_(1.0);
  }
  const torch::Tensor raised =
      model->forward(t) -
      torch::log(model->outcome_weights().unsqueeze(0) *
                 ((1 - config.label_smoothing) * p + config.label_smoothing / k));
  for (int32_t b = 0; b < batch.size; ++b) {
    for (int64_t s = 0; s < k; ++s)
      EXPECT_NEAR(raised[b][s].item<double>(), s == batch.store[b] ? 1.0 : 0.0, 1e-4);
  }
}

// T3's trend block never reaches the store-visit model, its calendar blocks only with
// visit_calendar on, its recency block always.
TEST(StoreVisitModel, ReadsT3sCalendarOnlyWhenAskedAndNeverItsTrend) {
  const prepare::Batch batch = random_batch({.kind = prepare::SampleKind::kStoreVisit});
  for (const char* calendar : {"on", "off"}) {
    torch::manual_seed(5);
    ModelConfig config = tiny_config();
    config.visit_calendar = calendar;
    StoreVisitModel model(config);
    model->eval();
    {
      torch::NoGradGuard no_grad;  // a trained-looking network (its last layer starts at zero)
      for (auto& param : model->parameters()) param.normal_(0.0, 0.5);
    }
    const BatchTensors t = to_tensors(batch, config);
    const torch::Tensor base = model->forward(t);
    auto moved = [&](int64_t begin, int64_t end) {
      BatchTensors changed = t;
      changed.t3 = t.t3.clone();
      changed.t3.slice(1, begin, end).add_(0.5);
      return !torch::allclose(model->forward(changed), base);
    };
    const bool on = std::string(calendar) == "on";
    EXPECT_EQ(moved(0, 16), on) << calendar;   // week of the year
    EXPECT_EQ(moved(32, 48), on) << calendar;  // holidays, season
    EXPECT_FALSE(moved(48, 56)) << calendar;   // trend
    EXPECT_TRUE(moved(56, 64)) << calendar;    // recency
  }
  EXPECT_EQ(ModelConfig::from_json(Json::object()).visit_calendar, "on");  // older checkpoints
}

TEST(StoreVisitModel, UndoingTheOutcomeWeightsAndSmoothingRecoversTheDistribution) {
  // The weighted, smoothed cross-entropy's optimum: q_c proportional to w_c ((1 - e) p_c + e / K).
  const torch::Tensor p = torch::tensor({{0.7, 0.2, 0.1, 0.0}, {0.0, 0.0, 0.05, 0.95}});
  const torch::Tensor w = torch::tensor({2.0, 0.5, 1.0, 0.25});
  const double e = 0.1;
  torch::Tensor q = w.unsqueeze(0) * ((1 - e) * p + e / 4);
  q = q / q.sum(1, true);
  EXPECT_TRUE(torch::allclose(undo_outcome_weighting(q, w, e), p, 1e-5, 1e-6));
  // Without weights or smoothing it is the identity.
  EXPECT_TRUE(torch::allclose(undo_outcome_weighting(p, torch::ones({4}), 0.0), p));
}

TEST(StoreVisitModel, OutcomeWeightsAreAValidatedBufferThatProbabilitiesUndo) {
  torch::manual_seed(5);
  const ModelConfig config = tiny_config();
  StoreVisitModel model(config);
  model->eval();
  const int64_t k = config.n_stores + 1;
  EXPECT_TRUE(torch::equal(model->outcome_weights(), torch::ones({k})));
  const torch::Tensor weights = torch::linspace(0.5, 2.0, k);
  model->set_outcome_weights(weights);
  bool is_buffer = false;
  for (const auto& b : model->named_buffers())
    is_buffer |= b.key() == "outcome_weights" && torch::equal(b.value(), weights);
  EXPECT_TRUE(is_buffer);  // so checkpoints carry it
  const BatchTensors t =
      to_tensors(random_batch({.kind = prepare::SampleKind::kStoreVisit}), config);
  const torch::Tensor expected =
      undo_outcome_weighting(torch::softmax(model->forward(t), 1), weights, config.label_smoothing);
  EXPECT_TRUE(torch::allclose(model->probabilities(t), expected));
  EXPECT_TRUE(torch::allclose(model->probabilities(t).sum(1), torch::ones({4})));
  EXPECT_THROW(model->set_outcome_weights(torch::ones({k + 1})), Error);
  EXPECT_THROW(model->set_outcome_weights(torch::zeros({k})), Error);
}

TEST(ModelConfig, RejectsAnUnknownEncoderAndRoundTripsThroughJson) {
  ModelConfig c = tiny_config("mamba");
  EXPECT_EQ(ModelConfig::from_json(c.to_json()).to_json(), c.to_json());
  Config toml = Config::parse("[model]\nencoder = \"lstm\"\n", "bad.toml");
  EXPECT_THROW(ModelConfig::from_section(toml.section("model")), std::exception);
  Config typo = Config::parse("[model]\nd_modle = 8\n", "typo.toml");
  EXPECT_THROW(ModelConfig::from_section(typo.section("model")), std::exception);
}

TEST(ModelConfig, ProductPriceScaleIsCheckedAndOldCheckpointsKeepScalingBoth) {
  EXPECT_EQ(ModelConfig{}.product_price_scale, "group");
  Config bad = Config::parse("[model]\nproduct_price_scale = \"own\"\n", "bad.toml");
  try {
    ModelConfig::from_section(bad.section("model"));
    FAIL() << "accepted product_price_scale = own";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("product_price_scale"), std::string::npos) << e.what();
  }
  Json old = tiny_config().to_json();
  old.erase("product_price_scale");  // a checkpoint written before the key
  EXPECT_EQ(ModelConfig::from_json(old).product_price_scale, "both");
  Config none = Config::parse("[model]\nproduct_price_scale = \"none\"\n", "none.toml");
  EXPECT_EQ(ModelConfig::from_section(none.section("model")).product_price_scale, "none");
  Config group = Config::parse("[model]\nproduct_price_scale = \"group\"\n", "group.toml");
  EXPECT_EQ(ModelConfig::from_section(group.section("model")).product_price_scale, "group");
  Config both = Config::parse("[model]\nproduct_price_scale = \"group-both\"\n", "both.toml");
  EXPECT_EQ(ModelConfig::from_section(both.section("model")).product_price_scale, "group-both");
}

// product_habits: 1 by default, 0 for checkpoints from before the key; with 0 the repeat score
// reads only the customer's own history (features 0-7), with 1 the product's habit (8) too.
// A basket model of `config` from a fixed seed, in eval mode: two configs that differ only in a
// key start from the same weights wherever their parameters agree.
BasketModel seeded_eval_model(const ModelConfig& config) {
  torch::manual_seed(4);
  BasketModel model(config);
  model->eval();
  return model;
}

// How far setting repeat feature `column` of the one repeat product (11, of sample 0) to `value`
// moves the scores under `config`: {that product's score, every other score}.
std::pair<float, float> repeat_feature_moves(const ModelConfig& config, int column, float value) {
  prepare::Batch batch = random_batch({});
  batch.repeat_offsets = {0, 1, 1, 1, 1};
  batch.repeat_product = {11};
  batch.repeat_features = {3, 1.4f, 0.5f, 2, 1.1f, 3, 0.2f, 0.7f, 0.4f, 0.0f};
  BasketModel model = seeded_eval_model(config);
  torch::NoGradGuard no_grad;
  const torch::Tensor before = model->forward(to_tensors(batch, config)).product_logits;
  batch.repeat_features[static_cast<size_t>(column)] = value;
  const torch::Tensor after = model->forward(to_tensors(batch, config)).product_logits;
  const torch::Tensor moved = (after - before).abs();
  const float own = moved[0][11].item<float>();
  moved[0][11] = 0;
  return {own, moved.max().item<float>()};
}

// With `flag` 0, setting repeat feature `column` to `value` moves no score; with 1, only the
// repeat product's own.
void expect_read_only_when_on(ModelConfig config, int64_t ModelConfig::*flag, int column,
                              float value) {
  for (int64_t on : {0, 1}) {
    SCOPED_TRACE(on);
    config.*flag = on;
    const auto [own, others] = repeat_feature_moves(config, column, value);
    if (on == 0) {
      EXPECT_EQ(own, 0.0f);
    } else {
      EXPECT_GT(own, 0.0f);
    }
    EXPECT_LT(others, 1e-6f);
  }
}

// A 0/1 [model] key: its default, 0 for a checkpoint from before the key, and 2 refused.
void expect_switch_key(const char* key, int64_t ModelConfig::*flag, int64_t default_value) {
  SCOPED_TRACE(key);
  EXPECT_EQ(ModelConfig{}.*flag, default_value);
  Json old = tiny_config().to_json();
  old.erase(key);
  EXPECT_EQ(ModelConfig::from_json(old).*flag, 0);
  Config bad = Config::parse(std::string("[model]\n") + key + " = 2\n", "bad.toml");
  EXPECT_THROW(ModelConfig::from_section(bad.section("model")), Error);
}

TEST(ModelConfig, ProductHabitsDecideWhichRepeatFeaturesTheScoreReads) {
  expect_switch_key("product_habits", &ModelConfig::product_habits, 1);

  ModelConfig config = tiny_config();
  config.store_lift = 0;  // it follows the habits column
  // A staple: most of its buyers bought it again.
  expect_read_only_when_on(config, &ModelConfig::product_habits, 8, 0.9f);
}

TEST(ModelConfig, StoreLiftDecidesWhetherTheScoreReadsHowTheStoreSellsTheProduct) {
  expect_switch_key("store_lift", &ModelConfig::store_lift, 0);
  Config alone = Config::parse("[model]\nproduct_habits = 0\nstore_lift = 1\n", "alone.toml");
  EXPECT_THROW(ModelConfig::from_section(alone.section("model")), Error);

  // The store should have sold it and did not.
  expect_read_only_when_on(tiny_config(), &ModelConfig::store_lift, 9, -3.0f);
}

TEST(ModelConfig, CustomerWeightIsAPowerFromZeroToOne) {
  EXPECT_EQ(ModelConfig{}.customer_weight, 0.0);
  Config half = Config::parse("[model]\ncustomer_weight = 0.5\n", "half.toml");
  EXPECT_EQ(ModelConfig::from_section(half.section("model")).customer_weight, 0.5);
  Json json = tiny_config().to_json();
  json["customer_weight"] = 1.0;
  EXPECT_EQ(ModelConfig::from_json(json).customer_weight, 1.0);
  json.erase("customer_weight");
  EXPECT_EQ(ModelConfig::from_json(json).customer_weight, 0.0);
  for (const char* bad :
       {"[model]\ncustomer_weight = -0.5\n", "[model]\ncustomer_weight = 1.5\n"}) {
    Config config = Config::parse(bad, "bad.toml");
    EXPECT_THROW(ModelConfig::from_section(config.section("model")), Error) << bad;
  }
}

TEST(ModelConfig, LabelHistoryAddsTheCustomersOwnLabelSharesToTheHeads) {
  EXPECT_EQ(ModelConfig{}.label_history, 1);
  EXPECT_EQ(ModelConfig{}.label_reweight, 1);
  Json old = tiny_config().to_json();
  old.erase("label_history");
  old.erase("label_reweight");
  EXPECT_EQ(ModelConfig::from_json(old).label_history, 0);
  EXPECT_EQ(ModelConfig::from_json(old).label_reweight, 0);
  for (const char* bad : {"[model]\nlabel_history = 2\n", "[model]\nlabel_reweight = -1\n"}) {
    Config config = Config::parse(bad, "bad.toml");
    EXPECT_THROW(ModelConfig::from_section(config.section("model")), Error) << bad;
  }

  prepare::Batch batch = random_batch({});
  std::fill(batch.history_labels.begin(), batch.history_labels.end(), 0.0f);
  const float sizes[3] = {0, 5, 1};  // sample 0: five M baskets and one L; sample 1: none
  std::copy_n(sizes, 3, batch.history_labels.begin());
  const float focus[3] = {2, 0, 0};  // sample 0's focus block: two of label 0
  std::copy_n(focus, 3, batch.history_labels.begin() + 9);
  BasketOutputs outs[2];
  for (int64_t with : {0, 1}) {
    ModelConfig config = tiny_config();
    config.label_history = with;
    BasketModel model = seeded_eval_model(config);
    torch::NoGradGuard no_grad;
    outs[with] = model->forward(to_tensors(batch, config));
    // Without counts (store-visit batches built before the key, or a source without them) the
    // heads read the user vector only.
    prepare::Batch bare = batch;
    bare.history_labels.clear();
    EXPECT_TRUE(
        torch::allclose(model->forward(to_tensors(bare, config)).basket_size, outs[0].basket_size));
  }
  // At initialisation the term is log((count + 1/2) / (trips + 3/2)) per label.
  const torch::Tensor moved = outs[1].basket_size - outs[0].basket_size;
  const torch::Tensor expected = torch::log(torch::tensor({0.5f, 5.5f, 1.5f}) / 7.5f);
  EXPECT_TRUE(torch::allclose(moved[0], expected, 1e-5, 1e-6));
  // A customer without earlier baskets: the same shift for every label, so the same argmax.
  const torch::Tensor flat = moved[1] - moved[1][0];
  EXPECT_LT(flat.abs().max().item<float>(), 1e-6f);
  const torch::Tensor focus_moved = outs[1].mission_focus[0] - outs[0].mission_focus[0];
  EXPECT_TRUE(torch::allclose(focus_moved, torch::log(torch::tensor({2.5f, 0.5f, 0.5f}) / 3.5f),
                              1e-5, 1e-6));
}

}  // namespace
}  // namespace retailsim::model
