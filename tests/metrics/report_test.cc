// sim/metrics/report: Percentile (Hyndman-Fan type 7), BoundedSlowdown, the CSV writers and
// summary.json on a tiny hand-built RunResult whose statistics are worked out by hand below.
#include "sim/metrics/report.h"

#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "gtest/gtest.h"

namespace fleetsim::metrics {
namespace {

TEST(Percentile, EmptyIsNaN) { EXPECT_TRUE(std::isnan(Percentile({}, 0.5))); }

TEST(Percentile, OneValueIsEveryPercentile) {
  for (double q : {0.0, 0.5, 0.95, 1.0}) EXPECT_EQ(Percentile({7}, q), 7) << q;
}

TEST(Percentile, Type7InterpolatesBetweenOrderStatistics) {
  // h = q * (n - 1); x[floor h] + (h - floor h) * (x[floor h + 1] - x[floor h]) (numpy default).
  const std::vector<double> v = {1, 2, 3, 4};
  EXPECT_DOUBLE_EQ(Percentile(v, 0.0), 1);
  EXPECT_DOUBLE_EQ(Percentile(v, 0.25), 1.75);  // h = 0.75
  EXPECT_DOUBLE_EQ(Percentile(v, 0.5), 2.5);    // h = 1.5
  EXPECT_DOUBLE_EQ(Percentile(v, 0.95), 3.85);  // h = 2.85
  EXPECT_DOUBLE_EQ(Percentile(v, 0.99), 3.97);  // h = 2.97
  EXPECT_DOUBLE_EQ(Percentile(v, 1.0), 4);
  const std::vector<double> w = {10, 20, 40, 80, 160};
  EXPECT_DOUBLE_EQ(Percentile(w, 0.1), 14);              // h = 0.4: 10 + 0.4 * 10
  EXPECT_DOUBLE_EQ(Percentile(w, 0.5), 40);              // h = 2: exactly the median
  EXPECT_DOUBLE_EQ(Percentile(w, 0.9), 128);             // h = 3.6: 80 + 0.6 * 80
  EXPECT_DOUBLE_EQ(Percentile({0, 0, 5, 5}, 0.5), 2.5);  // ties
}

TEST(BoundedSlowdown, TenSecondBound) {
  EXPECT_DOUBLE_EQ(BoundedSlowdown(0, 100, 10), 1);      // no wait
  EXPECT_DOUBLE_EQ(BoundedSlowdown(100, 100, 10), 2);    // (100 + 100) / 100
  EXPECT_DOUBLE_EQ(BoundedSlowdown(45, 5, 10), 5);       // short job: / 10, not / 5
  EXPECT_DOUBLE_EQ(BoundedSlowdown(19, 1, 10), 2);       // (19 + 1) / 10
  EXPECT_DOUBLE_EQ(BoundedSlowdown(10, 10, 10), 2);      // run == bound
  EXPECT_DOUBLE_EQ(BoundedSlowdown(10.5, 10.5, 10), 2);  // just above the bound: / run
  EXPECT_DOUBLE_EQ(BoundedSlowdown(0, 1, 10), 1);        // 0.1 is raised to 1
  EXPECT_DOUBLE_EQ(BoundedSlowdown(5, 1, 10), 1);        // 0.6 is raised to 1
  EXPECT_DOUBLE_EQ(BoundedSlowdown(0, 0, 10), 1);        // zero-length job
}

platform::Cluster MakeCluster(const std::string& name, const std::string& site,
                              const std::string& vendor, const std::string& system, int per_host,
                              int hosts) {
  platform::Cluster c;
  c.name = name;
  c.site = site;
  c.vendor = vendor;
  c.system = system;
  c.accelerators_per_host = per_host;
  platform::Tranche t;
  t.zone_id = name + ".t0";
  t.num_hosts = hosts;
  c.tranches.push_back(t);
  return c;
}

JobRecord Job(int64_t id, double submit, double start, double end, double run, double est,
              int64_t acc, int cluster, int hosts, JobStatus st, double energy) {
  JobRecord j;
  j.id = id, j.submit_s = submit, j.start_s = start, j.end_s = end, j.run_s = run;
  j.estimate_s = est, j.accelerators = acc, j.cluster = cluster, j.hosts = hosts;
  j.status = st, j.energy_j = energy;
  return j;
}

ClusterSample Sample(double t, int c, int64_t busy, int64_t online, int64_t serving, double p) {
  return ClusterSample{t, c, busy, online, serving, p};
}

// Two sites, three clusters, four jobs, a 200 s run.
//   s1 (pue 1.5, cap 1000 W): s1.a (4 x 8 = 32 NVIDIA h100), s1.b (1 x 8 = 8 AMD mi300x)
//   s2 (pue 1.2, uncapped):   s2.c (1 x 72 NVIDIA gb200), online from t = 50
// Jobs: 1 waits 0 s and runs 0-100; 2 waits 30 s and runs 40-90; 3 waits 100 s and is still
// running at the end; 4 never starts.
RunResult TinyRun() {
  RunResult r;
  platform::Site s1;
  s1.name = "s1", s1.provider = "P1", s1.power_cap_w = 1000, s1.pue = 1.5, s1.clusters = {0, 1};
  platform::Site s2;
  s2.name = "s2", s2.provider = "P2", s2.pue = 1.2, s2.clusters = {2};
  r.fleet.sites = {s1, s2};
  r.fleet.clusters = {MakeCluster("s1.a", "s1", "NVIDIA", "h100", 8, 4),
                      MakeCluster("s1.b", "s1", "AMD", "mi300x", 8, 1),
                      MakeCluster("s2.c", "s2", "NVIDIA", "gb200", 72, 1)};
  r.jobs = {Job(1, 0, 0, 100, 100, 200, 8, 0, 1, JobStatus::kCompleted, 1000.5),
            Job(2, 10, 40, 90, 50, 50, 16, 0, 2, JobStatus::kCompleted, 2000),
            Job(3, 20, 120, -1, 500, 600, 8, 1, 1, JobStatus::kRunning, 300),
            Job(4, 30, -1, -1, 100, 100, 144, -1, 0, JobStatus::kQueued, 0)};
  r.samples = {
      Sample(0, 0, 8, 32, 0, 1000),   Sample(0, 1, 0, 8, 0, 100),   Sample(0, 2, 0, 0, 0, 0),
      Sample(40, 0, 24, 32, 0, 2000), Sample(50, 2, 0, 72, 0, 50),  Sample(90, 0, 8, 32, 0, 1000),
      Sample(100, 0, 0, 32, 0, 500),  Sample(120, 1, 8, 8, 4, 300), Sample(200, 0, 0, 32, 0, 500),
      Sample(200, 1, 8, 8, 4, 300),   Sample(200, 2, 0, 72, 0, 50)};
  r.cluster_energy_j = {210000, 36000.5, 7500};
  r.end_time_s = 200;
  r.events = 12;
  r.batches = 7;
  return r;
}

// The accounting with default prices (its own tests: accounting_test.cc).
Accounting Acc(const RunResult& r) { return Account(r, CostPlan{}, {}); }

std::vector<std::string> Lines(const std::string& text) {
  return absl::StrSplit(text, '\n', absl::SkipEmpty());
}

TEST(JobsCsv, HeaderAndOneRowPerJobInWorkloadOrder) {
  const auto lines = Lines(JobsCsv(TinyRun(), Acc(TinyRun())));
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0],
            "job_id,submit_s,start_s,end_s,wait_s,run_s,estimate_s,accelerators,hosts,site,cluster,"
            "system,vendor,status,energy_j,facility_energy_j,accelerator_s,electricity_cost_usd,"
            "capex_cost_usd,cost_usd,preemptions,lost_work_s,span_clusters,step_exchange_s,"
            "exchange_slowdown");
  EXPECT_EQ(lines[1],
            "1,0,0,100,0,100,200,8,1,s1,s1.a,h100,NVIDIA,completed,1000.5,0,0,0,0,0,0,0,1,0,1");
  EXPECT_EQ(lines[2],
            "2,10,40,90,30,50,50,16,2,s1,s1.a,h100,NVIDIA,completed,2000,0,0,0,0,0,0,0,1,0,1");
  EXPECT_EQ(lines[3],
            "3,20,120,,100,500,600,8,1,s1,s1.b,mi300x,AMD,running,300,0,0,0,0,0,0,0,1,0,1");
  EXPECT_EQ(lines[4], "4,30,,,,100,100,144,0,,,,,queued,0,0,0,0,0,0,0,0,1,0,1");  // never started
}

