// NumPy .npy columns: writing (whole or streamed) and memory-mapped reading, so every column the
// project stores opens with numpy.load(path, mmap_mode="r").
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "core/atomic_file.h"

namespace retailsim {

// NumPy dtype descriptor of a C++ scalar type ("<i4", "<f8", "|u1", ...).
template <typename T>
constexpr const char* npy_dtype() {
  if constexpr (std::is_same_v<T, int8_t>)
    return "|i1";
  else if constexpr (std::is_same_v<T, uint8_t>)
    return "|u1";
  else if constexpr (std::is_same_v<T, bool>)
    return "|b1";
  else if constexpr (std::is_same_v<T, int16_t>)
    return "<i2";
  else if constexpr (std::is_same_v<T, uint16_t>)
    return "<u2";
  else if constexpr (std::is_same_v<T, int32_t>)
    return "<i4";
  else if constexpr (std::is_same_v<T, uint32_t>)
    return "<u4";
  else if constexpr (std::is_same_v<T, int64_t>)
    return "<i8";
  else if constexpr (std::is_same_v<T, uint64_t>)
    return "<u8";
  else if constexpr (std::is_same_v<T, float>)
    return "<f4";
  else if constexpr (std::is_same_v<T, double>)
    return "<f8";
  else
    static_assert(sizeof(T) == 0, "unsupported npy element type");
}

// Header of a .npy file (version 1.0), padded so the data starts on a 64-byte boundary.
std::string npy_header(const std::string& dtype, const std::vector<uint64_t>& shape);

// Writes a whole array atomically. `shape` defaults to 1-D of values.size().
template <typename T>
void write_npy(const fs::path& path, std::span<const T> values, std::vector<uint64_t> shape = {}) {
  if (shape.empty()) shape = {values.size()};
  AtomicFile file(path);
  file.write(npy_header(npy_dtype<T>(), shape));
  file.write(values.data(), values.size_bytes());
  file.commit();
}

template <typename T>
void write_npy(const fs::path& path, const std::vector<T>& values,
               std::vector<uint64_t> shape = {}) {
  write_npy(path, std::span<const T>(values), std::move(shape));
}

// Strings as a fixed-width byte array (numpy dtype "|S<width>"): dictionaries of codes.
void write_npy_strings(const fs::path& path, const std::vector<std::string>& values);

// A 1-D .npy column written in pieces whose total length is known only at the end. The header is
// patched in finish(), which also commits the file atomically.
template <typename T>
class NpyStreamWriter {
 public:
  explicit NpyStreamWriter(const fs::path& path) : file_(path) {
    file_.write(npy_header(npy_dtype<T>(), {kMaxRows}));  // placeholder of the final size
  }
  void append(std::span<const T> values) {
    file_.write(values.data(), values.size_bytes());
    n_ += values.size();
  }
  void append(const T& value) { append(std::span<const T>(&value, 1)); }
  uint64_t size() const { return n_; }
  void finish() {
    std::string header = npy_header(npy_dtype<T>(), {n_});
    file_.write_at(0, header.data(), header.size());
    file_.commit();
  }

 private:
  static constexpr uint64_t kMaxRows = 999'999'999'999ULL;  // same header width as any real size
  AtomicFile file_;
  uint64_t n_ = 0;
};

// Parsed header of a .npy file.
struct NpyInfo {
  std::string dtype;            // e.g. "<i4", "|S10"
  std::vector<uint64_t> shape;  // C order
  uint64_t data_offset = 0;     // bytes from the start of the file to the first element
  uint64_t element_size = 0;
  uint64_t n_elements() const;
};

NpyInfo read_npy_info(const fs::path& path);

// A read-only memory map of a whole file.
class MappedFile {
 public:
  explicit MappedFile(const fs::path& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  const std::byte* data() const { return data_; }
  uint64_t size() const { return size_; }

 private:
  const std::byte* data_ = nullptr;
  uint64_t size_ = 0;
};

// A typed, memory-mapped, read-only .npy column. Cheap to copy (shares the mapping).
template <typename T>
class Column {
 public:
  Column() = default;
  explicit Column(const fs::path& path) {
    NpyInfo info = read_npy_info(path);
    check_dtype(path, info.dtype, npy_dtype<T>());
    map_ = std::make_shared<MappedFile>(path);
    auto* first = reinterpret_cast<const T*>(map_->data() + info.data_offset);
    values_ = std::span<const T>(first, info.n_elements());
    shape_ = info.shape;
  }
  // A column over values held in memory (samples built on the fly, tests); copies share them.
  static Column from_values(std::vector<T> values) {
    Column c;
    c.owned_ = std::make_shared<const std::vector<T>>(std::move(values));
    c.values_ = std::span<const T>(*c.owned_);
    c.shape_ = {c.owned_->size()};
    return c;
  }
  std::span<const T> span() const { return values_; }
  const T& operator[](size_t i) const { return values_[i]; }
  size_t size() const { return values_.size(); }
  const T* begin() const { return values_.data(); }
  const T* end() const { return values_.data() + values_.size(); }
  const std::vector<uint64_t>& shape() const { return shape_; }

 private:
  static void check_dtype(const fs::path& path, const std::string& got, const char* want);
  std::shared_ptr<MappedFile> map_;
  std::shared_ptr<const std::vector<T>> owned_;
  std::span<const T> values_;
  std::vector<uint64_t> shape_;
};

// Reads a whole .npy column into memory (small tables, tests).
template <typename T>
std::vector<T> read_npy(const fs::path& path) {
  Column<T> column(path);
  return std::vector<T>(column.begin(), column.end());
}

// Reads a "|S<width>" .npy file back into strings (trailing NULs dropped).
std::vector<std::string> read_npy_strings(const fs::path& path);

void check_npy_dtype(const fs::path& path, const std::string& got, const char* want);

template <typename T>
void Column<T>::check_dtype(const fs::path& path, const std::string& got, const char* want) {
  check_npy_dtype(path, got, want);
}

}  // namespace retailsim
