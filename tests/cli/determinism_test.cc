// Same inputs and seed give byte-identical outputs: every file of a run directory, manifest.json
// included (it holds no output path and no time stamp; sim/cli/run_output.cc), over scenarios
// that together use every feature: inline and SWF training jobs, EASY and FCFS, build-out
// tranches, request and aggregate serving fidelity, Poisson, diurnal and MMPP arrivals,
// lognormal/uniform/fixed token sizes, exponential service, autoscaling, sampled requests.csv,
// --set and --seed overrides.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/cli/cli_util.h"

namespace fleetsim::cli_test {
namespace {
namespace fs = std::filesystem;

std::vector<std::string> Names(const std::string& dir) {
  std::vector<std::string> n;
  for (const auto& e : fs::directory_iterator(dir)) n.push_back(e.path().filename().string());
  std::sort(n.begin(), n.end());
  return n;
}

// Runs `fleetsim run SCENARIO ARGS` twice into two directories; every file must be identical.
// Returns the file names of the first run.
std::vector<std::string> RunTwiceAndCompare(const std::string& tag, const std::string& scenario,
                                            const std::string& args) {
  const std::string a = Tmp("det_" + tag + "_a"), b = Tmp("det_" + tag + "_b");
  for (const auto& d : {a, b}) {
    auto r = Fleetsim("run " + scenario + " --quiet " + args + " --out " + d);
    EXPECT_EQ(r.status, 0) << tag << ": " << r.err;
    if (r.status != 0) return {};
  }
  const auto names = Names(a);
  EXPECT_EQ(names, Names(b)) << tag;
  for (const auto& f : names) {
    const std::string x = Slurp(a + "/" + f);
    EXPECT_FALSE(x.empty()) << tag << ": " << f;
    EXPECT_TRUE(x == Slurp(b + "/" + f)) << tag << ": " << f << " differs between identical runs";
  }
  return names;
}

bool Has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

TEST(Determinism, DefaultScenarioAggregateServingAndTranches) {
  // Three days around the 2026-10-01 build-out, with sampled requests.
  auto n = RunTwiceAndCompare("default", Src("workloads/default.yaml"),
                              "--set start_date=2026-09-29 --set horizon_s=259200 "
                              "--set serving.request_sample_rate=0.0001 --seed 3");
  for (const char* f : {"manifest.json", "jobs.csv", "utilization.csv", "power.csv",
                        "accounting.csv", "summary.json", "replicas.csv", "serving_series.csv",
                        "serving_sites.csv", "serving_latency.csv", "requests.csv"}) {
    EXPECT_TRUE(Has(n, f)) << f;
  }
}

TEST(Determinism, RequestFidelityAndAutoscaling) {
  auto n = RunTwiceAndCompare("mm4", Src("tests/data/valid/serving_mm4.yaml"),
                              "--set horizon_s=20000 --set serving.request_sample_rate=0.01");
  EXPECT_TRUE(Has(n, "requests.csv"));
  RunTwiceAndCompare("trade", Src("tests/data/valid/serving_trade.yaml"), "--seed 11");
}

TEST(Determinism, TrainingInlineFcfsAndSwf) {
  RunTwiceAndCompare("two_site", Src("workloads/examples/two-site-training.yaml"),
                     "--set scheduler.policy=fcfs");
  // An SWF workload: a scenario and trace written here, the platform from the repo.
  const std::string d = Tmp("det_swf_in");
  fs::create_directories(d);
  std::ofstream(d + "/t.swf") << "; MaxProcs: 128\n"
                                 "1 0 -1 3600 64 -1 -1 64 7200 -1 1 1 1 -1 -1 -1 -1 -1\n"
                                 "2 60 -1 600 128 -1 -1 128 900 -1 1 1 1 -1 -1 -1 -1 -1\n"
                                 "3 120 -1 1800 32 -1 -1 32 1800 -1 1 1 1 -1 -1 -1 -1 -1\n"
                                 "4 125 -1 -1 16 -1 -1 16 100 -1 1 1 1 -1 -1 -1 -1 -1\n";
  std::ofstream(d + "/s.yaml") << "name: det-swf\nplatform: " +
                                      Src("platforms/examples/two-site.xml") +
                                      "\nstart_date: 2026-01-01\nscheduler: {policy: easy}\n"
                                      "workload:\n  swf: {path: t.swf, estimates: user}\n";
  RunTwiceAndCompare("swf", d + "/s.yaml", "");
}

}  // namespace
}  // namespace fleetsim::cli_test
