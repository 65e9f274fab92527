// Every error a fleet platform's host, cluster and site properties can raise (LoadPlatformFile's
// pre-scan, ReadFleet, the engine's tranche dates) fails `fleetsim validate` and `fleetsim run`
// with exit status 2, exactly one line on stderr naming the file, the cluster (or site) and the
// property, and nothing written. SimGrid allows one engine per process, so every case runs the
// fleetsim binary on a small platform written to the test's temp dir.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"
#include "tests/cli/cli_util.h"
#include "sim/platform/loader.h"

namespace fleetsim::platform {
namespace {
namespace fs = std::filesystem;

// One <cluster> (or <host>) element: a tranche of a logical cluster.
struct TrancheSpec {
  std::string element = "cluster";
  std::string id;
  std::string speed = "1f,0.5f";
  std::string core = "4";
  std::map<std::string, std::string> props;  // written in key order
};

// A one-site platform: zone s1 (site props) with cluster s1.c as two tranches, t0 (2 hosts,
// online from the start) and t1 (2 hosts, online 2026-02-01).
struct PlatformSpec {
  std::map<std::string, std::string> site_props = {{"fleetsim.kind", "site"},
                                                   {"fleetsim.provider", "P"},
                                                   {"fleetsim.location", "here"},
                                                   {"fleetsim.power_cap_w", "5000"},
                                                   {"fleetsim.pue", "1.2"}};
  std::vector<TrancheSpec> tranches;
  bool start_date = true;  // the scenario sets start_date

  PlatformSpec() {
    for (int t : {0, 1}) {
      TrancheSpec s;
      s.id = absl::StrCat("s1.c.t", t);
      s.props = {{"wattage_per_state", "100:125:200, 60:75:120"},
                 {"wattage_off", "5"},
                 {"fleetsim.cluster", "s1.c"},
                 {"fleetsim.site", "s1"},
                 {"fleetsim.provider", "P"},
                 {"fleetsim.vendor", "V"},
                 {"fleetsim.system", "sys"},
                 {"fleetsim.peak_flops_bf16", "1"},
                 {"fleetsim.peak_flops_fp8", "2"},
                 {"fleetsim.peak_flops_fp4", "0"},
                 {"fleetsim.mem_bytes", "80e9"},
                 {"fleetsim.mem_bw_bytes_per_s", "3e12"},
                 {"fleetsim.failures_per_host_year", "0.1"}};
      if (t == 1) s.props["fleetsim.online"] = "2026-02-01";
      tranches.push_back(s);
    }
  }
  TrancheSpec& t0() { return tranches[0]; }
  TrancheSpec& t1() { return tranches[1]; }

