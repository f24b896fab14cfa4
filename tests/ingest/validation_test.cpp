// Tests of every validation rule: each bad row lands in quarantine.csv with its file, line, column
// and reason, the good rows are stored, and rows read = stored + quarantined.
#include <gtest/gtest.h>

#include "core/dataset.h"
#include "core/error.h"
#include "core/manifest.h"
#include "core/npy.h"
#include "lgsr_fixture.h"

namespace retailsim::ingest {
namespace {

using retailsim::testing::ScratchDir;
using testing::csv_text;
using testing::make_raw_dir;
using testing::read_quarantine;
using testing::Row;
using testing::run_ingest;
using testing::valid_row;
using testing::write_text;

struct BadCase {
  Row changes;
  std::string reason;
  std::string column_name;  // "" for the whole row
};

TEST(Validation, QuarantinesEveryBadRowWithFileLineColumnAndReason) {
  const std::vector<BadCase> cases = {
      {{{"QUANTITY", ""}}, "missing_value", "QUANTITY"},
      {{{"PROD_CODE_30", ""}}, "missing_value", "PROD_CODE_30"},
      {{{"STORE_CODE", ""}}, "missing_value", "STORE_CODE"},
      {{{"BASKET_ID", ""}}, "missing_value", "BASKET_ID"},
      {{{"SHOP_HOUR", "1x"}}, "bad_integer", "SHOP_HOUR"},
      {{{"QUANTITY", "1.5"}}, "bad_integer", "QUANTITY"},
      {{{"SHOP_WEEK", "2006-07"}}, "bad_integer", "SHOP_WEEK"},
      {{{"SPEND", "1.234"}}, "bad_number", "SPEND"},
      {{{"SPEND", "abc"}}, "bad_number", "SPEND"},
      {{{"BASKET_ID", "B-17"}}, "bad_basket_id", "BASKET_ID"},
      {{{"SHOP_HOUR", "24"}}, "out_of_range", "SHOP_HOUR"},
      {{{"SHOP_WEEKDAY", "8"}}, "out_of_range", "SHOP_WEEKDAY"},
      {{{"QUANTITY", "3000000000"}}, "out_of_range", "QUANTITY"},
      {{{"SHOP_DATE", "20060231"}}, "bad_date", "SHOP_DATE"},
      {{{"SHOP_WEEKDAY", "6"}}, "weekday_mismatch", "SHOP_WEEKDAY"},
      {{{"SHOP_WEEK", "199901"}}, "unknown_week", "SHOP_WEEK"},
      {{{"SHOP_DATE", "20060418"}, {"SHOP_WEEKDAY", "3"}}, "date_outside_week", "SHOP_DATE"},
      {{{"BASKET_SIZE", "XL"}}, "unknown_code", "BASKET_SIZE"},
      {{{"seg_1", "LA"}}, "unknown_code", "seg_1"},  // an old code under the current header
      {{{"STORE_FORMAT", "HUGE"}}, "unknown_code", "STORE_FORMAT"},
      {{{"BASKET_DOMINANT_MISSION", "fresh"}}, "unknown_code", "BASKET_DOMINANT_MISSION"},
      {{{"QUANTITY", "0"}}, "quantity_not_positive", "QUANTITY"},
      {{{"QUANTITY", "-2"}}, "quantity_not_positive", "QUANTITY"},
      {{{"SPEND", "-0.50"}}, "negative_spend", "SPEND"},
      // Same basket as the first row, another attribute: the first row is the reference.
      {{{"SHOP_HOUR", "20"}, {"PROD_CODE", "PRD2"}}, "basket_mismatch", "SHOP_HOUR"},
      {{{"BASKET_TYPE", "Top Up"}, {"PROD_CODE", "PRD2"}}, "basket_mismatch", "BASKET_TYPE"},
      {{{"CUST_CODE", "CUST9"}, {"PROD_CODE", "PRD2"}}, "basket_mismatch", "CUST_CODE"},
      {{{"CUST_CODE", ""}, {"PROD_CODE", "PRD2"}}, "basket_mismatch", "CUST_CODE"},
      {{{"STORE_CODE", "STORE2"}, {"PROD_CODE", "PRD2"}}, "basket_mismatch", "STORE_CODE"},
      {{{"STORE_FORMAT", "MS"}, {"PROD_CODE", "PRD2"}}, "basket_mismatch", "STORE_FORMAT"},
      // Same product, other parents; same store, other format or region (other baskets).
      {{{"PROD_CODE_20", "DEP99"}, {"BASKET_ID", "7"}}, "product_parents_mismatch", "PROD_CODE_20"},
      {{{"PROD_CODE_40", "D99"}, {"BASKET_ID", "7"}}, "product_parents_mismatch", "PROD_CODE_40"},
      {{{"STORE_FORMAT", "SS"}, {"BASKET_ID", "8"}, {"PROD_CODE", "PRD3"}},
       "store_attribute_mismatch",
       "STORE_FORMAT"},
      {{{"STORE_REGION", "W01"}, {"BASKET_ID", "88"}, {"PROD_CODE", "PRD3"}},
       "store_attribute_mismatch",
       "STORE_REGION"},
  };
  std::vector<Row> rows = {valid_row()};
  for (const auto& c : cases) rows.push_back(valid_row(c.changes));
  // Kept: another line of the first basket, an anonymous basket, a customer whose segments change.
  rows.push_back(valid_row({{"PROD_CODE", "PRD4"}, {"QUANTITY", "2"}, {"SPEND", "2.0"}}));
  rows.push_back(valid_row({{"BASKET_ID", "9"}, {"CUST_CODE", ""}, {"seg_1", ""}, {"seg_2", ""}}));
  rows.push_back(valid_row({{"BASKET_ID", "10"}, {"seg_1", "CT"}}));
  std::string text = csv_text(rows);
  text += valid_row().at("SHOP_WEEK") + ",too,few,fields\n";

  ScratchDir dir;
  fs::path raw = make_raw_dir(dir.path());
  write_text(raw / "transactions_200607.csv", text);
  IngestSummary s = run_ingest(raw, dir / "data");
  EXPECT_EQ(s.rows_read, rows.size() + 1);
  EXPECT_EQ(s.rows_stored, 4u);
  EXPECT_EQ(s.rows_quarantined, cases.size() + 1);
  EXPECT_EQ(s.baskets, 3u);
  EXPECT_EQ(s.anonymous_rows, 1u);

  auto quarantined = read_quarantine(dir / "data");
  ASSERT_EQ(quarantined.size(), cases.size() + 1);
  for (size_t i = 0; i < cases.size(); ++i) {
    const auto& q = quarantined[i];
    SCOPED_TRACE(cases[i].reason + " " + cases[i].column_name);
    EXPECT_EQ(q.file, "transactions_200607.csv");
    EXPECT_EQ(q.line, std::to_string(i + 3));  // header line 1, the good row line 2
    EXPECT_EQ(q.reason, cases[i].reason);
    EXPECT_EQ(q.column_name, cases[i].column_name);
    auto header = testing::current_header();
    size_t column = std::find(header.begin(), header.end(), cases[i].column_name) - header.begin();
    EXPECT_EQ(q.column, std::to_string(column + 1));
  }
  EXPECT_EQ(quarantined.back().reason, "field_count");
  EXPECT_EQ(quarantined.back().column, "0");
  EXPECT_EQ(quarantined.back().line, std::to_string(rows.size() + 2));

  auto manifest = Manifest::read(dir / "data" / "store");
  ASSERT_TRUE(manifest);
  EXPECT_EQ(manifest->counts["quarantined_by_reason"]["basket_mismatch"], 6);
  EXPECT_EQ(manifest->counts["customers_with_varying_segments"], 1);
  Store store = Store::open(dir / "data");
  EXPECT_EQ(store.n_rows(), 4u);
  EXPECT_EQ(store.customer_codes, std::vector<std::string>{"CUST0000410727"});
  EXPECT_EQ(store.seg_1_codes[static_cast<size_t>(store.customer_seg_1[0])], "BG");  // first row's
}

TEST(Validation, ChecksProductsAndStoresAcrossFilesAgainstTheEarliestFile) {
  ScratchDir dir;
  fs::path raw = make_raw_dir(dir.path());
  write_text(raw / "transactions_200607.csv", testing::csv_text({valid_row()}));
  Row week2 = {{"SHOP_WEEK", "200609"}, {"SHOP_DATE", "20060424"}, {"SHOP_WEEKDAY", "2"}};
  Row moved = week2;
  moved["PROD_CODE_10"] = "CL99999";
  moved["BASKET_ID"] = "11";
  Row reformatted = week2;
  reformatted["STORE_FORMAT"] = "XLS";
  reformatted["BASKET_ID"] = "12";
  reformatted["PROD_CODE"] = "PRD5";
  Row fine = week2;
  fine["BASKET_ID"] = "13";
  write_text(raw / "transactions_200609.csv",
             csv_text({valid_row(moved), valid_row(reformatted), valid_row(fine)}));
  IngestSummary s = run_ingest(raw, dir / "data");
  EXPECT_EQ(s.rows_stored, 2u);
  EXPECT_EQ(s.rows_quarantined, 2u);
  auto q = read_quarantine(dir / "data");
  ASSERT_EQ(q.size(), 2u);
  EXPECT_EQ(q[0].file, "transactions_200609.csv");
  EXPECT_EQ(q[0].line, "2");
  EXPECT_EQ(q[0].reason, "product_parents_mismatch");
  EXPECT_EQ(q[0].column_name, "PROD_CODE_10");
  EXPECT_NE(q[0].detail.find("transactions_200607.csv"), std::string::npos) << q[0].detail;
  EXPECT_EQ(q[1].reason, "store_attribute_mismatch");
  EXPECT_EQ(q[1].column_name, "STORE_FORMAT");
}

TEST(Validation, InterleavedBasketsKeepLineOrderAndCrossFileQuarantineNamesTheRightLine) {
  ScratchDir dir;
  fs::path raw = make_raw_dir(dir.path());
  write_text(raw / "transactions_200607.csv", testing::csv_text({valid_row()}));
  // Two baskets whose rows alternate; line 5 carries the first file's product with other parents.
  auto row = [](const char* basket, const char* product, const char* spend) {
    Row r = {{"SHOP_WEEK", "200609"}, {"SHOP_DATE", "20060424"}, {"SHOP_WEEKDAY", "2"},
             {"BASKET_ID", basket},   {"PROD_CODE", product},    {"SPEND", spend}};
    return valid_row(r);
  };
  Row moved = row("22", "PRD0900033", "9.99");
  moved["PROD_CODE_10"] = "CL99999";
  write_text(raw / "transactions_200609.csv",
             csv_text({row("21", "PRD7", "1.00"), row("22", "PRD8", "2.00"),
                       row("21", "PRD9", "3.00"), moved, row("21", "PRD7", "4.00")}));
  IngestSummary s = run_ingest(raw, dir / "data");
  EXPECT_EQ(s.rows_stored, 5u);
  EXPECT_EQ(s.rows_quarantined, 1u);
  auto q = read_quarantine(dir / "data");
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].line, "5");
  EXPECT_EQ(q[0].reason, "product_parents_mismatch");
  // Baskets in time order, then BASKET_ID; each basket's rows in line order.
  EXPECT_EQ(read_npy<int32_t>(dir / "data" / "store" / "spend_cents.npy"),
            (std::vector<int32_t>{93, 100, 300, 400, 200}));
  EXPECT_EQ(read_npy<int64_t>(dir / "data" / "store" / "basket_row_offsets.npy"),
            (std::vector<int64_t>{0, 1, 4, 5}));
}

