#include <limits>

#include "gtest/gtest.h"
#include "sim/sched/scheduler.h"
#include "tests/sched/driver.h"

namespace fleetsim::sched {
namespace {

JobRequest Job(JobId id, double submit, double est, int64_t acc, std::vector<int> eligible = {0}) {
  JobRequest j;
  j.id = id;
  j.submit_s = submit;
  j.estimate_s = est;
  j.accelerators = acc;
  j.eligible = std::move(eligible);
  return j;
}

TEST(Fcfs, NeverSkipsTheHead) {
  auto s = *MakeScheduler("fcfs");
  // 10 accelerators. A holds 8 for 100 s; B wants 5 (waits); C wants 2 (fits, but FCFS waits).
  auto st = Drive(*s, {Job(1, 0, 100, 8), Job(2, 1, 50, 5), Job(3, 2, 10, 2)},
                  {{1, 100}, {2, 50}, {3, 10}}, FakeClusterView({10}));
  EXPECT_EQ(st[1], 0);
  EXPECT_EQ(st[2], 100);
  EXPECT_EQ(st[3], 100);
}

TEST(Easy, BackfillsWithoutDelayingTheHead) {
  auto s = *MakeScheduler("easy");
  // A: 8 of 10 until 100. B (head) wants 5 -> reserved at 100. C wants 2 for 10 s: ends before
  // the reservation, backfilled at 2. D wants 2 for 200 s: would take the 2 spare now, but at
  // t=100 only 10-5=5 are left for B... extra = 10 - 5 = 5 >= 2, so D backfills too.
  auto st = Drive(*s, {Job(1, 0, 100, 8), Job(2, 1, 50, 5), Job(3, 2, 10, 2), Job(4, 3, 200, 2)},
                  {{1, 100}, {2, 50}, {3, 10}, {4, 200}}, FakeClusterView({10}));
  EXPECT_EQ(st[1], 0);
  EXPECT_EQ(st[3], 2);
  EXPECT_EQ(st[4], 12);  // C's end frees 2 at t=12; D uses extra accelerators only
  EXPECT_EQ(st[2], 100);
}

TEST(Easy, RefusesBackfillThatWouldDelayReservation) {
  auto s = *MakeScheduler("easy");
  // A: 8 of 10 until 100. B (head) wants 10 -> reserved at 100, extra 0. C wants 2 for 200 s:
  // fits now but would still run at 100 -> must wait until after B.
  auto st = Drive(*s, {Job(1, 0, 100, 8), Job(2, 1, 50, 10), Job(3, 2, 200, 2)},
                  {{1, 100}, {2, 50}, {3, 200}}, FakeClusterView({10}));
  EXPECT_EQ(st[2], 100);
  EXPECT_EQ(st[3], 150);
}

TEST(Easy, UsesEstimatesNotRunTimes) {
  auto s = *MakeScheduler("easy");
  // A's estimate is 1000 but it runs 100; C (est 500) may backfill against the estimate-based
  // reservation at 1000 and so starts at 2 even though B actually starts at 100.
  auto st = Drive(*s, {Job(1, 0, 1000, 8), Job(2, 1, 50, 10), Job(3, 2, 500, 2)},
                  {{1, 100}, {2, 50}, {3, 500}}, FakeClusterView({10}));
  EXPECT_EQ(st[3], 2);
  EXPECT_EQ(st[2], 502);
}

TEST(Easy, MultiClusterReservationPicksEarliestCluster) {
  auto s = *MakeScheduler("easy");
  // Two clusters of 4. Job 1 fills cluster 0 until 100, job 2 fills cluster 1 until 50.
  // Job 3 (4, either) reserves cluster 1 at 50; job 4 (2, cluster 0 only) cannot run before 100.
  auto st = Drive(*s,
                  {Job(1, 0, 100, 4, {0}), Job(2, 0, 50, 4, {1}), Job(3, 1, 10, 4, {0, 1}),
                   Job(4, 2, 10, 2, {0})},
                  {{1, 100}, {2, 50}, {3, 10}, {4, 10}}, FakeClusterView({4, 4}));
  EXPECT_EQ(st[3], 50);
  EXPECT_EQ(st[4], 100);
}

// Runs larger than a cluster (StartDecision::parts). Hand schedules; the view's span estimate
// is 1.5 x the single-cluster estimate (FakeClusterView::span_factor).
JobRequest Spanning(JobId id, double submit, double est, int64_t acc, std::vector<int> eligible,
                    std::vector<int> groups) {
  JobRequest j = Job(id, submit, est, acc, std::move(eligible));
  j.span_group = std::move(groups);
  return j;
}

TEST(Span, JobLargerThanEveryClusterStartsOnParts) {
  for (const char* policy : {"fcfs", "easy", "fcfs-het", "easy-het", "ftf"}) {
    auto s = *MakeScheduler(policy);
    // Three clusters of 4, 3 free on cluster 2; job 1 (8) spans: most free first (0, then 1).
    FakeClusterView view({4, 4, 4});
    view.Take(2, 1);
    std::map<JobId, std::vector<StartPart>> parts;
    auto st = Drive(*s, {Spanning(1, 0, 100, 8, {2, 0, 1}, {0, 0, 0})}, {{1, 150}}, view, &parts);
    EXPECT_EQ(st[1], 0) << policy;
    ASSERT_EQ(parts[1].size(), 2u) << policy;
    EXPECT_EQ(parts[1][0].cluster, 0) << policy;
    EXPECT_EQ(parts[1][0].accelerators, 4) << policy;
    EXPECT_EQ(parts[1][1].cluster, 1) << policy;
    EXPECT_EQ(parts[1][1].accelerators, 4) << policy;
  }
}

TEST(Span, OneClusterThatHoldsTheJobIsPreferred) {
  auto s = *MakeScheduler("easy");
  std::map<JobId, std::vector<StartPart>> parts;
  auto st = Drive(*s, {Spanning(1, 0, 100, 6, {0, 1}, {0, 0})}, {{1, 100}}, FakeClusterView({4, 8}),
                  &parts);
  EXPECT_EQ(st[1], 0);
  ASSERT_EQ(parts[1].size(), 1u);
  EXPECT_EQ(parts[1][0].cluster, 1);
}

TEST(Span, DifferentGroupsAreNeverCombined) {
  auto s = *MakeScheduler("fcfs");
  // Clusters 0 and 1 are different groups (e.g. two systems): 4 + 4 never make a run of 8.
  std::map<JobId, std::vector<StartPart>> parts;
  auto st = Drive(*s, {Spanning(1, 0, 100, 8, {0, 1, 2}, {0, 1, 1})}, {{1, 100}},
                  FakeClusterView({4, 4, 4}), &parts);
  ASSERT_EQ(parts[1].size(), 2u);
  EXPECT_EQ(parts[1][0].cluster, 1);
  EXPECT_EQ(parts[1][1].cluster, 2);
}

TEST(Span, EasyReservesASpanningHeadOverItsGroup) {
  auto s = *MakeScheduler("easy");
  // Two clusters of 4. Job 1 holds cluster 0 until 100. Job 2 (8, spans both) is the head: no
  // single cluster ever holds it, so it is reserved over the group at 100 with no extra. Job 3
  // (4 on cluster 1 for 200 s) would still run at 100: it waits. Job 4 (4 on cluster 1 for
  // 50 s) ends before 100: it backfills. Without the group reservation job 3 would start at 2
  // and job 2 at 202.
  auto st = Drive(*s,
                  {Job(1, 0, 100, 4, {0}), Spanning(2, 1, 300, 8, {0, 1}, {0, 0}),
                   Job(3, 2, 200, 4, {1}), Job(4, 3, 50, 4, {1})},
                  {{1, 100}, {2, 300}, {3, 200}, {4, 50}}, FakeClusterView({4, 4}));
  EXPECT_EQ(st[1], 0);
  EXPECT_EQ(st[4], 3);
  EXPECT_EQ(st[2], 100);
  EXPECT_EQ(st[3], 400);
}

TEST(Span, HetPicksTheGroupWhereItFinishesFirst) {
  // Group 0 (clusters 0, 1) first in preference order but slow (estimate 200); group 1
  // (clusters 2, 3) runs it in 100. easy-het takes group 1; easy (first fit) group 0.
  auto job = Spanning(1, 0, 200, 8, {0, 1, 2, 3}, {0, 0, 1, 1});
  job.estimate_by_cluster_s = {200, 200, 100, 100};
  for (auto [policy, first] : {std::pair{"easy-het", 2}, std::pair{"easy", 0}}) {
    auto s = *MakeScheduler(policy);
    std::map<JobId, std::vector<StartPart>> parts;
    Drive(*s, {job}, {{1, 100}}, FakeClusterView({4, 4, 4, 4}), &parts);
    ASSERT_EQ(parts[1].size(), 2u) << policy;
    EXPECT_EQ(parts[1][0].cluster, first) << policy;
  }
}

TEST(Scheduler, UnknownPolicyNamed) {
  auto s = MakeScheduler("lottery");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().message(), "unknown scheduling policy 'lottery' (expected one of: fcfs, easy, fcfs-het, easy-het, ftf)");
}

TEST(Scheduler, PhysicalFreeCapsEstimates) {
  auto s = *MakeScheduler("fcfs");
  FakeClusterView view({10});
  view.Take(0, 10);  // something outside the scheduler holds everything
  JobRequest j = Job(1, 0, 10, 1);
  Decisions d;
  s->OnEvent(Event{EventKind::kJobSubmitted, 0, &j, 0, {}}, view, &d);
  EXPECT_TRUE(d.empty());
  EXPECT_EQ(s->queue_length(), 1u);
}

}  // namespace
}  // namespace fleetsim::sched

