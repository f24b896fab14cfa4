// Tests of the store's life: skipped when inputs are unchanged, rebuilt by --force or a changed
// input, never half-written after a crash, the same bytes whatever the threads, numpy-readable.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <map>

#include "core/dataset.h"
#include "core/error.h"
#include "lgsr_fixture.h"

namespace retailsim::ingest {
namespace {

using retailsim::testing::lgsr_sample_dir;
using retailsim::testing::ScratchDir;

// Name -> (content, inode, mtime) of every file of a folder.
struct FileState {
  std::string content;
  ino_t inode;
  int64_t mtime_ns;
  bool operator==(const FileState&) const = default;
};
std::map<std::string, FileState> snapshot(const fs::path& dir) {
  std::map<std::string, FileState> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    struct stat st {};
    ::stat(e.path().c_str(), &st);
    out[e.path().filename().string()] = {
        read_file(e.path()), st.st_ino,
        static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
  }
  return out;
}

std::map<std::string, std::string> contents(const fs::path& dir) {
  std::map<std::string, std::string> out;
  for (const auto& [name, state] : snapshot(dir)) out[name] = state.content;
  return out;
}

fs::path two_real_weeks(const fs::path& root) {
  fs::path raw = testing::make_raw_dir(root);
  for (const char* name : {"transactions_200609.csv.gz", "transactions_200610.csv.gz"}) {
    fs::copy_file(lgsr_sample_dir() / name, raw / name);
  }
  return raw;
}

bool has_temporaries(const fs::path& dir) {
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().filename().string().find(".tmp.") != std::string::npos) return true;
  }
  return false;
}

TEST(StoreLifecycle, ReingestOfUnchangedInputsIsSkippedAndTouchesNothing) {
  ScratchDir dir;
  fs::path raw = two_real_weeks(dir / "raw");
  IngestSummary first = testing::run_ingest(raw, dir / "data");
  EXPECT_FALSE(first.skipped);
  auto before = snapshot(dir / "data" / "store");
  IngestSummary second = testing::run_ingest(raw, dir / "data");
  EXPECT_TRUE(second.skipped);
  EXPECT_EQ(second.rows_stored, first.rows_stored);
  EXPECT_EQ(second.baskets, first.baskets);
  EXPECT_EQ(snapshot(dir / "data" / "store"), before);
}

TEST(StoreLifecycle, ForceAndChangedInputsRebuild) {
  ScratchDir dir;
  fs::path raw = two_real_weeks(dir / "raw");
  IngestSummary first = testing::run_ingest(raw, dir / "data");
  auto before = snapshot(dir / "data" / "store");
  IngestSummary forced = testing::run_ingest(raw, dir / "data", /*force=*/true);
  EXPECT_FALSE(forced.skipped);
  auto after = snapshot(dir / "data" / "store");
  std::map<std::string, std::string> before_contents;
  for (const auto& [name, state] : before) before_contents[name] = state.content;
  EXPECT_EQ(contents(dir / "data" / "store"), before_contents);
  EXPECT_NE(after.at("product_id.npy").inode, before.at("product_id.npy").inode);

  fs::copy_file(lgsr_sample_dir() / "transactions_200611.csv.gz",
                raw / "transactions_200611.csv.gz");
  IngestSummary grown = testing::run_ingest(raw, dir / "data");
  EXPECT_FALSE(grown.skipped);
  EXPECT_GT(grown.rows_stored, first.rows_stored);
  EXPECT_EQ(grown.files, 3u);
}

TEST(StoreLifecycle, ACrashWhileWritingLeavesTheOldStoreIntactAndNoTemporaries) {
  ScratchDir dir;
  fs::path raw = two_real_weeks(dir / "raw");
  testing::run_ingest(raw, dir / "data");
  auto before = snapshot(dir / "data" / "store");
  fs::copy_file(lgsr_sample_dir() / "transactions_200611.csv.gz",
                raw / "transactions_200611.csv.gz");

  for (const char* crash_after : {"product_id.npy", "customer_baskets.npy", "manifest.json"}) {
    IngestOptions o;
    o.raw_dir = raw;
    o.data_dir = dir / "data";
    o.n_threads = 2;
    int written = 0;
    o.on_file_written = [&](const std::string& name) {
      ++written;
      if (name == crash_after) throw Error("simulated crash after " + name);
    };
    EXPECT_THROW(ingest(o), Error) << crash_after;
    EXPECT_GT(written, 0);
    EXPECT_EQ(snapshot(dir / "data" / "store"), before) << crash_after;
    EXPECT_FALSE(has_temporaries(dir / "data")) << crash_after;
    EXPECT_NO_THROW(Store::open(dir / "data"));
  }
}

