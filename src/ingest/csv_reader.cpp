// Chunked reading of plain and gzip CSV files (ISA-L streaming inflate) and field splitting.
#include "ingest/csv_reader.h"

#include <isa-l/igzip_lib.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/error.h"

namespace retailsim::ingest {

// ISA-L's inflate, about 2x zlib's on LGSR files (docs/decisions.md); it parses and checks the
// gzip wrapper (header, CRC-32, length) itself.
struct ChunkReader::Inflater {
  inflate_state state{};
  std::vector<unsigned char> input = std::vector<unsigned char>(1 << 20);
  bool ended_member = false;  // the last isal_inflate() call finished a gzip member
  Inflater() { start_member(); }
  void start_member() {
    // Reset clears the whole state, pending input included.
    uint8_t* next_in = state.next_in;
    uint32_t avail_in = state.avail_in;
    isal_inflate_init(&state);
    state.crc_flag = ISAL_GZIP;
    state.next_in = next_in;
    state.avail_in = avail_in;
  }
};

namespace {

const char* isal_error(int rc) {
  switch (rc) {
    case ISAL_INVALID_BLOCK:
      return "invalid deflate block";
    case ISAL_INVALID_SYMBOL:
      return "invalid deflate symbol";
    case ISAL_INVALID_LOOKBACK:
      return "invalid distance too far back";
    case ISAL_INVALID_WRAPPER:
      return "incorrect header check";
    case ISAL_UNSUPPORTED_METHOD:
      return "unknown compression method";
    case ISAL_INCORRECT_CHECKSUM:
      return "incorrect data check";
    default:
      return "corrupt stream";
  }
}

}  // namespace

ChunkReader::ChunkReader(const fs::path& path, size_t chunk_bytes)
    : path_(path), name_(path.filename().string()), chunk_bytes_(chunk_bytes) {
  file_ = std::fopen(path.c_str(), "rb");
  if (!file_) fail("{}: cannot open: {}", path.string(), std::strerror(errno));
  unsigned char magic[2] = {0, 0};
  size_t n = std::fread(magic, 1, 2, file_);
  gzip_ = n == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
  std::rewind(file_);
  if (!gzip_ && path.extension() == ".gz") {
    fail("{}: unreadable gzip: the file is named .gz but does not start like a gzip stream", name_);
  }
  if (gzip_) inflater_ = std::make_unique<Inflater>();
}

ChunkReader::~ChunkReader() {
  if (file_) std::fclose(file_);
}

size_t ChunkReader::read_more(std::string& out, size_t want) {
  if (eof_) return 0;
  size_t before = out.size();
  if (!gzip_) {
    out.resize(before + want);
    size_t n = std::fread(out.data() + before, 1, want, file_);
    if (n < want && std::ferror(file_)) fail("{}: read error: {}", name_, std::strerror(errno));
    out.resize(before + n);
    consumed_ += n;
    if (n == 0) eof_ = true;
    return n;
  }
  Inflater& z = *inflater_;
  out.resize(before + want);
  z.state.next_out = reinterpret_cast<uint8_t*>(out.data() + before);
  z.state.avail_out = static_cast<uint32_t>(want);
  while (z.state.avail_out > 0) {
    if (z.state.avail_in == 0) {
      size_t n = std::fread(z.input.data(), 1, z.input.size(), file_);
      if (n == 0) {
        if (std::ferror(file_)) fail("{}: read error: {}", name_, std::strerror(errno));
        if (!z.ended_member) fail("{}: unreadable gzip: the stream is truncated", name_);
        eof_ = true;
        break;
      }
      consumed_ += n;
      z.state.next_in = z.input.data();
      z.state.avail_in = static_cast<uint32_t>(n);
    }
    if (z.ended_member) {
      // Another gzip member follows (concatenated .gz files are valid gzip).
      z.start_member();
      z.ended_member = false;
    }
    int rc = isal_inflate(&z.state);
    if (rc < 0) fail("{}: unreadable gzip: {}", name_, isal_error(rc));
    if (z.state.block_state == ISAL_BLOCK_FINISH) z.ended_member = true;
  }
  size_t added = want - z.state.avail_out;
  out.resize(before + added);
  return added;
}

bool ChunkReader::read_header(std::string& header) {
  std::string buffer;
  size_t newline;
  while ((newline = buffer.find('\n')) == std::string::npos) {
    if (read_more(buffer, 64 << 10) == 0) break;
  }
  if (buffer.empty()) return false;
  if (newline == std::string::npos) newline = buffer.size();
  header.assign(buffer, 0, newline);
  if (!header.empty() && header.back() == '\r') header.pop_back();
  carry_ = newline < buffer.size() ? buffer.substr(newline + 1) : std::string();
  next_line_ = 2;
  return true;
}

bool ChunkReader::next(Chunk& chunk) {
  chunk.text = std::move(carry_);
  carry_.clear();
  chunk.text.reserve(chunk_bytes_ + chunk.text.size() + (64 << 10));
  size_t last_newline = std::string::npos;
  while (chunk.text.size() < chunk_bytes_ ||
         (last_newline = chunk.text.rfind('\n')) == std::string::npos) {
    if (read_more(chunk.text, std::max<size_t>(chunk_bytes_ / 2, 64 << 10)) == 0) break;
  }
  if (chunk.text.empty()) return false;
  if (last_newline == std::string::npos && !eof_) last_newline = chunk.text.rfind('\n');
  if (!eof_ && last_newline != std::string::npos && last_newline + 1 < chunk.text.size()) {
    carry_.assign(chunk.text, last_newline + 1);
    chunk.text.resize(last_newline + 1);
  }
  chunk.first_line = next_line_;
  chunk.n_lines = std::count(chunk.text.begin(), chunk.text.end(), '\n');
  if (chunk.text.back() != '\n') ++chunk.n_lines;
  next_line_ += chunk.n_lines;
  chunk.input_bytes = consumed_ - reported_;
  reported_ = consumed_;
  return true;
}

namespace {

// split_fields for a line without quotes: commas found 16 bytes at a time.
size_t split_unquoted(std::string_view line, std::vector<std::string_view>& fields) {
  const char* const begin = line.data();
  const size_t size = line.size();
  const size_t capacity = fields.size();
  size_t n = 0;
  size_t start = 0;
  auto field_ends_at = [&](size_t comma) {
    if (n < capacity) fields[n] = std::string_view(begin + start, comma - start);
    ++n;
    start = comma + 1;
  };
  size_t i = 0;
#ifdef __SSE2__
  const __m128i comma = _mm_set1_epi8(',');
  for (; i + 16 <= size; i += 16) {
    __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(begin + i));
    auto mask = static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(block, comma)));
    while (mask != 0) {
      field_ends_at(i + static_cast<size_t>(__builtin_ctz(mask)));
      mask &= mask - 1;
    }
  }
