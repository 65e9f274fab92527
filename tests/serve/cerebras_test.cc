// Wafer-scale (Cerebras CS-3) serving model against Cerebras' published single-stream figures
// (../shared/reference/HARDWARE.md section 2c; sim/serve/README.md "Wafer-scale serving").
#include <cmath>
#include <cstdio>

#include "gtest/gtest.h"
#include "sim/serve/deployment.h"
#include "sim/serve/perf_model.h"

namespace fleetsim::serve {
namespace {

// Dense model with grouped-query attention (8 KV heads of 128) and a 16-bit KV cache.
ServedModel Dense(const char* name, double params, int layers, bool speculative) {
  ServedModel m;
  m.name = name;
  m.params_total = m.params_active = params;
  m.bytes_per_param = 2;  // Cerebras serves native 16-bit weights [52]
  m.layers = layers;
  m.kv_bytes_per_token = 2.0 * layers * 8 * 128 * 2;
  m.speculative_decoding = speculative;
  return m;
}

ServedModel Llama31_8B() { return Dense("llama3.1-8b", 8.03e9, 32, false); }
ServedModel Llama31_70B() { return Dense("llama3.1-70b", 70.6e9, 80, true); }
ServedModel Llama31_405B() { return Dense("llama3.1-405b", 405.8e9, 126, true); }
ServedModel GptOss120B() {  // MoE: 116.8B total, 5.13B active, MXFP4 expert weights
  ServedModel m = Dense("gpt-oss-120b", 116.8e9, 36, true);
  m.params_active = 5.13e9;
  m.bytes_per_param = 0.5;
  m.kv_bytes_per_token = 2.0 * 36 * 8 * 64 * 2;
  return m;
}
ServedModel Llama4Maverick() {  // MoE: 400B total, 17B active, 48 layers
  ServedModel m = Dense("llama4-maverick", 400e9, 48, true);
  m.params_active = 17e9;
  return m;
}

struct Published {
  ServedModel model;
  double tokens_per_s;
  const char* source;
};

TEST(Cerebras, SingleStreamSpeedMatchesPublishedFigures) {
  const SystemPerf cs3 = CerebrasCs3();
  const Published cases[] = {
      {Llama31_8B(), 1800,
       "[52] cerebras.ai/blog/introducing-cerebras-inference-ai-at-instant-speed (Aug 2024)"},
      {Llama31_70B(), 2100,
       "[53] techregister.co.uk/cerebras-to-light-up-datacenters-... (2025: up to 2,100 tok/s)"},
      {Llama31_405B(), 969,
       "[54] tomshardware.com/.../cerebras-video-shows-ai-writing-code-75x-faster (Nov 2024)"},
      {GptOss120B(), 3000, "[56] ailearningguides.com/cerebras-llama-405b-969-tokens-second"},
      {Llama4Maverick(), 2500, "[55] brios-git-crit-brianlovin.vercel.app/hn/44141728"},
  };
  for (const auto& c : cases) {
    const int wafers = MinAcceleratorsForWeights(cs3, c.model);
    const ReplicaPerf perf(cs3, wafers, c.model);
    ASSERT_TRUE(perf.fits()) << c.model.name;
    const double rate = 1.0 / perf.SingleUserTpotSeconds();
    const double err = rate / c.tokens_per_s - 1;
    std::printf("%-16s %2d wafers  model %6.0f tok/s  published %5.0f  error %+5.1f%%  %s\n",
                c.model.name.c_str(), wafers, rate, c.tokens_per_s, 100 * err, c.source);
    EXPECT_NEAR(err, 0.0, 0.15) << c.model.name << " vs " << c.source;
  }
}

TEST(Cerebras, Llama405BTimeToFirstTokenMatchesPublished) {
  // [54] Tom's Hardware (Nov 2024): TTFT 0.24 s. Prompt length not published: 1,000 tokens (EST).
  const SystemPerf cs3 = CerebrasCs3();
  const ServedModel m = Llama31_405B();
  const ReplicaPerf perf(cs3, MinAcceleratorsForWeights(cs3, m), m);
  const double ttft = perf.FirstTokenLatencySeconds() + perf.PrefillSeconds(1000);
  std::printf("405B TTFT model %.3f s, published 0.24 s, error %+.1f%%\n", ttft,
              100 * (ttft / 0.24 - 1));
  EXPECT_NEAR(ttft / 0.24 - 1, 0.0, 0.15);
}

TEST(Cerebras, WafersFollowSramCapacity) {
  const SystemPerf cs3 = CerebrasCs3();
  // 44 GB per wafer, 10% reserved: 8B (16 GB) 1 wafer; 70B (141 GB) 4 [52 says four CS-3];
  // 405B (812 GB) 21, within the 19-22 estimate of [35].
  EXPECT_EQ(MinAcceleratorsForWeights(cs3, Llama31_8B()), 1);
  EXPECT_EQ(MinAcceleratorsForWeights(cs3, Llama31_70B()), 4);
  EXPECT_EQ(MinAcceleratorsForWeights(cs3, Llama31_405B()), 21);
  EXPECT_FALSE(ReplicaPerf(cs3, 20, Llama31_405B()).fits());
  EXPECT_TRUE(ReplicaPerf(cs3, 21, Llama31_405B()).fits());
  // More wafers than the minimum: more KV room, one more hop per wafer.
  const ReplicaPerf four(cs3, 4, Llama31_70B()), six(cs3, 6, Llama31_70B());
  EXPECT_GT(six.KvCapacityTokens(), 2 * four.KvCapacityTokens());
  EXPECT_GT(six.SingleUserTpotSeconds(), four.SingleUserTpotSeconds());
}

TEST(Cerebras, ConcurrencyIsBoundByKvInSram) {
  // Llama 3.1 70B on 4 wafers: 4 x 44 x 0.9 - 141.2 = 17.2 GB of KV at 327,680 B per token,
  // about 52,000 tokens: 43 requests of 1,200 tokens, under max_batch (64, EST).
  const SystemPerf cs3 = CerebrasCs3();
  const ReplicaPerf perf(cs3, 4, Llama31_70B());
  EXPECT_NEAR(perf.KvCapacityTokens(), 52.5e3, 1e3);
  EXPECT_EQ(perf.max_batch(), 64);
  // At that concurrency a user still gets the single-stream speed (the pass latency binds).
  const double b = std::floor(perf.KvCapacityTokens() / 1200);
  EXPECT_NEAR(perf.DecodeStepSeconds(b, b * 1050) / perf.DecodeStepSeconds(1, 1050), 1.0, 0.01);
  // Saturated throughput of the replica, for the README.
  std::printf("70B on 4 CS-3: saturated %.0f output tok/s (prompt 900, output 300)\n",
              perf.SaturatedOutputTokensPerSecond(900, 300));
}

TEST(Cerebras, CatalogueSystemUsesWaferModelAndGpusStayUnchanged) {
  bool est = false;
  const SystemPerf cs3 =
      ServingPerfFor(CatalogSystem{"cerebras_cs3", "Cerebras", 6.25e16, 0, 0, 44e9, 2.1e16}, &est);
  EXPECT_TRUE(cs3.wafer_scale);
  EXPECT_TRUE(est);
  EXPECT_TRUE(ReplicaPerf(cs3, 4, Llama31_70B()).fits());
  const SystemPerf h100 = ServingPerfFor(
      CatalogSystem{"hgx_h100", "NVIDIA", 0.989e15, 1.979e15, 0, 80e9, 3.35e12}, &est);
  EXPECT_FALSE(h100.wafer_scale);
  // GPUs: no wafer pipeline or service overhead, only the fitted per-pass first-token overhead.
  EXPECT_EQ(ReplicaPerf(h100, 8, Llama31_70B()).FirstTokenLatencySeconds(),
            h100.first_token_overhead_s);
}

TEST(Cerebras, LatencyTierExcludesSlowSystems) {
  ServedModel m = Llama31_70B();
  m.bytes_per_param = 1;
  m.tier_tpot_max_s = 0.002;  // 500 tok/s per user
  bool est = false;
  const SystemPerf h100 = ServingPerfFor(
      CatalogSystem{"hgx_h100", "NVIDIA", 0.989e15, 1.979e15, 0, 80e9, 3.35e12}, &est);
  const ReplicaPerf gpu(h100, 8, m);
  EXPECT_TRUE(gpu.weights_fit());
  EXPECT_GT(gpu.SingleUserTpotSeconds(), 0.002);
  EXPECT_FALSE(gpu.fits());
  EXPECT_TRUE(ReplicaPerf(CerebrasCs3(), 4, m).fits());
  m.tier_tpot_max_s = 0;
  EXPECT_TRUE(ReplicaPerf(h100, 8, m).fits());
}

}  // namespace
}  // namespace fleetsim::serve
