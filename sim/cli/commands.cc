#include "sim/cli/commands.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "sim/core/format.h"
#include "sim/core/io.h"
#include "sim/core/status.h"
#include "sim/engine/engine.h"
#include "sim/metrics/report.h"
#include "sim/scenario/scenario.h"
#include "sim/sched/scheduler.h"
#include "sim/workload/swf.h"

namespace fleetsim::cli {
namespace fs = std::filesystem;

const char kUsage[] = R"(fleetsim - discrete-event simulator of AI compute fleets (SimGrid 3.32)

Usage:
  fleetsim run SCENARIO.yaml [--out DIR] [--seed N] [--set key.path=value ...] [--quiet]
      Load, validate and simulate a scenario (training jobs and inference streams); write
      jobs.csv, utilization.csv, site_power.csv, summary.json and manifest.json, and with streams replicas.csv,
      serving_series.csv, serving_sites.csv, serving_latency.csv (and requests.csv when
      serving.request_sample_rate > 0) to DIR (default: the scenario's outputs.dir, else
      results/<name>). Schemas: results/README.md; scenario schema: workloads/README.md.
  fleetsim validate SCENARIO.yaml [--set key.path=value ...]
      Load and check the scenario, its platform and workload; simulate nothing, write nothing.
  fleetsim replay-swf TRACE.swf --out DIR [--policy fcfs|easy] [--estimates user|exact]
                     [--processors N] [--accelerators-per-host K] [--quiet]
      Replay a Standard Workload Format trace on a homogeneous cluster of N processors
      (default: the trace's MaxProcs header), K processors per SimGrid host (default: the
      largest divisor of N not above 64). Grouping never changes a schedule or an energy:
      placement counts processors, power is linear in busy processors (100 W idle, 200 W busy
      each, nominal) and a job's energy is its processors' share; only jobs.csv's hosts column
      and the run time depend on K. Jobs are cleaned with the predictsim rules (see
      workloads/README.md).
  fleetsim platform build|info ...
      Generate platform files from the catalogue / describe a platform (fleetsim platform --help).

Options:
  --out DIR                 output directory (created; files replaced atomically)
  --seed N                  override the scenario's seed (unsigned integer)
  --set key.path=value      override any scenario field before validation; repeatable;
                            list elements by index: --set workload.jobs.0.run_s=60
  --policy NAME             replay-swf scheduling policy: fcfs or easy (default easy)
  --estimates user|exact    replay-swf run-time estimates: the trace's requested times, or the
                            actual run times (clairvoyant); default user
  --processors N            replay-swf cluster size (default: MaxProcs from the trace header)
  --accelerators-per-host K replay-swf processors per SimGrid host (default: the largest
                            divisor of the cluster size not above 64)
  --quiet                   no progress lines on stderr
  --help, -h                this text

Exit status: 0 success, 2 bad input (one line naming file:line:column and field), 1 internal error.
)";

