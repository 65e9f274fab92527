// scenario::LoadScenario and ApplyOverrides: defaults, path resolution, --set overrides, and
// every error they produce (one line, InvalidArgument, naming file:line:column and the field, or
// the override).
#include "sim/scenario/scenario.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"
#include "sim/training/work.h"
#include "yaml-cpp/yaml.h"

namespace fleetsim::scenario {
namespace {
namespace fs = std::filesystem;

constexpr char kMinimal[] =
    "platform: plat.xml\n"
    "scheduler: {policy: easy}\n"
    "workload:\n"
    "  jobs:\n"
    "    - {id: 1, submit_s: 0, run_s: 10, accelerators: 8}\n";

// A small SWF trace: two jobs, MaxProcs 8.
constexpr char kSwf[] =
    "; MaxProcs: 8\n"
    "1 0 -1 10 4 -1 -1 4 20 -1 1 1 1 -1 -1 -1 -1 -1\n"
    "2 5 -1 30 8 -1 -1 8 60 -1 1 1 1 -1 -1 -1 -1 -1\n";

// A minimal valid inference stream and serving section (schema: sim/serve/README.md).
constexpr char kStream[] =
    "  streams:\n"
    "    - name: s\n"
    "      model: {name: m, params_total: 8e9}\n"
    "      arrival: {kind: poisson, rate_per_s: 1}\n"
    "      service: {kind: exponential, mean_s: 1.0}\n";
constexpr char kServing[] =
    "serving:\n"
    "  deployments:\n"
    "    - {model: m, tp: 1, replicas: 1}\n";

class ScenarioTest : public testing::Test {
 protected:
  void SetUp() override {
    const auto* info = testing::UnitTest::GetInstance()->current_test_info();
    dir_ =
        fs::path(absl::StrCat(testing::TempDir(), "/scenario_test.", info->name(), ".", ::getpid()))
            .lexically_normal()
            .string();
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    Write("plat.xml", "<platform/>\n");  // LoadScenario only checks that it exists
  }

  // Writes `text` to `name` under the test directory; returns its path.
  std::string Write(const std::string& name, const std::string& text) {
    const std::string p = dir_ + "/" + name;
    fs::create_directories(fs::path(p).parent_path());
    std::ofstream(p) << text;
    return p;
  }

  absl::StatusOr<Scenario> Load(const std::string& yaml,
                                const std::vector<std::string>& overrides = {}) {
    return LoadScenario(Write("s.yaml", yaml), overrides);
  }

  // LoadScenario fails with exactly `want` ("@" = the scenario path, "%" = the test directory),
  // an InvalidArgument of one line.
  void ExpectError(const std::string& yaml, const std::string& want,
                   const std::vector<std::string>& overrides = {}) {
    auto s = Load(yaml, overrides);
    ASSERT_FALSE(s.ok()) << "accepted:\n" << yaml;
    EXPECT_TRUE(absl::IsInvalidArgument(s.status())) << s.status();
    const std::string msg(s.status().message());
    EXPECT_EQ(msg, absl::StrReplaceAll(want, {{"@", dir_ + "/s.yaml"}, {"%", dir_}})) << yaml;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }

  std::string dir_;
};

// --- Valid scenarios ---------------------------------------------------------------------------

// Work-defined jobs: model and work instead of run_s; exactly one work form; vendors, sites and
// per-system run times for trace-style jobs.
TEST_F(ScenarioTest, WorkDefinedJobsAndRestrictions) {
  auto s = Load(
      "platform: plat.xml\n"
      "scheduler: {policy: easy-het}\n"
      "workload:\n"
      "  jobs:\n"
      "    - {id: 1, submit_s: 0, accelerators: 64, estimate_factor: 1.2,\n"
      "       model: {params: 70e9, precision: fp8}, work: {tokens: 1e11}}\n"
      "    - {id: 2, submit_s: 5, accelerators: 8, model: {params: 8e9, active_params: 2e9},\n"
      "       work: {steps: 100, global_batch: 512, seq_len: 4096}, vendors: [AMD], sites: [x]}\n"
      "    - {id: 3, submit_s: 9, run_s: 100, accelerators: 8,\n"
      "       run_s_by_system: {hgx_h100: 100, gb200_nvl72: 40}}\n");
  ASSERT_TRUE(s.ok()) << s.status();
  const auto& j = s->workload.jobs;
  ASSERT_EQ(j.size(), 3u);
  ASSERT_TRUE(j[0].training != nullptr);
  EXPECT_EQ(j[0].training->model.precision, training::Precision::kFp8);
  EXPECT_DOUBLE_EQ(*j[0].training->work.tokens, 1e11);
  EXPECT_DOUBLE_EQ(j[0].training->estimate_factor, 1.2);
  EXPECT_DOUBLE_EQ(training::TrainingFlops(j[1].training->model, j[1].training->work),
                   6 * 2e9 * 100 * 512 * 4096.0);
  EXPECT_EQ(j[1].vendors, std::vector<std::string>{"AMD"});
  EXPECT_EQ(j[1].sites, std::vector<std::string>{"x"});
  EXPECT_FALSE(j[2].training != nullptr);
  ASSERT_EQ(j[2].run_s_by_system.size(), 2u);
  EXPECT_EQ(j[2].run_s_by_system[1].first, "gb200_nvl72");
  EXPECT_DOUBLE_EQ(j[2].run_s_by_system[1].second, 40);
}

TEST_F(ScenarioTest, WorkDefinedJobErrors) {
  const std::string head =
      "platform: plat.xml\nscheduler: {policy: easy}\nworkload:\n  jobs:\n    - ";
  ExpectError(head + "{id: 1, submit_s: 0, run_s: 5, accelerators: 8, model: {params: 1e9},"
                     " work: {tokens: 1e9}}\n",
              "@:5:35: workload.jobs[0].run_s: not allowed with model/work (run time follows from "
              "the system)");
  ExpectError(head + "{id: 1, submit_s: 0, accelerators: 8, model: {params: 1e9},"
                     " work: {tokens: 1e9, flops: 1e20}}\n",
              "@:5:73: workload.jobs[0].work: give exactly one of tokens, flops, or steps + "
              "global_batch + seq_len");
  ExpectError(head + "{id: 1, submit_s: 0, accelerators: 8, model: {params: 1e9, active_params: 2e9},"
                     " work: {tokens: 1e9}}\n",
              "@:5:81: workload.jobs[0].model.active_params: must not exceed params");
  ExpectError(head + "{id: 1, submit_s: 0, accelerators: 8, model: {params: 1e9, precision: fp16},"
                     " work: {tokens: 1e9}}\n",
              "@:5:77: workload.jobs[0].model.precision: unknown value 'fp16' (expected one of: "
              "bf16, fp8, fp4)");
  ExpectError(head + "{id: 1, submit_s: 0, accelerators: 8, model: {params: 1e9}}\n",
              "@:5:7: workload.jobs[0].work: missing required field");
}

TEST_F(ScenarioTest, MinimalScenarioGetsItsDefaults) {
  auto s = Load(kMinimal);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->file, dir_ + "/s.yaml");
  EXPECT_EQ(s->name, "s");  // the file stem
  EXPECT_EQ(s->platform_path, dir_ + "/plat.xml");
  EXPECT_EQ(s->start_date, "");
  EXPECT_EQ(s->horizon_s, 0);
  EXPECT_EQ(s->seed, 1u);
  EXPECT_EQ(s->policy, "easy");
  EXPECT_EQ(s->out_dir, "");  // the CLI then writes to results/<name>
  EXPECT_TRUE(s->overrides.empty());
  EXPECT_EQ(s->inputs, (std::vector<std::string>{dir_ + "/s.yaml", dir_ + "/plat.xml"}));
  EXPECT_TRUE(s->serving.streams.empty());
  ASSERT_EQ(s->workload.jobs.size(), 1u);
  const auto& j = s->workload.jobs[0];
  EXPECT_EQ(j.id, 1);
  EXPECT_EQ(j.name, "");
  EXPECT_EQ(j.submit_s, 0);
  EXPECT_EQ(j.run_s, 10);
  EXPECT_EQ(j.estimate_s, 10);  // defaults to run_s
  EXPECT_EQ(j.accelerators, 8);
  EXPECT_EQ(j.priority, 0);
  EXPECT_TRUE(j.systems.empty());
}

TEST_F(ScenarioTest, StemOfADottedFileName) {
  auto s = LoadScenario(Write("my.big.run.yaml", kMinimal), {});
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->name, "my.big.run");
}