TEST(JobsCsv, EmptyRunIsTheHeaderOnly) {
  EXPECT_EQ(JobsCsv(RunResult{}, Acc(RunResult{})),
            "job_id,submit_s,start_s,end_s,wait_s,run_s,estimate_s,accelerators,hosts,site,cluster,"
            "system,vendor,status,energy_j,facility_energy_j,accelerator_s,electricity_cost_usd,"
            "capex_cost_usd,cost_usd,preemptions,lost_work_s,span_clusters,step_exchange_s,"
            "exchange_slowdown\n");
}

TEST(UtilizationCsv, HeaderAndOneRowPerSample) {
  const auto lines = Lines(UtilizationCsv(TinyRun()));
  ASSERT_EQ(lines.size(), 12u);
  EXPECT_EQ(lines[0],
            "time_s,site,cluster,vendor,busy_accelerators,online_accelerators,serving_accelerators,"
            "utilization,power_w");
  EXPECT_EQ(lines[1], "0,s1,s1.a,NVIDIA,8,32,0,0.25,1000");
  EXPECT_EQ(lines[3], "0,s2,s2.c,NVIDIA,0,0,0,0,0");  // nothing online: utilization 0, not NaN
  EXPECT_EQ(lines[4], "40,s1,s1.a,NVIDIA,24,32,0,0.75,2000");
  EXPECT_EQ(lines[8], "120,s1,s1.b,AMD,8,8,4,1,300");
}