namespace {

int Fail(const absl::Status& st) {
  std::fprintf(stderr, "fleetsim: %s\n", std::string(st.message()).c_str());
  return absl::IsInvalidArgument(st) || absl::IsNotFound(st) ? 2 : 1;
}

int Usage(const std::string& msg) {
  std::fprintf(stderr, "fleetsim: %s (see fleetsim --help)\n", msg.c_str());
  return 2;
}

// Writes every output file atomically; returns their names (manifest last).
absl::StatusOr<std::vector<std::string>> WriteOutputs(const std::string& dir, const metrics::RunResult& r,
                          const metrics::RunInfo& info, const std::vector<std::string>& inputs,
                          const Options& o, const std::vector<std::pair<std::string, std::string>>& params) {
  FLEETSIM_RETURN_IF_ERROR(MakeDirs(dir));
  // Manifest first in memory: hashing inputs can fail; then write every file atomically.
  JsonWriter m;
  m.BeginObject();
  m.Key("fleetsim_version").Value(FLEETSIM_VERSION);
  m.Key("simgrid_version").Value(r.simgrid_version);
  m.Key("command_line").Value(o.command_line);
  m.Key("seed").Value(static_cast<int64_t>(info.seed));
  m.Key("parameters").BeginObject();
  for (const auto& [k, v] : params) m.Key(k).Value(v);
  m.EndObject();
  m.Key("overrides").BeginArray();
  for (const auto& s : o.sets) m.Value(s);
  m.EndArray();
  m.Key("inputs").BeginArray();
  for (const auto& p : inputs) {
    auto h = Sha256File(p);
    if (!h.ok()) return h.status();
    m.BeginObject().Key("path").Value(p).Key("sha256").Value(*h).EndObject();
  }
  m.EndArray();
  std::vector<std::pair<std::string, std::string>> files;
  files.emplace_back("jobs.csv", metrics::JobsCsv(r));
  files.emplace_back("utilization.csv", metrics::UtilizationCsv(r));
  files.emplace_back("site_power.csv", metrics::SitePowerCsv(r));
  files.emplace_back("summary.json", metrics::SummaryJson(r, info));
  if (r.serving) {
    files.emplace_back("replicas.csv", metrics::ReplicasCsv(r));
    files.emplace_back("serving_series.csv", r.serving->SeriesCsv());
    files.emplace_back("serving_sites.csv", metrics::ServingSitesCsv(r));
    files.emplace_back("serving_latency.csv", r.serving->LatencyCsv());
    if (r.serving_request_sample_rate > 0) files.emplace_back("requests.csv", r.serving->RequestCsv());
  }
  m.Key("outputs").BeginArray();
  for (const auto& f : files) m.Value(f.first);
  m.EndArray();
  m.EndObject();
  files.emplace_back("manifest.json", m.str());
  std::vector<std::string> names;
  for (const auto& [name, text] : files) {
    FLEETSIM_RETURN_IF_ERROR(WriteFileAtomic(dir + "/" + name, text));
    names.push_back(name);
  }
  return names;
}

void PrintDone(const std::string& dir, const metrics::RunResult& r,
               const std::vector<std::string>& files, bool quiet) {
  if (!quiet) {
    std::fprintf(stderr, "[fleetsim] simulated %.0f s in %.2f s wall (%lld scheduler events, %.0f events/s)\n",
                 r.end_time_s, r.wall_s, static_cast<long long>(r.events),
                 r.wall_s > 0 ? r.events / r.wall_s : 0.0);
  }
  std::printf("results: %s/{%s}\n", dir.c_str(), absl::StrJoin(files, ",").c_str());
}

}  // namespace

int ValidateCommand(const Options& o) {
  if (o.positional.size() != 1) return Usage("validate needs exactly one SCENARIO.yaml");
  auto s = scenario::LoadScenario(o.positional[0], o.sets);
  if (!s.ok()) return Fail(s.status());
  // The platform is checked by loading it into SimGrid without running anything.
  engine::EngineConfig cfg;
  cfg.platform_path = s->platform_path;
  cfg.scheduler = s->policy;
  cfg.start_date = s->start_date;
  cfg.progress = false;
  cfg.validate_only = true;
  cfg.serving = &s->serving;
  auto r = engine::RunSimulation(cfg, s->workload);
  if (!r.ok()) return Fail(r.status());
  std::printf("%s: ok (%zu jobs, %zu streams, %zu clusters, policy %s)\n",
              o.positional[0].c_str(), s->workload.jobs.size(), s->serving.streams.size(),
              r->fleet.clusters.size(), s->policy.c_str());
  return 0;
}

int RunCommand(const Options& o) {
  if (o.positional.size() != 1) return Usage("run needs exactly one SCENARIO.yaml");
  auto s = scenario::LoadScenario(o.positional[0], o.sets);
  if (!s.ok()) return Fail(s.status());
  if (o.has_seed) s->seed = o.seed;
  std::string dir = !o.out_dir.empty() ? o.out_dir
                    : !s->out_dir.empty() ? s->out_dir
                                          : absl::StrCat("results/", s->name);
  engine::EngineConfig cfg;
  cfg.platform_path = s->platform_path;
  cfg.scheduler = s->policy;
  cfg.horizon_s = s->horizon_s;
  cfg.start_date = s->start_date;
  cfg.progress = !o.quiet;
  cfg.seed = s->seed;
  cfg.serving = &s->serving;
  auto r = engine::RunSimulation(cfg, s->workload);
  if (!r.ok()) return Fail(r.status());
  metrics::RunInfo info{s->name, s->policy, s->horizon_s, s->seed};
  auto files = WriteOutputs(dir, *r, info, s->inputs, o, {{"scenario", s->file}});
  if (!files.ok()) return Fail(files.status());
  PrintDone(dir, *r, *files, o.quiet);
  return 0;
}