TEST_F(ScenarioTest, EveryFieldGiven) {
  auto s = Load(
      "name: full\n"
      "platform: plat.xml\n"
      "start_date: 2028-02-29\n"
      "horizon_s: 86400.5\n"
      "seed: 4611686018427387904\n"
      "scheduler:\n"
      "  policy: fcfs\n"
      "workload:\n"
      "  jobs:\n"
      "    - {id: 7, name: late, submit_s: 50, run_s: 10, estimate_s: 20, accelerators: 16,\n"
      "       priority: -1000000, systems: [hgx_h100, gb200_nvl72]}\n"
      "    - {id: 3, submit_s: 5, run_s: 1e-6, accelerators: 1, priority: 1000000}\n"
      "    - {id: 4, submit_s: 50, run_s: 1, accelerators: 1}\n"
      "outputs:\n"
      "  dir: out/here\n");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->name, "full");
  EXPECT_EQ(s->start_date, "2028-02-29");
  EXPECT_EQ(s->horizon_s, 86400.5);
  EXPECT_EQ(s->seed, uint64_t{1} << 62);
  EXPECT_EQ(s->policy, "fcfs");
  EXPECT_EQ(s->out_dir, "out/here");  // relative to the working directory, not resolved
  ASSERT_EQ(s->workload.jobs.size(), 3u);
  // Sorted by submit time, stable: 3 (5 s), then 7 and 4 (50 s) in file order.
  EXPECT_EQ(s->workload.jobs[0].id, 3);
  EXPECT_EQ(s->workload.jobs[0].priority, 1000000);
  EXPECT_EQ(s->workload.jobs[1].id, 7);
  EXPECT_EQ(s->workload.jobs[2].id, 4);
  const auto& j = s->workload.jobs[1];
  EXPECT_EQ(j.name, "late");
  EXPECT_EQ(j.estimate_s, 20);
  EXPECT_EQ(j.accelerators, 16);
  EXPECT_EQ(j.priority, -1000000);
  EXPECT_EQ(j.systems, (std::vector<std::string>{"hgx_h100", "gb200_nvl72"}));
}

TEST_F(ScenarioTest, RelativePathsResolveAgainstTheScenarioDirectory) {
  Write("traces/t.swf", kSwf);
  const std::string path = Write("a/b/s.yaml",
                                 "platform: ../../plat.xml\n"
                                 "scheduler: {policy: easy}\n"
                                 "workload:\n"
                                 "  swf: {path: ../../traces/t.swf}\n");
  auto s = LoadScenario(path, {});
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->platform_path, dir_ + "/plat.xml");  // lexically normal: no "a/b/../.."
  EXPECT_EQ(s->inputs,
            (std::vector<std::string>{path, dir_ + "/plat.xml", dir_ + "/traces/t.swf"}));
  ASSERT_EQ(s->workload.jobs.size(), 2u);

  // Absolute paths are kept as they are.
  auto abs = LoadScenario(Write("a/abs.yaml", absl::StrCat("platform: ", dir_, "/plat.xml\n",
                                                           "scheduler: {policy: easy}\n"
                                                           "workload:\n  swf: {path: ",
                                                           dir_, "/traces/t.swf}\n")),
                          {});
  ASSERT_TRUE(abs.ok()) << abs.status();
  EXPECT_EQ(abs->platform_path, dir_ + "/plat.xml");
  EXPECT_EQ(abs->inputs.back(), dir_ + "/traces/t.swf");
}

TEST_F(ScenarioTest, SwfOptionsAndJobsTogether) {
  Write("t.swf", kSwf);
  auto s = Load(
      "platform: plat.xml\n"
      "scheduler: {policy: easy}\n"
      "workload:\n"
      "  swf: {path: t.swf, estimates: exact, cleaning: strict, max_procs: 8, limit_jobs: 1}\n"
      "  jobs:\n"
      "    - {id: 100, submit_s: 1, run_s: 10, accelerators: 8}\n");
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->workload.jobs.size(), 2u);  // limit_jobs keeps the first trace job
  EXPECT_EQ(s->workload.jobs[0].id, 1);
  EXPECT_EQ(s->workload.jobs[0].estimate_s, 10);  // exact: the run time, not the 20 requested
  EXPECT_EQ(s->workload.jobs[1].id, 100);
}

