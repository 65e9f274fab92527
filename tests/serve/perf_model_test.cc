#include "sim/serve/perf_model.h"
#include "sim/serve/deployment.h"

#include <cmath>
#include <cstdio>

#include "gtest/gtest.h"

namespace fleetsim::serve {
namespace {

// MLPerf Llama-2-70B offline workload assumption (see sim/serve/README.md).
constexpr double kPrompt = 300;
constexpr double kOutput = 265;

ServedModel Llama70B(double bytes_per_param) {
  ServedModel m;
  m.name = "llama2-70b";
  m.params_total = m.params_active = 68.98e9;
  m.bytes_per_param = bytes_per_param;
  m.kv_bytes_per_token = 2.0 * 80 * 8 * 128 * 1;  // FP8 KV cache
  return m;
}

struct Case {
  const char* system;
  int tp;
  double bytes_per_param;
  double mlperf_tokens_per_s_per_accel;
  const char* round;
};

TEST(PerfModel, CalibratedAgainstMlperfLlama2_70B) {
  const Case cases[] = {
      {"h100", 2, 1.0, 3913, "v5.0"},    {"h200", 1, 1.0, 4374, "v5.0"},
      {"b200", 1, 0.5, 12691, "v5.1"},   {"gb200", 1, 0.5, 12934, "v5.1"},
      {"mi300x", 1, 1.0, 2939, "v4.1"},  {"mi325x", 1, 1.0, 4315, "v5.1"},
      {"mi355x", 1, 0.5, 11978, "v6.0"},
  };
  for (const Case& c : cases) {
    auto sys = BuiltinSystem(c.system);
    ASSERT_TRUE(sys.ok());
    ReplicaPerf perf(*sys, c.tp, Llama70B(c.bytes_per_param));
    const double model = perf.SaturatedOutputTokensPerSecond(kPrompt, kOutput) / c.tp;
    const double err = model / c.mlperf_tokens_per_s_per_accel - 1.0;
    SystemPerf raw = *sys;
    raw.mfu = 0.5;
    const double uncal = ReplicaPerf(raw, c.tp, Llama70B(c.bytes_per_param))
                             .SaturatedOutputTokensPerSecond(kPrompt, kOutput) /
                         c.tp;
    std::printf(
        "| %s | tp%d | %s | %.0f | %.0f | %+.1f%% | mfu %.3f | uncal(mfu .5) %.0f (%+.1f%%)\n",
        c.system, c.tp, c.round, c.mlperf_tokens_per_s_per_accel, model, 100 * err, sys->mfu, uncal,
        100 * (uncal / c.mlperf_tokens_per_s_per_accel - 1));
    EXPECT_LT(std::fabs(err), 0.15) << c.system;
  }
}

}  // namespace
}  // namespace fleetsim::serve

namespace fleetsim::serve {
namespace {

// Catalogue systems take the MLPerf-fitted mfu of their accelerator; systems without a result
// take their nearest calibrated sibling's and are flagged as estimates.
TEST(ServingPerfFor, CatalogueSystemsUseCalibratedMfu) {
  struct Case {
    const char* system;
    const char* builtin;
    bool estimated;
  } cases[] = {{"hgx_h100", "h100", false},      {"hgx_h200", "h200", false},
               {"gb200_nvl72", "gb200", false},  {"mi355x_8", "mi355x", false},
               {"mi300x_8", "mi300x", false},    {"gb300_nvl72", "gb200", true},
               {"vera_rubin_nvl144", "gb200", true}, {"helios_mi450", "mi355x", true}};
  for (const auto& c : cases) {
    CatalogSystem cs{c.system, "X", 1e15, 2e15, 4e15, 100e9, 5e12};
    bool est = !c.estimated;
    SystemPerf p = ServingPerfFor(cs, &est);
    EXPECT_EQ(est, c.estimated) << c.system;
    EXPECT_EQ(p.mfu, BuiltinSystem(c.builtin)->mfu) << c.system;
    EXPECT_EQ(p.peak_flops_fp8, 2e15);  // figures come from the catalogue, not the table
    EXPECT_EQ(p.hbm_bytes, 100e9);
  }
  bool est = false;
  // CS-3: the wafer-scale model (tests/serve/cerebras_test.cc), its mfu an estimate.
  const SystemPerf cs3 = ServingPerfFor(CatalogSystem{"cerebras_cs3"}, &est);
  EXPECT_TRUE(cs3.wafer_scale);
  EXPECT_EQ(cs3.mfu, CerebrasCs3().mfu);
  EXPECT_TRUE(est);
}

}  // namespace
}  // namespace fleetsim::serve
