// How the commands that generate data (generate, run) pick the synthetic world's config.
#pragma once

#include <string>

#include "cli/command.h"
#include "synth/synth.h"

namespace retailsim::cli {

// Preset from the --preset flag, else the config's [synth] preset, else "demo"; then the config's
// [synth] overrides on top, and the run's seed.
synth::SynthConfig synth_config(const CommandContext& ctx, const std::string& preset_flag);

}  // namespace retailsim::cli