TEST_F(ScenarioTest, StreamsWithServing) {
  auto s = Load(absl::StrCat("platform: plat.xml\nhorizon_s: 100\nscheduler: {policy: easy}\n",
                             "workload:\n", kStream, kServing));
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_TRUE(s->workload.jobs.empty());
  ASSERT_EQ(s->serving.streams.size(), 1u);
  EXPECT_EQ(s->serving.streams[0].name, "s");
  ASSERT_EQ(s->serving.deployments.size(), 1u);
  EXPECT_EQ(s->serving.deployments[0].model, "m");
}

// --- Overrides -----------------------------------------------------------------------------------

TEST_F(ScenarioTest, OverridesScalarsNestedMapsAndListElements) {
  const std::string yaml =
      "platform: plat.xml\n"
      "seed: 3\n"
      "scheduler: {policy: easy}\n"
      "workload:\n"
      "  jobs:\n"
      "    - {id: 1, submit_s: 0, run_s: 10, accelerators: 8}\n"
      "    - {id: 2, submit_s: 5, run_s: 20, accelerators: 4}\n";
  const std::vector<std::string> sets = {
      "seed=42",                                     // top-level scalar
      "name=renamed",                                // a key absent from the file
      "start_date=2026-03-01",                       // value parsed as YAML (a date stays a string)
      "scheduler.policy=fcfs",                       // nested map
      "workload.jobs.1.run_s=77",                    // list element by index
      "workload.jobs.0.systems=[hgx_h100, mi300x]",  // a YAML list as the value
      "outputs={dir: elsewhere}",                    // a whole map as the value
      "horizon_s=1e5",
  };
  auto s = Load(yaml, sets);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->seed, 42u);
  EXPECT_EQ(s->name, "renamed");
  EXPECT_EQ(s->start_date, "2026-03-01");
  EXPECT_EQ(s->policy, "fcfs");
  EXPECT_EQ(s->horizon_s, 1e5);
  EXPECT_EQ(s->out_dir, "elsewhere");
  ASSERT_EQ(s->workload.jobs.size(), 2u);
  EXPECT_EQ(s->workload.jobs[0].run_s, 10);
  EXPECT_EQ(s->workload.jobs[0].systems, (std::vector<std::string>{"hgx_h100", "mi300x"}));
  EXPECT_EQ(s->workload.jobs[1].run_s, 77);
  EXPECT_EQ(s->workload.jobs[1].estimate_s, 77);  // the default follows the overridden run_s
  EXPECT_EQ(s->overrides, sets);
}

TEST_F(ScenarioTest, OverrideReplacesAWholeListElement) {
  auto s = Load(kMinimal, {"workload.jobs.0={id: 9, submit_s: 1, run_s: 2, accelerators: 3}"});
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->workload.jobs.size(), 1u);
  EXPECT_EQ(s->workload.jobs[0].id, 9);
  EXPECT_EQ(s->workload.jobs[0].accelerators, 3);
}

TEST_F(ScenarioTest, LaterOverridesWin) {
  auto s = Load(kMinimal, {"seed=5", "seed=6"});
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->seed, 6u);
}

TEST(ApplyOverrides, EditsTheDocumentInPlace) {
  YAML::Node root = YAML::Load("a: {b: 1, c: [10, 20, {d: 30}]}\ne: x\n");
  ASSERT_TRUE(
      ApplyOverrides({"a.b=2", "a.c.1=21", "a.c.2.d=31", "e=[1, 2]", "f.g=new"}, &root).ok());
  EXPECT_EQ(root["a"]["b"].as<int>(), 2);
  EXPECT_EQ(root["a"]["c"][0].as<int>(), 10);
  EXPECT_EQ(root["a"]["c"][1].as<int>(), 21);
  EXPECT_EQ(root["a"]["c"][2]["d"].as<int>(), 31);
  ASSERT_TRUE(root["e"].IsSequence());
  EXPECT_EQ(root["e"].size(), 2u);
  EXPECT_EQ(root["f"]["g"].as<std::string>(), "new");  // missing maps are created
}

TEST(ApplyOverrides, EachMalformedOverrideIsOneLineNamingIt) {
  struct Case {
    const char* set;
    const char* message;
  } cases[] = {
      {"seed", "--set seed: expected key.path=value"},
      {"=5", "--set =5: expected key.path=value"},
      {"a.b=[1, 2", "--set a.b=[1, 2: malformed value: end of sequence flow not found"},
      {"a.c.5.d=1", "--set a.c.5.d: '5' is not an index of that list"},
      {"a.c.x.d=1", "--set a.c.x.d: 'x' is not an index of that list"},
      {"a.c.-1.d=1", "--set a.c.-1.d: '-1' is not an index of that list"},
      {"a.c.3=1", "--set a.c.3: '3' is not an index of that list"},
      {"a.c.last=1", "--set a.c.last: 'last' is not an index of that list"},
  };
  for (const auto& c : cases) {
    YAML::Node root = YAML::Load("a: {b: 1, c: [10, 20, {d: 30}]}\ne: x\n");
    absl::Status st = ApplyOverrides({c.set}, &root);
    EXPECT_TRUE(absl::IsInvalidArgument(st)) << c.set << ": " << st;
    EXPECT_EQ(std::string(st.message()), c.message) << c.set;
  }
}

// A key under a scalar is an input error naming the scalar, at any depth (it once threw
// YAML::BadSubscript out of ApplyOverrides, exit 1).
TEST(ApplyOverrides, KeyUnderAScalarIsAnErrorNamingTheScalar) {
  struct Case {
    const char* set;
    const char* message;
  } cases[] = {
      {"e.f=1", "--set e.f: 'e' is a value, not a mapping"},
      {"a.b.z=1", "--set a.b.z: 'b' is a value, not a mapping"},
      {"a.c.1.x=1", "--set a.c.1.x: '1' is a value, not a mapping"},
      {"e.f.g=1", "--set e.f.g: 'e' is a value, not a mapping"},
      {"a.b.y.z=1", "--set a.b.y.z: 'b' is a value, not a mapping"},
  };
  for (const auto& c : cases) {
    YAML::Node root = YAML::Load("a: {b: 1, c: [10, 20, {d: 30}]}\ne: x\n");
    absl::Status st;
    try {
      st = ApplyOverrides({c.set}, &root);
    } catch (const std::exception& e) {
      ADD_FAILURE() << c.set << ": threw " << e.what();
      continue;
    }
    EXPECT_TRUE(absl::IsInvalidArgument(st)) << c.set << ": " << st;
    EXPECT_EQ(std::string(st.message()), c.message) << c.set;
  }
}

