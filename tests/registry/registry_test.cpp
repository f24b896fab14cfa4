// Tests of the run registry.
#include "registry/registry.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace retailsim {
namespace {

TEST(Registry, RecordsRunFromStartToEnd) {
  testing::ScratchDir dir;
  {
    Registry registry(dir.path());
    int64_t id = registry.begin_run("ingest", "retailsim ingest --data x", Json{{"a", 1}}, "0.1.0");
    auto runs = registry.runs();
    ASSERT_EQ(runs.size(), 1u);
    EXPECT_EQ(runs[0].exit_status, -1);
    EXPECT_TRUE(runs[0].ended_at.empty());
    registry.end_run(id, 0, Json{{"rows", 12}});
    registry.log_metric(id, "loss", 1, 0.5);
  }
  Registry reopened(dir.path());
  auto runs = reopened.runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].command, "ingest");
  EXPECT_EQ(runs[0].exit_status, 0);
  EXPECT_FALSE(runs[0].ended_at.empty());
  EXPECT_EQ(Json::parse(runs[0].counts_json)["rows"], 12);
  EXPECT_EQ(Json::parse(runs[0].config_json)["a"], 1);
  EXPECT_TRUE(fs::exists(dir / "runs.sqlite"));
}

TEST(Registry, RecordsFailures) {
  testing::ScratchDir dir;
  Registry registry(dir.path());
  int64_t id = registry.begin_run("ingest", "", Json::object(), "0.1.0");
  registry.end_run(id, 1, Json::object(), "bad gzip");
  EXPECT_EQ(registry.runs()[0].exit_status, 1);
  EXPECT_EQ(registry.runs()[0].error, "bad gzip");
}

}  // namespace
}  // namespace retailsim
