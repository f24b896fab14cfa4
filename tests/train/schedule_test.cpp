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

TEST(EarlyStoppingTest, AFigureOtherThanTheLossIsBetterHigher) {
  EarlyStopping stopping(2, "ndcg@10");
  EXPECT_TRUE(stopping.higher_is_better());
  EXPECT_FALSE(stopping.has_best());
  EXPECT_TRUE(stopping.update(0.30));
  EXPECT_TRUE(stopping.update(0.39));
  EXPECT_FALSE(stopping.update(0.35));  // a lower ndcg@10 is worse
  EXPECT_FALSE(stopping.update(0.39));  // and an equal one is no better
  EXPECT_TRUE(stopping.should_stop());
  EXPECT_DOUBLE_EQ(stopping.best(), 0.39);
  EXPECT_THROW(stopping.set_monitor("loss"), std::exception);  // not after an update
  EarlyStopping restored(2);
  restored.from_json(stopping.to_json());
  EXPECT_EQ(restored.monitor(), "ndcg@10");
  EXPECT_DOUBLE_EQ(restored.best(), 0.39);
  EXPECT_FALSE(restored.update(0.38));
  EXPECT_TRUE(restored.update(0.40));
}

TEST(EarlyStoppingTest, TheMonitorCanChangeBeforeTheFirstUpdateAndStatesRoundTripWithoutOne) {
  EarlyStopping stopping(3, "ndcg@10");
  // JSON has no infinities: the state before any update round-trips through null.
  EarlyStopping fresh(3, "loss");
  fresh.from_json(Json::parse(stopping.to_json().dump()));
  EXPECT_EQ(fresh.monitor(), "ndcg@10");
  EXPECT_FALSE(fresh.has_best());
  EXPECT_TRUE(fresh.update(0.01));
  stopping.set_monitor("loss");
  EXPECT_FALSE(stopping.higher_is_better());
  EXPECT_TRUE(stopping.update(2.0));
  EXPECT_FALSE(stopping.update(2.5));
  // A state saved before monitors existed followed the loss, and 1e300 meant "none yet".
  EarlyStopping old(3, "ndcg@10");
  old.from_json(Json{{"patience", 3}, {"bad_epochs", 0}, {"best", 1e300}});
  EXPECT_EQ(old.monitor(), "loss");
  EXPECT_FALSE(old.has_best());
  old.from_json(Json{{"patience", 3}, {"bad_epochs", 1}, {"best", 0.9}});
  EXPECT_TRUE(old.has_best());
  EXPECT_FALSE(old.update(0.95));
  EXPECT_TRUE(old.update(0.85));
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

TEST(TrainConfigTest, EpochsAndFullValidationsAreCappedByDefaultAndZeroLiftsTheCaps) {
  const TrainConfig defaults;
  EXPECT_EQ(defaults.max_batches_per_epoch, 1000);
  EXPECT_EQ(defaults.full_val_batches, 200);
  Config toml =
      Config::parse("[train]\nmax_batches_per_epoch = 0\nfull_val_batches = 0\n", "t.toml");
  const TrainConfig all = TrainConfig::from_section(toml.section("train"));
  EXPECT_EQ(all.max_batches_per_epoch, 0);
  EXPECT_EQ(all.full_val_batches, 0);
  // A model's metadata keeps the values it was trained with.
  EXPECT_EQ(TrainConfig::from_json(all.to_json()).max_batches_per_epoch, 0);
  EXPECT_EQ(TrainConfig::from_json(defaults.to_json()).full_val_batches, 200);
  Config negative = Config::parse("[train]\nmax_batches_per_epoch = -1\n", "t.toml");
  EXPECT_THROW(TrainConfig::from_section(negative.section("train")), std::exception);
}

TEST(TrainConfigTest, MonitorAndRestoreBestDefaultsAndWhatOlderConfigsDid) {
  EXPECT_EQ(TrainConfig{}.monitor, "auto");
  Config toml = Config::parse("[train]\nmonitor = \"recall@10\"\n", "t.toml");
  const TrainConfig c = TrainConfig::from_section(toml.section("train"));
  EXPECT_EQ(c.monitor, "recall@10");
  EXPECT_EQ(TrainConfig::from_json(c.to_json()).monitor, "recall@10");
  EXPECT_TRUE(c.restore_best);
  Json old = c.to_json();
  old.erase("monitor");
  old.erase("restore_best");
  EXPECT_EQ(TrainConfig::from_json(old).monitor, "loss");
  EXPECT_FALSE(TrainConfig::from_json(old).restore_best);
  Config no_restore = Config::parse("[train]\nrestore_best = false\n", "t.toml");
  EXPECT_FALSE(TrainConfig::from_section(no_restore.section("train")).restore_best);
  for (const char* bad : {"\"\"", "\"step\"", "\"batches\"", "\"samples\"", "3"}) {
    SCOPED_TRACE(bad);
    Config toml_bad = Config::parse(std::string("[train]\nmonitor = ") + bad + "\n", "t.toml");
    EXPECT_THROW(TrainConfig::from_section(toml_bad.section("train")), std::exception);
  }
}

TEST(TrainConfigTest, ARefitPhaseComesLastWithItsOwnKeysAndZeroLeavesItOut) {
  const TrainConfig defaults =
      TrainConfig::from_section(Config::parse("", "t.toml").section("train"));
  ASSERT_EQ(defaults.phases.size(), 4u);
  const Phase& refit = defaults.phases.back();
  EXPECT_EQ(refit.name, "refit");
  EXPECT_TRUE(refit.refit);
  EXPECT_EQ(refit.epochs, 2);
  EXPECT_DOUBLE_EQ(refit.learning_rate, defaults.phases[1].learning_rate);
  EXPECT_DOUBLE_EQ(refit.mask_rate, defaults.phases[2].mask_rate);
  EXPECT_EQ(defaults.refit_epochs(), 2);
  const TrainConfig round = TrainConfig::from_json(defaults.to_json());
  EXPECT_TRUE(round.phases.back().refit);
  EXPECT_EQ(round.to_json(), defaults.to_json());
  EXPECT_EQ(defaults.without_refit().phases.size(), 3u);
  EXPECT_EQ(defaults.without_refit().refit_epochs(), 0);

  Config set = Config::parse("[train]\nrefit_epochs = 3\nrefit_lr = 0.002\nrefit_mask_rate = 0.1\n",
                             "t.toml");
  const TrainConfig c = TrainConfig::from_section(set.section("train"));
  EXPECT_EQ(c.phases.back().epochs, 3);
  EXPECT_DOUBLE_EQ(c.phases.back().learning_rate, 0.002);
  EXPECT_DOUBLE_EQ(c.phases.back().mask_rate, 0.1);
  // 0: no refit phase, and the JSON form of a configuration from before the key.
  Config none = Config::parse("[train]\nrefit_epochs = 0\n", "t.toml");
  const TrainConfig without = TrainConfig::from_section(none.section("train"));
  EXPECT_EQ(without.phases.size(), 3u);
  EXPECT_EQ(without.to_json(), TrainConfig{}.to_json());
  Config negative = Config::parse("[train]\nrefit_epochs = -1\n", "t.toml");
  EXPECT_THROW(TrainConfig::from_section(negative.section("train")), std::exception);
  TrainConfig misplaced = defaults;
  std::swap(misplaced.phases[2], misplaced.phases[3]);
  EXPECT_THROW(misplaced.validate(), std::exception);
}

}  // namespace
}  // namespace retailsim::train
