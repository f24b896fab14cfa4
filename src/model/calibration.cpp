// Platt scaling of the world model's product probabilities (model.h's ProbabilityCalibration):
// the two-parameter logistic fit and its file beside the checkpoint.
#include <cmath>

#include "core/error.h"
#include "model/model.h"

namespace retailsim::model {
namespace {

// Mean negative log-likelihood of the labels under sigmoid(slope * x + offset).
double mean_log_loss(std::span<const float> x, std::span<const uint8_t> y, double slope,
                     double offset) {
  double sum = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double z = slope * x[i] + offset;
    // -log sigmoid(z) = log(1 + e^-z), -log(1 - sigmoid(z)) = log(1 + e^z), both overflow-safe.
    const double t = y[i] ? -z : z;
    sum += t > 0 ? t + std::log1p(std::exp(-t)) : std::log1p(std::exp(t));
  }
  return x.empty() ? 0.0 : sum / static_cast<double>(x.size());
}

}  // namespace

Json ProbabilityCalibration::to_json() const {
  return {{"slope", slope},
          {"offset", offset},
          {"pairs", pairs},
          {"positives", positives},
          {"log_loss_before", log_loss_before},
          {"log_loss_after", log_loss_after}};
}

ProbabilityCalibration ProbabilityCalibration::from_json(const Json& j) {
  ProbabilityCalibration c;
  c.slope = j.at("slope").get<double>();
  c.offset = j.at("offset").get<double>();
  c.pairs = j.value("pairs", int64_t{0});
  c.positives = j.value("positives", int64_t{0});
  c.log_loss_before = j.value("log_loss_before", 0.0);
  c.log_loss_after = j.value("log_loss_after", 0.0);
  if (!std::isfinite(c.slope) || !std::isfinite(c.offset) || c.slope <= 0)
    fail(
        "probability calibration: expected a finite positive slope and a finite offset, got {} "
        "and {}",
        c.slope, c.offset);
  return c;
}

ProbabilityCalibration fit_platt(std::span<const float> logits, std::span<const uint8_t> labels) {
  if (logits.size() != labels.size())
    fail("fit_platt: {} logits and {} labels", logits.size(), labels.size());
  ProbabilityCalibration c;
  c.pairs = static_cast<int64_t>(logits.size());
  for (uint8_t y : labels) c.positives += y ? 1 : 0;
  c.log_loss_before = mean_log_loss(logits, labels, 1.0, 0.0);
  c.log_loss_after = c.log_loss_before;
  if (c.positives == 0 || c.positives == c.pairs) return c;

  double a = 1.0, b = 0.0, loss = c.log_loss_before;
  for (int iteration = 0; iteration < 100; ++iteration) {
    // Gradient and Hessian of the summed log loss in (a, b).
    double ga = 0, gb = 0, haa = 0, hab = 0, hbb = 0;
    for (size_t i = 0; i < logits.size(); ++i) {
      const double x = logits[i];
      const double p = 1.0 / (1.0 + std::exp(-(a * x + b)));
      const double r = p - (labels[i] ? 1.0 : 0.0), w = p * (1 - p);
      ga += r * x;
      gb += r;
      haa += w * x * x;
      hab += w * x;
      hbb += w;
    }
    // A little ridge keeps the system solvable when every logit is the same (then only the
    // offset moves: the slope's step is 0).
    const double ridge = 1e-9 * static_cast<double>(logits.size());
    haa += ridge;
    hbb += ridge;
    const double det = haa * hbb - hab * hab;
    if (!(det > 0)) break;
    const double step_a = (hbb * ga - hab * gb) / det, step_b = (haa * gb - hab * ga) / det;
    // Step halving keeps every accepted step downhill.
    double t = 1.0, next = loss;
    for (; t > 1e-6; t /= 2) {
      next = mean_log_loss(logits, labels, a - t * step_a, b - t * step_b);
      if (next <= loss) break;
    }
    if (t <= 1e-6) break;
    a -= t * step_a;
    b -= t * step_b;
    const double gain = loss - next;
    loss = next;
    if (gain < 1e-12) break;
  }
  if (!(a > 0) || !std::isfinite(b)) return c;
  c.slope = a;
  c.offset = b;
  c.log_loss_after = loss;
  return c;
}

void write_calibration(const fs::path& checkpoint_dir, const ProbabilityCalibration& calibration) {
  write_json(checkpoint_dir / kCalibrationFile, calibration.to_json());
}

ProbabilityCalibration read_calibration(const fs::path& checkpoint_dir, bool* found) {
  const fs::path path = checkpoint_dir / kCalibrationFile;
  if (found) *found = fs::exists(path);
  if (!fs::exists(path)) return {};
  try {
    return ProbabilityCalibration::from_json(read_json(path));
  } catch (const std::exception& e) {
    fail("{}: {}", path.string(), e.what());
  }
}

}  // namespace retailsim::model