std::string column_bytes(const fs::path& data, const std::string& name) {
  return read_file(data / "store" / (name + ".npy"));
}

TEST(Parsing, QuotedEmptyBareEmptyCrlfAndNoFinalNewlineGiveTheSameStore) {
  std::vector<Row> rows = {valid_row(), valid_row({{"BASKET_ID", "5"},
                                                   {"CUST_CODE", ""},
                                                   {"seg_1", ""},
                                                   {"seg_2", ""},
                                                   {"PROD_CODE", "PRD7"}})};
  std::string plain = csv_text(rows);
  std::string quoted = plain;
  for (size_t at; (at = quoted.find(",,")) != std::string::npos;) quoted.replace(at, 2, ",\"\",");
  std::string crlf = csv_text(rows, testing::current_header(), "\r\n");
  crlf.resize(crlf.size() - 2);  // no line ending after the last row
  ASSERT_NE(plain, quoted);

  ScratchDir dir;
  std::vector<fs::path> data;
  int i = 0;
  for (const std::string& text : {plain, quoted, crlf}) {
    fs::path raw = make_raw_dir(dir / ("case" + std::to_string(i)));
    write_text(raw / "transactions_200607.csv", text);
    data.push_back(dir / ("data" + std::to_string(i++)));
    IngestSummary s = run_ingest(raw, data.back());
    EXPECT_EQ(s.rows_stored, 2u);
    EXPECT_EQ(s.rows_quarantined, 0u);
  }
  for (const char* column : {"customer_id", "product_id", "basket_flags", "basket_customer_id",
                             "customer_code", "spend_cents"}) {
    EXPECT_EQ(column_bytes(data[0], column), column_bytes(data[1], column)) << column;
    EXPECT_EQ(column_bytes(data[0], column), column_bytes(data[2], column)) << column;
  }
  Store store = Store::open(data[0]);
  EXPECT_EQ(store.n_customers(), 1u);
  EXPECT_EQ(store.basket_flags[0] & kBasketFlagAnonymous, kBasketFlagAnonymous);  // basket 5 first
}

