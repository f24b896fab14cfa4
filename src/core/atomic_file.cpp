// Temp-file-and-rename writers for files and folders.
#include "core/atomic_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "core/error.h"

namespace retailsim {

namespace {

fs::path temp_sibling(const fs::path& path) {
  return fs::path(path.string() + fmt::format(".tmp.{}", ::getpid()));
}

}  // namespace

AtomicFile::AtomicFile(fs::path path) : path_(std::move(path)), temp_path_(temp_sibling(path_)) {
  if (path_.has_parent_path()) fs::create_directories(path_.parent_path());
  file_ = std::fopen(temp_path_.c_str(), "wb");
  if (!file_) fail("cannot create {}: {}", temp_path_.string(), std::strerror(errno));
  std::setvbuf(file_, nullptr, _IOFBF, 1 << 20);
}

AtomicFile::~AtomicFile() {
  if (file_) std::fclose(file_);
  if (!committed_) {
    std::error_code ignored;
    fs::remove(temp_path_, ignored);
  }
}

void AtomicFile::write(const void* data, size_t n_bytes) {
  if (n_bytes == 0) return;
  if (std::fwrite(data, 1, n_bytes, file_) != n_bytes) {
    fail("cannot write {}: {}", temp_path_.string(), std::strerror(errno));
  }
  bytes_written_ += n_bytes;
}

void AtomicFile::write_at(uint64_t offset, const void* data, size_t n_bytes) {
  long end = std::ftell(file_);
  if (std::fseek(file_, static_cast<long>(offset), SEEK_SET) != 0 ||
      std::fwrite(data, 1, n_bytes, file_) != n_bytes || std::fseek(file_, end, SEEK_SET) != 0) {
    fail("cannot patch {}: {}", temp_path_.string(), std::strerror(errno));
  }
}

void AtomicFile::commit() {
  if (committed_) return;
  if (std::fflush(file_) != 0 || ::fsync(::fileno(file_)) != 0) {
    fail("cannot flush {}: {}", temp_path_.string(), std::strerror(errno));
  }
  std::fclose(file_);
  file_ = nullptr;
  std::error_code ec;
  fs::rename(temp_path_, path_, ec);
  if (ec) fail("cannot rename {} to {}: {}", temp_path_.string(), path_.string(), ec.message());
  committed_ = true;
}

void write_file_atomic(const fs::path& path, std::string_view content) {
  AtomicFile file(path);
  file.write(content);
  file.commit();
}

void write_file_atomic(const fs::path& path, std::span<const std::byte> content) {
  AtomicFile file(path);
  file.write(content.data(), content.size());
  file.commit();
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot open {}", path.string());
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return content;
}

AtomicDir::AtomicDir(fs::path final_path)
    : final_(std::move(final_path)), staging_(temp_sibling(final_)) {
  std::error_code ec;
  fs::remove_all(staging_, ec);
  fs::create_directories(staging_, ec);
  if (ec) fail("cannot create {}: {}", staging_.string(), ec.message());
}

AtomicDir::~AtomicDir() {
  if (!committed_) {
    std::error_code ignored;
    fs::remove_all(staging_, ignored);
  }
}

void AtomicDir::commit() {
  if (committed_) return;
  std::error_code ec;
  fs::path old = fs::path(final_.string() + fmt::format(".old.tmp.{}", ::getpid()));
  bool had_old = fs::exists(final_);
  if (had_old) {
    fs::rename(final_, old, ec);
    if (ec) fail("cannot move {} aside: {}", final_.string(), ec.message());
  }
  fs::rename(staging_, final_, ec);
  if (ec) {
    if (had_old) fs::rename(old, final_);
    fail("cannot rename {} to {}: {}", staging_.string(), final_.string(), ec.message());
  }
  committed_ = true;
  if (had_old) fs::remove_all(old, ec);
}

int remove_stale_temporaries(const fs::path& dir) {
  int removed = 0;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return 0;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().filename().string().find(".tmp.") != std::string::npos) {
      fs::remove_all(entry.path(), ec);
      ++removed;
    }
  }
  return removed;
}

}  // namespace retailsim
