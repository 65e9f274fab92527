// Power caps enforced by the controller (sim/power/cap_policy.h), driven without SimGrid: the
// invariant "committed facility power never above the cap in force" checked at every instant
// (every change point of the power series) on randomized workloads with cap drops and rises, for
// every lever set; a capped site queues longer than the same site uncapped; DVFS re-times work;
// a control delay lets the cap be overshot for exactly the delay.
#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "sim/engine/controller.h"

namespace fleetsim::engine {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// One site (PUE 1.2, cap 200 kW from the platform) with two clusters that share its cap:
// 8 hosts x 4 accelerators each, pstates at speed 1, 0.7, 0.4; host power idle 500 W,
// full 2500 / 1500 / 900 W (two-value form: epsilon = idle).
platform::Fleet CappedFleet() {
  platform::Fleet f;
  for (int k = 0; k < 2; ++k) {
    platform::Cluster c;
    c.name = k == 0 ? "s.a" : "s.b";
    c.site = "s";
    c.system = "hgx_h100";
    c.vendor = "NVIDIA";
    c.accelerators_per_host = 4;
    c.pstates = {{100, 500, 500, 2500}, {70, 450, 450, 1500}, {40, 400, 400, 900}};
    c.peak_flops_bf16 = 989e12;
    c.peak_flops_fp8 = 1979e12;
    c.mem_bytes = 80e9;
    c.mem_bw_bytes_per_s = 3.35e12;
    platform::Tranche t;
    t.zone_id = c.name + ".t0";
    t.num_hosts = 8;
    c.tranches.push_back(t);
    f.clusters.push_back(c);
  }
  f.sites.push_back(platform::Site{"s", "p", "here", 200000, 1.2, {0, 1}});
  return f;
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
            const std::string& policy = "easy") {
  EngineConfig cfg;
  cfg.platform_path = "capped";
  cfg.scheduler = policy;
  cfg.progress = false;
  cfg.power = &plan;
  auto c = Controller::Create(cfg, wl, CappedFleet());
  EXPECT_TRUE(c.ok()) << c.status();
  Outcome o;
  if (!c.ok()) return o;
  double last = 0;
  for (double t = (*c)->NextTime(); t < kInf; t = (*c)->NextTime()) {
    (*c)->RunInstant(t);
    last = t;
    ++o.instants;
    // Independently of the controller's own check: committed power against the cap in force.
    const double excess = (*c)->site_power_w(0) - (*c)->site_cap_w(0);
    if (excess > o.max_excess_w) o.max_excess_w = excess;
  }
  (*c)->Finish(last, &o.result);
  return o;
}

power::PowerPlan PlanWith(std::vector<power::Lever> levers, std::vector<std::pair<double, double>> caps) {
  power::PowerPlan p;
  p.levers = std::move(levers);
  for (auto [t, w] : caps) p.caps.push_back({"s", t, w, "test"});
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
  workload::Workload wl;
  for (int i = 0; i < 64; ++i) {
    workload::JobSpec j;
    j.id = i;
    j.run_s = j.estimate_s = 1000;
    j.accelerators = 1;
    wl.jobs.push_back(j);
  }
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
  workload::Workload wl;
  workload::JobSpec j;
  j.id = 1;
  j.run_s = j.estimate_s = 1000;
  j.accelerators = 32;
  wl.jobs.push_back(j);
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
  workload::Workload wl;
  workload::JobSpec j;
  j.id = 1;
  j.run_s = j.estimate_s = 1000;
  j.accelerators = 32;
  wl.jobs.push_back(j);
  const auto dvfs = RunCapped(wl, PlanWith({power::Lever::kAdmission, power::Lever::kDvfs},
                                           {{0, 20000}, {300, 0}}));
  ASSERT_EQ(dvfs.result.jobs.size(), 1u);
  EXPECT_DOUBLE_EQ(dvfs.result.jobs[0].start_s, 0);
  EXPECT_NEAR(dvfs.result.jobs[0].end_s, 1090, 1e-9);
  EXPECT_EQ(dvfs.result.site_samples.back().dvfs_changes, 2);  // down at the start, back up
  EXPECT_LE(dvfs.max_excess_w, 1e-6);
  const auto& first = dvfs.result.site_samples.front();
  ASSERT_EQ(first.time_s, 0);
  EXPECT_EQ(first.accelerators_by_pstate, (std::vector<int64_t>{0, 32, 0}));
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
  workload::Workload wl;
  workload::JobSpec j;
  j.id = 1;
  j.run_s = j.estimate_s = 1000;
  j.accelerators = 32;
  wl.jobs.push_back(j);
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

}  // namespace
}  // namespace fleetsim::engine
