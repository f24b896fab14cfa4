// The prepare stage driver: reads the store and the week split of features/splits/, builds the
// samples and writes samples/<kind>/ atomically with manifests, skipped when nothing changed;
// and Samples::open, the memory-mapped reader of those folders.
#include <algorithm>
#include <chrono>

#include <spdlog/spdlog.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/progress.h"
#include "prepare/prepare.h"
#include "retailsim_version.h"

namespace retailsim::prepare {

namespace {

// Bumped when a samples folder's layout changes, so older folders are rebuilt.
constexpr int kSamplesSchemaVersion = 1;

constexpr const char* kColumnFiles[] = {
    "customer.npy",  "input_basket.npy",  "target_basket.npy", "week.npy",   "split.npy",
    "gap_weeks.npy", "history_count.npy", "next_store.npy",    "n_items.npy"};

SplitInfo read_split_info(const fs::path& data_dir) {
  const fs::path dir = data_dir / "features" / "splits";
  const auto manifest = Manifest::read(dir);
  if (!manifest) {
    fail("{}: no week split (run retailsim features --data {} first)", dir.string(),
         data_dir.string());
  }
  try {
    SplitInfo s;
    s.first_week_index = manifest->extra.at("first_week_index").get<int32_t>();
    const Json& weeks = manifest->extra.at("weeks");
    s.n_weeks = weeks.at("n_weeks").get<int32_t>();
    s.val_begin = weeks.at("val").at(0).get<int32_t>();
    s.test_begin = weeks.at("test").at(0).get<int32_t>();
    return s;
  } catch (const Json::exception& e) {
    fail("{}: extra.weeks / extra.first_week_index unreadable: {}",
         (dir / "manifest.json").string(), e.what());
  }
}

std::vector<std::string> write_columns(const fs::path& dir, const SampleColumns& c) {
  write_npy(dir / "customer.npy", c.customer);
  write_npy(dir / "input_basket.npy", c.input_basket);
  write_npy(dir / "target_basket.npy", c.target_basket);
  write_npy(dir / "week.npy", c.week);
  write_npy(dir / "split.npy", c.split);
  write_npy(dir / "gap_weeks.npy", c.gap_weeks);
  write_npy(dir / "history_count.npy", c.history_count);
  write_npy(dir / "next_store.npy", c.next_store);
  write_npy(dir / "n_items.npy", c.n_items);
  return {std::begin(kColumnFiles), std::end(kColumnFiles)};
}

Json split_counts(const SampleColumns& c) {
  int64_t n[3] = {0, 0, 0};
  for (int8_t s : c.split) ++n[s];
  return Json{{"samples", c.size()}, {"train", n[0]}, {"val", n[1]}, {"test", n[2]}};
}

// The settings that change the samples (batching and masking happen later, at batch time).
Json sample_config(const PrepareConfig& c) {
  return Json{{"min_target_items", c.min_target_items},
              {"max_gap_weeks", c.max_gap_weeks},
              {"store_visit_samples", "one per customer-week with baskets"},
              {"max_items", c.max_items},
              {"hold_out_last_date", c.hold_out_last_date},
              {"seed", c.seed}};
}

}  // namespace

SplitInfo read_split(const fs::path& data_dir) {
  return read_split_info(data_dir);
}

Json PrepareSummary::to_json() const {
  return Json{{"skipped", skipped}, {"seconds", seconds}, {"counts", counts}};
}

PrepareSummary prepare_stage(const PrepareOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  options.config.validate();
  const Store store = Store::open(options.data_dir);
  const SplitInfo split = read_split_info(options.data_dir);
  const fs::path root = options.data_dir / "samples";
  fs::create_directories(root);
  if (int removed = remove_stale_temporaries(root); removed > 0) {
    spdlog::warn("removed {} folders left in {} by an interrupted prepare run", removed,
                 root.string());
  }

  Manifest planned;
  planned.schema_version = kSamplesSchemaVersion;
  planned.retailsim_version = RETAILSIM_VERSION;
  planned.inputs = {
      describe_input(store.dir / "manifest.json", options.data_dir),
      describe_input(options.data_dir / "features" / "splits" / "manifest.json", options.data_dir)};
  planned.config = sample_config(options.config);

  PrepareSummary summary;
  bool all_current = !options.force;
  for (const char* kind : kSampleKindNames) {
    Manifest m = planned;
    m.stage = std::string("prepare-") + kind;
    auto previous = Manifest::read(root / kind);
    if (!previous || !previous->same_build(m)) all_current = false;
    if (previous) summary.counts[kind] = previous->counts;
  }
  if (all_current) {
    summary.skipped = true;
    spdlog::info("prepare: samples up to date (--force rebuilds)");
    return summary;
  }

  Progress progress("prepare samples", store.n_customers(), "customers");
  const SampleSet set = build_samples(store, split, options.config);
  progress.advance(store.n_customers());
  progress.finish();
  const SampleColumns* columns[] = {&set.masked_basket, &set.next_basket, &set.store_visit};
  for (int k = 0; k < 3; ++k) {
    Manifest m = planned;
    m.stage = std::string("prepare-") + kSampleKindNames[k];
    AtomicDir staging(root / kSampleKindNames[k]);
    fs::create_directories(staging.staging());
    m.extra["files"] = write_columns(staging.staging(), *columns[k]);
    m.extra["split"] = {{"first_week_index", split.first_week_index},
                        {"n_weeks", split.n_weeks},
                        {"val_begin", split.val_begin},
                        {"test_begin", split.test_begin}};
    m.counts = split_counts(*columns[k]);
    m.write(staging.staging());  // last, so a folder with a manifest is complete
    staging.commit();
    summary.counts[kSampleKindNames[k]] = m.counts;
    spdlog::info("prepare {}: {} samples (train {}, val {}, test {})", kSampleKindNames[k],
                 human_count(static_cast<double>(columns[k]->size())),
                 m.counts["train"].get<int64_t>(), m.counts["val"].get<int64_t>(),
                 m.counts["test"].get<int64_t>());
  }
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

Samples Samples::open(const fs::path& data_dir, SampleKind kind) {
  const fs::path dir = data_dir / "samples" / kind_name(kind);
  if (!Manifest::read(dir)) {
    fail("{}: no samples (run retailsim prepare --data {} first)", dir.string(), data_dir.string());
  }
  Samples s;
  s.kind = kind;
  s.customer = Column<int32_t>(dir / "customer.npy");
  s.input_basket = Column<int32_t>(dir / "input_basket.npy");
  s.target_basket = Column<int32_t>(dir / "target_basket.npy");
  s.week = Column<int32_t>(dir / "week.npy");
  s.split = Column<int8_t>(dir / "split.npy");
  s.gap_weeks = Column<int16_t>(dir / "gap_weeks.npy");
  s.history_count = Column<int32_t>(dir / "history_count.npy");
  s.next_store = Column<int32_t>(dir / "next_store.npy");
  s.n_items = Column<int16_t>(dir / "n_items.npy");
  const size_t n = s.customer.size();
  for (size_t len :
       {s.input_basket.size(), s.target_basket.size(), s.week.size(), s.split.size(),
        s.gap_weeks.size(), s.history_count.size(), s.next_store.size(), s.n_items.size()}) {
    if (len != n) fail("{}: columns of different lengths ({} and {})", dir.string(), n, len);
  }
  return s;
}

Samples Samples::for_targets(const Store& store, std::span<const Target> targets,
                             const PrepareConfig& config, SampleKind kind) {
  std::vector<int32_t> customer, input, target, week, history, next_store;
  std::vector<int8_t> split;
  std::vector<int16_t> gap, n_items;
  for (const Target& t : targets) {
    const auto baskets = store.baskets_of_customer(t.customer);
    if (t.history_count < 1 || static_cast<size_t>(t.history_count) > baskets.size()) {
      fail("next-basket target of customer {}: history of {} baskets, the customer has {}",
           t.customer, t.history_count, baskets.size());
    }
    if (t.week < 0 && t.target_basket < 0) {
      fail("sample of customer {}: neither a target basket nor a week", t.customer);
    }
    const int32_t in = baskets[static_cast<size_t>(t.history_count) - 1];
    const int32_t w =
        t.week >= 0 ? t.week : store.basket_week_index[static_cast<size_t>(t.target_basket)];
    customer.push_back(t.customer);
    input.push_back(in);
    target.push_back(t.target_basket);
    week.push_back(w);
    history.push_back(t.history_count);
    next_store.push_back(-1);
    split.push_back(2);
    gap.push_back(static_cast<int16_t>(
        std::min<int32_t>(w - store.basket_week_index[static_cast<size_t>(in)], 32767)));
    n_items.push_back(
        static_cast<int16_t>(std::min<int64_t>(store.basket_rows(in).size(), config.max_items)));
  }
  Samples s;
  s.kind = kind;
  s.customer = Column<int32_t>::from_values(std::move(customer));
  s.input_basket = Column<int32_t>::from_values(std::move(input));
  s.target_basket = Column<int32_t>::from_values(std::move(target));
  s.week = Column<int32_t>::from_values(std::move(week));
  s.history_count = Column<int32_t>::from_values(std::move(history));
  s.next_store = Column<int32_t>::from_values(std::move(next_store));
  s.split = Column<int8_t>::from_values(std::move(split));
  s.gap_weeks = Column<int16_t>::from_values(std::move(gap));
  s.n_items = Column<int16_t>::from_values(std::move(n_items));
  return s;
}

std::vector<int64_t> Samples::rows_of_split(int8_t which) const {
  std::vector<int64_t> rows;
  for (size_t i = 0; i < size(); ++i) {
    if (split[i] == which) rows.push_back(static_cast<int64_t>(i));
  }
  return rows;
}

}  // namespace retailsim::prepare
