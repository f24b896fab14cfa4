// Atomic writes: every artifact is written to a temporary sibling and renamed into place, so a
// crash never leaves a half-written file or folder behind.
#pragma once

#include <cstdio>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

namespace retailsim {

namespace fs = std::filesystem;

// A file written through a temporary "<path>.tmp.<pid>" and renamed onto `path` by commit().
// If the object dies without commit() (exception, early return) the temporary is removed.
class AtomicFile {
 public:
  explicit AtomicFile(fs::path path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(const void* data, size_t n_bytes);
  void write(std::string_view text) { write(text.data(), text.size()); }
  // Overwrites bytes already written (used to patch headers whose size is known only at the end).
  void write_at(uint64_t offset, const void* data, size_t n_bytes);
  uint64_t bytes_written() const { return bytes_written_; }
  // Flushes, fsyncs and renames onto the final path. Throws Error on any failure.
  void commit();
  const fs::path& path() const { return path_; }
  const fs::path& temp_path() const { return temp_path_; }

 private:
  fs::path path_;
  fs::path temp_path_;
  std::FILE* file_ = nullptr;
  uint64_t bytes_written_ = 0;
  bool committed_ = false;
};

// Writes a whole file atomically.
void write_file_atomic(const fs::path& path, std::string_view content);
void write_file_atomic(const fs::path& path, std::span<const std::byte> content);

// Reads a whole file; throws Error naming the file when it cannot.
std::string read_file(const fs::path& path);

// A folder built under "<final>.tmp.<pid>" and swapped into place by commit(): the old folder (if
// any) is renamed aside, the new one renamed in, the old one removed. Without commit() the
// temporary folder is deleted.
class AtomicDir {
 public:
  explicit AtomicDir(fs::path final_path);
  ~AtomicDir();
  AtomicDir(const AtomicDir&) = delete;
  AtomicDir& operator=(const AtomicDir&) = delete;

  // Where to write the folder's contents before commit().
  const fs::path& staging() const { return staging_; }
  const fs::path& final_path() const { return final_; }
  void commit();

 private:
  fs::path final_;
  fs::path staging_;
  bool committed_ = false;
};

// Removes "*.tmp.*" leftovers of crashed runs directly inside `dir`; returns how many it removed.
int remove_stale_temporaries(const fs::path& dir);

}  // namespace retailsim
