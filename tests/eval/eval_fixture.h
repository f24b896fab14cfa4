// Helpers of the eval tests: hand-made basket tables and views, and a tiny generated dataset.
#pragma once

#include <vector>

#include "eval/eval.h"
#include "ingest/ingest.h"
#include "synth/synth.h"
#include "test_util.h"

namespace retailsim::eval::testing {

// customers[c] = c's baskets in time order, each a sorted list of product ids; basket b of the
// table gets week b (so time order is table order).
inline BasketTable hand_table(const std::vector<std::vector<std::vector<int32_t>>>& customers,
                              int32_t n_products) {
  BasketTable t;
  t.n_products = n_products;
  t.item_offsets.push_back(0);
  t.customer_offsets.push_back(0);
  for (size_t c = 0; c < customers.size(); ++c) {
    for (const auto& basket : customers[c]) {
      t.items.insert(t.items.end(), basket.begin(), basket.end());
      t.item_offsets.push_back(static_cast<int64_t>(t.items.size()));
      const auto b = static_cast<int32_t>(t.customer.size());
      t.customer.push_back(static_cast<int32_t>(c));
      t.week.push_back(static_cast<int16_t>(b));
      t.date.push_back(20060410 + b);
      t.weekday.push_back(2);
      t.hour.push_back(10);
      t.store.push_back(0);
      t.store_basket.push_back(b);
      t.customer_baskets.push_back(b);
    }
    t.customer_offsets.push_back(static_cast<int64_t>(t.customer.size()));
  }
  return t;
}

// Every basket visible but each customer's last `hidden` ones; every product a candidate.
inline TrainingView view_hiding_last(const BasketTable& t, int hidden) {
  TrainingView v;
  v.baskets = &t;
  for (size_t c = 0; c + 1 < t.customer_offsets.size(); ++c) {
    const auto n = static_cast<int32_t>(t.customer_offsets[c + 1] - t.customer_offsets[c]);
    v.visible.push_back(std::max(0, n - hidden));
  }
  v.candidate.assign(static_cast<size_t>(t.n_products), 1);
  return v;
}

// The case "customer c's next basket after its visible ones".
inline EvalCase next_basket_case(const TrainingView& v, int32_t c) {
  EvalCase e;
  e.customer = c;
  e.n_history = v.visible[static_cast<size_t>(c)];
  const auto list = v.baskets->of_customer(c);
  e.target = list[static_cast<size_t>(e.n_history)];
  return e;
}

// A tiny generated world, ingested into `dir` (seed fixed: the same data every run).
inline void make_tiny_dataset(const fs::path& dir, int n_weeks = 8) {
  synth::SynthConfig config = synth::SynthConfig::preset_named("tiny");
  config.n_weeks = n_weeks;
  synth::generate(config, dir, 2);
  ingest::IngestOptions options;
  options.raw_dir = dir / "raw";
  options.data_dir = dir;
  options.n_threads = 2;
  ingest::ingest(options);
}

}  // namespace retailsim::eval::testing