TEST(Parsing, AnyColumnOrderAndAnExtraColumnGiveTheSameStoreAndBlankLinesAreNoRows) {
  std::vector<Row> rows = {valid_row(), valid_row({{"PROD_CODE", "PRD2"}, {"SPEND", "12"}})};
  auto shuffled = testing::current_header();
  std::rotate(shuffled.begin(), shuffled.begin() + 7, shuffled.end());
  shuffled.insert(shuffled.begin() + 2, "NOTE");
  rows[1]["NOTE"] = "anything";

  ScratchDir dir;
  fs::path raw_a = make_raw_dir(dir / "a");
  fs::path raw_b = make_raw_dir(dir / "b");
  write_text(raw_a / "transactions_200607.csv", csv_text(rows));
  write_text(raw_b / "transactions_200607.csv", csv_text(rows, shuffled) + "\n\n");
  IngestSummary a = run_ingest(raw_a, dir / "data_a");
  IngestSummary b = run_ingest(raw_b, dir / "data_b");
  EXPECT_EQ(b.rows_read, 2u);
  EXPECT_EQ(b.rows_stored, 2u);
  for (const char* column : {"product_id", "spend_cents", "basket_id", "customer_id",
                             "product_parent_10", "store_region", "basket_type"}) {
    EXPECT_EQ(column_bytes(dir / "data_a", column), column_bytes(dir / "data_b", column)) << column;
  }
  auto manifest = Manifest::read(dir / "data_b" / "store");
  EXPECT_EQ(manifest->extra["files"][0]["ignored_columns"], Json::array({"NOTE"}));
  EXPECT_EQ(manifest->counts["blank_lines"], 2);
}

