// The "model.predict" torch job: one customer's next basket (top-k products with probabilities
// and expected quantities, basket size) and, when the store-visit model is trained, next store.
#include <algorithm>

#include "core/error.h"
#include "model/model.h"
#include "model/modules.h"
#include "model/tasks.h"
#include "train/trainer.h"

namespace retailsim::model {

namespace {

// The customer's sample of `kind` to predict from: the one whose target is week `week` (-1: the
// latest).
int64_t customer_row(const prepare::Samples& samples, int32_t customer, int32_t week) {
  int64_t best = -1;
  for (int64_t row = 0; row < static_cast<int64_t>(samples.size()); ++row) {
    if (samples.customer[row] != customer) continue;
    if (week >= 0 ? samples.week[row] == week
                  : (best < 0 || samples.week[row] >= samples.week[best])) {
      best = row;
    }
  }
  return best;
}

int32_t id_of(const std::vector<std::string>& codes, const std::string& code, const char* what) {
  auto it = std::find(codes.begin(), codes.end(), code);
  if (it == codes.end()) fail("{} '{}' is not in the store", what, code);
  return static_cast<int32_t>(it - codes.begin());
}

}  // namespace

Json predict_job(const Json& args) {
  const fs::path data_dir = args.at("data_dir").get<std::string>();
  const std::string customer_code = args.at("customer").get<std::string>();
  const int32_t week = args.value("week", -1);
  const std::string store_code = args.value("store", "");
  const int64_t top_k = args.value("top_k", 10);
  const uint64_t seed = args.value("seed", uint64_t{42});
  const std::string config_path = args.value("config_path", "");
  const Config config = config_path.empty() ? Config() : Config::load(config_path);
  prepare::PrepareConfig prepare_config =
      prepare::PrepareConfig::from_section(config.section("prepare"), seed);
  auto sources = prepare::TensorSources::open(data_dir, prepare_config);
  const Store& store = sources->store();
  const int32_t customer = id_of(store.customer_codes, customer_code, "customer");

  const prepare::Samples next = prepare::Samples::open(data_dir, prepare::SampleKind::kNextBasket);
  const int64_t row = customer_row(next, customer, week);
  if (row < 0) {
    fail("customer '{}' has no next-basket sample{} (too few baskets?)", customer_code,
         week >= 0 ? fmt::format(" with target week {}", week) : "");
  }
  const int64_t rows[] = {row};
  const int32_t stores[] = {store_code.empty() ? -1
                                               : id_of(store.store_codes, store_code, "store")};
  prepare::Batch batch = sources->assemble(next, rows, 0, 0, stores);

  torch::NoGradGuard no_grad;
  // Every member with its own configuration, whatever [model] says now; their predictions are
  // averaged.
  WorldMembers members = load_world_members(data_dir, static_cast<int32_t>(store.n_products()));
  const ModelConfig& model_config = members.configs.front();
  const PriceFn prices = price_function(data_dir, *sources);
  std::vector<BasketOutputs> outs;
  std::vector<torch::Tensor> logits;
  for (size_t m = 0; m < members.size(); ++m) {
    outs.push_back(members.models[m]->forward(to_tensors(batch, members.configs[m], prices)));
    logits.push_back(outs.back().product_logits[0]);
  }
  const double n_members = static_cast<double>(members.size());
  const torch::Tensor probability = members.probabilities(logits);
  const auto [top_p, top_id] = probability.topk(std::min<int64_t>(top_k, probability.size(0)));
  torch::Tensor quantity = torch::zeros({top_id.size(0)});
  for (size_t m = 0; m < members.size(); ++m) {
    quantity += 1 + torch::exp(members.models[m]->quantity_log_rate(
                        outs[m].user, torch::zeros({top_id.size(0)}, torch::kInt64), top_id));
  }
  quantity = quantity / n_members;
  Json products = Json::array();
  for (int64_t i = 0; i < top_id.size(0); ++i) {
    const int64_t p = top_id[i].item<int64_t>();
    products.push_back({{"product", store.product_codes[p]},
                        {"probability", top_p[i].item<double>()},
                        {"expected_quantity", quantity[i].item<double>()}});
  }
  Json result = {{"customer", customer_code},
                 {"week", batch.week[0]},
                 {"shop_week", store.calendar.at(static_cast<size_t>(batch.week[0])).shop_week},
                 {"store", store.store_codes[batch.store[0]]},
                 {"products", products},
                 {"checkpoint", members.checkpoints.front().string()},
                 {"members", members.size()}};
  if (!store.basket_size_codes.empty()) {
    torch::Tensor size = torch::zeros_like(outs.front().basket_size[0]);
    for (const BasketOutputs& out : outs) size += torch::softmax(out.basket_size[0], 0);
    size = size / n_members;
    const int64_t k = size.argmax().item<int64_t>();
    result["basket_size"] = {{"code", store.basket_size_codes[k]},
                             {"probability", size[k].item<double>()}};
  }

  const fs::path visit_checkpoint = find_checkpoint(data_dir, "store-visit");
  // A store-visit model from before its inputs changed does not load: no next store then.
  if (!visit_checkpoint.empty() && store_visit_inputs_current(visit_checkpoint)) {
    const prepare::Samples visits =
        prepare::Samples::open(data_dir, prepare::SampleKind::kStoreVisit);
    const int64_t visit_row = customer_row(visits, customer, week);
    if (visit_row >= 0) {
      const int64_t visit_rows[] = {visit_row};
      StoreVisitModel visit_model(model_config);
      train::load_checkpoint(visit_checkpoint, *visit_model, nullptr);
      visit_model->eval();
      const torch::Tensor p = visit_model->probabilities(
          to_tensors(sources->assemble(visits, visit_rows, 0, 0), model_config))[0];
      const int64_t k = p.argmax().item<int64_t>();
      result["next_store"] = {
          {"store", k == model_config.n_stores ? "no trip" : store.store_codes[k]},
          {"probability", p[k].item<double>()},
          {"no_trip_probability", p[model_config.n_stores].item<double>()}};
    }
  }
  return result;
}

}  // namespace retailsim::model