// --- Errors --------------------------------------------------------------------------------------

TEST_F(ScenarioTest, FileErrors) {
  auto s = LoadScenario(dir_ + "/nope.yaml", {});
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(absl::IsInvalidArgument(s.status())) << s.status();
  EXPECT_EQ(s.status().message(), dir_ + "/nope.yaml: cannot open: No such file or directory");
  ExpectError("platform: plat.xml\nscheduler: {policy: easy\n",
              "@:3:1: malformed YAML: end of map flow not found");
  ExpectError("- platform\n- plat.xml\n", "@:1:1: <document>: must be a mapping");
  ExpectError("- platform\n", "@:1:1: <document>: must be a mapping", {"seed=1"});
  ExpectError("", "@: <document>: must be a mapping");
  ExpectError("platform: plat.xml\nplatform: other.xml\n", "@:2:1: platform: duplicate key");
}

TEST_F(ScenarioTest, TopLevelErrors) {
  const std::string tail =
      "scheduler: {policy: easy}\nworkload: {jobs: [{id: 1, submit_s: 0, run_s: 1, accelerators: "
      "1}]}\n";
  ExpectError("platform: plat.xml\n" + tail + "colour: blue\n", "@:4:1: colour: unknown key");
  ExpectError(tail, "@:1:1: platform: missing required field");
  ExpectError("platform: ''\n" + tail, "@:1:11: platform: must not be empty");
  ExpectError("platform: [a]\n" + tail, "@:1:11: platform: must be a scalar");
  ExpectError("platform: sub/missing.xml\n" + tail,
              "@:1:11: platform: file not found: %/sub/missing.xml");
  ExpectError("platform: plat.xml\nname: ''\n" + tail, "@:2:7: name: must not be empty");
  ExpectError("platform: plat.xml\nname: {a: 1}\n" + tail, "@:2:7: name: must be a scalar");
  ExpectError("platform: plat.xml\nstart_date: 2026-02-30\n" + tail,
              "@:2:13: start_date: no such date: '2026-02-30'");
  ExpectError("platform: plat.xml\nstart_date: 1/2/2026\n" + tail,
              "@:2:13: start_date: not a date YYYY-MM-DD: '1/2/2026'");
  ExpectError("platform: plat.xml\nhorizon_s: -1\n" + tail,
              "@:2:12: horizon_s: must be >= 0, got -1");
  ExpectError("platform: plat.xml\nhorizon_s: 2e12\n" + tail,
              "@:2:12: horizon_s: must be <= 1e+12, got 2e+12");
  ExpectError("platform: plat.xml\nhorizon_s: soon\n" + tail,
              "@:2:12: horizon_s: must be a number, got 'soon'");
  ExpectError("platform: plat.xml\nhorizon_s: .inf\n" + tail,
              "@:2:12: horizon_s: must be a number, got '.inf'");
  ExpectError("platform: plat.xml\nseed: -1\n" + tail, "@:2:7: seed: must be >= 0, got -1");
  ExpectError("platform: plat.xml\nseed: 4611686018427387905\n" + tail,
              "@:2:7: seed: must be <= 4611686018427387904, got 4611686018427387905");
  ExpectError("platform: plat.xml\nseed: 1.5\n" + tail,
              "@:2:7: seed: must be an integer, got '1.5'");
  ExpectError("platform: plat.xml\nseed: [1]\n" + tail, "@:2:7: seed: must be a scalar");
}

TEST_F(ScenarioTest, SchedulerErrors) {
  const std::string head = "platform: plat.xml\n";
  const std::string wl = "workload: {jobs: [{id: 1, submit_s: 0, run_s: 1, accelerators: 1}]}\n";
  ExpectError(head + wl, "@:1:1: scheduler: missing required field");
  ExpectError(head + "scheduler: easy\n" + wl, "@:2:12: scheduler: must be a mapping");
  ExpectError(head + "scheduler: {}\n" + wl, "@:2:12: scheduler.policy: missing required field");
  ExpectError(head + "scheduler: {policy: sjf}\n" + wl,
              "@:2:21: scheduler.policy: unknown value 'sjf' (expected one of: fcfs, easy, fcfs-het, easy-het, ftf)");
  ExpectError(head + "scheduler:\n  policy: easy\n  backfill: true\n" + wl,
              "@:4:3: scheduler.backfill: unknown key");
}

TEST_F(ScenarioTest, WorkloadErrors) {
  const std::string head = "platform: plat.xml\nscheduler: {policy: easy}\n";
  ExpectError(head, "@:1:1: workload: missing required field");
  ExpectError(head + "workload: []\n", "@:3:11: workload: must be a mapping");
  ExpectError(head + "workload: {}\n",
              "@:3:11: workload: has no jobs and no streams (give swf, jobs or streams)");
  ExpectError(head + "workload: {jobs: []}\n",
              "@:3:11: workload: has no jobs and no streams (give swf, jobs or streams)");
  ExpectError(
      head + "workload:\n  jobs: [{id: 1, submit_s: 0, run_s: 1, accelerators: 1}]\n  trace: x\n",
      "@:5:3: workload.trace: unknown key");
  ExpectError(head + "workload:\n  jobs: {id: 1}\n", "@:4:9: workload.jobs: must be a list");
}