TEST(ReplicasCsv, PlacedAndUnplacedReplicas) {
  RunResult r = TinyRun();
  ReplicaRecord a;
  a.index = 0, a.model = "m", a.tp = 8, a.reason = "initial", a.request_s = 0, a.start_s = 5;
  a.drain_s = 150, a.end_s = 160, a.cluster = 0, a.hosts = 1, a.output_tokens = 1234, a.load_s = 7.5;
  a.energy_j = 99.25;
  ReplicaRecord b;
  b.index = 1, b.model = "m", b.tp = 8, b.reason = "scale_up", b.request_s = 60;
  r.replicas = {a, b};
  const auto lines = Lines(ReplicasCsv(r, Acc(r)));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0],
            "replica,model,tp,reason,request_s,start_s,wait_s,drain_s,end_s,site,cluster,system,"
            "vendor,hosts,output_tokens,load_s,dynamic_energy_j,idle_energy_j,energy_j");
  EXPECT_EQ(lines[1], "0,m,8,initial,0,5,5,150,160,s1,s1.a,h100,NVIDIA,1,1234,7.5,99.25,0,99.25");  // no pstates: no idle share
  EXPECT_EQ(lines[2], "1,m,8,scale_up,60,-1,-1,-1,-1,,,,,0,0,0,0,0,0");
}

// The number after `"key": ` at or after `from`; NaN if absent or not a number.
double Num(const std::string& json, const std::string& key, size_t from = 0) {
  const std::string k = "\"" + key + "\": ";
  size_t p = json.find(k, from);
  if (p == std::string::npos) return std::nan("");
  const char* s = json.c_str() + p + k.size();
  char* end = nullptr;
  double v = std::strtod(s, &end);
  return end == s ? std::nan("") : v;
}

// Position of the object whose `key` is `value` (e.g. "cluster": "s1.b").
size_t At(const std::string& json, const std::string& key, const std::string& value) {
  size_t p = json.find("\"" + key + "\": \"" + value + "\"");
  EXPECT_NE(p, std::string::npos) << key << " " << value;
  return p;
}

