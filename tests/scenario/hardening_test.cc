// Inputs found by fuzzing (fuzz/regressions/) and the guards around them: each must be one
// input error, never a throw or a crash; and in-memory loading equals loading the file.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "sim/core/io.h"
#include "sim/core/yaml_reader.h"
#include "sim/platform/catalog.h"
#include "sim/scenario/scenario.h"
#include "sim/serve/stream_spec.h"
#include "sim/sweep/sweep.h"

namespace fleetsim {
namespace {

const std::string kSrc = FLEETSIM_SOURCE_DIR;

std::string Regression(const std::string& rel) {
  auto t = ReadFile(kSrc + "/fuzz/regressions/" + rel);
  EXPECT_TRUE(t.ok()) << t.status();
  return t.ok() ? *t : "";
}

// fuzz_scenario: a platform or SWF path longer than NAME_MAX made std::filesystem::exists
// throw (ENAMETOOLONG) out of the loader, so fleetsim aborted.
TEST(Hardening, OverlongPathsAreNotFoundErrors) {
  const std::string path = kSrc + "/workloads/fuzz.yaml";
  for (const char* f : {"scenario/long-platform-name.yaml", "scenario/long-swf-name.yaml"}) {
    auto s = scenario::LoadScenarioText(Regression(f), path, {});
    ASSERT_FALSE(s.ok()) << f;
    EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(s.status().message().find("file not found"), std::string::npos) << s.status();
  }
  // fuzz_sweep: the same through a sweep file's scenario path.
  auto p = sweep::MakePlanFromText(Regression("sweep/long-scenario-name.yaml"),
                                   kSrc + "/tests/data/sweep/fuzz.yaml", "/nonexistent", 64);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("scenario: file not found"), std::string::npos)
      << p.status();
}

TEST(Hardening, DeepNestingIsAClearInputError) {
  for (const std::string& text :
       {std::string(100000, '[') + std::string(100000, ']'), [] {
          std::string s;
          for (int i = 0; i < 5000; ++i) s += "- ";
          return s + "x\n";
        }(),
        [] {
          std::string s;
          for (int i = 0; i < 2000; ++i) s += std::string(2 * i, ' ') + "a:\n";
          return s;
        }()}) {
    auto n = ParseYaml(text, "deep.yaml");
    ASSERT_FALSE(n.ok());
    EXPECT_NE(n.status().message().find("nested too deeply"), std::string::npos) << n.status();
  }
  auto s = scenario::LoadScenarioText("platform: x\n", kSrc + "/workloads/x.yaml",
                                      {"horizon_s=" + std::string(3000, '[')});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("nested too deeply"), std::string::npos) << s.status();
  // 400 levels are within yaml-cpp's limit and parse (nothing recurses deeper than that).
  EXPECT_TRUE(ParseYaml(std::string(400, '[') + std::string(400, ']'), "ok.yaml").ok());
}

// A grid (or a product of axes) far over the run limit is refused before it is expanded in
// memory; non-scalar keys are input errors, not yaml-cpp exceptions.
TEST(Hardening, SweepLimitsAndKeys) {
  const std::string file = kSrc + "/tests/data/sweep/fuzz.yaml";
  std::string grid = "scenario: ../valid/hand_schedule.yaml\naxes:\n  - grid:\n";
  for (int k = 0; k < 12; ++k) {
    grid += "      workload.jobs." + std::to_string(k % 3) + ".x" + std::to_string(k) +
            ": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n";
  }
  auto p = sweep::MakePlanFromText(grid, file, "/nonexistent");
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("expands to more than 1000000 runs"), std::string::npos)
      << p.status();
  std::string axes = "scenario: ../valid/hand_schedule.yaml\naxes:\n";
  for (int k = 0; k < 7; ++k) {
    axes += "  - zip: {workload.jobs.0.y" + std::to_string(k) + ": [1,2,3,4,5,6,7,8,9,10]}\n";
  }
  p = sweep::MakePlanFromText(axes, file, "/nonexistent");
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("axes: expands to more than 1000000 runs"),
            std::string::npos)
      << p.status();
  p = sweep::MakePlanFromText(
      "scenario: ../valid/hand_schedule.yaml\naxes:\n  - grid: {[a]: [1]}\n", file, "/x");
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("keys must be --set paths"), std::string::npos)
      << p.status();
  p = sweep::MakePlanFromText(
      "scenario: ../valid/hand_schedule.yaml\naxes:\n  - random: {samples: 2, params: "
      "{workload.jobs.0.run_s: {min: 1, max: 1e300, integer: true}}}\n",
      file, "/x");
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("must be within +-2^53 with integer: true"),
            std::string::npos)
      << p.status();
}

// The in-memory loaders give what the file loaders give.
TEST(Hardening, TextLoadersEqualFileLoaders) {
  for (const char* rel : {"workloads/default.yaml", "tests/data/valid/serving_mm4.yaml"}) {
    const std::string path = kSrc + "/" + rel;
    auto a = scenario::LoadScenario(path, {"seed=4", "horizon_s=100"});
    auto b = scenario::LoadScenarioText(*ReadFile(path), path, {"seed=4", "horizon_s=100"});
    ASSERT_TRUE(a.ok() && b.ok()) << rel;
    EXPECT_EQ(a->effective_yaml, b->effective_yaml);
    EXPECT_EQ(a->workload.jobs.size(), b->workload.jobs.size());
    EXPECT_EQ(a->inputs, b->inputs);
  }
  auto bad = scenario::LoadScenarioText(*ReadFile(kSrc + "/tests/data/invalid/unknown_key.yaml"),
                                        kSrc + "/tests/data/invalid/unknown_key.yaml", {});
  auto bad_file = scenario::LoadScenario(kSrc + "/tests/data/invalid/unknown_key.yaml", {});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status(), bad_file.status());
  const std::string streams = kSrc + "/tests/serve/data/streams.yaml";
  auto s1 = serve::LoadStreamFile(streams);
  auto s2 = serve::ParseStreamFileText(*ReadFile(streams), streams);
  ASSERT_TRUE(s1.ok() && s2.ok());
  EXPECT_EQ(s1->size(), s2->size());
  const std::string dir = kSrc + "/platforms/catalog";
  auto c1 = platform::LoadCatalog(dir);
  auto c2 = platform::ParseCatalog(*ReadFile(dir + "/systems.yaml"),
                                   *ReadFile(dir + "/sites.yaml"), dir);
  ASSERT_TRUE(c1.ok() && c2.ok());
  EXPECT_EQ(c1->systems.size(), c2->systems.size());
  EXPECT_EQ(c1->sites.size(), c2->sites.size());
  auto missing = platform::LoadCatalog("/nonexistent/catalog");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace fleetsim
