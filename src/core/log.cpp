// Default logger set-up.
#include "core/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>

#include <atomic>

namespace retailsim {

namespace {
std::atomic<bool> g_quiet{false};  // read by progress bars; set once in main
}

void init_logging(bool quiet) {
  g_quiet = quiet;
  // Idempotent: the torch module (a second copy of this code, see torch_runtime.h) calls it again.
  auto logger = spdlog::get("retailsim");
  if (!logger) logger = spdlog::stderr_color_mt("retailsim");
  logger->set_pattern("[%H:%M:%S] %^%l%$ %v");
  logger->set_level(quiet ? spdlog::level::warn : spdlog::level::info);
  spdlog::set_default_logger(logger);
}

bool logging_quiet() {
  return g_quiet;
}

}  // namespace retailsim
