// Sweeps end to end through the fleetsim binary: plan, run (local, resumable), status, collect,
// Slurm script (run by hand with SLURM_ARRAY_TASK_ID), interruption, and the sweep-file errors.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "gtest/gtest.h"
#include "tests/cli/cli_util.h"

namespace {
namespace fs = std::filesystem;
using fleetsim::cli_test::Fleetsim;
using fleetsim::cli_test::ReadCsv;
using fleetsim::cli_test::Slurp;
using fleetsim::cli_test::Src;
using fleetsim::cli_test::Tmp;

std::string Data(const std::string& f) { return Src("tests/data/sweep/" + f); }

// The value of "key": "..." in a JSON text.
std::string JsonString(const std::string& json, const std::string& key) {
  size_t p = json.find("\"" + key + "\": \"");
  if (p == std::string::npos) return "";
  p += key.size() + 5;
  return json.substr(p, json.find('"', p) - p);
}

TEST(Sweep, PlanRunStatusCollect) {
  const std::string d = Tmp("sweep_small"), d2 = Tmp("sweep_small2");
  auto p = Fleetsim("sweep plan " + Data("small.yaml") + " --out " + d);
  ASSERT_EQ(p.status, 0) << p.err;
  EXPECT_NE(p.out.find("8 runs"), std::string::npos) << p.out;
  // Deterministic: a second plan elsewhere is identical; re-planning into the same dir is a no-op.
  ASSERT_EQ(Fleetsim("sweep plan " + Data("small.yaml") + " --out " + d2).status, 0);
  EXPECT_EQ(Slurp(d + "/index.csv"), Slurp(d2 + "/index.csv"));
  EXPECT_EQ(Slurp(d + "/scenarios/r0005.yaml"), Slurp(d2 + "/scenarios/r0005.yaml"));
  EXPECT_EQ(Fleetsim("sweep plan " + Data("small.yaml") + " --out " + d).status, 0);
  auto idx = ReadCsv(d + "/index.csv");
  ASSERT_EQ(idx.size(), 8u);
  // Plan order: first axis outermost, seeds innermost.
  EXPECT_EQ(idx[0].at("scheduler.policy"), "fcfs");
  EXPECT_EQ(idx[0].at("workload.jobs.0.run_s"), "100");
  EXPECT_EQ(idx[0].at("workload.jobs.1.run_s"), "50");
  EXPECT_EQ(idx[0].at("seed"), "1");
  EXPECT_EQ(idx[1].at("seed"), "2");
  EXPECT_EQ(idx[2].at("workload.jobs.0.run_s"), "200");
  EXPECT_EQ(idx[2].at("workload.jobs.1.run_s"), "60");
  EXPECT_EQ(idx[7].at("scheduler.policy"), "easy");
  EXPECT_EQ(fleetsim::cli_test::Slurp(d + "/scenarios/r0003.yaml").find("run_s: 200") !=
                std::string::npos,
            true);

  auto st0 = Fleetsim("sweep status " + d);
  EXPECT_EQ(st0.status, 0);
  EXPECT_NE(st0.out.find("8 runs: 0 done, 0 failed, 0 interrupted, 0 running, 8 not run"),
            std::string::npos)
      << st0.out;

  // Part of the sweep first (positions 0-2), then the rest: finished runs are skipped.
  auto r1 = Fleetsim("sweep run " + d + " --runs 0-2 --jobs 2");
  ASSERT_EQ(r1.status, 0) << r1.err;
  EXPECT_NE(r1.err.find("3/3 done, 0 failed"), std::string::npos) << r1.err;
  auto r2 = Fleetsim("sweep run " + d + " --jobs 2");
  ASSERT_EQ(r2.status, 0) << r2.err;
  EXPECT_NE(r2.err.find("3 already done, 5 to run"), std::string::npos) << r2.err;
  auto r3 = Fleetsim("sweep run " + d + " --quiet");
  ASSERT_EQ(r3.status, 0) << r3.err;
  EXPECT_EQ(r3.err, "");
  EXPECT_NE(Fleetsim("sweep status " + d).out.find("8 runs: 8 done"), std::string::npos);
  // The run's manifest carries the run id and the same scenario hash as the index.
  const std::string m = Slurp(d + "/runs/r0004/manifest.json");
  EXPECT_EQ(JsonString(m, "run_id"), "r0004");
  EXPECT_EQ(JsonString(m, "scenario_sha256"), idx[4].at("scenario_sha256"));
  EXPECT_EQ(JsonString(m, "status"), "complete");
  EXPECT_NE(Slurp(d + "/state/r0004.json").find("\"max_rss_kb\""), std::string::npos);

  auto c = Fleetsim("sweep collect " + d);
  ASSERT_EQ(c.status, 0) << c.err;
  auto rows = ReadCsv(d + "/results.csv");
  ASSERT_EQ(rows.size(), 8u);
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].at("run_id"), idx[i].at("run_id"));
    EXPECT_EQ(rows[i].at("status"), "done");
    EXPECT_EQ(rows[i].at("scheduler.policy"), idx[i].at("scheduler.policy"));
    EXPECT_EQ(rows[i].at("policy"), idx[i].at("scheduler.policy"));  // from summary.json
    EXPECT_EQ(rows[i].at("jobs.total"), "3");
    EXPECT_FALSE(rows[i].at("jobs.wait_mean_s").empty());
    EXPECT_FALSE(rows[i].at("utilization").empty());
  }
  // Hand-worked schedule (Cli.HandWorkedScheduleSummaryAndEnergy): under EASY job 3 backfills
  // and no job waits... under FCFS job 3 waits for job 2. Check the ordering only.
  auto sum = ReadCsv(d + "/results_summary.csv");
  int n_wait = 0;
  for (const auto& r : sum) {
    if (r.at("metric") != "jobs.total") continue;
    ++n_wait;
    EXPECT_EQ(r.at("n"), "2");
    EXPECT_EQ(r.at("mean"), "3");
    EXPECT_EQ(r.at("sd"), "0");
  }
  EXPECT_EQ(n_wait, 4);  // 2 policies x 2 zipped points
}

