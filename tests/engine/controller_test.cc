// The controller driven directly (no SimGrid): a toy policy that uses every decision kind of the
// scheduler contract (sim/sched/scheduler.h) on a hand-built one-cluster fleet, with run times,
// re-timing, kills, energies and the power view worked out by hand.
#include "sim/engine/controller.h"

#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <vector>

#include "gtest/gtest.h"
#include "sim/training/speed.h"
#include "tests/engine/test_fleet.h"
#include "tests/serve/streams.h"

namespace fleetsim::engine {
namespace {

using sched::Decisions;
using sched::Event;
using sched::EventKind;

// One site (cap 100 kW, PUE 1.25), one cluster of 4 hosts x 8 accelerators, pstates at speed
// 1, 0.5 and 0.25 (FLOP/s 100, 50, 25), power idle:epsilon:full per host.
platform::Fleet TinyFleet() {
  platform::Fleet f;
  f.clusters.push_back(testing::HgxCluster(
      "site.gpu", "site", 8, 4, {{100, 1000, 1000, 9000}, {50, 900, 900, 5000}, {25, 800, 800, 3000}}));
  f.sites.push_back(platform::Site{"site", "p", "here", 100000, 1.25, {0}});
  return f;
}

workload::JobSpec Job(int64_t id, double submit, double run, int64_t acc, int priority = 0) {
  workload::JobSpec j;
  j.id = id;
  j.submit_s = submit;
  j.run_s = run;
  j.estimate_s = run;
  j.accelerators = acc;
  j.priority = priority;
  return j;
}

// A scheduler whose answers are written by the test: `on(event, view, out)`.
// What the toy policy saw (owned by the test: the controller owns and destroys the policy).
struct Log {
  std::vector<Event> events;
  std::vector<sched::KillInfo> kills;
};

class ToyPolicy : public sched::Scheduler {
 public:
  using Fn = std::function<void(const Event&, const sched::ClusterView&, Decisions*)>;
  ToyPolicy(Fn fn, Log* log = nullptr) : fn_(std::move(fn)), log_(log) {}
  std::string name() const override { return "toy"; }
  void OnEvent(const Event& e, const sched::ClusterView& v, Decisions* out) override {
    if (log_) {
      log_->events.push_back(e);
      if (e.kind == EventKind::kJobKilled) log_->kills.push_back(e.kill);
    }
    // The queue the contract asks for (submitted or killed, not started): the controller's
    // invariants compare it with the jobs and replicas left waiting at the end.
    if (e.kind == EventKind::kJobSubmitted || e.kind == EventKind::kJobKilled) ++queued_;
    const size_t starts_before = out->starts.size();
    fn_(e, v, out);
    queued_ -= out->starts.size() - starts_before;
  }
  size_t queue_length() const override { return queued_; }

