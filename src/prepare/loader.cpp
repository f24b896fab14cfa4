// The loader: a producer thread runs a oneTBB pipeline (plan order in, batches assembled in
// parallel, out in plan order) that fills a bounded queue the consumer drains with next().
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>

#include <tbb/parallel_pipeline.h>
#include <tbb/task_arena.h>

#include "prepare/prepare.h"

namespace retailsim::prepare {

struct Loader::State {
  std::shared_ptr<const TensorSources> sources;
  Samples samples;
  BatchPlan plan;
  int n_threads = 1;
  size_t capacity = 8;

  std::mutex mutex;
  std::condition_variable changed;
  std::deque<Batch> queue;
  bool done = false;
  bool stop = false;
  std::exception_ptr error;

  void produce() {
    try {
      tbb::task_arena arena(std::max(1, n_threads));
      arena.execute([&] {
        size_t next_index = 0;
        tbb::parallel_pipeline(
            capacity,
            tbb::make_filter<void, size_t>(tbb::filter_mode::serial_in_order,
                                           [&](tbb::flow_control& fc) -> size_t {
                                             bool stopping;
                                             {
                                               std::lock_guard lock(mutex);
                                               stopping = stop;
                                             }
                                             if (stopping || next_index >= plan.size()) {
                                               fc.stop();
                                               return 0;
                                             }
                                             return next_index++;
                                           }) &
                tbb::make_filter<size_t, Batch*>(tbb::filter_mode::parallel,
                                                 [&](size_t i) {
                                                   return new Batch(sources->assemble(
                                                       samples, plan.batch(i), plan.epoch, i));
                                                 }) &
                tbb::make_filter<Batch*, void>(
                    tbb::filter_mode::serial_in_order, [&](Batch* batch) {
                      std::unique_ptr<Batch> owned(batch);
                      std::unique_lock lock(mutex);
                      changed.wait(lock, [&] { return stop || queue.size() < capacity; });
                      if (stop) return;
                      queue.push_back(std::move(*owned));
                      changed.notify_all();
                    }));
      });
    } catch (...) {
      std::lock_guard lock(mutex);
      error = std::current_exception();
    }
    std::lock_guard lock(mutex);
    done = true;
    changed.notify_all();
  }
};

Loader::Loader(std::shared_ptr<const TensorSources> sources, const Samples& samples, BatchPlan plan,
               int n_threads, int prefetch)
    : state_(std::make_shared<State>()) {
  state_->sources = std::move(sources);
  state_->samples = samples;
  state_->plan = std::move(plan);
  state_->n_threads = n_threads;
  state_->capacity = static_cast<size_t>(std::max(1, prefetch));
  producer_ = std::thread([state = state_] { state->produce(); });
}

Loader::~Loader() {
  {
    std::lock_guard lock(state_->mutex);
    state_->stop = true;
    state_->changed.notify_all();
  }
  producer_.join();
}

std::optional<Batch> Loader::next() {
  std::unique_lock lock(state_->mutex);
  state_->changed.wait(lock, [&] { return !state_->queue.empty() || state_->done; });
  if (!state_->queue.empty()) {
    Batch batch = std::move(state_->queue.front());
    state_->queue.pop_front();
    state_->changed.notify_all();
    return batch;
  }
  if (state_->error) std::rethrow_exception(state_->error);
  return std::nullopt;
}

}  // namespace retailsim::prepare