TEST(StoreLifecycle, StagingFoldersOfAKilledIngestAreRemoved) {
  ScratchDir dir;
  fs::path raw = two_real_weeks(dir / "raw");
  fs::create_directories(dir / "data" / "store.tmp.999999");
  write_file_atomic(dir / "data" / "store.tmp.999999" / "product_id.npy", std::string_view("half"));
  fs::create_directories(dir / "data" / "raw.tmp.999999");  // not ingest's: left alone
  testing::run_ingest(raw, dir / "data");
  EXPECT_FALSE(fs::exists(dir / "data" / "store.tmp.999999"));
  EXPECT_TRUE(fs::exists(dir / "data" / "raw.tmp.999999"));
}

TEST(StoreLifecycle, SameInputsGiveTheSameBytesWhateverThreadsAndChunkSize) {
  ScratchDir dir;
  fs::path raw = testing::make_raw_dir(dir / "raw");
  for (const char* name :
       {"transactions_200607.csv.gz", "transactions_200609.csv.gz", "transactions_200610.csv.gz"}) {
    fs::copy_file(lgsr_sample_dir() / name, raw / name);
  }
  // A few bad rows too, so that the quarantine order is part of the comparison.
  testing::write_text(raw / "transactions_200611.csv",
                      testing::csv_text({testing::valid_row({{"SHOP_WEEK", "200611"}}),
                                         testing::valid_row({{"SHOP_WEEK", "200611"},
                                                             {"SHOP_DATE", "20060508"},
                                                             {"SHOP_WEEKDAY", "2"},
                                                             {"BASKET_ID", "1"}})}));
  IngestOptions a;
  a.raw_dir = raw;
  a.data_dir = dir / "one";
  a.n_threads = 1;
  IngestOptions b = a;
  b.data_dir = dir / "many";
  b.n_threads = 4;
  b.chunk_bytes = 20000;  // hundreds of chunks per file, parsed out of order
  IngestSummary sa = ingest(a);
  IngestSummary sb = ingest(b);
  EXPECT_EQ(sa.rows_quarantined, 1u);
  EXPECT_EQ(sa.rows_read, sa.rows_stored + sa.rows_quarantined);
  EXPECT_EQ(sb.rows_read, sb.rows_stored + sb.rows_quarantined);
  auto ca = contents(dir / "one" / "store");
  auto cb = contents(dir / "many" / "store");
  ASSERT_EQ(ca.size(), cb.size());
  for (const auto& [name, content] : ca) EXPECT_TRUE(cb.at(name) == content) << name;
}

TEST(StoreLifecycle, NumpyOpensEveryColumnWithTheManifestShape) {
  if (retailsim::testing::run_command("/usr/bin/python3 -c 'import numpy'") != 0) {
    GTEST_SKIP() << "no python3 with numpy";
  }
  ScratchDir dir;
  fs::path raw = two_real_weeks(dir / "raw");
  IngestSummary s = testing::run_ingest(raw, dir / "data");
  fs::path script = dir / "check.py";
  testing::write_text(script, R"(
import json, sys, numpy as np, pathlib
store = pathlib.Path(sys.argv[1])
manifest = json.load(open(store / "manifest.json"))
for name, info in manifest["extra"]["columns"].items():
    a = np.load(store / (name + ".npy"), mmap_mode="r")
    assert a.dtype.str == info["dtype"], (name, a.dtype.str, info["dtype"])
    assert list(a.shape) == info["shape"], (name, a.shape, info["shape"])
off = np.load(store / "basket_row_offsets.npy")
bi = np.load(store / "basket_index.npy")
assert (np.diff(off) > 0).all() and off[-1] == len(bi)
assert (np.repeat(np.arange(len(off) - 1), np.diff(off)) == bi).all()
print(len(bi), len(manifest["extra"]["columns"]))
)");
  std::string output;
  int rc = retailsim::testing::run_command(
      "/usr/bin/python3 " + script.string() + " " + (dir / "data" / "store").string(), &output);
  EXPECT_EQ(rc, 0) << output;
  EXPECT_EQ(output.substr(0, output.find(' ')), std::to_string(s.rows_stored)) << output;
}

}  // namespace
}  // namespace retailsim::ingest
