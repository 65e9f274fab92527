// The cap policies (sim/power/cap_policy.h) driven without an engine: hand-worked cases for each
// lever and their order, and randomized states where Reduce must reach the cap or the floor.
#include "sim/power/cap_policy.h"

#include <limits>
#include <random>

#include "gtest/gtest.h"

namespace fleetsim::power {
namespace {

// Job A (priority 1, started first) and job B (priority 0, started later): B gives way first.
SiteState TwoJobs(double cap_w, double power_w) {
  SiteState s;
  s.cap_w = cap_w;
  s.power_w = power_w;
  s.jobs.push_back({/*id=*/1, /*priority=*/1, /*start_seq=*/0, /*pstate=*/0, false, {30, 20, 10}});
  s.jobs.push_back({/*id=*/2, /*priority=*/0, /*start_seq=*/1, /*pstate=*/0, false, {40, 25, 15}});
  return s;
}

PowerPlan Plan(std::vector<Lever> levers) {
  PowerPlan p;
  p.levers = std::move(levers);
  return p;
}

TEST(CapPolicy, UnderTheCapNothingHappens) {
  sched::Decisions d;
  EXPECT_EQ(Reduce(TwoJobs(100, 100), Plan({Lever::kShed}), &d), 100);
  EXPECT_TRUE(d.empty());
}

TEST(CapPolicy, DvfsSlowsTheLowestPriorityFirstThenTheNext) {
  // 130 W against 100: B to its slowest pstate saves 25 (105 W), then A to pstate 1 (95 W).
  sched::Decisions d;
  EXPECT_DOUBLE_EQ(Reduce(TwoJobs(100, 130), Plan({Lever::kDvfs, Lever::kShed}), &d), 95);
  ASSERT_EQ(d.pstates.size(), 2u);
  EXPECT_EQ(d.pstates[0].job, 2);
  EXPECT_EQ(d.pstates[0].pstate, 2);
  EXPECT_EQ(d.pstates[1].job, 1);
  EXPECT_EQ(d.pstates[1].pstate, 1);
  EXPECT_TRUE(d.preemptions.empty());
}

TEST(CapPolicy, DvfsStopsAtTheFastestPstateThatFits) {
  // 110 W against 100: B at pstate 1 (25 W instead of 40) is enough.
  sched::Decisions d;
  EXPECT_DOUBLE_EQ(Reduce(TwoJobs(100, 110), Plan({Lever::kDvfs}), &d), 95);
  ASSERT_EQ(d.pstates.size(), 1u);
  EXPECT_EQ(d.pstates[0].pstate, 1);
}

TEST(CapPolicy, ShedPreemptsLowestPriorityLatestStartedFirst) {
  sched::Decisions d;
  EXPECT_DOUBLE_EQ(Reduce(TwoJobs(100, 130), Plan({Lever::kAdmission, Lever::kShed}), &d), 90);
  ASSERT_EQ(d.preemptions.size(), 1u);
  EXPECT_EQ(d.preemptions[0].job, 2);
}

TEST(CapPolicy, ShedIsTheLastResortEvenWhenNotListed) {
  // Only dvfs: at the slowest pstates 10 + 15 = 25 W of 75 W still leaves 105 W over 60.
  sched::Decisions d;
  SiteState s = TwoJobs(60, 130);
  const double after = Reduce(s, Plan({Lever::kDvfs}), &d);
  EXPECT_LE(after, 60);
  EXPECT_FALSE(d.preemptions.empty());
  // A job shed carries no pstate decision.
  for (const auto& p : d.pstates) {
    for (const auto& x : d.preemptions) EXPECT_NE(p.job, x.job);
  }
}

TEST(CapPolicy, ThrottleGoesToTheShareThatRemovesTheExcess) {
  SiteState s = TwoJobs(100, 110);
  s.deployments.push_back({/*deployment=*/0, /*priority=*/0, /*share=*/1.0, /*full=*/40});
  sched::Decisions d;
  EXPECT_DOUBLE_EQ(Reduce(s, Plan({Lever::kThrottle, Lever::kShed}), &d), 100);
  ASSERT_EQ(d.throttles.size(), 1u);
  EXPECT_DOUBLE_EQ(d.throttles[0].power_share, 0.75);
  EXPECT_TRUE(d.preemptions.empty());
}

TEST(CapPolicy, ThrottleStopsAtTheMinimumShareThenSheds) {
  SiteState s = TwoJobs(100, 130);
  s.deployments.push_back({0, 0, 1.0, 40});
  sched::Decisions d;
  EXPECT_DOUBLE_EQ(Reduce(s, Plan({Lever::kThrottle}), &d), 70);  // 130 - 20 - 40
  ASSERT_EQ(d.throttles.size(), 1u);
  EXPECT_DOUBLE_EQ(d.throttles[0].power_share, kMinThrottleShare);
  ASSERT_EQ(d.preemptions.size(), 1u);
}

TEST(CapPolicy, RestoreRaisesOnlyWhatEnforcementLowered) {
  SiteState s;
  s.cap_w = 100;
  s.power_w = 80;
  s.jobs.push_back({1, 0, 0, 2, /*restorable=*/true, {30, 20, 10}});   // 80 -> 100 at pstate 0
  s.jobs.push_back({2, 5, 1, 2, /*restorable=*/false, {30, 20, 10}});  // the scheduler's choice
  sched::Decisions d;
  EXPECT_DOUBLE_EQ(Restore(s, Plan({Lever::kDvfs}), &d), 100);
  ASSERT_EQ(d.pstates.size(), 1u);
  EXPECT_EQ(d.pstates[0].job, 1);
  EXPECT_EQ(d.pstates[0].pstate, 0);
}

TEST(CapPolicy, RestoreGivesPartialHeadroomToAThrottledDeployment) {
  SiteState s;
  s.cap_w = 100;
  s.power_w = 90;
  s.deployments.push_back({0, 0, 0.5, 40});
  sched::Decisions d;
  EXPECT_DOUBLE_EQ(Restore(s, Plan({Lever::kThrottle}), &d), 100);
  ASSERT_EQ(d.throttles.size(), 1u);
  EXPECT_DOUBLE_EQ(d.throttles[0].power_share, 0.75);
}

// POLCA's two steps (Patel et al., "POLCA: Power Oversubscription in LLM Cloud Providers",
// ASPLOS'24): low priority slowed above 80% of the cap, everything above 89%; here with a release
// margin of 5% of the cap, worked by hand on a 100 W cap.
TEST(CapPolicy, ThresholdsEngageAboveAndReleaseBelowTheirMargin) {
  PowerPlan p = Plan({Lever::kThrottle});
  p.thresholds = {{0.80, /*max_priority=*/0, /*share=*/0.7}, {0.89, 1000000, 0.6}};
  p.release_margin = 0.05;
  std::vector<char> e;
  UpdateThresholds(79, 100, p, &e);
  EXPECT_EQ(e, (std::vector<char>{0, 0}));
  EXPECT_EQ(ThresholdShare(0, p, e), 1.0);
  UpdateThresholds(85, 100, p, &e);  // above 80: low priority only
  EXPECT_EQ(e, (std::vector<char>{1, 0}));
  EXPECT_EQ(ThresholdShare(0, p, e), 0.7);
  EXPECT_EQ(ThresholdShare(5, p, e), 1.0);
  UpdateThresholds(90, 100, p, &e);  // above 89: everything, the lowest share wins
  EXPECT_EQ(e, (std::vector<char>{1, 1}));
  EXPECT_EQ(ThresholdShare(0, p, e), 0.6);
  EXPECT_EQ(ThresholdShare(5, p, e), 0.6);
  UpdateThresholds(85, 100, p, &e);  // within 84..89: the second step holds
  EXPECT_EQ(e, (std::vector<char>{1, 1}));
  UpdateThresholds(83.9, 100, p, &e);  // below 84 it releases; the first holds down to 75
  EXPECT_EQ(e, (std::vector<char>{1, 0}));
  UpdateThresholds(75, 100, p, &e);
  EXPECT_EQ(e, (std::vector<char>{1, 0}));
  UpdateThresholds(74.9, 100, p, &e);
  EXPECT_EQ(e, (std::vector<char>{0, 0}));
  UpdateThresholds(1e9, std::numeric_limits<double>::infinity(), p, &e);  // uncapped: none
  EXPECT_EQ(e, (std::vector<char>{0, 0}));
}

TEST(CapPolicy, RestoreRaisesAThrottledDeploymentOnlyToItsThresholdShare) {
  // 60 W under a 100 W cap, a deployment at share 0.5 of 40 W whose thresholds allow 0.7: the
  // 40 W of room would take it to 1, the threshold stops it at 0.7 (+8 W).
  SiteState s;
  s.cap_w = 100;
  s.power_w = 60;
  s.deployments.push_back({0, 0, 0.5, 40, /*max_share=*/0.7});
  sched::Decisions d;
  EXPECT_DOUBLE_EQ(Restore(s, Plan({Lever::kThrottle}), &d), 68);
  ASSERT_EQ(d.throttles.size(), 1u);
  EXPECT_DOUBLE_EQ(d.throttles[0].power_share, 0.7);
}

TEST(CapPolicy, LeverNamesRoundTrip) {
  for (const auto& n : LeverNames()) {
    auto l = LeverFromName(n);
    ASSERT_TRUE(l.ok());
    EXPECT_EQ(LeverNames()[static_cast<int>(*l)], n);
  }
  EXPECT_FALSE(LeverFromName("dvfs2").ok());
}

// Randomized: for any state and any lever set, Reduce ends at or under the cap, or at the floor
// (every job shed and every deployment at the minimum share when throttling is allowed).
TEST(CapPolicy, ReduceAlwaysReachesTheCapOrTheFloor) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(0, 1);
  const std::vector<std::vector<Lever>> sets = {
      {Lever::kAdmission, Lever::kShed}, {Lever::kDvfs}, {Lever::kThrottle},
      {Lever::kThrottle, Lever::kDvfs, Lever::kShed}, {Lever::kDvfs, Lever::kThrottle}};
  for (int trial = 0; trial < 2000; ++trial) {
    SiteState s;
    double jobs_w = 0, deps_w = 0;
    const int nj = static_cast<int>(u(rng) * 6), nd = static_cast<int>(u(rng) * 3);
    for (int j = 0; j < nj; ++j) {
      JobTenant t;
      t.id = j;
      t.priority = static_cast<int>(u(rng) * 3);
      t.start_seq = j;
      double w = 10 + 90 * u(rng);
      for (int p = 0; p < 3; ++p, w *= 0.3 + 0.6 * u(rng)) t.facility_w.push_back(w);
      t.pstate = static_cast<int>(u(rng) * 3);
      jobs_w += t.facility_w[t.pstate];
      s.jobs.push_back(t);
    }
    for (int d = 0; d < nd; ++d) {
      DeploymentTenant t{d, static_cast<int>(u(rng) * 3), 0.5 + 0.5 * u(rng), 100 * u(rng)};
      deps_w += t.share * t.full_dynamic_w;
      s.deployments.push_back(t);
    }
    const double idle_w = 50 * u(rng);
    s.power_w = idle_w + jobs_w + deps_w;
    s.cap_w = s.power_w * (0.2 + u(rng));
    const auto& levers = sets[trial % sets.size()];
    sched::Decisions d;
    const double after = Reduce(s, Plan(levers), &d);
    // Recompute the power from the decisions, independently of Reduce's own sum.
    double check = idle_w;
    for (const auto& t : s.jobs) {
      bool shed = false;
      int p = t.pstate;
      for (const auto& x : d.preemptions) shed = shed || x.job == t.id;
      for (const auto& x : d.pstates) {
        if (x.job == t.id) p = x.pstate;
      }
      if (!shed) check += t.facility_w[p];
    }
    bool deps_at_floor = true;
    for (const auto& t : s.deployments) {
      double share = t.share;
      for (const auto& x : d.throttles) {
        if (x.deployment == t.deployment) share = x.power_share;
      }
      check += share * t.full_dynamic_w;
      const bool throttles = Plan(levers).Has(Lever::kThrottle);
      if (throttles && share > kMinThrottleShare + 1e-12) deps_at_floor = false;
    }
    EXPECT_NEAR(after, check, 1e-9 * s.power_w) << "trial " << trial;
    if (check > s.cap_w * (1 + 1e-12)) {
      EXPECT_EQ(d.preemptions.size(), s.jobs.size()) << "trial " << trial;
      EXPECT_TRUE(deps_at_floor) << "trial " << trial;
    }
  }
}

}  // namespace
}  // namespace fleetsim::power
