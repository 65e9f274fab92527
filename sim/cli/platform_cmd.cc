#include "sim/cli/platform_cmd.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <simgrid/s4u.hpp>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "sim/core/date.h"
#include "sim/core/format.h"
#include "sim/core/io.h"
#include "sim/platform/catalog.h"
#include "sim/platform/generator.h"
#include "sim/platform/loader.h"

namespace fleetsim::cli {

const char kPlatformUsage[] =
    R"(usage: fleetsim platform build [--catalog DIR] [--out DIR] [--scale X[,Y...]]
       fleetsim platform info FILE [--at YYYY-MM-DD] [--csv]

build   Generate SimGrid platform XML from the catalogue (DIR/systems.yaml, DIR/sites.yaml):
        for every scale, one file per provider (<provider>[-s<scale>].xml) and one per
        composition of sites.yaml (<composition>[-s<scale>].xml, e.g. fleet-2026-s0.01.xml).
        Output is byte-for-byte reproducible. The catalogue is validated completely before
        anything is written.
        --catalog DIR   catalogue directory (default platforms/catalog)
        --out DIR       output directory, created if needed (default platforms)
        --scale LIST    comma-separated scales in (0, 1] (default 1,0.01). Scaled host count
                        per tranche = max(1, round(hosts x scale)); scale 1 = one SimGrid host
                        per node, rack or system.
info    Load FILE into SimGrid (as the simulator does) and print, per phase date, per site and
        vendor: hosts, accelerators, dense peak PFLOP/s (BF16, FP8, FP4), IT MW at full load
        (pstate 0), facility MW (IT x PUE) and the site's power cap in MW; plus a total per date.
        Dates are "start" (before any dated phase) and every online/retire date in the file;
        a tranche counts at date D if online <= D < retire.
        --at DATE       only the state at DATE
        --csv           CSV with header date,site,provider,vendor,hosts,accelerators,pflops_bf16,
                        pflops_fp8,pflops_fp4,it_mw,facility_mw,cap_mw (site "TOTAL" = all sites)

Exit status: 0 ok, 2 bad input (one line on stderr naming file:line:col and field), 1 internal
error.
)";

