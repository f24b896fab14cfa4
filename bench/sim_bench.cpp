// Simulator benchmark (issue 6): simulated customer-weeks per second of each demand source and
// mode, and the time of one step (one week, every shopper) on a preset's world, built in memory.
// Usage: sim_bench [--preset lgsr-sample] [--threads 2] [--weeks 4] [--out bench/results/sim.json]
//                  [--data DIR] [--start-week YYYYWW]
// With --data (a dataset folder with trained world and store-visit models), the "world-model"
// source is measured too, beside the truth, on that dataset's market (`data_sources` in the
// report), since the learned source needs the dataset the models were trained on.
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include <tbb/global_control.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/manifest.h"
#include "model/model.h"
#include "sim/sim.h"
#include "synth/synth.h"
#include "synth/world.h"

namespace {

using namespace retailsim;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Steps of historical prices (every store at its format's prices) or of prices that differ by
// store (every store its own price zone: the simulator's worst case).
Json measure(const sim::Market& market, const std::string& source, sim::DemandMode mode, int weeks,
             int32_t start_week, bool per_store_prices, const sim::fs::path& data_dir = {}) {
  sim::EnvConfig config;
  config.start_shop_week = start_week;
  config.demand_source = source;
  config.mode = mode;
  config.episode_weeks = weeks;
  config.history_weeks = 1;
  sim::Env env(market, config, {mode, data_dir});
  const auto t_reset = Clock::now();
  sim::Observation obs = env.reset(1);
  const double reset_seconds = seconds_since(t_reset);
  std::vector<double> step_seconds;
  uint64_t customer_weeks = 0;
  double units = 0, revenue_cents = 0, trips = 0;
  while (!env.done()) {
    sim::Action action = env.historical_action();
    if (per_store_prices) {
      const int n_s = market.n_stores();
      for (size_t i = 0; i < action.shelf_price_cents.size(); ++i)
        action.shelf_price_cents[i] += static_cast<float>(i % n_s % 7);
    }
    const auto t0 = Clock::now();
    const sim::StepResult r = env.step(action);
    step_seconds.push_back(seconds_since(t0));
    customer_weeks += r.customer_weeks;
    units += r.units_total;
    trips += static_cast<double>(r.trips);
    revenue_cents += r.revenue_total_cents;
    obs = env.observation();
  }
  double total = 0, worst = 0;
  for (double s : step_seconds) {
    total += s;
    worst = std::max(worst, s);
  }
  return Json{{"steps", step_seconds.size()},
              {"customers", market.customers.size()},
              {"cells", market.n_cells()},
              {"reset_seconds", reset_seconds},
              {"step_seconds_mean", total / static_cast<double>(step_seconds.size())},
              {"step_seconds_max", worst},
              {"customer_weeks_per_second", static_cast<double>(customer_weeks) / total},
              {"units_per_step", units / static_cast<double>(step_seconds.size())},
              {"trips_per_step", trips / static_cast<double>(step_seconds.size())},
              {"revenue_cents_per_step", revenue_cents / static_cast<double>(step_seconds.size())}};
}

}  // namespace

int main(int argc, char** argv) {
  std::string preset = "lgsr-sample", out = "bench/results/sim.json", data;
  int threads = 2, weeks = 4;
  int32_t start_week = 0;  // YYYYWW; 0: the first week after the warm-up
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i], value = argv[i + 1];
    if (key == "--preset")
      preset = value;
    else if (key == "--threads")
      threads = std::stoi(value);
    else if (key == "--weeks")
      weeks = std::stoi(value);
    else if (key == "--start-week")
      start_week = std::stoi(value);
    else if (key == "--out")
      out = value;
    else if (key == "--data")
      data = value;
    else {
      std::fprintf(stderr, "unknown option %s\n", key.c_str());
      return 2;
    }
  }
  try {
    tbb::global_control control(tbb::global_control::max_allowed_parallelism, threads);
    const auto t_world = Clock::now();
    auto world = std::make_shared<const synth::World>(
        synth::build_world(synth::SynthConfig::preset_named(preset)));
    const double world_seconds = seconds_since(t_world);
    const sim::Market market = sim::market_from_world(world, {}, 1);
    Json results = Json::object();
    for (const std::string& source : sim::demand_source_names()) {
      for (sim::DemandMode mode : {sim::DemandMode::kSampled, sim::DemandMode::kExpected}) {
        const std::string key = source + "/" + sim::demand_mode_name(mode);
        try {
          results[key] = {
              {"format_prices", measure(market, source, mode, weeks, start_week, false)},
              {"per_store_prices", measure(market, source, mode, weeks, start_week, true)}};
        } catch (const Error& e) {
          results[key] = {{"unavailable", e.what()}};
        }
        std::fprintf(stderr, "%s: %s\n", key.c_str(), results[key].dump().c_str());
      }
    }
    // The learned source on a dataset with trained models, beside the truth on the same market.
    Json data_results = nullptr;
    if (!data.empty()) {
      model::register_world_model_demand();
      const sim::Market data_market = sim::load_market(data, {}, 1);
      data_results = {{"data", data},
                      {"n_customers", data_market.customers.size()},
                      {"n_products", data_market.n_products()},
                      {"n_stores", data_market.n_stores()}};
      for (const std::string source : {"truth", "world-model"}) {
        for (sim::DemandMode mode : {sim::DemandMode::kSampled, sim::DemandMode::kExpected}) {
          const std::string key = source + "/" + sim::demand_mode_name(mode);
          try {
            // Each measurement builds its source: the world model's steps include its forward
            // passes (a cold per-week cache).
            data_results[key] = {{"format_prices", measure(data_market, source, mode, weeks,
                                                           start_week, false, data)},
                                 {"per_store_prices", measure(data_market, source, mode, weeks,
                                                              start_week, true, data)}};
          } catch (const Error& e) {
            data_results[key] = {{"unavailable", e.what()}};
          }
          std::fprintf(stderr, "%s (%s): %s\n", key.c_str(), data.c_str(),
                       data_results[key].dump().c_str());
        }
      }
    }
    Json report{{"preset", preset},
                {"threads", threads},
                {"hardware_threads", std::thread::hardware_concurrency()},
                {"weeks", weeks},
                {"world_build_seconds", world_seconds},
                {"n_customers", market.customers.size()},
                {"n_products", market.n_products()},
                {"n_stores", market.n_stores()},
                {"target_step_seconds", 2.0},
                {"sources", results},
                {"data_sources", data_results}};
    write_file_atomic(out, report.dump(2) + "\n");
    std::printf("%s\n", report.dump(2).c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sim_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
