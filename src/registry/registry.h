// The run registry <data>/runs.sqlite: one row per command run (command line, config, version,
// git revision, start, end, exit status, key counts) and metrics recorded over time.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/manifest.h"

struct sqlite3;

namespace retailsim {

struct RunRow {
  int64_t id = 0;
  std::string command;
  std::string arguments;
  std::string config_json;
  std::string version;
  std::string git_revision;
  std::string started_at;  // ISO 8601 UTC
  std::string ended_at;    // empty while running (or after a crash)
  int exit_status = -1;    // -1 while running
  std::string error;
  std::string counts_json;
};

class Registry {
 public:
  // Opens (creating if needed) <data_dir>/runs.sqlite.
  explicit Registry(const std::filesystem::path& data_dir);
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Records the start of a run and returns its id.
  int64_t begin_run(const std::string& command, const std::string& arguments, const Json& config,
                    const std::string& version);
  void end_run(int64_t run_id, int exit_status, const Json& counts, const std::string& error = "");
  // A metric value at a step (loss curves, evaluation figures).
  void log_metric(int64_t run_id, const std::string& name, int64_t step, double value);

  std::vector<RunRow> runs() const;
  const std::filesystem::path& path() const { return path_; }

 private:
  void exec(const char* sql) const;
  std::filesystem::path path_;
  sqlite3* db_ = nullptr;
};

// UTC now as "2026-11-23T11:04:00Z".
std::string utc_now_iso();
// The git revision of the source tree the binary was built from, or "unknown".
std::string build_git_revision();

}  // namespace retailsim
