// `retailsim evaluate` as a user runs it on the tiny preset: both protocols, the report files,
// metrics recorded in runs.sqlite, and errors for unknown methods.
#include <sqlite3.h>

#include <gtest/gtest.h>

#include "core/manifest.h"
#include "registry/registry.h"
#include "test_util.h"

namespace retailsim {
namespace {

using testing::run_command;
using testing::ScratchDir;

std::string bin() {
  return testing::retailsim_binary().string();
}

// Names of the metrics recorded in runs.sqlite.
std::vector<std::string> recorded_metrics(const fs::path& db_path) {
  sqlite3* db = nullptr;
  std::vector<std::string> out;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) return out;
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(db, "SELECT name FROM metrics ORDER BY rowid", -1, &s, nullptr);
  while (s && sqlite3_step(s) == SQLITE_ROW)
    out.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)));
  sqlite3_finalize(s);
  sqlite3_close(db);
  return out;
}

TEST(EvaluateCli, TinyPresetUnderBothProtocolsWritesReportsAndRecordsMetrics) {
  ScratchDir dir;
  const std::string data = dir.path().string();
  std::string out;
  ASSERT_EQ(run_command(bin() + " --quiet generate --preset tiny --out " + data, &out), 0) << out;
  ASSERT_EQ(run_command(bin() + " --quiet ingest --data " + data, &out), 0) << out;
  ASSERT_EQ(run_command(bin() + " --threads 2 evaluate --data " + data, &out), 0) << out;
  Json report = read_json(dir / "reports" / "evaluation.json");
  EXPECT_EQ(report["protocol"], "temporal");
  EXPECT_EQ(report["split"], "test");
  for (const char* m :
       {"g-topfreq", "p-topfreq", "gp-topfreq", "tifu-knn", "tifu-knn-tuned", "oracle"}) {
    EXPECT_TRUE(report["methods"][m]["recall@10"].is_number()) << m;
  }
  EXPECT_TRUE(fs::exists(dir / "reports" / "evaluation.html"));
  EXPECT_TRUE(fs::exists(dir / "reports" / "eval_cases" / "temporal-test.npy"));

  ASSERT_EQ(run_command(bin() + " --quiet evaluate --data " + data +
                            " --protocol reality-check --baselines g-topfreq,gp-topfreq",
                        &out),
            0)
      << out;
  report = read_json(dir / "reports" / "evaluation.json");
  EXPECT_EQ(report["protocol"], "reality-check");
  EXPECT_EQ(report["methods"].size(), 2u);
  EXPECT_TRUE(fs::exists(dir / "reports" / "eval_cases" / "reality-check-test-seed4.npy"));

  const auto metrics = recorded_metrics(dir / "runs.sqlite");
  EXPECT_NE(std::find(metrics.begin(), metrics.end(), "evaluate.temporal.test.oracle.ndcg@10"),
            metrics.end());
  EXPECT_NE(
      std::find(metrics.begin(), metrics.end(), "evaluate.reality-check.test.gp-topfreq.recall@10"),
      metrics.end());

  EXPECT_EQ(run_command(bin() + " evaluate --data " + data + " --baselines nope", &out), 1);
  EXPECT_NE(out.find("unknown method 'nope'"), std::string::npos) << out;
  Registry registry(dir.path());
  const auto runs = registry.runs();
  EXPECT_EQ(runs.back().command, "evaluate");
  EXPECT_EQ(runs.back().exit_status, 1);
}

}  // namespace
}  // namespace retailsim
