// manifest.json of every dataset folder: schema version, counts, inputs with checksums, config.
// Also decides whether a stage can be skipped because its inputs and config are unchanged.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace retailsim {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

// A file a stage read, identified by name, size and content checksum.
struct InputFile {
  std::string name;  // path relative to the folder the stage read
  uint64_t bytes = 0;
  std::string crc32;  // hex CRC-32 of the whole content (zlib)
};

// CRC-32 of a whole file as 8 hex digits; throws Error naming the file if it cannot be read.
std::string file_crc32(const fs::path& path);
InputFile describe_input(const fs::path& path, const fs::path& relative_to);

struct Manifest {
  std::string stage;  // "ingest", "synth", ...
  int schema_version = 1;
  std::string retailsim_version;
  std::vector<InputFile> inputs;
  Json config = Json::object();  // the settings that built the folder
  Json counts = Json::object();  // row counts and other key figures
  Json extra = Json::object();   // stage-specific details (files, dtypes, ...)

  Json to_json() const;
  static Manifest from_json(const Json& j);
  // Written atomically as <dir>/manifest.json.
  void write(const fs::path& dir) const;
  static std::optional<Manifest> read(const fs::path& dir);

  // True when `other` was built from the same inputs (names, sizes, checksums), config and schema.
  bool same_build(const Manifest& other) const;
};

// Reads a JSON file; throws Error naming the file on a parse error.
Json read_json(const fs::path& path);
void write_json(const fs::path& path, const Json& j);

}  // namespace retailsim
