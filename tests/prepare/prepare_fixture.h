// Tiny generated worlds shared by the prepare tests: generate, ingest, derive prices, features, a
// stand-in graph-embedding file and samples, built once per test program.
#pragma once

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

#include "core/dataset.h"
#include "core/error.h"
#include "core/npy.h"
#include "core/rng.h"
#include "derive/derive.h"
#include "features/features.h"
#include "ingest/ingest.h"
#include "prepare/prepare.h"
#include "synth/synth.h"
#include "test_util.h"

namespace retailsim::prepare::testing {

// A product code that sorts after every generated one, so no other product id moves.
inline constexpr const char* kPlantedCode = "PRDZZZPLANTED";

// Appends one row of a new product, bought by an existing customer in a new basket, to the last
// week's file: a product sold only in the last (test) week.
inline void plant_late_product(const fs::path& raw) {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(raw)) {
    if (e.path().filename().string().rfind("transactions_", 0) == 0) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  ASSERT_FALSE(files.empty());
  std::ifstream in(files.back());
  std::string header, row;
  std::getline(in, header);
  std::getline(in, row);
  in.close();
  std::vector<std::string> f;
  size_t start = 0;
  for (size_t i = 0; i <= row.size(); ++i) {
    if (i == row.size() || row[i] == ',') {
      f.push_back(row.substr(start, i - start));
      start = i + 1;
    }
  }
  ASSERT_EQ(f.size(), 22u);
  f[4] = "3";                 // QUANTITY
  f[5] = "99.99";             // SPEND
  f[6] = kPlantedCode;        // PROD_CODE
  f[14] = "999999999999999";  // BASKET_ID: a new basket
  std::string line;
  for (size_t i = 0; i < f.size(); ++i) line += (i ? "," : "") + f[i];
  std::ofstream out(files.back(), std::ios::app);
  out << line << "\n";
}

// A stand-in for features/graph_embeddings/embeddings.npy (the GraphSAGE layer): N(0, 1) rows
// drawn per product code, so a product keeps its row when other products are added.
inline void write_embeddings(const fs::path& data) {
  const Store store = Store::open(data);
  std::vector<float> e(store.n_products() * kT2Dims);
  for (size_t p = 0; p < store.n_products(); ++p) {
    Rng rng = Rng::stream(7, {std::hash<std::string>{}(store.product_codes[p])});
    for (int d = 0; d < kT2Dims; ++d) e[p * kT2Dims + d] = static_cast<float>(rng.normal());
  }
  fs::create_directories(data / "features" / "graph_embeddings");
  write_npy(data / "features" / "graph_embeddings" / "embeddings.npy", e,
            {store.n_products(), static_cast<uint64_t>(kT2Dims)});
}

// Everything up to features/ (and the embeddings stand-in) for the raw files in data/raw.
inline void build_features(const fs::path& data) {
  ingest::IngestOptions in;
  in.raw_dir = data / "raw";
  in.data_dir = data;
  in.n_threads = 2;
  ingest::ingest(in);
  derive::StageOptions d;
  d.data_dir = data;
  d.stages = {"prices"};
  d.write_report = false;
  derive::derive_stage(d);
  features::FeaturesOptions f;
  f.data_dir = data;
  f.graph_embeddings = false;  // the stand-in below replaces GraphSAGE (no LibTorch here)
  features::features_stage(f);
  write_embeddings(data);
}

inline PrepareOptions prepare_options(const fs::path& data) {
  PrepareOptions o;
  o.data_dir = data;
  return o;
}

// Three tiny worlds built on first use (ctest runs each test in its own process, so tests that
// need none pay for none): `clean`, `planted` (clean + one late product) and `gapped` (clean
// without its third week's file, as the public LGSR copies lack 200608), all prepared. The
// environment removes them at the end.
class TinyWorlds : public ::testing::Environment {
 public:
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(root(), ignored);
  }
  static fs::path root() {
    return fs::temp_directory_path() / ("retailsim-prepare-" + std::to_string(::getpid()));
  }
  static fs::path clean() {
    static const bool built = [] {
      synth::generate(synth::SynthConfig::preset_named("tiny"), root() / "clean", 2);
      build_features(root() / "clean");
      prepare_stage(prepare_options(root() / "clean"));
      return true;
    }();
    (void)built;
    return root() / "clean";
  }
  static fs::path planted() {
    static const bool built = [] {
      fs::create_directories(root() / "planted");
      fs::copy(clean() / "raw", root() / "planted" / "raw", fs::copy_options::recursive);
      plant_late_product(root() / "planted" / "raw");
      build_features(root() / "planted");
      prepare_stage(prepare_options(root() / "planted"));
      return true;
    }();
    (void)built;
    return root() / "planted";
  }
  static fs::path gapped() {
    static const bool built = [] {
      retailsim::testing::copy_raw_without_week(clean() / "raw", root() / "gapped" / "raw", 2);
      build_features(root() / "gapped");
      prepare_stage(prepare_options(root() / "gapped"));
      return true;
    }();
    (void)built;
    return root() / "gapped";
  }
};

inline fs::path clean() {
  return TinyWorlds::clean();
}
inline fs::path planted() {
  return TinyWorlds::planted();
}
inline fs::path gapped() {
  return TinyWorlds::gapped();
}

}  // namespace retailsim::prepare::testing
