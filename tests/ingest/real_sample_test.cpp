// Tests on the real LGSR sample: the four gzipped weeks ingest to exactly the counts an independent
// reader finds, and the spreadsheet-damaged old-header file ingests without merging its baskets.
#include <zlib.h>

#include <gtest/gtest.h>

#include <set>
#include <unordered_map>

#include "core/dataset.h"
#include "core/error.h"
#include "core/manifest.h"
#include "lgsr_fixture.h"

namespace retailsim::ingest {
namespace {

using retailsim::testing::lgsr_sample_dir;
using retailsim::testing::ScratchDir;

const std::vector<std::string> kWeeks = {"transactions_200607.csv.gz", "transactions_200609.csv.gz",
                                         "transactions_200610.csv.gz",
                                         "transactions_200611.csv.gz"};
constexpr const char* kDamaged = "transactions_200607_old_header_excel_damaged.csv";

// A deliberately plain reader (gzread + getline-style splitting, std::string per field), sharing no
// code with the ingest parser.
struct IndependentCount {
  uint64_t rows = 0, anonymous_rows = 0;
  std::set<std::string> baskets, customers, products, stores;
  std::unordered_map<std::string, std::pair<int64_t, int64_t>>
      basket_spend_rows;  // id -> cents, rows
};

std::string unquote(const std::string& s) {
  return s.size() >= 2 && s.front() == '"' && s.back() == '"' ? s.substr(1, s.size() - 2) : s;
}

void count_file(const fs::path& path, IndependentCount& c) {
  gzFile f = gzopen(path.c_str(), "rb");
  ASSERT_NE(f, nullptr);
  std::string text;
  char buffer[1 << 16];
  int n;
  while ((n = gzread(f, buffer, sizeof buffer)) > 0) text.append(buffer, static_cast<size_t>(n));
  gzclose(f);
  std::vector<std::string> names;
  size_t pos = 0;
  bool header = true;
  std::map<std::string, size_t> at;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    std::vector<std::string> fields;
    size_t start = 0;
    while (true) {
      size_t comma = line.find(',', start);
      fields.push_back(unquote(line.substr(start, comma - start)));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    if (header) {
      for (size_t i = 0; i < fields.size(); ++i) at[fields[i]] = i;
      header = false;
      continue;
    }
    ++c.rows;
    const std::string& customer = fields[at["CUST_CODE"]];
    if (customer.empty())
      ++c.anonymous_rows;
    else
      c.customers.insert(customer);
    c.baskets.insert(fields[at["BASKET_ID"]]);
    c.products.insert(fields[at["PROD_CODE"]]);
    c.stores.insert(fields[at["STORE_CODE"]]);
    auto& [cents, rows] = c.basket_spend_rows[fields[at["BASKET_ID"]]];
    cents += std::llround(std::stod(fields[at["SPEND"]]) * 100);
    rows += 1;
  }
}

TEST(RealSample, FourWeeksIngestToExactlyTheCountsOfTheFiles) {
  ScratchDir dir;
  fs::path raw = testing::make_raw_dir(dir.path());
  IndependentCount expected;
  for (const auto& name : kWeeks) {
    fs::copy_file(lgsr_sample_dir() / name, raw / name);
    count_file(raw / name, expected);
  }
  ASSERT_EQ(expected.rows, 105364u);  // the figures a pandas count gives too

  IngestSummary s = testing::run_ingest(raw, dir / "data");
  EXPECT_EQ(s.files, 4u);
  EXPECT_EQ(s.rows_read, expected.rows);
  EXPECT_EQ(s.rows_stored, expected.rows);
  EXPECT_EQ(s.rows_quarantined, 0u);
  EXPECT_EQ(s.baskets, expected.baskets.size());
  EXPECT_EQ(s.customers, expected.customers.size());
  EXPECT_EQ(s.products, expected.products.size());
  EXPECT_EQ(s.stores, expected.stores.size());
  EXPECT_EQ(s.weeks, 4u);
  EXPECT_EQ(s.anonymous_rows, expected.anonymous_rows);
  EXPECT_EQ(s.reconstructed_baskets, 0u);

  // Every basket holds the rows and spend of its BASKET_ID in the files.
  Store store = Store::open(dir / "data");
  ASSERT_EQ(store.n_baskets(), expected.baskets.size());
  for (size_t b = 0; b < store.n_baskets(); ++b) {
    RowRange r = store.basket_rows(static_cast<int32_t>(b));
    int64_t cents = 0;
    for (int64_t i = r.begin; i < r.end; ++i) {
      cents += store.spend_cents[static_cast<size_t>(i)];
      ASSERT_EQ(store.basket_index[static_cast<size_t>(i)], static_cast<int32_t>(b));
      ASSERT_EQ(store.customer_id[static_cast<size_t>(i)], store.basket_customer_id[b]);
      ASSERT_EQ(store.week_index[static_cast<size_t>(i)], store.basket_week_index[b]);
    }
    auto it = expected.basket_spend_rows.find(std::to_string(store.basket_id[b]));
    ASSERT_NE(it, expected.basket_spend_rows.end()) << store.basket_id[b];
    ASSERT_EQ(cents, it->second.first) << store.basket_id[b];
    ASSERT_EQ(r.size(), it->second.second) << store.basket_id[b];
  }
  EXPECT_EQ(std::set<std::string>(store.product_codes.begin(), store.product_codes.end()),
            expected.products);

  Json inspected = inspect_store(dir / "data");
  EXPECT_EQ(inspected["rows_stored"], expected.rows);
  EXPECT_EQ(inspected["rows_quarantined"], 0);
  EXPECT_EQ(inspected["date_from"], "2006-04-10");
  EXPECT_EQ(inspected["date_to"], "2006-05-14");
  std::string text = format_inspect(inspected);
  EXPECT_NE(text.find("105,364 read"), std::string::npos) << text;
  EXPECT_NE(text.find("quarantine   none"), std::string::npos) << text;
}

TEST(RealSample, DamagedOldHeaderFileIngestsThroughAliasesWithoutMergingItsBaskets) {
  ScratchDir dir;
  fs::path raw_damaged = testing::make_raw_dir(dir / "damaged");
  fs::path raw_clean = testing::make_raw_dir(dir / "clean");
  fs::copy_file(lgsr_sample_dir() / kDamaged, raw_damaged / kDamaged);
  fs::copy_file(lgsr_sample_dir() / kWeeks[0], raw_clean / kWeeks[0]);
  IndependentCount expected;
  count_file(raw_damaged / kDamaged, expected);
  ASSERT_EQ(expected.baskets.size(), 1u);  // every BASKET_ID reads 9.94E+14

  IngestSummary damaged = testing::run_ingest(raw_damaged, dir / "data_damaged");
  IngestSummary clean = testing::run_ingest(raw_clean, dir / "data_clean");
  EXPECT_EQ(damaged.rows_read, expected.rows);
  EXPECT_EQ(damaged.rows_stored, expected.rows);
  EXPECT_EQ(damaged.rows_read + 1, clean.rows_read);  // the damaged copy lost one row
  EXPECT_EQ(damaged.customers, clean.customers);
  EXPECT_EQ(damaged.products, clean.products);
  EXPECT_EQ(damaged.stores, clean.stores);
  // Regrouping by the basket-constant fields finds nearly every true basket (it can only merge
  // baskets that agree on all of them), and flags every one.
  EXPECT_GT(damaged.baskets, clean.baskets * 99 / 100);
  EXPECT_LE(damaged.baskets, clean.baskets);
  EXPECT_EQ(damaged.reconstructed_baskets, damaged.baskets);

  Store d = Store::open(dir / "data_damaged");
  Store c = Store::open(dir / "data_clean");
  for (size_t b = 0; b < d.n_baskets(); ++b) {
    ASSERT_TRUE(d.basket_flags[b] & kBasketFlagReconstructed);
    ASSERT_LT(d.basket_id[b], 0);
  }
  // Old segment codes land in the current vocabulary: every customer has the same segments.
  ASSERT_EQ(d.customer_codes, c.customer_codes);
  for (size_t i = 0; i < d.n_customers(); ++i) {
    ASSERT_EQ(d.customer_seg_1[i], c.customer_seg_1[i]) << d.customer_codes[i];
    ASSERT_EQ(d.customer_seg_2[i], c.customer_seg_2[i]) << d.customer_codes[i];
  }
  auto manifest = Manifest::read(dir / "data_damaged" / "store");
  EXPECT_EQ(manifest->extra["files"][0]["header_variant"], "old");
  EXPECT_EQ(manifest->extra["files"][0]["damaged_basket_id_rows"], expected.rows);
  EXPECT_EQ(manifest->counts["reconstructed_baskets"], damaged.baskets);
}

TEST(RealSample, TheSampleFolderAsIsStopsOnTheDuplicatedWeek) {
  ScratchDir dir;
  try {
    testing::run_ingest(lgsr_sample_dir(), dir / "data");
    ADD_FAILURE() << "ingest of a folder holding week 200607 twice succeeded";
  } catch (const Error& e) {
    std::string message = e.what();
    EXPECT_NE(message.find(kDamaged), std::string::npos) << message;
    EXPECT_NE(message.find("transactions_200607.csv.gz"), std::string::npos) << message;
  }
  EXPECT_FALSE(fs::exists(dir / "data" / "store"));
}

}  // namespace
}  // namespace retailsim::ingest
