// Aggregate fidelity against request fidelity on shared scenarios. The measured errors are
// printed (and recorded in sim/serve/README.md); the asserted bounds are the documented ones.
#include <cmath>
#include <cstdio>

#include "gtest/gtest.h"
#include "sim/serve/serving_sim.h"
#include "tests/serve/streams.h"

namespace fleetsim::serve {
namespace {

struct Pair {
  StreamStats req, agg;
};

Pair RunBoth(const std::vector<StreamSpec>& streams, const ReplicaSpec& r, int replicas,
             double horizon_s) {
  Pair out;
  for (Fidelity f : {Fidelity::kRequest, Fidelity::kAggregate}) {
    ServingOptions opt;
    opt.fidelity = f;
    opt.seed = 11;
    opt.aggregate_step_s = 60;
    auto sim = *ServingSim::Create(streams, opt);
    for (int i = 0; i < replicas; ++i) EXPECT_TRUE(sim->AddReplica(r).ok());
    sim->AdvanceTo(horizon_s);
    (f == Fidelity::kRequest ? out.req : out.agg) = sim->Stats(0);
  }
  return out;
}

double Rel(double agg, double req) { return agg / req - 1.0; }

void Print(const char* name, const Pair& p) {
  std::printf(
      "%s: throughput %+.1f%%  busy %.3f vs %.3f  load %.3f vs %.3f  mean e2e %+.1f%%  p99 e2e "
      "%+.1f%%  mean ttft %+.1f%%  p99 ttft %+.1f%%  mean tpot %+.1f%%\n",
      name, 100 * Rel(p.agg.throughput_per_s, p.req.throughput_per_s), p.agg.busy_fraction,
      p.req.busy_fraction, p.agg.load_fraction, p.req.load_fraction,
      100 * Rel(p.agg.mean_e2e_s, p.req.mean_e2e_s), 100 * Rel(p.agg.p99_e2e_s, p.req.p99_e2e_s),
      100 * Rel(p.agg.mean_ttft_s, p.req.mean_ttft_s),
      100 * Rel(p.agg.p99_ttft_s, p.req.p99_ttft_s),
      100 * Rel(p.agg.mean_tpot_s, p.req.mean_tpot_s));
}

TEST(Fidelity, ClassicQueueMMc) {
  StreamSpec s;
  s.name = "q";
  s.model.name = "m";
  s.arrival.rate_per_s = 3.2;
  s.service.kind = ServiceKind::kExponential;
  s.service.mean_s = 1.0;
  ReplicaSpec r;
  r.model = "m";
  r.system = *BuiltinSystem("h100");
  Pair p = RunBoth({s}, r, 4, 2e5);
  Print("M/M/4 rho=0.8", p);
  EXPECT_NEAR(Rel(p.agg.throughput_per_s, p.req.throughput_per_s), 0, 0.01);
  EXPECT_NEAR(p.agg.busy_fraction, p.req.busy_fraction, 0.01);
  EXPECT_NEAR(Rel(p.agg.mean_e2e_s, p.req.mean_e2e_s), 0, 0.03);
  EXPECT_NEAR(Rel(p.agg.p99_e2e_s, p.req.p99_e2e_s), 0, 0.10);
}

using testing_streams::ChatStream;

// MMPP bursts survive aggregation: the aggregate mode follows a sample path of the modulating
// chain, so bursts load the pool as in request mode (with only the mean rate, the pool at
// mean load 0.41 would show almost no queueing; in the bursts it runs at 0.875).
TEST(Fidelity, MmppBurstsInAggregateMode) {
  StreamSpec s;
  s.name = "bursty";
  s.model.name = "m";
  s.arrival.kind = ArrivalKind::kMmpp;
  s.arrival.mmpp_rate_per_s[0] = 2;
  s.arrival.mmpp_rate_per_s[1] = 7;
  s.arrival.mmpp_sojourn_s[0] = 1800;
  s.arrival.mmpp_sojourn_s[1] = 600;
  s.service.kind = ServiceKind::kExponential;
  s.service.mean_s = 1.0;
  ReplicaSpec r;
  r.model = "m";
  r.system = *BuiltinSystem("h100");
  Pair p = RunBoth({s}, r, 8, 30 * 86400.0);
  Print("MMPP 2/7 per s, 8 servers", p);
  // Mean wait of an M/M/8 at the mean rate 3.25/s is ~0.003 s; the bursts make it ~0.33 s.
  // Aggregate within 25% of request mode, and far from the mean-rate value. The two modes draw
  // different sample paths of the chain (~1,080 cycles in 30 days), hence the 5% on throughput.
  std::printf("MMPP mean wait: request %.4f s, aggregate %.4f s\n", p.req.mean_wait_s,
              p.agg.mean_wait_s);
  EXPECT_NEAR(Rel(p.agg.throughput_per_s, p.req.throughput_per_s), 0, 0.05);
  EXPECT_NEAR(Rel(p.agg.mean_wait_s, p.req.mean_wait_s), 0, 0.25);
  EXPECT_GT(p.agg.mean_wait_s, 0.1);
}

TEST(Fidelity, TokenModelBatchedReplicas) {
  ReplicaSpec r;
  r.model = "llama";
  r.system = *BuiltinSystem("h200");
  for (double rate : {15.0, 30.0, 45.0}) {  // ~25%, 50%, 75% of 8 replicas' capacity
    Pair p = RunBoth({ChatStream("chat", "llama", rate)}, r, 8, 3600);
    char name[64];
    std::snprintf(name, sizeof(name), "token 8xH200 rate %.0f/s", rate);
    Print(name, p);
    EXPECT_NEAR(Rel(p.agg.throughput_per_s, p.req.throughput_per_s), 0, 0.02);
    EXPECT_NEAR(p.agg.load_fraction, p.req.load_fraction, 0.03);
    EXPECT_NEAR(Rel(p.agg.mean_e2e_s, p.req.mean_e2e_s), 0, 0.05);
    EXPECT_NEAR(Rel(p.agg.p99_e2e_s, p.req.p99_e2e_s), 0, 0.12);
  }
}

}  // namespace
}  // namespace fleetsim::serve

