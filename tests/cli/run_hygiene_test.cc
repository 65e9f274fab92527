// Run hygiene through the fleetsim binary: reproducible manifests, a clean output directory,
// I/O failures distinct from bad input, SIGTERM, replay-swf leaving nothing in $TMPDIR.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "tests/cli/cli_util.h"
#include "tests/shared_data.h"

namespace {
namespace fs = std::filesystem;
using fleetsim::cli_test::Fleetsim;
using fleetsim::cli_test::JsonNumber;
using fleetsim::cli_test::Slurp;
using fleetsim::cli_test::Src;
using fleetsim::cli_test::Tmp;

const char kScenario[] = "tests/data/valid/hand_schedule.yaml";

TEST(RunHygiene, ManifestIsReproducibleAndComplete) {
  const std::string a = Tmp("hyg_a"), b = Tmp("hyg_b_longer_name");
  ASSERT_EQ(Fleetsim(std::string("run ") + Src(kScenario) + " --quiet --out " + a + " --set seed=5")
                .status,
            0);
  ASSERT_EQ(Fleetsim(std::string("run ") + Src(kScenario) + " --quiet --out " + b + " --set seed=5")
                .status,
            0);
  const std::string m = Slurp(a + "/manifest.json");
  EXPECT_EQ(m, Slurp(b + "/manifest.json"));
  EXPECT_EQ(m.find(a), std::string::npos) << "manifest names the output path";
  for (const char* k : {"\"source_commit\"", "\"source_modified\"", "\"build_type\"",
                        "\"simgrid_version\"", "\"run_id\"", "\"scenario_sha256\"", "\"overrides\"",
                        "\"status\": \"complete\"", "\"seed\": 5"}) {
    EXPECT_NE(m.find(k), std::string::npos) << k << "\n" << m;
  }
  // A different effective scenario has a different hash; --seed N equals --set seed=N.
  const std::string c = Tmp("hyg_c");
  ASSERT_EQ(
      Fleetsim(std::string("run ") + Src(kScenario) + " --quiet --out " + c + " --seed 5").status,
      0);
  auto hash = [](const std::string& t) {
    size_t p = t.find("\"scenario_sha256\": \"");
    return t.substr(p + 20, 64);
  };
  EXPECT_EQ(hash(Slurp(c + "/manifest.json")), hash(m));
  ASSERT_EQ(
      Fleetsim(std::string("run ") + Src(kScenario) + " --quiet --out " + c + " --seed 6").status,
      0);
  EXPECT_NE(hash(Slurp(c + "/manifest.json")), hash(m));
  // No temporary file is left behind.
  for (const auto& e : fs::directory_iterator(a)) {
    EXPECT_EQ(e.path().filename().string().find(".tmp."), std::string::npos) << e.path();
  }
}

TEST(RunHygiene, StaleOutputsAreRemovedAndForeignDirsRefused) {
  const std::string d = Tmp("hyg_stale");
  ASSERT_EQ(Fleetsim(std::string("run ") + Src(kScenario) + " --quiet --out " + d).status, 0);
  { std::ofstream(d + "/requests.csv") << "stale from an earlier run\n"; }
  { std::ofstream(d + "/notes.txt") << "the user's\n"; }
  ASSERT_EQ(Fleetsim(std::string("run ") + Src(kScenario) + " --quiet --out " + d).status, 0);
  EXPECT_FALSE(fs::exists(d + "/requests.csv"));
  EXPECT_TRUE(fs::exists(d + "/notes.txt"));  // not ours: left alone

  const std::string f = Tmp("hyg_foreign");
  fs::create_directories(f);
  { std::ofstream(f + "/jobs.csv") << "someone else's\n"; }
  auto r = Fleetsim(std::string("run ") + Src(kScenario) + " --quiet --out " + f);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("no fleetsim manifest.json"), std::string::npos) << r.err;
  EXPECT_EQ(Slurp(f + "/jobs.csv"), "someone else's\n");
}

