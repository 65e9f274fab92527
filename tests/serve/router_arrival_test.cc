#include <cmath>
#include <fstream>
#include <map>

#include "gtest/gtest.h"
#include "sim/serve/arrival.h"
#include "sim/serve/router.h"

namespace fleetsim::serve {
namespace {

std::vector<ReplicaLoad> Loads() {
  std::vector<ReplicaLoad> l(4);
  for (int i = 0; i < 4; ++i) l[i].id = i;
  l[0].queued = 3;
  l[0].outstanding_tokens = 100;
  l[0].work_ahead_s = 2.0;
  l[0].headroom_w = 50;
  l[1].queued = 1;
  l[1].outstanding_tokens = 900;
  l[1].work_ahead_s = 0.5;
  l[1].headroom_w = 500;
  l[2].queued = 2;
  l[2].outstanding_tokens = 50;
  l[2].work_ahead_s = 1.0;
  l[2].headroom_w = 500;
  l[3].queued = 0;
  l[3].running = 4;
  l[3].outstanding_tokens = 400;
  l[3].work_ahead_s = 0.1;
  l[3].headroom_w = 10;
  l[0].vendor = l[1].vendor = 0;
  l[2].vendor = l[3].vendor = 1;
  return l;
}

TEST(Router, Policies) {
  auto l = Loads();
  std::vector<int> all = {0, 1, 2, 3};
  RouteRequest q{100, 100, 0.2};
  auto rr = MakeRouter(RoutingKind::kRoundRobin, 1);
  EXPECT_EQ(rr->Pick(q, l, all), 0);
  EXPECT_EQ(rr->Pick(q, l, all), 1);
  EXPECT_EQ(rr->Pick(q, l, {2, 3}), 2);  // index 2 of the sequence -> candidates[0]
  EXPECT_EQ(MakeRouter(RoutingKind::kJoinShortestQueue, 1)->Pick(q, l, all), 1);  // 1 vs 3,2,4
  EXPECT_EQ(MakeRouter(RoutingKind::kLeastOutstandingTokens, 1)->Pick(q, l, all), 2);
  EXPECT_EQ(MakeRouter(RoutingKind::kPowerAware, 1)->Pick(q, l, all), 2);  // 500 W, fewer tokens
  EXPECT_EQ(MakeRouter(RoutingKind::kSloAware, 1)->Pick(q, l, all), 3);
  EXPECT_EQ(MakeRouter(RoutingKind::kCentral, 1), nullptr);
}

TEST(Router, VendorSpreadCapsShare) {
  // Vendor 0's replicas are always least loaded; a 60% cap must still hold.
  auto l = Loads();
  l[1].queued = 0;
  l[2].queued = l[3].queued = 50;
  auto r = MakeRouter(RoutingKind::kVendorSpread, 0.6);
  std::map<int, int> by_vendor;
  for (int i = 0; i < 1000; ++i) ++by_vendor[l[r->Pick(RouteRequest{}, l, {0, 1, 2, 3})].vendor];
  EXPECT_NEAR(by_vendor[0] / 1000.0, 0.6, 0.002);
  // One vendor only: the cap cannot hold, routing still works.
  auto r1 = MakeRouter(RoutingKind::kVendorSpread, 0.5);
  EXPECT_EQ(r1->Pick(RouteRequest{}, l, {0, 1}), 1);
}

TEST(Autoscale, DesiredReplicas) {
  AutoscalePolicy p;
  p.target_utilization = 0.5;
  EXPECT_EQ(DesiredReplicas(p, 1, 10, 2, 0, 60), 10);
  EXPECT_EQ(DesiredReplicas(p, 1, 10, 2, 600, 60), 20);  // backlog drained over 60 s
  EXPECT_EQ(DesiredReplicas(p, 11, 10, 2, 0, 60), 11);   // within hysteresis: keep
  EXPECT_EQ(DesiredReplicas(p, 20, 10, 2, 0, 60), 10);   // clearly too many: shrink
  p.max_replicas = 8;
  EXPECT_EQ(DesiredReplicas(p, 1, 10, 2, 0, 60), 8);
}

StreamSpec Base() {
  StreamSpec s;
  s.name = "s";
  s.prompt_tokens.value = 1;
  s.output_tokens.value = 1;
  return s;
}

int64_t CountUntil(const StreamSpec& s, double t_end, uint64_t seed = 1) {
  ArrivalGenerator g(&s, seed, 0);
  int64_t n = 0;
  for (Arrival a = g.Next(); a.time_s < t_end; a = g.Next()) ++n;
  return n;
}

TEST(Arrival, PoissonGrowthDiurnalMmppRates) {
  StreamSpec p = Base();
  p.arrival.rate_per_s = 10;
  EXPECT_NEAR(CountUntil(p, 1e5) / 1e6, 1.0, 0.005);
  // Growth 2x per year: arrivals over a year = rate * Y / ln 2 (integral of 2^(t/Y)).
  p.arrival.rate_per_s = 0.1;
  p.annual_growth = 2;
  const double expect = 0.1 * kSecondsPerYear / std::log(2.0);
  EXPECT_NEAR(CountUntil(p, kSecondsPerYear) / expect, 1.0, 0.01);
  EXPECT_NEAR(MeanRate(p, 0, kSecondsPerYear) * kSecondsPerYear / expect, 1.0, 0.01);
  // Diurnal: zero at night, 2x in the day; weekend half.
  StreamSpec d = Base();
  d.arrival.kind = ArrivalKind::kDiurnal;
  d.arrival.rate_per_s = 5;
  for (int h = 0; h < 24; ++h) d.arrival.daily_shape.push_back(h < 6 ? 0.0 : 2.0);
  d.arrival.weekly_shape = {1, 1, 1, 1, 1, 0.5, 0.5};
  const double week = 7 * 86400.0;
  const double mean = MeanRate(d, 0, week);
  EXPECT_NEAR(CountUntil(d, week) / (mean * week), 1.0, 0.01);
  ArrivalGenerator g(&d, 1, 0);
  for (int i = 0; i < 1000; ++i) {
    double t = g.Next().time_s;
    EXPECT_GT(std::fmod(t, 86400.0), 0.0);
    EXPECT_GT(DiurnalShape(d.arrival, t), 0.0) << t;  // nothing while the shape is zero
  }
  // MMPP: stationary mean rate.
  StreamSpec m = Base();
  m.arrival.kind = ArrivalKind::kMmpp;
  m.arrival.mmpp_rate_per_s[0] = 1;
  m.arrival.mmpp_rate_per_s[1] = 50;
  m.arrival.mmpp_sojourn_s[0] = 100;
  m.arrival.mmpp_sojourn_s[1] = 10;
  const double mm = (100 * 1 + 10 * 50) / 110.0;
  EXPECT_NEAR(MeanRate(m, 0, 1), mm, 1e-12);
  EXPECT_NEAR(CountUntil(m, 1e6) / (mm * 1e6), 1.0, 0.03);
}

TEST(Arrival, TraceReplayScaleOffsetLimitLoop) {
  StreamSpec s = Base();
  s.arrival.kind = ArrivalKind::kTrace;
  s.prompt_tokens.kind = s.output_tokens.kind = TokenDistKind::kFromTrace;
  auto tr = std::make_shared<std::vector<TraceRecord>>();
  for (int i = 0; i < 10; ++i) tr->push_back({i * 1.0, 100 + i, 10 + i});
  s.arrival.trace = tr;
  s.arrival.time_scale = 2;
  s.arrival.start_offset_s = 3;
  s.arrival.limit = 4;
  ArrivalGenerator g(&s, 1, 0);
  for (int i = 0; i < 4; ++i) {
    Arrival a = g.Next();
    EXPECT_EQ(a.time_s, 2.0 * i);
    EXPECT_EQ(a.prompt_tokens, 103 + i);
    EXPECT_EQ(a.output_tokens, 13 + i);
  }
  EXPECT_EQ(g.Next().time_s, kNever);
  EXPECT_NEAR(MeanRate(s, 0, 8), 0.5, 1e-12);
  s.arrival.limit = 0;
  s.arrival.loop = true;
  ArrivalGenerator l(&s, 1, 0);
  double last = 0;
  for (int i = 0; i < 21; ++i) last = l.Next().time_s;
  EXPECT_EQ(last, 3 * 12.0);  // third loop starts at 2 * span (span = 6 * 2 s)
}

}  // namespace
}  // namespace fleetsim::serve