 private:
  Fn fn_;
  size_t queued_ = 0;
  Log* log_;
};

// Runs the controller to the end; returns the job records by id.
std::map<int64_t, metrics::JobRecord> RunToEnd(EngineConfig& cfg, const workload::Workload& wl,
                                          metrics::RunResult* out = nullptr) {
  cfg.platform_path = "tiny";
  cfg.progress = false;
  auto c = Controller::Create(cfg, wl, TinyFleet());
  EXPECT_TRUE(c.ok()) << c.status();
  double last = 0;
  for (double t = (*c)->NextTime(); t < std::numeric_limits<double>::infinity();
       t = (*c)->NextTime()) {
    (*c)->RunInstant(t);
    last = t;
  }
  metrics::RunResult r;
  (*c)->Finish(last, &r);
  std::map<int64_t, metrics::JobRecord> by_id;
  for (const auto& j : r.jobs) by_id[j.id] = j;
  if (out) *out = std::move(r);
  return by_id;
}

TEST(Controller, StartAtPstateRunsSlowerAndDrawsItsPower) {
  Log log;
  EngineConfig cfg;
  cfg.make_scheduler = [&] {
    return std::make_unique<ToyPolicy>([](const Event& e, const sched::ClusterView& v,
                                            Decisions* out) {
      if (e.kind != EventKind::kJobSubmitted) return;
      EXPECT_EQ(v.num_pstates(0), 3);
      EXPECT_DOUBLE_EQ(v.pstate_speed(0, 1), 0.5);
      // 16 accelerators at pstate 1 on two idle hosts: each goes 1000 W -> 5000 W, x PUE 1.25.
      EXPECT_DOUBLE_EQ(v.added_power_w(0, 16, 1), 2 * (5000 - 1000) * 1.25);
      EXPECT_DOUBLE_EQ(v.site_power_w(0), 4 * 1000 * 1.25);
      EXPECT_DOUBLE_EQ(v.site_cap_w(0), 100000);
      out->starts.push_back({e.job->id, 0, 1});
    }, &log);
  };
  workload::Workload wl{{Job(1, 0, 100, 16)}};
  metrics::RunResult r;
  auto jobs = RunToEnd(cfg, wl, &r);
  EXPECT_DOUBLE_EQ(jobs[1].start_s, 0);
  EXPECT_DOUBLE_EQ(jobs[1].end_s, 200);  // 100 nominal seconds at half speed
  EXPECT_DOUBLE_EQ(jobs[1].energy_j, 2 * 5000.0 * 200);
  // Cluster energy: two hosts at 5000 W and two idle at 1000 W for 200 s.
  EXPECT_NEAR(r.cluster_energy_j[0], (2 * 5000.0 + 2 * 1000.0) * 200, 1e-6);
  // The site series: one row per instant (t = 0 with the start, t = 200 with the end),
  // facility = IT x PUE.
  ASSERT_EQ(r.site_samples.size(), 2u);
  EXPECT_DOUBLE_EQ(r.site_samples[0].it_power_w, 12000);
  EXPECT_DOUBLE_EQ(r.site_samples[0].facility_power_w, 12000 * 1.25);
  EXPECT_DOUBLE_EQ(r.site_samples[1].time_s, 200);
  EXPECT_DOUBLE_EQ(r.site_samples[1].it_power_w, 4000);
  EXPECT_EQ(log.events.size(), 2u);  // the submission and the termination
}

TEST(Controller, PstateChangeRetimesRemainingWorkExactly) {
  EngineConfig cfg;
  cfg.make_scheduler = [&] {
    return std::make_unique<ToyPolicy>([](const Event& e, const sched::ClusterView&,
                                          Decisions* out) {
      if (e.kind != EventKind::kJobSubmitted) return;
      if (e.job->id == 1) out->starts.push_back({1, 0, 0});
      // Job 2's submission at t = 40 moves job 1 to pstate 2 (speed 0.25) and starts job 2.
      if (e.job->id == 2) {
        out->pstates.push_back({1, 2});
        out->starts.push_back({2, 0, 0});
      }
    });
  };
  workload::Workload wl{{Job(1, 0, 100, 8), Job(2, 40, 10, 8)}};
  auto jobs = RunToEnd(cfg, wl);
  // 40 s done at full speed, 60 nominal seconds left at 0.25: 240 s more.
  EXPECT_DOUBLE_EQ(jobs[1].end_s, 280);
  EXPECT_DOUBLE_EQ(jobs[1].energy_j, 9000.0 * 40 + 3000.0 * 240);
  // The stretches at each pstate, whose watts x seconds the accounting prices (accounting.h).
  ASSERT_EQ(jobs[1].segments.size(), 2u);
  EXPECT_DOUBLE_EQ(jobs[1].segments[0].end_s, 40);
  EXPECT_DOUBLE_EQ(jobs[1].segments[0].power_w, 9000);
  EXPECT_DOUBLE_EQ(jobs[1].segments[1].start_s, 40);
  EXPECT_DOUBLE_EQ(jobs[1].segments[1].end_s, 280);
  EXPECT_DOUBLE_EQ(jobs[1].segments[1].power_w, 3000);
  EXPECT_DOUBLE_EQ(jobs[2].end_s, 50);
}

TEST(Controller, PreemptionKillsAndRequeuesWithWorkAccounting) {
  Log log;
  EngineConfig cfg;
  cfg.make_scheduler = [&] {
    return std::make_unique<ToyPolicy>([](const Event& e, const sched::ClusterView& v,
                                            Decisions* out) {
      if (e.kind == EventKind::kJobSubmitted && e.job->id == 1) out->starts.push_back({1, 0, 0});
      // Job 2 needs the whole cluster: preempt job 1 and start job 2 in one answer.
      if (e.kind == EventKind::kJobSubmitted && e.job->id == 2) {
        EXPECT_EQ(v.free(0), 0);
        out->preemptions.push_back({1});
        out->starts.push_back({2, 0, 0});
      }
      if (e.kind == EventKind::kJobKilled) {
        EXPECT_EQ(e.job_id, 1);
        EXPECT_EQ(e.job->id, 1);
      }
      if (e.kind == EventKind::kJobFinished && e.job_id == 2) out->starts.push_back({1, 0, 0});
    }, &log);
  };
  workload::Workload wl{{Job(1, 0, 100, 32), Job(2, 30, 50, 32, 10)}};
  auto jobs = RunToEnd(cfg, wl);
  ASSERT_EQ(log.kills.size(), 1u);
  EXPECT_EQ(log.kills[0].reason, sched::KillReason::kPreempted);
  EXPECT_DOUBLE_EQ(log.kills[0].done_s, 30);
  EXPECT_DOUBLE_EQ(log.kills[0].lost_s, 30);  // no checkpoints: the attempt is lost
  EXPECT_DOUBLE_EQ(log.kills[0].remaining_s, 100);
  EXPECT_DOUBLE_EQ(jobs[2].start_s, 30);
  EXPECT_DOUBLE_EQ(jobs[2].end_s, 80);
  EXPECT_DOUBLE_EQ(jobs[1].start_s, 80);  // restarted from scratch
  EXPECT_DOUBLE_EQ(jobs[1].end_s, 180);
  EXPECT_EQ(jobs[1].preemptions, 1);
  EXPECT_DOUBLE_EQ(jobs[1].lost_work_s, 30);
  // Energy of both attempts: 4 full hosts for 30 s, then for 100 s.
  EXPECT_DOUBLE_EQ(jobs[1].energy_j, 4 * 9000.0 * 130);
  // The kill reached the scheduler at t = 30, after the submission that caused it.
  bool seen = false;
  for (const auto& e : log.events) {
    if (e.kind == EventKind::kJobKilled) {
      EXPECT_DOUBLE_EQ(e.time_s, 30);
      seen = true;
    }
  }
  EXPECT_TRUE(seen);
}

TEST(Controller, ThrottleSlowsReplicasAndTheirPower) {
  // One deployment of 2 Llama-70B replicas (tp 8, one host each) serving a Poisson stream; the
  // toy policy places replicas, then at the first power event throttles them to 50% power.
  auto run = [](double share, double* tokens, double* dyn_j) {
    serve::ServingPlan plan = testing::TwoLlamaReplicas();
    EngineConfig cfg;
    cfg.serving = &plan;
    cfg.horizon_s = 3600;
    cfg.make_scheduler = [share] {
      return std::make_unique<ToyPolicy>([share](const Event& e, const sched::ClusterView&,
                                                 Decisions* out) {
        if (e.kind == EventKind::kJobSubmitted) {
          EXPECT_EQ(e.job->kind, sched::RequestKind::kReplica);
          EXPECT_TRUE(std::isinf(e.job->estimate_s));
          out->starts.push_back({e.job->id, 0, 0});
        }
        if (e.kind == EventKind::kPowerChanged && share < 1) out->throttles.push_back({0, share});
      });
    };
    metrics::RunResult r;
    RunToEnd(cfg, workload::Workload{}, &r);
    *tokens = 0;
    *dyn_j = 0;
    for (const auto& x : r.replicas) {
      *tokens += x.output_tokens;
      *dyn_j += x.energy_j;
    }
    return r.serving->Stats(0);
  };
  double tok_full, dyn_full, tok_half, dyn_half;
  auto full = run(1.0, &tok_full, &dyn_full);
  auto half = run(0.5, &tok_half, &dyn_half);
  // Under capacity both serve the whole stream. Half the dynamic power is a board power limit
  // (serve::ServingSim::SetPowerShare): compute-bound prefill runs at a lower clock (TTFT up),
  // while light-load decode is memory bound and draws under the limit (TPOT within 5%).
  EXPECT_NEAR(tok_half / tok_full, 1.0, 0.02);
  EXPECT_GT(half.mean_ttft_s, 1.2 * full.mean_ttft_s);
  EXPECT_NEAR(half.mean_tpot_s / full.mean_tpot_s, 1.0, 0.05);
  // Dynamic energy per token: the load rises by less than the power per unit load falls (a
  // lower clock does the same work at less energy), so it drops, by at most the share.
  const double per_token = (dyn_half / tok_half) / (dyn_full / tok_full);
  EXPECT_LT(per_token, 0.95);
  EXPECT_GT(per_token, 0.5);
}

}  // namespace
}  // namespace fleetsim::engine

