// The prepare tests' main: builds the tiny worlds once for every suite.
#include <gtest/gtest.h>

#include "prepare/prepare_fixture.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new retailsim::prepare::testing::TinyWorlds);
  return RUN_ALL_TESTS();
}