TEST(RunHygiene, IoFailureExitsOneNotTwo) {
  // A file where the output directory should be.
  const std::string blocker = Tmp("hyg_blocker");
  { std::ofstream(blocker) << "x"; }
  auto r = Fleetsim(std::string("run ") + Src(kScenario) + " --quiet --out " + blocker + "/out");
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_NE(r.err.find("internal/io error"), std::string::npos) << r.err;
  // A write that fails part-way (file size limit; SIGXFSZ ignored so write returns EFBIG): no
  // complete manifest, exit 1.
  const std::string d = Tmp("hyg_efbig");
  std::string cmd = "bash -c \"trap '' XFSZ; ulimit -f 4; exec " + std::string(FLEETSIM_BINARY) +
                    " run " + Src("workloads/examples/two-site-training.yaml") + " --quiet --out " +
                    d + "\" 2>" + d + ".err";
  int rc = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(rc));
  EXPECT_EQ(WEXITSTATUS(rc), 1) << Slurp(d + ".err");
  EXPECT_NE(Slurp(d + ".err").find("internal/io error"), std::string::npos) << Slurp(d + ".err");
  EXPECT_EQ(Slurp(d + "/manifest.json").find("\"status\": \"complete\""), std::string::npos);
}

// Forks `fleetsim ARGS...` with stdout to /dev/null and stderr to `err_path`; returns its pid once
// it blocks SIGTERM (main's first act): before that, during exec and dynamic loading, SIGTERM
// kills the process by default, and a fixed sleep raced with a loaded machine (seen in CI).
pid_t StartBlocked(const std::vector<std::string>& args, const std::string& err_path) {
  pid_t pid = fork();
  if (pid == 0) {
    std::freopen("/dev/null", "w", stdout);
    std::freopen(err_path.c_str(), "w", stderr);
    std::vector<char*> argv{const_cast<char*>(FLEETSIM_BINARY)};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(FLEETSIM_BINARY, argv.data());
    _exit(127);
  }
  const std::string status_path = "/proc/" + std::to_string(pid) + "/status";
  for (int i = 0; i < 2000; ++i) {
    std::ifstream in(status_path);
    std::string line;
    bool blocked = false;
    while (std::getline(in, line)) {
      if (line.rfind("SigBlk:", 0) == 0) {
        blocked = (std::stoull(line.substr(7), nullptr, 16) >> (SIGTERM - 1)) & 1;
      }
    }
    if (blocked) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return pid;
}

int WaitExit(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// A signal while the scenario and platform load (the default scenario takes about a second):
// nothing was simulated, so nothing but the "interrupted" manifest is left, and the outputs of
// an earlier complete run in the same directory are gone.
TEST(RunHygiene, SigtermWhileLoadingLeavesInterruptedManifestAndNoOutputs) {
  const std::string d = Tmp("hyg_sig");
  ASSERT_EQ(Fleetsim(std::string("run ") + Src(kScenario) + " --quiet --out " + d).status, 0);
  pid_t pid = StartBlocked({"run", Src("workloads/default.yaml"), "--quiet", "--out", d},
                           d + ".err");
  kill(pid, SIGTERM);
  EXPECT_EQ(WaitExit(pid), 143) << Slurp(d + ".err");
  EXPECT_NE(Slurp(d + "/manifest.json").find("\"status\": \"interrupted\""), std::string::npos);
  for (const char* f : {"jobs.csv", "utilization.csv", "summary.json"}) {
    EXPECT_FALSE(fs::exists(d + "/" + f)) << f;
  }
}

// SIGTERM during the simulation (as Slurm sends before a time limit, twice: from Slurm and from
// a `sweep run` parent): the run stops at its next instant and writes every output for
// [0, end_time_s], marked interrupted. The partial figures must still be right: the M/M/4
// scenario (tests/cli/serving_test.cc) is stopped once it has simulated >= 400,000 s, and its
// partial serving statistics must match Erlang C, Little's law and the arrival rate with the
// tolerances the complete 400,000 s run meets.
TEST(RunHygiene, SigtermMidRunWritesPartialOutputsMarkedInterrupted) {
  const std::string d = Tmp("hyg_sig_partial");
  const double horizon_s = 4e7;  // about 100 s of wall time: it is always stopped early
  pid_t pid = StartBlocked({"run", Src("tests/data/valid/serving_mm4.yaml"), "--out", d, "--set",
                            "horizon_s=40000000"},
                           d + ".err");
  // Progress lines ("[fleetsim] sim t=N s ...", one a second) say how far it has simulated.
  double sim_t = 0;
  const auto t0 = std::chrono::steady_clock::now();
  while (sim_t < 400000 && std::chrono::steady_clock::now() - t0 < std::chrono::seconds(120)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const std::string err = Slurp(d + ".err");
    size_t p = err.rfind("[fleetsim] sim t=");
    if (p != std::string::npos) sim_t = std::strtod(err.c_str() + p + 17, nullptr);
  }
  ASSERT_GE(sim_t, 400000) << Slurp(d + ".err");
  kill(pid, SIGTERM);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  kill(pid, SIGTERM);
  EXPECT_EQ(WaitExit(pid), 143) << Slurp(d + ".err");
  const std::string m = Slurp(d + "/manifest.json");
  EXPECT_NE(m.find("\"status\": \"interrupted\""), std::string::npos) << m;
  for (const char* f : {"jobs.csv", "utilization.csv", "power.csv", "summary.json",
                        "replicas.csv", "serving_latency.csv"}) {
    EXPECT_TRUE(fs::exists(d + "/" + f)) << f;
    EXPECT_NE(m.find(std::string("\"") + f + "\""), std::string::npos) << f;
  }
  const std::string s = Slurp(d + "/summary.json");
  EXPECT_NE(s.find("\"outcome\": \"interrupted\""), std::string::npos);
  const double end_s = JsonNumber(s, "end_time_s");
  EXPECT_GE(end_s, sim_t);
  EXPECT_LT(end_s, horizon_s);
  // Every step function closes at the stop instant.
  auto util = fleetsim::cli_test::ReadCsv(d + "/utilization.csv");
  ASSERT_FALSE(util.empty());
  EXPECT_DOUBLE_EQ(std::stod(util.back().at("time_s")), end_s);
  // The one training job (36,000 s from t = 100 s) completed long before the stop.
  auto jobs = fleetsim::cli_test::ReadCsv(d + "/jobs.csv");
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].at("status"), "completed");
  // Erlang C mean wait for M/M/4 at lambda 3.2/s, mu 1/s: 0.7455 s (serving_test.cc).
  const double lambda = 3.2, wq = 0.74548;
  const size_t sv = s.find("\"serving\"");
  const double wait = JsonNumber(s, "wait_mean_s", sv);
  const double e2e = JsonNumber(s, "e2e_mean_s", sv);
  const double in_system = JsonNumber(s, "in_system_mean", sv);
  const double throughput = JsonNumber(s, "throughput_per_s", sv);
  const double arrivals = JsonNumber(s, "arrivals", sv);
  std::printf("stopped at t=%.0f s: %.0f arrivals, wait %.4f s (Erlang C %.4f)\n", end_s,
              arrivals, wait, wq);
  EXPECT_NEAR(wait / wq, 1.0, 0.03);
  EXPECT_NEAR(in_system / (throughput * e2e), 1.0, 0.01);  // Little's law
  EXPECT_NEAR(throughput, lambda, 0.01 * lambda);
  EXPECT_NEAR(arrivals / (lambda * end_s), 1.0, 0.01);  // the statistics cover [0, end_time_s]
}

