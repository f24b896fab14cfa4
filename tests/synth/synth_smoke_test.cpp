#include "synth/synth.h"
#include <gtest/gtest.h>
TEST(Synth, Smoke) {}
