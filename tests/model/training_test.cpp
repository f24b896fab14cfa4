// Training the world model on tiny random sets: it overfits, checkpoints round-trip, and a run
// killed halfway and resumed ends with exactly the weights of an uninterrupted run.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "core/error.h"
#include "model/tasks.h"
#include "random_batch.h"

namespace retailsim::model {
namespace {

namespace fs = std::filesystem;
using testing::random_batch;
using testing::VectorSource;

ModelConfig tiny_config(const std::string& encoder = "transformer") {
  ModelConfig c;
  c.encoder = encoder;
  c.d_model = 16;
  c.n_heads = 2;
  c.feedforward = 32;
  c.encoder_layers = 1;
  c.decoder_layers = 2;
  c.max_history = 4;
  c.n_products = 30;
  c.n_stores = 5;
  c.n_basket_sizes = 3;
  c.n_price_sensitivities = 3;
  c.n_mission_types = 3;
  c.n_mission_focuses = 3;
  c.loss.sampled_softmax = 0.1;  // every loss term takes part
  c.loss.bce = 0.1;
  c.n_negatives = 8;
  return c;
}

std::vector<prepare::Batch> batches(prepare::SampleKind kind, int n, uint64_t seed) {
  std::vector<prepare::Batch> out;
  for (int i = 0; i < n; ++i)
    out.push_back(random_batch({.kind = kind, .size = 8, .seed = seed + i}));
  return out;
}

train::TrainConfig short_schedule(int64_t warmup, int64_t main, int64_t finetune, double lr) {
  train::TrainConfig c;
  c.phases = {{"warm-up", warmup, lr, 0.15},
              {"main", main, lr, 0.15},
              {"fine-tune", finetune, lr / 3, 0.05}};
  c.warmup_steps = 2;
  c.quick_val_every = 3;
  c.quick_val_batches = 1;
  c.checkpoint_every = 5;
  c.patience = 100;
  return c;
}

fs::path scratch(const std::string& name) {
  fs::path dir =
      fs::temp_directory_path() / ("retailsim_model_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  return dir;
}

TEST(Training, TinyBasketModelOverfitsATinySet) {
  torch::manual_seed(7);
  const ModelConfig config = tiny_config();
  BasketTask task(config, {});
  VectorSource train(batches(prepare::SampleKind::kNextBasket, 2, 100), 1);
  VectorSource same(batches(prepare::SampleKind::kNextBasket, 2, 100), 1);
  const double before = task.validate(same, 0).at("loss");
  train::TrainerOptions options;
  options.config = short_schedule(0, 40, 0, 1e-2);
  options.config.quick_val_every = 0;
  options.checkpoint_dir = scratch("overfit");
  const train::TrainResult result = train::run_training(task, train, same, options);
  task.module().eval();
  torch::NoGradGuard no_grad;
  const Json after = task.validate(same, 0);
  EXPECT_TRUE(result.completed);
  EXPECT_LT(after.at("loss").get<double>(), 0.3 * before);
  EXPECT_GT(after.at("recall@10").get<double>(), 0.9);
  fs::remove_all(options.checkpoint_dir);
}

TEST(Training, TheCalibrationIsFittedOnEachNextBasketSamplesTopProducts) {
  torch::manual_seed(7);
  BasketTask task(tiny_config(), {});
  VectorSource train(batches(prepare::SampleKind::kNextBasket, 2, 100), 1);
  std::vector<prepare::Batch> mixed = batches(prepare::SampleKind::kNextBasket, 2, 100);
  // One sample's target is a second trip in its week: it is left out.
  // Sixteen customers, one sample each, but for two changes. One sample's target is a second
  // trip in its week; and the customer of the second batch's first sample also has a sample
  // in an earlier week in the first batch. Both are left out.
  for (size_t i = 0; i < mixed.size(); ++i)
    for (size_t s = 0; s < mixed[i].customer.size(); ++s)
      mixed[i].customer[s] = static_cast<int32_t>(i * 8 + s);
  size_t second_trip = 0;  // in the first batch: its first sample with a history basket
  {
    prepare::Batch& first = mixed.front();
    while (first.history_offsets[second_trip + 1] == first.history_offsets[second_trip])
      ++second_trip;
    first.history_week[static_cast<size_t>(first.history_offsets[second_trip + 1] - 1)] =
        first.week[second_trip];
    const size_t other = second_trip == 0 ? 1 : 0;  // a first trip of the first batch
    mixed[1].customer[0] = first.customer[other];
    mixed[1].week[0] = first.week[other] + 1;
    const int64_t from = mixed[1].history_offsets[0], to = mixed[1].history_offsets[1];
    for (int64_t h = from; h < to; ++h)
      mixed[1].history_week[static_cast<size_t>(h)] = mixed[1].week[0] - 1;
  }
  mixed.push_back(random_batch({.kind = prepare::SampleKind::kMaskedBasket, .size = 8, .seed = 5}));
  VectorSource val(mixed, 1);
  train::TrainerOptions options;
  options.config = short_schedule(0, 40, 0, 1e-2);
  options.config.quick_val_every = 0;
  options.checkpoint_dir = scratch("calibration");
  ASSERT_TRUE(train::run_training(task, train, val, options).completed);

  const ProbabilityCalibration c = task.fit_calibration(val, 0, /*top_k=*/5);
  // Two next-basket batches of 8 samples less those two, 5 products each; the masked batch is
  // not scored.
  EXPECT_EQ(c.pairs, (2 * 8 - 2) * 5);
  int64_t distinct_targets = 0;
  for (size_t i = 0; i < mixed.size(); ++i) {
    const prepare::Batch& b = mixed[i];
    if (b.kind != prepare::SampleKind::kNextBasket) continue;
    for (size_t s = 0; s + 1 < b.target_offsets.size(); ++s) {
      if ((i == 0 && s == second_trip) || (i == 1 && s == 0)) continue;
      std::set<int32_t> products(b.target_product.begin() + b.target_offsets[s],
                                 b.target_product.begin() + b.target_offsets[s + 1]);
      distinct_targets += static_cast<int64_t>(std::min<size_t>(products.size(), 5));
    }
  }
  // The overfitted model lists most of each target in its top 5, not every one.
  EXPECT_GT(c.positives, distinct_targets / 2);
  EXPECT_LE(c.positives, distinct_targets);
  EXPECT_GT(c.slope, 0);
  EXPECT_LE(c.log_loss_after, c.log_loss_before);
  // Only the first max_batches batches are read, in the source's validation order.
  EXPECT_LE(task.fit_calibration(val, 1, 5).pairs, 8 * 5);
  const ProbabilityCalibration again = task.fit_calibration(val, 0, 5);
  EXPECT_EQ(again.slope, c.slope);
  EXPECT_EQ(again.offset, c.offset);
  fs::remove_all(options.checkpoint_dir);
}

TEST(Training, CheckpointRoundTripsWeightsOptimizerAndState) {
  torch::manual_seed(8);
  const ModelConfig config = tiny_config("mamba");
  BasketTask task(config, {});
  VectorSource train(batches(prepare::SampleKind::kNextBasket, 2, 200), 2);
  VectorSource val(batches(prepare::SampleKind::kNextBasket, 1, 250), 2);
  train::TrainerOptions options;
  options.config = short_schedule(0, 1, 0, 1e-3);
  options.checkpoint_dir = scratch("roundtrip");
  options.metadata = {{"model", config.to_json()}};
  train::run_training(task, train, val, options);

  torch::manual_seed(99);  // a differently initialised model
  BasketTask loaded(config, {});
  torch::optim::AdamW optimizer(loaded.module().parameters());
  const Json state =
      train::load_checkpoint(options.checkpoint_dir / "latest.pt", loaded.module(), &optimizer);
  EXPECT_EQ(state.at("step").get<int64_t>(), 2);
  EXPECT_EQ(state.at("metadata"), options.metadata);
  const auto original = task.module().named_parameters();
  const auto restored = loaded.module().named_parameters();
  ASSERT_EQ(original.size(), restored.size());
  for (const auto& p : original) EXPECT_TRUE(torch::equal(p.value(), restored[p.key()])) << p.key();
  EXPECT_FALSE(optimizer.state().empty());
  EXPECT_TRUE(fs::exists(options.checkpoint_dir / "best.pt"));
  EXPECT_TRUE(fs::exists(options.checkpoint_dir / "epoch-1.pt"));
  fs::remove_all(options.checkpoint_dir);
}

TEST(Training, StoreVisitCheckpointsCarryTheClassWeightsAndAMismatchIsNamed) {
  torch::manual_seed(8);
  const ModelConfig config = tiny_config();
  std::vector<float> weights(static_cast<size_t>(config.n_stores + 1));
  for (size_t c = 0; c < weights.size(); ++c) weights[c] = 0.5f + 0.25f * static_cast<float>(c);
  StoreVisitTask task(config, weights, torch::kCPU);
  VectorSource train(batches(prepare::SampleKind::kStoreVisit, 2, 200), 2);
  VectorSource val(batches(prepare::SampleKind::kStoreVisit, 1, 250), 2);
  train::TrainerOptions options;
  options.config = short_schedule(0, 1, 0, 1e-3);
  options.checkpoint_dir = scratch("visit-weights");
  train::run_training(task, train, val, options);

  StoreVisitModel loaded(config);
  train::load_checkpoint(options.checkpoint_dir / "latest.pt", *loaded, nullptr);
  EXPECT_TRUE(torch::equal(loaded->outcome_weights(), torch::tensor(weights)));
  // A checkpoint of another model: the error names the file and says to retrain.
  BasketModel basket(config);
  try {
    train::load_checkpoint(options.checkpoint_dir / "latest.pt", *basket, nullptr);
    ADD_FAILURE() << "loading a store-visit checkpoint into the basket model succeeded";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("latest.pt"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("retrain"), std::string::npos) << e.what();
  }
  // The same model with another size: every name matches, a shape does not (LibTorch would load
  // it silently and fail later in a forward pass).
  ModelConfig wider = config;
  wider.store_hidden = config.store_hidden + 8;
  StoreVisitModel other(wider);
  try {
    train::load_checkpoint(options.checkpoint_dir / "latest.pt", *other, nullptr);
    ADD_FAILURE() << "loading a checkpoint of another size succeeded";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("latest.pt"), std::string::npos) << what;
    EXPECT_NE(what.find(fmt::format("[{}", config.store_hidden)), std::string::npos) << what;
    EXPECT_NE(what.find(fmt::format("[{}", wider.store_hidden)), std::string::npos) << what;
    EXPECT_NE(what.find("--resume"), std::string::npos) << what;
  }
  fs::remove_all(options.checkpoint_dir);
}

// Train straight through; then the same from scratch but killed after `kill_at` steps and resumed.
void expect_resume_equivalence(const std::function<std::unique_ptr<train::TrainTask>()>& make_task,
                               const std::vector<prepare::Batch>& data, int64_t kill_at,
                               const train::TrainConfig& config = short_schedule(1, 2, 1, 3e-3),
                               const std::vector<prepare::Batch>* val_data = nullptr) {
  const std::vector<prepare::Batch>& val = val_data ? *val_data : data;
  train::TrainerOptions options;
  options.config = config;
  options.checkpoint_dir = scratch("straight");

  torch::manual_seed(11);
  auto straight = make_task();
  VectorSource source_a(data, 5), val_a(val, 6);
  const train::TrainResult full = train::run_training(*straight, source_a, val_a, options);
  ASSERT_TRUE(full.completed);

  options.checkpoint_dir = scratch("killed");
  options.stop_after_steps = kill_at;
  torch::manual_seed(11);
  auto killed = make_task();
  VectorSource source_b(data, 5), val_b(val, 6);
  const train::TrainResult half = train::run_training(*killed, source_b, val_b, options);
  ASSERT_FALSE(half.completed);
  ASSERT_EQ(half.steps, kill_at);
  killed.reset();

  torch::manual_seed(12345);  // the resumed process starts from other weights and random state
  auto resumed = make_task();
  options.resume = true;
  options.stop_after_steps = -1;
  VectorSource source_c(data, 5), val_c(val, 6);
  const train::TrainResult rest = train::run_training(*resumed, source_c, val_c, options);
  ASSERT_TRUE(rest.completed);
  EXPECT_EQ(rest.steps, full.steps);
  EXPECT_EQ(rest.curve.size(), full.curve.size());
  const auto expected = straight->module().named_parameters();
  const auto got = resumed->module().named_parameters();
  for (const auto& p : expected) EXPECT_TRUE(torch::equal(p.value(), got[p.key()])) << p.key();
  fs::remove_all(scratch("straight"));
  fs::remove_all(options.checkpoint_dir);
}

TEST(Training, ResumedBasketRunReachesTheUninterruptedWeights) {
  std::vector<prepare::Batch> data = batches(prepare::SampleKind::kNextBasket, 3, 300);
  for (auto& b : batches(prepare::SampleKind::kMaskedBasket, 1, 400)) data.push_back(b);
  const ModelConfig config = tiny_config();
  for (int64_t kill_at : {1, 6}) {  // mid-warm-up and mid-main-phase
    SCOPED_TRACE(kill_at);
    expect_resume_equivalence([&] { return std::make_unique<BasketTask>(config, PriceFn{}); }, data,
                              kill_at);
  }
}

TEST(Training, ResumedRunThroughAnEarlyStopReachesTheUninterruptedWeights) {
  // Patience 1 on ndcg@10: the main phase stops early and the fine-tune phase starts from
  // best.pt, before and after the kill.
  // Validation on other random baskets: its ndcg@10 stops improving soon.
  const std::vector<prepare::Batch> data = batches(prepare::SampleKind::kNextBasket, 3, 900);
  const std::vector<prepare::Batch> other = batches(prepare::SampleKind::kNextBasket, 2, 950);
  train::TrainConfig config = short_schedule(1, 6, 2, 3e-2);
  config.patience = 1;
  {
    torch::manual_seed(11);
    BasketTask task(tiny_config(), PriceFn{});
    VectorSource train(data, 5), val(other, 6);
    train::TrainerOptions options;
    options.config = config;
    options.checkpoint_dir = scratch("early");
    const train::TrainResult result = train::run_training(task, train, val, options);
    fs::remove_all(options.checkpoint_dir);
    ASSERT_TRUE(result.stopped_early);  // else this test would not cover the restore
    ASSERT_LT(result.epochs, 9);
  }
  for (int64_t kill_at : {4, 6, 7}) {  // mid-main, at its last step, in the fine-tune phase
    SCOPED_TRACE(kill_at);
    expect_resume_equivalence(
        [&] { return std::make_unique<BasketTask>(tiny_config(), PriceFn{}); }, data, kill_at,
        config, &other);
  }
}

TEST(Training, ResumedStoreVisitRunReachesTheUninterruptedWeights) {
  const ModelConfig config = tiny_config();
  expect_resume_equivalence(
      [&] {
        return std::make_unique<StoreVisitTask>(config, store_class_weights({5, 1, 0, 2, 3, 9}));
      },
      batches(prepare::SampleKind::kStoreVisit, 3, 500), 7);
}

// A task whose full validations report scripted figures (quick validations off), to test what
// the trainer does with them.
class ScriptedTask : public train::TrainTask {
 public:
  ScriptedTask(std::vector<Json> figures, std::string default_monitor)
      : figures_(std::move(figures)), default_monitor_(std::move(default_monitor)) {}
  torch::nn::Module& module() override { return *linear_; }
  torch::Tensor loss(const prepare::Batch&, std::map<std::string, double>&) override {
    return linear_(torch::ones({1, 2})).pow(2).sum();
  }
  Json validate(train::BatchSource&, int64_t) override {
    return figures_.at(std::min(calls_++, figures_.size() - 1));
  }
  std::string default_monitor() const override { return default_monitor_; }