// scripts/plot_sweep.py reads results.csv: one PNG; bad input is one line, exit 2, no plot.
TEST(Sweep, PlotSweep) {
  const std::string d = Tmp("sweep_plot");
  ASSERT_EQ(Fleetsim("sweep plan " + Data("small.yaml") + " --out " + d).status, 0);
  ASSERT_EQ(Fleetsim("sweep run " + d + " --jobs 2 --quiet --runs 0-3").status, 0);
  ASSERT_EQ(Fleetsim("sweep collect " + d).status, 0);
  auto py = [&](const std::string& args) {
    const std::string so = d + "/py.out", se = d + "/py.err";
    int rc = std::system(
        ("/usr/bin/python3 " + Src("scripts/plot_sweep.py") + " " + args + " >" + so + " 2>" + se)
            .c_str());
    return std::make_pair(WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, Slurp(so) + Slurp(se));
  };
  auto ok = py(d + " --x workload.jobs.0.run_s --metric jobs.wait_mean_s --hue scheduler.policy");
  EXPECT_EQ(ok.first, 0) << ok.second;
  EXPECT_GT(fs::file_size(d + "/jobs.wait_mean_s_vs_workload.jobs.0.run_s.png"), 10000u);
  auto heat = py(d + " --x workload.jobs.0.run_s --y workload.jobs.1.run_s --metric jobs.wait_mean_s");
  EXPECT_EQ(heat.first, 0) << heat.second;
  EXPECT_GT(fs::file_size(d + "/jobs.wait_mean_s_vs_workload.jobs.0.run_s_workload.jobs.1.run_s.png"), 10000u);
  EXPECT_EQ(py(d + " --x a --y b --hue c --metric m").first, 2);
  auto bad = py(d + " --x nosuch --metric jobs.wait_mean_s --out " + d + "/bad.png");
  EXPECT_EQ(bad.first, 2);
  EXPECT_EQ(bad.second, "plot_sweep.py: " + d + "/results.csv: line 1: no column nosuch\n");
  EXPECT_FALSE(fs::exists(d + "/bad.png"));
  auto missing = py(d + "/absent --x a --metric b");
  EXPECT_EQ(missing.first, 2);
  EXPECT_NE(missing.second.find("file not found"), std::string::npos) << missing.second;
}

