// Training and validation of the store-visit model.
#include <cmath>

#include "core/error.h"
#include "model/losses.h"
#include "model/tasks.h"

namespace retailsim::model {

std::vector<float> store_class_weights(const std::vector<int64_t>& counts) {
  std::vector<float> weights(counts.size(), 0.0f);
  double sum = 0;
  int64_t seen = 0;
  float largest = 0;
  for (size_t c = 0; c < counts.size(); ++c) {
    if (counts[c] <= 0) continue;
    weights[c] = static_cast<float>(1.0 / std::sqrt(static_cast<double>(counts[c])));
    sum += weights[c];
    ++seen;
  }
  if (seen == 0) return std::vector<float>(counts.size(), 1.0f);
  for (float& w : weights) {
    w = static_cast<float>(w * seen / sum);
    largest = std::max(largest, w);
  }
  for (size_t c = 0; c < counts.size(); ++c) {
    if (counts[c] <= 0) weights[c] = largest;
  }
  return weights;
}

StoreVisitTask::StoreVisitTask(const ModelConfig& config, std::vector<float> class_weights,
                               torch::Device device)
    : config_(config), device_(device), model_(config) {
  if (!class_weights.empty()) {
    if (static_cast<int64_t>(class_weights.size()) != config.n_stores + 1) {
      fail("store-visit class weights: {} values for {} outcomes", class_weights.size(),
           config.n_stores + 1);
    }
    class_weights_ = torch::tensor(class_weights).to(device_);
    model_->set_outcome_weights(class_weights_);
  }
  model_->to(device_);
}

torch::Tensor StoreVisitTask::loss(const prepare::Batch& batch,
                                   std::map<std::string, double>& parts) {
  if (batch.kind != prepare::SampleKind::kStoreVisit) fail("store-visit model: got a basket batch");
  BatchTensors t = to_tensors(batch, config_).to(device_);
  torch::Tensor value =
      store_visit_loss(model_->forward(t), t.next_store, class_weights_, config_.label_smoothing);
  parts["store_visit"] = value.item<double>();
  return value;
}

Json StoreVisitTask::validate(train::BatchSource& source, int64_t max_batches) {
  source.start_epoch(0, train::Phase{"validation", 1, 1.0, 0.0});
  prepare::Batch batch;
  double loss_sum = 0, reciprocal = 0;
  int64_t n_batches = 0, samples = 0, top1 = 0, top3 = 0, top5 = 0, top10 = 0;
  while ((max_batches == 0 || n_batches < max_batches) && source.next(batch)) {
    BatchTensors t = to_tensors(batch, config_).to(device_);
    torch::Tensor logits = model_->forward(t);
    loss_sum += store_visit_loss(logits, t.next_store, class_weights_, config_.label_smoothing)
                    .item<double>();
    ++n_batches;
    // Rank of the true outcome: 1 + outcomes scored strictly higher.
    torch::Tensor true_score = logits.gather(1, t.next_store.unsqueeze(1));
    torch::Tensor rank = (logits > true_score).sum(1) + 1;
    samples += t.size;
    top1 += (rank <= 1).sum().item<int64_t>();
    top3 += (rank <= 3).sum().item<int64_t>();
    top5 += (rank <= 5).sum().item<int64_t>();
    top10 += (rank <= 10).sum().item<int64_t>();
    reciprocal += (1.0 / rank.to(torch::kFloat64)).sum().item<double>();
  }
  Json v = {{"loss", n_batches ? loss_sum / n_batches : 0.0}, {"batches", n_batches}};
  if (samples > 0) {
    const double n = static_cast<double>(samples);
    v["accuracy"] = top1 / n;
    v["top3"] = top3 / n;
    v["top5"] = top5 / n;
    v["top10"] = top10 / n;
    v["mrr"] = reciprocal / n;
  }
  return v;
}

}  // namespace retailsim::model