int ReplaySwfCommand(const Options& o) {
  if (o.positional.size() != 1) return Usage("replay-swf needs exactly one TRACE.swf");
  if (o.out_dir.empty()) return Usage("replay-swf needs --out DIR");
  auto policy = sched::MakeScheduler(o.policy);
  if (!policy.ok()) return Usage(absl::StrCat("--policy: ", policy.status().message()));
  if (o.estimates != "user" && o.estimates != "exact") {
    return Usage(absl::StrCat("--estimates: expected user or exact, got '", o.estimates, "'"));
  }
  if (o.accelerators_per_host != kAutoPerHost && o.accelerators_per_host < 1) {
    return Usage("--accelerators-per-host must be >= 1");
  }
  if (o.processors < 0) return Usage("--processors must be >= 1");
  workload::SwfOptions opt;
  opt.estimates = o.estimates == "exact" ? workload::SwfEstimates::kExact : workload::SwfEstimates::kUser;
  opt.max_procs_override = o.processors;
  auto trace = workload::LoadSwf(o.positional[0], opt);
  if (!trace.ok()) return Fail(trace.status());
  int64_t procs = o.processors > 0    ? o.processors
                  : trace->max_procs > 0 ? trace->max_procs
                                         : trace->max_nodes;
  if (procs <= 0) {
    return Fail(absl::InvalidArgumentError(absl::StrCat(
        o.positional[0], ": no '; MaxProcs:' or '; MaxNodes:' header; give --processors N")));
  }
  if (trace->workload.jobs.empty()) {
    return Fail(absl::InvalidArgumentError(absl::StrCat(o.positional[0], ": no jobs")));
  }
  // Default grouping: the largest divisor of the cluster size not above 64. Schedules never
  // depend on it (placement counts accelerators, power is linear in busy processors and a job's
  // energy is its processors' share), only the jobs.csv hosts column and the run time do.
  int64_t k = o.accelerators_per_host;
  if (k == kAutoPerHost) {
    k = 1;
    for (int64_t d = std::min<int64_t>(64, procs); d >= 1; --d) {
      if (procs % d == 0) {
        k = d;
        break;
      }
    }
  }
  const int64_t nhosts = procs / k;
  if (procs % k != 0) {
    return Usage(absl::StrCat("--accelerators-per-host ", k, " must divide the cluster size ", procs));
  }
  // A homogeneous cluster: speed 1 flop/s per processor keeps run times exact integers.
  // Power: nominal 100 W idle / 200 W busy per processor, linear in busy processors
  // (epsilon = idle; not a hardware figure; see platforms/SOURCES.md "Nominal values").
  std::string xml = absl::StrCat(
      "<?xml version='1.0'?>\n<!DOCTYPE platform SYSTEM \"https://simgrid.org/simgrid.dtd\">\n"
      "<platform version=\"4.1\">\n<zone id=\"swf\" routing=\"Full\">\n"
      "  <prop id=\"fleetsim.kind\" value=\"site\"/>\n"
      "  <cluster id=\"swf.cluster\" prefix=\"swf.cluster-\" suffix=\"\" radical=\"0-", nhosts - 1,
      "\" speed=\"1f\" core=\"", k, "\" bw=\"10GBps\" lat=\"0us\">\n",
      "    <prop id=\"wattage_per_state\" value=\"", 100 * k, ":", 100 * k, ":", 200 * k, "\"/>\n",
      "    <prop id=\"wattage_off\" value=\"0\"/>\n",
      "    <prop id=\"fleetsim.cluster\" value=\"swf\"/>\n",
      "    <prop id=\"fleetsim.site\" value=\"swf\"/>\n",
      "    <prop id=\"fleetsim.provider\" value=\"trace\"/>\n",
      "    <prop id=\"fleetsim.vendor\" value=\"trace\"/>\n",
      "    <prop id=\"fleetsim.system\" value=\"swf_processor\"/>\n",
      "  </cluster>\n</zone>\n</platform>\n");
  std::string tmp = absl::StrCat(fs::temp_directory_path().string(), "/fleetsim-swf-", ::getpid(), ".xml");
  auto st = WriteFileAtomic(tmp, xml);
  if (!st.ok()) return Fail(st);
  engine::EngineConfig cfg;
  cfg.platform_path = tmp;
  cfg.scheduler = o.policy;
  cfg.progress = !o.quiet;
  auto r = engine::RunSimulation(cfg, trace->workload);
  std::remove(tmp.c_str());
  if (!r.ok()) return Fail(r.status());
  metrics::RunInfo info{fs::path(o.positional[0]).stem().string(), o.policy, 0, 0};
  auto files = WriteOutputs(o.out_dir, *r, info, {o.positional[0]}, o,
                            {{"policy", o.policy}, {"estimates", o.estimates},
                             {"processors", absl::StrCat(procs)},
                             {"accelerators_per_host", absl::StrCat(k)}, {"cleaning", "predictsim"}});
  if (!files.ok()) return Fail(files.status());
  PrintDone(o.out_dir, *r, *files, o.quiet);
  return 0;
}

}  // namespace fleetsim::cli
