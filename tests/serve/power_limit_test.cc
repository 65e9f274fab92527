// Serving throughput under a per-accelerator power limit (perf_model.h header, README "Power
// limits") against MLPerf Inference v4.0, NVIDIA closed division, Llama-2-70B (llama2-70b-99):
// 8 x H100-SXM-80GB with every GPU capped at 450 W keeps 80.5% of the uncapped system's offline
// throughput and 75.3% of its server-scenario throughput (the same configuration with and
// without the cap; figures as quoted in issue 9 from github.com/mlcommons/inference_results_v4.0
// closed/NVIDIA). Target: within 5 percentage points.
#include <cmath>
#include <cstdio>

#include "gtest/gtest.h"
#include "sim/serve/perf_model.h"
#include "sim/serve/serving_sim.h"
#include "tests/serve/streams.h"

namespace fleetsim::serve {
namespace {

using testing_streams::Llama70B;

// MLPerf Llama-2-70B workload assumption of the calibration (README): 300 in, 265 out.
constexpr double kPrompt = 300;
constexpr double kOutput = 265;
constexpr double kCapW = 450;
constexpr int kTp = 2;  // the calibrated H100 configuration: 8 GPUs = 4 replicas of tp 2

SystemPerf H100() { return *BuiltinSystem("h100"); }

TEST(PowerLimit, OfflineThroughputAt450WMatchesMlperfV40) {
  ReplicaPerf free(H100(), kTp, Llama70B());
  ReplicaPerf capped = free;
  capped.set_power_limit_w(kCapW);
  const double ratio = capped.SaturatedOutputTokensPerSecond(kPrompt, kOutput) /
                       free.SaturatedOutputTokensPerSecond(kPrompt, kOutput);
  std::printf(
      "offline: uncapped draws %.0f W/GPU, capped %.0f W/GPU; throughput kept %.1f%% "
      "(MLPerf v4.0: 80.5%%)\n",
      free.SaturatedPowerW(kPrompt, kOutput), capped.SaturatedPowerW(kPrompt, kOutput),
      100 * ratio);
  EXPECT_NEAR(ratio, 0.805, 0.05);
  EXPECT_LE(capped.SaturatedPowerW(kPrompt, kOutput), kCapW + 1e-6);
}

// MLPerf server scenario: the highest Poisson query rate whose p99 TTFT and p99 TPOT meet the
// llama2-70b latency constraints (2 s and 200 ms, MLPerf Inference rules v4.0), here on 4
// replicas of tp 2 with central routing, 600 s per trial, bisection to 0.1 request/s.
double ServerRate(double limit_w) {
  auto meets = [limit_w](double rate) {
    StreamSpec s;
    s.name = "server";
    s.model = Llama70B();
    s.arrival.rate_per_s = rate;
    s.prompt_tokens.value = kPrompt;
    s.output_tokens.value = kOutput;
    ServingOptions opt;
    opt.seed = 7;
    auto sim = *ServingSim::Create({s}, opt);
    for (int i = 0; i < 4; ++i) {
      const int id = *sim->AddReplica(ReplicaSpec{"llama", H100(), kTp});
      sim->SetPowerLimitW(id, limit_w);
    }
    sim->AdvanceTo(600);
    const StreamStats st = sim->Stats(0);
    return st.p99_ttft_s <= 2.0 && st.p99_tpot_s <= 0.2 && st.dropped == 0;
  };
  double lo = 40, hi = 200;  // requests/s (4 x 29.6 saturated, README calibration)
  for (int i = 0; i < 11; ++i) {
    const double mid = 0.5 * (lo + hi);
    (meets(mid) ? lo : hi) = mid;
  }
  return lo;
}

TEST(PowerLimit, ServerThroughputAt450WMatchesMlperfV40) {
  const double free = ServerRate(ReplicaPerf::kNoLimitW);
  const double capped = ServerRate(kCapW);
  std::printf("server: %.2f req/s uncapped, %.2f capped; kept %.1f%% (MLPerf v4.0: 75.3%%)\n", free,
              capped, 100 * capped / free);
  EXPECT_NEAR(capped / free, 0.753, 0.05);
}

TEST(PowerLimit, DecodeBoundServingLosesNextToNothing) {
  // A lone user (batch 1) and a light batch are memory-bandwidth bound: the board draws well
  // under 450 W, so the cap leaves their step time (TPOT) almost unchanged, while prefill, which
  // is compute bound, slows with the clock.
  ReplicaPerf free(H100(), kTp, Llama70B());
  ReplicaPerf capped = free;
  capped.set_power_limit_w(kCapW);
  for (double batch : {1.0, 8.0, 32.0}) {
    const double kv = batch * (kPrompt + 0.5 * kOutput);
    const double r = capped.DecodeStepSeconds(batch, kv) / free.DecodeStepSeconds(batch, kv);
    std::printf("decode batch %.0f: step x%.4f under the cap\n", batch, r);
    EXPECT_LT(r, 1.01) << batch;
  }
  const double prefill = capped.PrefillSeconds(2048) / free.PrefillSeconds(2048);
  std::printf("prefill 2048 tokens: x%.3f under the cap\n", prefill);
  EXPECT_GT(prefill, 1.1);
  // A lightly loaded stream in the request simulator serves the same requests; its mean TPOT
  // moves only by the slower prefills that pause decoding (prefill-first scheduler): < 5%.
  auto run = [](double limit_w) {
    StreamSpec s = testing_streams::ChatStream("light", "llama", 2.0);
    auto sim = *ServingSim::Create({s}, ServingOptions{});
    const int id = *sim->AddReplica(ReplicaSpec{"llama", H100(), kTp});
    sim->SetPowerLimitW(id, limit_w);
    sim->AdvanceTo(3600);
    return sim->Stats(0);
  };
  const StreamStats a = run(ReplicaPerf::kNoLimitW), b = run(kCapW);
  std::printf("light load: mean TPOT %.2f -> %.2f ms, mean TTFT %.1f -> %.1f ms\n",
              1e3 * a.mean_tpot_s, 1e3 * b.mean_tpot_s, 1e3 * a.mean_ttft_s, 1e3 * b.mean_ttft_s);
  EXPECT_NEAR(b.mean_tpot_s / a.mean_tpot_s, 1.0, 0.05);
  EXPECT_EQ(a.completed, b.completed);
}

TEST(PowerLimit, EveryPhaseStaysWithinTheLimit) {
  // Whatever the phase, the chosen clock keeps the board at or under the limit (unless the limit
  // is below what the slowest clock draws), and a looser limit never slows a phase.
  ReplicaPerf perf(H100(), kTp, Llama70B());
  for (double limit : {150.0, 250.0, 350.0, 450.0, 600.0, 700.0}) {
    perf.set_power_limit_w(limit);
    for (double tc : {1e-4, 1e-3, 1e-2, 1e-1}) {
      for (double tm : {0.0, 1e-3, 1e-2, 5e-2}) {
        const double s = perf.ClockShare(tc, tm);
        if (s > ReplicaPerf::kMinClockShare) EXPECT_LE(perf.PhasePowerW(tc, tm, s), limit + 1e-6);
        ReplicaPerf looser = perf;
        looser.set_power_limit_w(limit + 50);
        EXPECT_GE(looser.ClockShare(tc, tm), s);
      }
    }
  }
  perf.set_power_limit_w(ReplicaPerf::kNoLimitW);
  EXPECT_EQ(perf.ClockShare(1.0, 0.0), 1.0);
  // No limit: full clock; a purely compute-bound phase at full clock draws TDP minus the memory
  // power it does not use.
  EXPECT_LT(perf.PhasePowerW(1.0, 0.0, 1.0), 700);
  EXPECT_GT(perf.PhasePowerW(1.0, 0.0, 1.0), 500);
}

TEST(PowerLimit, ShareLimitScalesDynamicPower) {
  // SetPowerShare(share) leaves at most `share` of the saturated dynamic power, and share 1 is
  // exactly the unlimited replica.
  StreamSpec s = testing_streams::ChatStream("c", "llama", 1.0);
  auto sim = *ServingSim::Create({s}, ServingOptions{});
  const int a = *sim->AddReplica(ReplicaSpec{"llama", H100(), kTp});
  const int b = *sim->AddReplica(ReplicaSpec{"llama", H100(), kTp});
  sim->SetPowerShare(a, 1.0);
  EXPECT_EQ(sim->DynamicPowerShare(a), 1.0);
  for (double share : {0.9, 0.7, 0.5}) {
    sim->SetPowerShare(b, share);
    EXPECT_LE(sim->DynamicPowerShare(b), share + 1e-9) << share;
    EXPECT_GT(sim->DynamicPowerShare(b), share - 0.02) << share;
  }
}

}  // namespace
}  // namespace fleetsim::serve