namespace fleetsim::sched {
namespace {

// Queues are ordered by priority (higher first), FIFO within a priority: inference replicas
// (priority 100) submitted after queued training jobs start first when room appears.
TEST(PriorityQueue, HigherPriorityStartsFirstFifoWithin) {
  for (const char* policy : {"fcfs", "easy"}) {
    auto s = *MakeScheduler(policy);
    JobRequest a = Job(1, 0, 100, 10), b = Job(2, 1, 50, 6), c = Job(3, 2, 50, 6),
               d = Job(4, 3, 50, 4), e = Job(5, 4, 50, 4);
    d.priority = 100;
    e.priority = 100;
    // At t=100 A frees all 10: D and E (priority 100, FIFO) take 8; B and C wait for them.
    auto st = Drive(*s, {a, b, c, d, e}, {{1, 100}, {2, 50}, {3, 50}, {4, 50}, {5, 50}},
                    FakeClusterView({10}));
    EXPECT_EQ(st[4], 100) << policy;
    EXPECT_EQ(st[5], 100) << policy;
    EXPECT_EQ(st[2], 150) << policy;
    EXPECT_EQ(st[3], 200) << policy;
  }
}

}  // namespace
}  // namespace fleetsim::sched

namespace fleetsim::sched {
namespace {

// A killed job goes back to its original place in the queue (by priority, then submission
// order), not behind jobs submitted after it: FCFS restarts it before B and C.
TEST(Scheduler, KilledJobReturnsToItsPlaceInTheQueue) {
  for (const char* policy : {"fcfs", "easy"}) {
    auto s = *MakeScheduler(policy);
    FakeClusterView view({10});
    Decisions d;
    JobRequest a = Job(1, 0, 100, 10), b = Job(2, 1, 100, 10), c = Job(3, 2, 100, 10);
    a.seq = 0, b.seq = 1, c.seq = 2;
    s->OnEvent(Event{EventKind::kJobSubmitted, 0, &a, 0, {}}, view, &d);
    ASSERT_EQ(d.starts.size(), 1u);
    view.Take(0, 10);
    d.clear();
    s->OnEvent(Event{EventKind::kJobSubmitted, 1, &b, 0, {}}, view, &d);
    s->OnEvent(Event{EventKind::kJobSubmitted, 2, &c, 0, {}}, view, &d);
    EXPECT_TRUE(d.empty());
    // A is killed at t = 5 (a host failure): its accelerators are free again.
    view.Give(0, 10);
    KillInfo k{KillReason::kHostFailure, 5, 5, 100};
    s->OnEvent(Event{EventKind::kJobKilled, 5, &a, 1, k}, view, &d);
    ASSERT_EQ(d.starts.size(), 1u) << policy;
    EXPECT_EQ(d.starts[0].job, 1) << policy;
    EXPECT_EQ(s->queue_length(), 2u);
  }
}

// Replicas hold their accelerators until released: EASY never counts them as free in the
// future, so a reservation behind a replica is not made on an invented end time.
TEST(Scheduler, EasyCountsReplicasAsHeldForever) {
  auto s = *MakeScheduler("easy");
  FakeClusterView view({10});
  Decisions d;
  JobRequest rep = Job(-1, 0, 1, 6);
  rep.kind = RequestKind::kReplica;
  rep.estimate_s = std::numeric_limits<double>::infinity();
  rep.seq = 0;
  s->OnEvent(Event{EventKind::kJobSubmitted, 0, &rep, 0, {}}, view, &d);
  ASSERT_EQ(d.starts.size(), 1u);
  view.Take(0, 6);
  d.clear();
  // Head needs 8: never fits while the replica holds 6, so no reservation can be honoured;
  // a 4-accelerator job of any length backfills (it cannot delay a start that never comes).
  JobRequest head = Job(1, 1, 100, 8), small = Job(2, 2, 1e6, 4);
  head.seq = 1, small.seq = 2;
  s->OnEvent(Event{EventKind::kJobSubmitted, 1, &head, 0, {}}, view, &d);
  s->OnEvent(Event{EventKind::kJobSubmitted, 2, &small, 0, {}}, view, &d);
  ASSERT_EQ(d.starts.size(), 1u);
  EXPECT_EQ(d.starts[0].job, 2);
}

}  // namespace
}  // namespace fleetsim::sched

