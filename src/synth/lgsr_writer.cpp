// LGSR row formatting (hand-written integer and SPEND formatting into big buffers) and the
// block-parallel gzip (pigz-style: independent raw deflate blocks, one gzip member).
#include "synth/lgsr_writer.h"

#include <cstring>

#include <zlib.h>

#include "core/error.h"

namespace retailsim::synth {

void append_int(std::string& out, int64_t value) {
  char buffer[24];
  char* end = buffer + sizeof buffer;
  char* p = end;
  const bool negative = value < 0;
  uint64_t v = negative ? static_cast<uint64_t>(-value) : static_cast<uint64_t>(value);
  do {
    *--p = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  if (negative) *--p = '-';
  out.append(p, end - p);
}

void append_spend(std::string& out, int64_t pence) {
  if (pence < 0) {
    out.push_back('-');
    pence = -pence;
  }
  append_int(out, pence / 100);
  out.push_back('.');
  const int cents = static_cast<int>(pence % 100);
  out.push_back(static_cast<char>('0' + cents / 10));
  if (cents % 10 != 0) out.push_back(static_cast<char>('0' + cents % 10));
}

int64_t basket_id(int week_index, int64_t basket_in_week) {
  return 994'100'000'000'000LL + static_cast<int64_t>(week_index + 1) * 100'000'000LL +
         basket_in_week;
}

RowPieces make_row_pieces(const World& w) {
  RowPieces pieces;
  for (int p = 0; p < w.n_products(); ++p) {
    const int cl = w.product_cl[p];
    const int dep = w.cl_dep[cl];
    const int g = w.dep_g[dep];
    pieces.product.push_back(w.product_code[p] + "," + w.cl_code[cl] + "," + w.dep_code[dep] + "," +
                             w.g_code[g] + "," + w.dept_code[w.g_dept[g]]);
  }
  for (int s = 0; s < w.n_stores(); ++s) {
    pieces.store.push_back(w.store_code[s] + "," + kFormatNames[w.store_format[s]] + "," +
                           kRegionNames[w.store_region[s]]);
  }
  for (int c = 0; c < w.n_customers(); ++c) {
    if (c >= w.n_known) {
      pieces.customer.push_back("\"\",\"\",\"\"");
      continue;
    }
    std::string seg2 = w.customer_seg2[c] < 0 ? "\"\"" : kSeg2Names[w.customer_seg2[c]];
    pieces.customer.push_back(customer_code_text(w.customer_number[c]) + "," +
                              kSeg1Names[w.customer_seg1[c]] + "," + seg2);
  }
  return pieces;
}

void append_trip_rows(std::string& out, const World& w, const RowPieces& pieces,
                      const ShopWeek& shop_week, int week_index, int64_t basket_in_week,
                      const Trip& trip, std::span<const TripLine> lines) {
  // The parts before and after QUANTITY,SPEND,PROD..D are the same on every row of the basket.
  std::string head;
  append_int(head, shop_week.shop_week);
  head.push_back(',');
  const DateInt date = add_days(shop_week.date_from, trip.day);
  append_int(head, date);
  head.push_back(',');
  append_int(head, lgsr_weekday(date));
  head.push_back(',');
  append_int(head, trip.hour);
  head.push_back(',');
  std::string tail = ",";
  tail += pieces.customer[trip.customer];
  tail.push_back(',');
  append_int(tail, basket_id(week_index, basket_in_week));
  tail.push_back(',');
  tail += kSizeNames[trip.size];
  tail.push_back(',');
  tail += kPriceSensitivityNames[trip.price_sensitivity];
  tail.push_back(',');
  tail += kTypeNames[trip.type];
  tail.push_back(',');
  tail += kMissionNames[trip.mission];
  tail.push_back(',');
  tail += pieces.store[trip.store];
  tail.push_back('\n');
  (void)w;
  for (const auto& line : lines) {
    out += head;
    append_int(out, line.quantity);
    out.push_back(',');
    append_spend(out, line.spend_pence);
    out.push_back(',');
    out += pieces.product[line.product];
    out += tail;
  }
}

std::string deflate_block(std::string_view data, int level, bool last) {
  z_stream z{};
  if (deflateInit2(&z, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    fail("zlib deflateInit2 failed");
  std::string out;
  out.resize(deflateBound(&z, data.size()) + 64);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, last ? Z_FINISH : Z_SYNC_FLUSH);
  if (rc != (last ? Z_STREAM_END : Z_OK) || z.avail_in != 0) {
    deflateEnd(&z);
    fail("zlib deflate failed ({})", rc);
  }
  out.resize(out.size() - z.avail_out);
  deflateEnd(&z);
  return out;
}

std::string gzip_header() {
  // ID1 ID2 CM=deflate FLG=0 MTIME=0 XFL=0 OS=255 (unknown).
  return std::string("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff", 10);
}

std::string gzip_trailer(uint32_t crc, uint64_t total_bytes) {
  std::string out(8, '\0');
  const uint32_t size = static_cast<uint32_t>(total_bytes & 0xffffffffu);
  for (int i = 0; i < 4; ++i) {
    out[i] = static_cast<char>((crc >> (8 * i)) & 0xff);
    out[4 + i] = static_cast<char>((size >> (8 * i)) & 0xff);
  }
  return out;
}

uint32_t crc32_of(std::string_view data) {
  uLong crc = crc32(0L, Z_NULL, 0);
  const auto* p = reinterpret_cast<const Bytef*>(data.data());
  size_t left = data.size();
  while (left > 0) {
    const uInt n = static_cast<uInt>(std::min<size_t>(left, 1u << 30));
    crc = crc32(crc, p, n);
    p += n;
    left -= n;
  }
  return static_cast<uint32_t>(crc);
}

uint32_t crc32_combine_of(uint32_t crc_a, uint32_t crc_b, uint64_t length_b) {
  return static_cast<uint32_t>(crc32_combine(crc_a, crc_b, static_cast<z_off_t>(length_b)));
}

}  // namespace retailsim::synth
