// `retailsim evaluate`: next-basket methods (baselines, the oracle, ranking files such as the
// world model's) under the temporal or reality-check protocol, and under the temporal one the
// store-visit methods (baselines, the oracle, the store-visit model), into reports/evaluation.*.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "cli/command.h"
#include "core/progress.h"
#include "core/torch_runtime.h"
#include "eval/eval.h"
#include "model/model.h"

namespace retailsim::cli {

namespace {

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = std::min(text.find(',', start), text.size());
    if (comma > start) out.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

// Whether `model` (world, store-visit) is trained and asked for ("all" or `method` among the
// methods).
bool model_wanted(const eval::EvaluateOptions& o, const std::string& model,
                  const std::string& method) {
  const bool asked = std::any_of(o.methods.begin(), o.methods.end(),
                                 [&](const std::string& m) { return m == "all" || m == method; });
  return asked && fs::exists(o.data_dir / "models" / model / "model.json") &&
         !model::find_checkpoint(o.data_dir, model).empty();
}

// Runs a ranking torch job over the folds, after loading the torch runtime.
Json run_rank_job(CommandContext& ctx, const eval::EvaluateOptions& o, const std::string& job,
                  const std::vector<std::string>& folds, Json extra = Json::object()) {
  load_torch_runtime(ctx.global.resolved_threads());
  Json args = {{"data_dir", o.data_dir.string()},
               {"folds", folds},
               {"seed", ctx.seed()},
               {"config_path", ctx.global.config_path.string()}};
  args.update(extra);
  return run_torch_job(job, args, ctx.global.quiet);
}

// With a trained world model (and "all" or "world-model" asked for), the model ranks the
// protocol's cases into reports/rankings/world-model/ first, so evaluate measures it beside the
// baselines.
// Returns the rank job's per-fold account (cases, without_history, target_in_training_weeks,
// last_date_held_out), or null when the world model did not rank.
Json rank_with_world_model(CommandContext& ctx, const eval::EvaluateOptions& o,
                           bool price_ablation) {
  if (!model_wanted(o, "world", "world-model")) return Json();
  const std::vector<std::string> folds = eval::write_eval_cases(o.data_dir, o.config);
  const Json result = run_rank_job(ctx, o, "model.rank", folds);
  if (price_ablation) run_rank_job(ctx, o, "model.rank", folds, {{"without_prices", true}});
  spdlog::info("evaluate: the world model ranked {} fold(s) in {}", folds.size(),
               human_duration(result.at("seconds").get<double>()));
  return result.at("folds");
}

// With a trained store-visit model (and "all" or "store-visit" asked for, under the temporal
// protocol), the model scores the store-visit cases into reports/visit_rankings/store-visit/
// first, so evaluate measures it beside the store-visit baselines.
void rank_with_store_visit_model(CommandContext& ctx, const eval::EvaluateOptions& o) {
  if (o.config.protocol != "temporal" || !model_wanted(o, "store-visit", "store-visit")) return;
  // A model trained before its inputs changed does not load: left out (with the warning), the
  // rest of the evaluation goes on.
  if (!model::store_visit_inputs_current(model::find_checkpoint(o.data_dir, "store-visit"))) {
    spdlog::warn("evaluate: the store-visit model is left out until it is retrained");
    return;
  }
  const std::vector<std::string> folds = eval::write_visit_cases(o.data_dir, o.config);
  const Json result = run_rank_job(ctx, o, "model.rank_visits", folds);
  spdlog::info("evaluate: the store-visit model scored {} fold(s) in {}", folds.size(),
               human_duration(result.at("seconds").get<double>()));
}

}  // namespace

Json run_evaluation(CommandContext& ctx, const EvaluationRequest& request) {
  eval::EvaluateOptions o;
  o.data_dir = request.data;
  o.config = eval::EvalConfig::from_sections(ctx.config.section("evaluate"),
                                             ctx.config.section("features"), ctx.seed());
  if (!request.protocol.empty()) o.config.protocol = request.protocol;
  if (!request.split.empty()) o.config.split = request.split;
  o.config.validate();
  o.methods = split_list(request.methods.empty() ? "all" : request.methods);
  o.force = request.force;
  const Json ranked = rank_with_world_model(ctx, o, request.price_ablation);
  rank_with_store_visit_model(ctx, o);
  eval::EvaluateSummary summary = eval::evaluate(o);
  if (summary.skipped) return Json{{"skipped", true}};
  if (!ranked.is_null()) {
    summary.report["world_model_ranking"] = ranked;
    write_json(request.data / "reports" / "evaluation.json", summary.report);
  }
  const Json& report = summary.report;
  const std::string prefix = "evaluate." + report["protocol"].get<std::string>() + "." +
                             report["split"].get<std::string>();
  // The headline metrics only (each is one registry write); the rest are in evaluation.json.
  for (const auto& [method, metrics] : report["methods"].items()) {
    for (const char* name : {"recall@10", "ndcg@10", "precision@10", "f1@10", "hit@10", "mrr",
                             "repeat_recall@10", "explore_recall@10"}) {
      const Json& value = metrics[name];
      if (value.is_number())
        ctx.log_metric(prefix + "." + method + "." + name, 0, value.get<double>());
    }
  }
  const Json visits = report.value("store_visits", Json::object()).value("methods", Json::object());
  for (const auto& [method, metrics] : visits.items()) {
    for (const char* name : {"accuracy", "top3", "mrr", "store_accuracy", "trip_auc"}) {
      const Json& value = metrics[name];
      if (value.is_number())
        ctx.log_metric(prefix + ".visits." + method + "." + name, 0, value.get<double>());
    }
  }
  spdlog::info("evaluate done in {}: {}", human_duration(summary.seconds),
               (request.data / "reports" / "evaluation.html").string());
  return Json{{"protocol", report["protocol"]},
              {"split", report["split"]},
              {"folds", report["folds"]},
              {"methods", report["methods"]},
              {"seconds", summary.seconds}};
}

Command add_evaluate_command(CLI::App& root) {
  auto request = std::make_shared<EvaluationRequest>();
  CLI::App* app = root.add_subcommand(
      "evaluate",
      "Measure next-basket methods (baselines, oracle, ranking files) on the evaluation cases "
      "into <data>/reports/evaluation.{json,html}");
  app->add_option("--data", request->data, "Dataset folder")->required();
  app->add_option(
      "--baselines", request->methods,
      "Methods, comma-separated: all (default) or g-topfreq, p-topfreq, gp-topfreq, "
      "tifu-knn, tifu-knn-tuned, oracle, oracle-history, a folder name under reports/rankings/; "
      "store visits (temporal): visit-global, visit-personal, visit-last, visit-oracle, "
      "store-visit (the model)");
  app->add_option("--protocol", request->protocol,
                  "temporal (default: the config's [evaluate] protocol) or reality-check")
      ->check(CLI::IsMember({"temporal", "reality-check"}));
  app->add_option("--split", request->split, "Customers evaluated: test (default) or val")
      ->check(CLI::IsMember({"val", "test"}));
  app->add_flag("--price-ablation", request->price_ablation,
                "Also rank the world model as if every price were regular (method "
                "world-model-no-prices), to measure what the target week's prices add");
  app->add_flag("--force", request->force,
                "Evaluate even when the report is up to date (same store, truth, ranking files, "
                "config and methods)");

  Command command;
  command.app = app;
  command.data_dir = [request] { return request->data; };
  command.run = [request](CommandContext& ctx) { ctx.counts = run_evaluation(ctx, *request); };
  return command;
}

}  // namespace retailsim::cli
