// Drives the retailsim binary: help, the generate -> ingest -> inspect chain on the tiny preset,
// the run registry, error messages and exit codes.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "core/dataset.h"
#include "core/manifest.h"
#include "core/npy.h"
#include "registry/registry.h"
#include "test_util.h"

namespace retailsim {
namespace {

using testing::retailsim_binary;
using testing::run_command;
using testing::ScratchDir;

std::string bin() {
  return retailsim_binary().string();
}

TEST(Cli, EverySubcommandHasHelp) {
  std::string out;
  ASSERT_EQ(run_command(bin() + " --help", &out), 0) << out;
  for (const char* sub : {"generate", "ingest", "inspect", "run", "simulate"}) {
    EXPECT_NE(out.find(sub), std::string::npos) << sub;
    std::string sub_out;
    EXPECT_EQ(run_command(bin() + " " + sub + " --help", &sub_out), 0) << sub;
    EXPECT_NE(sub_out.find("--"), std::string::npos) << sub_out;
  }
  EXPECT_EQ(run_command(bin() + " --version", &out), 0);
}

TEST(Cli, UnknownSubcommandFailsWithNonZeroExit) {
  std::string out;
  EXPECT_NE(run_command(bin() + " frobnicate", &out), 0);
}

TEST(Cli, TinyChainCountsEqualTheTruthAndRunsAreRecorded) {
  ScratchDir dir;
  std::string out;
  ASSERT_EQ(
      run_command(
          bin() + " --quiet --threads 2 generate --preset tiny --out " + dir.path().string(), &out),
      0)
      << out;
  ASSERT_EQ(run_command(bin() + " --quiet ingest --data " + dir.path().string(), &out), 0) << out;

  Json truth = read_json(dir / "truth" / "manifest.json")["counts"];
  Json store = read_json(dir / "store" / "manifest.json")["counts"];
  EXPECT_EQ(store["rows_read"], truth["rows"]);
  EXPECT_EQ(store["rows_stored"], truth["rows"]);
  EXPECT_EQ(store["rows_quarantined"], 0);
  for (const char* key : {"baskets", "customers", "products", "stores", "weeks"}) {
    EXPECT_EQ(store[key], truth[key]) << key;
  }

  ASSERT_EQ(run_command(bin() + " inspect --data " + dir.path().string(), &out), 0) << out;
  EXPECT_NE(out.find("rows"), std::string::npos) << out;
  EXPECT_NE(out.find("quarantine"), std::string::npos) << out;

  Registry registry(dir.path());
  auto runs = registry.runs();
  ASSERT_GE(runs.size(), 2u);
  EXPECT_EQ(runs[0].command, "generate");
  EXPECT_EQ(runs[1].command, "ingest");
  for (const auto& r : runs) {
    EXPECT_EQ(r.exit_status, 0) << r.command;
    EXPECT_FALSE(r.ended_at.empty());
    EXPECT_FALSE(r.version.empty());
  }
  EXPECT_EQ(Json::parse(runs[1].counts_json)["rows_stored"], truth["rows"]);
}

// The first `n` comma-separated fields of each data line of a CSV (no quoting in those fields).
std::vector<std::vector<std::string>> csv_prefix_fields(const fs::path& path, int n) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);  // header
  std::vector<std::vector<std::string>> rows;
  while (std::getline(in, line)) {
    std::vector<std::string> fields;
    std::stringstream ss(line);
    std::string field;
    for (int i = 0; i < n && std::getline(ss, field, ','); ++i) fields.push_back(field);
    rows.push_back(fields);
  }
  return rows;
}