namespace fleetsim::engine {
namespace {

// Two clusters at one site: 4 HGX H100 nodes (8 x 80 GB) and 1 GB200 NVL72 rack (72 x 186 GB),
// figures as in platforms/SOURCES.md; one pstate each.
platform::Fleet TwoSystemFleet() {
  platform::Fleet f = TinyFleet();
  f.clusters[0].pstates.resize(1);
  platform::Cluster g;
  g.name = "site.gb200";
  g.site = "site";
  g.system = "gb200_nvl72";
  g.vendor = "NVIDIA";
  g.accelerators_per_host = 72;
  g.pstates = {{2.5e15, 20000, 20000, 132000}};
  g.peak_flops_bf16 = 2.5e15;
  g.peak_flops_fp8 = 5e15;
  g.mem_bytes = 186e9;
  g.mem_bw_bytes_per_s = 8e12;
  platform::Tranche t;
  t.zone_id = "site.gb200.t0";
  t.num_hosts = 1;
  g.tranches.push_back(t);
  f.clusters.push_back(g);
  f.sites[0].clusters = {0, 1};
  return f;
}

workload::JobSpec WorkJob(int64_t id, double submit, double params, double tokens, int64_t acc) {
  workload::JobSpec j;
  j.id = id;
  j.submit_s = submit;
  j.accelerators = acc;
  workload::TrainingSpec t;
  t.model.params = params;
  t.model.precision = training::Precision::kFp8;
  t.work.tokens = tokens;
  j.training = std::make_shared<const workload::TrainingSpec>(t);
  return j;
}

std::map<int64_t, metrics::JobRecord> RunFleet(const std::string& policy,
                                               const workload::Workload& wl) {
  EngineConfig cfg;
  cfg.scheduler = policy;
  cfg.platform_path = "two";
  cfg.progress = false;
  auto c = Controller::Create(cfg, wl, TwoSystemFleet());
  EXPECT_TRUE(c.ok()) << c.status();
  std::map<int64_t, metrics::JobRecord> out;
  if (!c.ok()) return out;
  double last = 0;
  for (double t = (*c)->NextTime(); std::isfinite(t); t = (*c)->NextTime()) {
    (*c)->RunInstant(t);
    last = t;
  }
  metrics::RunResult r;
  (*c)->Finish(last, &r);
  for (const auto& j : r.jobs) out[j.id] = j;
  return out;
}

// A work-defined job runs for work / (accelerators x peak x MFU x scaling) on the system it
// lands on: easy takes the first eligible cluster (H100), easy-het the one where it finishes
// first (GB200), and each reports that system's run time.
TEST(WorkDefinedJobs, RunTimeFollowsTheSystemAndHetPolicyPicksTheFaster) {
  const auto fleet = TwoSystemFleet();
  workload::Workload wl{{WorkJob(1, 0, 8e9, 1e10, 32)}};
  const double flops = 6 * 8e9 * 1e10;
  const double h100_s = training::RunSeconds(fleet.clusters[0], wl.jobs[0].training->model, flops, 32);
  const double gb200_s = training::RunSeconds(fleet.clusters[1], wl.jobs[0].training->model, flops, 32);
  ASSERT_LT(gb200_s, h100_s);
  auto easy = RunFleet("easy", wl);
  EXPECT_EQ(easy[1].cluster, 0);
  EXPECT_DOUBLE_EQ(easy[1].end_s, h100_s);
  EXPECT_DOUBLE_EQ(easy[1].run_s, h100_s);
  auto het = RunFleet("easy-het", wl);
  EXPECT_EQ(het[1].cluster, 1);
  EXPECT_DOUBLE_EQ(het[1].end_s, gb200_s);
  // By hand for H100 at FP8: 6 N D / (32 x 1979e12 x MFU x scaling(32)), MFU between its 8B
  // and 70B table values (0.340-0.351), scaling 1 below 512 accelerators.
  const double mfu = flops / (h100_s * 32 * 989e12 * 2);
  EXPECT_GT(mfu, 0.33);
  EXPECT_LT(mfu, 0.36);
}

// Eligibility by memory: a 140B model's training state (16 bytes per parameter, sharded: 70 GB
// per accelerator on 32) does not fit an H100 (60 GB usable of 80) but fits a GB200 (139.5 of
// 186); with only H100s allowed it is an input error naming the job and the reason.
TEST(WorkDefinedJobs, MemoryDecidesEligibilityAndErrorsNameTheJob) {
  workload::Workload wl{{WorkJob(7, 0, 140e9, 1e9, 32)}};
  auto ok = RunFleet("easy", wl);
  EXPECT_EQ(ok[7].cluster, 1);  // only the GB200 rack holds its state
  wl.jobs[0].vendors = {"NVIDIA"};
  wl.jobs[0].systems = {"hgx_h100"};
  EngineConfig cfg;
  cfg.scheduler = "easy";
  cfg.platform_path = "two";
  auto c = Controller::Create(cfg, wl, TwoSystemFleet());
  ASSERT_FALSE(c.ok());
  const std::string msg(c.status().message());
  EXPECT_NE(msg.find("job 7: no cluster of two can run it"), std::string::npos) << msg;
  EXPECT_NE(msg.find("site.gpu"), std::string::npos) << msg;
  EXPECT_NE(msg.find("70.0 GB per accelerator"), std::string::npos) << msg;
}

}  // namespace
}  // namespace fleetsim::engine
