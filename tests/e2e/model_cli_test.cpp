// Drives `retailsim train` and `retailsim predict` on the tiny preset: checkpoints, the training
// report, the recorded run, --resume of a finished run, predictions, and clear device errors.
#include <gtest/gtest.h>

#include <fstream>

#include "core/dataset.h"
#include "core/npy.h"
#include "registry/registry.h"
#include "test_util.h"

namespace retailsim {
namespace {

using testing::retailsim_binary;
using testing::run_command;
using testing::ScratchDir;

TEST(ModelCli, TrainWritesCheckpointsAndReportAndPredictRanksProducts) {
  ScratchDir dir;
  const std::string bin = retailsim_binary().string();
  const std::string data = dir.path().string();
  std::string out;
  ASSERT_EQ(testing::prepare_tiny_dataset(data), "");
  const Store store = Store::open(dir.path());
  const fs::path config = dir / "model.toml";
  {
    std::ofstream f(config);
    f << "[model]\nd_model = 16\nn_heads = 2\nfeedforward = 32\nencoder = \"mamba\"\n"
         "[train]\nbatch_size = 64\nwarmup_epochs = 1\nmain_epochs = 1\nfinetune_epochs = 0\n"
         "max_batches_per_epoch = 3\nfull_val_batches = 2\nquick_val_every = 2\n";
  }
  const std::string train =
      bin + " --quiet --threads 1 train --config " + config.string() + " --data " + data;
  ASSERT_EQ(run_command(train + " --model world", &out), 0) << out;
  for (const char* file : {"best.pt", "latest.pt", "epoch-1.pt", "epoch-2.pt", "model.json"}) {
    EXPECT_TRUE(fs::exists(dir / "models" / "world" / file)) << file;
  }
  const Json report = read_json(dir / "reports" / "training-world.json");
  EXPECT_EQ(report["steps"], 6);
  EXPECT_EQ(report["curve"].size(), 6u);
  EXPECT_TRUE(report["completed"].get<bool>());
  // A finished run resumes to the same end without training again.
  ASSERT_EQ(run_command(train + " --model world --resume", &out), 0) << out;
  EXPECT_EQ(read_json(dir / "reports" / "training-world.json")["steps"], 6);
  ASSERT_EQ(run_command(train + " --model store-visit", &out), 0) << out;
  EXPECT_TRUE(fs::exists(dir / "models" / "store-visit" / "best.pt"));

  const std::string customer = store.customer_codes[0];
  const int rc = run_command(
      bin + " --quiet predict --json --top 5 --data " + data + " --customer " + customer, &out);
  if (rc == 0) {
    const Json predicted = Json::parse(out);
    EXPECT_EQ(predicted["products"].size(), 5u);
    EXPECT_TRUE(predicted.contains("next_store"));
  } else {
    EXPECT_NE(out.find("no next-basket sample"), std::string::npos) << out;
  }
  EXPECT_NE(run_command(bin + " --quiet predict --data " + data + " --customer NOPE", &out), 0);
  EXPECT_NE(out.find("NOPE"), std::string::npos) << out;

  Registry registry(dir.path());
  int trains = 0;
  for (const auto& r : registry.runs()) trains += r.command == "train" && r.exit_status == 0;
  EXPECT_EQ(trains, 3);
}

}  // namespace
}  // namespace retailsim