TEST_F(ScenarioTest, SwfErrors) {
  Write("t.swf", kSwf);
  Write("bad.swf", "; MaxProcs: 8\n1 0 -1 x 4 -1 -1 4 20 -1 1 1 1 -1 -1 -1 -1 -1\n");
  const std::string head = "platform: plat.xml\nscheduler: {policy: easy}\nworkload:\n  swf: ";
  ExpectError(head + "t.swf\n", "@:4:8: workload.swf: must be a mapping");
  ExpectError(head + "{estimates: user}\n", "@:4:8: workload.swf.path: missing required field");
  ExpectError(head + "{path: t.swf, estimates: oracle}\n",
              "@:4:33: workload.swf.estimates: unknown value 'oracle' (expected one of: user, "
              "exact)");
  ExpectError(head + "{path: t.swf, cleaning: none}\n",
              "@:4:32: workload.swf.cleaning: unknown value 'none' (expected one of: predictsim, "
              "strict)");
  ExpectError(head + "{path: t.swf, max_procs: -8}\n",
              "@:4:33: workload.swf.max_procs: must be >= 0, got -8");
  ExpectError(head + "{path: t.swf, limit_jobs: all}\n",
              "@:4:34: workload.swf.limit_jobs: must be an integer, got 'all'");
  ExpectError(head + "{path: t.swf, format: swf}\n", "@:4:22: workload.swf.format: unknown key");
  ExpectError(head + "{path: traces/none.swf}\n",
              "@:4:15: workload.swf.path: file not found: %/traces/none.swf");
  ExpectError(head + "{path: bad.swf}\n", "%/bad.swf:2: field 4 (run_time): not a number: 'x'");
}

TEST_F(ScenarioTest, JobErrors) {
  const std::string head = "platform: plat.xml\nscheduler: {policy: easy}\nworkload:\n  jobs:\n";
  struct Case {
    const char* job;
    const char* message;
  } cases[] = {
      {"    - 5\n", "@:5:7: workload.jobs[0]: must be a mapping"},
      {"    - {run_s: 1, accelerators: 1}\n", "@:5:7: workload.jobs[0].id: missing required field"},
      {"    - {id: 1, submit_s: 0, accelerators: 1}\n",
       "@:5:7: workload.jobs[0].run_s: missing required field"},
      {"    - {id: 1, submit_s: 0, run_s: 1}\n",
       "@:5:7: workload.jobs[0].accelerators: missing required field"},
      {"    - {id: -1, run_s: 1, accelerators: 1}\n",
       "@:5:12: workload.jobs[0].id: must be >= 0, got -1"},
      {"    - {id: 9007199254740993, submit_s: 0, run_s: 1, accelerators: 1}\n",
       "@:5:12: workload.jobs[0].id: must be <= 9007199254740992, got 9007199254740993"},
      {"    - {id: one, run_s: 1, accelerators: 1}\n",
       "@:5:12: workload.jobs[0].id: must be an integer, got 'one'"},
      {"    - {id: 1, name: [a], run_s: 1, accelerators: 1}\n",
       "@:5:21: workload.jobs[0].name: must be a scalar"},
      {"    - {id: 1, submit_s: -3, run_s: 1, accelerators: 1}\n",
       "@:5:25: workload.jobs[0].submit_s: must be >= 0, got -3"},
      {"    - {id: 1, submit_s: 0, run_s: 0, accelerators: 1}\n",
       "@:5:35: workload.jobs[0].run_s: must be >= 1e-06, got 0"},
      {"    - {id: 1, submit_s: 0, run_s: 1, estimate_s: 0, accelerators: 1}\n",
       "@:5:50: workload.jobs[0].estimate_s: must be >= 1e-06, got 0"},
      {"    - {id: 1, submit_s: 0, run_s: 1, accelerators: 0}\n",
       "@:5:52: workload.jobs[0].accelerators: must be >= 1, got 0"},
      {"    - {id: 1, submit_s: 0, run_s: 1, accelerators: 2.5}\n",
       "@:5:52: workload.jobs[0].accelerators: must be an integer, got '2.5'"},
      {"    - {id: 1, submit_s: 0, run_s: 1, accelerators: 1, priority: 1000001}\n",
       "@:5:65: workload.jobs[0].priority: must be <= 1000000, got 1000001"},
      {"    - {id: 1, submit_s: 0, run_s: 1, accelerators: 1, systems: gb200}\n",
       "@:5:64: workload.jobs[0].systems: must be a list"},
      {"    - {id: 1, submit_s: 0, run_s: 1, accelerators: 1, systems: [gb200, '']}\n",
       "@:5:72: workload.jobs[0].systems[1]: must be a system name"},
      {"    - {id: 1, submit_s: 0, run_s: 1, accelerators: 1, systems: [[gb200]]}\n",
       "@:5:65: workload.jobs[0].systems[0]: must be a system name"},
      {"    - {id: 1, submit_s: 0, run_s: 1, accelerators: 1, gpus: 8}\n",
       "@:5:55: workload.jobs[0].gpus: unknown key"},
      {"    - {id: 1, submit_s: 0, run_s: 1, accelerators: 1}\n    - {id: 2, submit_s: 0, run_s: "
       "1, accelerators: 1}\n"
       "    - {id: 1, submit_s: 0, run_s: 2, accelerators: 1}\n",
       "@:7:12: workload.jobs[2].id: duplicate job id 1"},
  };
  for (const auto& c : cases) ExpectError(head + c.job, c.message);
}

TEST_F(ScenarioTest, SwfAndJobIdsMustDiffer) {
  Write("t.swf", kSwf);
  ExpectError(
      "platform: plat.xml\nscheduler: {policy: easy}\nworkload:\n  swf: {path: t.swf}\n"
      "  jobs:\n    - {id: 2, submit_s: 0, run_s: 1, accelerators: 1}\n",
      "@:6:12: workload.jobs[0].id: duplicate job id 2");
}

TEST_F(ScenarioTest, ServingErrors) {
  const std::string head = "platform: plat.xml\nhorizon_s: 100\nscheduler: {policy: easy}\n";
  ExpectError(absl::StrCat(head, "workload:\n", kStream),
              "@:5:3: workload: has streams but the scenario has no serving: section");
  ExpectError(
      absl::StrCat("platform: plat.xml\nscheduler: {policy: easy}\nworkload:\n", kStream, kServing),
      "@:1:1: horizon_s: must be > 0 when the workload has streams");
  ExpectError(
      absl::StrCat(head, "workload: {jobs: [{id: 1, submit_s: 0, run_s: 1, accelerators: 1}]}\n",
                   kServing),
      "@:6:3: serving: given but workload.streams is empty");
  ExpectError(absl::StrCat(head, "workload:\n", kStream, "  jobs: []\n", "serving: []\n"),
              "@:11:10: serving: must be a mapping");
  // Stream and deployment errors come from sim/serve's parsers, with the scenario's field paths.
  ExpectError(absl::StrCat(head, "workload:\n  streams: {name: s}\n", kServing),
              "@:5:12: workload.streams: must be a list of streams");
  ExpectError(
      absl::StrCat(head, "workload:\n", kStream,
                   "serving:\n  deployments:\n    - {model: other, tp: 1, replicas: 1}\n"),
      "@:12:15: serving.deployments[0].model: no stream in workload.streams serves model 'other'");
}