TEST(RunHygiene, ReplaySwfLeavesNothingInTmpdir) {
  const std::string trace =
      std::string(FLEETSIM_SHARED_DIR) + "/data/swf/KTH-SP2.predictsim-strongfiltered.swf";
  FLEETSIM_REQUIRE_SHARED("data/swf/KTH-SP2.predictsim-strongfiltered.swf");
  const std::string tmpdir = Tmp("hyg_tmpdir"), out = Tmp("hyg_swf");
  fs::create_directories(tmpdir);
  // Two at once into one $TMPDIR: private platform names, nothing left afterwards.
  std::string cmd = "export TMPDIR=" + tmpdir + "; head -n 400 " + trace + " > " + tmpdir +
                    "/../hyg_small.swf; " + FLEETSIM_BINARY + " replay-swf " + tmpdir +
                    "/../hyg_small.swf --processors 100 --quiet --out " + out + "a >/dev/null & " +
                    FLEETSIM_BINARY + " replay-swf " + tmpdir +
                    "/../hyg_small.swf --processors 100 --quiet --out " + out +
                    "b >/dev/null; wait $!";
  int rc = std::system(("bash -c '" + cmd + "'").c_str());
  ASSERT_TRUE(WIFEXITED(rc));
  EXPECT_EQ(WEXITSTATUS(rc), 0);
  EXPECT_TRUE(fs::is_empty(tmpdir));
  EXPECT_EQ(Slurp(out + "a/jobs.csv"), Slurp(out + "b/jobs.csv"));
}

}  // namespace