TEST(Sweep, FailedRunIsListedAndRetried) {
  const std::string d = Tmp("sweep_fail");
  ASSERT_EQ(Fleetsim("sweep plan " + Data("one_fails.yaml") + " --out " + d).status, 0);
  auto r = Fleetsim("sweep run " + d + " --jobs 2");
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_NE(r.err.find("r0001 failed (exit status 2)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("tpu_v9"), std::string::npos) << r.err;  // stderr tail
  auto s = Fleetsim("sweep status " + d);
  EXPECT_NE(s.out.find("2 runs: 1 done, 1 failed"), std::string::npos) << s.out;
  EXPECT_NE(s.out.find("r0001 failed (exit status 2)"), std::string::npos) << s.out;
  // A second run retries only the failed one.
  auto r2 = Fleetsim("sweep run " + d);
  EXPECT_EQ(r2.status, 1);
  EXPECT_NE(r2.err.find("1 already done, 1 to run"), std::string::npos) << r2.err;
  ASSERT_EQ(Fleetsim("sweep collect " + d).status, 0);
  auto rows = ReadCsv(d + "/results.csv");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].at("status"), "failed");
  EXPECT_EQ(rows[1].at("jobs.total"), "");
}

TEST(Sweep, RunHeldByAnotherLiveProcessIsSkipped) {
  const std::string d = Tmp("sweep_busy_run");
  ASSERT_EQ(Fleetsim("sweep plan " + Data("small.yaml") + " --out " + d).status, 0);
  char host[256] = "";
  gethostname(host, sizeof(host) - 1);
  fs::create_directories(d + "/state");
  // This test process stands in for another runner's live child.
  std::ofstream(d + "/state/r0000.json")
      << "{\"status\": \"running\", \"host\": \"" << host << "\", \"pid\": " << getpid() << "}\n";
  auto r = Fleetsim("sweep run " + d + " --runs 0-1");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("r0000 skipped: running in another process on this host"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("1/1 done"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(d + "/runs/r0000"));
}

TEST(Sweep, SamplesAreDeterministicAndStratified) {
  const std::string d = Tmp("sweep_samples"), d2 = Tmp("sweep_samples2");
  auto p = Fleetsim("sweep plan " + Data("samples.yaml") + " --out " + d);
  ASSERT_EQ(p.status, 0) << p.err;
  ASSERT_EQ(Fleetsim("sweep plan " + Data("samples.yaml") + " --out " + d2).status, 0);
  EXPECT_EQ(Slurp(d + "/index.csv"), Slurp(d2 + "/index.csv"));
  auto idx = ReadCsv(d + "/index.csv");
  ASSERT_EQ(idx.size(), 10u);  // 5 LHS x 2 random
  // LHS: one sample in each fifth of [100, 600].
  std::vector<int> strata(5, 0);
  for (size_t i = 0; i < idx.size(); i += 2) {
    int v = std::stoi(idx[i].at("workload.jobs.0.run_s"));
    ASSERT_GE(v, 100);
    ASSERT_LE(v, 600);
    ++strata[std::min(4, (v - 100) / 100)];
  }
  for (int c : strata) EXPECT_EQ(c, 1);
  for (const auto& r : idx) {
    double v = std::stod(r.at("workload.jobs.2.run_s"));
    EXPECT_GE(v, 10);
    EXPECT_LE(v, 1000);
  }
}

TEST(Sweep, BadSweepFilesExitTwoWithOneLine) {
  struct Case {
    std::string file, expect;
  } cases[] = {
      {"unknown_key.yaml", "unknown_key.yaml:5:5: axes[0].extra: unknown key"},
      {"bad_value.yaml",
       "run r0002 (scheduler.policy=nosuch, seed=1): --set scheduler.policy=nosuch"},
      {"zip_lengths.yaml", "zip_lengths.yaml:4:7: axes[0].zip: lists must have equal lengths"},
      {"missing.yaml", "missing.yaml"},
  };
  for (const auto& c : cases) {
    const std::string d = Tmp("sweep_bad");
    auto r = Fleetsim("sweep plan " + Data(c.file) + " --out " + d);
    EXPECT_EQ(r.status, 2) << c.file << ": " << r.err;
    EXPECT_NE(r.err.find(c.expect), std::string::npos) << c.file << ": " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_FALSE(fs::exists(d)) << c.file << ": partial output";
  }
  // A directory holding something else is never planned into.
  const std::string d = Tmp("sweep_busy");
  fs::create_directories(d);
  { std::ofstream(d + "/notes.txt") << "mine"; }
  auto r = Fleetsim("sweep plan " + Data("small.yaml") + " --out " + d);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("not empty"), std::string::npos) << r.err;
  EXPECT_EQ(Fleetsim("sweep run " + Tmp("no_such_sweep")).status, 2);
  EXPECT_EQ(Fleetsim("sweep frob x").status, 2);
}

