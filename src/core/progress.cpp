// Rendering of progress bars and progress log lines.
#include "core/progress.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>

#include <fmt/format.h>

#include "core/log.h"

namespace retailsim {

std::string human_count(double n) {
  if (n >= 1e9) return fmt::format("{:.2f} G", n / 1e9);
  if (n >= 1e6) return fmt::format("{:.2f} M", n / 1e6);
  if (n >= 1e3) return fmt::format("{:.1f} k", n / 1e3);
  return fmt::format("{:.0f}", n);
}

std::string human_bytes(double n) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (n >= 1024 && u < 4) {
    n /= 1024;
    ++u;
  }
  return u == 0 ? fmt::format("{:.0f} B", n) : fmt::format("{:.1f} {}", n, units[u]);
}

std::string human_duration(double s) {
  if (!std::isfinite(s) || s < 0) return "?";
  if (s < 60) return fmt::format("{:.1f}s", s);
  int total = static_cast<int>(s + 0.5);
  if (total < 3600) return fmt::format("{}m {:02d}s", total / 60, total % 60);
  return fmt::format("{}h {:02d}m", total / 3600, (total / 60) % 60);
}

Progress::Progress(std::string label, uint64_t total, std::string unit)
    : label_(std::move(label)),
      unit_(std::move(unit)),
      total_(total),
      start_(std::chrono::steady_clock::now()),
      last_render_(start_),
      style_(Style::kAuto) {
  set_style(Style::kAuto);
}

Progress::~Progress() {
  finish();
}

void Progress::set_style(Style style) {
  if (style == Style::kAuto) {
    if (logging_quiet())
      style = Style::kSilent;
    else
      style = ::isatty(STDERR_FILENO) ? Style::kBar : Style::kLog;
  }
  style_ = style;
}

double Progress::seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

namespace {
// Units per second of this run: units skipped (done before it) do not count.
double rate_of(uint64_t done, uint64_t skipped, double elapsed) {
  return elapsed > 0 ? static_cast<double>(done - skipped) / elapsed : 0;
}
}  // namespace

double Progress::rate() const {
  return rate_of(done_, skipped_, seconds());
}

void Progress::skip(uint64_t n) {
  skipped_ += n;
  done_ += n;
}

void Progress::advance(uint64_t n) {
  done_ += n;
  if (style_ == Style::kSilent) return;
  auto now = std::chrono::steady_clock::now();
  if (style_ == Style::kBar) {
    if (now - last_render_ < std::chrono::milliseconds(100)) return;
  } else {
    // Log lines are for long work: nothing in between for steps that finish within seconds.
    if (now - start_ < std::chrono::seconds(2)) return;
    uint64_t total = total_;
    int decile = total ? static_cast<int>(10 * done_ / total) : 0;
    bool new_decile = total && decile > last_log_decile_ && decile < 10;
    if (!new_decile && now - last_render_ < std::chrono::seconds(30)) return;
  }
  std::unique_lock lock(mutex_, std::try_to_lock);
  if (!lock.owns_lock()) return;
  render(false);
}

void Progress::finish() {
  std::lock_guard lock(mutex_);
  if (finished_) return;
  finished_ = true;
  if (style_ != Style::kSilent) render(true);
}

namespace {
// "1.2 M rows" for counts, "1.2 GiB" for a unit of bytes.
std::string amount(double n, const std::string& unit) {
  return unit == "bytes" ? human_bytes(n) : human_count(n) + " " + unit;
}
std::string bare_amount(double n, const std::string& unit) {
  return unit == "bytes" ? human_bytes(n) : human_count(n);
}
}  // namespace

void Progress::render(bool final_line) {
  auto now = std::chrono::steady_clock::now();
  last_render_ = now;
  double elapsed = std::chrono::duration<double>(now - start_).count();
  double done = static_cast<double>(done_);
  double total = static_cast<double>(total_);
  double rate = rate_of(done_, skipped_, elapsed);
  std::string rate_text = amount(rate, unit_) + "/s";
  if (style_ == Style::kBar) {
    std::string line;
    if (total > 0) {
      double frac = std::min(1.0, done / total);
      int width = 30;
      int filled = static_cast<int>(frac * width);
      double eta = rate > 0 ? (total - done) / rate : NAN;
      line = fmt::format(
          "\r{} [{}{}] {:5.1f}% {}/{} {} {}", label_, std::string(filled, '#'),
          std::string(width - filled, '.'), 100 * frac, bare_amount(done, unit_),
          amount(total, unit_), rate_text,
          final_line ? "took " + human_duration(elapsed) : "ETA " + human_duration(eta));
    } else {
      line = fmt::format("\r{} {} {} {}", label_, amount(done, unit_), rate_text,
                         human_duration(elapsed));
    }
    std::fprintf(stderr, "%s\033[K%s", line.c_str(), final_line ? "\n" : "");
    std::fflush(stderr);
  } else {
    if (total > 0) {
      last_log_decile_ = static_cast<int>(10 * done / total);
      spdlog::info("{}: {}/{} ({:.0f}%), {}, {}", label_, bare_amount(done, unit_),
                   amount(total, unit_), 100 * std::min(1.0, done / total), rate_text,
                   final_line ? "took " + human_duration(elapsed)
                              : "ETA " + human_duration(rate > 0 ? (total - done) / rate : NAN));
    } else {
      spdlog::info("{}: {}, {}{}", label_, amount(done, unit_), rate_text,
                   final_line ? ", took " + human_duration(elapsed) : "");
    }
  }
}

}  // namespace retailsim
