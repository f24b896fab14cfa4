// The trained model on the test split: ranking figures, auxiliary accuracy, the time the split
// (or its first max_batches batches) takes, and the scoring latency of one customer and of a
// batch of 1,024.
#include <algorithm>
#include <chrono>

#include "model/prepare_source.h"
#include "model/tasks.h"

namespace retailsim::model {
namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Median wall time (ms) of scoring `rows` (assembled once), over a few repeats.
double scoring_ms(BasketTask& task, const PrepareSource& source, std::span<const int64_t> rows) {
  const prepare::Batch batch =
      source.sources().assemble(source.samples(prepare::SampleKind::kNextBasket), rows, 0, 0);
  std::vector<double> times;
  for (int repeat = 0; repeat < 5; ++repeat) {
    const auto start = std::chrono::steady_clock::now();
    const BatchTensors t = task.tensors(batch);
    torch::sigmoid(task.model()->forward(t).product_logits);
    times.push_back(seconds_since(start) * 1000);
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

}  // namespace

Json evaluate_on_test(train::TrainTask& task, PrepareSource& test_source, bool world,
                      int64_t max_batches) {
  torch::NoGradGuard no_grad;
  task.module().eval();
  const auto start = std::chrono::steady_clock::now();
  Json figures = task.validate(test_source, max_batches);
  figures["seconds"] = seconds_since(start);
  if (world && !test_source.rows(prepare::SampleKind::kNextBasket).empty()) {
    auto& basket = static_cast<BasketTask&>(task);
    const std::vector<int64_t>& rows = test_source.rows(prepare::SampleKind::kNextBasket);
    figures["latency_one_ms"] = scoring_ms(basket, test_source, std::span(rows).first(1));
    const size_t n = std::min<size_t>(rows.size(), 1024);
    figures["latency_batch_ms"] = scoring_ms(basket, test_source, std::span(rows).first(n));
    figures["latency_batch_size"] = n;
  }
  return figures;
}

}  // namespace retailsim::model
