// Tests of TOML config access.
#include "core/config.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace retailsim {
namespace {

TEST(Config, ReturnsDefaultsForAbsentKeysAndValuesForPresentOnes) {
  Config c = Config::parse("[synth]\ncustomers = 7\nrate = 0.5\nname = 'x'\n", "t.toml");
  auto s = c.section("synth");
  EXPECT_EQ(s.get_int("customers", 1), 7);
  EXPECT_EQ(s.get_int("weeks", 3), 3);
  EXPECT_DOUBLE_EQ(s.get_double("rate", 0), 0.5);
  EXPECT_DOUBLE_EQ(s.get_double("customers", 0), 7.0);
  EXPECT_EQ(s.get_string("name", ""), "x");
  EXPECT_FALSE(c.section("missing").present());
  EXPECT_EQ(c.section("missing").get_int("a", 9), 9);
}

TEST(Config, WrongTypeErrorNamesFileSectionKeyAndLine) {
  Config c = Config::parse("[synth]\n\ncustomers = 'many'\n", "demo.toml");
  try {
    c.section("synth").get_int("customers", 1);
    FAIL();
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("demo.toml:3"), std::string::npos) << m;
    EXPECT_NE(m.find("[synth] customers"), std::string::npos) << m;
  }
}

TEST(Config, SyntaxErrorNamesLine) {
  try {
    Config::parse("a = 1\nb = = 2\n", "bad.toml");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bad.toml:2"), std::string::npos) << e.what();
  }
}

TEST(Config, UnknownKeyIsAnError) {
  Config c = Config::parse("[synth]\ncustomerz = 1\n", "t.toml");
  EXPECT_THROW(c.section("synth").check_known_keys({"customers"}), Error);
  EXPECT_NO_THROW(c.section("synth").check_known_keys({"customerz"}));
}

TEST(Config, ConvertsToJson) {
  Config c = Config::parse("[a]\nx = 1\ny = [1.5, 2.0]\n", "t.toml");
  EXPECT_EQ(c.to_json()["a"]["x"], 1);
  EXPECT_EQ(c.to_json()["a"]["y"][0], 1.5);
}

}  // namespace
}  // namespace retailsim