TEST(Cli, EveryInjectedCorruptionIsQuarantinedWithItsReasonAndNothingElse) {
  const std::map<std::string, std::string> expected_reason = {
      {"bad_number", "bad_number"},
      {"negative_spend", "negative_spend"},
      {"zero_quantity", "quantity_not_positive"},
      {"weekday_mismatch", "weekday_mismatch"},
      {"date_outside_week", "date_outside_week"},
      {"unknown_store_format", "unknown_code"},
      {"basket_attribute_changed", "basket_mismatch"},
      {"parent_code_mismatch", "product_parents_mismatch"},
      {"empty_required_field", "missing_value"},
      {"wrong_field_count", "field_count"},
      {"hour_out_of_range", "out_of_range"}};
  for (int seed : {1, 2}) {
    ScratchDir dir;
    std::string out;
    ASSERT_EQ(
        run_command(bin() + " --quiet --seed " + std::to_string(seed) +
                        " generate --preset tiny --corrupt-rate 0.05 --out " + dir.path().string(),
                    &out),
        0)
        << out;
    ASSERT_EQ(run_command(bin() + " --quiet ingest --data " + dir.path().string(), &out), 0) << out;
    std::map<std::pair<std::string, std::string>, std::string> injected;  // (file, line) -> kind
    std::set<std::string> kinds;
    for (const auto& row : csv_prefix_fields(dir / "truth" / "corruptions.csv", 3)) {
      injected[{row[0], row[1]}] = row[2];
      kinds.insert(row[2]);
    }
    ASSERT_GT(injected.size(), 10u);
    EXPECT_GE(kinds.size(), 8u) << "too few kinds of corruption exercised";
    auto quarantined = csv_prefix_fields(dir / "store" / "quarantine.csv", 5);
    EXPECT_EQ(quarantined.size(), injected.size());
    for (const auto& row : quarantined) {
      std::string file = fs::path(row[0]).filename().string();
      auto it = injected.find({file, row[1]});
      ASSERT_NE(it, injected.end()) << "quarantined a clean row: " << file << ":" << row[1];
      EXPECT_EQ(row[4], expected_reason.at(it->second)) << file << ":" << row[1];
    }
    Json truth = read_json(dir / "truth" / "manifest.json")["counts"];
    Json store = read_json(dir / "store" / "manifest.json")["counts"];
    EXPECT_EQ(store["rows_read"], truth["rows"]);
    EXPECT_EQ(store["rows_quarantined"], truth["corrupt_rows"]);
    EXPECT_EQ(store["rows_stored"], truth["clean_rows"]);
  }
}

TEST(Cli, FailedRunIsRecordedWithItsErrorAndExitCode) {
  ScratchDir dir;
  std::string out;
  fs::create_directories(dir / "raw");
  std::ofstream(dir / "raw" / "time.csv")
      << "shop_week,date_from,date_to\n200607,20060410,20060416\n";
  std::ofstream(dir / "raw" / "transactions_200607.csv") << "NOT,AN,LGSR,HEADER\n1,2,3,4\n";
  int rc = run_command(bin() + " --quiet ingest --data " + dir.path().string(), &out);
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find("transactions_200607.csv"), std::string::npos) << out;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << "one-line error expected: " << out;
  Registry registry(dir.path());
  ASSERT_EQ(registry.runs().size(), 1u);
  EXPECT_EQ(registry.runs()[0].exit_status, 1);
  EXPECT_FALSE(registry.runs()[0].error.empty());
}

TEST(Cli, ConfigErrorsNameFileAndKey) {
  ScratchDir dir;
  std::ofstream(dir / "bad.toml") << "[synth]\nn_customers = 'lots'\n";
  std::string out;
  int rc = run_command(bin() + " --config " + (dir / "bad.toml").string() +
                           " generate --preset tiny --out " + (dir / "d").string(),
                       &out);
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find("bad.toml:2"), std::string::npos) << out;
  EXPECT_NE(out.find("n_customers"), std::string::npos) << out;
}

