// The "model.rank_visits" torch job: the trained store-visit model scores the store-visit cases
// that `evaluate` wrote (reports/visit_cases/<fold>.npy: customer-weeks) into
// reports/visit_rankings/store-visit/<fold>.npy (its top outcomes, n_stores = no trip),
// .probabilities.npy and .no_trip.npy, which evaluate reads beside the store-visit baselines.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "core/error.h"
#include "core/npy.h"
#include "model/model.h"
#include "model/modules.h"
#include "train/trainer.h"

namespace retailsim::model {

namespace {

constexpr int kVisitCaseColumns = 7;  // eval::kVisitCaseColumns (eval/eval.h)
constexpr int64_t kRankBatch = 512;

}  // namespace

Json rank_visits_job(const Json& args) {
  const auto start = std::chrono::steady_clock::now();
  const fs::path data_dir = args.at("data_dir").get<std::string>();
  const auto folds = args.at("folds").get<std::vector<std::string>>();
  const uint64_t seed = args.value("seed", uint64_t{42});
  const std::string config_path = args.value("config_path", "");
  const Config config = config_path.empty() ? Config() : Config::load(config_path);
  const prepare::PrepareConfig prepare_config =
      prepare::PrepareConfig::from_section(config.section("prepare"), seed);
  auto sources = prepare::TensorSources::open(data_dir, prepare_config);
  const Store& store = sources->store();

  const fs::path checkpoint = require_checkpoint(data_dir, "store-visit");
  store_visit_inputs_current(checkpoint);
  const ModelConfig model_config = config_of(checkpoint);
  if (model_config.n_stores != static_cast<int32_t>(store.n_stores()))
    fail("{}: the model was trained on {} stores, the store has {} (retrain the store-visit model)",
         checkpoint.string(), model_config.n_stores, store.n_stores());
  torch::NoGradGuard no_grad;
  StoreVisitModel model(model_config);
  train::load_checkpoint(checkpoint, *model, nullptr);
  model->eval();
  const int64_t k = std::min<int64_t>(args.value("top_k", int64_t{20}), model_config.n_stores + 1);

  const fs::path out_dir = data_dir / "reports" / "visit_rankings" / "store-visit";
  Json fold_info = Json::array();
  for (const std::string& fold : folds) {
    const fs::path case_path = data_dir / "reports" / "visit_cases" / (fold + ".npy");
    if (!fs::exists(case_path)) fail("{}: no such case file", case_path.string());
    const std::vector<int32_t> cases = read_npy<int32_t>(case_path);
    if (cases.size() % kVisitCaseColumns != 0)
      fail("{}: expected {} columns per case, got {} values", case_path.string(), kVisitCaseColumns,
           cases.size());
    const auto n = static_cast<int64_t>(cases.size() / kVisitCaseColumns);
    // Each case asks about a week: no target basket, so nothing of the trip reaches the inputs.
    std::vector<prepare::Samples::Target> targets(static_cast<size_t>(n));
    for (int64_t c = 0; c < n; ++c) {
      const int32_t* row = cases.data() + c * kVisitCaseColumns;
      targets[static_cast<size_t>(c)] = {row[0], -1, row[2], row[3]};
    }
    const prepare::Samples samples = prepare::Samples::for_targets(
        store, targets, prepare_config, prepare::SampleKind::kStoreVisit);
    std::vector<int32_t> outcomes(static_cast<size_t>(n * k), -1);
    std::vector<float> probabilities(static_cast<size_t>(n * k), 0.0f);
    std::vector<float> no_trip(static_cast<size_t>(n), 0.0f);
    for (int64_t begin = 0; begin < n; begin += kRankBatch) {
      const int64_t end = std::min<int64_t>(begin + kRankBatch, n);
      std::vector<int64_t> rows(static_cast<size_t>(end - begin));
      for (int64_t i = begin; i < end; ++i) rows[static_cast<size_t>(i - begin)] = i;
      const torch::Tensor p =
          model->probabilities(to_tensors(sources->assemble(samples, rows, 0, 0), model_config));
      const auto [top_p, top_id] = p.topk(k, 1);
      const torch::Tensor ids = top_id.to(torch::kInt32).contiguous();
      const torch::Tensor ps = top_p.contiguous();
      const torch::Tensor none = p.select(1, model_config.n_stores).contiguous();
      std::copy_n(ids.data_ptr<int32_t>(), (end - begin) * k, outcomes.begin() + begin * k);
      std::copy_n(ps.data_ptr<float>(), (end - begin) * k, probabilities.begin() + begin * k);
      std::copy_n(none.data_ptr<float>(), end - begin, no_trip.begin() + begin);
    }
    fs::create_directories(out_dir);
    const std::vector<uint64_t> shape = {static_cast<uint64_t>(n), static_cast<uint64_t>(k)};
    write_npy(out_dir / (fold + ".npy"), outcomes, shape);
    write_npy(out_dir / (fold + ".probabilities.npy"), probabilities, shape);
    write_npy(out_dir / (fold + ".no_trip.npy"), no_trip, {static_cast<uint64_t>(n)});
    spdlog::info("store-visit model scored {} customer-weeks of {}", n, fold);
    fold_info.push_back({{"fold", fold}, {"cases", n}});
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return {{"folds", fold_info},
          {"top_k", k},
          {"checkpoint", checkpoint.string()},
          {"rankings", out_dir.string()},
          {"seconds", seconds}};
}

}  // namespace retailsim::model
