// Tests of progress accounting and the human-readable figures progress lines print.
#include "core/progress.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <vector>

namespace retailsim {
namespace {

TEST(Progress, FormatsCountsBytesAndDurations) {
  EXPECT_EQ(human_count(999), "999");
  EXPECT_EQ(human_count(35000), "35.0 k");
  EXPECT_EQ(human_count(1.2e6), "1.20 M");
  EXPECT_EQ(human_bytes(512), "512 B");
  EXPECT_EQ(human_bytes(1.5 * 1024 * 1024 * 1024), "1.5 GiB");
  EXPECT_EQ(human_duration(5.25), "5.2s");
  EXPECT_EQ(human_duration(65), "1m 05s");
  EXPECT_EQ(human_duration(3 * 3600 + 120), "3h 02m");
}

TEST(Progress, CountsAdvancesFromManyThreads) {
  Progress progress("test", 8000, "rows");
  progress.set_style(Progress::Style::kSilent);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) progress.advance();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(progress.done(), 8000u);
  progress.finish();
  progress.finish();  // idempotent
}

TEST(Progress, SkippedUnitsCountAsDoneButNotTowardsTheRate) {
  Progress progress("resumed", 1'000'000, "steps");
  progress.set_style(Progress::Style::kSilent);
  progress.skip(900'000);
  progress.advance(10);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(progress.done(), 900'010u);
  // 10 steps in at least 20 ms: at most 500 steps/s; counting the skipped ones would give
  // tens of millions.
  EXPECT_GT(progress.rate(), 0.0);
  EXPECT_LE(progress.rate(), 500.0);
}

}  // namespace
}  // namespace retailsim
