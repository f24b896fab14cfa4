// `retailsim export tensors`: one batch's arrays as .npy files beside batch.json, which lists each
// array's dtype, shape and meaning so numpy users can check the layout.
#include <spdlog/spdlog.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "prepare/prepare.h"

namespace retailsim::prepare {

namespace {

template <typename T>
void add(std::vector<BatchArray>& out, const std::string& name, const std::vector<T>& values,
         std::vector<uint64_t> shape, const std::string& meaning) {
  out.push_back(
      {name, npy_dtype<T>(), std::move(shape), values.data(), values.size() * sizeof(T), meaning});
}

}  // namespace

std::vector<BatchArray> batch_arrays(const Batch& batch) {
  const auto B = static_cast<uint64_t>(batch.size), S = static_cast<uint64_t>(batch.max_items);
  std::vector<BatchArray> a;
  add(a, "sample_index", batch.sample_index, {B}, "row of the sample in samples/<kind>/");
  add(a, "customer", batch.customer, {B}, "customer id");
  add(a, "store", batch.store, {B}, "store id of T5 (next-basket: the target's store)");
  add(a, "week", batch.week, {B}, "calendar week index of the target");
  add(a, "basket", batch.basket, {B}, "store basket index of the input basket");
  add(a, "cold_start", batch.cold_start, {B}, "1: first basket in a test week");
  add(a, "t1", batch.t1, {B, kT1Dims}, "customer: static 64 + history 96 + affinity 32");
  add(a, "t3", batch.t3, {B, kT3Dims}, "temporal of the target's time");
  add(a, "t5", batch.t5, {B, kT5Dims}, "store context");
  add(a, "t6", batch.t6, {B, kT6Dims}, "trip labels of the input basket");
  add(a, "item_product", batch.item_product, {B, S}, "input basket product ids, -1 padding");
  add(a, "input_product", batch.input_product, {B, S},
      "after masking: product, [MASK] (= n_products) or a random product");
  add(a, "attention_mask", batch.attention_mask, {B, S}, "1: a real item");
  add(a, "masked", batch.masked, {B, S}, "1: chosen for prediction");
  add(a, "t2", batch.t2, {B, S, kT2Dims}, "graph embedding of input_product (0: [MASK], pad)");
  add(a, "t4", batch.t4, {B, S, kT4Dims}, "price encoding of item_product at (store, week)");
  add(a, "basket_size", batch.basket_size, {B}, "target's BASKET_SIZE id, -1 unknown");
  add(a, "price_sensitivity", batch.price_sensitivity, {B},
      "target's BASKET_PRICE_SENSITIVITY id, -1 unknown");
  add(a, "mission_type", batch.mission_type, {B}, "target's BASKET_TYPE id, -1 unknown");
  add(a, "mission_focus", batch.mission_focus, {B},
      "target's BASKET_DOMINANT_MISSION id, -1 unknown");
  if (batch.kind == SampleKind::kNextBasket) {
    add(a, "target_offsets", batch.target_offsets, {B + 1}, "CSR of the target basket's items");
    add(a, "target_product", batch.target_product, {batch.target_product.size()},
        "target basket products");
    add(a, "target_quantity", batch.target_quantity, {batch.target_quantity.size()},
        "target basket quantities");
  }
  if (batch.kind == SampleKind::kStoreVisit) {
    add(a, "next_store", batch.next_store, {B}, "next store id, n_stores: no trip that week");
    add(a, "visit_offsets", batch.visit_offsets, {B + 1}, "CSR of the stores shopped at before");
    add(a, "visit_store", batch.visit_store, {batch.visit_store.size()},
        "stores of the customer's earlier trips");
    add(a, "visit_trips", batch.visit_trips, {batch.visit_trips.size()},
        "the customer's earlier trips to each of them");
    add(a, "trip_weeks", batch.trip_weeks, {B, 2},
        "weeks with a trip after the first, weeks without one within max_gap_weeks");
  }
  if (batch.kind != SampleKind::kMaskedBasket) {
    add(a, "history_offsets", batch.history_offsets, {B + 1}, "CSR of the recent baskets");
    add(a, "history_week", batch.history_week, {batch.history_week.size()},
        "calendar week of each recent basket");
    add(a, "history_store", batch.history_store, {batch.history_store.size()},
        "store of each recent basket");
    add(a, "history_gap", batch.history_gap, {batch.history_gap.size()},
        "observed weeks from each recent basket to the target (missing weeks not counted)");
    add(a, "history_item_offsets", batch.history_item_offsets, {batch.history_week.size() + 1},
        "CSR of the recent baskets' products");
    add(a, "history_product", batch.history_product, {batch.history_product.size()},
        "products of the recent baskets");
    add(a, "repeat_offsets", batch.repeat_offsets, {B + 1}, "CSR of the repeat products");
    add(a, "repeat_product", batch.repeat_product, {batch.repeat_product.size()},
        "products bought before the target");
    add(a, "repeat_features", batch.repeat_features,
        {batch.repeat_product.size(), static_cast<uint64_t>(kRepeatDims)},
        "count, log1p count, trip share, weeks since last, log1p, mean interval, cv, due");
    add(a, "history_labels", batch.history_labels, {B, B ? batch.history_labels.size() / B : 0},
        "counts of each label in the earlier baskets: blocks of BASKET_SIZE, "
        "BASKET_PRICE_SENSITIVITY, BASKET_TYPE, BASKET_DOMINANT_MISSION, each as long as its "
        "dictionary");
  }
  return a;
}

Json export_tensors(const ExportOptions& options) {
  if (options.limit < 1) fail("export tensors: --limit must be >= 1 (got {})", options.limit);
  const auto sources = TensorSources::open(options.data_dir, options.config);
  const Samples samples = Samples::open(options.data_dir, options.kind);
  std::vector<int64_t> rows = samples.rows_of_split(options.split);
  if (rows.empty()) {
    fail("export tensors: no {} samples in split {}", kind_name(options.kind),
         static_cast<int>(options.split));
  }
  if (static_cast<int64_t>(rows.size()) > options.limit) {
    rows.resize(static_cast<size_t>(options.limit));
  }
  const Batch batch = sources->assemble(samples, rows, 0, 0);

  fs::create_directories(options.out_dir);
  static const char* kSplitNames[] = {"train", "val", "test"};
  Json arrays = Json::object();
  for (const BatchArray& a : batch_arrays(batch)) {
    AtomicFile file(options.out_dir / (a.name + ".npy"));
    file.write(npy_header(a.dtype, a.shape));
    file.write(a.data, a.bytes);
    file.commit();
    arrays[a.name] = {{"dtype", a.dtype}, {"shape", a.shape}, {"meaning", a.meaning}};
  }
  Json j{{"kind", kind_name(options.kind)},
         {"split", kSplitNames[options.split]},
         {"size", batch.size},
         {"max_items", batch.max_items},
         {"n_products", sources->n_products()},
         {"n_stores", sources->n_stores()},
         {"mask_token", sources->n_products()},
         {"pad_token", kPadToken},
         {"arrays", arrays}};
  write_json(options.out_dir / "batch.json", j);
  spdlog::info("export tensors: {} {} samples of {} -> {}", batch.size, kind_name(options.kind),
               kSplitNames[options.split], options.out_dir.string());
  return j;
}

}  // namespace retailsim::prepare