std::string ingest_error(const fs::path& raw, const fs::path& data) {
  try {
    testing::run_ingest(raw, data);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(BadFiles, StopTheIngestWithAMessageNamingTheFile) {
  ScratchDir dir;
  auto header = testing::current_header();
  std::string good = csv_text({valid_row()});
  std::string gz;
  {
    testing::write_gzip(dir / "tmp.gz", good + std::string(100000, 'x'));
    gz = read_file(dir / "tmp.gz");
  }
  auto no_spend = header;
  no_spend.erase(no_spend.begin() + 5);
  struct BadFile {
    std::string name, content, expect;
  };
  const std::vector<BadFile> cases = {
      {"transactions_200607.csv.gz", gz.substr(0, gz.size() - 30), "unreadable gzip"},
      {"transactions_200607.csv.gz", "plain text, not gzip\n", "unreadable gzip"},
      {"transactions_200607.csv", csv_text({}, no_spend), "missing required column SPEND"},
      {"transactions_200607.csv", "a,b,c\n1,2,3\n", "unknown header"},
      {"transactions_200607.csv", "", "empty file"},
  };
  int i = 0;
  for (const auto& c : cases) {
    fs::path raw = make_raw_dir(dir / ("bad" + std::to_string(i)));
    write_text(raw / "transactions_200609.csv",
               csv_text({valid_row(
                   {{"SHOP_WEEK", "200609"}, {"SHOP_DATE", "20060424"}, {"SHOP_WEEKDAY", "2"}})}));
    write_text(raw / c.name, c.content);
    std::string message = ingest_error(raw, dir / ("data" + std::to_string(i++)));
    EXPECT_NE(message.find(c.name), std::string::npos) << message;
    EXPECT_NE(message.find(c.expect), std::string::npos) << message;
  }
}

TEST(BadFiles, TheSameWeekInTwoFilesStopsNamingBoth) {
  ScratchDir dir;
  fs::path raw = make_raw_dir(dir.path());
  write_text(raw / "transactions_200607.csv", csv_text({valid_row()}));
  write_text(raw / "transactions_200607_copy.csv", csv_text({valid_row({{"BASKET_ID", "3"}})}));
  std::string message = ingest_error(raw, dir / "data");
  EXPECT_NE(message.find("transactions_200607.csv and transactions_200607_copy.csv"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("200607"), std::string::npos);
}

TEST(BadFiles, TheSameBasketIdInTwoFilesStopsNamingBoth) {
  ScratchDir dir;
  fs::path raw = make_raw_dir(dir.path());
  write_text(raw / "transactions_200607.csv", csv_text({valid_row()}));
  write_text(raw / "transactions_200609.csv",
             csv_text({valid_row(
                 {{"SHOP_WEEK", "200609"}, {"SHOP_DATE", "20060424"}, {"SHOP_WEEKDAY", "2"}})}));
  std::string message = ingest_error(raw, dir / "data");
  EXPECT_NE(message.find("BASKET_ID 994100100398294"), std::string::npos) << message;
  EXPECT_NE(message.find("transactions_200609.csv"), std::string::npos) << message;
}

}  // namespace
}  // namespace retailsim::ingest
