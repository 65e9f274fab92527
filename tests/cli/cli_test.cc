// End-to-end tests through the fleetsim binary (SimGrid allows one engine per process).
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "gtest/gtest.h"
#include "tests/cli/cli_util.h"
#include "tests/sched/reference_replay.h"

namespace {
namespace fs = std::filesystem;
using fleetsim::testing_util::ReadPeerStarts;
using fleetsim::testing_util::SharedDir;

using fleetsim::cli_test::Fleetsim;
using fleetsim::cli_test::Slurp;
using fleetsim::cli_test::Src;
using fleetsim::cli_test::Tmp;

TEST(Cli, HelpIsCompleteAndExitsZero) {
  auto r = Fleetsim("--help");
  EXPECT_EQ(r.status, 0);
  for (const char* s : {"run", "validate", "replay-swf", "platform", "--out", "--seed", "--set",
                        "--quiet", "--policy", "--estimates", "--processors", "Exit status",
                        "sweep plan", "sweep run", "sweep status", "sweep collect", "sweep slurm",
                        "--jobs", "--runs", "--chunk", "--run-id", "143"}) {
    EXPECT_NE(r.out.find(s), std::string::npos) << s;
  }
}

TEST(Cli, UnknownCommandAndOptionExitTwo) {
  EXPECT_EQ(Fleetsim("frobnicate").status, 2);
  auto r = Fleetsim("run " + Src("workloads/examples/two-site-training.yaml") + " --bogus 3");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("unknown option '--bogus'"), std::string::npos) << r.err;
}

TEST(Cli, DefaultScenarioRunsAndIsDeterministic) {
  std::string a = Tmp("def_a"), b = Tmp("def_b");
  auto r1 = Fleetsim("run " + Src("workloads/examples/two-site-training.yaml") + " --quiet --out " + a);
  ASSERT_EQ(r1.status, 0) << r1.err;
  auto r2 = Fleetsim("run " + Src("workloads/examples/two-site-training.yaml") + " --quiet --out " + b);
  ASSERT_EQ(r2.status, 0) << r2.err;
  for (const char* f : {"jobs.csv", "utilization.csv", "summary.json"}) {
    std::string x = Slurp(a + "/" + f);
    EXPECT_FALSE(x.empty()) << f;
    EXPECT_EQ(x, Slurp(b + "/" + f)) << f << " differs between identical runs";
  }
  EXPECT_NE(Slurp(a + "/manifest.json").find("\"sha256\""), std::string::npos);
  EXPECT_EQ(r1.err, "");  // --quiet
}

TEST(Cli, ProgressGoesToStderr) {
  auto r = Fleetsim("run " + Src("workloads/examples/two-site-training.yaml") + " --out " + Tmp("def_p"));
  ASSERT_EQ(r.status, 0);
  EXPECT_NE(r.err.find("[fleetsim] sim t="), std::string::npos);
  EXPECT_NE(r.err.find("ETA"), std::string::npos);
}

TEST(Cli, PowerNeverExceedsFullLoadAndMatchesEnergyPlugin) {
  std::string d = Tmp("def_pw");
  ASSERT_EQ(Fleetsim("run " + Src("workloads/examples/two-site-training.yaml") + " --quiet --out " + d).status, 0);
  // Max IT power per cluster at full load: 16 H100 nodes x 10.2 kW, 4 GB200 racks x 120 kW.
  std::map<std::string, double> full = {{"azure-example.h100", 16 * 10200.0},
                                        {"oci-example.gb200", 4 * 120000.0}};
  std::ifstream in(d + "/utilization.csv");
  std::string line;
  std::getline(in, line);
  int rows = 0;
  while (std::getline(in, line)) {
    std::stringstream ss(line);
    std::string f[8];
    for (auto& x : f) std::getline(ss, x, ',');
    double busy = std::stod(f[4]), online = std::stod(f[5]), p = std::stod(f[7]);
    EXPECT_LE(busy, online);
    EXPECT_LE(p, full[f[2]] + 1e-6) << line;
    ++rows;
  }
  EXPECT_GT(rows, 10);
  // The accountant's integral and SimGrid's energy plugin agree within 1%.
  std::string s = Slurp(d + "/summary.json");
  size_t pos = 0;
  int checked = 0;
  while ((pos = s.find("\"energy_j\": ", pos)) != std::string::npos) {
    double e = std::stod(s.substr(pos + 12));
    size_t q = s.find("\"energy_accounted_j\": ", pos);
    double acc = std::stod(s.substr(q + 22));
    EXPECT_NEAR(acc / e, 1.0, 0.01);
    pos = q;
    ++checked;
  }
  EXPECT_EQ(checked, 2);
}