namespace fleetsim::serve {
namespace {

TEST(Fidelity, AggregateUsageAndDrain) {
  ServingOptions opt;
  opt.fidelity = Fidelity::kAggregate;
  opt.aggregate_step_s = 300;
  StreamSpec s = ChatStream("chat", "llama", 30);
  s.annual_growth = 2;
  auto sim = *ServingSim::Create({s}, opt);
  ReplicaSpec r;
  r.model = "llama";
  r.system = *BuiltinSystem("h200");
  std::vector<int> ids;
  for (int i = 0; i < 8; ++i) ids.push_back(*sim->AddReplica(r));
  sim->AdvanceTo(86400);
  auto u = sim->TakeUsage();
  ASSERT_EQ(u.size(), 8u);
  double tokens = 0;
  for (const auto& x : u) {
    EXPECT_NEAR(x.load_s / 86400, 0.49, 0.02);
    tokens += x.output_tokens;
  }
  EXPECT_NEAR(tokens / sim->Stats(0).output_tokens, 1.0, 1e-3);
  sim->RemoveReplica(ids[0]);
  sim->AdvanceTo(2 * 86400);
  u = sim->TakeUsage();
  ASSERT_EQ(u.size(), 8u);
  EXPECT_TRUE(u[0].removed);
  EXPECT_EQ(u[0].busy_s, 0);
  EXPECT_NEAR(u[1].load_s / 86400, 0.49 * 8 / 7, 0.03);
  EXPECT_EQ(sim->TakeUsage().size(), 7u);
  EXPECT_EQ(sim->ActiveReplicas("llama"), 7);
  // Demand for the autoscaler: the stream's mean rate with growth.
  EXPECT_NEAR(sim->TakeDemandRate("llama") / 30.0, 1.0, 0.01);
  const double cap = sim->ReplicaCapacityPerS(r);
  AutoscalePolicy pol;
  EXPECT_EQ(DesiredReplicas(pol, 7, 30, cap, 0, 600),
            static_cast<int>(std::ceil(30 / (cap * 0.7))));
}

}  // namespace
}  // namespace fleetsim::serve

