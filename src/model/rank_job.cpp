// The "model.rank" torch job: the trained world model ranks the evaluation cases that `evaluate`
// wrote (reports/eval_cases/<fold>.npy) into reports/rankings/world-model/<fold>.npy (+
// .probabilities.npy, and .attributes.npy: the auxiliary heads' predicted basket attributes), the
// ranking-file interface evaluate reads for methods scored outside it.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "core/error.h"
#include "core/npy.h"
#include "model/model.h"
#include "model/modules.h"
#include "model/tasks.h"
#include "train/trainer.h"

namespace retailsim::model {

namespace {

constexpr int kCaseColumns = 9;  // eval::kCaseColumns (eval/eval.h)
constexpr int64_t kRankBatch = 512;

// How many of the customer's store baskets form the history of a case. Temporal cases carry it
// (column 2); a reality-check case's history is every basket on an earlier date than the target's
// (its column 2 counts date-baskets).
int32_t history_of_case(const Store& store, const int32_t* row, bool by_date) {
  if (!by_date) return row[2];
  const int32_t date = row[5];
  const auto baskets = store.baskets_of_customer(row[0]);
  int32_t n = 0;
  while (n < static_cast<int32_t>(baskets.size()) &&
         store.basket_date[static_cast<size_t>(baskets[static_cast<size_t>(n)])] < date) {
    ++n;
  }
  return n;
}

// The auxiliary heads in the order of the attributes file's columns (eval's
// basket_attribute_names): BASKET_SIZE, BASKET_PRICE_SENSITIVITY, BASKET_TYPE,
// BASKET_DOMINANT_MISSION.
constexpr int kAttributes = 4;

// The members' mean probabilities of one batch: each product's (WorldMembers::probabilities) and
// each auxiliary head's classes (softmax; undefined for a head without classes).
struct MeanOutputs {
  torch::Tensor products;
  std::array<torch::Tensor, kAttributes> heads;
};

MeanOutputs mean_outputs(WorldMembers& members, const prepare::Batch& batch,
                         const PriceFn& prices) {
  MeanOutputs mean;
  std::vector<torch::Tensor> logits;
  for (size_t m = 0; m < members.size(); ++m) {
    const BasketOutputs out =
        members.models[m]->forward(to_tensors(batch, members.configs[m], prices));
    logits.push_back(out.product_logits);
    const torch::Tensor* heads[kAttributes] = {&out.basket_size, &out.price_sensitivity,
                                               &out.mission_type, &out.mission_focus};
    for (int a = 0; a < kAttributes; ++a) {
      const torch::Tensor& h = *heads[a];
      if (!h.defined() || h.dim() != 2 || h.size(1) == 0) continue;
      const torch::Tensor q = torch::softmax(h, 1);
      mean.heads[a] = m == 0 ? q : mean.heads[a] + q;
    }
  }
  const double n = static_cast<double>(members.size());
  mean.products = members.probabilities(logits);
  for (torch::Tensor& h : mean.heads)
    if (h.defined()) h = h / n;
  return mean;
}

// Each head's most likely class (a store dictionary id) per row of the batch, -1 for a head
// without classes.
void predicted_attributes(const MeanOutputs& mean, int64_t rows, int32_t* dest) {
  for (int a = 0; a < kAttributes; ++a) {
    const torch::Tensor& h = mean.heads[a];
    if (!h.defined()) {
      for (int64_t i = 0; i < rows; ++i) dest[i * kAttributes + a] = -1;
      continue;
    }
    const torch::Tensor best = h.argmax(1).to(torch::kInt32).contiguous();
    for (int64_t i = 0; i < rows; ++i) dest[i * kAttributes + a] = best.data_ptr<int32_t>()[i];
  }
}

struct FoldRanking {
  std::vector<int32_t> products;  // [n_cases, top_k]
  std::vector<float> probabilities;
  std::vector<int32_t> attributes;  // [n_cases, kAttributes], -1 for cases without history
  int64_t cases = 0, without_history = 0, in_training_weeks = 0;
};

}  // namespace

Json rank_job(const Json& args) {
  const auto start = std::chrono::steady_clock::now();
  const fs::path data_dir = args.at("data_dir").get<std::string>();
  const int64_t top_k = args.value("top_k", int64_t{50});
  const uint64_t seed = args.value("seed", uint64_t{42});
  const std::string config_path = args.value("config_path", "");
  const Config config = config_path.empty() ? Config() : Config::load(config_path);
  std::vector<std::string> folds;
  if (args.contains("folds")) {
    folds = args.at("folds").get<std::vector<std::string>>();
  } else {
    const fs::path dir = data_dir / "reports" / "eval_cases";
    if (fs::exists(dir)) {
      for (const auto& entry : fs::directory_iterator(dir)) {
        if (entry.path().extension() == ".npy") folds.push_back(entry.path().stem().string());
      }
    }
    std::sort(folds.begin(), folds.end());
  }
  if (folds.empty()) {
    fail("{}: no evaluation cases to rank (run retailsim evaluate first)",
         (data_dir / "reports" / "eval_cases").string());
  }

  prepare::PrepareConfig prepare_config =
      prepare::PrepareConfig::from_section(config.section("prepare"), seed);
  auto sources = prepare::TensorSources::open(data_dir, prepare_config);
  const Store& store = sources->store();
  torch::NoGradGuard no_grad;
  WorldMembers members = load_world_members(data_dir, static_cast<int32_t>(store.n_products()));
  const ModelConfig& model_config = members.configs.front();
  // Whether every member trained on samples without the customers' last dates ([prepare]
  // hold_out_last_date in the samples' manifest; samples from before the key hold them).
  bool last_date_held_out = true;
  for (const fs::path& checkpoint : members.checkpoints) {
    const Json meta = read_json(checkpoint.parent_path() / "model.json");
    const Json samples = meta.value("data_manifest", Json::object());
    last_date_held_out = last_date_held_out && samples.is_object() &&
                         samples.value("config", Json::object()).value("hold_out_last_date", false);
  }
  // "without_prices": rank as if every product were at its regular price (an ablation of the
  // price term; the rankings then go to reports/rankings/world-model-no-prices/).
  const bool without_prices = args.value("without_prices", false);
  const PriceFn prices = without_prices ? PriceFn() : price_function(data_dir, *sources);
  const int64_t k = std::min<int64_t>(top_k, model_config.n_products);
  // Customers without a history basket have no sequence to encode: the model's product prior.
  std::vector<torch::Tensor> biases;
  for (BasketModel& member : members.models) biases.push_back(member->product_bias());
  const auto [prior_p, prior_id] = members.probabilities(biases).topk(k);

  const fs::path out_dir = data_dir / "reports" / "rankings" /
                           (without_prices ? "world-model-no-prices" : "world-model");
  Json fold_info = Json::array();
  for (const std::string& fold : folds) {
    const fs::path case_path = data_dir / "reports" / "eval_cases" / (fold + ".npy");
    if (!fs::exists(case_path)) fail("{}: no such case file", case_path.string());
    const std::vector<int32_t> cases = read_npy<int32_t>(case_path);
    if (cases.size() % kCaseColumns != 0) {
      fail("{}: expected {} columns per case, got {} values", case_path.string(), kCaseColumns,
           cases.size());
    }
    const bool by_date = fold.rfind("reality-check", 0) == 0;
    FoldRanking r;
    r.cases = static_cast<int64_t>(cases.size() / kCaseColumns);
    r.products.assign(static_cast<size_t>(r.cases * k), -1);
    r.probabilities.assign(static_cast<size_t>(r.cases * k), 0.0f);
    r.attributes.assign(static_cast<size_t>(r.cases * kAttributes), -1);
    std::vector<prepare::Samples::Target> targets;
    std::vector<int64_t> target_case;
    for (int64_t c = 0; c < r.cases; ++c) {
      const int32_t* row = cases.data() + c * kCaseColumns;
      if (sources->split().split_of(row[3]) == 0) ++r.in_training_weeks;
      const int32_t history = history_of_case(store, row, by_date);
      if (history == 0) {
        ++r.without_history;
        std::copy_n(prior_id.data_ptr<int64_t>(), k, r.products.begin() + c * k);
        std::copy_n(prior_p.data_ptr<float>(), k, r.probabilities.begin() + c * k);
        continue;
      }
      targets.push_back({row[0], row[1], history, -1});
      target_case.push_back(c);
    }
    const prepare::Samples samples = prepare::Samples::for_targets(store, targets, prepare_config);
    for (int64_t begin = 0; begin < static_cast<int64_t>(targets.size()); begin += kRankBatch) {
      const int64_t end = std::min<int64_t>(begin + kRankBatch, targets.size());
      std::vector<int64_t> rows(static_cast<size_t>(end - begin));
      for (int64_t i = begin; i < end; ++i) rows[static_cast<size_t>(i - begin)] = i;
      const prepare::Batch batch = sources->assemble(samples, rows, 0, 0);
      const MeanOutputs mean = mean_outputs(members, batch, prices);
      const auto [top_p, top_id] = mean.products.topk(k, 1);
      const torch::Tensor ids = top_id.to(torch::kInt32).contiguous();
      const torch::Tensor ps = top_p.contiguous();
      std::vector<int32_t> attributes(static_cast<size_t>((end - begin) * kAttributes));
      predicted_attributes(mean, end - begin, attributes.data());
      for (int64_t i = begin; i < end; ++i) {
        const int64_t c = target_case[static_cast<size_t>(i)];
        std::copy_n(ids[i - begin].data_ptr<int32_t>(), k, r.products.begin() + c * k);
        std::copy_n(ps[i - begin].data_ptr<float>(), k, r.probabilities.begin() + c * k);
        std::copy_n(attributes.begin() + (i - begin) * kAttributes, kAttributes,
                    r.attributes.begin() + c * kAttributes);
      }
    }
    fs::create_directories(out_dir);
    const std::vector<uint64_t> shape = {static_cast<uint64_t>(r.cases), static_cast<uint64_t>(k)};
    write_npy(out_dir / (fold + ".npy"), r.products, shape);
    write_npy(out_dir / (fold + ".probabilities.npy"), r.probabilities, shape);
    write_npy(out_dir / (fold + ".attributes.npy"), r.attributes,
              {static_cast<uint64_t>(r.cases), static_cast<uint64_t>(kAttributes)});
    spdlog::info("world model ranked {} cases of {} ({} without history: the model's prior)",
                 r.cases, fold, r.without_history);
    Json info = {{"fold", fold},
                 {"cases", r.cases},
                 {"without_history", r.without_history},
                 {"target_in_training_weeks", r.in_training_weeks},
                 {"last_date_held_out", last_date_held_out}};
    // Reality-check targets are each customer's last date. One in the weeks the model trained on
    // was a training sample unless the model held the last dates out.
    if (by_date && r.in_training_weeks > 0 && last_date_held_out) {
      spdlog::info(
          "{}: {} of {} targets fall in the world model's training weeks; it trained without "
          "them ([prepare] hold_out_last_date)",
          fold, r.in_training_weeks, r.cases);
    } else if (by_date && r.in_training_weeks > 0) {
      spdlog::warn(
          "{}: {} of {} targets fall in the world model's training weeks (the model saw them in "
          "training: it was trained with [prepare] hold_out_last_date = false or before the key; "
          "retrain it to hold them out)",
          fold, r.in_training_weeks, r.cases);
    }
    fold_info.push_back(info);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return {{"folds", fold_info},
          {"top_k", k},
          {"checkpoint", members.checkpoints.front().string()},
          {"members", members.size()},
          {"rankings", out_dir.string()},
          {"seconds", seconds}};
}

}  // namespace retailsim::model
