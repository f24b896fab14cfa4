// Drives `retailsim simulate` with trained tiny models: the run goes through the torch module,
// the scenario runs in the world-model source, and counterfactual.json reports the learned
// simulator's errors against the truth instead of nulls.
#include <gtest/gtest.h>

#include <fstream>

#include "core/dataset.h"
#include "core/npy.h"
#include "test_util.h"

namespace retailsim {
namespace {

using testing::retailsim_binary;
using testing::run_command;
using testing::ScratchDir;

TEST(SimulateCli, WorldModelSourceAnswersBesideTheTruth) {
  ScratchDir dir;
  const std::string bin = retailsim_binary().string();
  const std::string data = dir.path().string();
  std::string out;
  ASSERT_EQ(testing::prepare_tiny_dataset(data), "");
  {
    std::ofstream f(dir / "model.toml");
    f << "[model]\nd_model = 16\nn_heads = 2\nfeedforward = 32\n"
         "[train]\nbatch_size = 64\nwarmup_epochs = 0\nmain_epochs = 1\nfinetune_epochs = 0\n"
         "max_batches_per_epoch = 3\nfull_val_batches = 1\n";
    std::ofstream s(dir / "cut.toml");
    s << "[[price]]\nchange_pct = -10\n[simulate]\nseeds = 2\nweeks = 2\n"
         "elasticity_products = 5\n";
  }
  const std::string train = bin + " --quiet --threads 1 train --config " +
                            (dir / "model.toml").string() + " --data " + data;
  ASSERT_EQ(run_command(train + " --model world", &out), 0) << out;
  ASSERT_EQ(run_command(train + " --model store-visit", &out), 0) << out;

  const std::string simulate =
      bin + " --quiet simulate --data " + data + " --scenario " + (dir / "cut.toml").string();
  ASSERT_EQ(run_command(simulate + " --source world-model --mode expected", &out), 0) << out;
  const Json report = read_json(dir / "reports" / "counterfactual.json");
  EXPECT_EQ(report["demand_source"], "world-model");
  EXPECT_EQ(report["mode"], "expected");
  // A price cut raises units in the learned market (its price term can only do that).
  EXPECT_GT(report["deltas"]["total"]["units"]["mean"].get<double>(), 0.0);
  EXPECT_TRUE(report["elasticity_error_median"].is_number()) << report.dump();
  EXPECT_TRUE(report["price_cut_revenue_error"].is_number()) << report.dump();
  EXPECT_FALSE(report.contains("price_cut_revenue_error_reason"));
  EXPECT_TRUE(report["price_cut"]["model_revenue_delta_pct"].is_number());
}

}  // namespace
}  // namespace retailsim
