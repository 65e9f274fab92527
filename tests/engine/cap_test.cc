// Power caps enforced by the controller (sim/power/cap_policy.h), driven without SimGrid: the
// invariant "committed facility power never above the cap in force" checked at every instant
// (every change point of the power series) on randomized workloads with cap drops and rises, for
// every lever set; a capped site queues longer than the same site uncapped; DVFS re-times work;
// a control delay lets the cap be overshot for exactly the delay.
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "sim/engine/controller.h"
#include "tests/engine/test_fleet.h"
#include "tests/serve/streams.h"

namespace fleetsim::engine {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// The pstates of every test cluster: speed 1, 0.7, 0.4; host power idle 500 W, full 2500 /
// 1500 / 900 W (two-value form: epsilon = idle), 8 hosts x 4 accelerators.
platform::Cluster CapCluster(const std::string& name, const std::string& site) {
  return testing::HgxCluster(name, site, 4, 8,
                             {{100, 500, 500, 2500}, {70, 450, 450, 1500}, {40, 400, 400, 900}});
}

// One site (PUE 1.2, cap 200 kW from the platform) with two clusters that share its cap.
platform::Fleet CappedFleet() {
  platform::Fleet f;
  f.clusters = {CapCluster("s.a", "s"), CapCluster("s.b", "s")};
  f.sites.push_back(platform::Site{"s", "p", "here", 200000, 1.2, {0, 1}});
  return f;
}

// Two sites: s (PUE 1.2, clusters s.a and s.b) and t (PUE 1.5, cluster t.a), uncapped by the
// platform. Idle floors: s.a and s.b 4.8 kW each, t.a 6 kW; one accelerator at pstate 0 commits
// 600 W at s and 750 W at t.
platform::Fleet TwoSiteFleet() {
  platform::Fleet f;
  f.clusters = {CapCluster("s.a", "s"), CapCluster("s.b", "s"), CapCluster("t.a", "t")};
  f.sites.push_back(platform::Site{"s", "p", "here", 0, 1.2, {0, 1}});
  f.sites.push_back(platform::Site{"t", "p", "there", 0, 1.5, {2}});
  return f;
}

// One job of `accelerators` and `run_s` seconds submitted at 0.
workload::Workload OneJob(int64_t accelerators, double run_s, int priority = 0) {
  workload::Workload wl;
  workload::JobSpec j;
  j.id = 1;
  j.run_s = j.estimate_s = run_s;
  j.accelerators = accelerators;
  j.priority = priority;
  wl.jobs.push_back(j);
  return wl;
}

// n one-accelerator jobs of 1000 s, any cluster.
workload::Workload SmallJobs(int n) {
  workload::Workload wl;
  for (int i = 0; i < n; ++i) {
    workload::JobSpec j;
    j.id = i;
    j.run_s = j.estimate_s = 1000;
    j.accelerators = 1;
    wl.jobs.push_back(j);
  }
  return wl;
}

workload::Workload RandomJobs(uint64_t seed, int n, double mean_gap_s = 100) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  workload::Workload wl;
  double t = 0;
  for (int i = 0; i < n; ++i) {
    workload::JobSpec j;
    j.id = i;
    t += 2 * mean_gap_s * u(rng);
    j.submit_s = std::floor(t);
    j.run_s = std::floor(100 + 3000 * u(rng));
    j.estimate_s = j.run_s * 1.5;
    j.accelerators = 1 + static_cast<int64_t>(u(rng) * 31);
    j.priority = static_cast<int>(u(rng) * 3);
    wl.jobs.push_back(j);
  }
  return wl;
}

struct Outcome {
  metrics::RunResult result;
  double max_excess_w = -kInf;  // max over instants of committed - cap (floor excluded)
  int instants = 0;
};

Outcome RunCapped(const workload::Workload& wl, const power::PowerPlan& plan,
                  const platform::Fleet& fleet = CappedFleet(), const std::string& policy = "easy") {
  EngineConfig cfg;
  cfg.platform_path = "capped";
  cfg.scheduler = policy;
  cfg.progress = false;
  cfg.power = &plan;
  auto c = Controller::Create(cfg, wl, fleet);
  EXPECT_TRUE(c.ok()) << c.status();
  Outcome o;
  if (!c.ok()) return o;
  double last = 0;
  for (double t = (*c)->NextTime(); t < kInf; t = (*c)->NextTime()) {
    (*c)->RunInstant(t);
    last = t;
    ++o.instants;
    // Independently of the controller's own check: committed power against the cap in force,
    // in every cap domain (sites, clusters, the fleet).
    for (int d = 0; d < (*c)->num_domains(); ++d) {
      const double excess = (*c)->domain_power_w(d) - (*c)->domain_cap_w(d);
      if (excess > o.max_excess_w) o.max_excess_w = excess;
    }
  }
  (*c)->Finish(last, &o.result);
  return o;
}

