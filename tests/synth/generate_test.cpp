// generate(): byte determinism, the LGSR formatting facts, spend = quantity x true price,
// recorded corruptions and the calibration report.
#include <cstdlib>
#include <map>
#include <regex>
#include <set>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "core/calendar.h"
#include "core/manifest.h"
#include "core/npy.h"
#include "synth/lgsr_writer.h"
#include "synth_test_util.h"

namespace retailsim::synth {
namespace {

using testing::csv_rows;
using testing::read_tree;
using testing::ScratchDir;
using testing::tiny_config;

enum Col {
  kWeek,
  kDate,
  kWeekday,
  kHour,
  kQuantity,
  kSpend,
  kProd,
  kProd10,
  kProd20,
  kProd30,
  kProd40,
  kCust,
  kSeg1,
  kSeg2,
  kBasket,
  kSize,
  kPriceSens,
  kType,
  kMission,
  kStore,
  kFormat,
  kRegion
};

TEST(Generate, SameSeedGivesSameBytesWhateverTheThreadCount) {
  ScratchDir dir;
  SynthConfig config = tiny_config();
  config.corrupt_rate = 0.01;
  generate(config, dir / "a", 1);
  generate(config, dir / "b", 4);
  auto a = read_tree(dir / "a"), b = read_tree(dir / "b");
  ASSERT_GT(a.size(), 10u);
  EXPECT_EQ(a, b);
  config.gzip = true;
  generate(config, dir / "c", 1);
  generate(config, dir / "d", 3);
  EXPECT_EQ(read_tree(dir / "c"), read_tree(dir / "d"));
}

TEST(Generate, DifferentSeedGivesDifferentData) {
  ScratchDir dir;
  generate(tiny_config(1), dir / "a", 2);
  generate(tiny_config(2), dir / "b", 2);
  EXPECT_NE(read_file(dir / "a" / "raw" / "transactions_200607.csv"),
            read_file(dir / "b" / "raw" / "transactions_200607.csv"));
}

TEST(Generate, GzipOutputDecompressesToThePlainOutput) {
  ScratchDir dir;
  SynthConfig config = tiny_config();
  generate(config, dir / "plain", 2);
  config.gzip = true;
  generate(config, dir / "gz", 2);
  const fs::path gz = dir / "gz" / "raw" / "transactions_200609.csv.gz";
  ASSERT_TRUE(fs::exists(gz));
  std::string out;
  ASSERT_EQ(retailsim::testing::run_command("gzip -dc " + gz.string(), &out), 0);
  EXPECT_EQ(out, read_file(dir / "plain" / "raw" / "transactions_200609.csv"));
}

TEST(Generate, WritesTheExactLgsrHeaderAndFormattingFacts) {
  ScratchDir dir;
  SynthConfig config = tiny_config();
  config.n_customers = 400;
  auto summary = generate(config, dir.path(), 2);
  const Calendar calendar = Calendar::lgsr(config.n_weeks);
  EXPECT_EQ(read_file(dir / "raw" / "time.csv"),
            Calendar::lgsr(config.n_weeks + config.extra_calendar_weeks).to_csv());
  const std::regex spend_re(R"(^[0-9]+\.[0-9]{1,2}$)");
  std::map<std::string, std::string> basket_attrs, customer_segs, store_attrs, product_parents;
  std::map<std::string, int> basket_lines;
  std::map<std::string, std::string> basket_size;
  uint64_t rows = 0, anonymous_rows = 0;
  for (int w = 0; w < config.n_weeks; ++w) {
    const ShopWeek& week = calendar.at(w);
    const fs::path path = dir / "raw" / fmt::format("transactions_{}.csv", week.shop_week);
    const std::string text = read_file(path);
    ASSERT_EQ(text.substr(0, kLgsrHeader.size()), kLgsrHeader);
    ASSERT_EQ(text.find('\r'), std::string::npos);
    ASSERT_EQ(text.back(), '\n');
    for (const auto& f : csv_rows(path)) {
      ++rows;
      ASSERT_EQ(f.size(), 22u);
      for (const auto& field : f) {
        if (field.find('"') != std::string::npos) {
          EXPECT_EQ(field, "\"\"");
        }
      }
      EXPECT_EQ(std::stoi(f[kWeek]), week.shop_week);
      const int date = std::stoi(f[kDate]);
      EXPECT_GE(date, week.date_from);
      EXPECT_LE(date, week.date_to);
      EXPECT_EQ(std::stoi(f[kWeekday]), lgsr_weekday(date));
      const int hour = std::stoi(f[kHour]);
      EXPECT_TRUE(hour >= 8 && hour <= 21) << hour;
      EXPECT_GE(std::stoi(f[kQuantity]), 1);
      EXPECT_TRUE(std::regex_match(f[kSpend], spend_re)) << f[kSpend];
      const auto dot = f[kSpend].find('.');
      EXPECT_FALSE(f[kSpend].size() - dot == 3 && f[kSpend].back() == '0') << f[kSpend];
      EXPECT_TRUE(std::regex_match(f[kProd], std::regex(R"(PRD09[0-9]{5})")));
      EXPECT_TRUE(std::regex_match(f[kStore], std::regex(R"(STORE[0-9]{5})")));
      ASSERT_EQ(f[kBasket].size(), 15u);
      EXPECT_EQ(std::stoi(f[kBasket].substr(4, 3)), w + 1);
      if (f[kCust] == "\"\"") {
        ++anonymous_rows;
        EXPECT_EQ(f[kSeg1], "\"\"");
        EXPECT_EQ(f[kSeg2], "\"\"");
      } else {
        EXPECT_TRUE(std::regex_match(f[kCust], std::regex(R"(CUST[0-9]{10})")));
        EXPECT_TRUE(std::set<std::string>({"AZ", "BG", "CT", "DY"}).contains(f[kSeg1]));
        auto [it, fresh] = customer_segs.emplace(f[kCust], f[kSeg1] + "," + f[kSeg2]);
        EXPECT_EQ(it->second, f[kSeg1] + "," + f[kSeg2]);
      }
      EXPECT_TRUE(std::set<std::string>({"LS", "MS", "SS", "XLS"}).contains(f[kFormat]));
      const std::string attrs = f[kDate] + f[kHour] + f[kCust] + f[kSize] + f[kPriceSens] +
                                f[kType] + f[kMission] + f[kStore];
      auto [b, fresh_basket] = basket_attrs.emplace(f[kBasket], attrs);
      EXPECT_EQ(b->second, attrs) << "basket " << f[kBasket];
      ++basket_lines[f[kBasket]];
      basket_size[f[kBasket]] = f[kSize];
      auto [s, fresh_store] = store_attrs.emplace(f[kStore], f[kFormat] + f[kRegion]);
      EXPECT_EQ(s->second, f[kFormat] + f[kRegion]);
      const std::string parents = f[kProd10] + f[kProd20] + f[kProd30] + f[kProd40];
      auto [p, fresh_product] = product_parents.emplace(f[kProd], parents);
      EXPECT_EQ(p->second, parents);
    }
  }
  EXPECT_EQ(rows, summary.rows);
  EXPECT_EQ(basket_attrs.size(), summary.baskets);
  for (const auto& [id, n] : basket_lines) {
    const char* want = n <= 2 ? "S" : n <= 9 ? "M" : "L";
    EXPECT_EQ(basket_size[id], want) << id;
  }
  const double anonymous_share = static_cast<double>(anonymous_rows) / rows;
  EXPECT_GT(anonymous_share, 0.08);
  EXPECT_LT(anonymous_share, 0.35);
  auto manifest = Manifest::read(dir / "truth");
  ASSERT_TRUE(manifest);
  EXPECT_EQ(manifest->stage, "synth");
  EXPECT_EQ(manifest->config, config.to_json());
}

TEST(Generate, SpendIsQuantityTimesTheTrueActualPrice) {
  ScratchDir dir;
  SynthConfig config = tiny_config();
  generate(config, dir.path(), 2);
  auto product_codes = read_npy_strings(dir / "truth" / "product_code.npy");
  auto store_codes = read_npy_strings(dir / "truth" / "store_code.npy");
  Column<int32_t> price(dir / "truth" / "actual_price_store_pence.npy");
  ASSERT_EQ(price.shape().size(), 3u);
  std::map<std::string, int> product_id, store_id;
  for (size_t i = 0; i < product_codes.size(); ++i) product_id[product_codes[i]] = i;
  for (size_t i = 0; i < store_codes.size(); ++i) store_id[store_codes[i]] = i;
  const Calendar calendar = Calendar::lgsr(config.n_weeks);
  uint64_t checked = 0;
  for (int w = 0; w < config.n_weeks; ++w) {
    for (const auto& f :
         csv_rows(dir / "raw" / fmt::format("transactions_{}.csv", calendar.at(w).shop_week))) {
      const size_t cell = (static_cast<size_t>(w) * store_codes.size() + store_id.at(f[kStore])) *
                              product_codes.size() +
                          product_id.at(f[kProd]);
      const int64_t pence = std::llround(std::stod(f[kSpend]) * 100);
      EXPECT_EQ(pence, std::stoll(f[kQuantity]) * price[cell]);
      ++checked;
    }
  }
  EXPECT_GT(checked, 1000u);
}

TEST(Generate, RecordsEveryCorruptRowWithItsLineAndKind) {
  ScratchDir dir;
  SynthConfig config = tiny_config();
  auto clean = generate(config, dir / "clean", 2);
  config.corrupt_rate = 0.03;
  auto dirty = generate(config, dir / "dirty", 2);
  EXPECT_EQ(clean.rows, dirty.rows);  // rows written = clean rows + corrupt rows
  ASSERT_GT(dirty.corrupt_rows, 20u);
  auto records = csv_rows(dir / "dirty" / "truth" / "corruptions.csv");
  ASSERT_EQ(records.size(), dirty.corrupt_rows);
  std::set<std::pair<std::string, int>> recorded;
  std::set<std::string> kinds;
  for (const auto& r : records) {
    recorded.insert({r[0], std::stoi(r[1])});
    kinds.insert(r[2]);
  }
  EXPECT_GE(kinds.size(), 8u);
  uint64_t differing = 0;
  for (const auto& entry : fs::directory_iterator(dir / "clean" / "raw")) {
    const std::string name = entry.path().filename().string();
    if (name == "time.csv") continue;
    auto a = testing::split(read_file(entry.path()), '\n');
    auto b = testing::split(read_file(dir / "dirty" / "raw" / name), '\n');
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
      const bool recorded_here = recorded.contains({name, static_cast<int>(i + 1)});
      EXPECT_EQ(a[i] != b[i], recorded_here) << name << ":" << i + 1;
      differing += a[i] != b[i];
    }
  }
  EXPECT_EQ(differing, dirty.corrupt_rows);
}

TEST(Generate, CalibrationScoresEveryFigureOnASmallPreset) {
  ScratchDir dir;
  SynthConfig config = SynthConfig::preset_named("demo");
  config.n_weeks = 26;
  auto summary = generate(config, dir.path(), 2);
  Json report = read_json(dir / "truth" / "calibration.json");
  ASSERT_TRUE(report.contains("scores"));
  EXPECT_EQ(report["scores"], summary.calibration_scores);
  for (const char* figure :
       {"spend_per_line", "lines_per_basket", "spend_per_basket", "baskets_per_customer",
        "stores_per_customer", "hour", "weekday", "basket_type", "basket_mission", "basket_size",
        "anonymous_baskets", "format_rows", "co_purchase_lift"}) {
    ASSERT_TRUE(report["scores"].contains(figure)) << figure;
    const double score = report["scores"][figure].get<double>();
    EXPECT_GE(score, 0.65) << figure;  // loose: a short, small world
    EXPECT_LE(score, 1.0) << figure;
  }
}

}  // namespace
}  // namespace retailsim::synth
