// .npy header writing and parsing, file memory maps.
#include "core/npy.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/error.h"

namespace retailsim {

std::string npy_header(const std::string& dtype, const std::vector<uint64_t>& shape) {
  std::string shape_text = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    shape_text += std::to_string(shape[i]);
    if (shape.size() == 1 || i + 1 < shape.size()) shape_text += ",";
    if (i + 1 < shape.size()) shape_text += " ";
  }
  shape_text += ")";
  std::string dict =
      fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': {}, }}", dtype, shape_text);
  // magic(6) + version(2) + header length(2) + dict + padding + '\n', a multiple of 64 bytes.
  size_t unpadded = 10 + dict.size() + 1;
  size_t total = (unpadded + 63) / 64 * 64;
  dict.append(total - unpadded, ' ');
  dict.push_back('\n');
  std::string out("\x93NUMPY\x01\x00", 8);
  uint16_t header_len = static_cast<uint16_t>(dict.size());
  out.push_back(static_cast<char>(header_len & 0xff));
  out.push_back(static_cast<char>(header_len >> 8));
  return out + dict;
}

void write_npy_strings(const fs::path& path, const std::vector<std::string>& values) {
  size_t width = 1;
  for (const auto& v : values) width = std::max(width, v.size());
  std::string body(values.size() * width, '\0');
  for (size_t i = 0; i < values.size(); ++i) {
    std::memcpy(body.data() + i * width, values[i].data(), values[i].size());
  }
  AtomicFile file(path);
  file.write(npy_header(fmt::format("|S{}", width), {values.size()}));
  file.write(body);
  file.commit();
}

uint64_t NpyInfo::n_elements() const {
  uint64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

NpyInfo read_npy_info(const fs::path& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) fail("cannot open {}: {}", path.string(), std::strerror(errno));
  char prefix[10];
  bool ok = std::fread(prefix, 1, 10, f) == 10 && std::memcmp(prefix, "\x93NUMPY", 6) == 0;
  if (!ok || prefix[6] != 1) {
    std::fclose(f);
    fail("{}: not a version-1 .npy file", path.string());
  }
  uint16_t header_len = static_cast<uint8_t>(prefix[8]) | (static_cast<uint8_t>(prefix[9]) << 8);
  std::string header(header_len, '\0');
  ok = std::fread(header.data(), 1, header_len, f) == header_len;
  std::fclose(f);
  if (!ok) fail("{}: truncated .npy header", path.string());

  NpyInfo info;
  info.data_offset = 10 + header_len;
  auto descr_at = header.find("'descr': '");
  auto shape_at = header.find("'shape': (");
  if (descr_at == std::string::npos || shape_at == std::string::npos ||
      header.find("'fortran_order': False") == std::string::npos) {
    fail("{}: unsupported .npy header {}", path.string(), header);
  }
  descr_at += 10;
  info.dtype = header.substr(descr_at, header.find('\'', descr_at) - descr_at);
  shape_at += 10;
  std::string shape = header.substr(shape_at, header.find(')', shape_at) - shape_at);
  size_t pos = 0;
  while (pos < shape.size()) {
    while (pos < shape.size() && (shape[pos] == ' ' || shape[pos] == ',')) ++pos;
    if (pos >= shape.size()) break;
    size_t end = pos;
    while (end < shape.size() && std::isdigit(static_cast<unsigned char>(shape[end]))) ++end;
    info.shape.push_back(std::stoull(shape.substr(pos, end - pos)));
    pos = end;
  }
  std::string size_text = info.dtype.substr(2);
  info.element_size = size_text.empty() ? 0 : std::stoull(size_text);
  return info;
}

void check_npy_dtype(const fs::path& path, const std::string& got, const char* want) {
  if (got != want) fail("{}: column has dtype {}, expected {}", path.string(), got, want);
}

MappedFile::MappedFile(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) fail("cannot open {}: {}", path.string(), std::strerror(errno));
  struct stat st {};
  ::fstat(fd, &st);
  size_ = static_cast<uint64_t>(st.st_size);
  if (size_ > 0) {
    void* p = ::mmap(nullptr, size_, PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
      ::close(fd);
      fail("cannot map {}: {}", path.string(), std::strerror(errno));
    }
    data_ = static_cast<const std::byte*>(p);
  }
  ::close(fd);
}

MappedFile::~MappedFile() {
  if (data_) ::munmap(const_cast<std::byte*>(data_), size_);
}

std::vector<std::string> read_npy_strings(const fs::path& path) {
  NpyInfo info = read_npy_info(path);
  if (info.dtype.rfind("|S", 0) != 0) fail("{}: expected a |S string column", path.string());
  MappedFile map(path);
  std::vector<std::string> out(info.n_elements());
  const char* base = reinterpret_cast<const char*>(map.data() + info.data_offset);
  for (size_t i = 0; i < out.size(); ++i) {
    const char* s = base + i * info.element_size;
    out[i].assign(s, strnlen(s, info.element_size));
  }
  return out;
}

}  // namespace retailsim
