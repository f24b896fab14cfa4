// `retailsim run --raw` on the four real LGSR weeks of the shared sample, as a user runs it on a
// folder of their own weekly files: the whole chain from ingest to evaluation (no truth, so no
// oracle), then `evaluate --protocol reality-check` on what it built and `simulate` with the
// trained world model as the demand source.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/atomic_file.h"
#include "core/dataset.h"
#include "core/manifest.h"
#include "core/npy.h"
#include "test_util.h"

namespace retailsim {
namespace {

using testing::run_command;
using testing::ScratchDir;

const std::vector<std::string> kMethods = {"g-topfreq", "p-topfreq",      "gp-topfreq",
                                           "tifu-knn",  "tifu-knn-tuned", "world-model"};

// Every method's headline metrics are rates in [0, 1].
void expect_rates(const Json& report) {
  ASSERT_EQ(report["methods"].size(), kMethods.size()) << report["methods"].dump();
  for (const std::string& m : kMethods) {
    for (const char* metric :
         {"recall@10", "ndcg@10", "precision@10", "mrr", "repeat_recall@10", "explore_recall@10"}) {
      const Json& v = report["methods"][m][metric];
      ASSERT_TRUE(v.is_number()) << m << " " << metric;
      EXPECT_GE(v.get<double>(), 0.0) << m << " " << metric;
      EXPECT_LE(v.get<double>(), 1.0) << m << " " << metric;
    }
  }
  // Personal top-frequency recommends only what the customer bought before.
  EXPECT_EQ(report["methods"]["p-topfreq"]["explore_recall@10"].get<double>(), 0.0);
}

TEST(RealChain, RunOnRealWeeklyFilesEvaluatesUnderBothProtocolsAndSimulates) {
  // The four weekly files and the calendar; the damaged old-header copy of week 200607 would be
  // a second file of that week, which stops an ingest by design.
  ScratchDir dir;
  const fs::path raw = dir / "raw";
  fs::create_directories(raw);
  for (const char* name : {"time.csv", "transactions_200607.csv.gz", "transactions_200609.csv.gz",
                           "transactions_200610.csv.gz", "transactions_200611.csv.gz"}) {
    ASSERT_TRUE(fs::exists(testing::lgsr_sample_dir() / name)) << name;
    fs::create_symlink(testing::lgsr_sample_dir() / name, raw / name);
  }
  const fs::path data = dir / "data";
  const std::string config = (fs::path(RETAILSIM_SOURCE_DIR) / "configs" / "tiny.toml").string();
  const std::string bin = testing::retailsim_binary().string();
  std::string out;
  ASSERT_EQ(run_command(bin + " --threads 2 --quiet --config " + config + " run --raw " +
                            raw.string() + " --data " + data.string(),
                        &out),
            0)
      << out;

  // Counts balance and nothing of the real files is rejected.
  const Json counts = read_json(data / "store" / "manifest.json")["counts"];
  EXPECT_EQ(counts["rows_read"], 105364);
  EXPECT_EQ(counts["rows_stored"], 105364);
  EXPECT_EQ(counts["rows_quarantined"], 0);
  EXPECT_EQ(counts["weeks"], 4);

  Json report = read_json(data / "reports" / "evaluation.json");
  EXPECT_EQ(report["protocol"], "temporal");
  EXPECT_EQ(report["has_truth"], false);
  expect_rates(report);
  // The temporal protocol on these weeks, pinned: its cases and a deterministic baseline.
  EXPECT_EQ(report["methods"]["p-topfreq"]["n_cases"], 1540);
  EXPECT_NEAR(report["methods"]["p-topfreq"]["ndcg@10"].get<double>(), 0.2670, 5e-4);
  EXPECT_TRUE(fs::exists(data / "reports" / "evaluation.html"));
  EXPECT_TRUE(fs::exists(data / "models" / "world" / "best.pt"));
  // Both models' learning curves, drawn in the HTML.
  for (const char* model : {"world", "store-visit"}) {
    const Json& curves = report["learning_curves"][model];
    EXPECT_FALSE(curves["training_loss"].empty()) << model;
    EXPECT_FALSE(curves["validations"].empty()) << model;
  }
  EXPECT_NE(read_file(data / "reports" / "evaluation.html").find("Learning curves"),
            std::string::npos);
  // Store visits on real weeks: the model beside the baselines, no oracle without a truth.
  const Json& visits = report["store_visits"]["methods"];
  EXPECT_TRUE(visits.contains("store-visit")) << visits.dump();
  EXPECT_TRUE(visits.contains("visit-personal"));
  EXPECT_FALSE(visits.contains("visit-oracle"));
  // Week 200608 is missing from the public copies: no store-visit sample asks about it (nobody
  // "skipped" it), while the weeks around it have weeks without a trip.
  const Store store = Store::open(data);
  const auto missing = store.calendar.index_of_week(200608);
  ASSERT_TRUE(missing.has_value());
  const Column<int32_t> weeks(data / "samples" / "store_visit" / "week.npy");
  const Column<int32_t> next_store(data / "samples" / "store_visit" / "next_store.npy");
  int64_t no_trip = 0;
  for (size_t i = 0; i < weeks.size(); ++i) {
    EXPECT_NE(weeks[i], static_cast<int32_t>(*missing));
    no_trip += next_store[i] == static_cast<int32_t>(store.n_stores());
  }
  EXPECT_GT(no_trip, 0);

  ASSERT_EQ(run_command(bin + " --threads 2 --quiet --config " + config +
                            " evaluate --protocol reality-check --data " + data.string(),
                        &out),
            0)
      << out;
  report = read_json(data / "reports" / "evaluation.json");
  EXPECT_EQ(report["protocol"], "reality-check");
  expect_rates(report);
  EXPECT_EQ(report["methods"]["p-topfreq"]["n_cases"], 1675);
  // Some customers' last dates (their reality-check targets) fall in the training weeks; the
  // world model trained without them.
  ASSERT_EQ(report["world_model_ranking"].size(), 5u);
  int64_t in_training_weeks = 0;
  for (const Json& fold : report["world_model_ranking"]) {
    EXPECT_EQ(fold["last_date_held_out"], true);
    in_training_weeks += fold["target_in_training_weeks"].get<int64_t>();
  }
  EXPECT_GT(in_training_weeks, 0);

  // A what-if on the real weeks: the trained world model is the demand source (no truth).
  const fs::path scenario = dir / "cut.toml";
  write_file_atomic(scenario,
                    "[scenario]\nname = \"real-cut\"\n[scope]\nformats = [\"XLS\"]\n"
                    "[[price]]\ncategories = [\"D00002\"]\nchange_pct = -10\n"
                    "[simulate]\nweeks = 1\nseeds = 2\nmode = \"expected\"\n"
                    "elasticity_products = 5\n");
  ASSERT_EQ(run_command(bin + " --threads 2 --quiet simulate --data " + data.string() +
                            " --scenario " + scenario.string(),
                        &out),
            0)
      << out;
  const Json cf = read_json(data / "reports" / "counterfactual.json");
  EXPECT_EQ(cf["demand_source"], "world-model");
  EXPECT_EQ(cf["n_stores"], 28);  // the XLS stores
  EXPECT_GT(cf["n_customers"].get<int>(), 0);
  // 10% off a department: fewer pence per unit, so revenue falls by less than 10% of its share.
  const Json& revenue = cf["deltas"]["total"]["revenue_cents"];
  EXPECT_LT(revenue["mean"].get<double>(), 0.0);
  EXPECT_GT(revenue["pct"]["mean"].get<double>(), -10.0);
  EXPECT_GT(cf["deltas"]["total"]["units"]["mean"].get<double>(), 0.0);
  // The model's own elasticities and cut, without errors against a truth it does not have.
  EXPECT_TRUE(cf["elasticity_error_median"].is_null());
  EXPECT_NE(cf["elasticity_error_median_reason"].get<std::string>().find("no ground truth"),
            std::string::npos);
  ASSERT_EQ(cf["elasticities"]["products"].size(), 5u);
  for (const Json& row : cf["elasticities"]["products"])
    EXPECT_LE(row["model_unit_elasticity"].get<double>(), 0.0) << row.dump();
  EXPECT_TRUE(cf["price_cut"]["true_revenue_delta_pct"].is_null());
  EXPECT_LT(cf["price_cut"]["model_revenue_delta_pct"].get<double>(), 0.0);
}

}  // namespace
}  // namespace retailsim