namespace {

constexpr char kUsageHint[] = " (see fleetsim platform --help)\n";

int BadInput(const std::string& msg) {
  std::fprintf(stderr, "fleetsim platform: %s\n", msg.c_str());
  return 2;
}

// Splits argv[2..] into positional args and --key[=value] options; `flags` lists valueless ones.
struct Args {
  std::vector<std::string> positional;
  std::map<std::string, std::string> opts;
};

absl::StatusOr<Args> ParseArgs(int argc, char** argv, const std::set<std::string>& with_value,
                               const std::set<std::string>& flags) {
  Args a;
  for (int i = 2; i < argc; ++i) {
    std::string s = argv[i];
    if (s.rfind("--", 0) != 0) {
      a.positional.push_back(s);
      continue;
    }
    std::string name = s.substr(2), value;
    size_t eq = name.find('=');
    bool has_value = eq != std::string::npos;
    if (has_value) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (flags.count(name)) {
      if (has_value) return absl::InvalidArgumentError(absl::StrCat("--", name, " takes no value"));
      a.opts[name] = "1";
    } else if (with_value.count(name)) {
      if (!has_value) {
        if (i + 1 >= argc)
          return absl::InvalidArgumentError(absl::StrCat("--", name, " needs a value"));
        value = argv[++i];
      }
      a.opts[name] = value;
    } else {
      return absl::InvalidArgumentError(absl::StrCat("unknown option '--", name, "'"));
    }
  }
  return a;
}

int Build(int argc, char** argv) {
  auto args = ParseArgs(argc, argv, {"catalog", "out", "scale"}, {});
  if (!args.ok()) return BadInput(absl::StrCat(args.status().message(), kUsageHint));
  if (!args->positional.empty()) {
    return BadInput(absl::StrCat("build: unexpected argument '", args->positional[0], "'"));
  }
  const std::string catalog_dir =
      args->opts.count("catalog") ? args->opts["catalog"] : "platforms/catalog";
  const std::string out_dir = args->opts.count("out") ? args->opts["out"] : "platforms";
  std::vector<double> scales;
  const std::string scale_text = args->opts.count("scale") ? args->opts["scale"] : "1,0.01";
  for (const std::string& part : std::vector<std::string>(absl::StrSplit(scale_text, ','))) {
    double s;
    if (!absl::SimpleAtod(part, &s) || !(s > 0 && s <= 1)) {
      return BadInput(
          absl::StrCat("--scale: each scale must be a number in (0, 1], got '", part, "'"));
    }
    scales.push_back(s);
  }
  auto cat = platform::LoadCatalog(catalog_dir);
  if (!cat.ok()) return BadInput(std::string(cat.status().message()));
  auto digest = platform::CatalogDigest(catalog_dir);
  if (!digest.ok()) return BadInput(std::string(digest.status().message()));
  std::vector<platform::GeneratedFile> files = platform::GeneratePlatforms(*cat, scales, *digest);
  if (auto st = MakeDirs(out_dir); !st.ok()) {
    std::fprintf(stderr, "fleetsim platform: %s\n", std::string(st.message()).c_str());
    return 1;
  }
  for (const auto& f : files) {
    if (auto st = WriteFileAtomic(out_dir + "/" + f.name, f.content); !st.ok()) {
      std::fprintf(stderr, "fleetsim platform: %s\n", std::string(st.message()).c_str());
      return 1;
    }
  }
  std::printf("wrote %zu platform files to %s\n", files.size(), out_dir.c_str());
  return 0;
}

struct Row {
  std::string site, provider, vendor;
  int64_t hosts = 0, accels = 0;
  double pf_bf16 = 0, pf_fp8 = 0, pf_fp4 = 0, it_mw = 0, facility_mw = 0, cap_mw = 0;
};

bool Alive(const platform::Tranche& t, const std::string& date) {
  if (date == "start") return !t.online_date;
  return (!t.online_date || *t.online_date <= date) && (!t.retire_date || *t.retire_date > date);
}

std::vector<Row> RowsAt(const platform::Fleet& fleet, const std::string& date) {
  std::vector<Row> rows;
  Row total;
  total.site = "TOTAL";
  std::set<int> sites_with_hosts;
  for (size_t si = 0; si < fleet.sites.size(); ++si) {
    const platform::Site& site = fleet.sites[si];
    std::map<std::string, Row> by_vendor;
    for (int ci : site.clusters) {
      const platform::Cluster& c = fleet.clusters[ci];
      int64_t hosts = 0;
      for (const auto& t : c.tranches) hosts += Alive(t, date) ? t.num_hosts : 0;
      if (hosts == 0) continue;
      Row& r = by_vendor[c.vendor];
      r.site = site.name;
      r.provider = site.provider;
      r.vendor = c.vendor;
      const int64_t accels = hosts * c.accelerators_per_host;
      r.hosts += hosts;
      r.accels += accels;
      r.pf_bf16 += accels * c.peak_flops_bf16 / 1e15;
      r.pf_fp8 += accels * c.peak_flops_fp8 / 1e15;
      r.pf_fp4 += accels * c.peak_flops_fp4 / 1e15;
      const double it = hosts * (c.pstates.empty() ? 0.0 : c.pstates[0].full_w) / 1e6;
      r.it_mw += it;
      r.facility_mw += it * site.pue;
      r.cap_mw = site.power_cap_w / 1e6;
    }
    for (auto& [v, r] : by_vendor) {
      sites_with_hosts.insert(static_cast<int>(si));
      total.hosts += r.hosts;
      total.accels += r.accels;
      total.pf_bf16 += r.pf_bf16;
      total.pf_fp8 += r.pf_fp8;
      total.pf_fp4 += r.pf_fp4;
      total.it_mw += r.it_mw;
      total.facility_mw += r.facility_mw;
      rows.push_back(r);
    }
  }
  for (int si : sites_with_hosts) total.cap_mw += fleet.sites[si].power_cap_w / 1e6;
  rows.push_back(total);
  return rows;
}

int Info(int argc, char** argv) {
  auto args = ParseArgs(argc, argv, {"at"}, {"csv"});
  if (!args.ok()) return BadInput(absl::StrCat(args.status().message(), kUsageHint));
  if (args->positional.size() != 1) {
    return BadInput(absl::StrCat("info needs exactly one platform FILE", kUsageHint));
  }
  const std::string path = args->positional[0];
  const bool csv = args->opts.count("csv") > 0;
  std::vector<std::string> dates;
  if (args->opts.count("at")) {
    const std::string at = args->opts["at"];
    if (auto d = ParseIsoDate(at); !d.ok()) {
      return BadInput(absl::StrCat("--at: ", d.status().message()));
    }
    dates.push_back(at);
  }
  if (auto text = ReadFile(path); !text.ok()) return BadInput(std::string(text.status().message()));

  std::vector<std::string> sg_args = {"fleetsim-platform", "--log=root.thres:critical"};
  std::vector<char*> sg_argv;
  for (auto& s : sg_args) sg_argv.push_back(s.data());
  int sg_argc = static_cast<int>(sg_argv.size());
  // Deliberately never destroyed: tearing down a 100k-host platform takes over a second and the
  // process ends right after this command (SimGrid allows one engine per process anyway).
  simgrid::s4u::Engine& engine = *new simgrid::s4u::Engine(&sg_argc, sg_argv.data());
  if (auto st = platform::LoadPlatformFile(engine, path); !st.ok()) {
    return BadInput(std::string(st.message()));
  }
  auto fleet = platform::ReadFleet(engine, path, nullptr);
  if (!fleet.ok()) return BadInput(std::string(fleet.status().message()));

  if (dates.empty()) {
    std::set<std::string> all;
    bool has_start = false;
    for (const auto& c : fleet->clusters) {
      for (const auto& t : c.tranches) {
        if (t.online_date)
          all.insert(*t.online_date);
        else
          has_start = true;
        if (t.retire_date) all.insert(*t.retire_date);
      }
    }
    if (has_start) dates.push_back("start");
    dates.insert(dates.end(), all.begin(), all.end());
  }

  CsvWriter table({"date", "site", "provider", "vendor", "hosts", "accelerators", "pflops_bf16",
                   "pflops_fp8", "pflops_fp4", "it_mw", "facility_mw", "cap_mw"});
  std::string text;
  if (!csv) {
    int64_t hosts = 0, tranches = 0;
    for (const auto& c : fleet->clusters) {
      hosts += c.num_hosts();
      tranches += static_cast<int64_t>(c.tranches.size());
    }
    absl::StrAppendFormat(&text, "%s: %d sites, %d clusters, %d tranches, %d hosts in all phases\n",
                          path, fleet->sites.size(), fleet->clusters.size(), tranches, hosts);
    absl::StrAppendFormat(&text, "%-10s %-18s %-10s %-8s %8s %10s %10s %10s %10s %9s %9s %8s\n",
                          "date", "site", "provider", "vendor", "hosts", "accels", "PF_bf16",
                          "PF_fp8", "PF_fp4", "IT_MW", "fac_MW", "cap_MW");
  }
  for (const std::string& date : dates) {
    for (const Row& r : RowsAt(*fleet, date)) {
      if (csv) {
        table.Add(date)
            .Add(r.site)
            .Add(r.provider)
            .Add(r.vendor)
            .Add(r.hosts)
            .Add(r.accels)
            .Add(r.pf_bf16)
            .Add(r.pf_fp8)
            .Add(r.pf_fp4)
            .Add(r.it_mw)
            .Add(r.facility_mw)
            .Add(r.cap_mw);
        table.EndRow();
      } else {
        absl::StrAppendFormat(&text,
                              "%-10s %-18s %-10s %-8s %8d %10d %10.1f %10.1f %10.1f %9.2f %9.2f "
                              "%8.1f\n",
                              date, r.site, r.provider, r.vendor, r.hosts, r.accels, r.pf_bf16,
                              r.pf_fp8, r.pf_fp4, r.it_mw, r.facility_mw, r.cap_mw);
      }
    }
  }
  std::fputs(csv ? table.str().c_str() : text.c_str(), stdout);
  return 0;
}

}  // namespace

int RunPlatformCommand(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(kPlatformUsage, stderr);
    return 2;
  }
  const std::string sub = argv[1];
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h" || a == "help") {
      std::fputs(kPlatformUsage, stdout);
      return 0;
    }
  }
  try {
    if (sub == "build") return Build(argc, argv);
    if (sub == "info") return Info(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fleetsim platform: internal error: %s\n", e.what());
    return 1;
  }
  return BadInput(absl::StrCat("unknown subcommand '", sub, "'", kUsageHint));
}

}  // namespace fleetsim::cli