TEST_F(ScenarioTest, OutputsErrors) {
  ExpectError(std::string(kMinimal) + "outputs: results/x\n", "@:6:10: outputs: must be a mapping");
  ExpectError(std::string(kMinimal) + "outputs: {dir: ''}\n",
              "@:6:16: outputs.dir: must not be empty");
  ExpectError(std::string(kMinimal) + "outputs: {dir: x, format: csv}\n",
              "@:6:19: outputs.format: unknown key");
}

TEST_F(ScenarioTest, OverrideErrorsThroughLoadScenario) {
  // Malformed overrides name the override (there is no file position).
  ExpectError(kMinimal, "--set seed: expected key.path=value", {"seed"});
  ExpectError(kMinimal, "--set workload.jobs.1.run_s: '1' is not an index of that list",
              {"workload.jobs.1.run_s=5"});
  ExpectError(kMinimal, "--set workload.jobs.x.run_s: 'x' is not an index of that list",
              {"workload.jobs.x.run_s=5"});
  ExpectError(kMinimal, "--set workload.jobs.2: '2' is not an index of that list",
              {"workload.jobs.2={id: 2}"});
  ExpectError(kMinimal, "--set seed={: malformed value: end of map flow not found", {"seed={"});
  // Well-formed overrides are validated like the file: a path the schema does not know is an
  // unknown key, a bad value fails with the field path.
  {
    auto s = Load(kMinimal, {"colour.shade=blue"});
    ASSERT_FALSE(s.ok());
    const std::string msg(s.status().message());
    EXPECT_NE(msg.find("colour: unknown key"), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
  {
    auto s = Load(kMinimal, {"scheduler.policy=lottery"});
    ASSERT_FALSE(s.ok());
    const std::string msg(s.status().message());
    EXPECT_NE(msg.find("scheduler.policy: unknown value 'lottery' (expected one of: fcfs, easy, fcfs-het, easy-het, ftf)"),
              std::string::npos)
        << msg;
  }
  {
    auto s = Load(kMinimal, {"workload.jobs.0.run_s=-5"});
    ASSERT_FALSE(s.ok());
    const std::string msg(s.status().message());
    EXPECT_NE(msg.find("workload.jobs[0].run_s: must be >= 1e-06, got -5"), std::string::npos)
        << msg;
  }
}

}  // namespace
}  // namespace fleetsim::scenario

namespace fleetsim::scenario {
namespace {

// An error in a value given by --set names the override (the value has no place in the file);
// errors elsewhere keep their file:line:column.
TEST_F(ScenarioTest, ErrorsInOverriddenValuesNameTheOverride) {
  ExpectError(kMinimal,
              "--set workload.jobs.0.run_s=-5: workload.jobs[0].run_s: must be >= 1e-06, got -5",
              {"workload.jobs.0.run_s=-5"});
  ExpectError(kMinimal, "--set workload.jobs.0={id: 1}: workload.jobs[0].submit_s: missing required field",
              {"seed=3", "workload.jobs.0={id: 1}"});
  ExpectError(kMinimal, "--set seed=x: seed: must be an integer, got 'x'", {"seed=x"});
}

// A resolved scenario saved elsewhere loads like the original with its overrides, and its
// effective YAML (hashed into manifests) is the saved text itself.
TEST(ResolvedScenarioYaml, RebasesFileReferencesAndRoundTrips) {
  const std::string base = std::string(FLEETSIM_SOURCE_DIR) + "/tests/data/valid/hand_schedule.yaml";
  const std::string dest = ::testing::TempDir() + "/resolved_" + std::to_string(::getpid()) + "/a/scenarios";
  fs::create_directories(dest);
  auto text = ResolvedScenarioYaml(base, {"seed=3", "scheduler.policy=fcfs"}, dest);
  ASSERT_TRUE(text.ok()) << text.status();
  const std::string saved = dest + "/r.yaml";
  std::ofstream(saved) << *text;
  auto orig = LoadScenario(base, {"seed=3", "scheduler.policy=fcfs"});
  auto moved = LoadScenario(saved, {});
  ASSERT_TRUE(orig.ok()) << orig.status();
  ASSERT_TRUE(moved.ok()) << moved.status();
  EXPECT_TRUE(fs::equivalent(orig->platform_path, moved->platform_path));
  EXPECT_EQ(moved->seed, 3u);
  EXPECT_EQ(moved->policy, "fcfs");
  EXPECT_EQ(moved->effective_yaml, *text);
  EXPECT_EQ(moved->effective_sha256.size(), 64u);
  EXPECT_NE(moved->effective_sha256, LoadScenario(base, {})->effective_sha256);
  // `path` keys under workload are rebased too (a relative SWF trace).
  auto swf = ResolvedScenarioYaml(base, {"workload.swf={path: ../invalid/bad.swf}"}, dest);
  ASSERT_TRUE(swf.ok()) << swf.status();
  const fs::path want = fs::path(FLEETSIM_SOURCE_DIR) / "tests/data/invalid/bad.swf";
  const std::string rel = YAML::Load(*swf)["workload"]["swf"]["path"].as<std::string>();
  EXPECT_TRUE(fs::equivalent(fs::path(dest) / rel, want)) << rel;
}

}  // namespace
}  // namespace fleetsim::scenario