#endif
  for (; i < size; ++i) {
    if (begin[i] == ',') field_ends_at(i);
  }
  field_ends_at(size);
  return n;
}

}  // namespace

size_t split_fields(std::string_view line, std::vector<std::string_view>& fields,
                    std::deque<std::string>& scratch) {
  if (std::memchr(line.data(), '"', line.size()) == nullptr) return split_unquoted(line, fields);
  const char* p = line.data();
  const char* end = p + line.size();
  const size_t capacity = fields.size();
  size_t n = 0;
  while (true) {
    std::string_view value;
    if (p < end && *p == '"') {
      const char* start = ++p;
      bool escaped = false;
      while (p < end) {
        if (*p == '"') {
          if (p + 1 < end && p[1] == '"') {
            escaped = true;
            p += 2;
            continue;
          }
          break;
        }
        ++p;
      }
      value = std::string_view(start, static_cast<size_t>(p - start));
      if (p < end) ++p;  // the closing quote
      if (escaped) {
        std::string unescaped;
        for (size_t i = 0; i < value.size(); ++i) {
          unescaped.push_back(value[i]);
          if (value[i] == '"') ++i;
        }
        scratch.push_back(std::move(unescaped));
        value = scratch.back();
      }
      // Text after a closing quote and before the comma is kept with the field, so that a stray
      // quote ends up as an invalid value instead of silently shifting the columns.
      const char* after = p;
      while (p < end && *p != ',') ++p;
      if (p != after) value = std::string_view(start - 1, static_cast<size_t>(p - start + 1));
    } else {
      // LGSR fields average ~6 bytes: a byte loop beats a memchr call per field.
      const char* start = p;
      while (p < end && *p != ',') ++p;
      value = std::string_view(start, static_cast<size_t>(p - start));
    }
    if (n < capacity) fields[n] = value;
    ++n;
    if (p >= end) break;
    ++p;  // the comma
  }
  return n;
}

}  // namespace retailsim::ingest
