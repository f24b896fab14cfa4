// Manifest (de)serialisation and input checksums.
#include "core/manifest.h"

#include <zlib.h>

#include <cstdio>
#include <vector>

#include <fmt/format.h>

#include "core/atomic_file.h"
#include "core/error.h"

namespace retailsim {

std::string file_crc32(const fs::path& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) fail("cannot open {} to checksum it", path.string());
  std::vector<unsigned char> buffer(1 << 20);
  uLong crc = crc32(0L, Z_NULL, 0);
  size_t n;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), f)) > 0) {
    crc = crc32(crc, buffer.data(), static_cast<uInt>(n));
  }
  bool error = std::ferror(f);
  std::fclose(f);
  if (error) fail("cannot read {}", path.string());
  return fmt::format("{:08x}", crc);
}

InputFile describe_input(const fs::path& path, const fs::path& relative_to) {
  InputFile in;
  in.name = fs::relative(path, relative_to).generic_string();
  in.bytes = fs::file_size(path);
  in.crc32 = file_crc32(path);
  return in;
}

Json Manifest::to_json() const {
  Json j;
  j["stage"] = stage;
  j["schema_version"] = schema_version;
  j["retailsim_version"] = retailsim_version;
  Json ins = Json::array();
  for (const auto& in : inputs) {
    ins.push_back({{"name", in.name}, {"bytes", in.bytes}, {"crc32", in.crc32}});
  }
  j["inputs"] = ins;
  j["config"] = config;
  j["counts"] = counts;
  j["extra"] = extra;
  return j;
}

Manifest Manifest::from_json(const Json& j) {
  Manifest m;
  m.stage = j.value("stage", "");
  m.schema_version = j.value("schema_version", 0);
  m.retailsim_version = j.value("retailsim_version", "");
  if (j.contains("inputs")) {
    for (const auto& in : j["inputs"]) {
      m.inputs.push_back(
          {in.value("name", ""), in.value("bytes", uint64_t{0}), in.value("crc32", "")});
    }
  }
  m.config = j.value("config", Json::object());
  m.counts = j.value("counts", Json::object());
  m.extra = j.value("extra", Json::object());
  return m;
}

void Manifest::write(const fs::path& dir) const {
  write_json(dir / "manifest.json", to_json());
}

std::optional<Manifest> Manifest::read(const fs::path& dir) {
  fs::path path = dir / "manifest.json";
  if (!fs::exists(path)) return std::nullopt;
  try {
    return from_json(read_json(path));
  } catch (const Error&) {
    return std::nullopt;  // an unreadable manifest means "rebuild", not "stop"
  }
}

bool Manifest::same_build(const Manifest& other) const {
  if (stage != other.stage || schema_version != other.schema_version) return false;
  if (config != other.config || inputs.size() != other.inputs.size()) return false;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const auto& a = inputs[i];
    const auto& b = other.inputs[i];
    if (a.name != b.name || a.bytes != b.bytes || a.crc32 != b.crc32) return false;
  }
  return true;
}

Json read_json(const fs::path& path) {
  std::string text = read_file(path);
  try {
    return Json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    fail("{}: invalid JSON: {}", path.string(), e.what());
  }
}

void write_json(const fs::path& path, const Json& j) {
  write_file_atomic(path, j.dump(2) + "\n");
}

}  // namespace retailsim
