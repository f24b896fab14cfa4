// The evaluate stage: folds of the chosen protocol, their case files, every method fitted, tuned
// and run over the cases in parallel, metrics overall, for cold-start customers and by week,
// weekday and hour, written as reports/evaluation.json and evaluation.html.
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <map>

#include <spdlog/spdlog.h>
#include <tbb/parallel_for.h>

#include "core/atomic_file.h"
#include "core/dataset.h"
#include "core/error.h"
#include "core/progress.h"
#include "eval/eval.h"
#include "eval/methods.h"
#include "retailsim_version.h"

namespace retailsim::eval {

bool has_truth(const fs::path& data_dir) {
  return fs::exists(data_dir / "truth" / "world.json");
}

std::vector<std::string> subfolders(const fs::path& dir) {
  std::vector<std::string> out;
  if (!fs::is_directory(dir)) return out;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.is_directory()) out.push_back(entry.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Methods with a folder under reports/rankings/ (e.g. world-model), sorted.
std::vector<std::string> ranking_methods(const fs::path& data_dir) {
  return subfolders(data_dir / "reports" / "rankings");
}

const MethodInfo* registered(const std::string& name) {
  for (const MethodInfo& m : registered_methods()) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

std::vector<std::string> resolve_methods(const std::vector<std::string>& requested,
                                         const fs::path& data_dir) {
  const bool truth = has_truth(data_dir);
  const std::vector<std::string> files = ranking_methods(data_dir);
  std::vector<std::string> out;
  auto add = [&](const std::string& name) {
    if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
  };
  for (const std::string& name : requested) {
    if (name == "all") {
      for (const MethodInfo& m : registered_methods()) {
        if (!m.needs_truth || truth) add(m.name);
      }
      for (const std::string& f : files) add(f);
      continue;
    }
    const MethodInfo* m = registered(name);
    if (m && m->needs_truth && !truth)
      fail("evaluate: method '{}' needs the generator's truth ({}/truth/world.json)", name,
           data_dir.string());
    if (!m && std::find(files.begin(), files.end(), name) == files.end()) {
      std::string known;
      for (const MethodInfo& r : registered_methods())
        known += (known.empty() ? "" : ", ") + r.name;
      fail("evaluate: unknown method '{}' (registered: {}; or a folder of rankings under {})", name,
           known, (data_dir / "reports" / "rankings").string());
    }
    add(name);
  }
  return out;
}

std::string weekday_name(int8_t weekday) {
  constexpr const char* kNames[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  return weekday >= 1 && weekday <= 7 ? kNames[weekday - 1] : "unknown";
}

// The report's slicings of the cases (by_week, by_weekday, by_hour): each case's key, which
// orders the slices, and the slice's name in the report.
struct Slicing {
  const char* report_key;
  int32_t (*key_of)(const Store& store, const EvalCase& c);
  std::string (*name_of)(int32_t key);
};
constexpr int kSlicings = 3;
const std::array<Slicing, kSlicings>& slicings() {
  static const std::array<Slicing, kSlicings> all = {{
      {"by_week",
       [](const Store& store, const EvalCase& c) {
         return store.calendar.at(static_cast<size_t>(c.week)).shop_week;
       },
       [](int32_t shop_week) { return std::to_string(shop_week); }},
      {"by_weekday", [](const Store&, const EvalCase& c) { return int32_t{c.weekday}; },
       [](int32_t day) { return weekday_name(static_cast<int8_t>(day)); }},
      {"by_hour", [](const Store&, const EvalCase& c) { return int32_t{c.hour}; },
       [](int32_t hour) { return std::to_string(hour); }},
  }};
  return all;
}

// Metric means per slice of each slicing.
struct Slices {
  std::array<std::map<int32_t, MetricMeans>, kSlicings> by;
  void add(const Store& store, const EvalCase& c, const std::vector<double>& scores) {
    for (int k = 0; k < kSlicings; ++k) by[k][slicings()[k].key_of(store, c)].add(scores);
  }
};

// What one method measured on one fold.
struct FoldResult {
  MetricMeans overall, cold;
  Slices slices, cold_slices;  // the evaluated cases', the cold-start cases'
  Calibration calibration;
  Json settings;
};

// Ranks and scores cases in parallel; sums in case order, so results do not depend on threads.
std::vector<std::vector<double>> score_cases(const Recommender& method, const Fold& fold,
                                             const std::vector<EvalCase>& cases, int n,
                                             Progress& progress, Calibration* calibration) {
  std::vector<std::vector<double>> out(cases.size());
  std::vector<Calibration> case_calibration(calibration ? cases.size() : 0);
  const TrainingView& view = fold.view;
  tbb::parallel_for(tbb::blocked_range<size_t>(0, cases.size()), [&](const auto& range) {
    for (size_t i = range.begin(); i < range.end(); ++i) {
      const EvalCase& c = cases[i];
      const std::vector<int32_t> ranked = method.recommend(c, n);
      const std::vector<int32_t> target = target_products(fold, view, c);
      std::vector<int32_t> before;
      for (int32_t b : view.history(c)) {
        for (int32_t p : view.baskets->products(b)) before.push_back(p);
      }
      std::sort(before.begin(), before.end());
      before.erase(std::unique(before.begin(), before.end()), before.end());
      out[i] = case_metrics(ranked, target, before);
      if (calibration) {
        const std::vector<double> probability = method.probabilities(c, ranked);
        if (!probability.empty()) case_calibration[i].add(ranked, probability, target);
      }
    }
    progress.advance(range.size());
  });
  for (const Calibration& c : case_calibration) calibration->merge(c);
  return out;
}

FoldResult run_method(const std::string& name, const MethodContext& context, const Fold& fold,
                      const Store& store) {
  std::unique_ptr<Recommender> method;
  if (const MethodInfo* m = registered(name)) {
    method = m->make(context);
  } else {
    method = ranking_file_method(context, name);
  }
  method->tune(fold);
  method->fit(fold.view);
  FoldResult r;
  r.settings = method->settings();
  const int n = context.config->list_length;
  Progress progress(fmt::format("evaluate {} ({})", name, fold.name),
                    fold.cases.size() + fold.cold_cases.size(), "cases");
  const auto scores = score_cases(*method, fold, fold.cases, n, progress, &r.calibration);
  for (size_t i = 0; i < scores.size(); ++i) {
    r.overall.add(scores[i]);
    r.slices.add(store, fold.cases[i], scores[i]);
  }
  const auto cold_scores = score_cases(*method, fold, fold.cold_cases, n, progress, nullptr);
  for (size_t i = 0; i < cold_scores.size(); ++i) {
    r.cold.add(cold_scores[i]);
    r.cold_slices.add(store, fold.cold_cases[i], cold_scores[i]);
  }
  progress.finish();
  return r;
}

// The mean of each metric over folds (each fold's mean weighs the same, as Li et al. average
// their runs); n_cases is the total.
Json average_over_folds(const std::vector<const MetricMeans*>& folds) {
  Json out = Json::object();
  int64_t n_cases = 0;
  for (const MetricMeans* f : folds) n_cases += f->n_cases();
  out["n_cases"] = n_cases;
  const auto& names = metric_names();
  for (size_t i = 0; i < names.size(); ++i) {
    double sum = 0;
    int used = 0;
    for (const MetricMeans* f : folds) {
      const double v = f->mean(i);
      if (std::isnan(v)) continue;
      sum += v;
      ++used;
    }
    if (used > 0) {
      out[names[i]] = sum / used;
    } else {
      out[names[i]] = nullptr;
    }
  }
  return out;
}

// Each slicing's slices, the folds' cases pooled: report key -> slice name -> metrics.
Json slices_json(const std::vector<FoldResult>& results, Slices FoldResult::*slices) {
  Json out = Json::object();
  for (int k = 0; k < kSlicings; ++k) {
    std::map<int32_t, MetricMeans> pooled;
    for (const FoldResult& r : results) {
      for (const auto& [key, means] : (r.*slices).by[k]) pooled[key].merge(means);
    }
    Json part = Json::object();
    for (const auto& [key, means] : pooled) part[slicings()[k].name_of(key)] = means.to_json();
    out[slicings()[k].report_key] = std::move(part);
  }
  return out;
}

// What the report depends on: the store (its manifest holds every input's checksum), the truth,
// the ranking files of the methods, the training reports, the config, the methods and the
// program's version.
Json evaluation_inputs(const fs::path& data_dir, const EvalConfig& config,
                       const std::vector<std::string>& methods,
                       const std::vector<std::string>& visit_methods) {
  const fs::path store_manifest = data_dir / "store" / "manifest.json";
  if (!fs::exists(store_manifest))
    fail("{}: no store; run retailsim ingest first", (data_dir / "store").string());
  std::vector<fs::path> files = {store_manifest};
  if (has_truth(data_dir)) files.push_back(data_dir / "truth" / "world.json");
  for (const std::string& m : methods) {
    if (registered(m)) continue;
    std::vector<fs::path> rankings;
    for (const auto& e : fs::directory_iterator(data_dir / "reports" / "rankings" / m)) {
      if (e.is_regular_file()) rankings.push_back(e.path());
    }
    std::sort(rankings.begin(), rankings.end());
    files.insert(files.end(), rankings.begin(), rankings.end());
  }
  for (const std::string& m : visit_methods) {
    const fs::path dir = data_dir / "reports" / "visit_rankings" / m;
    if (!fs::is_directory(dir)) continue;
    std::vector<fs::path> rankings;
    for (const auto& e : fs::directory_iterator(dir)) {
      if (e.is_regular_file()) rankings.push_back(e.path());
    }
    std::sort(rankings.begin(), rankings.end());
    files.insert(files.end(), rankings.begin(), rankings.end());
  }
  // The learning curves the report shows come from the training reports.
  for (const fs::path& f : training_reports(data_dir)) files.push_back(f);
  Json described = Json::array();
  for (const fs::path& f : files) {
    const InputFile in = describe_input(f, data_dir);
    described.push_back({{"name", in.name}, {"bytes", in.bytes}, {"crc32", in.crc32}});
  }
  return Json{{"files", described},
              {"config", config.to_json()},
              {"methods", methods},
              {"visit_methods", visit_methods},
              {"retailsim_version", RETAILSIM_VERSION}};
}

// The baskets the protocol counts: store baskets (temporal) or date-baskets (reality-check).
BasketTable protocol_baskets(const Store& store, const EvalConfig& config) {
  return config.protocol == "temporal" ? baskets_by_id(store)
                                       : baskets_by_date(store, config.min_product_count);
}

std::vector<Fold> protocol_folds(const Store& store, const BasketTable& baskets,
                                 const EvalConfig& config) {
  if (config.protocol == "temporal") return {temporal_fold(store, baskets, config)};
  return reality_check_folds(baskets, config);
}

// The auxiliary heads' targets, under the temporal protocol only: a reality-check target joins
// every basket of one date, each with its own labels.
Json auxiliary_report(const EvaluateOptions& options, const Store& store,
                      const BasketTable& baskets, const std::vector<Fold>& folds,
                      const std::vector<std::string>& methods) {
  const EvalConfig& config = options.config;
  Json out = {{"attributes", basket_attribute_names()}};
  if (config.protocol != "temporal" || folds.empty()) {
    out["note"] =
        "measured under the temporal protocol only: a reality-check target is every basket of "
        "one date, each with its own labels";
    return out;
  }
  const Fold& fold = folds.front();
  Json by_method = Json::object();
  Json sliced = Json::object();  // report key -> method -> slice name -> accuracies
  auto add = [&](const std::string& name, const std::vector<AttributeGuess>& guesses) {
    by_method[name] = attribute_accuracy(store, baskets, fold.cases, guesses);
    // The accuracies over the cases of each slice, sliced as the ranking metrics are.
    for (const Slicing& slicing : slicings()) {
      std::map<int32_t, std::pair<std::vector<EvalCase>, std::vector<AttributeGuess>>> slices;
      for (size_t i = 0; i < fold.cases.size(); ++i) {
        auto& [cases, slice_guesses] = slices[slicing.key_of(store, fold.cases[i])];
        cases.push_back(fold.cases[i]);
        slice_guesses.push_back(guesses[i]);
      }
      Json part = Json::object();
      for (const auto& [key, slice] : slices)
        part[slicing.name_of(key)] = attribute_accuracy(store, baskets, slice.first, slice.second);
      sliced[slicing.report_key][name] = std::move(part);
    }
    const Json& size = by_method[name]["basket_size_accuracy"];
    spdlog::info("{}: basket-size accuracy {:.4f} over {} cases", name,
                 size.is_number() ? size.get<double>() : 0.0, fold.cases.size());
  };
  add("g-mode", global_mode_attributes(store, fold.view, fold.cases));
  add("p-mode", personal_mode_attributes(store, fold.view, fold.cases));
  for (const std::string& name : methods) {
    if (name == "oracle") {
      add("oracle",
          oracle_attributes(options.data_dir, store, fold.cases, config.oracle_trips, config.seed));
    } else if (!registered(name) &&
               fs::exists(attributes_file(options.data_dir, name, fold.name))) {
      add(name, file_attributes(options.data_dir, name, fold));
    }
  }
  out["fold"] = fold.name;
  out["methods"] = by_method;
  for (const Slicing& slicing : slicings())
    out[slicing.report_key] = sliced.value(slicing.report_key, Json::object());
  if (by_method.contains("oracle")) out["oracle_trips"] = config.oracle_trips;
  return out;
}

}  // namespace

std::vector<std::string> write_eval_cases(const fs::path& data_dir, const EvalConfig& config) {
  config.validate();
  const Store store = Store::open(data_dir);
  const BasketTable baskets = protocol_baskets(store, config);
  std::vector<std::string> names;
  for (const Fold& fold : protocol_folds(store, baskets, config)) {
    write_case_file(case_file(data_dir, fold.name), fold);
    names.push_back(fold.name);
  }
  return names;
}

EvaluateSummary evaluate(const EvaluateOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  const EvalConfig& config = options.config;
  config.validate();
  // Store-visit methods go to the store_visits part; the other names are next-basket methods.
  const std::vector<std::string> visit_methods =
      visit_methods_of(options.methods, options.data_dir);
  std::vector<std::string> basket_request;
  for (const std::string& name : options.methods) {
    if (std::find(visit_methods.begin(), visit_methods.end(), name) == visit_methods.end())
      basket_request.push_back(name);
  }
  const std::vector<std::string> methods = resolve_methods(basket_request, options.data_dir);
  const Json inputs = evaluation_inputs(options.data_dir, config, methods, visit_methods);
  const fs::path report_path = options.data_dir / "reports" / "evaluation.json";
  if (!options.force && fs::exists(report_path) &&
      fs::exists(options.data_dir / "reports" / "evaluation.html")) {
    Json previous = read_json(report_path);
    if (previous.value("inputs", Json()) == inputs) {
      spdlog::info("evaluate: {} is up to date", report_path.string());
      EvaluateSummary summary;
      summary.report = std::move(previous);
      summary.skipped = true;
      summary.seconds = seconds_since(start);
      return summary;
    }
  }
  const Store store = Store::open(options.data_dir);
  spdlog::info("evaluate: protocol {}, split {}", config.protocol, config.split);
  const BasketTable baskets = protocol_baskets(store, config);
  const std::vector<Fold> folds = protocol_folds(store, baskets, config);

  Json report = Json::object();
  report["protocol"] = config.protocol;
  report["split"] = config.split;
  report["retailsim_version"] = RETAILSIM_VERSION;
  report["has_truth"] = has_truth(options.data_dir);
  report["config"] = config.to_json();
  report["data"] = {{"baskets", baskets.size()},
                    {"customers", store.n_customers()},
                    {"products", store.n_products()},
                    {"weeks", store.calendar.size()}};
  Json fold_info = Json::array();
  for (const Fold& fold : folds) {
    const fs::path file = case_file(options.data_dir, fold.name);
    write_case_file(file, fold);
    int64_t candidates = 0;
    for (uint8_t c : fold.view.candidate) candidates += c;
    fold_info.push_back({{"name", fold.name},
                         {"cases", fold.cases.size()},
                         {"cold_start_cases", fold.cold_cases.size()},
                         {"tuning_cases", fold.tune_cases.size()},
                         {"candidate_products", candidates},
                         {"case_file", fs::relative(file, options.data_dir).string()}});
    spdlog::info("evaluate {}: {} cases, {} cold-start, {} for tuning", fold.name,
                 fold.cases.size(), fold.cold_cases.size(), fold.tune_cases.size());
    if (fold.cases.empty())
      spdlog::warn("evaluate {}: no evaluation cases (too few weeks or customers?)", fold.name);
  }
  report["folds"] = fold_info;
  report["metrics"] = metric_names();

  Json by_method = Json::object(), cold = Json::object(), settings = Json::object(),
       per_fold = Json::object(), seconds = Json::object(), calibration = Json::object();
  // slicing (by_week, by_weekday, by_hour) -> method -> slice -> metrics, of the evaluated and of
  // the cold-start cases.
  Json sliced = Json::object(), cold_sliced = Json::object();
  const bool explicit_names =
      std::find(options.methods.begin(), options.methods.end(), "all") == options.methods.end();
  for (const std::string& name : methods) {
    // A rankings folder picked up by "all" may hold another protocol's folds only: skip it then
    // (named explicitly, a missing file is an error naming it).
    if (!registered(name) && !explicit_names &&
        std::find(options.methods.begin(), options.methods.end(), name) == options.methods.end()) {
      const bool complete = std::all_of(folds.begin(), folds.end(), [&](const Fold& f) {
        return fs::exists(ranking_file(options.data_dir, name, f.name));
      });
      if (!complete) {
        spdlog::warn("evaluate: {} has no rankings for every {} fold; left out",
                     (options.data_dir / "reports" / "rankings" / name).string(), config.protocol);
        continue;
      }
    }
    const auto method_start = std::chrono::steady_clock::now();
    std::vector<FoldResult> results;
    for (const Fold& fold : folds) {
      MethodContext context{options.data_dir, &store, &config, &fold};
      results.push_back(run_method(name, context, fold, store));
    }
    std::vector<const MetricMeans*> overall, cold_parts;
    Json fold_metrics = Json::array(), fold_settings = Json::array();
    for (const FoldResult& r : results) {
      overall.push_back(&r.overall);
      cold_parts.push_back(&r.cold);
      fold_metrics.push_back(r.overall.to_json());
      fold_settings.push_back(r.settings);
    }
    by_method[name] = average_over_folds(overall);
    cold[name] = average_over_folds(cold_parts);
    for (auto [member, out] : {std::pair{&FoldResult::slices, &sliced},
                               std::pair{&FoldResult::cold_slices, &cold_sliced}}) {
      const Json parts = slices_json(results, member);
      for (const auto& [slicing, figures] : parts.items()) (*out)[slicing][name] = figures;
    }
    settings[name] = folds.size() == 1 ? fold_settings[0] : fold_settings;
    if (folds.size() > 1) per_fold[name] = fold_metrics;
    Calibration pooled;
    for (const FoldResult& r : results) pooled.merge(r.calibration);
    if (!pooled.empty()) calibration[name] = pooled.to_json();
    seconds[name] = seconds_since(method_start);
    const Json& m = by_method[name];
    spdlog::info("{}: recall@10 {:.4f}, ndcg@10 {:.4f} over {} cases ({})", name,
                 m["recall@10"].is_number() ? m["recall@10"].get<double>() : 0.0,
                 m["ndcg@10"].is_number() ? m["ndcg@10"].get<double>() : 0.0,
                 m["n_cases"].get<int64_t>(), human_duration(seconds[name].get<double>()));
  }
  report["methods"] = by_method;
  report["cold_start"] = cold;
  for (const Slicing& slicing : slicings()) {
    const std::string key = slicing.report_key;
    report[key] = sliced.value(key, Json::object());
    report["cold_start_" + key] = cold_sliced.value(key, Json::object());
  }
  report["settings"] = settings;
  if (settings.contains("tifu-knn-tuned")) report["tifu_tuned"] = settings["tifu-knn-tuned"];
  if (!per_fold.empty()) report["per_fold"] = per_fold;
  report["calibration"] = calibration;
  report["auxiliary"] = auxiliary_report(options, store, baskets, folds, methods);
  report["store_visits"] = evaluate_store_visits(options.data_dir, store, config, visit_methods);
  // A training report without its curves leaves them out of the report, not the evaluation.
  try {
    if (Json curves = learning_curves(options.data_dir); !curves.empty())
      report["learning_curves"] = std::move(curves);
  } catch (const Error& e) {
    spdlog::warn("evaluate: no learning curves: {}", e.what());
  }
  report["seconds"] = seconds;
  report["inputs"] = inputs;

  const fs::path reports = options.data_dir / "reports";
  fs::create_directories(reports);
  write_json(reports / "evaluation.json", report);
  write_file_atomic(reports / "evaluation.html", evaluation_html(report));
  EvaluateSummary summary;
  summary.report = std::move(report);
  summary.seconds = seconds_since(start);
  return summary;
}

}  // namespace retailsim::eval