TEST(Cli, PhasedTrancheComesOnlineAtItsDate) {
  std::string d = Tmp("def_phase");
  ASSERT_EQ(Fleetsim("run " + Src("workloads/examples/two-site-training.yaml") + " --quiet --out " + d).status, 0);
  // 2026-01-01 -> 2026-01-15 is 14 days = 1209600 s: the GB200 cluster goes from 144 to 288.
  std::ifstream in(d + "/utilization.csv");
  std::string line;
  std::getline(in, line);
  double first_288 = -1, last_144 = -1;
  while (std::getline(in, line)) {
    if (line.find("oci-example.gb200") == std::string::npos) continue;
    std::stringstream ss(line);
    std::string f[8];
    for (auto& x : f) std::getline(ss, x, ',');
    double t = std::stod(f[0]);
    if (f[5] == "144") last_144 = t;
    if (f[5] == "288" && first_288 < 0) first_288 = t;
  }
  EXPECT_EQ(first_288, 1209600);
  EXPECT_LT(last_144, 1209600);
}

TEST(Cli, SetOverridesAnyField) {
  std::string d = Tmp("def_set");
  auto r = Fleetsim("run " + Src("workloads/examples/two-site-training.yaml") +
               " --quiet --set scheduler.policy=fcfs --set workload.jobs.0.run_s=77 --out " + d);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(Slurp(d + "/summary.json").find("\"policy\": \"fcfs\""), std::string::npos);
  EXPECT_NE(Slurp(d + "/jobs.csv").find(",77,"), std::string::npos);
  auto bad = Fleetsim("run " + Src("workloads/examples/two-site-training.yaml") + " --set scheduler.policy=lottery --out " + Tmp("x"));
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("scheduler.policy: unknown value 'lottery'"), std::string::npos) << bad.err;
}

// Every invalid fixture fails validation with exit 2, the expected message, and no output.
TEST(Cli, InvalidInputsGiveOneLineAndNoOutput) {
  struct Case {
    const char* file;
    const char* message;
  } cases[] = {
      {"unknown_key.yaml", "unknown_key.yaml:8:1: colour: unknown key"},
      {"negative_run.yaml",
       "negative_run.yaml:10:35: workload.jobs[0].run_s: must be >= 1e-06, got -5"},
      {"missing_platform.yaml", "platform: file not found"},
      {"bad_policy.yaml", "scheduler.policy: unknown value 'sjf'"},
      {"malformed.yaml", "malformed YAML"},
      {"too_big_job.yaml", "job 1: needs 100000 accelerators"},
      {"unknown_system.yaml",
       "unknown_system.yaml:7:66: workload.jobs[0].systems[0]: no cluster of "
       "$P has system 'tpu_v9' (it has: gb200_nvl72, hgx_h100)"},
      {"unknown_vendor.yaml",
       "unknown_vendor.yaml:7:74: workload.jobs[0].vendors[1]: no cluster of "
       "$P has vendor 'Nvidia' (it has: NVIDIA)"},
      {"unknown_site.yaml",
       "unknown_site.yaml:8:64: workload.jobs[1].sites[0]: no cluster of "
       "$P has site 'eu-north' (it has: "
       "azure-example, oci-example)"},
      {"run_s_by_unknown_system.yaml",
       "run_s_by_unknown_system.yaml:11:39: workload.jobs[0].run_s_by_system.gb200: no cluster "
       "of $P has system 'gb200' (it has: gb200_nvl72, hgx_h100)"},
      {"vendors_not_list.yaml",
       "vendors_not_list.yaml:7:65: workload.jobs[0].vendors: must be a list"},
      {"sites_empty_name.yaml",
       "sites_empty_name.yaml:7:64: workload.jobs[0].sites[0]: must be a site name"},
      // Memory rule (sim/training/memory.h): 16 B x 405e9 / 8 = 810 GB > 0.75 x 80 GB.
      {"state_does_not_fit.yaml",
       "job 7: no cluster of $P can run it: cluster "
       "azure-example.h100 (system hgx_h100): training state needs 810.0 GB per accelerator on 8 "
       "accelerators, 60.0 GB usable"},
      {"wrong_type.yaml", "workload.jobs[0].accelerators: must be an integer, got 'many'"},
      {"duplicate_id.yaml", "duplicate job id 1"},
      {"missing_field.yaml", "workload.jobs[0].run_s: missing required field"},
      {"bad_date.yaml", "start_date: no such date: '2026-02-30'"},
      {"bad_swf.yaml", "bad.swf:3: field 4 (run_time): not a number: 'x'"},
      {"cost_unknown_site.yaml",
       "cost_unknown_site.yaml:11:7: cost.electricity[1].site: no site 'eu-north' in $P"},
      {"cost_unknown_system.yaml",
       "cost_unknown_system.yaml:8:11: cost.capex[0].system: no cluster of system 'tpu_v9' in $P"},
      // Runs larger than a cluster (sim/engine/exchange.h).
      {"span_without_work.yaml",
       "span_without_work.yaml:7:62: workload.jobs[0].span: needs model and work"},
      {"span_unknown.yaml",
       "span_unknown.yaml:7:51: workload.jobs[0].span: unknown value 'regions'"},
      {"span_unrouted.yaml",
       "span_unrouted.yaml:8:53: workload.jobs[0].span: job 1 needs 400 accelerators (span: "
       "sites: of one system) but no cluster of $P and no set of clusters joined by its links "
       "has that many"},
  };
  for (const auto& c : cases) {
    std::string out = Tmp(std::string("inv_") + c.file);
    auto r = Fleetsim("run " + Src(std::string("tests/data/invalid/") + c.file) + " --quiet --out " + out);
    EXPECT_EQ(r.status, 2) << c.file << ": " << r.err;
    std::string message = c.message;  // $P: the platform the fixtures name
    if (size_t at = message.find("$P"); at != std::string::npos) {
      message.replace(at, 2, Src("platforms/examples/two-site.xml"));
    }
    EXPECT_NE(r.err.find(message), std::string::npos) << c.file << ": " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << c.file << ": " << r.err;
    EXPECT_FALSE(fs::exists(out)) << c.file << " left output behind";
    EXPECT_EQ(Fleetsim("validate " + Src(std::string("tests/data/invalid/") + c.file)).status, 2) << c.file;
  }
}

