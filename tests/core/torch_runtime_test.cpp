// Tests of on-demand LibTorch loading and its thread count.
#include "core/torch_runtime.h"

#include <gtest/gtest.h>

namespace retailsim {
namespace {

TEST(TorchRuntime, LoadsOnDemandAndSetsThreadCount) {
  EXPECT_FALSE(torch_runtime_loaded());
  TorchRuntime runtime = load_torch_runtime(3, RETAILSIM_BUILD_DIR);
  EXPECT_TRUE(torch_runtime_loaded());
  EXPECT_EQ(runtime.n_threads, 3);
  ASSERT_FALSE(runtime.version.empty());
  EXPECT_TRUE(std::isdigit(static_cast<unsigned char>(runtime.version[0]))) << runtime.version;
  EXPECT_EQ(load_torch_runtime(2, RETAILSIM_BUILD_DIR).n_threads, 2);
}

TEST(TorchRuntime, MissingModuleIsAClearError) {
  // ctest runs each test in its own process; run by hand after the test above, it is moot.
  if (torch_runtime_loaded()) GTEST_SKIP() << "LibTorch already loaded in this process";
  try {
    load_torch_runtime(1, "/nonexistent-dir");
    FAIL() << "expected an error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("libretailsim_torch.so"), std::string::npos) << e.what();
  }
}

TEST(TorchRuntime, RunsNamedJobsOfTheModule) {
  load_torch_runtime(2, RETAILSIM_BUILD_DIR);
  Json info = run_torch_job("runtime.info", Json::object(), /*quiet=*/true);
  EXPECT_EQ(info.at("threads").get<int>(), 2);
  EXPECT_FALSE(info.at("version").get<std::string>().empty());
}

TEST(TorchRuntime, ErrorsInsideAJobComeBackAsErrors) {
  load_torch_runtime(1, RETAILSIM_BUILD_DIR);
  try {
    run_torch_job("runtime.fail", {{"message", "bad weights file x.pt"}}, true);
    FAIL() << "expected an error";
  } catch (const std::exception& e) {
    EXPECT_STREQ(e.what(), "bad weights file x.pt");
  }
  try {
    run_torch_job("no.such.job", Json::object(), true);
    FAIL() << "expected an error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("runtime.info"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace retailsim
