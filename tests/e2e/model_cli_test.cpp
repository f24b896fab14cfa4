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
  // Warm-up and main (3 steps each), then the default refit phase: 2 epochs of 3 steps.
  for (const char* file :
       {"best.pt", "latest.pt", "epoch-1.pt", "epoch-2.pt", "epoch-4.pt", "model.json"}) {
    EXPECT_TRUE(fs::exists(dir / "models" / "world" / file)) << file;
  }
  const Json report = read_json(dir / "reports" / "training-world.json");
  EXPECT_EQ(report["steps"], 12);
  EXPECT_EQ(report["curve"].size(), 12u);
  EXPECT_EQ(report["phases"].back()["name"], "refit");
  EXPECT_TRUE(report["completed"].get<bool>());
  // The probabilities' calibration, fitted on the validation split beside best.pt.
  const fs::path calibration = dir / "models" / "world" / "calibration.json";
  ASSERT_TRUE(fs::exists(calibration));
  EXPECT_EQ(read_json(calibration), report["calibration"]);
  EXPECT_GT(read_json(calibration)["slope"].get<double>(), 0);
  // A finished run resumes to the same end without training again; a model trained before
  // the calibration existed gets it fitted then, the same as after training.
  fs::remove(calibration);
  ASSERT_EQ(run_command(train + " --model world --resume", &out), 0) << out;
  EXPECT_EQ(read_json(dir / "reports" / "training-world.json")["steps"], 12);
  ASSERT_TRUE(fs::exists(calibration));
  EXPECT_EQ(read_json(calibration), report["calibration"]);
  ASSERT_EQ(run_command(train + " --model store-visit", &out), 0) << out;
  EXPECT_TRUE(fs::exists(dir / "models" / "store-visit" / "best.pt"));
  EXPECT_FALSE(fs::exists(dir / "models" / "store-visit" / "calibration.json"));
  // The store-visit model has no refit phase.
  EXPECT_EQ(read_json(dir / "reports" / "training-store-visit.json")["phases"].back()["name"],
            "fine-tune");

  const std::string customer = store.customer_codes[0];
  const int rc = run_command(
      bin + " --quiet predict --json --top 5 --data " + data + " --customer " + customer, &out);
  if (rc == 0) {
    const Json predicted = Json::parse(out);
    EXPECT_EQ(predicted["products"].size(), 5u);
    const auto week = predicted["week"].get<size_t>();
    EXPECT_EQ(predicted["shop_week"], store.calendar.at(week).shop_week);
    // Calibrated probabilities, best first.
    for (size_t i = 1; i < 5; ++i)
      EXPECT_LE(predicted["products"][i]["probability"],
                predicted["products"][i - 1]["probability"]);
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
