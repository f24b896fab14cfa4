// The report's learning curves from hand-written training reports: bins of the step curve by
// batch kind, phases, validations with their ranking figure, the HTML charts, and errors.
#include <gtest/gtest.h>

#include "core/atomic_file.h"
#include "eval/eval.h"
#include "test_util.h"

namespace retailsim::eval {
namespace {

using retailsim::testing::ScratchDir;

// A world-model report of 7 steps: warm-up (masked batches, steps 1-3), then main, whose step 6
// is a masked batch; one quick and one full validation.
Json world_report() {
  Json curve = Json::array();
  const double masked[] = {9, 7, 5};
  for (int s = 1; s <= 3; ++s)
    curve.push_back({{"step", s}, {"phase", "warm-up"}, {"loss", masked[s - 1]}, {"masked", 1}});
  curve.push_back({{"step", 4}, {"phase", "main"}, {"loss", 8.0}, {"focal", 1}});
  curve.push_back({{"step", 5}, {"phase", "main"}, {"loss", 6.0}, {"focal", 1}});
  curve.push_back({{"step", 6}, {"phase", "main"}, {"loss", 3.0}, {"masked", 1}});
  curve.push_back({{"step", 7}, {"phase", "main"}, {"loss", 4.0}, {"focal", 1}});
  return Json{{"model", "world"},
              {"steps", 7},
              {"monitor", "ndcg@10"},
              {"best_validation", {{"step", 7}}},
              {"curve", curve},
              {"validations",
               {{{"step", 3}, {"kind", "quick"}, {"loss", 1.5}, {"ndcg@10", 0.2}},
                {{"step", 7}, {"kind", "full"}, {"loss", 1.25}, {"ndcg@10", 0.3}}}}};
}

TEST(LearningCurves, BinTheStepCurveByBatchKindAndKeepPhasesAndValidations) {
  ScratchDir dir;
  fs::create_directories(dir.path() / "reports");
  write_json(dir.path() / "reports" / "training-world.json", world_report());
  // Bins of ceil(7 / 3) = 3 steps: [1-3], [4-6], [7].
  const Json c = learning_curves(dir.path(), 3)["world"];
  EXPECT_EQ(c["report"], "reports/training-world.json");
  EXPECT_EQ(c["steps"], 7);
  EXPECT_EQ(c["monitor"], "ndcg@10");
  EXPECT_EQ(c["metric"], "ndcg@10");
  EXPECT_EQ(c["best_step"], 7);
  EXPECT_EQ(c["phases"], Json::parse(R"([{"name":"warm-up","first_step":1},
                                          {"name":"main","first_step":4}])"));
  EXPECT_EQ(c["training_loss"]["masked-basket"],
            Json::parse(R"([{"step":3,"loss":7.0},{"step":6,"loss":3.0}])"));
  EXPECT_EQ(c["training_loss"]["next-basket"],
            Json::parse(R"([{"step":5,"loss":7.0},{"step":7,"loss":4.0}])"));
  EXPECT_EQ(c["validations"], Json::parse(R"([{"step":3,"kind":"quick","loss":1.5,"ndcg@10":0.2},
                                               {"step":7,"kind":"full","loss":1.25,"ndcg@10":0.3}])"));
  // One point a step when the bins allow.
  EXPECT_EQ(learning_curves(dir.path())["world"]["training_loss"]["next-basket"].size(), 3u);
}

TEST(LearningCurves, StoreVisitReportsGiveAccuracyAndNoReportGivesNothing) {
  ScratchDir dir;
  EXPECT_TRUE(learning_curves(dir.path()).empty());
  fs::create_directories(dir.path() / "reports");
  Json report = {
      {"model", "store-visit"},
      {"curve", {{{"step", 1}, {"phase", "warm-up"}, {"loss", 2.5}, {"store_visit", 2.5}}}},
      {"validations", {{{"step", 1}, {"kind", "full"}, {"loss", 2.4}, {"accuracy", 0.5}}}}};
  write_json(dir.path() / "reports" / "training-store-visit.json", report);
  const Json all = learning_curves(dir.path());
  ASSERT_EQ(all.size(), 1u);
  const Json& c = all["store-visit"];
  EXPECT_EQ(c["metric"], "accuracy");
  EXPECT_EQ(c["validations"][0]["accuracy"], 0.5);
  EXPECT_EQ(c["training_loss"]["store-visit"][0]["loss"], 2.5);
  EXPECT_TRUE(c["best_step"].is_null());
}

TEST(LearningCurves, AReportWithoutACurveIsNamed) {
  ScratchDir dir;
  fs::create_directories(dir.path() / "reports");
  const fs::path path = dir.path() / "reports" / "training-world.json";
  write_json(path, Json{{"model", "world"}});
  try {
    learning_curves(dir.path());
    FAIL() << "expected an error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("curve"), std::string::npos) << e.what();
  }
  write_file_atomic(path, "{ not json");
  EXPECT_THROW(learning_curves(dir.path()), std::exception);
}

TEST(LearningCurves, TheHtmlDrawsEachModelsCharts) {
  ScratchDir dir;
  fs::create_directories(dir.path() / "reports");
  write_json(dir.path() / "reports" / "training-world.json", world_report());
  Json report = {{"protocol", "temporal"},
                 {"split", "test"},
                 {"folds", Json::array()},
                 {"methods", Json::object()},
                 {"cold_start", Json::object()}};
  EXPECT_EQ(evaluation_html(report).find("Learning curves"), std::string::npos);
  report["learning_curves"] = learning_curves(dir.path());
  const std::string html = evaluation_html(report);
  ASSERT_NE(html.find("<h2>Learning curves</h2>"), std::string::npos);
  const std::string part = html.substr(html.find("<h2>Learning curves</h2>"));
  size_t charts = 0;
  for (size_t at = part.find("<svg"); at != std::string::npos; at = part.find("<svg", at + 1))
    ++charts;
  EXPECT_EQ(charts, 3u);  // training loss, validation loss, validation ndcg@10
  for (const char* text : {"masked-basket", "next-basket", "quick validation", "full validation",
                           "validation ndcg@10", ">main</text>"})
    EXPECT_NE(part.find(text), std::string::npos) << text;
}

}  // namespace
}  // namespace retailsim::eval
