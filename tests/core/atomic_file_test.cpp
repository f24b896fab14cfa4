// Tests of atomic file and folder writes.
#include "core/atomic_file.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "test_util.h"

namespace retailsim {
namespace {

using testing::ScratchDir;

TEST(AtomicFile, CommitRenamesIntoPlace) {
  ScratchDir dir;
  write_file_atomic(dir / "a.txt", std::string_view("hello"));
  EXPECT_EQ(read_file(dir / "a.txt"), "hello");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1);
}

TEST(AtomicFile, AbandonedWriteLeavesOldContentAndNoTemporary) {
  ScratchDir dir;
  write_file_atomic(dir / "a.txt", std::string_view("old"));
  try {
    AtomicFile file(dir / "a.txt");
    file.write(std::string_view("new but never committed"));
    throw Error("simulated crash");
  } catch (const Error&) {
  }
  EXPECT_EQ(read_file(dir / "a.txt"), "old");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1);
}

TEST(AtomicDir, SwapsWholeFolderOnCommitOnly) {
  ScratchDir dir;
  fs::create_directories(dir / "store");
  write_file_atomic(dir / "store" / "x", std::string_view("1"));
  {
    AtomicDir staging(dir / "store");
    write_file_atomic(staging.staging() / "x", std::string_view("2"));
    // no commit: as if the process died here
  }
  EXPECT_EQ(read_file(dir / "store" / "x"), "1");
  {
    AtomicDir staging(dir / "store");
    write_file_atomic(staging.staging() / "y", std::string_view("3"));
    staging.commit();
  }
  EXPECT_FALSE(fs::exists(dir / "store" / "x"));
  EXPECT_EQ(read_file(dir / "store" / "y"), "3");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1);
}

TEST(AtomicDir, RemovesStaleTemporariesOfCrashedRuns) {
  ScratchDir dir;
  fs::create_directories(dir / "store.tmp.999");
  write_file_atomic(dir / "keep.txt", std::string_view("k"));
  EXPECT_EQ(remove_stale_temporaries(dir.path()), 1);
  EXPECT_TRUE(fs::exists(dir / "keep.txt"));
}

}  // namespace
}  // namespace retailsim