TEST(Sweep, SlurmScriptContentAndOneTaskByHand) {
  const std::string d = Tmp("sweep_slurm");
  ASSERT_EQ(Fleetsim("sweep plan " + Data("small.yaml") + " --out " + d).status, 0);
  auto r = Fleetsim(
      "sweep slurm " + d +
      " --chunk 3 --max-concurrent 2 --partition debug --time 00:10:00 --mem 1G --account proj");
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string s = Slurp(d + "/sweep.sbatch");
  for (const char* want :
       {"#!/bin/bash", "#SBATCH --array=0-2%2", "#SBATCH --partition=debug",
        "#SBATCH --time=00:10:00", "#SBATCH --mem=1G", "#SBATCH --account=proj", "CHUNK=3",
        "NRUNS=8", "logs/slurm-%A_%a.out", "exec \"$FLEETSIM\" sweep run"}) {
    EXPECT_NE(s.find(want), std::string::npos) << want << "\n" << s;
  }
  // Task 2 of 3 holds positions 6-7 (the last, short chunk).
  int rc = std::system(("cd " + d + " && SLURM_ARRAY_TASK_ID=2 bash sweep.sbatch").c_str());
  ASSERT_TRUE(WIFEXITED(rc) && WEXITSTATUS(rc) == 0);
  auto st = Fleetsim("sweep status " + d);
  EXPECT_NE(st.out.find("8 runs: 2 done"), std::string::npos) << st.out;
  EXPECT_TRUE(fs::exists(d + "/runs/r0006/summary.json"));
  EXPECT_TRUE(fs::exists(d + "/runs/r0007/summary.json"));
  EXPECT_FALSE(fs::exists(d + "/runs/r0005"));
  // Option values land on #SBATCH lines: anything shell-like is refused.
  auto bad = Fleetsim("sweep slurm " + d + " --time '1:00 --wrap=x'");
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("--time"), std::string::npos) << bad.err;
  EXPECT_EQ(Fleetsim("sweep slurm " + d + " --chunk 0").status, 2);
}

// Runs `fleetsim ARGS` in the background, sends `sig` after `delay_ms`, returns the exit status.
int RunAndSignal(const std::string& args, int sig, int delay_ms, std::string* err) {
  const std::string ef = Tmp("sig_err");
  pid_t pid = fork();
  if (pid == 0) {
    FILE* f = std::freopen(ef.c_str(), "w", stderr);
    (void)f;
    std::freopen("/dev/null", "w", stdout);
    execl("/bin/sh", "sh", "-c", ("exec " + std::string(FLEETSIM_BINARY) + " " + args).c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  // Signal it only once it blocks `sig` (main's first act): before that, during exec and dynamic
  // loading, the signal kills it by default, and a fixed sleep alone raced with a loaded machine
  // (seen with the sanitizer build; tests/cli/run_hygiene_test.cc does the same).
  const std::string status_path = "/proc/" + std::to_string(pid) + "/status";
  for (int i = 0; i < 2000; ++i) {
    std::ifstream in(status_path);
    std::string line;
    bool blocked = false;
    while (std::getline(in, line)) {
      if (line.rfind("SigBlk:", 0) == 0) {
        blocked = (std::stoull(line.substr(7), nullptr, 16) >> (sig - 1)) & 1;
      }
    }
    if (blocked) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
  kill(pid, sig);
  int status = 0;
  waitpid(pid, &status, 0);
  *err = Slurp(ef);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(Sweep, SigtermStopsSweepAndMarksRunsInterrupted) {
  const std::string d = Tmp("sweep_sig");
  ASSERT_EQ(Fleetsim("sweep plan " + Data("two_default.yaml") + " --out " + d).status, 0);
  std::string err;
  EXPECT_EQ(RunAndSignal("sweep run " + d + " --jobs 2 --quiet", SIGTERM, 400, &err), 143) << err;
  EXPECT_NE(err.find("interrupted"), std::string::npos) << err;
  auto st = Fleetsim("sweep status " + d);
  EXPECT_NE(st.out.find("2 runs: 0 done, 0 failed, 2 interrupted"), std::string::npos) << st.out;
  for (const char* id : {"r0000", "r0001"}) {
    const std::string run = d + "/runs/" + id;
    EXPECT_EQ(JsonString(Slurp(run + "/manifest.json"), "status"), "interrupted");
    EXPECT_FALSE(fs::exists(run + "/summary.json"));
  }
}

}  // namespace
