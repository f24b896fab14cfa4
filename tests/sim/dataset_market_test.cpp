// The market of a dataset without a ground truth, as the simulator sees real LGSR data: products,
// stores and card holders from the ingested store, shelf prices, promotions, bounds and the cost
// proxy from derive's price table. A tiny synthetic dataset stands in, its truth/ removed.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <set>

#include "core/dataset.h"
#include "core/error.h"
#include "derive/derive.h"
#include "sim/sim.h"
#include "test_util.h"

namespace retailsim::sim {
namespace {

using retailsim::testing::run_command;
using retailsim::testing::ScratchDir;

// generate (tiny) -> ingest -> derive prices, then the truth removed.
std::string real_like_dataset(const fs::path& data) {
  const std::string bin = retailsim::testing::retailsim_binary().string();
  std::string out;
  if (run_command(bin + " --quiet generate --preset tiny --out " + data.string(), &out) != 0)
    return "generate: " + out;
  for (const char* step : {"ingest", "derive --stage prices"}) {
    if (run_command(bin + " --quiet " + step + " --data " + data.string(), &out) != 0)
      return std::string(step) + ": " + out;
  }
  fs::remove_all(data / "truth");
  return "";
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(DatasetMarket, ComesFromTheStoreAndTheDerivedPriceTable) {
  ScratchDir dir;
  const fs::path data = dir / "data";
  ASSERT_EQ(real_like_dataset(data), "");
  const Market m = load_market(data, {}, 7);
  const Store store = Store::open(data);
  const derive::PriceTable table = derive::read_price_table(data / "derived" / "prices");
  EXPECT_FALSE(m.synthetic);
  EXPECT_EQ(m.world, nullptr);

  // Every store; every product the table priced, with the seeds' cost proxy and bounds.
  ASSERT_EQ(m.n_stores(), static_cast<int>(store.n_stores()));
  for (int s = 0; s < m.n_stores(); ++s) EXPECT_EQ(m.store_code[s], store.store_codes[s]);
  ASSERT_GT(m.n_products(), 0);
  for (int p = 0; p < m.n_products(); ++p) {
    const auto sp = static_cast<size_t>(m.product_source_id[p]);
    EXPECT_EQ(m.product_code[p], store.product_codes[sp]);
    EXPECT_FLOAT_EQ(m.unit_cost_cents[p], table.price_low[sp]);  // 20th-percentile price
    EXPECT_FLOAT_EQ(m.price_low_cents[p], std::ceil(table.price_low[sp]));
    EXPECT_GE(m.price_high_cents[p], m.price_low_cents[p]);
    EXPECT_EQ(m.product_category[p], m.product_parents[p][0]);
    for (int level = 0; level < 4; ++level)
      EXPECT_EQ(m.product_parents[p][level],
                store.product_parent_codes[level][store.product_parent[level][sp]]);
    EXPECT_EQ(m.perishable[p], 0);
  }

  // The table's weeks on the store's calendar.
  ASSERT_EQ(m.n_weeks, table.dims.n_weeks);
  const Json extra = read_json(data / "derived" / "prices" / "manifest.json")["extra"];
  EXPECT_EQ(m.shop_week[0], store.calendar.at(extra["first_week_index"].get<int32_t>()).shop_week);

  // Historical prices: the table's regular price and promotion of each cell.
  derive::PriceConfig config;
  config.promo_threshold = m.promo_threshold;
  std::vector<float> shelf(m.n_cells()), depth(m.n_cells());
  int promoted = 0;
  for (int w = 0; w < m.n_weeks; ++w) {
    m.historical_prices(w, shelf, depth);
    for (int p = 0; p < m.n_products(); ++p) {
      for (int s = 0; s < m.n_stores(); ++s) {
        const size_t cell = static_cast<size_t>(p) * m.n_stores() + s;
        ASSERT_GT(shelf[cell], 0) << p << " " << s << " " << w;
        const derive::PriceLookup price =
            table.lookup(m.product_source_id[p], m.store_source_id[s], w);
        if (!(price.actual_price > 0)) {
          EXPECT_FLOAT_EQ(shelf[cell], m.first_base_price[p]);
          EXPECT_EQ(depth[cell], 0.0f);
          continue;
        }
        EXPECT_FLOAT_EQ(shelf[cell], price.base_price);
        const derive::Promotion promo =
            derive::promotion_of(price.actual_price, price.base_price, config);
        EXPECT_FLOAT_EQ(depth[cell], promo.promo ? promo.depth : 0.0f);
        promoted += depth[cell] > 0;
      }
    }
  }
  EXPECT_GT(promoted, 0);
  EXPECT_FALSE(m.customers.empty());
}

TEST(DatasetMarket, ScopeSelectsStoresProductsAndShoppersAndNamesWhatIsWrong) {
  ScratchDir dir;
  const fs::path data = dir / "data";
  ASSERT_EQ(real_like_dataset(data), "");
  const Store store = Store::open(data);
  const Market all = load_market(data, {}, 7);

  // One format: its stores only, and only card holders with a basket at one of them.
  ScopeConfig one_format;
  const std::string format = store.store_format_codes[store.store_format[0]];
  one_format.formats = {format};
  const Market m = load_market(data, one_format, 7);
  std::set<int32_t> stores;
  for (int s = 0; s < m.n_stores(); ++s) {
    EXPECT_EQ(m.store_format[s], format);
    stores.insert(m.store_source_id[s]);
  }
  EXPECT_LT(m.n_stores(), all.n_stores());
  EXPECT_LE(m.customers.size(), all.customers.size());
  for (int32_t c : m.customers) {
    bool visits = false;
    for (int32_t b : store.baskets_of_customer(c))
      visits |= stores.contains(store.basket_store_id[b]);
    EXPECT_TRUE(visits) << c;
  }

  // A department (PROD_CODE_40): its products only.
  ScopeConfig department;
  department.categories = {all.product_parents[0][3]};
  const Market d = load_market(data, department, 7);
  EXPECT_LT(d.n_products(), all.n_products());
  for (int p = 0; p < d.n_products(); ++p)
    EXPECT_EQ(d.product_parents[p][3], department.categories[0]);

  // A half sample of the shoppers, seeded.
  ScopeConfig half;
  half.customer_share = 0.5;
  EXPECT_LT(load_market(data, half, 7).customers.size(), all.customers.size());
  EXPECT_EQ(load_market(data, half, 7).customers, load_market(data, half, 7).customers);

  // simulate there needs the learned market, and says so.
  const fs::path scenario = dir / "cut.toml";
  std::ofstream(scenario) << "[scenario]\nname = \"cut\"\n[[price]]\nchange_pct = -10\n";
  std::string out;
  const std::string simulate = retailsim::testing::retailsim_binary().string() +
                               " --quiet simulate --data " + data.string() + " --scenario " +
                               scenario.string();
  EXPECT_EQ(run_command(simulate, &out), 1);
  EXPECT_NE(out.find("no trained world model"), std::string::npos) << out;
  EXPECT_EQ(run_command(simulate + " --source truth", &out), 1);
  EXPECT_NE(out.find("needs synthetic data"), std::string::npos) << out;

  ScopeConfig typo;
  typo.stores = {"STORE_NOPE"};
  EXPECT_NE(error_of([&] { load_market(data, typo, 7); }).find("[scope] stores"),
            std::string::npos);
  fs::remove_all(data / "derived" / "prices");
  EXPECT_NE(error_of([&] { load_market(data, {}, 7); }).find("derive"), std::string::npos);
}

}  // namespace
}  // namespace retailsim::sim
