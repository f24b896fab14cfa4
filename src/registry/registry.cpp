// SQLite-backed run registry.
#include "registry/registry.h"

#include <sqlite3.h>

#include <chrono>
#include <ctime>

#include <fmt/format.h>

#include "core/error.h"

#ifndef RETAILSIM_GIT_REVISION
#define RETAILSIM_GIT_REVISION "unknown"
#endif

namespace retailsim {

namespace {

class Statement {
 public:
  Statement(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) {
      fail("runs.sqlite: cannot prepare '{}': {}", sql, sqlite3_errmsg(db));
    }
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  void bind(int i, const std::string& v) {
    sqlite3_bind_text(stmt_, i, v.c_str(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  void bind(int i, int64_t v) { sqlite3_bind_int64(stmt_, i, v); }
  void bind(int i, double v) { sqlite3_bind_double(stmt_, i, v); }
  bool step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail("runs.sqlite: {}", sqlite3_errmsg(db_));
  }
  std::string text(int i) {
    auto* p = sqlite3_column_text(stmt_, i);
    return p ? reinterpret_cast<const char*>(p) : "";
  }
  int64_t integer(int i) { return sqlite3_column_int64(stmt_, i); }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace

std::string utc_now_iso() {
  std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string build_git_revision() {
  return RETAILSIM_GIT_REVISION;
}

Registry::Registry(const std::filesystem::path& data_dir) : path_(data_dir / "runs.sqlite") {
  std::filesystem::create_directories(data_dir);
  if (sqlite3_open(path_.c_str(), &db_) != SQLITE_OK) {
    std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    fail("cannot open {}: {}", path_.string(), message);
  }
  sqlite3_busy_timeout(db_, 5000);
  exec(
      "CREATE TABLE IF NOT EXISTS runs ("
      " id INTEGER PRIMARY KEY AUTOINCREMENT, command TEXT NOT NULL, arguments TEXT,"
      " config TEXT, version TEXT, git_revision TEXT, started_at TEXT NOT NULL, ended_at TEXT,"
      " exit_status INTEGER, error TEXT, counts TEXT);"
      "CREATE TABLE IF NOT EXISTS metrics ("
      " run_id INTEGER NOT NULL REFERENCES runs(id), name TEXT NOT NULL, step INTEGER,"
      " value REAL, recorded_at TEXT);"
      "CREATE INDEX IF NOT EXISTS metrics_by_run ON metrics(run_id, name, step);");
}

Registry::~Registry() {
  sqlite3_close(db_);
}

void Registry::exec(const char* sql) const {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message ? message : "unknown error";
    sqlite3_free(message);
    fail("{}: {}", path_.string(), text);
  }
}

int64_t Registry::begin_run(const std::string& command, const std::string& arguments,
                            const Json& config, const std::string& version) {
  Statement s(db_,
              "INSERT INTO runs (command, arguments, config, version, git_revision, started_at)"
              " VALUES (?, ?, ?, ?, ?, ?)");
  s.bind(1, command);
  s.bind(2, arguments);
  s.bind(3, config.dump());
  s.bind(4, version);
  s.bind(5, build_git_revision());
  s.bind(6, utc_now_iso());
  s.step();
  return sqlite3_last_insert_rowid(db_);
}

void Registry::end_run(int64_t run_id, int exit_status, const Json& counts,
                       const std::string& error) {
  Statement s(db_,
              "UPDATE runs SET ended_at = ?, exit_status = ?, counts = ?, error = ? WHERE id = ?");
  s.bind(1, utc_now_iso());
  s.bind(2, static_cast<int64_t>(exit_status));
  s.bind(3, counts.dump());
  s.bind(4, error);
  s.bind(5, run_id);
  s.step();
}

void Registry::log_metric(int64_t run_id, const std::string& name, int64_t step, double value) {
  Statement s(
      db_, "INSERT INTO metrics (run_id, name, step, value, recorded_at) VALUES (?, ?, ?, ?, ?)");
  s.bind(1, run_id);
  s.bind(2, name);
  s.bind(3, step);
  s.bind(4, value);
  s.bind(5, utc_now_iso());
  s.step();
}

std::vector<RunRow> Registry::runs() const {
  Statement s(db_,
              "SELECT id, command, arguments, config, version, git_revision, started_at,"
              " ended_at, exit_status, error, counts FROM runs ORDER BY id");
  std::vector<RunRow> out;
  while (s.step()) {
    RunRow r;
    r.id = s.integer(0);
    r.command = s.text(1);
    r.arguments = s.text(2);
    r.config_json = s.text(3);
    r.version = s.text(4);
    r.git_revision = s.text(5);
    r.started_at = s.text(6);
    r.ended_at = s.text(7);
    r.exit_status = s.text(8).empty() ? -1 : static_cast<int>(s.integer(8));
    r.error = s.text(9);
    r.counts_json = s.text(10);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace retailsim