TEST(Cli, ValidateChecksWithoutWriting) {
  auto r = Fleetsim("validate " + Src("workloads/examples/two-site-training.yaml"));
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("ok (40 jobs, 0 streams, 2 clusters, policy easy)"), std::string::npos) << r.out;
}

TEST(Cli, ReplaySwfMatchesPeerJobByJob) {
  FLEETSIM_REQUIRE_SHARED("data/swf/KTH-SP2.predictsim-strongfiltered.swf",
                          "data/reference/peer-runs/pyss-out_KTH_easy.swf.gz",
                          "data/reference/peer-runs/pyss-out_KTH_easy_clairvoyant.swf.gz");
  struct Case {
    const char* estimates;
    const char* peer;
    const char* bsld;
  } cases[] = {{"user", "pyss-out_KTH_easy.swf.gz", "\"bounded_slowdown_mean\": 92.5765"},
               {"exact", "pyss-out_KTH_easy_clairvoyant.swf.gz", "\"bounded_slowdown_mean\": 71.7223"}};
  for (const auto& c : cases) {
    std::string d = Tmp(std::string("kth_") + c.estimates);
    auto r = Fleetsim("replay-swf " + SharedDir() + "/data/swf/KTH-SP2.predictsim-strongfiltered.swf --policy easy --estimates " +
                 c.estimates + " --quiet --out " + d);
    ASSERT_EQ(r.status, 0) << r.err;
    auto peer = ReadPeerStarts(SharedDir() + "/data/reference/peer-runs/" + c.peer);
    ASSERT_EQ(peer.size(), 28481u);
    std::ifstream in(d + "/jobs.csv");
    std::string line;
    std::getline(in, line);
    size_t n = 0, bad = 0;
    while (std::getline(in, line)) {
      std::stringstream ss(line);
      std::string id, submit, start;
      std::getline(ss, id, ',');
      std::getline(ss, submit, ',');
      std::getline(ss, start, ',');
      ++n;
      if (std::stod(start) != peer[std::stoll(id)]) ++bad;
    }
    EXPECT_EQ(n, 28481u);
    EXPECT_EQ(bad, 0u) << c.estimates << ": jobs whose start differs from the peer run";
    EXPECT_NE(Slurp(d + "/summary.json").find(c.bsld), std::string::npos) << c.estimates;
  }
}

TEST(Cli, ReplaySwfBadTraceExitsTwo) {
  std::string out = Tmp("swf_bad");
  auto r = Fleetsim("replay-swf " + Src("tests/data/invalid/bad.swf") + " --quiet --out " + out);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("bad.swf:3: field 4 (run_time): not a number: 'x'"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out));
  EXPECT_EQ(Fleetsim("replay-swf " + Src("tests/data/invalid/bad.swf") + " --policy lifo --out " + out).status, 2);
}

}  // namespace