namespace fleetsim::sched {
namespace {

JobRequest HetJob(JobId id, double submit, int64_t acc, std::vector<int> eligible,
                  std::vector<double> est) {
  JobRequest j;
  j.id = id;
  j.submit_s = submit;
  j.accelerators = acc;
  j.eligible = std::move(eligible);
  j.estimate_by_cluster_s = std::move(est);
  j.estimate_s = j.estimate_by_cluster_s[0];
  return j;
}

// Finish-time fairness (Themis, NSDI 2020): rho = (wait + isolated time) / isolated time; the
// job furthest behind its fair finish goes first.
TEST(Ftf, ShortJobThatWaitedGoesBeforeEarlierLongJob) {
  // One cluster of 10. A holds 8 until 100. B (t=1, 10 acc, est 1000) and C (t=2, 10 acc,
  // est 10) wait. At t=100: rho_B = (99 + 1000) / 1000 = 1.099, rho_C = (98 + 10) / 10 = 10.8:
  // C first (100), B after C (110). EASY keeps submission order: B at 100, C at 1100.
  std::vector<JobRequest> jobs = {Job(1, 0, 100, 8), Job(2, 1, 1000, 10), Job(3, 2, 10, 10)};
  std::map<JobId, double> run = {{1, 100}, {2, 1000}, {3, 10}};
  auto ftf = *MakeScheduler("ftf");
  auto st = Drive(*ftf, jobs, run, FakeClusterView({10}));
  EXPECT_EQ(st[3], 100);
  EXPECT_EQ(st[2], 110);
  auto easy = *MakeScheduler("easy");
  auto se = Drive(*easy, jobs, run, FakeClusterView({10}));
  EXPECT_EQ(se[2], 100);
  EXPECT_EQ(se[3], 1100);
}

TEST(Ftf, NormalizesByTheFastestSystemNotTheFirstEligible) {
  // Clusters 0 and 1 of 10. A1 holds cluster 0 until 100, A2 cluster 1 until 1000.
  // Q (t=40) runs 50 s on either; P (t=50) runs 10 s on cluster 0 and 1000 s on cluster 1, and
  // lists cluster 1 first. At t=100 only cluster 0 is free: rho_P = (50 + 10) / 10 = 6 (best
  // estimate 10, not the first-listed 1000, which would give 1.05) and rho_Q = (60 + 50) / 50 =
  // 2.2, so P starts at 100 on cluster 0 and Q at 110 (cluster 0 again: it finishes first there).
  std::vector<JobRequest> jobs = {HetJob(1, 0, 10, {0}, {100}), HetJob(2, 0, 10, {1}, {1000}),
                                  HetJob(3, 40, 10, {0, 1}, {50, 50}),
                                  HetJob(4, 50, 10, {1, 0}, {1000, 10})};
  std::map<JobId, double> run = {{1, 100}, {2, 1000}, {3, 50}, {4, 10}};
  auto ftf = *MakeScheduler("ftf");
  auto st = Drive(*ftf, jobs, run, FakeClusterView({10, 10}));
  EXPECT_EQ(st[4], 100);
  EXPECT_EQ(st[3], 110);
  // easy-het serves Q (earlier) first: Q at 100, P at 150.
  auto het = *MakeScheduler("easy-het");
  auto sh = Drive(*het, jobs, run, FakeClusterView({10, 10}));
  EXPECT_EQ(sh[3], 100);
  EXPECT_EQ(sh[4], 150);
}

TEST(Ftf, PriorityStillComesFirst) {
  // Replicas (priority 100) go before any training job, whatever its rho.
  std::vector<JobRequest> jobs = {Job(1, 0, 100, 10), Job(2, 1, 1, 10), Job(3, 50, 1000, 10)};
  jobs[2].priority = 100;
  auto ftf = *MakeScheduler("ftf");
  auto st = Drive(*ftf, jobs, {{1, 100}, {2, 1}, {3, 1000}}, FakeClusterView({10}));
  EXPECT_EQ(st[3], 100);
  EXPECT_EQ(st[2], 1100);
}

}  // namespace
}  // namespace fleetsim::sched
