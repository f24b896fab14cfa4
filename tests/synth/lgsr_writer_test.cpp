// LGSR number formatting and the block-parallel gzip.
#include <gtest/gtest.h>
#include <zlib.h>

#include "synth/lgsr_writer.h"

namespace retailsim::synth {
namespace {

std::string spend(int64_t pence) {
  std::string s;
  append_spend(s, pence);
  return s;
}

TEST(LgsrWriter, FormatsSpendLikeTheRealFiles) {
  EXPECT_EQ(spend(93), "0.93");
  EXPECT_EQ(spend(200), "2.0");
  EXPECT_EQ(spend(130), "1.3");
  EXPECT_EQ(spend(1250), "12.5");
  EXPECT_EQ(spend(1), "0.01");
  EXPECT_EQ(spend(0), "0.0");
  EXPECT_EQ(spend(259490), "2594.9");
  EXPECT_EQ(spend(-5), "-0.05");
}

TEST(LgsrWriter, BasketIdCarriesTheWeekNumberInDigitsFiveToSeven) {
  const std::string id = std::to_string(basket_id(0, 398294));
  EXPECT_EQ(id, "994100100398294");  // the real first basket id shape
  const std::string later = std::to_string(basket_id(116, 1));
  EXPECT_EQ(later.size(), 15u);
  EXPECT_EQ(later.substr(4, 3), "117");
}

TEST(LgsrWriter, ConcatenatedDeflateBlocksFormOneValidGzipMember) {
  const std::vector<std::string> parts = {std::string(10000, 'a') + "first\n", "second\n", "",
                                          "third and last\n"};
  std::string gz = gzip_header(), plain;
  uint32_t crc = 0;
  for (size_t i = 0; i < parts.size(); ++i) {
    gz += deflate_block(parts[i], 1, i + 1 == parts.size());
    crc = plain.empty() ? crc32_of(parts[i])
                        : crc32_combine_of(crc, crc32_of(parts[i]), parts[i].size());
    plain += parts[i];
  }
  gz += gzip_trailer(crc, plain.size());
  z_stream z{};
  ASSERT_EQ(inflateInit2(&z, 16 + 15), Z_OK);
  std::string out(plain.size() + 100, '\0');
  z.next_in = reinterpret_cast<Bytef*>(gz.data());
  z.avail_in = static_cast<uInt>(gz.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&z, Z_FINISH), Z_STREAM_END);  // checks the CRC and length too
  out.resize(out.size() - z.avail_out);
  EXPECT_EQ(z.avail_in, 0u);
  inflateEnd(&z);
  EXPECT_EQ(out, plain);
}

}  // namespace
}  // namespace retailsim::synth