namespace {
using fleetsim::cli_test::JsonNumber;
using fleetsim::cli_test::ReadCsv;

// A schedule small enough to work out by hand. H100 cluster: 16 nodes x 8 GPUs, idle 2.5 kW,
// full 10.2 kW per node. Job 1 takes all 128 GPUs for 0-100 s; jobs 2 (64 GPUs, 50 s) and 3
// (64 GPUs, 200 s) wait for it and both start at 100 s. Waits 0, 90, 80; bounded slowdowns 1,
// (90+50)/50 = 2.8, (80+200)/200 = 1.4; flow times 100, 140, 280. H100 energy: 16 full nodes
// for 150 s (24.48 MJ), then 8 full + 8 idle for 150 s (15.24 MJ) = 39.72 MJ. The GB200 site's
// 2 online racks idle at 30 kW for 300 s = 18 MJ (its second tranche is off, 0 W).
TEST(Cli, HandWorkedScheduleSummaryAndEnergy) {
  const std::string d = Tmp("hand");
  auto r = Fleetsim("run " + Src("tests/data/valid/hand_schedule.yaml") + " --quiet --out " + d);
  ASSERT_EQ(r.status, 0) << r.err;
  auto jobs = ReadCsv(d + "/jobs.csv");
  ASSERT_EQ(jobs.size(), 3u);
  const char* start[] = {"0", "100", "100"};
  const char* end[] = {"100", "150", "300"};
  const double energy[] = {16 * 10200.0 * 100, 8 * 10200.0 * 50, 8 * 10200.0 * 200};
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(jobs[i].at("start_s"), start[i]);
    EXPECT_EQ(jobs[i].at("end_s"), end[i]);
    EXPECT_NEAR(std::stod(jobs[i].at("energy_j")), energy[i], 1e-6 * energy[i]);
  }
  const std::string s = Slurp(d + "/summary.json");
  EXPECT_DOUBLE_EQ(JsonNumber(s, "end_time_s"), 300);
  EXPECT_NEAR(JsonNumber(s, "wait_mean_s"), 170.0 / 3, 1e-9);
  EXPECT_NEAR(JsonNumber(s, "wait_p50_s"), 80, 1e-9);
  EXPECT_NEAR(JsonNumber(s, "wait_p95_s"), 89, 1e-9);  // type 7: 80 + 0.9 x 10
  EXPECT_NEAR(JsonNumber(s, "wait_p99_s"), 89.8, 1e-9);
  EXPECT_NEAR(JsonNumber(s, "flow_time_mean_s"), 520.0 / 3, 1e-9);
  EXPECT_NEAR(JsonNumber(s, "bounded_slowdown_mean"), 5.2 / 3, 1e-9);
  const size_t h100 = s.find("\"cluster\": \"azure-example.h100\"");
  const size_t gb200 = s.find("\"cluster\": \"oci-example.gb200\"");
  ASSERT_NE(h100, std::string::npos);
  ASSERT_NE(gb200, std::string::npos);
  EXPECT_NEAR(JsonNumber(s, "utilization", h100), 28800.0 / 38400, 1e-12);
  EXPECT_NEAR(JsonNumber(s, "energy_j", h100), 39.72e6, 1e-6 * 39.72e6);
  EXPECT_NEAR(JsonNumber(s, "energy_accounted_j", h100), 39.72e6, 1e-6 * 39.72e6);
  EXPECT_NEAR(JsonNumber(s, "energy_j", gb200), 18e6, 1e-6 * 18e6);
  // Fleet: 28,800 busy GPU-s of (128 + 144) GPUs x 300 s.
  // The fleet's utilization follows the clusters array, just before "sites".
  const size_t fleet = s.rfind("\"utilization\": ", s.find("\"sites\""));
  EXPECT_NEAR(JsonNumber(s, "utilization", fleet), 28800.0 / 81600, 1e-12);
}

}  // namespace

