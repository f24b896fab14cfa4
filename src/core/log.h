// Logging for the whole program: spdlog to stderr, silenced by --quiet.
#pragma once

#include <spdlog/spdlog.h>

namespace retailsim {

// Sets up the default logger: "[time] message" on stderr; quiet keeps warnings and errors only.
void init_logging(bool quiet);
bool logging_quiet();

}  // namespace retailsim