namespace fleetsim::scenario {
namespace {

// The power: section (sim/power/cap_policy.h): levers, control delay, cap time series.
TEST_F(ScenarioTest, PowerSection) {
  auto s = Load(std::string(kMinimal) +
                "start_date: 2026-01-01\n"
                "power:\n"
                "  levers: [admission, dvfs, throttle, shed]\n"
                "  control_delay_s: 40\n"
                "  caps:\n"
                "    - {site: a, at_s: 0, cap_mw: 2.5}\n"
                "    - {site: a, date: 2026-01-03, uncapped: true}\n");
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->power.levers.size(), 4u);
  EXPECT_TRUE(s->power.Has(power::Lever::kThrottle));
  EXPECT_EQ(s->power.control_delay_s, 40);
  ASSERT_EQ(s->power.caps.size(), 2u);
  EXPECT_EQ(s->power.caps[0].cap_w, 2.5e6);
  EXPECT_EQ(s->power.caps[1].time_s, 2 * 86400);
  EXPECT_EQ(s->power.caps[1].cap_w, 0);
  EXPECT_EQ(s->power.caps[1].where, dir_ + "/s.yaml:12:7: power.caps[1]");
  // Without a power: section: the platform's caps, admission and shed.
  auto d = Load(kMinimal);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->power.Has(power::Lever::kAdmission));
  EXPECT_TRUE(d->power.Has(power::Lever::kShed));
  EXPECT_FALSE(d->power.Has(power::Lever::kDvfs));
  // levers: [] reports caps without enforcing them.
  auto r = Load(std::string(kMinimal) + "power: {levers: []}\n");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->power.enforced());
  // POLCA-style thresholds on measured power.
  auto t = Load(std::string(kMinimal) +
                "power:\n"
                "  levers: [throttle]\n"
                "  basis: measured\n"
                "  release_margin: 0.02\n"
                "  thresholds:\n"
                "    - {cap_fraction: 0.8, max_priority: 100, share: 0.7}\n"
                "    - {cap_fraction: 0.89, max_priority: 1000, share: 0.85}\n");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_TRUE(t->power.measured_basis);
  EXPECT_EQ(t->power.release_margin, 0.02);
  ASSERT_EQ(t->power.thresholds.size(), 2u);
  EXPECT_EQ(t->power.thresholds[1].cap_fraction, 0.89);
  EXPECT_EQ(t->power.thresholds[1].max_priority, 1000);
  EXPECT_EQ(t->power.thresholds[1].share, 0.85);
  EXPECT_FALSE(d->power.measured_basis);
}

TEST_F(ScenarioTest, PowerSectionErrors) {
  const std::string m = kMinimal;
  ExpectError(m + "power: {levers: [admission, dvfs2]}\n",
              "@:6:29: power.levers[1]: unknown power lever 'dvfs2' (one of admission, dvfs, "
              "throttle, shed)");
  ExpectError(m + "power: {levers: [shed, shed]}\n", "@:6:24: power.levers[1]: lever 'shed' given twice");
  ExpectError(m + "power: {levers: [], control_delay_s: 5}\n",
              "@:6:38: power.control_delay_s: given but no lever enforces the caps (levers: [])");
  ExpectError(m + "power: {control_delay_s: -1}\n",
              "@:6:26: power.control_delay_s: must be >= 0, got -1");
  ExpectError(m + "power: {caps: [{site: a, at_s: 0}]}\n",
              "@:6:16: power.caps[0].cap_mw: give exactly one of cap_mw and uncapped: true");
  ExpectError(m + "power: {caps: [{site: a, cap_mw: 1}]}\n",
              "@:6:16: power.caps[0].at_s: give exactly one of at_s and date");
  ExpectError(m + "power: {caps: [{site: a, at_s: 0, cap_mw: -3}]}\n",
              "@:6:43: power.caps[0].cap_mw: must be >= 1e-09, got -3");
  ExpectError(m + "power: {caps: [{site: a, date: 2026-01-01, cap_mw: 1}]}\n",
              "@:6:32: power.caps[0].date: needs the scenario's start_date");
  ExpectError(m + "power: {caps: [{site: a, at_s: 0, cap_mw: 1, kw: 3}]}\n",
              "@:6:46: power.caps[0].kw: unknown key");
  ExpectError(m + "power: {caps: [{site: a, at_s: 0, date: 2026-01-01, cap_mw: 1}]}\n",
              "@:6:41: power.caps[0].date: give exactly one of at_s and date");
  ExpectError(m + "power: {caps: [{at_s: 0, cap_mw: 1}]}\n",
              "@:6:16: power.caps[0].site: give exactly one of site, cluster and fleet: true");
  ExpectError(m + "power: {caps: [{site: a, cluster: b, at_s: 0, cap_mw: 1}]}\n",
              "@:6:35: power.caps[0].cluster: give exactly one of site, cluster and fleet: true");
  ExpectError(m + "power: {caps: [{fleet: false, at_s: 0, cap_mw: 1}]}\n",
              "@:6:24: power.caps[0].fleet: must be true (or give site or cluster)");
  ExpectError(m + "power: {bogus: 1}\n", "@:6:9: power.bogus: unknown key");
  ExpectError(m + "power: {thresholds: [{cap_fraction: 0.8, max_priority: 0, share: 0.7}]}\n",
              "@:6:21: power.thresholds: need the throttle lever in power.levers");
  ExpectError(m + "power: {levers: [throttle], thresholds: [{cap_fraction: 0.8, max_priority: 0, "
                  "share: 0.3}]}\n",
              "@:6:86: power.thresholds[0].share: must be >= 0.5, got 0.3");
  ExpectError(m + "power: {levers: [throttle], thresholds: [{cap_fraction: 0.8, share: 0.7}]}\n",
              "@:6:42: power.thresholds[0].max_priority: missing required field");
  ExpectError(m + "power: {levers: [], basis: measured}\n",
              "@:6:28: power.basis: given but no lever enforces the caps (levers: [])");
  ExpectError(m + "power: {basis: peak}\n",
              "@:6:16: power.basis: unknown value 'peak' (expected one of: committed, measured)");
}

// The cost: section (sim/metrics/accounting.h): prices as step functions, capital rates,
// the accounting period.
TEST_F(ScenarioTest, CostSection) {
  auto s = Load(std::string(kMinimal) +
                "start_date: 2026-01-01\n"
                "cost:\n"
                "  period: year\n"
                "  default_usd_per_mwh: 60\n"
                "  electricity:\n"
                "    - {site: a, usd_per_mwh: 70}\n"
                "    - {site: a, date: 2026-01-03, usd_per_mwh: 90}\n"
                "  capex: [{system: h100, usd_per_accelerator_hour: 2.5}]\n");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->cost.period, metrics::PeriodKind::kYear);
  EXPECT_EQ(s->cost.default_usd_per_mwh, 60);
  ASSERT_EQ(s->cost.electricity.size(), 2u);
  EXPECT_EQ(s->cost.electricity[0].time_s, 0);  // no at_s or date: from the start
  EXPECT_EQ(s->cost.electricity[1].time_s, 2 * 86400);
  EXPECT_EQ(s->cost.electricity[1].where, dir_ + "/s.yaml:12:7: cost.electricity[1]");
  ASSERT_EQ(s->cost.capex.size(), 1u);
  EXPECT_EQ(s->cost.capex[0].usd_per_accelerator_hour, 2.5);
  // Defaults: quarters with a start_date, the whole run without; sourced prices.
  auto d = Load(std::string(kMinimal) + "start_date: 2026-01-01\n");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->cost.period, metrics::PeriodKind::kQuarter);
  EXPECT_EQ(d->cost.default_usd_per_mwh, 81);
  EXPECT_EQ(d->cost.capex_usd_per_gw, 50e9);
  auto n = Load(kMinimal);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->cost.period, metrics::PeriodKind::kRun);
}