namespace {
using fleetsim::cli_test::JsonNumber;
using fleetsim::cli_test::ReadCsv;

// Issue 9 end to end: the demand-response example under DVFS keeps committed facility power
// under the cap in force at every row of power.csv, slows jobs instead of shedding them,
// and a cap naming an unknown site is one clear error (exit 2, no output).
TEST(Cli, DemandResponseExampleHoldsTheCap) {
  const std::string d = Tmp("dr");
  auto r = Fleetsim("run " + Src("workloads/examples/power-demand-response.yaml") +
                    " --quiet --out " + d);
  ASSERT_EQ(r.status, 0) << r.err;
  int64_t rows = 0, capped_rows = 0;
  for (const auto& row : ReadCsv(d + "/power.csv")) {
    ++rows;
    if (row.at("power_cap_w").empty()) continue;
    ++capped_rows;
    const double cap = std::stod(row.at("power_cap_w"));
    EXPECT_LE(std::stod(row.at("committed_power_w")), cap * (1 + 1e-9)) << row.at("time_s");
    EXPECT_LE(std::stod(row.at("facility_power_w")), std::stod(row.at("committed_power_w")) + 1e-6);
  }
  EXPECT_GT(capped_rows, 100);
  // The pstate mix adds up to the site's busy training accelerators in utilization.csv (a
  // separate tally), and accelerators sit below pstate 0 exactly when enforcement slowed jobs.
  std::map<std::string, std::map<double, int64_t>> busy;  // cluster -> time -> busy
  for (const auto& row : ReadCsv(d + "/utilization.csv")) {
    if (row.at("site") != "nvidia-vr-1") continue;
    busy[row.at("cluster")][std::stod(row.at("time_s"))] =
        std::stoll(row.at("busy_accelerators")) - std::stoll(row.at("serving_accelerators"));
  }
  int64_t slowed_rows = 0;
  for (const auto& row : ReadCsv(d + "/power.csv")) {
    if (row.at("site") != "nvidia-vr-1") continue;
    const double t = std::stod(row.at("time_s"));
    int64_t want = 0;
    for (const auto& [c, series] : busy) {
      auto it = series.upper_bound(t);
      if (it != series.begin()) want += std::prev(it)->second;
    }
    int64_t total = 0, below = 0;
    for (int p = 0; row.count("job_accelerators_pstate" + std::to_string(p)); ++p) {
      const int64_t n = std::stoll(row.at("job_accelerators_pstate" + std::to_string(p)));
      total += n;
      if (p > 0) below += n;
    }
    EXPECT_EQ(total, want) << "t=" << row.at("time_s");
    EXPECT_EQ(below > 0, std::stoll(row.at("jobs_slowed")) > 0) << "t=" << row.at("time_s");
    slowed_rows += below > 0;
  }
  EXPECT_GT(slowed_rows, 0);
  const std::string s = Slurp(d + "/summary.json");
  const size_t at = s.find("\"site\": \"nvidia-vr-1\"", s.find("\"sites\": ["));
  ASSERT_NE(at, std::string::npos);
  EXPECT_EQ(JsonNumber(s.substr(at), "shed_jobs"), 0);
  EXPECT_GT(JsonNumber(s.substr(at), "dvfs_changes"), 0);
  EXPECT_EQ(JsonNumber(s.substr(at), "over_cap_s"), 0);

  const std::string bad = Tmp("dr_bad");
  auto e = Fleetsim("run " + Src("workloads/examples/power-demand-response.yaml") +
                    " --quiet --out " + bad + " --set power.caps.0.site=nowhere");
  EXPECT_EQ(e.status, 2);
  EXPECT_NE(e.err.find("power-demand-response.yaml:22:7: power.caps[0].site: no site 'nowhere'"),
            std::string::npos)
      << e.err;
  EXPECT_FALSE(fs::exists(bad));
}

// The POLCA-style example (workloads/examples/polca-oversubscription.md) for its first hour:
// measured power reaches 80% of the cap, and the low-priority deployment is throttled to its
// threshold share no sooner than the 40 s control delay after the first tick that showed it;
// nothing is throttled before that.
TEST(Cli, PolcaThresholdsThrottleAfterTheControlDelay) {
  const std::string d = Tmp("polca");
  auto r = Fleetsim("run " + Src("workloads/examples/polca-oversubscription.yaml") +
                    " --quiet --set horizon_s=3000 --out " + d);
  ASSERT_EQ(r.status, 0) << r.err;
  const double cap = 140760, t1 = 0.80 * cap;
  double first_over = -1, first_throttle = -1;
  for (const auto& row : ReadCsv(d + "/power.csv")) {
    if (row.at("site") != "azure-example") continue;
    const double t = std::stod(row.at("time_s"));
    const double share = std::stod(row.at("serving_power_share"));
    if (share < 1 && first_throttle < 0) {
      first_throttle = t;
      EXPECT_DOUBLE_EQ(share, 0.7);  // the 80% step: low priority to 0.7
    }
    if (std::stod(row.at("facility_power_w")) > t1 && first_over < 0) first_over = t;
  }
  ASSERT_GE(first_over, 0) << "the first hour must reach 80% of the cap";
  ASSERT_GE(first_throttle, 0);
  EXPECT_GE(first_throttle, first_over + 40);
}

}  // namespace
