// Tests of the chunked CSV reader (plain, gzip, line endings, chunk boundaries) and field
// splitting.
#include "ingest/csv_reader.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "lgsr_fixture.h"

namespace retailsim::ingest {
namespace {

using retailsim::testing::ScratchDir;
using testing::write_gzip;
using testing::write_text;

std::vector<std::string> split(std::string_view line, size_t capacity = 8) {
  std::vector<std::string_view> fields(capacity);
  std::deque<std::string> scratch;
  size_t n = split_fields(line, fields, scratch);
  std::vector<std::string> out;
  for (size_t i = 0; i < std::min(n, capacity); ++i) out.emplace_back(fields[i]);
  if (n > capacity) out.emplace_back("<+" + std::to_string(n - capacity) + ">");
  return out;
}

TEST(SplitFields, QuotedEmptyAndUnquotedEmptyAreBothEmpty) {
  EXPECT_EQ(split(R"(a,"",,b)"), (std::vector<std::string>{"a", "", "", "b"}));
  EXPECT_EQ(split(","), (std::vector<std::string>{"", ""}));
  EXPECT_EQ(split(""), (std::vector<std::string>{""}));
}

TEST(SplitFields, QuotedFieldsKeepCommasAndUnescapeDoubledQuotes) {
  EXPECT_EQ(split(R"("Full, Shop",x)"), (std::vector<std::string>{"Full, Shop", "x"}));
  EXPECT_EQ(split(R"("say ""hi""",y)"), (std::vector<std::string>{"say \"hi\"", "y"}));
}

TEST(SplitFields, TextAfterAClosingQuoteStaysInTheFieldInsteadOfShiftingColumns) {
  EXPECT_EQ(split(R"("ab"cd,e)"), (std::vector<std::string>{"\"ab\"cd", "e"}));
}

TEST(SplitFields, CountsFieldsBeyondCapacity) {
  EXPECT_EQ(split("a,b,c,d", 2), (std::vector<std::string>{"a", "b", "<+2>"}));
}

std::vector<std::pair<int64_t, std::string>> read_lines(const fs::path& path, size_t chunk_bytes,
                                                        std::string* header) {
  ChunkReader reader(path, chunk_bytes);
  EXPECT_TRUE(reader.read_header(*header));
  std::vector<std::pair<int64_t, std::string>> lines;
  Chunk chunk;
  int64_t expected_first = 2;
  while (reader.next(chunk)) {
    EXPECT_EQ(chunk.first_line, expected_first);
    expected_first += chunk.n_lines;
    size_t start = 0;
    int64_t line = chunk.first_line;
    while (start < chunk.text.size()) {
      size_t end = chunk.text.find('\n', start);
      if (end == std::string::npos) end = chunk.text.size();
      lines.emplace_back(line++, chunk.text.substr(start, end - start));
      start = end + 1;
    }
  }
  return lines;
}

TEST(ChunkReader, GivesTheSameNumberedLinesWhateverTheChunkSizeAndCompression) {
  ScratchDir dir;
  std::string text = "h1,h2\n";
  for (int i = 0; i < 5000; ++i) text += "row" + std::to_string(i) + ",x\n";
  write_text(dir / "a.csv", text);
  write_gzip(dir / "a.csv.gz", text);
  std::string header;
  auto reference = read_lines(dir / "a.csv", 1 << 20, &header);
  EXPECT_EQ(header, "h1,h2");
  ASSERT_EQ(reference.size(), 5000u);
  EXPECT_EQ(reference[1234], (std::pair<int64_t, std::string>{1236, "row1234,x"}));
  for (size_t chunk : {size_t{7}, size_t{100}, size_t{4096}}) {
    EXPECT_EQ(read_lines(dir / "a.csv", chunk, &header), reference) << chunk;
    EXPECT_EQ(read_lines(dir / "a.csv.gz", chunk, &header), reference) << chunk;
  }
}

TEST(ChunkReader, KeepsALastLineWithoutNewlineAndStripsCrFromTheHeader) {
  ScratchDir dir;
  write_text(dir / "a.csv", "h1,h2\r\nx,1\r\ny,2");
  std::string header;
  auto lines = read_lines(dir / "a.csv", 4, &header);
  EXPECT_EQ(header, "h1,h2");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].second, "x,1\r");  // the row parser strips the CR
  EXPECT_EQ(lines[1], (std::pair<int64_t, std::string>{3, "y,2"}));
}

TEST(ChunkReader, ReadsConcatenatedGzipMembers) {
  ScratchDir dir;
  write_gzip(dir / "a.gz", "h\n1\n");
  write_gzip(dir / "b.gz", "2\n3\n");
  std::string both = read_file(dir / "a.gz") + read_file(dir / "b.gz");
  write_text(dir / "ab.csv.gz", both);
  std::string header;
  auto lines = read_lines(dir / "ab.csv.gz", 1 << 20, &header);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[2].second, "3");
}

TEST(ChunkReader, RejectsCorruptTruncatedAndFakeGzipNamingTheFile) {
  ScratchDir dir;
  std::string text(200000, 'x');
  write_gzip(dir / "good.csv.gz", "h\n" + text + "\n");
  std::string gz = read_file(dir / "good.csv.gz");
  write_text(dir / "truncated.csv.gz", gz.substr(0, gz.size() / 2));
  std::string corrupt = gz;
  for (size_t i = 20; i < 60; ++i) corrupt[i] = static_cast<char>(corrupt[i] ^ 0x5a);
  write_text(dir / "corrupt.csv.gz", corrupt);
  write_text(dir / "fake.csv.gz", "h\nnot gzip\n");
  for (const char* name : {"truncated.csv.gz", "corrupt.csv.gz", "fake.csv.gz"}) {
    try {
      ChunkReader reader(dir / name);
      std::string header;
      Chunk chunk;
      reader.read_header(header);
      while (reader.next(chunk)) {
      }
      ADD_FAILURE() << name << " was read without error";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("gzip"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace retailsim::ingest
