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

#include "gtest/gtest.h"
#include "tests/cli/cli_util.h"
#include "tests/shared_data.h"

namespace {
namespace fs = std::filesystem;
using fleetsim::cli_test::Fleetsim;
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

TEST(RunHygiene, SigtermLeavesInterruptedManifestAndNoOutputs) {
  const std::string d = Tmp("hyg_sig");
  // An earlier complete run in the same directory must not survive as if it were this one.
  ASSERT_EQ(Fleetsim(std::string("run ") + Src(kScenario) + " --quiet --out " + d).status, 0);
  pid_t pid = fork();
  if (pid == 0) {
    std::freopen("/dev/null", "w", stdout);
    std::freopen("/dev/null", "w", stderr);
    execl(FLEETSIM_BINARY, FLEETSIM_BINARY, "run", Src("workloads/default.yaml").c_str(), "--quiet",
          "--out", d.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  // Signal it once it blocks SIGTERM (main's first act): before that, during exec and dynamic
  // loading, SIGTERM kills the process by default, and a fixed sleep raced with a loaded
  // machine (seen in CI). Then give it 300 ms to be well into the run.
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
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 143);
  EXPECT_NE(Slurp(d + "/manifest.json").find("\"status\": \"interrupted\""), std::string::npos);
  for (const char* f : {"jobs.csv", "utilization.csv", "summary.json"}) {
    EXPECT_FALSE(fs::exists(d + "/" + f)) << f;
  }
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
