#include "sim/serve/serving_sim.h"

#include <cmath>
#include <cstdio>

#include "gtest/gtest.h"
#include "tests/serve/streams.h"

namespace fleetsim::serve {
namespace {

using testing_streams::Llama70B;

StreamSpec TokenStream(const std::string& name, double rate, double prompt, double output) {
  StreamSpec s;
  s.name = name;
  s.model = Llama70B();
  s.arrival.rate_per_s = rate;
  s.prompt_tokens.value = prompt;
  s.output_tokens.value = output;
  return s;
}

ReplicaSpec H200() {
  ReplicaSpec r;
  r.model = "llama";
  r.system = *BuiltinSystem("h200");
  r.tp = 1;
  return r;
}

TEST(ServingSim, SingleRequestLatencyMatchesModel) {
  ServingOptions opt;
  StreamSpec s = TokenStream("a", 1e-6, 1000, 101);  // one arrival, far apart
  auto sim = *ServingSim::Create({s}, opt);
  ASSERT_TRUE(sim->AddReplica(H200()).ok());
  sim->AdvanceTo(1e7);
  StreamStats st = sim->Stats(0);
  ASSERT_GE(st.completed, 1);
  ReplicaPerf perf(H200().system, 1, s.model);
  // Means are exact; percentiles come from the log histogram (<= 0.39% relative error).
  const double ttft = perf.FirstTokenLatencySeconds() + perf.PrefillSeconds(1000);
  EXPECT_NEAR(st.mean_ttft_s, ttft, 1e-9);
  EXPECT_NEAR(st.mean_tpot_s, perf.DecodeStepSeconds(1, 1000 + 50.5), 1e-9);
  EXPECT_NEAR(st.p50_ttft_s / ttft, 1.0, 0.005);
  EXPECT_NEAR(st.p50_tpot_s / perf.DecodeStepSeconds(1, 1000 + 50.5), 1.0, 0.005);
}

TEST(ServingSim, SaturatedThroughputMatchesAnalyticModel) {
  // Overloaded H200 replica: the simulated output rate must match the closed form used for
  // calibration (same admission and scheduling rules).
  ServingOptions opt;
  auto sim = *ServingSim::Create({TokenStream("a", 200, 300, 265)}, opt);
  ASSERT_TRUE(sim->AddReplica(H200()).ok());
  sim->AdvanceTo(60);
  auto u0 = sim->TakeUsage();  // warm-up
  sim->AdvanceTo(360);
  auto u = sim->TakeUsage();
  const double sim_tps = u[0].output_tokens / 300.0;
  const double model =
      ReplicaPerf(H200().system, 1, Llama70B()).SaturatedOutputTokensPerSecond(300, 265);
  std::printf("saturated: sim %.0f tok/s, closed form %.0f tok/s\n", sim_tps, model);
  EXPECT_NEAR(sim_tps / model, 1.0, 0.03);
  EXPECT_NEAR(u[0].load_s / 300.0, 1.0, 0.03);
  EXPECT_NEAR(u[0].busy_s, 300.0, 1e-6);
}

TEST(ServingSim, LittlesLawTokenModeWithRouting) {
  for (RoutingKind k :
       {RoutingKind::kCentral, RoutingKind::kJoinShortestQueue, RoutingKind::kRoundRobin,
        RoutingKind::kLeastOutstandingTokens, RoutingKind::kSloAware}) {
    StreamSpec s = testing_streams::ChatStream("a", "llama", 20, k, /*prompt_max=*/4000);
    ServingOptions opt;
    opt.seed = 7;
    auto sim = *ServingSim::Create({s}, opt);
    for (int i = 0; i < 4; ++i) ASSERT_TRUE(sim->AddReplica(H200()).ok());
    sim->AdvanceTo(2000);
    StreamStats st = sim->Stats(0);
    const double lw = st.arrivals / 2000.0 * st.mean_e2e_s;
    EXPECT_NEAR(st.mean_in_system / lw, 1.0, 0.02) << RoutingName(k);
    EXPECT_GT(st.completed, 38000);
    EXPECT_LE(st.p50_e2e_s, st.p95_e2e_s);
    EXPECT_LE(st.p95_e2e_s, st.p99_e2e_s);
  }
}

TEST(ServingSim, SameSeedByteIdenticalOutputs) {
  auto run = [](uint64_t seed) {
    StreamSpec s = TokenStream("a", 30, 0, 0);
    s.prompt_tokens.kind = TokenDistKind::kUniform;
    s.prompt_tokens.min = 10;
    s.prompt_tokens.max = 3000;
    s.output_tokens.kind = TokenDistKind::kLogNormal;
    s.output_tokens.mu = 5;
    s.output_tokens.sigma = 1;
    s.output_tokens.clamp_max = 2000;
    s.routing = RoutingKind::kJoinShortestQueue;
    ServingOptions opt;
    opt.seed = seed;
    opt.bin_s = 60;
    opt.request_sample_rate = 0.01;
    auto sim = *ServingSim::Create({s}, opt);
    for (int i = 0; i < 3; ++i) (void)sim->AddReplica(H200());
    sim->AdvanceTo(300);
    JsonWriter j;
    j.BeginObject();
    sim->WriteSummary(j);
    j.EndObject();
    return sim->SeriesCsv() + sim->LatencyCsv() + sim->RequestCsv() + j.str();
  };
  const std::string a = run(3), b = run(3), c = run(4);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_NE(a.find("ttft_p99_s"), std::string::npos);
  EXPECT_NE(a.find("tokens_per_s"), std::string::npos);
}

TEST(ServingSim, DrainRemovesReplicaAfterRunningWork) {
  ServingOptions opt;
  auto sim = *ServingSim::Create({TokenStream("a", 8, 500, 200)}, opt);
  int r0 = *sim->AddReplica(H200());
  int r1 = *sim->AddReplica(H200());
  sim->AdvanceTo(100);
  sim->RemoveReplica(r0);
  EXPECT_FALSE(sim->IsRemoved(r0));  // still finishing its batch
  EXPECT_EQ(sim->ActiveReplicas("llama"), 1);
  sim->AdvanceTo(200);
  EXPECT_TRUE(sim->IsRemoved(r0));
  auto u = sim->TakeUsage();
  ASSERT_EQ(u.size(), 2u);
  EXPECT_TRUE(u[0].removed);
  EXPECT_FALSE(u[1].removed);
  EXPECT_EQ(sim->TakeUsage().size(), 1u);  // removed replica reported once
  (void)r1;
  const StreamStats st = sim->Stats(0);
  EXPECT_EQ(st.dropped, 0);
  EXPECT_GT(st.completed, 1500);
}

TEST(ServingSim, ContextLimitAndQueueCapDrop) {
  StreamSpec s = TokenStream("a", 10, 9000, 10);  // > 8192 context
  ServingOptions opt;
  auto sim = *ServingSim::Create({s}, opt);
  (void)sim->AddReplica(H200());
  sim->AdvanceTo(10);
  EXPECT_EQ(sim->Stats(0).completed, 0);
  EXPECT_EQ(sim->Stats(0).dropped, sim->Stats(0).arrivals);
  StreamStats st;
  StreamSpec q;
  q.name = "q";
  q.model.name = "m";
  q.arrival.rate_per_s = 10;
  q.service.kind = ServiceKind::kDeterministic;
  q.service.mean_s = 1;
  q.max_queue = 5;
  auto sim2 = *ServingSim::Create({q}, opt);
  ReplicaSpec r = H200();
  r.model = "m";
  (void)sim2->AddReplica(r);
  sim2->AdvanceTo(100);
  st = sim2->Stats(0);
  EXPECT_GT(st.dropped, 800);
  EXPECT_LE(st.completed, 100);
}

TEST(ServingSim, PriorityServedFirstFromCentralQueue) {
  StreamSpec lo, hi;
  for (StreamSpec* s : {&lo, &hi}) {
    s->model.name = "m";
    s->arrival.rate_per_s = 0.6;
    s->service.kind = ServiceKind::kExponential;
    s->service.mean_s = 0.8;
  }
  lo.name = "lo";
  hi.name = "hi";
  hi.priority = 5;
  ServingOptions opt;
  auto sim = *ServingSim::Create({lo, hi}, opt);
  ReplicaSpec r = H200();
  r.model = "m";
  (void)sim->AddReplica(r);
  sim->AdvanceTo(200000);
  EXPECT_LT(sim->Stats(1).mean_wait_s * 3, sim->Stats(0).mean_wait_s);
}

TEST(ServingSim, MixedServiceAndTokenStreamsOnOneModelRejected) {
  StreamSpec a = TokenStream("a", 1, 10, 10), b = TokenStream("b", 1, 10, 10);
  b.service.kind = ServiceKind::kExponential;
  b.service.mean_s = 1;
  auto sim = ServingSim::Create({a, b}, ServingOptions());
  ASSERT_FALSE(sim.ok());
  EXPECT_NE(sim.status().message().find("use distinct model names"), std::string::npos);
  auto ok = *ServingSim::Create({a}, ServingOptions());
  ReplicaSpec tiny = H200();
  tiny.system.hbm_bytes = 40e9;
  EXPECT_FALSE(ok->AddReplica(tiny).ok());
  ReplicaSpec other = H200();
  other.model = "nope";
  EXPECT_FALSE(ok->AddReplica(other).ok());
}

}  // namespace
}  // namespace fleetsim::serve
