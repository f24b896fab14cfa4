// Configuration: the global options every command shares and typed access to the sections of a
// TOML config file. Each stage keeps one config struct with documented defaults and reads its
// section through ConfigSection, which names file and key in every error.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/manifest.h"

namespace toml {
inline namespace v3 {
class table;
}
}  // namespace toml

namespace retailsim {

namespace fs = std::filesystem;

// Options shared by every subcommand (--threads, --seed, --config, --quiet).
struct GlobalOptions {
  int threads = 0;          // 0 = all cores
  uint64_t seed = 42;       // root of every random choice
  bool seed_given = false;  // --seed on the command line overrides the config's seed
  bool quiet = false;
  fs::path config_path;  // empty = built-in defaults
  int resolved_threads() const;
};

// A parsed TOML config file (or an empty one).
class Config {
 public:
  Config();
  ~Config();
  Config(Config&&) noexcept;
  Config& operator=(Config&&) noexcept;
  // Throws Error with file, line and column on a syntax error.
  static Config load(const fs::path& path);
  static Config parse(std::string_view text, std::string source_name = "<config>");

  class Section section(std::string_view name) const;
  const std::string& source() const { return source_; }
  Json to_json() const;

 private:
  std::unique_ptr<toml::table> table_;
  std::string source_;
};

// One [section] of a config. Getters return the default when the key is absent and throw Error
// ("configs/demo.toml: [synth] customers: expected an integer") when it has the wrong type.
class Section {
 public:
  Section(const toml::table* table, std::string name, std::string source);
  bool present() const { return table_ != nullptr; }
  bool has(std::string_view key) const;
  int64_t get_int(std::string_view key, int64_t default_value) const;
  double get_double(std::string_view key, double default_value) const;
  bool get_bool(std::string_view key, bool default_value) const;
  std::string get_string(std::string_view key, const std::string& default_value) const;
  std::vector<double> get_doubles(std::string_view key, std::vector<double> default_value) const;
  std::vector<std::string> get_strings(std::string_view key,
                                       std::vector<std::string> default_value) const;
  // Throws naming the first key of the section that is not in `known` (catches typos).
  void check_known_keys(const std::set<std::string, std::less<>>& known) const;

 private:
  [[noreturn]] void type_error(std::string_view key, const char* expected) const;
  const toml::table* table_;
  std::string name_;
  std::string source_;
};

}  // namespace retailsim
