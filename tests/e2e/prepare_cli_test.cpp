// Drives `retailsim prepare` and `retailsim export tensors` on the tiny preset: the samples and
// their runs, clear errors without features/, and the exported batch read back with numpy.
#include <gtest/gtest.h>

#include <fstream>

#include "core/dataset.h"
#include "core/npy.h"
#include "core/rng.h"
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

  Registry registry(dir.path());
  int prepares = 0, exports = 0;
  for (const auto& r : registry.runs()) {
    prepares += r.command == "prepare" && r.exit_status == 0;
    exports += r.command == "export" && r.exit_status == 0;
  }
  EXPECT_EQ(prepares, 2);
  EXPECT_EQ(exports, 3);

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
