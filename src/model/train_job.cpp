// The "model.train" torch job: trains the world (basket) model or the store-visit model on the
// prepare stage's samples, with checkpoints under <data>/models/<model>/ and the learning curves
// in <data>/reports/training-<model>.json.
#include <spdlog/spdlog.h>

#include <chrono>
#include <map>
#include <mutex>

#include "core/error.h"
#include "derive/derive.h"
#include "model/model.h"
#include "model/prepare_source.h"
#include "model/tasks.h"

namespace retailsim::model {
namespace {

// Candidate price features by (store, data week), computed once per cell of the grid visited.
class PriceCache {
 public:
  PriceCache(PriceFeatures features, int32_t first_week_index)
      : features_(std::move(features)), first_week_index_(first_week_index) {}
  std::span<const float> at(int32_t store, int32_t calendar_week) {
    const int32_t week = calendar_week - first_week_index_;
    const int64_t key = static_cast<int64_t>(store) * 100000 + week;
    std::lock_guard lock(mutex_);
    auto it = cache_.find(key);
    if (it == cache_.end()) {
      if (cache_.size() >= kMaxCells) cache_.clear();  // bounded memory on large grids
      it = cache_.emplace(key, features_.at(store, week)).first;
    }
    return it->second;
  }

 private:
  static constexpr size_t kMaxCells = 2048;
  PriceFeatures features_;
  int32_t first_week_index_;
  std::mutex mutex_;
  std::map<int64_t, std::vector<float>> cache_;
};

Config load_config(const Json& args) {
  const std::string path = args.value("config_path", "");
  return path.empty() ? Config() : Config::load(path);
}

}  // namespace

// Shared by the jobs: the vocabulary sizes of the model from the prepared data.
void fill_vocabulary(ModelConfig& config, const prepare::TensorSources& sources) {
  const Store& store = sources.store();
  config.n_products = sources.n_products();
  config.n_stores = sources.n_stores();
  config.n_basket_sizes = static_cast<int32_t>(store.basket_size_codes.size());
  config.n_price_sensitivities = static_cast<int32_t>(store.basket_price_sensitivity_codes.size());
  config.n_mission_types = static_cast<int32_t>(store.basket_type_codes.size());
  config.n_mission_focuses = static_cast<int32_t>(store.basket_mission_codes.size());
  config.n_product_groups = static_cast<int32_t>(store.product_parent_codes[0].size());
}

PriceFeatures price_features(const fs::path& data_dir, const prepare::TensorSources& sources) {
  const Store& store = sources.store();
  auto table = std::make_shared<const derive::PriceTable>(
      derive::read_price_table(data_dir / "derived" / "prices"));
  if (table->dims.n_products != static_cast<int32_t>(store.n_products()) ||
      table->dims.n_stores != static_cast<int32_t>(store.n_stores()))
    fail("{}: the price table has {} products and {} stores, the store {} and {} (derive again)",
         (data_dir / "derived" / "prices").string(), table->dims.n_products, table->dims.n_stores,
         store.n_products(), store.n_stores());
  std::vector<int32_t> sub_commodity(store.product_parent[0].begin(),
                                     store.product_parent[0].end());
  // Promotions as `derive` flagged them: its threshold, from the table's manifest.
  derive::PriceConfig config;
  const fs::path manifest = data_dir / "derived" / "prices" / "manifest.json";
  if (fs::exists(manifest)) {
    const Json derived = read_json(manifest);
    if (derived.contains("config"))
      config.promo_threshold = derived["config"].value("promo_threshold", config.promo_threshold);
  }
  // Each product weighs in its sub-commodity's price level by its units over the training weeks
  // (plus one): a promotion on a best-selling substitute moves the others' relative price more
  // than one on a product nobody buys, as shares in a choice among substitutes do.
  std::vector<float> weight(store.n_products(), 1.0f);
  const int32_t end = sources.split().first_week_index + sources.split().val_begin;
  for (size_t r = 0; r < store.product_id.size(); ++r)
    if (store.week_index[r] < end)
      weight[static_cast<size_t>(store.product_id[r])] += store.quantity[r];
  return PriceFeatures(std::move(table), std::move(sub_commodity), config,
                       sources.split().val_begin, std::move(weight));
}

PriceFn price_function(const fs::path& data_dir, const prepare::TensorSources& sources) {
  auto cache = std::make_shared<PriceCache>(price_features(data_dir, sources),
                                            sources.split().first_week_index);
  return [cache](int32_t store, int32_t week) { return cache->at(store, week); };
}

namespace {

// Fits the probability calibration of best.pt's weights on the validation split and writes it
// beside the checkpoint (docs/model.md, "Calibration"). After a refit those weights have trained
// on most validation samples; fitted on the weights the refit started from instead, the long
// preset's probabilities came out too low (docs/decisions.md). Leaves best.pt's weights in `task`.
ProbabilityCalibration calibrate(BasketTask& task, PrepareSource& val_source,
                                 const fs::path& checkpoint_dir, int64_t max_batches,
                                 const std::string& label) {
  train::load_checkpoint(checkpoint_dir / "best.pt", task.module(), nullptr);
  const ProbabilityCalibration c = task.fit_calibration(val_source, max_batches);
  write_calibration(checkpoint_dir, c);
  if (c.positives == 0 || c.positives == c.pairs) {
    spdlog::warn(
        "{}: nothing to calibrate the probabilities on ({} validation pairs, {} bought); "
        "they stay the plain sigmoid",
        label, c.pairs, c.positives);
  } else {
    spdlog::info(
        "{}: probabilities calibrated on {} validation pairs ({} bought): sigmoid({:.3f} x logit "
        "{:+.3f}), log loss {:.4f} -> {:.4f}",
        label, c.pairs, c.positives, c.slope, c.offset, c.log_loss_before, c.log_loss_after);
  }
  return c;
}

// Trains one model: the store-visit model, or member `member` of the world model's ensemble of
// `n_members` (seed + member; member 0 in models/world/ with reports/training-world.json, member
// k in models/world/member-k/ with reports/training-world-member-k.json).
Json train_one(const Json& args, const Config& config, const std::string& which, int member,
               int n_members) {
  const fs::path data_dir = args.at("data_dir").get<std::string>();
  const uint64_t seed = args.value("seed", uint64_t{42}) + static_cast<uint64_t>(member);
  const int threads = args.value("threads", 1);
  ModelConfig model_config = ModelConfig::from_section(config.section("model"));
  const bool world = which == "world";
  // The refit phase is the world model's: the store-visit model keeps its validated weights.
  train::TrainConfig train_config = train::TrainConfig::from_section(config.section("train"));
  if (!world) train_config = train_config.without_refit();
  prepare::PrepareConfig prepare_config =
      prepare::PrepareConfig::from_section(config.section("prepare"), seed);
  prepare_config.batch_size = static_cast<int>(train_config.batch_size);
  const torch::Device device = choose_device(args.value("device", "auto"));
  torch::manual_seed(seed);

  const prepare::SampleKind kind =
      world ? prepare::SampleKind::kNextBasket : prepare::SampleKind::kStoreVisit;
  PrepareSource train_source(data_dir, prepare_config, kind, 0, world, threads);
  PrepareSource val_source(data_dir, prepare_config, kind, 1, false, threads);
  fill_vocabulary(model_config, train_source.sources());
  if (!world && model_config.visit_calendar == "auto") {
    const int32_t training_weeks = train_source.sources().split().val_begin;
    model_config.visit_calendar = training_weeks >= 52 ? "on" : "off";
    spdlog::info("store-visit model: {} training weeks, so T3's calendar blocks are {}",
                 training_weeks, model_config.visit_calendar == "on" ? "read" : "left out");
  }

  std::unique_ptr<train::TrainTask> task;
  if (world) {
    auto basket = std::make_unique<BasketTask>(
        model_config, price_function(data_dir, train_source.sources()), device);
    if (model_config.product_price_scale.starts_with("group")) {
      const Store& store = train_source.sources().store();
      basket->model()->set_product_groups(
          std::vector<int64_t>(store.product_parent[0].begin(), store.product_parent[0].end()));
    }
    if (model_config.label_reweight) {
      basket->set_label_weights(label_shift_weights(
          train_source.sources().store(), train_source.samples(kind), train_source.rows(kind),
          train_source.samples(prepare::SampleKind::kMaskedBasket),
          train_source.rows(prepare::SampleKind::kMaskedBasket)));
    }
    if (model_config.customer_weight > 0) {
      basket->set_customer_weights(customer_sample_weights(
          train_source.samples(kind), train_source.rows(kind), model_config.customer_weight));
    }
    task = std::move(basket);
  } else {
    std::vector<int64_t> counts(model_config.n_stores + 1, 0);
    const prepare::Samples& samples = train_source.samples(kind);
    for (int64_t row : train_source.rows(kind)) {
      const int32_t outcome = samples.next_store[row];
      if (outcome >= 0 && outcome <= model_config.n_stores) ++counts[outcome];
    }
    auto visit =
        std::make_unique<StoreVisitTask>(model_config, store_class_weights(counts), device);
    visit->model()->set_outcome_shares(counts);
    task = std::move(visit);
  }

  const std::string name =
      member == 0 ? which : fmt::format("{}-member-{}", which, member);  // reports, logs
  train::TrainerOptions options;
  options.config = train_config;
  options.checkpoint_dir = member_dir(data_dir, which, member);
  options.resume = args.value("resume", false);
  options.stop_after_steps = args.value("stop_after_steps", int64_t{-1});
  options.label = n_members > 1
                      ? fmt::format("train {} (member {} of {})", which, member + 1, n_members)
                      : "train " + which;
  const fs::path samples_manifest =
      data_dir / "samples" / prepare::kind_name(kind) / "manifest.json";
  options.metadata = {
      {"model", which},
      {"model_config", model_config.to_json()},
      {"prepare_config", prepare_config.to_json()},
      {"seed", seed},
      {"data_manifest", fs::exists(samples_manifest) ? read_json(samples_manifest) : Json()},
      {"train_config", train_config.to_json()}};
  // Member 0's metadata is a single model's: changing the ensemble's size does not retrain it.
  if (member > 0) options.metadata["member"] = member;
  if (which == "store-visit") options.metadata["store_visit_inputs"] = kStoreVisitInputs;
  const fs::path report_path = data_dir / "reports" / ("training-" + name + ".json");
  const bool same_run = fs::exists(options.checkpoint_dir / "best.pt") && fs::exists(report_path) &&
                        fs::exists(options.checkpoint_dir / "model.json") &&
                        read_json(options.checkpoint_dir / "model.json") == options.metadata;
  // Up to date: trained before on the same samples with the same configuration and seed (or,
  // resuming, finished before the interruption: an ensemble's earlier members).
  if (same_run && (args.value("skip_if_trained", false) || options.resume)) {
    Json previous = read_json(report_path);
    if (previous.value("completed", false)) {
      spdlog::info("{}: {} is up to date", options.label, options.checkpoint_dir.string());
      // Trained before the probabilities were calibrated: fit the calibration of its weights.
      if (world && !fs::exists(options.checkpoint_dir / kCalibrationFile)) {
        previous["calibration"] =
            calibrate(static_cast<BasketTask&>(*task), val_source, options.checkpoint_dir,
                      train_config.full_val_batches, options.label)
                .to_json();
        write_json(report_path, previous);
      }
      previous["skipped"] = true;
      previous["report"] = report_path.string();
      return previous;
    }
  }
  // A member not started before the interruption starts from scratch.
  if (options.resume && member > 0 && !fs::exists(options.checkpoint_dir / "latest.pt"))
    options.resume = false;
  fs::create_directories(options.checkpoint_dir);
  write_json(options.checkpoint_dir / "model.json", options.metadata);
  // Fitted again when this training completes: until then no calibration of other weights.
  fs::remove(options.checkpoint_dir / kCalibrationFile);
  spdlog::info("training the {} model{} on {} ({} threads, {})", which,
               n_members > 1 ? fmt::format(" (member {} of {})", member + 1, n_members) : "",
               data_dir.string(), threads, device.is_cuda() ? "cuda" : "cpu");
  const auto start = std::chrono::steady_clock::now();
  const train::TrainResult result = train::run_training(*task, train_source, val_source, options);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  // The best weights on the test split.
  const fs::path best = options.checkpoint_dir / "best.pt";
  Json test = Json::object();
  if (result.completed && fs::exists(best)) {
    train::load_checkpoint(best, task->module(), nullptr);
    PrepareSource test_source(data_dir, prepare_config, kind, 2, false, threads);
    test = evaluate_on_test(*task, test_source, world, train_config.full_val_batches);
    spdlog::info("{} model on the test split: {}", name, test.dump());
  }
  Json calibration;
  if (world && result.completed && fs::exists(best)) {
    calibration = calibrate(static_cast<BasketTask&>(*task), val_source, options.checkpoint_dir,
                            train_config.full_val_batches, options.label)
                      .to_json();
  }
  Json last_full = Json::object();
  for (const Json& v : result.validations) {
    if (v.at("kind") == "full") last_full = v;
  }
  // The full validation best.pt holds: the first best by the monitored figure, compared as the
  // trainer's early stopping compares it.
  Json best_full = Json::object();
  train::EarlyStopping best_of(1, result.monitor);
  for (const Json& v : result.validations) {
    if (v.at("kind") == "full" && v.contains(result.monitor) &&
        best_of.update(v.at(result.monitor).get<double>()))
      best_full = v;
  }
  Json summary = {{"model", which},
                  {"steps", result.steps},
                  {"epochs", result.epochs},
                  {"completed", result.completed},
                  {"stopped_early", result.stopped_early},
                  {"monitor", result.monitor},
                  {"best_validation", best_full},
                  {"last_validation", last_full},
                  {"test", test},
                  {"samples_per_second", seconds > 0 ? result.samples / seconds : 0.0},
                  {"seconds", seconds},
                  {"device", device.is_cuda() ? "cuda" : "cpu"},
                  {"checkpoints", options.checkpoint_dir.string()}};
  if (!calibration.is_null()) summary["calibration"] = calibration;
  if (n_members > 1) summary["member"] = member;
  const fs::path reports = data_dir / "reports";
  fs::create_directories(reports);
  Json report = summary;
  report["curve"] = result.curve;
  report["validations"] = result.validations;
  report["phases"] = result.phases;
  report["model_config"] = model_config.to_json();
  report["train_config"] = train_config.to_json();
  write_json(report_path, report);
  summary["report"] = report_path.string();
  summary["curve"] = result.curve;  // for runs.sqlite
  summary["validations"] = result.validations;
  return summary;
}

}  // namespace

Json train_job(const Json& args) {
  const fs::path data_dir = args.at("data_dir").get<std::string>();
  const std::string which = args.value("model", "world");
  if (which != "world" && which != "store-visit") {
    fail("--model: expected world or store-visit, got '{}'", which);
  }
  const Config config = load_config(args);
  const int n_members =
      which == "world"
          ? static_cast<int>(ModelConfig::from_section(config.section("model")).ensemble)
          : 1;
  // Members of an earlier, larger ensemble would be averaged in with this one's: remove them.
  for (int k = n_members; fs::exists(member_dir(data_dir, which, k)); ++k)
    fs::remove_all(member_dir(data_dir, which, k));
  Json first;
  Json members = Json::array();
  for (int k = 0; k < n_members; ++k) {
    Json summary = train_one(args, config, which, k, n_members);
    const bool completed = summary.value("completed", false);
    if (k == 0) {
      first = std::move(summary);
    } else {
      // Only member 0's curve goes to runs.sqlite; each member's is in its own report.
      summary.erase("curve");
      summary.erase("validations");
      members.push_back(std::move(summary));
    }
    if (!completed) break;  // stopped early (stop_after_steps): --resume continues here
  }
  if (n_members > 1) {
    first["ensemble"] = n_members;
    first["members"] = members;
  }
  return first;
}

}  // namespace retailsim::model
