// Helpers of the synth tests: generating a preset into a scratch folder and reading it back.
#pragma once

#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "core/atomic_file.h"
#include "synth/synth.h"
#include "test_util.h"

namespace retailsim::synth::testing {

using retailsim::testing::ScratchDir;

inline SynthConfig tiny_config(uint64_t seed = 42) {
  SynthConfig c = SynthConfig::preset_named("tiny");
  c.seed = seed;
  return c;
}

// All files under dir (relative path -> content).
inline std::map<std::string, std::string> read_tree(const fs::path& dir) {
  std::map<std::string, std::string> out;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file())
      out[fs::relative(entry.path(), dir).string()] = read_file(entry.path());
  }
  return out;
}

inline std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> out;
  std::string piece;
  std::istringstream in(text);
  while (std::getline(in, piece, sep)) out.push_back(piece);
  if (!text.empty() && text.back() == sep && sep == ',') out.push_back("");
  return out;
}

// Data rows of a CSV file as fields (header dropped).
inline std::vector<std::vector<std::string>> csv_rows(const fs::path& path) {
  std::vector<std::vector<std::string>> rows;
  auto lines = split(read_file(path), '\n');
  for (size_t i = 1; i < lines.size(); ++i) rows.push_back(split(lines[i], ','));
  return rows;
}

}  // namespace retailsim::synth::testing