power::CapStep Step(power::CapScope scope, const std::string& name, double t, double w) {
  power::CapStep s;
  s.scope = scope;
  s.site = name;
  s.time_s = t;
  s.cap_w = w;
  s.where = "test";
  return s;
}

// Caps of site s at the given (time, watts) steps.
power::PowerPlan PlanWith(std::vector<power::Lever> levers, std::vector<std::pair<double, double>> caps) {
  power::PowerPlan p;
  p.levers = std::move(levers);
  for (auto [t, w] : caps) p.caps.push_back(Step(power::CapScope::kSite, "s", t, w));
  return p;
}

TEST(Caps, NeverAboveTheCapAtAnyInstantForEveryLeverSet) {
  using L = power::Lever;
  const std::vector<std::vector<L>> sets = {
      {L::kAdmission, L::kShed}, {L::kAdmission, L::kDvfs, L::kShed},
      {L::kAdmission, L::kDvfs}, {L::kAdmission, L::kThrottle, L::kDvfs, L::kShed}};
  int64_t shed = 0, slowed = 0;
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    const auto wl = RandomJobs(seed, 150);
    // The cap drops to 40 kW (below the 9.6 kW idle floor plus a few jobs), rises, drops again.
    std::mt19937_64 rng(seed * 31);
    std::uniform_real_distribution<double> u(0, 1);
    std::vector<std::pair<double, double>> caps;
    for (int k = 0; k < 8; ++k) caps.push_back({std::floor(u(rng) * 30000), 20000 + 160000 * u(rng)});
    caps.push_back({40000, 0});  // uncapped at the end, so every job can finish
    for (const auto& levers : sets) {
      const auto o = RunCapped(wl, PlanWith(levers, caps));
      EXPECT_LE(o.max_excess_w, 200000 * 1e-9) << "seed " << seed;
      for (const auto& x : o.result.site_samples) {
        if (x.power_cap_w > 0) {
          EXPECT_LE(x.committed_power_w, x.power_cap_w * (1 + 1e-9)) << "t=" << x.time_s;
        }
        EXPECT_LE(x.facility_power_w, x.committed_power_w * (1 + 1e-12) + 1e-9);
      }
      int64_t done = 0;
      for (const auto& j : o.result.jobs) {
        done += j.status == metrics::JobStatus::kCompleted;
        shed += j.preemptions;
      }
      EXPECT_EQ(done, 150) << "every job still completes";
      slowed += o.result.site_samples.back().dvfs_changes;
    }
  }
  EXPECT_GT(shed, 0) << "the cap drops must have shed work somewhere";
  EXPECT_GT(slowed, 0) << "DVFS must have acted somewhere";
}

TEST(Caps, ACappedSiteQueuesLongerThanTheSameSiteUncapped) {
  // Offered load about 0.5 of the 64 accelerators; a 30 kW cap leaves power for 34 of them.
  const auto wl = RandomJobs(3, 400, 800);
  auto mean_wait = [](const Outcome& o) {
    double w = 0;
    for (const auto& j : o.result.jobs) w += j.start_s - j.submit_s;
    return w / o.result.jobs.size();
  };
  power::PowerPlan uncapped = PlanWith({power::Lever::kAdmission}, {{0, 0}});
  power::PowerPlan capped = PlanWith({power::Lever::kAdmission}, {{0, 30000}});
  const auto a = RunCapped(wl, uncapped), b = RunCapped(wl, capped);
  EXPECT_GT(mean_wait(b), 2 * mean_wait(a)) << mean_wait(a) << " vs " << mean_wait(b);
  double peak_w = 0;
  for (const auto& x : b.result.site_samples) peak_w = std::max(peak_w, x.committed_power_w);
  EXPECT_LE(peak_w, 30000 * (1 + 1e-9));
  EXPECT_GT(peak_w, 30000 - 600 * 32) << "the cap binds";
  EXPECT_LE(b.max_excess_w, 0 + 1e-3);
}

