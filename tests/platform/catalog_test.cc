// Catalogue loading and validation, the MW and scaling rules, composition windows, and
// `platform build`: reproducibility, committed files up to date, one clear line per input error.
#include "sim/platform/catalog.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"
#include "sim/cli/platform_cmd.h"
#include "sim/core/io.h"
#include "sim/platform/generator.h"

namespace fleetsim::platform {
namespace {

namespace fs = std::filesystem;

const std::string kCatalogDir = std::string(FLEETSIM_SOURCE_DIR) + "/platforms/catalog";
const std::string kPlatformsDir = std::string(FLEETSIM_SOURCE_DIR) + "/platforms";

// A minimal valid catalogue; line numbers matter for the error tests below.
const char kSystems[] =
    "systems:\n"                                                  // 1
    "  - name: sys_a\n"                                           // 2
    "    vendor: NVIDIA\n"                                        // 3
    "    description: test node\n"                                // 4
    "    accelerators_per_host: 8\n"                              // 5
    "    peak_tflops_bf16: 1000\n"                                // 6
    "    peak_tflops_fp8: 2000\n"                                 // 7
    "    peak_tflops_fp4: 0\n"                                    // 8
    "    mem_gb: 80\n"                                            // 9
    "    mem_bw_tb_per_s: 3\n"                                    // 10
    "    scale_out_gbit_per_s_per_host: 3200\n"                   // 11
    "    off_w: 100\n"                                            // 12
    "    failures_per_host_year: 1\n"                             // 13
    "    pstates:\n"                                              // 14
    "      - {speed_factor: 1.0, idle_w: 2000, full_w: 10000}\n"  // 15
    "      - {speed_factor: 0.8, idle_w: 2000, full_w: 7000}\n"   // 16
    "      - {speed_factor: 0.6, idle_w: 2000, full_w: 5000}\n"   // 17
    "    sources: [1]\n";                                         // 18
const char kSites[] =
    "sites:\n"                                                                // 1
    "  - name: site-a\n"                                                      // 2
    "    provider: prov\n"                                                    // 3
    "    operator: Op\n"                                                      // 4
    "    location: Somewhere\n"                                               // 5
    "    power_cap_mw: 10\n"                                                  // 6
    "    pue: 1.25\n"                                                         // 7
    "    clusters:\n"                                                         // 8
    "      - name: a\n"                                                       // 9
    "        system: sys_a\n"                                                 // 10
    "        phases:\n"                                                       // 11
    "          - {hosts: 4}\n"                                                // 12
    "          - {online: 2026-07-01, retire: 2029-01-01, facility_mw: 1}\n"  // 13
    "    sources: [1]\n"                                                      // 14
    "compositions:\n"                                                         // 15
    "  - {name: fleet-2026, start: 2026-01-01, end: 2026-12-31}\n"            // 16
    "  - {name: fleet-2030, start: 2030-01-01, end: 2030-12-31}\n";           // 17

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/fleetsim_platform_test_XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

void WriteText(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// Runs `fleetsim platform build` in-process; returns exit code, captures stderr.
int RunBuild(const std::vector<std::string>& args, std::string* err) {
  std::vector<std::string> all = {"platform", "build"};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  testing::internal::CaptureStdout();
  testing::internal::CaptureStderr();
  int rc = cli::RunPlatformCommand(static_cast<int>(argv.size()), argv.data());
  *err = testing::internal::GetCapturedStderr();
  testing::internal::GetCapturedStdout();
  return rc;
}

TEST(CatalogTest, ShippedCatalogueLoadsWithTheRequiredSystemsAndProviders) {
  auto cat = LoadCatalog(kCatalogDir);
  ASSERT_TRUE(cat.ok()) << cat.status();
  for (const char* s :
       {"hgx_h100", "hgx_h200", "gb200_nvl72", "gb300_nvl72", "mi300x_8", "mi325x_8", "mi355x_8",
        "helios_mi450", "vera_rubin_nvl144", "cerebras_cs3"}) {
    const SystemSpec* sys = cat->FindSystem(s);
    ASSERT_NE(sys, nullptr) << s;
    EXPECT_GE(sys->pstates.size(), 3u) << s;
    EXPECT_GT(sys->peak_flops_bf16, 0) << s;
    EXPECT_GT(sys->failures_per_host_year, 0) << s;
  }
  EXPECT_EQ(cat->Providers(), (std::vector<std::string>{"microsoft", "oracle", "stargate",
                                                        "cerebras", "nvidia", "amd"}));
  ASSERT_EQ(cat->compositions.size(), 3u);
  EXPECT_EQ(cat->compositions[0].name, "fleet-2026");
}

TEST(CatalogTest, DealTotalsMatchTheAnnouncements) {
  auto cat = LoadCatalog(kCatalogDir);
  ASSERT_TRUE(cat.ok()) << cat.status();
  std::map<std::string, double> facility_mw;  // provider -> sum of phases given in MW
  std::map<std::string, int64_t> hosts;
  for (const auto& site : cat->sites) {
    for (const auto& c : site.clusters) {
      for (const auto& p : c.phases) {
        if (p.facility_mw) facility_mw[site.provider] += *p.facility_mw;
        hosts[site.name + "." + c.name] += p.hosts;
      }
    }
  }
  EXPECT_DOUBLE_EQ(facility_mw["nvidia"], 10000);  // 10 GW LOI
  EXPECT_DOUBLE_EQ(facility_mw["amd"], 6000);      // 6 GW
  EXPECT_DOUBLE_EQ(facility_mw["cerebras"], 750);  // 750 MW
  EXPECT_EQ(hosts["abilene.gb200"] * 72, 450000);  // 450k GB200
}

TEST(CatalogTest, MegawattRuleAndScalingRule) {
  TempDir dir;
  WriteText(dir.path() + "/systems.yaml", kSystems);
  WriteText(dir.path() + "/sites.yaml", kSites);
  auto cat = LoadCatalog(dir.path());
  ASSERT_TRUE(cat.ok()) << cat.status();
  const auto& phases = cat->sites[0].clusters[0].phases;
  EXPECT_EQ(phases[0].hosts, 4);
  EXPECT_EQ(phases[1].hosts, 80);  // 1 MW / 1.25 / 10 kW
  EXPECT_EQ(ScaleHosts(80, 0.01), 1);
  EXPECT_EQ(ScaleHosts(150, 0.01), 1);  // rounded down: a scaled site stays within its cap
  EXPECT_EQ(ScaleHosts(199, 0.01), 1);
  EXPECT_EQ(ScaleHosts(200, 0.01), 2);
  EXPECT_EQ(ScaleHosts(6250, 0.01), 62);  // 62.5 -> 62
  EXPECT_EQ(ScaleHosts(20, 0.01), 1);     // at least one host per tranche
  EXPECT_EQ(ScaleHosts(7, 1.0), 7);
  EXPECT_EQ(ScaleSuffix(1.0), "");
  EXPECT_EQ(ScaleSuffix(0.01), "-s0.01");
}

TEST(CatalogTest, CompositionsKeepFutureAndRetiredTranchesOut) {
  EXPECT_TRUE(InWindow(std::nullopt, std::nullopt, "2026-01-01", "2026-12-31"));
  EXPECT_TRUE(InWindow("2026-12-31", std::nullopt, "2026-01-01", "2026-12-31"));
  EXPECT_FALSE(InWindow("2027-01-01", std::nullopt, "2026-01-01", "2026-12-31"));
  EXPECT_FALSE(InWindow(std::nullopt, "2026-01-01", "2026-01-01", "2026-12-31"));
  EXPECT_TRUE(InWindow(std::nullopt, "2026-01-02", "2026-01-01", "2026-12-31"));
  TempDir dir;
  WriteText(dir.path() + "/systems.yaml", kSystems);
  WriteText(dir.path() + "/sites.yaml", kSites);
  auto cat = LoadCatalog(dir.path());
  ASSERT_TRUE(cat.ok()) << cat.status();
  Selection y2026{std::nullopt, cat->compositions[0]};
  auto t = PlanTranches(*cat, y2026, 1.0);
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[1].zone_id, "site-a.a.t1");
  EXPECT_EQ(t[1].online_date, "2026-07-01");
  EXPECT_EQ(t[1].retire_date, "2029-01-01");
  Selection y2030{std::nullopt, cat->compositions[1]};
  t = PlanTranches(*cat, y2030, 1.0);
  ASSERT_EQ(t.size(), 1u);  // the retired tranche is out
  EXPECT_EQ(t[0].zone_id, "site-a.a.t0");
}

TEST(BuildTest, GenerationIsReproducibleAndCommittedFilesAreCurrent) {
  TempDir a, b;
  std::string err;
  ASSERT_EQ(RunBuild({"--out", a.path()}, &err), 0) << err;
  ASSERT_EQ(RunBuild({"--out=" + b.path(), "--catalog", kCatalogDir}, &err), 0) << err;
  int files = 0;
  for (const auto& e : fs::directory_iterator(a.path())) {
    const std::string name = e.path().filename();
    auto x = ReadFile(e.path());
    auto y = ReadFile(b.path() + "/" + name);
    auto committed = ReadFile(kPlatformsDir + "/" + name);
    ASSERT_TRUE(x.ok() && y.ok()) << name;
    EXPECT_EQ(*x, *y) << name << " differs between two generations";
    ASSERT_TRUE(committed.ok()) << name << " is not committed under platforms/";
    EXPECT_EQ(*x, *committed) << name
                              << " is stale: run `fleetsim-platform build` and commit platforms/";
    ++files;
  }
  EXPECT_EQ(files, 18);  // (6 providers + 3 compositions) x scales {1, 0.01}
}

TEST(BuildTest, ScaleOptionSelectsScales) {
  TempDir out;
  std::string err;
  ASSERT_EQ(RunBuild({"--out", out.path(), "--scale", "0.5"}, &err), 0) << err;
  EXPECT_TRUE(fs::exists(out.path() + "/fleet-2026-s0.5.xml"));
  EXPECT_FALSE(fs::exists(out.path() + "/fleet-2026.xml"));
  for (const char* bad : {"0", "1.5", "-1", "x", "0.1,"}) {
    EXPECT_EQ(RunBuild({"--out", out.path(), "--scale", bad}, &err), 2) << bad;
    EXPECT_NE(err.find("--scale"), std::string::npos) << err;
  }
  EXPECT_EQ(RunBuild({"--bogus"}, &err), 2);
  EXPECT_NE(err.find("unknown option '--bogus'"), std::string::npos) << err;
}

// One bad catalogue: the build must fail with exit 2, print exactly `expected` (one line), and
// write nothing.
void ExpectBuildError(const std::string& systems, const std::string& sites,
                      const std::string& expected_suffix) {
  TempDir cat, out;
  WriteText(cat.path() + "/systems.yaml", systems);
  WriteText(cat.path() + "/sites.yaml", sites);
  const std::string out_dir = out.path() + "/gen";
  std::string err;
  EXPECT_EQ(RunBuild({"--catalog", cat.path(), "--out", out_dir}, &err), 2);
  const std::string expected = "fleetsim platform: " + cat.path() + "/" + expected_suffix + "\n";
  EXPECT_EQ(err, expected);
  EXPECT_FALSE(fs::exists(out_dir)) << "nothing may be written on bad input";
}

TEST(BuildErrorTest, ValidCatalogueBuilds) {
  TempDir cat, out;
  WriteText(cat.path() + "/systems.yaml", kSystems);
  WriteText(cat.path() + "/sites.yaml", kSites);
  std::string err;
  ASSERT_EQ(RunBuild({"--catalog", cat.path(), "--out", out.path()}, &err), 0) << err;
  EXPECT_TRUE(fs::exists(out.path() + "/prov.xml"));
  EXPECT_TRUE(fs::exists(out.path() + "/fleet-2030-s0.01.xml"));
}

TEST(BuildErrorTest, MalformedYaml) {
  ExpectBuildError(kSystems, absl::StrReplaceAll(kSites, {{"- {hosts: 4}", "- {hosts: 4"}}),
                   "sites.yaml:16:3: malformed YAML: illegal block entry");
}

TEST(BuildErrorTest, UnknownKey) {
  ExpectBuildError(
      absl::StrReplaceAll(kSystems, {{"    off_w: 100\n", "    off_w: 100\n    colour: green\n"}}),
      kSites, "systems.yaml:13:5: systems[0].colour: unknown key");
}

TEST(BuildErrorTest, NegativePower) {
  ExpectBuildError(
      absl::StrReplaceAll(kSystems, {{"idle_w: 2000, full_w: 7000", "idle_w: -5, full_w: 7000"}}),
      kSites, "systems.yaml:16:37: systems[0].pstates[1].idle_w: must be >= 0, got -5");
}

TEST(BuildErrorTest, UnknownSystemReferencedBySite) {
  ExpectBuildError(kSystems, absl::StrReplaceAll(kSites, {{"system: sys_a", "system: sys_b"}}),
                   "sites.yaml:10:17: sites[0].clusters[0].system: unknown system 'sys_b' (not "
                   "in systems.yaml)");
}

TEST(BuildErrorTest, MissingField) {
  ExpectBuildError(absl::StrReplaceAll(kSystems, {{"    vendor: NVIDIA\n", ""}}), kSites,
                   "systems.yaml:2:5: systems[0].vendor: missing required field");
}

TEST(BuildErrorTest, BadDate) {
  ExpectBuildError(kSystems,
                   absl::StrReplaceAll(kSites, {{"online: 2026-07-01", "online: 2026-02-30"}}),
                   "sites.yaml:13:22: sites[0].clusters[0].phases[1].online: no such date: "
                   "'2026-02-30'");
}

TEST(BuildErrorTest, HostsAndMegawattsBothGiven) {
  ExpectBuildError(kSystems,
                   absl::StrReplaceAll(kSites, {{"- {hosts: 4}", "- {hosts: 4, facility_mw: 2}"}}),
                   "sites.yaml:12:13: sites[0].clusters[0].phases[0]: give exactly one of hosts "
                   "or facility_mw");
}

TEST(BuildErrorTest, FullPowerBelowIdle) {
  ExpectBuildError(
      absl::StrReplaceAll(kSystems, {{"idle_w: 2000, full_w: 5000", "idle_w: 2000, full_w: 1000"}}),
      kSites,
      "systems.yaml:17:51: systems[0].pstates[2].full_w: must be >= idle_w "
      "(2000), got 1000");
}

TEST(BuildErrorTest, MissingCatalogueFile) {
  TempDir cat;
  std::string err;
  EXPECT_EQ(RunBuild({"--catalog", cat.path(), "--out", cat.path() + "/gen"}, &err), 2);
  EXPECT_NE(err.find(cat.path() + "/systems.yaml"), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(cat.path() + "/gen"));
}

TEST(CommandTest, HelpAndUnknownSubcommand) {
  std::vector<std::string> args = {"platform", "--help"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  testing::internal::CaptureStdout();
  EXPECT_EQ(cli::RunPlatformCommand(2, argv.data()), 0);
  std::string out = testing::internal::GetCapturedStdout();
  EXPECT_NE(out.find("fleetsim platform build"), std::string::npos);
  EXPECT_NE(out.find("--at"), std::string::npos);
  args = {"platform", "frobnicate"};
  argv.clear();
  for (auto& a : args) argv.push_back(a.data());
  testing::internal::CaptureStderr();
  EXPECT_EQ(cli::RunPlatformCommand(2, argv.data()), 2);
  EXPECT_NE(testing::internal::GetCapturedStderr().find("unknown subcommand 'frobnicate'"),
            std::string::npos);
}

}  // namespace
}  // namespace fleetsim::platform