TEST(Cli, RunChainIsResumableAndSkipsWhatIsUpToDate) {
  ScratchDir dir;
  std::string out;
  std::string config = (fs::path(RETAILSIM_SOURCE_DIR) / "configs" / "tiny.toml").string();
  ASSERT_EQ(run_command(bin() + " --config " + config + " run --data " + dir.path().string(), &out),
            0)
      << out;
  EXPECT_NE(out.find("rows"), std::string::npos) << out;
  // The chain trains the world model and evaluates it beside the baselines.
  EXPECT_TRUE(fs::exists(dir / "models" / "world" / "best.pt"));
  EXPECT_TRUE(fs::exists(dir / "models" / "store-visit" / "best.pt"));
  const Json report = read_json(dir / "reports" / "evaluation.json");
  ASSERT_TRUE(report["methods"].contains("world-model")) << report["methods"].dump();
  EXPECT_TRUE(report["methods"]["world-model"]["ndcg@10"].is_number());
  EXPECT_TRUE(fs::exists(dir / "reports" / "rankings" / "world-model" / "temporal-test.npy"));
  // The auxiliary heads' guesses of each case's basket attributes, measured beside the modes.
  const fs::path attributes =
      dir / "reports" / "rankings" / "world-model" / "temporal-test.attributes.npy";
  const uint64_t n_cases = report["folds"][0]["cases"].get<uint64_t>() +
                           report["folds"][0]["cold_start_cases"].get<uint64_t>();
  EXPECT_EQ(read_npy_info(attributes).shape, (std::vector<uint64_t>{n_cases, 4}));
  const Store store = Store::open(dir.path());
  const std::vector<int32_t> guesses = read_npy<int32_t>(attributes);
  for (size_t i = 0; i < guesses.size(); i += 4)
    EXPECT_LT(guesses[i], static_cast<int32_t>(store.basket_size_codes.size()));
  for (const char* m : {"world-model", "p-mode", "g-mode", "oracle"}) {
    ASSERT_TRUE(report["auxiliary"]["methods"].contains(m)) << report["auxiliary"].dump();
    EXPECT_TRUE(report["auxiliary"]["methods"][m]["basket_size_accuracy"].is_number()) << m;
  }
  // The store-visit model scores the customer-weeks beside the store-visit baselines.
  const Json& visits = report["store_visits"];
  const auto n_visits = visits["cases"].get<uint64_t>();
  ASSERT_GT(n_visits, 0u);
  EXPECT_EQ(read_npy_info(dir / "reports" / "visit_rankings" / "store-visit" / "temporal-test.npy")
                .shape[0],
            n_visits);
  for (const char* m :
       {"store-visit", "visit-global", "visit-personal", "visit-last", "visit-oracle"}) {
    ASSERT_TRUE(visits["methods"].contains(m)) << visits["methods"].dump();
    EXPECT_TRUE(visits["methods"][m]["accuracy"].is_number()) << m;
    EXPECT_TRUE(visits["methods"][m]["trip_auc"].is_number()) << m;
  }
  auto model_time = fs::last_write_time(dir / "models" / "world" / "best.pt");
  auto store_time = fs::last_write_time(dir / "store" / "manifest.json");
  auto raw_time = fs::last_write_time(dir / "raw" / "time.csv");
  ASSERT_EQ(run_command(bin() + " --config " + config + " run --data " + dir.path().string(), &out),
            0)
      << out;
  EXPECT_NE(out.find("up to date"), std::string::npos) << out;
  EXPECT_EQ(fs::last_write_time(dir / "store" / "manifest.json"), store_time);
  EXPECT_EQ(fs::last_write_time(dir / "raw" / "time.csv"), raw_time);
  EXPECT_EQ(fs::last_write_time(dir / "models" / "world" / "best.pt"), model_time);

  // A store-visit model from before its inputs changed (no store_visit_inputs in model.json) is
  // left out of evaluate with a warning, not an error; `run` retrains it.
  const fs::path visit_meta = dir / "models" / "store-visit" / "model.json";
  Json meta = read_json(visit_meta);
  meta.erase("store_visit_inputs");
  write_json(visit_meta, meta);
  ASSERT_EQ(
      run_command(bin() + " --config " + config + " evaluate --force --data " + dir.path().string(),
                  &out),
      0)
      << out;
  EXPECT_NE(out.find("left out until it is retrained"), std::string::npos) << out;
  ASSERT_EQ(run_command(bin() + " --config " + config + " run --data " + dir.path().string(), &out),
            0)
      << out;
  EXPECT_EQ(read_json(visit_meta).value("store_visit_inputs", ""), "t3 of the target week");
}

TEST(Cli, QuietRunPrintsNothingOnStderr) {
  ScratchDir dir;
  std::string out;
  // stderr (logs, progress) is captured; stdout is dropped
  std::string command = bin();
  command.insert(0, 1, '(');  // (GCC 12 warns falsely on "(" + std::string)
  command += " --quiet generate --preset tiny --out " + dir.path().string() + " 2>&1 >/dev/null)";
  ASSERT_EQ(run_command(command, &out), 0);
  EXPECT_EQ(out, "");
}