TEST(Caps, AdmissionFillsTheCapExactlyAcrossClustersOfOneSite) {
  // 64 one-accelerator jobs, both clusters: each accelerator commits 500 W x 1.2 = 600 W above
  // the 9.6 kW idle floor. A 30 kW cap leaves 20.4 kW: exactly 34 jobs fit at once.
  const workload::Workload wl = SmallJobs(64);
  EngineConfig cfg;
  cfg.platform_path = "capped";
  cfg.scheduler = "easy";
  cfg.progress = false;
  const auto plan = PlanWith({power::Lever::kAdmission}, {{0, 30000}});
  cfg.power = &plan;
  auto c = Controller::Create(cfg, wl, CappedFleet());
  ASSERT_TRUE(c.ok());
  (*c)->RunInstant(0);
  int running = 0;
  for (const auto& r : (*c)->records()) running += r.status == metrics::JobStatus::kRunning;
  EXPECT_EQ(running, 34);
  EXPECT_NEAR((*c)->site_power_w(0), 9600 + 34 * 600, 1e-6);
}

TEST(Caps, DvfsRetimesAndRestoresWhenTheCapRises) {
  // One 32-accelerator job of 1000 s on cluster a. At t=100 the cap drops so that only pstate 1
  // fits; at t=400 it rises again. Work: 100 s at speed 1, 300 s at 0.7 (210 s of work), then
  // the remaining 690 s at speed 1: ends at 1090 s.
  const auto wl = OneJob(32, 1000);
  // Idle floor 16 x 500 x 1.2 = 9.6 kW. The job at pstate 0 adds 8 x 2000 x 1.2 = 19.2 kW,
  // at pstate 1: 8 x (1500 - 450) x 1.2 + 8 x (450 - 500) x 1.2 = 9.6 kW.
  const auto plan = PlanWith({power::Lever::kAdmission, power::Lever::kDvfs, power::Lever::kShed},
                             {{100, 20000}, {400, 0}});
  const auto o = RunCapped(wl, plan);
  ASSERT_EQ(o.result.jobs.size(), 1u);
  EXPECT_NEAR(o.result.jobs[0].end_s, 1090, 1e-9);
  EXPECT_EQ(o.result.jobs[0].preemptions, 0);
  EXPECT_EQ(o.result.site_samples.back().dvfs_changes, 2);
  EXPECT_LE(o.max_excess_w, 1e-6);
}

TEST(Caps, DvfsAtAdmissionStartsWorkAtTheFastestPstateThatFits) {
  // The job of the test above under a 20 kW cap from t = 0: at pstate 0 it would commit 28.8 kW,
  // at pstate 1 19.2 kW. With DVFS it starts at once at pstate 1 and goes back to pstate 0 when
  // the cap is lifted at t = 300: 300 s at 0.7 (210 s of work), then 790 s: ends at 1090 s.
  // With admission alone it waits for the cap to lift: 300 + 1000 s.
  const auto wl = OneJob(32, 1000);
  const auto dvfs = RunCapped(wl, PlanWith({power::Lever::kAdmission, power::Lever::kDvfs},
                                           {{0, 20000}, {300, 0}}));
  ASSERT_EQ(dvfs.result.jobs.size(), 1u);
  EXPECT_DOUBLE_EQ(dvfs.result.jobs[0].start_s, 0);
  EXPECT_NEAR(dvfs.result.jobs[0].end_s, 1090, 1e-9);
  EXPECT_EQ(dvfs.result.site_samples.back().dvfs_changes, 2);  // down at the start, back up
  EXPECT_LE(dvfs.max_excess_w, 1e-6);
  const auto& first = dvfs.result.site_samples.front();
  ASSERT_EQ(first.time_s, 0);
  EXPECT_EQ(std::vector<int64_t>(first.accelerators_by_pstate.begin(),
                                 first.accelerators_by_pstate.end()),
            (std::vector<int64_t>{0, 32, 0}));
  EXPECT_EQ(first.jobs_slowed, 1);
  EXPECT_NEAR(first.committed_power_w, 19200, 1e-6);
  const auto wait = RunCapped(wl, PlanWith({power::Lever::kAdmission}, {{0, 20000}, {300, 0}}));
  EXPECT_DOUBLE_EQ(wait.result.jobs[0].start_s, 300);
  EXPECT_DOUBLE_EQ(wait.result.jobs[0].end_s, 1300);
}

