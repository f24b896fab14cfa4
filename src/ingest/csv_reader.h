// Streaming CSV input: whole-line chunks of a plain or gzip file, and a fast field splitter.
#pragma once

#include <cstdint>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace retailsim::ingest {

namespace fs = std::filesystem;

// A block of whole lines of one file (the last chunk may lack its final newline).
struct Chunk {
  std::string text;
  int64_t first_line = 0;    // 1-based line number of the chunk's first line
  int64_t n_lines = 0;       // line endings in text (+1 when the last line has none)
  uint64_t input_bytes = 0;  // bytes of the file (compressed, for gzip) consumed for this chunk
};

// Reads a file as whole-line chunks of about `chunk_bytes`. Gzip is recognised by its magic bytes
// (multi-member streams included). Throws Error naming the file when it cannot be read or is no
// valid gzip. Not thread-safe: one reader per file.
class ChunkReader {
 public:
  explicit ChunkReader(const fs::path& path, size_t chunk_bytes = 8 << 20);
  ~ChunkReader();
  ChunkReader(const ChunkReader&) = delete;
  ChunkReader& operator=(const ChunkReader&) = delete;

  // Fills `chunk` with the next lines; false at the end of the file.
  bool next(Chunk& chunk);
  // Reads the first line (the header) without its line ending; false when the file is empty.
  bool read_header(std::string& header);
  bool gzip() const { return gzip_; }

 private:
  // Appends up to `want` decompressed bytes to out; returns bytes added (0 at the end).
  size_t read_more(std::string& out, size_t want);
  struct Inflater;
  fs::path path_;
  std::string name_;
  std::FILE* file_ = nullptr;
  bool gzip_ = false;
  std::unique_ptr<Inflater> inflater_;
  std::string carry_;  // the incomplete last line of the previous read
  int64_t next_line_ = 1;
  uint64_t consumed_ = 0;  // raw bytes read from the file so far
  uint64_t reported_ = 0;  // raw bytes already attributed to chunks
  bool eof_ = false;
  size_t chunk_bytes_;
};

// Splits one line (no line ending) into fields. A field is either unquoted (taken as is) or
// wrapped in double quotes, where "" stands for one quote; `""` alone is the empty field. Views
// point into `line` except for quoted fields holding doubled quotes, whose unescaped text goes to
// `scratch` (cleared by the caller per line). Returns the number of fields found, which may exceed
// fields.size() (the extra ones are not stored). A quote left open ends at the end of the line.
size_t split_fields(std::string_view line, std::vector<std::string_view>& fields,
                    std::deque<std::string>& scratch);

}  // namespace retailsim::ingest