namespace fleetsim::serve {
namespace {

// With equal replicas: scale-up gives DesiredReplicas' count exactly; scale-down keeps the
// smallest count that covers the need, and only when the surplus exceeds the hysteresis
// (measured on capacity, where DesiredReplicas measures it on the rounded-up count).
TEST(Autoscale, PlanReplicasWithEqualReplicas) {
  AutoscalePolicy p;
  p.target_utilization = 0.5;
  p.min_replicas = 1;
  p.max_replicas = 40;
  int checked = 0, shrunk = 0;
  for (int current = 1; current <= 30; ++current) {
    for (double demand = 0.5; demand < 25; demand += 0.7) {
      const double need = demand / p.target_utilization;  // capacity units, 2/s per replica
      const int want = DesiredReplicas(p, current, demand, 2.0, 0, 60);
      const ScalePlan plan = PlanReplicas(p, std::vector<double>(current, 2.0), 0, 2.0, demand, 0, 60);
      const int got = current + plan.add - static_cast<int>(plan.drain.size());
      if (want > current) EXPECT_EQ(got, want) << current << " " << demand;
      EXPECT_GE(got * 2.0, std::min(need, p.max_replicas * 2.0) - 1e-9) << current << " " << demand;
      if (got < current) {
        ++shrunk;
        EXPECT_GT(current * 2.0, need * (1 + p.scale_down_hysteresis)) << current << " " << demand;
        EXPECT_TRUE(got == p.min_replicas || (got - 1) * 2.0 < need) << current << " " << demand;
      }
      ++checked;
    }
  }
  EXPECT_GT(checked, 900);
  EXPECT_GT(shrunk, 100);
}

TEST(Autoscale, PlanReplicasCountsUnequalCapacities) {
  AutoscalePolicy p;
  p.target_utilization = 1.0;
  p.min_replicas = 1;
  // One slow (5/s) and two fast (20/s) replicas, demand 30/s: drain the slow one only.
  ScalePlan plan = PlanReplicas(p, {5, 20, 20}, 0, 5, 30, 0, 60);
  EXPECT_EQ(plan.add, 0);
  ASSERT_EQ(plan.drain.size(), 1u);
  EXPECT_EQ(plan.drain[0], 0);
  // Demand 60/s with 45/s in service and one pending slow replica: 10/s short -> 2 more slow.
  plan = PlanReplicas(p, {5, 20, 20}, 1, 5, 60, 0, 60);
  EXPECT_EQ(plan.add, 2);
  EXPECT_TRUE(plan.drain.empty());
  // A backlog of 600 requests drained over 60 s adds 10/s to the need.
  plan = PlanReplicas(p, {20, 20}, 0, 20, 35, 600, 60);  // need 45/s, have 40/s
  EXPECT_EQ(plan.add, 1);
  // Never below min, never above max.
  p.max_replicas = 3;
  EXPECT_EQ(PlanReplicas(p, {1, 1}, 0, 1, 100, 0, 60).add, 1);
  EXPECT_EQ(PlanReplicas(p, {100}, 0, 100, 0, 0, 60).drain.size(), 0u);
}

}  // namespace
}  // namespace fleetsim::serve
