// Drives `retailsim prepare` and `retailsim export tensors` on the tiny preset: the samples and
// their runs, clear errors without features/, and the exported batch read back with numpy.
#include <gtest/gtest.h>

#include <fstream>

#include "core/dataset.h"
#include "core/npy.h"
#include "core/rng.h"
#include "features/features.h"
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

// A stand-in for the GraphSAGE embeddings (features/graph_embeddings/embeddings.npy).
void write_embeddings(const fs::path& data) {
  const Store store = Store::open(data);
  Rng rng(3);
  std::vector<float> e(store.n_products() * 256);
  for (float& v : e) v = static_cast<float>(rng.normal());
  fs::create_directories(data / "features" / "graph_embeddings");
  write_npy(data / "features" / "graph_embeddings" / "embeddings.npy", e,
            {store.n_products(), 256});
}

TEST(PrepareCli, PrepareWritesSamplesAndExportRoundTripsThroughNumpy) {
  ScratchDir dir;
  const std::string data = dir.path().string();
  std::string out;
  ASSERT_EQ(run_command(bin() + " --quiet generate --preset tiny --out " + data, &out), 0) << out;
  ASSERT_EQ(run_command(bin() + " --quiet ingest --data " + data, &out), 0) << out;
  // Without the split, prepare names the command to run.
  EXPECT_EQ(run_command(bin() + " --quiet prepare --data " + data, &out), 1);
  EXPECT_NE(out.find("retailsim features"), std::string::npos) << out;
  ASSERT_EQ(run_command(bin() + " --quiet derive --stage prices --data " + data, &out), 0) << out;
  ASSERT_EQ(run_command(bin() + " --quiet features --data " + data, &out), 0) << out;
  ASSERT_EQ(run_command(bin() + " --quiet prepare --data " + data, &out), 0) << out;
  for (const char* kind : {"masked_basket", "next_basket", "store_visit"}) {
    const Json counts = read_json(dir / "samples" / kind / "manifest.json")["counts"];
    EXPECT_GT(counts["samples"].get<int64_t>(), 0) << kind;
  }
  ASSERT_EQ(run_command(bin() + " prepare --data " + data, &out), 0) << out;
  EXPECT_NE(out.find("up to date"), std::string::npos) << out;

  const std::string export_cmd = bin() + " --quiet export tensors --data " + data;
  // Without embeddings (features wrote GraphSAGE's; remove them), export names the missing file.
  ASSERT_TRUE(fs::remove(dir / "features" / "graph_embeddings" / "embeddings.npy"));
  EXPECT_EQ(run_command(export_cmd + " --out " + (dir / "x").string(), &out), 1);
  EXPECT_NE(out.find("embeddings.npy"), std::string::npos) << out;
  write_embeddings(dir.path());
  for (const char* kind : {"masked", "next", "store-visit"}) {
    const std::string to = (dir / (std::string("export-") + kind)).string();
    ASSERT_EQ(
        run_command(export_cmd + " --split train --limit 50 --kind " + kind + " --out " + to, &out),
        0)
        << out;
    const Json meta = read_json(fs::path(to) / "batch.json");
    EXPECT_EQ(meta["size"], 50);
    EXPECT_EQ(meta["arrays"]["t1"]["shape"], Json::array({50, 192}));
  }
  EXPECT_NE(run_command(export_cmd + " --kind sideways --out " + (dir / "y").string(), &out), 0);

  // The price encoding materialised for a grid: every cell equals the on-the-fly encoding, and a
  // grid over --max-cells or an unknown code is refused with the option named.
  const Store store = Store::open(dir.path());
  const std::string prices_cmd = bin() + " --quiet export prices --data " + data;
  const std::string codes = store.product_codes[0] + "," + store.product_codes[1];
  const fs::path prices_out = dir / "export-prices";
  ASSERT_EQ(run_command(prices_cmd + " --products " + codes + " --stores " + store.store_codes[0] +
                            " --weeks 1:3 --out " + prices_out.string(),
                        &out),
            0)
      << out;
  {
    const features::PriceEncoder encoder = features::PriceEncoder::open(dir.path());
    const Column<float> encodings(prices_out / "encodings.npy");
    const Column<int32_t> week(prices_out / "week.npy");
    ASSERT_EQ(encodings.shape(), (std::vector<uint64_t>{6, 64}));
    std::vector<float> expected(64);
    for (int i = 0; i < 6; ++i) {
      EXPECT_EQ(week[i], 1 + i % 3);
      encoder.encode(i / 3, 0, 1 + i % 3, expected.data());
      for (int d = 0; d < 64; ++d) EXPECT_EQ(encodings[i * 64 + d], expected[d]) << i << " " << d;
    }
  }
  EXPECT_EQ(run_command(prices_cmd + " --max-cells 10 --out " + (dir / "z").string(), &out), 1);
  EXPECT_NE(out.find("--max-cells"), std::string::npos) << out;
  EXPECT_EQ(run_command(prices_cmd + " --products NOPE --out " + (dir / "z").string(), &out), 1);
  EXPECT_NE(out.find("--products: unknown code 'NOPE'"), std::string::npos) << out;
  EXPECT_EQ(run_command(prices_cmd + " --weeks 3 --out " + (dir / "z").string(), &out), 1);
  EXPECT_NE(out.find("--weeks"), std::string::npos) << out;

  Registry registry(dir.path());
  int prepares = 0, exports = 0;
  for (const auto& r : registry.runs()) {
    prepares += r.command == "prepare" && r.exit_status == 0;
    exports += r.command == "export" && r.exit_status == 0;
  }
  EXPECT_EQ(prepares, 2);
  EXPECT_EQ(exports, 4);

  if (run_command("/usr/bin/python3 -c 'import numpy'") != 0) {
    GTEST_SKIP() << "numpy not installed: the numpy round trip is skipped";
  }
  // numpy reads every array with the dtype and shape batch.json gives, and the layout holds.
  const std::string script = R"(
import json, sys, numpy as np
for kind in ["masked", "next", "store-visit"]:
    d = sys.argv[1] + "/export-" + kind
    meta = json.load(open(d + "/batch.json"))
    for name, a in meta["arrays"].items():
        x = np.load(d + "/" + name + ".npy")
        assert x.dtype == np.dtype(a["dtype"]) and list(x.shape) == a["shape"], (kind, name)
    B, S = meta["size"], meta["max_items"]
    att = np.load(d + "/attention_mask.npy").astype(bool)
    item = np.load(d + "/item_product.npy")
    assert (item[~att] == -1).all() and (item[att] >= 0).all()
    assert att[:, 0].all() and att.sum(1).max() == S
    t2 = np.load(d + "/t2.npy")
    assert t2.shape == (B, S, 256) and not t2[~att].any()
    for t, lo, hi in [("t1", 0, 1), ("t3", -1, 1), ("t4", -1, 1), ("t6", 0, 1)]:
        x = np.load(d + "/" + t + ".npy")
        assert np.isfinite(x).all() and x.min() >= lo and x.max() <= hi, t
    if kind == "masked":
        m = np.load(d + "/masked.npy").astype(bool)
        assert not m[~att].any() and m.any(1).all()
        inp = np.load(d + "/input_product.npy")
        assert (inp[m] == meta["mask_token"]).any()
    if kind == "next":
        off = np.load(d + "/target_offsets.npy")
        assert off[0] == 0 and off[-1] == len(np.load(d + "/target_product.npy"))
        assert (np.diff(off) >= 2).all()
    if kind != "masked":
        # Label counts of the earlier baskets: a row per sample, counts, some of them non-zero.
        h = np.load(d + "/history_labels.npy")
        assert h.shape[0] == B and (h >= 0).all() and h.sum() > 0
    if kind == "store-visit":
        ns = np.load(d + "/next_store.npy")
        assert ns.min() >= 0 and ns.max() <= meta["n_stores"]
print("ok")
)";
  std::ofstream(dir / "check.py") << script;
  ASSERT_EQ(run_command("/usr/bin/python3 " + (dir / "check.py").string() + " " + data, &out), 0)
      << out;
  EXPECT_NE(out.find("ok"), std::string::npos);
}

}  // namespace
}  // namespace retailsim
