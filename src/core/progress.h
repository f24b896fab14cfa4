// Progress of long work: a bar with rate and ETA on a terminal, plain log lines otherwise.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace retailsim {

// Thread-safe: many workers may call advance(). Renders at most ~10 times a second on a terminal
// and once every 10% (or 30 s) as log lines when stderr is not a terminal. Silent under --quiet.
class Progress {
 public:
  // total = 0 means unknown (shows count and rate only).
  Progress(std::string label, uint64_t total, std::string unit = "rows");
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void advance(uint64_t n = 1);
  // Counts n units done before this run (a resumed job): they fill the bar and the share done,
  // but not the rate, so the rate and the ETA are those of the work this run does.
  void skip(uint64_t n);
  void set_total(uint64_t total) { total_ = total; }
  uint64_t done() const { return done_; }
  double seconds() const;
  // Units per second this run has done (skipped units excluded).
  double rate() const;
  // Prints the final line (once).
  void finish();

  // For tests: force terminal or log style regardless of stderr.
  enum class Style { kAuto, kBar, kLog, kSilent };
  void set_style(Style style);

 private:
  void render(bool final_line);
  std::string label_;
  std::string unit_;
  std::atomic<uint64_t> total_;
  std::atomic<uint64_t> done_{0};
  std::atomic<uint64_t> skipped_{0};
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_render_;
  int last_log_decile_ = 0;
  Style style_;
  bool finished_ = false;
  std::mutex mutex_;
};

// "1.2 M", "35.0 k": human counts; "1.5 GiB": byte sizes; "1m 05s": durations.
std::string human_count(double n);
std::string human_bytes(double n_bytes);
std::string human_duration(double seconds);

}  // namespace retailsim
