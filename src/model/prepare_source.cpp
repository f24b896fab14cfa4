// PrepareSource: the trainer's batches from the prepare stage's samples and loader.
#include "model/prepare_source.h"

#include "core/error.h"

namespace retailsim::model {
namespace {

constexpr int64_t kMaskedEvery = 5;  // main phases: every 5th batch is a masked-basket batch

}  // namespace

PrepareSource::PrepareSource(const fs::path& data_dir, const prepare::PrepareConfig& config,
                             prepare::SampleKind kind, int8_t split, bool world_phases,
                             int n_threads)
    : data_dir_(data_dir),
      config_(config),
      kind_(kind),
      world_phases_(world_phases),
      n_threads_(n_threads) {
  sources_for(config.mask_rate);
  std::vector<prepare::SampleKind> kinds = {kind};
  if (world_phases) kinds.push_back(prepare::SampleKind::kMaskedBasket);
  for (prepare::SampleKind k : kinds) {
    auto [it, inserted] =
        samples_.emplace(static_cast<int>(k), prepare::Samples::open(data_dir, k));
    rows_[static_cast<int>(k)] = it->second.rows_of_split(split);
    if (split == 0 && world_phases)
      refit_rows_[static_cast<int>(k)] = with_validation(it->second, rows_[static_cast<int>(k)]);
  }
  if (split == 0 && rows(kind).empty()) {
    fail("{}: no {} samples in split {} (run retailsim prepare; is the data too small?)",
         data_dir.string(), prepare::kind_name(kind), split);
  }
}

PrepareSource::~PrepareSource() = default;

std::shared_ptr<const prepare::TensorSources> PrepareSource::sources_for(double mask_rate) {
  auto it = sources_.find(mask_rate);
  if (it != sources_.end()) return it->second;
  prepare::PrepareConfig config = config_;
  config.mask_rate = mask_rate;
  auto opened = prepare::TensorSources::open(data_dir_, config);
  sources_[mask_rate] = opened;
  return opened;
}

const prepare::Samples& PrepareSource::samples(prepare::SampleKind kind) const {
  return samples_.at(static_cast<int>(kind));
}

const std::vector<int64_t>& PrepareSource::rows(prepare::SampleKind kind) const {
  return rows_.at(static_cast<int>(kind));
}

const std::vector<int64_t>& PrepareSource::refit_rows(prepare::SampleKind kind) const {
  const auto it = refit_rows_.find(static_cast<int>(kind));
  if (it == refit_rows_.end()) fail("a refit phase reads the training source only");
  return it->second;
}

std::vector<int64_t> PrepareSource::with_validation(const prepare::Samples& samples,
                                                    const std::vector<int64_t>& training) const {
  std::vector<int64_t> out = training;
  const Store& store = sources_.begin()->second->store();
  for (int64_t r : samples.rows_of_split(1)) {
    const auto i = static_cast<size_t>(r);
    const int32_t target = samples.target_basket[i];
    if (config_.hold_out_last_date && target >= 0 &&
        store.basket_date[static_cast<size_t>(target)] == store.last_date_of(samples.customer[i]))
      continue;
    out.push_back(r);
  }
  return out;
}

const std::vector<int64_t>& PrepareSource::rows_for(prepare::SampleKind kind,
                                                    const train::Phase& phase) const {
  return phase.refit ? refit_rows(kind) : rows(kind);
}

int64_t PrepareSource::plan_size(prepare::SampleKind kind, const train::Phase& phase) const {
  const std::vector<int64_t>& served = rows_for(kind, phase);
  if (served.empty()) return 0;
  const prepare::BatchPlan plan =
      prepare::plan_epoch(samples(kind), served, config_.batch_size, config_.seed, 0);
  return static_cast<int64_t>(plan.size());
}

bool PrepareSource::masked_only(const train::Phase& phase) const {
  return world_phases_ && phase.name == "warm-up";
}

bool PrepareSource::serves_masked(const train::Phase& phase) const {
  return world_phases_ && phase.mask_rate > 0 && !rows(prepare::SampleKind::kMaskedBasket).empty();
}

int64_t PrepareSource::batches_per_epoch(const train::Phase& phase) const {
  if (masked_only(phase)) return plan_size(prepare::SampleKind::kMaskedBasket, phase);
  const int64_t n = plan_size(kind_, phase);
  return serves_masked(phase) ? n + n / (kMaskedEvery - 1) : n;
}

void PrepareSource::start_epoch(int64_t epoch, const train::Phase& phase) {
  main_.reset();
  masked_.reset();
  position_ = 0;
  only_masked_ = masked_only(phase);
  mixed_ = !only_masked_ && serves_masked(phase);
  auto sources = sources_for(phase.mask_rate > 0 ? phase.mask_rate : config_.mask_rate);
  auto open = [&](prepare::SampleKind kind) -> std::unique_ptr<prepare::Loader> {
    const std::vector<int64_t>& served = rows_for(kind, phase);
    if (served.empty()) return nullptr;
    prepare::BatchPlan plan = prepare::plan_epoch(samples(kind), served, config_.batch_size,
                                                  config_.seed, static_cast<uint64_t>(epoch));
    return std::make_unique<prepare::Loader>(sources, samples(kind), std::move(plan), n_threads_);
  };
  if (only_masked_ || mixed_) masked_ = open(prepare::SampleKind::kMaskedBasket);
  if (!only_masked_) main_ = open(kind_);
}

bool PrepareSource::next(prepare::Batch& batch) {
  ++position_;
  std::optional<prepare::Batch> got;
  if (only_masked_) {
    if (masked_) got = masked_->next();
  } else if (mixed_ && masked_ && position_ % kMaskedEvery == 0) {
    got = masked_->next();
    if (!got && main_) got = main_->next();
  } else if (main_) {
    got = main_->next();
  }
  if (!got) return false;
  batch = std::move(*got);
  return true;
}

}  // namespace retailsim::model
