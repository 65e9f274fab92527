// The run invariants (sim/engine/invariants.h): each violation class is provoked by hand and must
// abort with a message naming the instant and the numbers. The passing side is exercised by every
// controller, CLI and replay test, which run with the checks on (the default).
#include "sim/engine/invariants.h"

#include "gtest/gtest.h"

namespace fleetsim::engine {
namespace {

// Two clusters: hosts 0-1 with 8 accelerators, host 2 with 4.
placement::Occupancy TwoClusters() { return placement::Occupancy({2, 1}, {8, 4}); }

TEST(InvariantsDeathTest, AcceleratorHeldTwice) {
  auto occ = TwoClusters();
  InvariantChecker inv(occ);
  const placement::Placement a{{0, 6}}, b{{0, 4}};
  occ.Hold(a);
  inv.Hold(1, a, 5);
  // Occupancy is bypassed (as a buggy placement would): host 0 now has 10 of 8 held.
  occ.Hold(b);
  EXPECT_DEATH(inv.Hold(2, b, 7.5),
               "invariant violated at t=7.5 s: job 2 took 4 accelerators of host 0: its tenants "
               "now hold 10 of its 8");
}

TEST(InvariantsDeathTest, OccupancyDisagreesWithTenants) {
  auto occ = TwoClusters();
  InvariantChecker inv(occ);
  const placement::Placement a{{2, 2}};
  occ.Hold(a);
  occ.Hold(a);  // counted twice by the occupancy, taken once
  EXPECT_DEATH(inv.Hold(-1, a, 3), "t=3 s: host 2: occupancy counts 4 accelerators held, its "
                                   "tenants hold 2 \\(after replica 0 took 2\\)");
}

TEST(InvariantsDeathTest, JobHoldsTwoPlacements) {
  auto occ = TwoClusters();
  InvariantChecker inv(occ);
  const placement::Placement a{{0, 2}}, b{{1, 2}};
  occ.Hold(a);
  inv.Hold(7, a, 0);
  occ.Hold(b);
  EXPECT_DEATH(inv.Hold(7, b, 1), "t=1 s: job 7 took 2 accelerators while already holding 2");
}

TEST(InvariantsDeathTest, ReleaseOfWhatWasNotHeld) {
  auto occ = TwoClusters();
  InvariantChecker inv(occ);
  const placement::Placement a{{0, 8}}, half{{0, 4}};
  occ.Hold(a);
  inv.Hold(3, a, 0);
  EXPECT_DEATH(inv.Release(4, a, 2), "t=2 s: job 4 gave back accelerators it did not hold");
  occ.Release(half);
  EXPECT_DEATH(inv.Release(3, half, 2), "t=2 s: job 3 gave back 4 accelerators but held 8");
}

TEST(InvariantsDeathTest, OfflineHostHeld) {
  auto occ = TwoClusters();
  InvariantChecker inv(occ);
  occ.SetOnline(1, false);
  const placement::Placement a{{1, 1}};
  occ.Hold(a);
  EXPECT_DEATH(inv.Hold(0, a, 9), "t=9 s: job 0 took accelerators of offline host 1");
}

// A finished run: one completed job, one running, one waiting, one not yet submitted; two
// clusters with a power series whose integral is worked out by hand.
struct Finished {
  placement::Occupancy occ = TwoClusters();
  InvariantChecker inv{occ};
  metrics::RunResult out;
  InvariantChecker::End end{100, 1, 3, 0};
  Finished() {
    auto job = [](int64_t id, double submit, double start, double end_s, metrics::JobStatus st,
                  int64_t acc) {
      metrics::JobRecord r;
      r.id = id;
      r.submit_s = submit;
      r.start_s = start;
      r.end_s = end_s;
      r.status = st;
      r.accelerators = acc;
      return r;
    };
    out.jobs = {job(10, 0, 0, 50, metrics::JobStatus::kCompleted, 8),
                job(11, 0, 50, -1, metrics::JobStatus::kRunning, 12),
                job(12, 20, -1, -1, metrics::JobStatus::kQueued, 16),
                job(13, 200, -1, -1, metrics::JobStatus::kQueued, 1)};
    const placement::Placement a{{0, 8}}, b{{1, 8}, {2, 4}};
    occ.Hold(a);
    inv.Hold(10, a, 0);
    occ.Release(a);
    inv.Release(10, a, 50);
    occ.Hold(b);
    inv.Hold(11, b, 50);
    // Cluster 0: 1000 W over [0, 50), 3000 W over [50, 100] -> 200 kJ; cluster 1: 400 W -> 40 kJ.
    out.samples = {{0, 0, 0, 16, 0, 1000}, {0, 1, 0, 4, 0, 400}, {50, 0, 8, 16, 0, 3000},
                   {100, 0, 8, 16, 0, 3000}, {100, 1, 4, 4, 0, 400}};
    out.cluster_energy_j = {200000, 40000};
  }
};

TEST(InvariantsTest, ConsistentRunPasses) {
  Finished f;
  f.inv.Finish(f.out, f.end);
}

TEST(InvariantsDeathTest, EnergyNotTheIntegralOfPower) {
  Finished f;
  f.out.cluster_energy_j[0] = 200001;
  EXPECT_DEATH(f.inv.Finish(f.out, f.end), "t=100 s: cluster 0: integral of its power series "
                                           "200000 J but its hosts' energy 200001 J");
}

TEST(InvariantsDeathTest, QueueDisagrees) {
  Finished f;
  f.end.queue_length = 2;
  EXPECT_DEATH(f.inv.Finish(f.out, f.end),
               "1 jobs and replicas are waiting but the scheduler's queue has 2");
}

TEST(InvariantsDeathTest, RunningJobWithoutAccelerators) {
  Finished f;
  f.out.jobs[2].status = metrics::JobStatus::kRunning;
  EXPECT_DEATH(f.inv.Finish(f.out, f.end), "job 12 is running and holds 0 of its 16");
}

TEST(InvariantsDeathTest, UnsubmittedJobStarted) {
  Finished f;
  f.out.jobs[3].start_s = 150;
  EXPECT_DEATH(f.inv.Finish(f.out, f.end),
               "job 13 \\(submit 200 s, not yet submitted\\) is queued and started at 150");
}

}  // namespace
}  // namespace fleetsim::engine
