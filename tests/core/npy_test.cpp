// Tests of .npy writing and memory-mapped reading.
#include "core/npy.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "test_util.h"

namespace retailsim {
namespace {

using testing::ScratchDir;

TEST(Npy, RoundTripsIntegerColumn) {
  ScratchDir dir;
  std::vector<int32_t> values = {1, -2, 3, 400000};
  write_npy(dir / "a.npy", values);
  Column<int32_t> column(dir / "a.npy");
  ASSERT_EQ(column.size(), 4u);
  EXPECT_EQ(std::vector<int32_t>(column.begin(), column.end()), values);
}

TEST(Npy, HeaderIsPaddedTo64BytesAndReadableByNumpyRules) {
  std::string header = npy_header("<f8", {3, 4});
  EXPECT_EQ(header.size() % 64, 0u);
  EXPECT_EQ(header.substr(1, 5), "NUMPY");
  EXPECT_NE(header.find("'shape': (3, 4)"), std::string::npos);
  EXPECT_NE(npy_header("<f8", {7}).find("'shape': (7,)"), std::string::npos);
  EXPECT_EQ(header.back(), '\n');
}

TEST(Npy, RejectsWrongDtype) {
  ScratchDir dir;
  write_npy(dir / "a.npy", std::vector<int64_t>{1, 2});
  EXPECT_THROW(Column<int32_t>(dir / "a.npy"), Error);
}

TEST(Npy, StreamWriterPatchesFinalLength) {
  ScratchDir dir;
  {
    NpyStreamWriter<double> writer(dir / "s.npy");
    for (int i = 0; i < 1000; ++i) writer.append(i * 0.5);
    writer.finish();
  }
  Column<double> column(dir / "s.npy");
  ASSERT_EQ(column.size(), 1000u);
  EXPECT_DOUBLE_EQ(column[999], 499.5);
}

TEST(Npy, UnfinishedStreamLeavesNoFile) {
  ScratchDir dir;
  {
    NpyStreamWriter<int32_t> writer(dir / "s.npy");
    writer.append(1);
  }
  EXPECT_FALSE(fs::exists(dir / "s.npy"));
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

TEST(Npy, StringsRoundTripAsFixedWidthBytes) {
  ScratchDir dir;
  std::vector<std::string> codes = {"PRD0900001", "A", ""};
  write_npy_strings(dir / "codes.npy", codes);
  EXPECT_EQ(read_npy_info(dir / "codes.npy").dtype, "|S10");
  EXPECT_EQ(read_npy_strings(dir / "codes.npy"), codes);
}

TEST(Npy, NumpyOpensOurColumns) {
  if (testing::run_command("/usr/bin/python3 -c 'import numpy'") != 0) {
    GTEST_SKIP() << "python3-numpy not installed";
  }
  ScratchDir dir;
  write_npy(dir / "a.npy", std::vector<int16_t>{5, 6, 7});
  write_npy_strings(dir / "b.npy", {"x", "yz"});
  std::string out;
  int rc = testing::run_command("/usr/bin/python3 -c \"import numpy as np; a=np.load('" +
                                    (dir / "a.npy").string() + "', mmap_mode='r'); b=np.load('" +
                                    (dir / "b.npy").string() +
                                    "'); print(a.dtype, a.sum(), b.tolist())\"",
                                &out);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_EQ(out, "int16 18 [b'x', b'yz']\n");
}

}  // namespace
}  // namespace retailsim