TEST(Caps, ShedJobsReturnToTheQueueAndFinish) {
  workload::Workload wl;
  for (int i = 0; i < 2; ++i) {
    workload::JobSpec j;
    j.id = i;
    j.run_s = j.estimate_s = 1000;
    j.accelerators = 32;
    j.priority = i;  // job 1 has the higher priority: job 0 is shed
    wl.jobs.push_back(j);
  }
  const auto plan = PlanWith({power::Lever::kAdmission, power::Lever::kShed}, {{100, 30000}, {500, 0}});
  const auto o = RunCapped(wl, plan);
  std::map<int64_t, metrics::JobRecord> by_id;
  for (const auto& r : o.result.jobs) by_id[r.id] = r;
  EXPECT_EQ(by_id[0].preemptions, 1);
  EXPECT_EQ(by_id[1].preemptions, 0);
  EXPECT_DOUBLE_EQ(by_id[1].end_s, 1000);
  EXPECT_DOUBLE_EQ(by_id[0].lost_work_s, 100);    // no checkpoints: the attempt's work is lost
  EXPECT_DOUBLE_EQ(by_id[0].end_s, 1500);         // restarted when the cap went away at 500 s
  EXPECT_EQ(o.result.site_samples.back().shed_jobs, 1);
}

TEST(Caps, ControlDelayOvershootsForExactlyTheDelay) {
  const auto wl = OneJob(32, 1000);
  auto plan = PlanWith({power::Lever::kAdmission, power::Lever::kShed}, {{100, 20000}});
  plan.control_delay_s = 40;
  const auto o = RunCapped(wl, plan);
  // Over the cap from 100 s to 140 s, then shed; it never fits again under 20 kW (28.8 kW).
  double over_s = 0;
  const auto& ss = o.result.site_samples;
  for (size_t i = 0; i + 1 < ss.size(); ++i) {
    if (ss[i].power_cap_w > 0 && ss[i].committed_power_w > ss[i].power_cap_w) {
      over_s += ss[i + 1].time_s - ss[i].time_s;
    }
  }
  EXPECT_DOUBLE_EQ(over_s, 40);
  EXPECT_EQ(o.result.jobs[0].preemptions, 1);
}

// ---- Cap domains: clusters and the fleet (power/cap_policy.h) ----

TEST(CapDomains, NeverAboveAnyDomainCapWithClusterAndFleetCaps) {
  // The invariant of the first test for every domain at once: caps on site s, on clusters s.a
  // and t.a and on the fleet, each dropping and rising at random instants (always above its
  // idle floor: s 9.6 kW, s.a 4.8 kW, t.a 6 kW, fleet 15.6 kW), then lifted.
  using L = power::Lever;
  using S = power::CapScope;
  const std::vector<std::vector<L>> sets = {
      {L::kAdmission, L::kShed}, {L::kAdmission, L::kDvfs, L::kShed}, {L::kAdmission, L::kDvfs}};
  int64_t domain_shed = 0, domain_dvfs = 0, domain_rows = 0;
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    const auto wl = RandomJobs(seed, 150, 70);
    std::mt19937_64 rng(seed * 17);
    std::uniform_real_distribution<double> u(0, 1);
    std::vector<power::CapStep> caps;
    for (int k = 0; k < 6; ++k) {
      caps.push_back(Step(S::kSite, "s", std::floor(u(rng) * 30000), 12000 + 60000 * u(rng)));
      caps.push_back(Step(S::kCluster, "s.a", std::floor(u(rng) * 30000), 6000 + 20000 * u(rng)));
      caps.push_back(Step(S::kCluster, "t.a", std::floor(u(rng) * 30000), 8000 + 30000 * u(rng)));
      caps.push_back(Step(S::kFleet, "", std::floor(u(rng) * 30000), 20000 + 70000 * u(rng)));
    }
    for (const char* c : {"s.a", "t.a"}) caps.push_back(Step(S::kCluster, c, 40000, 0));
    caps.push_back(Step(S::kSite, "s", 40000, 0));
    caps.push_back(Step(S::kFleet, "", 40000, 0));
    std::stable_sort(caps.begin(), caps.end(), [](const auto& a, const auto& b) {
      return a.time_s < b.time_s;
    });
    for (const auto& levers : sets) {
      power::PowerPlan plan;
      plan.levers = levers;
      plan.caps = caps;
      const auto o = RunCapped(wl, plan, TwoSiteFleet());
      EXPECT_LE(o.max_excess_w, 1e-3) << "seed " << seed;
      ASSERT_EQ(o.result.power_domains.size(), 3u);
      EXPECT_EQ(o.result.power_domains[0].name, "s.a");
      EXPECT_EQ(o.result.power_domains[2].scope, "fleet");
      for (const auto& x : o.result.domain_samples) {
        if (x.power_cap_w > 0) {
          EXPECT_LE(x.committed_power_w, x.power_cap_w * (1 + 1e-9)) << "t=" << x.time_s;
        }
        EXPECT_LE(x.facility_power_w, x.committed_power_w * (1 + 1e-12) + 1e-9);
        ++domain_rows;
      }
      for (const auto& x : o.result.site_samples) {
        if (x.power_cap_w > 0) EXPECT_LE(x.committed_power_w, x.power_cap_w * (1 + 1e-9));
      }
      int64_t done = 0;
      for (const auto& j : o.result.jobs) done += j.status == metrics::JobStatus::kCompleted;
      EXPECT_EQ(done, 150) << "every job still completes";
      // Last row of each non-site domain: cumulative enforcement actions.
      std::vector<const metrics::SiteSample*> last(3, nullptr);
      for (const auto& x : o.result.domain_samples) last[x.site] = &x;
      for (const auto* x : last) {
        ASSERT_NE(x, nullptr);
        domain_shed += x->shed_jobs;
        domain_dvfs += x->dvfs_changes;
      }
    }
  }
  EXPECT_GT(domain_rows, 0);
  EXPECT_GT(domain_shed, 0) << "cluster or fleet cap drops must have shed work somewhere";
  EXPECT_GT(domain_dvfs, 0) << "DVFS must have acted for a cluster or fleet cap somewhere";
}

