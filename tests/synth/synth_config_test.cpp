// SynthConfig: presets, [synth] overrides, JSON round trip.
#include <gtest/gtest.h>

#include "core/config.h"
#include "core/error.h"
#include "synth/synth.h"

namespace retailsim::synth {
namespace {

TEST(SynthConfig, PresetsHaveTheSpecifiedSizes) {
  EXPECT_EQ(SynthConfig::preset_named("tiny").n_customers, 200);
  EXPECT_EQ(SynthConfig::preset_named("demo").n_customers, 2000);
  EXPECT_EQ(SynthConfig::preset_named("demo").n_weeks, 52);
  EXPECT_EQ(SynthConfig::preset_named("lgsr-sample").n_customers, 5000);
  EXPECT_EQ(SynthConfig::preset_named("lgsr-sample").n_weeks, 117);
  EXPECT_EQ(SynthConfig::preset_named("full").n_customers, 500000);
  EXPECT_EQ(SynthConfig::preset_named("full").n_weeks, 117);
}

TEST(SynthConfig, UnknownPresetIsAnErrorNamingThePresets) {
  try {
    SynthConfig::preset_named("huge");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("lgsr-sample"), std::string::npos);
  }
}

TEST(SynthConfig, SectionOverridesFieldsAndRejectsUnknownKeys) {
  Config config =
      Config::parse("[synth]\nn_customers = 77\npromo_start_prob = 0.05\ngzip = true\n");
  SynthConfig c = SynthConfig::preset_named("tiny");
  c.apply(config.section("synth"));
  EXPECT_EQ(c.n_customers, 77);
  EXPECT_DOUBLE_EQ(c.promo_start_prob, 0.05);
  EXPECT_TRUE(c.gzip);
  Config typo = Config::parse("[synth]\nn_customer = 77\n");
  EXPECT_THROW(c.apply(typo.section("synth")), Error);
}

TEST(SynthConfig, JsonListsEveryFieldAndRoundTrips) {
  SynthConfig c = SynthConfig::preset_named("demo");
  c.seed = 9;
  c.elasticity_mean = 2.5;
  Json j = c.to_json();
  EXPECT_EQ(j["preset"], "demo");
  EXPECT_TRUE(j.contains("complement_prob"));
  EXPECT_TRUE(j.contains("corrupt_rate"));
  EXPECT_EQ(SynthConfig::from_json(j).to_json(), j);
}

}  // namespace
}  // namespace retailsim::synth
