// Tests of the core Store reader over an ingested store: slices basket -> rows and customer ->
// baskets in time order, dictionaries, and its errors.
#include "core/dataset.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "lgsr_fixture.h"

namespace retailsim {
namespace {

using ingest::testing::csv_text;
using ingest::testing::Row;
using ingest::testing::valid_row;
using retailsim::testing::ScratchDir;

TEST(Store, SlicesBasketsRowsAndCustomerBasketsInTimeOrder) {
  ScratchDir dir;
  fs::path raw = ingest::testing::make_raw_dir(dir.path());
  // Customer A shops Saturday 19h (basket 50, 2 lines), then Sunday 9h (basket 40) of week
  // 200607, and Monday of week 200609 (basket 30); an anonymous basket 60 sits in between.
  Row a = {{"CUST_CODE", "CUST_A"}};
  std::vector<Row> week1 = {
      valid_row({{"CUST_CODE", "CUST_A"},
                 {"SHOP_DATE", "20060416"},
                 {"SHOP_WEEKDAY", "1"},
                 {"SHOP_HOUR", "9"},
                 {"BASKET_ID", "40"}}),
      valid_row({{"CUST_CODE", "CUST_A"}, {"BASKET_ID", "50"}, {"SPEND", "1.50"}}),
      valid_row(
          {{"CUST_CODE", "CUST_A"}, {"BASKET_ID", "50"}, {"PROD_CODE", "PRD2"}, {"QUANTITY", "3"}}),
      valid_row({{"CUST_CODE", ""},
                 {"seg_1", ""},
                 {"seg_2", ""},
                 {"BASKET_ID", "60"},
                 {"SHOP_HOUR", "20"}})};
  std::vector<Row> week2 = {valid_row({{"CUST_CODE", "CUST_A"},
                                       {"SHOP_WEEK", "200609"},
                                       {"SHOP_DATE", "20060424"},
                                       {"SHOP_WEEKDAY", "2"},
                                       {"BASKET_ID", "30"}})};
  ingest::testing::write_text(raw / "transactions_200607.csv", csv_text(week1));
  ingest::testing::write_gzip(raw / "transactions_200609.csv.gz", csv_text(week2));
  ingest::testing::run_ingest(raw, dir / "data");

  Store s = Store::open(dir / "data");
  ASSERT_EQ(s.n_baskets(), 4u);
  EXPECT_EQ(s.n_rows(), 5u);
  // Time order: Sat 19h (50), Sat 20h (60), Sun 9h (40), next week (30).
  EXPECT_EQ(std::vector<int64_t>(s.basket_id.begin(), s.basket_id.end()),
            (std::vector<int64_t>{50, 60, 40, 30}));
  EXPECT_EQ(s.basket_rows(0).size(), 2);
  auto products = s.basket_products(0);
  EXPECT_EQ(s.product_codes[static_cast<size_t>(products[1])], "PRD2");  // line order kept
  EXPECT_EQ(s.quantity[1], 3);
  EXPECT_EQ(s.spend_cents[0], 150);
  EXPECT_EQ(s.basket_customer_id[1], -1);
  EXPECT_TRUE(s.basket_flags[1] & kBasketFlagAnonymous);
  EXPECT_EQ(s.customer_id[2], -1);
  EXPECT_EQ(s.basket_weekday[2], 1);
  EXPECT_EQ(s.basket_date[3], 20060424);
  EXPECT_EQ(s.calendar.at(static_cast<size_t>(s.basket_week_index[3])).shop_week, 200609);
  EXPECT_EQ(s.basket_type_codes[static_cast<size_t>(s.basket_type[0])], "Full Shop");
  EXPECT_EQ(s.store_format_codes[static_cast<size_t>(s.store_format[0])], "LS");
  EXPECT_EQ(s.store_region_codes[static_cast<size_t>(s.store_region[0])], "E02");
  EXPECT_EQ(s.product_parent_codes[3][static_cast<size_t>(s.product_parent[3][0])], "D00005");

  ASSERT_EQ(s.customer_codes, std::vector<std::string>{"CUST_A"});
  auto baskets = s.baskets_of_customer(0);
  EXPECT_EQ(std::vector<int32_t>(baskets.begin(), baskets.end()), (std::vector<int32_t>{0, 2, 3}));
}

TEST(Store, OpeningAFolderWithoutAStoreSaysToRunIngest) {
  ScratchDir dir;
  try {
    Store::open(dir.path());
    FAIL() << "opened a store that is not there";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("run retailsim ingest first"), std::string::npos);
  }
  EXPECT_THROW(ingest::inspect_store(dir.path()), Error);
}

TEST(Store, ADamagedColumnIsReportedNotRead) {
  ScratchDir dir;
  fs::path raw = ingest::testing::make_raw_dir(dir.path());
  ingest::testing::write_text(raw / "transactions_200607.csv", csv_text({valid_row()}));
  ingest::testing::run_ingest(raw, dir / "data");
  write_npy(dir / "data" / "store" / "quantity.npy", std::vector<int32_t>{1, 2});
  try {
    Store::open(dir / "data");
    FAIL() << "opened a store whose columns disagree";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("quantity"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace retailsim