TEST(SummaryJson, StatisticsWorkedOutByHand) {
  const std::string j = SummaryJson(TinyRun(), RunInfo{"tiny", "easy", 200, 9, {}, {}}, Acc(TinyRun()));
  EXPECT_NE(j.find("\"scenario\": \"tiny\""), std::string::npos) << j;
  EXPECT_NE(j.find("\"policy\": \"easy\""), std::string::npos);
  EXPECT_EQ(Num(j, "seed"), 9);
  EXPECT_EQ(Num(j, "horizon_s"), 200);
  EXPECT_EQ(Num(j, "end_time_s"), 200);
  // Jobs: 2 completed, 1 running, 1 queued.
  EXPECT_EQ(Num(j, "total"), 4);
  EXPECT_EQ(Num(j, "completed"), 2);
  EXPECT_EQ(Num(j, "running_at_end"), 1);
  EXPECT_EQ(Num(j, "queued_at_end"), 1);
  // Waits of started jobs: 0, 30, 100 (job 4 never started and has no wait).
  EXPECT_DOUBLE_EQ(Num(j, "wait_mean_s"), 130.0 / 3);
  EXPECT_DOUBLE_EQ(Num(j, "wait_p50_s"), 30);    // h = 1
  EXPECT_DOUBLE_EQ(Num(j, "wait_p95_s"), 93);    // h = 1.9: 30 + 0.9 * 70
  EXPECT_DOUBLE_EQ(Num(j, "wait_p99_s"), 98.6);  // h = 1.98: 30 + 0.98 * 70
  EXPECT_EQ(Num(j, "wait_max_s"), 100);
  // Completed jobs only: flow 100 and 80; bounded slowdown 100/100 = 1 and (30 + 50)/50 = 1.6.
  EXPECT_DOUBLE_EQ(Num(j, "flow_time_mean_s"), 90);
  EXPECT_DOUBLE_EQ(Num(j, "bounded_slowdown_mean"), 1.3);
  EXPECT_EQ(Num(j, "bounded_slowdown_bound_s"), 10);

  // Time-weighted utilization of each cluster's step function over [0, 200]:
  // s1.a busy 8*40 + 24*50 + 8*10 + 0*100 = 1600 of 32*200 = 6400 -> 0.25;
  //      power 1000*40 + 2000*50 + 1000*10 + 500*100 = 200000 J accounted.
  size_t a = At(j, "cluster", "s1.a");
  EXPECT_EQ(Num(j, "accelerators", a), 32);
  EXPECT_DOUBLE_EQ(Num(j, "utilization", a), 0.25);
  EXPECT_DOUBLE_EQ(Num(j, "busy_accelerator_s", a), 1600);
  EXPECT_DOUBLE_EQ(Num(j, "energy_j", a), 210000);  // the energy plugin's figure, as given
  EXPECT_DOUBLE_EQ(Num(j, "energy_accounted_j", a), 200000);
  // s1.b busy 0*120 + 8*80 = 640 of 8*200 = 1600 -> 0.4; 100*120 + 300*80 = 36000 J.
  size_t b = At(j, "cluster", "s1.b");
  EXPECT_NE(j.find("\"vendor\": \"AMD\"", b), std::string::npos);
  EXPECT_DOUBLE_EQ(Num(j, "utilization", b), 0.4);
  EXPECT_DOUBLE_EQ(Num(j, "busy_accelerator_s", b), 640);
  EXPECT_DOUBLE_EQ(Num(j, "energy_j", b), 36000.5);
  EXPECT_DOUBLE_EQ(Num(j, "energy_accounted_j", b), 36000);
  // s2.c: online only from t = 50 (72*150 = 10800 accelerator-s), never busy; 50*150 = 7500 J.
  size_t c = At(j, "cluster", "s2.c");
  EXPECT_EQ(Num(j, "accelerators", c), 72);
  EXPECT_DOUBLE_EQ(Num(j, "utilization", c), 0);
  EXPECT_DOUBLE_EQ(Num(j, "energy_accounted_j", c), 7500);
  // Fleet: (1600 + 640 + 0) / (6400 + 1600 + 10800), after the clusters array.
  EXPECT_DOUBLE_EQ(Num(j, "utilization", j.find("],\n  \"utilization\"")), 2240.0 / 18800);

  // Energy per site: IT = sum of its clusters' energy_j; facility = IT * pue.
  const size_t s1 = j.find("\"site\": \"s1\"", j.find("\"sites\""));
  ASSERT_NE(s1, std::string::npos);
  EXPECT_NE(j.find("\"provider\": \"P1\"", s1), std::string::npos);
  EXPECT_DOUBLE_EQ(Num(j, "it_energy_j", s1), 246000.5);
  EXPECT_DOUBLE_EQ(Num(j, "facility_energy_j", s1), 369000.75);
  EXPECT_EQ(Num(j, "platform_power_cap_w", s1), 1000);
  const size_t s2 = j.find("\"site\": \"s2\"", j.find("\"sites\""));
  ASSERT_NE(s2, std::string::npos);
  EXPECT_DOUBLE_EQ(Num(j, "it_energy_j", s2), 7500);
  EXPECT_DOUBLE_EQ(Num(j, "facility_energy_j", s2), 9000);
  EXPECT_EQ(Num(j, "platform_power_cap_w", s2), 0);

  EXPECT_EQ(Num(j, "scheduler_events"), 12);
  EXPECT_EQ(Num(j, "instants"), 7);
  EXPECT_EQ(j.find("\"replicas\""), std::string::npos);  // no serving section without streams
}