// Jobs running at t = 0 per cluster, after the first instant.
std::vector<int> RunningAtStart(const platform::Fleet& fleet, const power::PowerPlan& plan,
                                const workload::Workload& wl, std::vector<double>* domain_w) {
  EngineConfig cfg;
  cfg.platform_path = "capped";
  cfg.scheduler = "easy";
  cfg.progress = false;
  cfg.power = &plan;
  auto c = Controller::Create(cfg, wl, fleet);
  EXPECT_TRUE(c.ok()) << c.status();
  std::vector<int> running(fleet.clusters.size(), 0);
  if (!c.ok()) return running;
  (*c)->RunInstant(0);
  for (const auto& r : (*c)->records()) {
    if (r.status == metrics::JobStatus::kRunning) ++running[r.cluster];
  }
  domain_w->clear();
  for (int d = 0; d < (*c)->num_domains(); ++d) domain_w->push_back((*c)->domain_power_w(d));
  return running;
}

TEST(CapDomains, AClusterCapHoldsItsClusterAloneUnderARoomySiteCap) {
  // Site s: 200 kW, room for everything. Cluster s.a: 10.8 kW = its 4.8 kW idle floor plus
  // exactly 10 accelerators at 600 W. So s.a runs 10 jobs and s.b its 32.
  auto plan = PlanWith({power::Lever::kAdmission}, {});
  plan.caps.push_back(Step(power::CapScope::kCluster, "s.a", 0, 10800));
  std::vector<double> w;
  const auto running = RunningAtStart(CappedFleet(), plan, SmallJobs(64), &w);
  EXPECT_EQ(running, (std::vector<int>{10, 32}));
  ASSERT_EQ(w.size(), 2u);  // site s, cluster s.a
  EXPECT_NEAR(w[1], 10800, 1e-6);
  EXPECT_NEAR(w[0], 9600 + 42 * 600, 1e-6);
}

TEST(CapDomains, AFleetCapHoldsAcrossSitesOfDifferentPue) {
  // Uncapped sites; fleet cap 15.6 kW idle + 18 kW. The scheduler fills s.a (32 x 600 W would
  // be 19.2 kW): 30 accelerators fit there (18 kW); nothing fits on s.b or t.a after them.
  auto plan = PlanWith({power::Lever::kAdmission}, {});
  plan.caps.push_back(Step(power::CapScope::kFleet, "", 0, 15600 + 18000));
  std::vector<double> w;
  const auto running = RunningAtStart(TwoSiteFleet(), plan, SmallJobs(96), &w);
  EXPECT_EQ(running[0] + running[1] + running[2], 30);
  ASSERT_EQ(w.size(), 3u);  // sites s, t, the fleet
  EXPECT_NEAR(w[2], 33600, 1e-6);
  EXPECT_NEAR(w[2], w[0] + w[1], 1e-6) << "the fleet's committed power is its sites' sum";
  // Without it, all 96 run.
  const auto all = RunningAtStart(TwoSiteFleet(), PlanWith({power::Lever::kAdmission}, {}),
                                  SmallJobs(96), &w);
  EXPECT_EQ(all, (std::vector<int>{32, 32, 32}));
}