  std::string Xml() const {
    std::string x =
        "<?xml version='1.0'?>\n"
        "<!DOCTYPE platform SYSTEM \"https://simgrid.org/simgrid.dtd\">\n"
        "<!-- a test platform: <cluster id=\"not.a.cluster\" core=\"0\"> in a comment -->\n"
        "<platform version=\"4.1\">\n"
        "<zone id=\"fleet\" routing=\"Full\">\n"
        "  <zone id=\"s1\" routing=\"Full\">\n";
    for (const auto& [k, v] : site_props)
      absl::StrAppend(&x, "    <prop id=\"", k, "\" value=\"", v, "\"/>\n");
    for (const auto& t : tranches) {
      if (t.element == "cluster") {
        absl::StrAppend(&x, "    <cluster id=\"", t.id, "\" prefix=\"", t.id,
                        "-\" suffix=\"\" radical=\"0-1\"\n             speed=\"", t.speed,
                        "\" core=\"", t.core, "\" bw=\"1GBps\" lat=\"1us\">\n");
      } else {
        absl::StrAppend(&x, "    <host id=\"", t.id, "\" speed=\"", t.speed, "\" core=\"", t.core,
                        "\">\n");
      }
      for (const auto& [k, v] : t.props) {
        absl::StrAppend(&x, "      <prop id=\"", k, "\" value=\"", v, "\"/>\n");
      }
      absl::StrAppend(&x, "    </", t.element, ">\n");
    }
    absl::StrAppend(&x, "  </zone>\n</zone>\n</platform>\n");
    return x;
  }
};

// 1-based line of the first occurrence of `text` in `xml` (0 if absent).
int LineOf(const std::string& xml, const std::string& text) {
  const size_t p = xml.find(text);
  if (p == std::string::npos) {
    ADD_FAILURE() << "'" << text << "' not in the platform";
    return 0;
  }
  return 1 + static_cast<int>(std::count(xml.begin(), xml.begin() + p, '\n'));
}

using fleetsim::cli_test::Fleetsim;
using fleetsim::cli_test::Result;
using fleetsim::cli_test::Slurp;

// A fresh directory for one case (normalised: the platform path appears in the messages).
std::string TestDir(const std::string& name) {
  return fs::path(absl::StrCat(testing::TempDir(), "/platform_errors.", name, ".", ::getpid()))
      .lexically_normal()
      .string();
}

struct Case {
  const char* name;
  std::function<void(PlatformSpec&)> mutate;
  // The expected stderr line after "fleetsim: ": "@" stands for the platform path, "@:#" for
  // "path:line" of the first line of the platform containing `line_of`.
  const char* message;
  const char* line_of = "";
};

std::string Expected(const Case& c, const std::string& path, const std::string& xml) {
  std::string m = c.message;
  if (*c.line_of) m = absl::StrReplaceAll(m, {{"#", absl::StrCat(LineOf(xml, c.line_of))}});
  return absl::StrCat("fleetsim: ", absl::StrReplaceAll(m, {{"@", path}}), "\n");
}

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class PlatformErrors : public testing::TestWithParam<Case> {};

TEST_P(PlatformErrors, ValidateAndRunExitTwoWithOneLineAndWriteNothing) {
  const Case& c = GetParam();
  const std::string dir = TestDir(c.name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  PlatformSpec spec;
  c.mutate(spec);
  const std::string xml = spec.Xml();
  const std::string xml_path = dir + "/bad.xml";
  std::ofstream(xml_path) << xml;
  std::ofstream(dir + "/scenario.yaml")
      << "platform: bad.xml\n"
      << (spec.start_date ? "start_date: 2026-01-01\n" : "")
      << "scheduler: {policy: easy}\n"
         "workload:\n"
         "  jobs:\n"
         "    - {id: 1, submit_s: 0, run_s: 10, accelerators: 4}\n";
  const std::string want = Expected(c, xml_path, xml);

  Result v = Fleetsim("validate " + dir + "/scenario.yaml");
  EXPECT_EQ(v.status, 2) << v.err;
  EXPECT_EQ(v.err, want);
  EXPECT_EQ(std::count(v.err.begin(), v.err.end(), '\n'), 1) << v.err;
  EXPECT_EQ(v.out, "");

  const std::string out = dir + "/out";
  Result r = Fleetsim("run " + dir + "/scenario.yaml --quiet --out " + out);
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_EQ(r.err, want);
  EXPECT_EQ(r.out, "");
  EXPECT_FALSE(fs::exists(out)) << "run left output behind";
}

// Sets property `key` of tranche t0 (erases it when `value` is null).
std::function<void(PlatformSpec&)> T0Prop(const std::string& key, const char* value) {
  return [key, value](PlatformSpec& p) {
    if (value == nullptr) {
      p.t0().props.erase(key);
    } else {
      p.t0().props[key] = value;
    }
  };
}

std::function<void(PlatformSpec&)> SiteProp(const std::string& key, const char* value) {
  return [key, value](PlatformSpec& p) { p.site_props[key] = value; };
}

const Case kCases[] = {
    // ReadFleet: required properties of a cluster's first tranche.
    {"missing_site", T0Prop("fleetsim.site", nullptr),
     "@: cluster s1.c.t0: fleetsim.site: missing property"},
    {"missing_vendor", T0Prop("fleetsim.vendor", nullptr),
     "@: cluster s1.c.t0: fleetsim.vendor: missing property"},
    {"missing_system", T0Prop("fleetsim.system", nullptr),
     "@: cluster s1.c.t0: fleetsim.system: missing property"},
    {"missing_wattage_per_state", T0Prop("wattage_per_state", nullptr),
     "@: cluster s1.c.t0: wattage_per_state: missing property"},
    // ReadFleet: optional numeric properties (number >= 0).
    {"bad_peak_flops_bf16", T0Prop("fleetsim.peak_flops_bf16", "fast"),
     "@: cluster s1.c.t0: fleetsim.peak_flops_bf16: must be a number >= 0, got 'fast'"},
    {"bad_peak_flops_fp8", T0Prop("fleetsim.peak_flops_fp8", "-1"),
     "@: cluster s1.c.t0: fleetsim.peak_flops_fp8: must be a number >= 0, got '-1'"},
    {"bad_peak_flops_fp4", T0Prop("fleetsim.peak_flops_fp4", "inf"),
     "@: cluster s1.c.t0: fleetsim.peak_flops_fp4: must be a number >= 0, got 'inf'"},
    {"bad_mem_bytes", T0Prop("fleetsim.mem_bytes", "80GB"),
     "@: cluster s1.c.t0: fleetsim.mem_bytes: must be a number >= 0, got '80GB'"},
    {"bad_mem_bw", T0Prop("fleetsim.mem_bw_bytes_per_s", "nan"),
     "@: cluster s1.c.t0: fleetsim.mem_bw_bytes_per_s: must be a number >= 0, got 'nan'"},
    {"bad_failures", T0Prop("fleetsim.failures_per_host_year", "-0.5"),
     "@: cluster s1.c.t0: fleetsim.failures_per_host_year: must be a number >= 0, got '-0.5'"},
    // ReadFleet: every tranche of a logical cluster agrees with its first one.
    {"tranche_other_site", [](PlatformSpec& p) { p.t1().props["fleetsim.site"] = "s2"; },
     "@: cluster s1.c.t1: fleetsim.cluster: tranche of 's1.c' differs in site, system or "
     "accelerators per host"},
    {"tranche_other_system", [](PlatformSpec& p) { p.t1().props["fleetsim.system"] = "other"; },
     "@: cluster s1.c.t1: fleetsim.cluster: tranche of 's1.c' differs in site, system or "
     "accelerators per host"},
    {"tranche_other_cores", [](PlatformSpec& p) { p.t1().core = "8"; },
     "@: cluster s1.c.t1: fleetsim.cluster: tranche of 's1.c' differs in site, system or "
     "accelerators per host"},
    // ReadFleet: tranche dates.
    {"online_not_a_date", [](PlatformSpec& p) { p.t1().props["fleetsim.online"] = "2026-2-1"; },
     "@: cluster s1.c.t1: fleetsim.online: not a date YYYY-MM-DD: '2026-2-1'"},
    {"online_no_such_date", [](PlatformSpec& p) { p.t1().props["fleetsim.online"] = "2026-02-30"; },
     "@: cluster s1.c.t1: fleetsim.online: no such date: '2026-02-30'"},
    {"retire_not_a_date", T0Prop("fleetsim.retire", "soon"),
     "@: cluster s1.c.t0: fleetsim.retire: not a date YYYY-MM-DD: 'soon'"},
    {"retire_before_online",
     [](PlatformSpec& p) { p.t1().props["fleetsim.retire"] = "2026-01-31"; },
     "@: cluster s1.c.t1: fleetsim.retire: '2026-01-31' must be after fleetsim.online "
     "'2026-02-01'"},
    {"retire_on_online", [](PlatformSpec& p) { p.t1().props["fleetsim.retire"] = "2026-02-01"; },
     "@: cluster s1.c.t1: fleetsim.retire: '2026-02-01' must be after fleetsim.online "
     "'2026-02-01'"},
    // ReadFleet: site zone properties.
    {"site_bad_power_cap", SiteProp("fleetsim.power_cap_w", "-5"),
     "@: site s1: fleetsim.power_cap_w: must be a number >= 0, got '-5'"},
    {"site_nan_power_cap", SiteProp("fleetsim.power_cap_w", "nan"),
     "@: site s1: fleetsim.power_cap_w: must be a number >= 0, got 'nan'"},
    {"site_pue_below_one", SiteProp("fleetsim.pue", "0.9"),
     "@: site s1: fleetsim.pue: must be a number >= 1, got '0.9'"},
    {"site_pue_not_a_number", SiteProp("fleetsim.pue", "high"),
     "@: site s1: fleetsim.pue: must be a number >= 1, got 'high'"},
    {"site_pue_nan", SiteProp("fleetsim.pue", "nan"),
     "@: site s1: fleetsim.pue: must be a number >= 1, got 'nan'"},
    // ReadFleet: nothing to simulate.
    {"no_fleetsim_cluster",
     [](PlatformSpec& p) {
       for (auto& t : p.tranches) t.props.erase("fleetsim.cluster");
     },
     "@: no host carries fleetsim.cluster (see platforms/README.md)"},
    // Engine: build-out dates need the scenario's start_date.
    {"dates_without_start_date", [](PlatformSpec& p) { p.start_date = false; },
     "@: cluster s1.c.t1: has build-out dates; the scenario must set start_date"},
    // LoadPlatformFile's pre-scan (SimGrid would abort, or name no file).
    {"core_zero", [](PlatformSpec& p) { p.t0().core = "0"; },
     "@:#: cluster s1.c.t0: core: must be an integer >= 1, got '0'", "id=\"s1.c.t0\""},
    {"core_negative", [](PlatformSpec& p) { p.t1().core = "-2"; },
     "@:#: cluster s1.c.t1: core: must be an integer >= 1, got '-2'", "id=\"s1.c.t1\""},
    {"wattage_too_few_pstates", T0Prop("wattage_per_state", "100:125:200"),
     "@:#: cluster s1.c.t0: wattage_per_state: has 1 pstates but speed has 2", "id=\"s1.c.t0\""},
    {"wattage_too_many_pstates", T0Prop("wattage_per_state", "1:2:3,1:2:3,1:2:3"),
     "@:#: cluster s1.c.t0: wattage_per_state: has 3 pstates but speed has 2", "id=\"s1.c.t0\""},
    {"wattage_four_values", T0Prop("wattage_per_state", "100:125:200:250, 60:75:120"),
     "@:#: cluster s1.c.t0: wattage_per_state: pstate 0: expected idle:epsilon:full or idle:full, "
     "got '100:125:200:250'",
     "s1.c.t0"},
    {"wattage_one_value", T0Prop("wattage_per_state", "100:125:200, 60"),
     "@:#: cluster s1.c.t0: wattage_per_state: pstate 1: expected idle:epsilon:full or idle:full, "
     "got '60'",
     "s1.c.t0"},
    {"wattage_not_a_number", T0Prop("wattage_per_state", "idle:125:200, 60:75:120"),
     "@:#: cluster s1.c.t0: wattage_per_state: pstate 0: watts must be numbers >= 0, got 'idle'",
     "s1.c.t0"},
    {"wattage_negative", T0Prop("wattage_per_state", "100:125:200, 60:-75:120"),
     "@:#: cluster s1.c.t0: wattage_per_state: pstate 1: watts must be numbers >= 0, got '-75'",
     "s1.c.t0"},
    {"wattage_empty_value", T0Prop("wattage_per_state", "100::200, 60:75:120"),
     "@:#: cluster s1.c.t0: wattage_per_state: pstate 0: watts must be numbers >= 0, got ''",
     "s1.c.t0"},
    {"wattage_off_not_a_number", T0Prop("wattage_off", "none"),
     "@:#: cluster s1.c.t0: wattage_off: must be a number >= 0, got 'none'", "id=\"s1.c.t0\""},
    {"wattage_off_negative", [](PlatformSpec& p) { p.t1().props["wattage_off"] = "-1"; },
     "@:#: cluster s1.c.t1: wattage_off: must be a number >= 0, got '-1'", "id=\"s1.c.t1\""},
    {"host_element_core_zero",
     [](PlatformSpec& p) {
       p.tranches.pop_back();
       p.t0().element = "host";
       p.t0().id = "s1.c.h0";
       p.t0().core = "0";
     },
     "@:#: host s1.c.h0: core: must be an integer >= 1, got '0'", "id=\"s1.c.h0\""},
    {"host_element_wattage",
     [](PlatformSpec& p) {
       p.tranches.pop_back();
       p.t0().element = "host";
       p.t0().id = "s1.c.h0";
       p.t0().props["wattage_per_state"] = "1:2:3";
     },
     "@:#: host s1.c.h0: wattage_per_state: has 1 pstates but speed has 2", "id=\"s1.c.h0\""},
    // SimGrid's own parser (not fleetsim's): still one line naming the file.
    {"simgrid_bad_speed", [](PlatformSpec& p) { p.t0().speed = "1f,fast"; },
     "Parse error at @:#: cannot parse number:fast", "</cluster>"},
};

INSTANTIATE_TEST_SUITE_P(All, PlatformErrors, testing::ValuesIn(kCases),
                         [](const testing::TestParamInfo<Case>& i) { return i.param.name; });

// The base platform itself is valid (so each case fails for its own reason only).
TEST(PlatformErrorsBase, ValidPlatformValidates) {
  const std::string dir = TestDir("base");
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir + "/ok.xml") << PlatformSpec().Xml();
  std::ofstream(dir + "/scenario.yaml")
      << "platform: ok.xml\nstart_date: 2026-01-01\nscheduler: {policy: easy}\n"
         "workload:\n  jobs:\n    - {id: 1, submit_s: 0, run_s: 10, accelerators: 4}\n";
  Result v = Fleetsim("validate " + dir + "/scenario.yaml");
  EXPECT_EQ(v.status, 0) << v.err;
  EXPECT_EQ(v.out, dir + "/scenario.yaml: ok (1 jobs, 0 streams, 1 clusters, policy easy)\n");
  EXPECT_EQ(v.err, "");
}

// ParseWattages is pure: its messages (prefixed by the property name in ReadFleet's errors).
TEST(ParseWattages, ParsesBothFormsAndRejectsEachMalformedInput) {
  auto ok = ParseWattages("100:125:200, 60:60", {2.0, 1.0});
  ASSERT_TRUE(ok.ok()) << ok.status();
  ASSERT_EQ(ok->size(), 2u);
  EXPECT_EQ((*ok)[0].speed_flops, 2.0);
  EXPECT_EQ((*ok)[0].idle_w, 100);
  EXPECT_EQ((*ok)[0].epsilon_w, 125);
  EXPECT_EQ((*ok)[0].full_w, 200);
  EXPECT_EQ((*ok)[1].idle_w, 60);
  EXPECT_EQ((*ok)[1].epsilon_w, 60);  // "idle:full": epsilon = full
  EXPECT_EQ((*ok)[1].full_w, 60);
  struct {
    const char* text;
    const char* message;
  } cases[] = {
      {"1:2:3", "has 1 pstates but speed has 2"},
      {"1:2:3,4:5:6,7:8:9", "has 3 pstates but speed has 2"},
      {"1:2:3:4,1:2", "pstate 0: expected idle:epsilon:full or idle:full, got '1:2:3:4'"},
      {"1:2:3, 7", "pstate 1: expected idle:epsilon:full or idle:full, got '7'"},
      {"1:x:3,1:2", "pstate 0: watts must be numbers >= 0, got 'x'"},
      {"1:2:3,1:-2", "pstate 1: watts must be numbers >= 0, got '-2'"},
      {"1:inf:3,1:2", "pstate 0: watts must be numbers >= 0, got 'inf'"},
  };
  for (const auto& c : cases) {
    auto r = ParseWattages(c.text, {2.0, 1.0});
    EXPECT_TRUE(absl::IsInvalidArgument(r.status())) << c.text;
    EXPECT_EQ(r.status().message(), c.message) << c.text;
  }
}

}  // namespace
}  // namespace fleetsim::platform