TEST(Cli, DeriveWritesEveryStageSkipsWhenUpToDateAndRecordsTheRun) {
  ScratchDir dir;
  const std::string data = dir.path().string();
  std::string out;
  ASSERT_EQ(run_command(bin() + " --quiet generate --preset tiny --out " + data, &out), 0) << out;
  ASSERT_EQ(run_command(bin() + " --quiet ingest --data " + data, &out), 0) << out;
  ASSERT_EQ(run_command(bin() + " --threads 2 derive --data " + data, &out), 0) << out;
  for (const char* stage : {"prices", "graph", "affinity", "missions"}) {
    EXPECT_TRUE(fs::exists(dir / "derived" / stage / "manifest.json")) << stage;
  }
  Json report = read_json(dir / "reports" / "derive.json");
  EXPECT_TRUE(report["estimators"].contains("regular-level"));
  EXPECT_TRUE(report["estimators"]["rolling-max"].contains("promo_f1"));
  EXPECT_TRUE(fs::exists(dir / "reports" / "derive.html"));

  auto prices_time = fs::last_write_time(dir / "derived" / "prices" / "manifest.json");
  ASSERT_EQ(run_command(bin() + " derive --data " + data, &out), 0) << out;
  EXPECT_NE(out.find("up to date"), std::string::npos) << out;
  ASSERT_EQ(run_command(bin() + " derive --data " + data + " --stage graph --force", &out), 0)
      << out;
  EXPECT_EQ(fs::last_write_time(dir / "derived" / "prices" / "manifest.json"), prices_time);
  EXPECT_NE(run_command(bin() + " derive --data " + data + " --stage bogus", &out), 0);

  std::ofstream(dir / "bad.toml") << "[derive]\nbase_estimator = \"nope\"\n";
  EXPECT_EQ(
      run_command(bin() + " --config " + (dir / "bad.toml").string() + " derive --data " + data,
                  &out),
      1);
  EXPECT_NE(out.find("nope"), std::string::npos) << out;

  Registry registry(dir.path());
  auto runs = registry.runs();
  auto derive_run =
      std::find_if(runs.begin(), runs.end(), [](const auto& r) { return r.command == "derive"; });
  ASSERT_NE(derive_run, runs.end());
  EXPECT_EQ(derive_run->exit_status, 0);
  Json counts = Json::parse(derive_run->counts_json);
  EXPECT_GT(counts["stages"]["prices"]["counts"]["cells"].get<uint64_t>(), 0u);
}

}  // namespace
}  // namespace retailsim

namespace retailsim {
namespace {

TEST(Cli, SimulateWritesTheCounterfactualReportAndNamesScenarioErrors) {
  ScratchDir dir;
  const std::string data = dir.path().string();
  std::string out;
  ASSERT_EQ(run_command(bin() + " --quiet generate --preset tiny --out " + data, &out), 0) << out;
  std::ofstream(dir / "cut.toml") << "[[price]]\nformats = [\"LS\"]\nchange_pct = -5\n"
                                  << "[simulate]\nseeds = 2\nweeks = 1\nelasticity_products = 3\n";
  ASSERT_EQ(run_command(bin() + " --quiet --threads 2 simulate --data " + data + " --scenario " +
                            (dir / "cut.toml").string(),
                        &out),
            0)
      << out;
  const Json report = read_json(dir / "reports" / "counterfactual.json");
  EXPECT_TRUE(report.contains("elasticity_error_median"));
  EXPECT_TRUE(report.contains("price_cut_revenue_error"));
  EXPECT_EQ(report["seeds"], 2);
  EXPECT_EQ(report["elasticities"]["n_products"], 3);

  std::ofstream(dir / "bad.toml") << "[[price]]\nchange_pct = \"lots\"\n";
  EXPECT_EQ(run_command(bin() + " --quiet simulate --data " + data + " --scenario " +
                            (dir / "bad.toml").string(),
                        &out),
            1);
  EXPECT_NE(out.find("[[price]] #1 change_pct"), std::string::npos) << out;
  Registry registry(dir.path());
  ASSERT_EQ(registry.runs().size(), 3u);  // generate, simulate, the failed simulate
  EXPECT_EQ(registry.runs()[1].command, "simulate");
  EXPECT_EQ(registry.runs()[2].exit_status, 1);
}

}  // namespace
}  // namespace retailsim