TEST(SummaryJson, CapInForceAndCapDomains) {
  // Site s1's cap in force: 1000 W for 50 s, 400 W for 50 s, then uncapped for 50 s: lowest
  // 400 W, time-weighted mean over the capped 100 s (1000 x 50 + 400 x 50) / 100 = 700 W. The
  // platform figure stays under platform_power_cap_w. A fleet cap domain gets its own rows and
  // summary entry with the same statistics (500 W for the whole 150 s, 600 W drawn).
  RunResult r = TinyRun();
  r.end_time_s = 150;
  r.site_samples.clear();
  for (auto [t, cap] : {std::pair{0.0, 1000.0}, {50.0, 400.0}, {100.0, 0.0}}) {
    SiteSample x;
    x.time_s = t;
    x.site = 0;
    x.power_cap_w = cap;
    x.it_power_w = 100;
    x.facility_power_w = x.committed_power_w = 150;
    r.site_samples.push_back(x);
  }
  r.power_domains.push_back({"fleet", "fleet"});
  SiteSample f;
  f.site = 0;
  f.power_cap_w = 500;
  f.it_power_w = 400;
  f.facility_power_w = f.committed_power_w = 600;
  f.shed_jobs = 2;
  r.domain_samples.push_back(f);
  const std::string j = SummaryJson(r, RunInfo{"q", "fcfs", 0, 1, {}, {}}, Acc(r));
  const size_t s1 = j.find("\"site\": \"s1\"", j.find("\"sites\""));
  ASSERT_NE(s1, std::string::npos);
  EXPECT_EQ(Num(j, "platform_power_cap_w", s1), 1000);
  EXPECT_DOUBLE_EQ(Num(j, "min_power_cap_w", s1), 400);
  EXPECT_DOUBLE_EQ(Num(j, "mean_power_cap_w", s1), 700);
  EXPECT_DOUBLE_EQ(Num(j, "capped_s", s1), 100);
  const size_t fd = j.find("\"domain\": \"fleet\"", j.find("\"power_domains\""));
  ASSERT_NE(fd, std::string::npos) << j;
  EXPECT_DOUBLE_EQ(Num(j, "mean_power_cap_w", fd), 500);
  EXPECT_DOUBLE_EQ(Num(j, "over_cap_s", fd), 150);
  EXPECT_DOUBLE_EQ(Num(j, "over_cap_energy_j", fd), 100 * 150);
  EXPECT_EQ(Num(j, "shed_jobs", fd), 2);
  const std::string csv = PowerDomainsCsv(r);
  EXPECT_EQ(csv.substr(0, csv.find('\n')),
            "time_s,domain,scope,it_power_w,facility_power_w,committed_power_w,power_cap_w,"
            "headroom_w,jobs_running,jobs_slowed,job_accelerators_pstate0,serving_power_share,"
            "shed_jobs_total,dvfs_changes_total,"
            "throttle_changes_total");
  EXPECT_NE(csv.find("\n0,fleet,fleet,400,600,600,500,-100,"), std::string::npos) << csv;
  // Without cap domains there is no power_domains entry (outputs as before).
  r.power_domains.clear();
  r.domain_samples.clear();
  EXPECT_EQ(SummaryJson(r, RunInfo{"q", "fcfs", 0, 1, {}, {}}, Acc(r)).find("power_domains"),
            std::string::npos);
}

TEST(SummaryJson, UndefinedStatisticsAreNull) {
  RunResult r = TinyRun();
  r.jobs = {Job(4, 30, -1, -1, 100, 100, 8, -1, 0, JobStatus::kQueued, 0)};
  const std::string j = SummaryJson(r, RunInfo{"q", "fcfs", 0, 1, {}, {}}, Acc(r));
  for (const char* k : {"wait_mean_s", "wait_p50_s", "wait_p95_s", "wait_p99_s", "flow_time_mean_s",
                        "bounded_slowdown_mean"}) {
    EXPECT_NE(j.find(std::string("\"") + k + "\": null"), std::string::npos) << k << "\n" << j;
  }
  EXPECT_EQ(Num(j, "wait_max_s"), 0);
  EXPECT_EQ(j.find("nan"), std::string::npos);  // valid JSON
}

}  // namespace
}  // namespace fleetsim::metrics
