// Drives `retailsim rl train` and `retailsim rl evaluate` on the tiny preset with a small budget:
// agents saved, reports/rl.{json,html} with every policy's keys, the agents inside their bounds,
// the same seed giving the same report, runs recorded, config errors named.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "core/atomic_file.h"
#include "core/manifest.h"
#include "registry/registry.h"
#include "test_util.h"

namespace retailsim {
namespace {

using testing::retailsim_binary;
using testing::run_command;
using testing::ScratchDir;

std::string bin() {
  return retailsim_binary().string();
}

TEST(RlCli, TrainsEvaluatesAndReportsEveryPolicyOnTheTinyPreset) {
  ScratchDir dir;
  const std::string data = dir.path().string();
  std::string out;
  ASSERT_EQ(run_command(bin() + " --quiet --threads 2 generate --preset tiny --out " + data, &out),
            0)
      << out;
  std::ofstream(dir / "rl.toml")
      << "[rl]\niterations = 2\nepisodes_per_iteration = 1\nepisode_weeks = 2\neval_seeds = 1\n";
  const std::string config = " --config " + (dir / "rl.toml").string();
  ASSERT_EQ(run_command(bin() + " --quiet --threads 2" + config + " rl train --data " + data +
                            " --agents pricing,promo,inventory",
                        &out),
            0)
      << out;
  for (const char* file : {"pricing.pt", "promo.pt", "inventory.pt", "manifest.json"})
    EXPECT_TRUE(fs::exists(dir / "models" / "rl" / file)) << file;
  ASSERT_EQ(
      run_command(bin() + " --quiet --threads 2" + config + " rl evaluate --data " + data, &out), 0)
      << out;
  const Json report = read_json(dir / "reports" / "rl.json");
  for (const char* name :
       {"historical", "s-S", "cost-plus", "everyday-low-price", "hi-lo", "random", "ppo"}) {
    ASSERT_TRUE(report["policies"].contains(name)) << name;
    const Json& p = report["policies"][name];
    for (const char* key :
         {"profit_lift", "revenue_wow_cv", "violations", "share_at_bounds", "sim_to_real_gap"})
      EXPECT_TRUE(p.contains(key)) << name << " " << key;
  }
  EXPECT_EQ(report["policies"]["ppo"]["violations"].get<int64_t>(), 0);
  EXPECT_DOUBLE_EQ(report["policies"]["historical"]["profit_lift"].get<double>(), 0.0);
  EXPECT_TRUE(report["policies"]["ppo"]["sim_to_real_gap"].is_null());
  EXPECT_FALSE(report["sim_to_real_note"].get<std::string>().empty());
  EXPECT_TRUE(fs::exists(dir / "reports" / "rl.html"));

  // The same seed trains the same agents and gives the same report.
  const std::string first = read_file(dir / "reports" / "rl.json");
  ASSERT_EQ(run_command(bin() + " --quiet --threads 1" + config + " rl train --data " + data, &out),
            0)
      << out;
  ASSERT_EQ(
      run_command(bin() + " --quiet --threads 1" + config + " rl evaluate --data " + data, &out), 0)
      << out;
  EXPECT_EQ(read_file(dir / "reports" / "rl.json"), first);

  Registry registry(dir.path());
  const auto runs = registry.runs();
  EXPECT_EQ(std::count_if(runs.begin(), runs.end(),
                          [](const auto& r) { return r.command == "rl" && r.exit_status == 0; }),
            4);

  EXPECT_EQ(run_command(bin() + " --quiet rl train --data " + data + " --agents pricer", &out), 1);
  EXPECT_NE(out.find("pricer"), std::string::npos) << out;
}

TEST(RlCli, WithoutATruthTrainsAndJudgesInTheWorldModelsMarket) {
  // A tiny dataset through the whole chain (world model trained), then its truth removed: what
  // real data look like to rl.
  ScratchDir dir;
  const std::string data = dir.path().string();
  const std::string tiny = (fs::path(RETAILSIM_SOURCE_DIR) / "configs" / "tiny.toml").string();
  std::string out;
  ASSERT_EQ(
      run_command(bin() + " --quiet --threads 2 --config " + tiny + " run --data " + data, &out), 0)
      << out;
  fs::remove_all(dir / "truth");
  std::ofstream(dir / "rl.toml")
      << "[rl]\niterations = 2\nepisodes_per_iteration = 1\nepisode_weeks = 2\neval_seeds = 1\n";
  const std::string config = " --config " + (dir / "rl.toml").string();
  ASSERT_EQ(run_command(bin() + " --threads 2" + config + " rl train --data " + data, &out), 0)
      << out;
  EXPECT_NE(out.find("no ground truth"), std::string::npos) << out;
  ASSERT_EQ(
      run_command(bin() + " --quiet --threads 2" + config + " rl evaluate --data " + data, &out), 0)
      << out;
  const Json report = read_json(dir / "reports" / "rl.json");
  EXPECT_EQ(report["judged_in"], "world-model");
  EXPECT_NE(report["sim_to_real_note"].get<std::string>().find("no ground truth"),
            std::string::npos);
  for (const char* name : {"historical", "cost-plus", "hi-lo", "ppo"}) {
    ASSERT_TRUE(report["policies"].contains(name)) << name;
    EXPECT_TRUE(report["policies"][name]["profit_lift"].is_number()) << name;
    EXPECT_TRUE(report["policies"][name]["sim_to_real_gap"].is_null()) << name;
  }
  EXPECT_DOUBLE_EQ(report["policies"]["historical"]["profit_lift"].get<double>(), 0.0);
  EXPECT_EQ(report["policies"]["ppo"]["violations"].get<int64_t>(), 0);
  EXPECT_NE(read_file(dir / "reports" / "rl.html").find("world model's market"), std::string::npos);
  // Sales happened in the learned market (profit rests on the cost proxy and may be negative).
  EXPECT_GT(report["details"]["historical"]["revenue_cents"].get<double>(), 0.0);
}

}  // namespace
}  // namespace retailsim
