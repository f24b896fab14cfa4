// LGSR text output (internal to synth): the exact header, fast row formatting into big buffers,
// and a parallel gzip that deflates blocks independently into one valid gzip member.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "synth/world.h"

namespace retailsim::synth {

inline constexpr std::string_view kLgsrHeader =
    "SHOP_WEEK,SHOP_DATE,SHOP_WEEKDAY,SHOP_HOUR,QUANTITY,SPEND,PROD_CODE,PROD_CODE_10,"
    "PROD_CODE_20,PROD_CODE_30,PROD_CODE_40,CUST_CODE,seg_1,seg_2,BASKET_ID,BASKET_SIZE,"
    "BASKET_PRICE_SENSITIVITY,BASKET_TYPE,BASKET_DOMINANT_MISSION,STORE_CODE,STORE_FORMAT,"
    "STORE_REGION\n";
inline constexpr int kLgsrFields = 22;

// Appends pence as LGSR writes SPEND: at most two decimals, trailing zero dropped, never an
// integer: 93 -> "0.93", 200 -> "2.0", 130 -> "1.3", 1250 -> "12.5", -5 -> "-0.05".
void append_spend(std::string& out, int64_t pence);
void append_int(std::string& out, int64_t value);

// 15-digit BASKET_ID: "9941", the week number counted from 200607 (= 1) in 3 digits, and the
// basket's 1-based number within the week in 8 digits.
int64_t basket_id(int week_index, int64_t basket_in_week);

// Pre-formatted pieces of rows that do not change within a week.
struct RowPieces {
  std::vector<std::string> product;   // "PRD..,CL..,DEP..,G..,D.."
  std::vector<std::string> store;     // "STORE..,LS,E02"
  std::vector<std::string> customer;  // "CUST..,BG,BU" or "\"\",\"\",\"\""
};
RowPieces make_row_pieces(const World& world);

// Appends every row of one trip (basket) to out.
void append_trip_rows(std::string& out, const World& world, const RowPieces& pieces,
                      const ShopWeek& shop_week, int week_index, int64_t basket_in_week,
                      const Trip& trip, std::span<const TripLine> lines);

// Raw-deflates one block (Z_SYNC_FLUSH, or Z_FINISH when last) so blocks concatenate.
std::string deflate_block(std::string_view data, int level, bool last);
// The gzip header and trailer around concatenated deflate blocks (mtime 0: reproducible bytes).
std::string gzip_header();
std::string gzip_trailer(uint32_t crc, uint64_t total_bytes);
uint32_t crc32_of(std::string_view data);
uint32_t crc32_combine_of(uint32_t crc_a, uint32_t crc_b, uint64_t length_b);

}  // namespace retailsim::synth