TEST(CapDomains, AClusterCapDropShedsOnlyThatClustersWork) {
  // Two 32-accelerator jobs, one per cluster of site s (the second starts on s.b as s.a is
  // full). At t = 100 s.a's cap drops to its floor plus 10 kW: the job there is shed (the
  // higher-priority job on s.b keeps running), and returns when the cap is lifted at 500 s.
  workload::Workload wl = OneJob(32, 1000, /*priority=*/1);
  wl.jobs.push_back(OneJob(32, 1000, /*priority=*/1).jobs[0]);
  wl.jobs[1].id = 2;
  power::PowerPlan plan = PlanWith({power::Lever::kAdmission, power::Lever::kShed}, {});
  plan.caps = {Step(power::CapScope::kCluster, "s.a", 100, 4800 + 10000),
               Step(power::CapScope::kCluster, "s.a", 500, 0)};
  const auto o = RunCapped(wl, plan);
  std::map<int64_t, metrics::JobRecord> by_id;
  for (const auto& r : o.result.jobs) by_id[r.id] = r;
  EXPECT_EQ(by_id[1].preemptions, 1);
  EXPECT_EQ(by_id[2].preemptions, 0);
  EXPECT_DOUBLE_EQ(by_id[2].end_s, 1000);
  EXPECT_DOUBLE_EQ(by_id[1].end_s, 1500);
  EXPECT_LE(o.max_excess_w, 1e-6);
  ASSERT_FALSE(o.result.domain_samples.empty());
  EXPECT_EQ(o.result.domain_samples.back().shed_jobs, 1);  // counted at the cluster's domain
  EXPECT_EQ(o.result.site_samples.back().shed_jobs, 0);    // not at the site's
}

TEST(CapDomains, ThrottlingAtOneSiteLeavesTheOtherSitesReplicasAtFullShare) {
  // One deployment of 2 Llama-70B replicas (tp 8), one per site (each site has one 8-GPU host).
  // Per host: idle = epsilon = 1000 W, full 9000 W: a replica commits its host's 1000 W plus
  // 8000 W x share (IT), x PUE 1.25. At 600 s site s's cap drops to 1.25 x (1000 + 0.7 x 8000):
  // its replica is throttled to share 0.7; the replica at site t keeps share 1.
  platform::Fleet f;
  const std::vector<platform::PState> ps = {{100, 1000, 1000, 9000}};
  f.clusters = {testing::HgxCluster("s.a", "s", 8, 1, ps), testing::HgxCluster("t.a", "t", 8, 1, ps)};
  f.sites.push_back(platform::Site{"s", "p", "here", 0, 1.25, {0}});
  f.sites.push_back(platform::Site{"t", "p", "there", 0, 1.25, {1}});
  serve::ServingPlan sp = testing::TwoLlamaReplicas();
  power::PowerPlan plan = PlanWith({power::Lever::kAdmission, power::Lever::kThrottle}, {});
  const double cap_w = 1.25 * (1000 + 0.7 * 8000);
  plan.caps = {Step(power::CapScope::kSite, "s", 600, cap_w)};
  EngineConfig cfg;
  cfg.platform_path = "two-site";
  cfg.scheduler = "easy";
  cfg.progress = false;
  cfg.serving = &sp;
  cfg.horizon_s = 1800;
  cfg.power = &plan;
  auto c = Controller::Create(cfg, workload::Workload{}, f);
  ASSERT_TRUE(c.ok()) << c.status();
  double last = 0;
  for (double t = (*c)->NextTime(); t < kInf; t = (*c)->NextTime()) {
    (*c)->RunInstant(t);
    last = t;
  }
  metrics::RunResult r;
  (*c)->Finish(last, &r);
  ASSERT_EQ(r.replicas.size(), 2u);
  EXPECT_NE(r.replicas[0].cluster, r.replicas[1].cluster) << "one replica per site";
  bool throttled_s = false;
  for (const auto& x : r.site_samples) {
    if (x.site == 1) {
      EXPECT_EQ(x.serving_share, 1.0) << "t=" << x.time_s << ": site t's replica keeps its share";
    } else if (x.time_s >= 600) {
      EXPECT_NEAR(x.serving_share, 0.7, 1e-9) << "t=" << x.time_s;
      EXPECT_LE(x.committed_power_w, cap_w * (1 + 1e-9));
      throttled_s = true;
    }
  }
  EXPECT_TRUE(throttled_s);
}

}  // namespace
}  // namespace fleetsim::engine
