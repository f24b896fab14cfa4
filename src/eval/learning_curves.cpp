// The report's learning curves: what the training reports (reports/training-<model>.json) hold
// about each step and validation, binned so that evaluation.json stays small.
#include <algorithm>
#include <cmath>
#include <map>
#include <string>

#include "core/error.h"
#include "eval/eval.h"

namespace retailsim::eval {

std::vector<fs::path> training_reports(const fs::path& data_dir) {
  std::vector<fs::path> out;
  for (const char* name : {"training-world.json", "training-store-visit.json"}) {
    const fs::path path = data_dir / "reports" / name;
    if (fs::exists(path)) out.push_back(path);
  }
  return out;
}

namespace {

double number_or_nan(const Json& v) {
  return v.is_number() ? v.get<double>() : std::nan("");
}

// The batch kind of a step of the curve, by the loss part it logged: the world model alternates
// masked-basket batches (part "masked") with next-basket ones, whose losses differ in scale.
std::string batch_kind(const Json& point) {
  if (point.contains("masked")) return "masked-basket";
  if (point.contains("store_visit")) return "store-visit";
  return "next-basket";
}

// The step curve's mean loss per batch kind over consecutive bins of ceil(n / max_points) steps
// (finite losses only; a bin without one is left out), each at the last step it holds.
Json binned_loss(const Json& curve, size_t max_points) {
  const size_t n = curve.size();
  const size_t bin = std::max<size_t>(1, (n + max_points - 1) / std::max<size_t>(1, max_points));
  Json out = Json::object();
  for (size_t begin = 0; begin < n; begin += bin) {
    struct Mean {
      double sum = 0;
      size_t count = 0;
      int64_t step = 0;
    };
    std::map<std::string, Mean> means;
    for (size_t i = begin; i < std::min(n, begin + bin); ++i) {
      const double loss = number_or_nan(curve[i].value("loss", Json()));
      if (!std::isfinite(loss)) continue;
      Mean& m = means[batch_kind(curve[i])];
      m.sum += loss;
      ++m.count;
      m.step = curve[i].value("step", static_cast<int64_t>(i + 1));
    }
    for (const auto& [kind, m] : means) {
      if (!out.contains(kind)) out[kind] = Json::array();
      out[kind].push_back({{"step", m.step}, {"loss", m.sum / static_cast<double>(m.count)}});
    }
  }
  return out;
}

Json curves_of(const Json& report, const fs::path& path, const fs::path& data_dir,
               size_t max_points) {
  if (!report.is_object() || !report.contains("curve") || !report["curve"].is_array())
    fail("{}: no \"curve\" array; retrain the model to write it", path.string());
  const Json& curve = report["curve"];
  const Json validations = report.value("validations", Json::array());
  // The ranking figure the validations carry: NDCG@10 for the basket model, accuracy for the
  // store-visit model.
  std::string metric;
  for (const char* key : {"ndcg@10", "accuracy"}) {
    for (const Json& v : validations) {
      if (v.contains(key)) metric = key;
    }
    if (!metric.empty()) break;
  }
  Json phases = Json::array();
  std::string phase;
  for (const Json& point : curve) {
    const std::string name = point.value("phase", std::string{});
    if (name == phase) continue;
    phase = name;
    phases.push_back({{"name", name}, {"first_step", point.value("step", int64_t{0})}});
  }
  Json points = Json::array();
  for (const Json& v : validations) {
    Json p = {{"step", v.value("step", int64_t{0})},
              {"kind", v.value("kind", std::string{})},
              {"loss", v.value("loss", Json())}};
    if (!metric.empty()) p[metric] = v.value(metric, Json());
    points.push_back(std::move(p));
  }
  const Json best = report.value("best_validation", Json::object());
  return Json{{"report", fs::relative(path, data_dir).generic_string()},
              {"steps", report.value("steps", static_cast<int64_t>(curve.size()))},
              {"monitor", report.value("monitor", std::string{})},
              {"metric", metric},
              {"best_step", best.value("step", Json())},
              {"phases", phases},
              {"training_loss", binned_loss(curve, max_points)},
              {"validations", points}};
}

}  // namespace

Json learning_curves(const fs::path& data_dir, size_t max_points) {
  Json out = Json::object();
  for (const fs::path& path : training_reports(data_dir)) {
    const Json report = read_json(path);  // names the file when it is not JSON
    // training-<model>.json names its model; the file name does when the key is missing.
    const Json model = report.value("model", Json());
    const std::string name = model.is_string()
                                 ? model.get<std::string>()
                                 : path.stem().string().substr(sizeof "training-" - 1);
    out[name] = curves_of(report, path, data_dir, max_points);
  }
  return out;
}

}  // namespace retailsim::eval