namespace fleetsim::serve {
namespace {

// Issue 13 item 4: aggregate mode is unbiased against request mode for any seed. The stream of
// the issue: Llama-2-70B FP8, diurnal with peak 48 requests/s (the default scenario's daily
// shape), lognormal prompts (mu 6.5, sigma 0.8, max 6000), uniform outputs 16..700, on 4 H100
// replicas of tp 2, one day (2.5 M requests). Targets (issue 13): served tokens within 0.5%,
// mean TTFT within 3%, p99 TTFT and p99 TPOT within 10%. Request mode's own mean TTFT moves by
// about 1.3% from seed to seed (measured: -1.5, +0.3, -3.0, -1.4% against one aggregate value),
// so the mean TTFT bound is 3% on the mean over the seeds and 3.5% per seed.
TEST(Fidelity, AggregateUnbiasedAcrossSeeds) {
  StreamSpec s = testing_streams::ChatStream("chat", "llama", 48.0 / 1.45);
  s.arrival.kind = ArrivalKind::kDiurnal;
  s.arrival.daily_shape = {0.3,  0.25, 0.2, 0.2,  0.25, 0.35, 0.5, 0.8,  1.1, 1.3, 1.4, 1.45,
                           1.45, 1.45, 1.4, 1.35, 1.3,  1.25, 1.2, 1.15, 1.0, 0.8, 0.6, 0.4};
  s.arrival.weekly_shape = std::vector<double>(7, 1.0);
  s.output_tokens.min = 16;
  s.output_tokens.max = 700;
  ReplicaSpec r{"llama", *BuiltinSystem("h100"), 2};
  double sum_mttft = 0;
  for (uint64_t seed : {2, 3, 5, 11}) {
    StreamStats st[2];
    for (Fidelity f : {Fidelity::kRequest, Fidelity::kAggregate}) {
      ServingOptions opt;
      opt.fidelity = f;
      opt.seed = seed;
      opt.aggregate_step_s = 60;
      auto sim = *ServingSim::Create({s}, opt);
      for (int i = 0; i < 4; ++i) ASSERT_TRUE(sim->AddReplica(r).ok());
      sim->AdvanceTo(86400);
      st[f == Fidelity::kAggregate] = sim->Stats(0);
    }
    const StreamStats &q = st[0], &a = st[1];
    const double tok = Rel(a.output_tokens, q.output_tokens);
    const double mttft = Rel(a.mean_ttft_s, q.mean_ttft_s);
    const double p99ttft = Rel(a.p99_ttft_s, q.p99_ttft_s);
    const double p99tpot = Rel(a.p99_tpot_s, q.p99_tpot_s);
    std::printf(
        "seed %2d: %lld requests; tokens %+.2f%%  mean TTFT %+.2f%%  p99 TTFT %+.1f%%  p99 TPOT "
        "%+.1f%%  mean TPOT %+.1f%%  mean e2e %+.1f%%  p99 e2e %+.1f%%\n",
        static_cast<int>(seed), static_cast<long long>(q.completed), 100 * tok, 100 * mttft,
        100 * p99ttft, 100 * p99tpot, 100 * Rel(a.mean_tpot_s, q.mean_tpot_s),
        100 * Rel(a.mean_e2e_s, q.mean_e2e_s), 100 * Rel(a.p99_e2e_s, q.p99_e2e_s));
    EXPECT_NEAR(tok, 0, 0.005) << seed;
    EXPECT_NEAR(mttft, 0, 0.035) << seed;
    sum_mttft += mttft / 4;
    EXPECT_NEAR(p99ttft, 0, 0.10) << seed;
    EXPECT_NEAR(p99tpot, 0, 0.10) << seed;
  }
  std::printf("mean TTFT over the seeds: %+.2f%%\n", 100 * sum_mttft);
  EXPECT_NEAR(sum_mttft, 0, 0.03);
}

}  // namespace
}  // namespace fleetsim::serve

namespace fleetsim::serve {
namespace {

// Aggregate token totals use the exact mean of the stream's own distribution, also when it is
// too wide to enumerate (stratified then): served tokens / completions = E[output].
TEST(Fidelity, AggregateTokenMeanIsTheDistributionMean) {
  struct Case {
    TokenDist out;
    double mean;
  };
  TokenDist narrow, wide, uni;
  narrow.kind = wide.kind = TokenDistKind::kLogNormal;
  narrow.mu = 5.0;
  narrow.sigma = 0.5;
  narrow.clamp_max = 1e8;
  wide.mu = 12.0;
  wide.sigma = 1.0;
  wide.clamp_max = 1e8;
  uni.kind = TokenDistKind::kUniform;
  uni.min = 16;
  uni.max = 700;
  // Lognormal means exp(mu + sigma^2 / 2) (rounding adds < 1e-4 relative); uniform (16+700)/2.
  const Case cases[] = {{narrow, std::exp(5.125)}, {wide, std::exp(12.5)}, {uni, 358}};
  for (const Case& c : cases) {
    StreamSpec s = testing_streams::ChatStream("x", "llama", 0.01);
    s.model.context_limit_tokens = 100000000;
    s.model.kv_bytes_per_token = 1;
    s.prompt_tokens = TokenDist{};
    s.prompt_tokens.value = 1;
    s.output_tokens = c.out;
    ServingOptions opt;
    opt.fidelity = Fidelity::kAggregate;
    auto sim = *ServingSim::Create({s}, opt);
    ASSERT_TRUE(sim->AddReplica(ReplicaSpec{"llama", *BuiltinSystem("h200"), 1}).ok());
    sim->AdvanceTo(86400);
    const StreamStats st = sim->Stats(0);
    const double per = st.output_tokens / (st.throughput_per_s * 86400);
    EXPECT_NEAR(per / c.mean, 1.0, 2e-3) << c.mean;
  }
}

}  // namespace
}  // namespace fleetsim::serve
