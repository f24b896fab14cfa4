// The learning-rate schedule, early stopping and the [train] config.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "train/train.h"

namespace retailsim::train {
namespace {

TEST(Schedule, WarmsUpLinearlyThenDecaysByCosineToTheFloor) {
  const Phase phase{"main", 1, 1e-3, 0.15};
  EXPECT_DOUBLE_EQ(learning_rate(phase, 0, 110, 10, 0.1), 1e-4);
  EXPECT_DOUBLE_EQ(learning_rate(phase, 9, 110, 10, 0.1), 1e-3);
  EXPECT_DOUBLE_EQ(learning_rate(phase, 10, 110, 10, 0.1), 1e-3);
  const double halfway = 1e-3 * (0.1 + 0.9 * 0.5 * (1 + std::cos(std::numbers::pi * 0.5)));
  EXPECT_NEAR(learning_rate(phase, 60, 110, 10, 0.1), halfway, 1e-12);
  EXPECT_NEAR(learning_rate(phase, 110, 110, 10, 0.1), 1e-4, 1e-12);
}

TEST(EarlyStoppingTest, StopsAfterPatienceEpochsWithoutABetterLoss) {
  EarlyStopping stopping(3);
  EXPECT_TRUE(stopping.update(1.0));
  EXPECT_FALSE(stopping.update(1.0));
  EXPECT_FALSE(stopping.update(1.2));
  EXPECT_FALSE(stopping.should_stop());
  EXPECT_FALSE(stopping.update(1.1));
  EXPECT_TRUE(stopping.should_stop());
  EarlyStopping restored(3);
  restored.from_json(stopping.to_json());
  EXPECT_TRUE(restored.should_stop());
  EXPECT_TRUE(restored.update(0.5));
  EXPECT_FALSE(restored.should_stop());
}

TEST(TrainConfigTest, ReadsPhasesAndRejectsBadValues) {
  Config toml =
      Config::parse("[train]\nmain_epochs = 4\nfinetune_lr = 0.0002\nbatch_size = 64\n", "t.toml");
  const TrainConfig c = TrainConfig::from_section(toml.section("train"));
  EXPECT_EQ(c.phases[1].epochs, 4);
  EXPECT_DOUBLE_EQ(c.phases[2].learning_rate, 2e-4);
  EXPECT_EQ(c.batch_size, 64);
  EXPECT_EQ(TrainConfig::from_json(c.to_json()).to_json(), c.to_json());
  Config bad = Config::parse("[train]\nwarmup_mask_rate = 1.5\n", "t.toml");
  EXPECT_THROW(TrainConfig::from_section(bad.section("train")), std::exception);
  Config typo = Config::parse("[train]\nbatchsize = 5\n", "t.toml");
  EXPECT_THROW(TrainConfig::from_section(typo.section("train")), std::exception);
}

}  // namespace
}  // namespace retailsim::train