TEST_F(ScenarioTest, CostSectionErrors) {
  const std::string m = kMinimal;
  ExpectError(m + "cost: {period: quarter}\n",
              "@:6:16: cost.period: 'quarter' needs the scenario's start_date (or give period_s)");
  ExpectError(m + "cost: {period: week}\n",
              "@:6:16: cost.period: unknown value 'week' (expected one of: run, month, quarter, year)");
  ExpectError(m + "cost: {period: run, period_s: 10}\n",
              "@:6:31: cost.period_s: give period or period_s, not both");
  ExpectError(m + "cost: {electricity: [{site: a, usd_per_mwh: -1}]}\n",
              "@:6:45: cost.electricity[0].usd_per_mwh: must be >= 0, got -1");
  ExpectError(m + "cost: {electricity: [{site: a, usd_per_mwh: 5, date: 2026-01-01}]}\n",
              "@:6:54: cost.electricity[0].date: needs the scenario's start_date");
  ExpectError(m + "cost: {electricity: [{site: a, usd_per_mwh: 5, at_s: 1, date: 2026-01-01}]}\n",
              "@:6:63: cost.electricity[0].date: give exactly one of at_s and date");
  ExpectError(m + "cost: {electricity: [{usd_per_mwh: 5}]}\n",
              "@:6:22: cost.electricity[0].site: missing required field");
  ExpectError(m + "cost: {capex: [{system: x, usd_per_hour: 1}]}\n",
              "@:6:16: cost.capex[0].usd_per_accelerator_hour: missing required field");
  ExpectError(m + "cost: {capex: [{system: x, usd_per_accelerator_hour: 1}, "
                  "{system: x, usd_per_accelerator_hour: 2}]}\n",
              "@:6:67: cost.capex[1].system: system 'x' given twice");
  ExpectError(m + "cost: {electricity: {site: a}}\n", "@:6:21: cost.electricity: must be a list");
  ExpectError(m + "cost: {price: 1}\n", "@:6:8: cost.price: unknown key");
}

class GpuTraceScenarioTest : public ScenarioTest {};

TEST_F(GpuTraceScenarioTest, ImportsPhillyRowsWithRestrictions) {
  Write("p.csv",
        "timestamp,duration,num_gpus,gpu_time,cluster\n"
        "2017-10-01 00:00:10,100.0,2,200.0,abc\n"
        "2017-10-01 00:00:00,50.0,1,50.0,abc\n");
  auto s = Load(
      "platform: plat.xml\n"
      "scheduler: {policy: ftf}\n"
      "workload:\n"
      "  gpu_trace: {path: p.csv, format: philly, accelerator_scale: 8, arrival_scale: 2,\n"
      "              vendors: [NVIDIA]}\n"
      "  jobs:\n"
      "    - {id: 100, submit_s: 1, run_s: 5, accelerators: 8}\n");
  ASSERT_TRUE(s.ok()) << s.status();
  const auto& j = s->workload.jobs;
  ASSERT_EQ(j.size(), 3u);
  EXPECT_EQ(j[0].id, 3);
  EXPECT_EQ(j[1].id, 100);
  EXPECT_EQ(j[2].accelerators, 16);
  EXPECT_EQ(j[2].submit_s, 5);
  EXPECT_EQ(j[2].vendors, std::vector<std::string>{"NVIDIA"});
  ASSERT_EQ(j[0].name_refs.size(), 1u);  // the restriction, checked once against the platform
  EXPECT_EQ(j[0].name_refs[0].field, "workload.gpu_trace.vendors[0]");
}

TEST_F(GpuTraceScenarioTest, OptionErrorsNameTheField) {
  Write("p.csv", "timestamp,duration,num_gpus,gpu_time,cluster\n2017-10-01 00:00:00,5,1,5,a\n");
  const std::string head = "platform: plat.xml\nscheduler: {policy: easy}\nworkload:\n";
  ExpectError(head + "  gpu_trace: {path: p.csv, format: philly, as: work}\n",
              "@:4:48: workload.gpu_trace.as: work needs source_gpu (the Philly table records no "
              "GPU type)");
  ExpectError(head + "  gpu_trace: {path: p.csv, format: philly, as: work, source_gpu: h100}\n",
              "@:4:66: workload.gpu_trace.source_gpu: unknown GPU type 'h100' (known: p100, p40, "
              "v100, v100m16, v100m32, t4, a10, a100)");
  ExpectError(head + "  gpu_trace: {path: p.csv, format: helios}\n",
              "@:4:36: workload.gpu_trace.format: unknown value 'helios' (expected one of: "
              "philly, pai2023)");
  ExpectError(head + "  gpu_trace: {path: p.csv, format: philly, model_params: 1e9}\n",
              "@:4:58: workload.gpu_trace.model_params: only with as: work");
  ExpectError(head + "  gpu_trace: {path: p.csv, format: philly, colour: red}\n",
              "@:4:44: workload.gpu_trace.colour: unknown key");
  Write("t.swf", kSwf);
  ExpectError(head + "  swf: {path: t.swf}\n  gpu_trace: {path: p.csv, format: philly}\n",
              "@:5:14: workload.gpu_trace: give swf or gpu_trace, not both");
  Write("bad.csv", "timestamp,duration,num_gpus,gpu_time,cluster\n2017-10-01 00:00:00,5,0,0,a\n");
  ExpectError(head + "  gpu_trace: {path: bad.csv, format: philly}\n",
              "%/bad.csv:2: field num_gpus: 0 is out of range [1, 1048576]");
}

}  // namespace
}  // namespace fleetsim::scenario
