// Platt scaling of the world model's probabilities (model.h): the fit against known parameters and
// a hand computation, its edge cases, and the file beside the checkpoint.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include <unistd.h>

#include "core/error.h"
#include "model/model.h"

namespace retailsim::model {
namespace {

namespace fs = std::filesystem;

double sigmoid(double z) {
  return 1.0 / (1.0 + std::exp(-z));
}

TEST(Calibration, PlattRecoversTheSlopeAndOffsetThatDrewTheLabels) {
  // Logits five times too sure of themselves: the labels follow sigmoid(0.5 x - 2).
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<float> logit(-4.0f, 8.0f);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<float> x(40000);
  std::vector<uint8_t> y(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    x[i] = logit(rng);
    y[i] = u(rng) < sigmoid(0.5 * x[i] - 2.0) ? 1 : 0;
  }
  const ProbabilityCalibration c = fit_platt(x, y);
  EXPECT_NEAR(c.slope, 0.5, 0.03);
  EXPECT_NEAR(c.offset, -2.0, 0.1);
  EXPECT_EQ(c.pairs, 40000);
  EXPECT_LT(c.log_loss_after, c.log_loss_before);
}

TEST(Calibration, WithOneLogitForAllOnlyTheOffsetMovesToTheObservedRate) {
  // Hand computation: four pairs at logit 0, one bought: sigmoid(b) = 1/4, b = ln(1/3).
  const std::vector<float> x = {0, 0, 0, 0};
  const std::vector<uint8_t> y = {1, 0, 0, 0};
  const ProbabilityCalibration c = fit_platt(x, y);
  EXPECT_NEAR(c.slope, 1.0, 1e-9);
  EXPECT_NEAR(c.offset, std::log(1.0 / 3.0), 1e-6);
  EXPECT_NEAR(c.log_loss_before, std::log(2.0), 1e-9);
  EXPECT_NEAR(c.log_loss_after, -(0.25 * std::log(0.25) + 0.75 * std::log(0.75)), 1e-6);
}

TEST(Calibration, WithoutBothLabelsItStaysTheIdentity) {
  for (const std::vector<uint8_t>& y :
       {std::vector<uint8_t>{0, 0, 0}, std::vector<uint8_t>{1, 1, 1}}) {
    const ProbabilityCalibration c = fit_platt(std::vector<float>{-1, 0, 2}, y);
    EXPECT_EQ(c.slope, 1.0);
    EXPECT_EQ(c.offset, 0.0);
    EXPECT_EQ(c.pairs, 3);
    EXPECT_EQ(c.log_loss_after, c.log_loss_before);
  }
  const ProbabilityCalibration empty = fit_platt({}, {});
  EXPECT_EQ(empty.pairs, 0);
  EXPECT_EQ(empty.slope, 1.0);
  EXPECT_THROW(fit_platt(std::vector<float>{1}, std::vector<uint8_t>{1, 0}), Error);
}

TEST(Calibration, TheFileRoundTripsAndAModelWithoutOneGetsTheIdentity) {
  const fs::path dir =
      fs::temp_directory_path() / ("retailsim_calibration_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  bool found = true;
  const ProbabilityCalibration none = read_calibration(dir, &found);
  EXPECT_FALSE(found);
  EXPECT_EQ(none.slope, 1.0);
  EXPECT_EQ(none.offset, 0.0);

  ProbabilityCalibration c;
  c.slope = 0.83;
  c.offset = -3.3;
  c.pairs = 10;
  c.positives = 2;
  c.log_loss_before = 0.9;
  c.log_loss_after = 0.2;
  write_calibration(dir, c);
  const ProbabilityCalibration back = read_calibration(dir, &found);
  EXPECT_TRUE(found);
  EXPECT_EQ(back.to_json(), c.to_json());

  std::ofstream(dir / kCalibrationFile) << R"({"slope": -1, "offset": 0})";
  try {
    read_calibration(dir);
    FAIL() << "a negative slope was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(kCalibrationFile), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("slope"), std::string::npos) << e.what();
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace retailsim::model
