// Opening the columnar store and checking its columns agree with each other and the manifest.
#include "core/dataset.h"

#include <fmt/format.h>

#include "core/error.h"

namespace retailsim {

namespace {

template <typename T>
void open_column(Column<T>& column, const fs::path& dir, const std::string& name) {
  fs::path path = dir / (name + ".npy");
  if (!fs::exists(path))
    fail("store {} lacks {}.npy: rebuild it with retailsim ingest --force", dir.string(), name);
  column = Column<T>(path);
}

std::vector<std::string> open_strings(const fs::path& dir, const std::string& name) {
  fs::path path = dir / (name + ".npy");
  if (!fs::exists(path))
    fail("store {} lacks {}.npy: rebuild it with retailsim ingest --force", dir.string(), name);
  return read_npy_strings(path);
}

void expect_size(const fs::path& dir, const std::string& name, size_t got, size_t want) {
  if (got != want) {
    fail("store {} is inconsistent: {} has {} entries, expected {}", dir.string(), name, got, want);
  }
}

}  // namespace

std::vector<uint8_t> Store::weeks_with_baskets() const {
  std::vector<uint8_t> out(calendar.size(), 0);
  for (int16_t w : basket_week_index) out[static_cast<size_t>(w)] = 1;
  return out;
}

Store Store::open(const fs::path& data_dir) {
  Store s;
  s.dir = data_dir / "store";
  auto manifest = Manifest::read(s.dir);
  if (!manifest || manifest->stage != "ingest") {
    fail("no store in {}: run retailsim ingest first", data_dir.string());
  }
  s.manifest = *manifest;
  const fs::path& d = s.dir;
  open_column(s.week_index, d, "week_index");
  open_column(s.basket_index, d, "basket_index");
  open_column(s.product_id, d, "product_id");
  open_column(s.store_id, d, "store_id");
  open_column(s.customer_id, d, "customer_id");
  open_column(s.quantity, d, "quantity");
  open_column(s.spend_cents, d, "spend_cents");
  open_column(s.basket_id, d, "basket_id");
  open_column(s.basket_row_offsets, d, "basket_row_offsets");
  open_column(s.basket_week_index, d, "basket_week_index");
  open_column(s.basket_date, d, "basket_date");
  open_column(s.basket_weekday, d, "basket_weekday");
  open_column(s.basket_hour, d, "basket_hour");
  open_column(s.basket_customer_id, d, "basket_customer_id");
  open_column(s.basket_store_id, d, "basket_store_id");
  open_column(s.basket_size, d, "basket_size");
  open_column(s.basket_price_sensitivity, d, "basket_price_sensitivity");
  open_column(s.basket_type, d, "basket_type");
  open_column(s.basket_mission, d, "basket_mission");
  open_column(s.basket_flags, d, "basket_flags");
  open_column(s.customer_basket_offsets, d, "customer_basket_offsets");
  open_column(s.customer_baskets, d, "customer_baskets");
  open_column(s.customer_seg_1, d, "customer_seg_1");
  open_column(s.customer_seg_2, d, "customer_seg_2");
  static const char* kLevels[4] = {"10", "20", "30", "40"};
  for (int level = 0; level < 4; ++level) {
    open_column(s.product_parent[level], d, fmt::format("product_parent_{}", kLevels[level]));
    s.product_parent_codes[level] =
        open_strings(d, fmt::format("product_parent_{}_code", kLevels[level]));
  }
  open_column(s.store_format, d, "store_format");
  open_column(s.store_region, d, "store_region");
  s.product_codes = open_strings(d, "product_code");
  s.customer_codes = open_strings(d, "customer_code");
  s.store_codes = open_strings(d, "store_code");
  s.store_region_codes = open_strings(d, "store_region_code");
  s.store_format_codes = open_strings(d, "store_format_code");
  s.seg_1_codes = open_strings(d, "customer_seg_1_code");
  s.seg_2_codes = open_strings(d, "customer_seg_2_code");
  s.basket_size_codes = open_strings(d, "basket_size_code");
  s.basket_price_sensitivity_codes = open_strings(d, "basket_price_sensitivity_code");
  s.basket_type_codes = open_strings(d, "basket_type_code");
  s.basket_mission_codes = open_strings(d, "basket_mission_code");

  Column<int32_t> shop_week, date_from, date_to;
  open_column(shop_week, d, "calendar_shop_week");
  open_column(date_from, d, "calendar_date_from");
  open_column(date_to, d, "calendar_date_to");
  std::vector<ShopWeek> weeks;
  for (size_t i = 0; i < shop_week.size(); ++i) {
    weeks.push_back({shop_week[i], date_from[i], date_to[i]});
  }
  s.calendar = Calendar(std::move(weeks));

  // Cheap consistency checks (sizes and end points, not every value).
  const size_t n_rows = s.product_id.size();
  expect_size(d, "week_index", s.week_index.size(), n_rows);
  expect_size(d, "basket_index", s.basket_index.size(), n_rows);
  expect_size(d, "store_id", s.store_id.size(), n_rows);
  expect_size(d, "customer_id", s.customer_id.size(), n_rows);
  expect_size(d, "quantity", s.quantity.size(), n_rows);
  expect_size(d, "spend_cents", s.spend_cents.size(), n_rows);
  const size_t n_baskets = s.basket_id.size();
  expect_size(d, "basket_row_offsets", s.basket_row_offsets.size(), n_baskets + 1);
  expect_size(d, "basket_date", s.basket_date.size(), n_baskets);
  expect_size(d, "basket_week_index", s.basket_week_index.size(), n_baskets);
  expect_size(d, "basket_customer_id", s.basket_customer_id.size(), n_baskets);
  expect_size(d, "basket_store_id", s.basket_store_id.size(), n_baskets);
  expect_size(d, "basket_flags", s.basket_flags.size(), n_baskets);
  if (s.basket_row_offsets[0] != 0 ||
      static_cast<size_t>(s.basket_row_offsets[n_baskets]) != n_rows) {
    fail("store {} is inconsistent: basket_row_offsets do not span the {} rows", d.string(),
         n_rows);
  }
  const size_t n_customers = s.customer_codes.size();
  expect_size(d, "customer_basket_offsets", s.customer_basket_offsets.size(), n_customers + 1);
  expect_size(d, "customer_seg_1", s.customer_seg_1.size(), n_customers);
  expect_size(d, "customer_seg_2", s.customer_seg_2.size(), n_customers);
  if (static_cast<size_t>(s.customer_basket_offsets[n_customers]) != s.customer_baskets.size()) {
    fail("store {} is inconsistent: customer_basket_offsets do not span customer_baskets",
         d.string());
  }
  for (int level = 0; level < 4; ++level) {
    expect_size(d, "product_parent", s.product_parent[level].size(), s.product_codes.size());
  }
  expect_size(d, "store_format", s.store_format.size(), s.store_codes.size());
  expect_size(d, "store_region", s.store_region.size(), s.store_codes.size());
  const Json& counts = s.manifest.counts;
  if (counts.value("rows_stored", uint64_t{0}) != n_rows ||
      counts.value("baskets", uint64_t{0}) != n_baskets) {
    fail(
        "store {} is inconsistent: manifest.json counts {} rows and {} baskets, the columns {} "
        "and {}",
        d.string(), counts.value("rows_stored", uint64_t{0}), counts.value("baskets", uint64_t{0}),
        n_rows, n_baskets);
  }
  return s;
}

}  // namespace retailsim
