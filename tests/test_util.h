// Helpers shared by the test suites: scratch folders, paths to shared data, running the CLI.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace retailsim::testing {

namespace fs = std::filesystem;

// A fresh folder under the system temp dir, removed when the object dies.
class ScratchDir {
 public:
  ScratchDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = info ? std::string(info->test_suite_name()) + "." + info->name() : "test";
    path_ = fs::temp_directory_path() / ("retailsim-" + name + "-" + std::to_string(::getpid()));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

// Copies the weekly files of raw folder `from` into `to` without the `drop`-th week (in name
// order): a week missing from the data, as 200608 is from the public LGSR copies.
inline void copy_raw_without_week(const fs::path& from, const fs::path& to, size_t drop) {
  fs::create_directories(to.parent_path());
  fs::copy(from, to, fs::copy_options::recursive);
  std::vector<fs::path> weeks;
  for (const auto& e : fs::directory_iterator(to)) {
    if (e.path().filename().string().rfind("transactions_", 0) == 0) weeks.push_back(e.path());
  }
  std::sort(weeks.begin(), weeks.end());
  ASSERT_GT(weeks.size(), drop + 1) << "too few weeks in " << from;
  fs::remove(weeks[drop]);
}

inline fs::path shared_dir() {
  return fs::path(RETAILSIM_SHARED_DIR);
}
inline fs::path lgsr_sample_dir() {
  return shared_dir() / "data" / "lgsr-sample";
}
inline fs::path retailsim_binary() {
  return fs::path(RETAILSIM_BINARY);
}

// Runs a shell command, returns its exit status; stdout+stderr go to `output` when given.
inline int run_command(const std::string& command, std::string* output = nullptr) {
  std::string full = command + " 2>&1";
  FILE* pipe = ::popen(full.c_str(), "r");
  if (!pipe) return -1;
  char buffer[4096];
  std::string text;
  while (size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) text.append(buffer, n);
  int status = ::pclose(pipe);
  if (output) *output = text;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Runs the chain up to `prepare` (generate the tiny preset, ingest, derive prices, features,
// prepare) into `data` with the binary. Returns "" on success, else the failing step and its
// output (for ASSERT_EQ(..., "")).
inline std::string prepare_tiny_dataset(const std::string& data) {
  const std::string bin = retailsim_binary().string();
  std::string out;
  if (run_command(bin + " --quiet generate --preset tiny --out " + data, &out) != 0) {
    return "generate: " + out;
  }
  for (const char* step : {"ingest", "derive --stage prices", "features", "prepare"}) {
    if (run_command(bin + " --quiet " + step + " --data " + data, &out) != 0) {
      return std::string(step) + ": " + out;
    }
  }
  return "";
}

}  // namespace retailsim::testing
