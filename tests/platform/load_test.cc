// Every generated platform loads in SimGrid and describes the catalogue: totals of hosts,
// accelerators, FLOP/s and power per phase date (through `fleetsim-platform info --csv`
// subprocesses), and tranche dates, counts and properties (one in-process SimGrid engine).
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <simgrid/s4u.hpp>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "sim/platform/catalog.h"
#include "sim/platform/generator.h"
#include "sim/platform/loader.h"

namespace fleetsim::platform {
namespace {

const std::string kSourceDir = FLEETSIM_SOURCE_DIR;

struct Totals {
  int64_t hosts = 0, accels = 0;
  double pf_bf16 = 0, pf_fp8 = 0, pf_fp4 = 0, it_mw = 0, facility_mw = 0;
};

// TOTAL rows of `fleetsim-platform info FILE --csv`, by date.
std::map<std::string, Totals> InfoTotals(const std::string& file, int* rc) {
  const std::string cmd = std::string(FLEETSIM_PLATFORM_BINARY) + " info " + file + " --csv 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  *rc = WEXITSTATUS(pclose(p));
  std::map<std::string, Totals> result;
  std::vector<std::string> lines = absl::StrSplit(out, '\n', absl::SkipEmpty());
  EXPECT_FALSE(lines.empty()) << out;
  if (lines.empty()) return result;
  EXPECT_EQ(lines[0],
            "date,site,provider,vendor,hosts,accelerators,pflops_bf16,pflops_fp8,pflops_fp4,"
            "it_mw,facility_mw,cap_mw")
      << out;
  for (size_t i = 1; i < lines.size(); ++i) {
    std::vector<std::string> f = absl::StrSplit(lines[i], ',');
    EXPECT_EQ(f.size(), 12u) << lines[i];
    if (f.size() != 12 || f[1] != "TOTAL") continue;
    Totals t;
    EXPECT_TRUE(absl::SimpleAtoi(f[4], &t.hosts) && absl::SimpleAtoi(f[5], &t.accels) &&
                absl::SimpleAtod(f[6], &t.pf_bf16) && absl::SimpleAtod(f[7], &t.pf_fp8) &&
                absl::SimpleAtod(f[8], &t.pf_fp4) && absl::SimpleAtod(f[9], &t.it_mw) &&
                absl::SimpleAtod(f[10], &t.facility_mw))
        << lines[i];
    result[f[0]] = t;
  }
  return result;
}

bool AliveAt(const std::optional<std::string>& on, const std::optional<std::string>& off,
             const std::string& date) {
  if (date == "start") return !on;
  return (!on || *on <= date) && (!off || *off > date);
}

// Totals straight from the catalogue for the tranches `tranches` at `date`.
Totals Expected(const Catalog& cat, const std::vector<PlannedTranche>& tranches,
                const std::string& date) {
  Totals t;
  for (const auto& pt : tranches) {
    if (!AliveAt(pt.online_date, pt.retire_date, date)) continue;
    const SiteSpec& site = cat.sites[pt.site];
    const SystemSpec& sys = *cat.FindSystem(site.clusters[pt.cluster].system);
    const int64_t accels = pt.hosts * sys.accelerators_per_host;
    t.hosts += pt.hosts;
    t.accels += accels;
    t.pf_bf16 += accels * sys.peak_flops_bf16 / 1e15;
    t.pf_fp8 += accels * sys.peak_flops_fp8 / 1e15;
    t.pf_fp4 += accels * sys.peak_flops_fp4 / 1e15;
    t.it_mw += pt.hosts * sys.pstates[0].full_w / 1e6;
    t.facility_mw += pt.hosts * sys.pstates[0].full_w / 1e6 * site.pue;
  }
  return t;
}

void ExpectNear(double got, double want, double rel, const std::string& what) {
  EXPECT_LE(std::fabs(got - want), rel * std::fabs(want) + 1e-9)
      << what << ": " << got << " vs " << want;
}

// Checks one generated file against the catalogue; `exact_hosts` for scaled files (the
// generator's rounding), otherwise the catalogue's full-scale phases within 1%.
void CheckFile(const Catalog& cat, const std::string& name, const Selection& sel, double scale) {
  SCOPED_TRACE(name);
  int rc = 0;
  auto got = InfoTotals(kSourceDir + "/platforms/" + name, &rc);
  ASSERT_EQ(rc, 0);
  auto tranches = PlanTranches(cat, sel, scale);
  std::set<std::string> dates;
  for (const auto& t : tranches) {
    dates.insert(t.online_date ? *t.online_date : "start");
    if (t.retire_date) dates.insert(*t.retire_date);
  }
  std::set<std::string> got_dates;
  for (const auto& [d, t] : got) got_dates.insert(d);
  EXPECT_EQ(got_dates, dates);
  for (const auto& [date, g] : got) {
    Totals want = Expected(cat, tranches, date);
    EXPECT_EQ(g.hosts, want.hosts) << date;
    EXPECT_EQ(g.accels, want.accels) << date;
    ExpectNear(g.pf_bf16, want.pf_bf16, 1e-9, date + " bf16");
    ExpectNear(g.pf_fp8, want.pf_fp8, 1e-9, date + " fp8");
    ExpectNear(g.pf_fp4, want.pf_fp4, 1e-9, date + " fp4");
    ExpectNear(g.it_mw, want.it_mw, 1e-9, date + " it_mw");
    ExpectNear(g.facility_mw, want.facility_mw, 1e-9, date + " facility_mw");
    if (scale == 1.0) {
      // Against the catalogue's own phase list (no generator involved), within 1%.
      int64_t hosts = 0;
      double facility_mw = 0;
      for (const auto& site : cat.sites) {
        if (sel.provider && site.provider != *sel.provider) continue;
        for (const auto& c : site.clusters) {
          const SystemSpec& sys = *cat.FindSystem(c.system);
          for (const auto& p : c.phases) {
            if (sel.window && !InWindow(p.online_date, p.retire_date, sel.window->start_date,
                                        sel.window->end_date)) {
              continue;
            }
            if (!AliveAt(p.online_date, p.retire_date, date)) continue;
            hosts += p.hosts;
            facility_mw += p.hosts * sys.pstates[0].full_w * site.pue / 1e6;
          }
        }
      }
      ExpectNear(static_cast<double>(g.hosts), static_cast<double>(hosts), 0.01, date + " hosts");
      ExpectNear(g.facility_mw, facility_mw, 0.01, date + " facility MW");
    }
  }
}

class LoadTest : public testing::Test {
 protected:
  void SetUp() override {
    auto cat = LoadCatalog(kSourceDir + "/platforms/catalog");
    ASSERT_TRUE(cat.ok()) << cat.status();
    cat_ = *cat;
  }
  Catalog cat_;
};

TEST_F(LoadTest, EveryScaledPlatformLoadsAndMatchesTheCatalogue) {
  for (const auto& provider : cat_.Providers()) {
    CheckFile(cat_, provider + "-s0.01.xml", Selection{provider, std::nullopt}, 0.01);
  }
  for (const auto& comp : cat_.compositions) {
    CheckFile(cat_, comp.name + "-s0.01.xml", Selection{std::nullopt, comp}, 0.01);
  }
}

// Issue 9: every generated file (every provider and composition, full scale and 0.01; the test
// above and platform_catalog_test tie the committed files to this generation) keeps every
// site's full-load facility power within its cap at every date of its build-out.
TEST_F(LoadTest, EverySiteFitsItsCapAtFullLoadAtEveryScale) {
  std::vector<Selection> sels;
  for (const auto& provider : cat_.Providers()) sels.push_back(Selection{provider, std::nullopt});
  for (const auto& comp : cat_.compositions) sels.push_back(Selection{std::nullopt, comp});
  for (double scale : {1.0, 0.01}) {
    for (const auto& sel : sels) {
      const auto tranches = PlanTranches(cat_, sel, scale);
      std::set<std::string> dates = {"start"};
      for (const auto& t : tranches) {
        if (t.online_date) dates.insert(*t.online_date);
      }
      for (const auto& date : dates) {
        std::map<size_t, double> facility_w;
        for (const auto& pt : tranches) {
          if (!AliveAt(pt.online_date, pt.retire_date, date)) continue;
          const SiteSpec& site = cat_.sites[pt.site];
          const SystemSpec& sys = *cat_.FindSystem(site.clusters[pt.cluster].system);
          facility_w[pt.site] += pt.hosts * sys.pstates[0].full_w * site.pue;
        }
        for (const auto& [si, w] : facility_w) {
          const double cap_w = cat_.sites[si].power_cap_mw * 1e6 * scale;
          EXPECT_LE(w, cap_w * (1 + 1e-12))
              << cat_.sites[si].name << " at scale " << scale << " on " << date;
        }
      }
    }
  }
}

TEST_F(LoadTest, FullScaleProvidersMatchTheCatalogueWithinOnePercent) {
  // Microsoft, Oracle and Stargate at one SimGrid host per node or rack (~45k hosts); the big
  // deal files and the 2030 composition are measured in bench/README.md.
  for (const std::string provider : {"microsoft", "oracle", "stargate"}) {
    CheckFile(cat_, provider + ".xml", Selection{provider, std::nullopt}, 1.0);
  }
  CheckFile(cat_, "fleet-2026.xml", Selection{std::nullopt, cat_.compositions[0]}, 1.0);
}

TEST_F(LoadTest, InfoRejectsBadInput) {
  for (const std::string args : {"info /no/such/file.xml", "info", "info a.xml b.xml",
                                 "info platforms/fleet-2026-s0.01.xml --at 2026-02-30",
                                 "info platforms/fleet-2026-s0.01.xml --bogus",
                                 "info " FLEETSIM_SOURCE_DIR "/platforms/catalog/sites.yaml"}) {
    const std::string cmd = std::string(FLEETSIM_PLATFORM_BINARY) + " " + args + " >/dev/null 2>&1";
    EXPECT_EQ(WEXITSTATUS(std::system(cmd.c_str())), 2) << args;
  }
}

// The only in-process SimGrid engine of this binary.
TEST_F(LoadTest, TranchesCarryTheirDatesCountsAndProperties) {
  const std::string path = kSourceDir + "/platforms/fleet-2026-s0.01.xml";
  std::vector<std::string> args = {"load_test", "--log=root.thres:critical"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  int argc = static_cast<int>(argv.size());
  simgrid::s4u::Engine engine(&argc, argv.data());
  ASSERT_TRUE(LoadPlatformFile(engine, path).ok());
  auto fleet = ReadFleet(engine, path, nullptr);
  ASSERT_TRUE(fleet.ok()) << fleet.status();
  auto tranches = PlanTranches(cat_, Selection{std::nullopt, cat_.compositions[0]}, 0.01);
  size_t seen = 0;
  for (const auto& pt : tranches) {
    SCOPED_TRACE(pt.zone_id);
    const int ci = fleet->FindCluster(pt.cluster_name);
    ASSERT_GE(ci, 0);
    const Cluster& c = fleet->clusters[ci];
    const SiteSpec& site_spec = cat_.sites[pt.site];
    const SystemSpec& sys = *cat_.FindSystem(site_spec.clusters[pt.cluster].system);
    const Tranche* t = nullptr;
    for (const auto& x : c.tranches) {
      if (x.zone_id == pt.zone_id) t = &x;
    }
    ASSERT_NE(t, nullptr);
    ++seen;
    EXPECT_EQ(t->num_hosts, pt.hosts);
    EXPECT_EQ(t->online_date, pt.online_date);
    EXPECT_EQ(t->retire_date, pt.retire_date);
    EXPECT_EQ(static_cast<int64_t>(t->host_names.size()), pt.hosts);
    EXPECT_EQ(t->host_names.front(), pt.zone_id + "-0");
    EXPECT_EQ(c.system, sys.name);
    EXPECT_EQ(c.vendor, sys.vendor);
    EXPECT_EQ(c.provider, site_spec.provider);
    EXPECT_EQ(c.accelerators_per_host, sys.accelerators_per_host);
    ASSERT_EQ(c.pstates.size(), sys.pstates.size());
    for (size_t p = 0; p < sys.pstates.size(); ++p) {
      EXPECT_DOUBLE_EQ(c.pstates[p].speed_flops, sys.peak_flops_bf16 * sys.pstates[p].speed_factor);
      EXPECT_DOUBLE_EQ(c.pstates[p].idle_w, sys.pstates[p].idle_w);
      EXPECT_DOUBLE_EQ(c.pstates[p].full_w, sys.pstates[p].full_w);
      EXPECT_DOUBLE_EQ(c.pstates[p].epsilon_w, sys.pstates[p].idle_w);  // linear from idle
    }
    EXPECT_DOUBLE_EQ(c.off_w, sys.off_w);
    EXPECT_DOUBLE_EQ(c.peak_flops_fp4, sys.peak_flops_fp4);
    EXPECT_DOUBLE_EQ(c.mem_bytes, sys.mem_bytes);
    EXPECT_DOUBLE_EQ(c.failures_per_host_year, sys.failures_per_host_year);
    const Site& site = fleet->sites[fleet->FindSite(site_spec.name)];
    EXPECT_DOUBLE_EQ(site.power_cap_w, site_spec.power_cap_mw * 1e6 * 0.01);
    EXPECT_DOUBLE_EQ(site.pue, site_spec.pue);
    EXPECT_EQ(site.location, site_spec.location);
  }
  size_t loaded = 0;
  for (const auto& c : fleet->clusters) loaded += c.tranches.size();
  EXPECT_EQ(seen, tranches.size());
  EXPECT_EQ(loaded, tranches.size());
}

}  // namespace
}  // namespace fleetsim::platform
