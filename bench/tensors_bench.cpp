// Batch assembly and loader throughput on a prepared dataset folder: the mean time to assemble a
// full batch of 256 samples on one core (per sample kind; wall and thread CPU time) and the samples
// per second the loader delivers with the given threads over the training split. Prints one JSON
// line.
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>

#include <tbb/global_control.h>

#include "prepare/prepare.h"

using namespace retailsim;
using namespace retailsim::prepare;

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// CPU seconds of the calling thread: on a machine shared with other work, the wall time of a
// single-threaded step includes the time it waited for a core.
double thread_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}
double process_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

// Mean milliseconds per full batch, over up to `max_batches` full batches spread over the plan
// (the plan runs bucket by bucket, so taking its first batches would time short baskets only).
Json time_assembly(const TensorSources& sources, const Samples& samples, const BatchPlan& plan,
                   int batch_size, size_t max_batches) {
  std::vector<size_t> full;
  for (size_t i = 0; i < plan.size(); ++i) {
    if (plan.batch(i).size() == static_cast<size_t>(batch_size)) full.push_back(i);
  }
  const size_t step = std::max<size_t>(1, full.size() / max_batches);
  size_t n = 0, items = 0;
  double seconds = 0, cpu_seconds = 0;
  for (size_t k = 0; k < full.size() && n < max_batches; k += step, ++n) {
    const auto start = std::chrono::steady_clock::now();
    const double cpu_start = thread_cpu_seconds();
    const Batch b = sources.assemble(samples, plan.batch(full[k]), plan.epoch, full[k]);
    cpu_seconds += thread_cpu_seconds() - cpu_start;
    seconds += seconds_since(start);
    items += static_cast<size_t>(std::count(b.attention_mask.begin(), b.attention_mask.end(), 1));
  }
  return Json{{"batches", n},
              {"ms_per_batch", n ? seconds * 1e3 / static_cast<double>(n) : 0.0},
              {"cpu_ms_per_batch", n ? cpu_seconds * 1e3 / static_cast<double>(n) : 0.0},
              {"mean_items_per_sample",
               n ? static_cast<double>(items) / static_cast<double>(n * batch_size) : 0.0}};
}

}  // namespace

int main(int argc, char** argv) {
  fs::path data;
  int threads = 2;
  size_t max_batches = 200;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--data") data = argv[i + 1];
    if (a == "--threads") threads = std::stoi(argv[i + 1]);
    if (a == "--batches") max_batches = std::stoul(argv[i + 1]);
  }
  if (data.empty()) {
    std::fprintf(stderr, "usage: tensors_bench --data DIR [--threads N] [--batches N]\n");
    return 2;
  }
  try {
    PrepareConfig config;
    const auto open_start = std::chrono::steady_clock::now();
    const auto sources = TensorSources::open(data, config);
    const double open_seconds = seconds_since(open_start);
    Json out{{"open_seconds", open_seconds}, {"batch_size", config.batch_size}};
    Json kinds = Json::object();
    {
      // One core for assembly: the calling thread only.
      tbb::global_control one(tbb::global_control::max_allowed_parallelism, 1);
      for (SampleKind kind :
           {SampleKind::kMaskedBasket, SampleKind::kNextBasket, SampleKind::kStoreVisit}) {
        const Samples samples = Samples::open(data, kind);
        const BatchPlan plan =
            plan_epoch(samples, samples.rows_of_split(0), config.batch_size, config.seed, 0);
        kinds[kind_name(kind)] =
            time_assembly(*sources, samples, plan, config.batch_size, max_batches);
      }
    }
    out["assembly"] = kinds;
    out["batch_assembly_ms"] = kinds["masked_basket"]["cpu_ms_per_batch"];

    const Samples samples = Samples::open(data, SampleKind::kMaskedBasket);
    const BatchPlan plan =
        plan_epoch(samples, samples.rows_of_split(0), config.batch_size, config.seed, 1);
    tbb::global_control all(tbb::global_control::max_allowed_parallelism,
                            static_cast<size_t>(threads));
    const auto start = std::chrono::steady_clock::now();
    const double cpu_start = process_cpu_seconds();
    size_t n_samples = 0;
    {
      Loader loader(sources, samples, plan, threads, 16);
      while (auto batch = loader.next()) n_samples += static_cast<size_t>(batch->size);
    }
    const double seconds = seconds_since(start);
    const double cpu_seconds = process_cpu_seconds() - cpu_start;
    out["loader"] = {{"threads", threads},
                     {"cpu_seconds", cpu_seconds},
                     // What `threads` cores of their own would deliver at this CPU cost.
                     {"samples_per_s_if_cores_were_free",
                      static_cast<double>(n_samples) / cpu_seconds * threads},
                     {"kind", "masked_basket"},
                     {"samples", n_samples},
                     {"batches", plan.size()},
                     {"seconds", seconds}};
    out["loader_samples_per_s"] = static_cast<double>(n_samples) / seconds;
    std::printf("%s\n", out.dump().c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tensors_bench: error: %s\n", e.what());
    return 1;
  }
}