 private:
  torch::nn::Linear linear_{2, 1};
  std::vector<Json> figures_;
  std::string default_monitor_;
  size_t calls_ = 0;
};

// The loss falls at every validation while ndcg@10 peaks at the second.
std::vector<Json> loss_falls_ndcg_peaks() {
  const std::vector<double> ndcg = {0.20, 0.40, 0.30, 0.35, 0.30, 0.25, 0.20, 0.20};
  std::vector<Json> out;
  for (size_t i = 0; i < ndcg.size(); ++i)
    out.push_back({{"loss", 1.0 - 0.1 * static_cast<double>(i)}, {"ndcg@10", ndcg[i]}});
  return out;
}

train::TrainerOptions scripted_options(const std::string& name, const std::string& monitor) {
  train::TrainerOptions options;
  options.config = short_schedule(1, 6, 0, 1e-3);
  options.config.quick_val_every = 0;
  options.config.patience = 2;
  options.config.monitor = monitor;
  options.checkpoint_dir = scratch(name);
  return options;
}

TEST(Training, BestCheckpointAndEarlyStoppingFollowTheMonitoredFigure) {
  const auto data = batches(prepare::SampleKind::kNextBasket, 2, 600);  // 2 steps an epoch
  for (const std::string monitor : {"auto", "ndcg@10"}) {
    SCOPED_TRACE(monitor);
    ScriptedTask task(loss_falls_ndcg_peaks(), "ndcg@10");
    VectorSource train(data, 1), val(data, 2);
    const train::TrainerOptions options = scripted_options("monitor", monitor);
    const train::TrainResult result = train::run_training(task, train, val, options);
    // Warm-up (1 epoch), then main: best at its first epoch, two worse ones end the phase.
    EXPECT_EQ(result.monitor, "ndcg@10");
    EXPECT_DOUBLE_EQ(result.best_validation, 0.40);
    EXPECT_TRUE(result.stopped_early);
    EXPECT_EQ(result.epochs, 4);
    torch::nn::Linear loaded(2, 1);
    const Json best = train::load_checkpoint(options.checkpoint_dir / "best.pt", *loaded, nullptr);
    EXPECT_EQ(best.at("step").get<int64_t>(), 4);  // after the second epoch
    EXPECT_EQ(best.at("early_stopping").at("monitor"), "ndcg@10");
    fs::remove_all(options.checkpoint_dir);
  }
  // Following the loss instead: it never stops improving, so every epoch runs.
  ScriptedTask task(loss_falls_ndcg_peaks(), "ndcg@10");
  VectorSource train(data, 1), val(data, 2);
  const train::TrainerOptions options = scripted_options("monitor-loss", "loss");
  const train::TrainResult result = train::run_training(task, train, val, options);
  EXPECT_EQ(result.monitor, "loss");
  EXPECT_FALSE(result.stopped_early);
  EXPECT_EQ(result.epochs, 7);
  EXPECT_NEAR(result.best_validation, 0.4, 1e-12);
  torch::nn::Linear loaded(2, 1);
  const Json best = train::load_checkpoint(options.checkpoint_dir / "best.pt", *loaded, nullptr);
  EXPECT_EQ(best.at("step").get<int64_t>(), 14);
  fs::remove_all(options.checkpoint_dir);
}

TEST(Training, AnEpochCapTrainsOnThatManyBatchesAndTheResultSaysOfHowMany) {
  const auto data = batches(prepare::SampleKind::kNextBasket, 5, 640);  // 5 batches an epoch
  ScriptedTask task(loss_falls_ndcg_peaks(), "loss");
  VectorSource train(data, 1), val(data, 2);
  train::TrainerOptions options = scripted_options("cap", "loss");
  options.config.phases = {{"warm-up", 1, 1e-3, 0.15}, {"main", 2, 1e-3, 0.15}};
  options.config.max_batches_per_epoch = 2;
  const train::TrainResult capped = train::run_training(task, train, val, options);
  EXPECT_EQ(capped.steps, 3 * 2);
  EXPECT_EQ(capped.samples, 3 * 2 * 8);
  ASSERT_EQ(capped.phases.size(), 2u);
  EXPECT_EQ(capped.phases[1].at("name"), "main");
  EXPECT_EQ(capped.phases[1].at("epochs"), 2);
  EXPECT_EQ(capped.phases[1].at("batches_per_epoch"), 2);
  EXPECT_EQ(capped.phases[1].at("full_epoch_batches"), 5);
  fs::remove_all(options.checkpoint_dir);
  // 0 lifts the cap: every batch of the source once an epoch.
  options.config.max_batches_per_epoch = 0;
  options.checkpoint_dir = scratch("uncapped");
  const train::TrainResult all = train::run_training(task, train, val, options);
  EXPECT_EQ(all.steps, 3 * 5);
  EXPECT_EQ(all.phases[0].at("batches_per_epoch"), 5);
  fs::remove_all(options.checkpoint_dir);
}

TEST(Training, APhaseEndedEarlyHandsTheNextOneTheWeightsOfBestPt) {
  const auto data = batches(prepare::SampleKind::kNextBasket, 2, 650);
  for (const bool restore : {true, false}) {
    SCOPED_TRACE(restore);
    torch::manual_seed(3);
    ScriptedTask task(loss_falls_ndcg_peaks(), "ndcg@10");
    VectorSource train(data, 1), val(data, 2);
    train::TrainerOptions options = scripted_options("restore", "ndcg@10");
    options.config.restore_best = restore;  // main stops early; a fine-tune phase of 0 epochs
    const train::TrainResult result = train::run_training(task, train, val, options);
    ASSERT_TRUE(result.stopped_early);
    torch::nn::Linear best(2, 1), latest(2, 1);
    train::load_checkpoint(options.checkpoint_dir / "best.pt", *best, nullptr);
    train::load_checkpoint(options.checkpoint_dir / "latest.pt", *latest, nullptr);
    ASSERT_FALSE(torch::equal(best->weight, latest->weight));
    const auto& trained = dynamic_cast<torch::nn::LinearImpl&>(task.module());
    EXPECT_EQ(torch::equal(trained.weight, best->weight), restore);
    EXPECT_EQ(torch::equal(trained.weight, latest->weight), !restore);
    fs::remove_all(options.checkpoint_dir);
  }
}

// A source that says which phases asked it for batches.
class PhaseRecordingSource : public VectorSource {
 public:
  using VectorSource::VectorSource;
  void start_epoch(int64_t epoch, const train::Phase& phase) override {
    refit_epochs += phase.refit;
    VectorSource::start_epoch(epoch, phase);
  }
  int refit_epochs = 0;
};

TEST(Training, ARefitPhaseStartsFromBestPtTrainsWithoutValidationAndWritesBestPt) {
  const auto data = batches(prepare::SampleKind::kNextBasket, 2, 700);  // 2 steps an epoch
  torch::manual_seed(3);
  ScriptedTask task(loss_falls_ndcg_peaks(), "ndcg@10");
  PhaseRecordingSource train(data, 1);
  VectorSource val(data, 2);
  train::TrainerOptions options = scripted_options("refit", "ndcg@10");
  options.config.restore_best = false;  // only the refit phase restores best.pt here
  // A refit too slow to move the weights: its result must be the validated weights.
  options.config.phases.push_back({"refit", 2, 1e-12, 0.05, true});
  // Warm-up and main (best at its first epoch, then two worse ones), then two refit epochs.
  const train::TrainResult result = train::run_training(task, train, val, options);
  ASSERT_TRUE(result.completed);
  EXPECT_EQ(train.refit_epochs, 2);
  EXPECT_EQ(result.epochs, 6);
  EXPECT_EQ(result.steps, 12);
  EXPECT_DOUBLE_EQ(result.best_validation, 0.40);  // what the validation picked
  size_t full = 0;
  for (const Json& v : result.validations) full += v.at("kind") == "full";
  EXPECT_EQ(full, 4u);  // none in the refit phase
  // best.pt is the refit's last epoch (the trained weights) and holds the validated epoch-2.pt's
  // weights, not those of epoch-4.pt where the main phase ended.
  torch::nn::Linear best(2, 1), validated(2, 1), main_end(2, 1);
  const Json state = train::load_checkpoint(options.checkpoint_dir / "best.pt", *best, nullptr);
  EXPECT_EQ(state.at("step").get<int64_t>(), 12);
  const auto& trained = dynamic_cast<torch::nn::LinearImpl&>(task.module());
  EXPECT_TRUE(torch::equal(trained.weight, best->weight));
  train::load_checkpoint(options.checkpoint_dir / "epoch-2.pt", *validated, nullptr);
  train::load_checkpoint(options.checkpoint_dir / "epoch-4.pt", *main_end, nullptr);
  EXPECT_FALSE(torch::allclose(validated->weight, main_end->weight, 0, 1e-6));
  EXPECT_TRUE(torch::allclose(best->weight, validated->weight, 0, 1e-6));
  fs::remove_all(options.checkpoint_dir);
}

TEST(Training, ResumedRunThroughARefitPhaseReachesTheUninterruptedWeights) {
  const std::vector<prepare::Batch> data = batches(prepare::SampleKind::kNextBasket, 3, 910);
  const std::vector<prepare::Batch> other = batches(prepare::SampleKind::kNextBasket, 2, 960);
  train::TrainConfig config = short_schedule(1, 3, 1, 3e-2);
  config.phases.push_back({"refit", 2, 1e-2, 0.05, true});
  // Steps: warm-up 1-3, main 4-12, fine-tune 13-15, refit 16-21.
  for (int64_t kill_at : {15, 18, 20}) {  // before the refit, at its first epoch's end, mid
    SCOPED_TRACE(kill_at);
    expect_resume_equivalence(
        [&] { return std::make_unique<BasketTask>(tiny_config(), PriceFn{}); }, data, kill_at,
        config, &other);
  }
}

TEST(Training, AMissingMonitoredFigureIsNamedUnlessAutoFallsBackToTheLoss) {
  const auto data = batches(prepare::SampleKind::kNextBasket, 2, 700);
  const std::vector<Json> loss_only = {{{"loss", 1.0}, {"batches", 2}}};
  {
    ScriptedTask task(loss_only, "ndcg@10");
    VectorSource train(data, 1), val(data, 2);
    const train::TrainerOptions options = scripted_options("fallback", "auto");
    const train::TrainResult result = train::run_training(task, train, val, options);
    EXPECT_EQ(result.monitor, "loss");
    EXPECT_TRUE(result.completed);
    fs::remove_all(options.checkpoint_dir);
  }
  ScriptedTask task(loss_falls_ndcg_peaks(), "ndcg@10");
  VectorSource train(data, 1), val(data, 2);
  const train::TrainerOptions options = scripted_options("missing", "mrr");
  try {
    train::run_training(task, train, val, options);
    ADD_FAILURE() << "training followed a figure the validation does not have";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("monitor \"mrr\""), std::string::npos) << message;
    EXPECT_NE(message.find("loss, ndcg@10"), std::string::npos) << message;
  }
  fs::remove_all(options.checkpoint_dir);
}

TEST(Training, AResumedRunKeepsItsMonitorAndRefusesAnotherNamedOne) {
  const auto data = batches(prepare::SampleKind::kNextBasket, 2, 800);
  train::TrainerOptions options = scripted_options("resume-monitor", "auto");
  options.stop_after_steps = 5;  // after two validations, mid-epoch
  {
    ScriptedTask task(loss_falls_ndcg_peaks(), "ndcg@10");
    VectorSource train(data, 1), val(data, 2);
    ASSERT_FALSE(train::run_training(task, train, val, options).completed);
  }
  options.stop_after_steps = -1;
  options.resume = true;
  options.config.monitor = "loss";
  {
    ScriptedTask task(loss_falls_ndcg_peaks(), "ndcg@10");
    VectorSource train(data, 1), val(data, 2);
    try {
      train::run_training(task, train, val, options);
      ADD_FAILURE() << "resumed an ndcg@10 run following the loss";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("follows the validation ndcg@10"), std::string::npos)
          << e.what();
    }
  }
  options.config.monitor = "auto";
  ScriptedTask task(loss_falls_ndcg_peaks(), "ndcg@10");
  VectorSource train(data, 1), val(data, 2);
  const train::TrainResult result = train::run_training(task, train, val, options);
  EXPECT_EQ(result.monitor, "ndcg@10");
  EXPECT_TRUE(result.completed);
  fs::remove_all(options.checkpoint_dir);
}

}  // namespace
}  // namespace retailsim::model
