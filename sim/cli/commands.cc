#include "sim/cli/commands.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "sim/cli/run_output.h"
#include "sim/cli/signals.h"
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
                      [--no-invariants]
      Load, validate and simulate a scenario (training jobs and inference streams); write
      jobs.csv, utilization.csv, power.csv, accounting.csv (energy and cost; the scenario's
      cost: section), summary.json and manifest.json, and with streams replicas.csv,
      serving_series.csv, serving_sites.csv, serving_latency.csv (and requests.csv when
      serving.request_sample_rate > 0), and with cluster or fleet power caps
      power_domains.csv, to DIR (default: the scenario's outputs.dir, else
      results/<name>). Schemas: results/README.md; scenario schema: workloads/README.md.
  fleetsim validate SCENARIO.yaml [--set key.path=value ...]
      Load and check the scenario, its platform and workload; simulate nothing, write nothing.
  fleetsim replay-swf TRACE.swf --out DIR [--policy NAME] [--estimates user|exact]
                     [--processors N] [--accelerators-per-host K] [--quiet]
                     [--no-invariants]
      Replay a Standard Workload Format trace on a homogeneous cluster of N processors
      (default: the trace's MaxProcs header, else MaxNodes), K processors per SimGrid host (default: the
      largest divisor of N not above 64). Grouping never changes a schedule or an energy:
      placement counts processors, power is linear in busy processors (100 W idle, 200 W busy
      each, nominal) and a job's energy is its processors' share; only jobs.csv's hosts column
      and the run time depend on K. Jobs are cleaned with the predictsim rules (see
      workloads/README.md).
  fleetsim sweep plan SWEEP.yaml --out DIR
      Expand a sweep file (base scenario, axes over --set paths: grid, zip, random, lhs; seeds)
      into DIR: one resolved, validated scenario per run and index.csv. Schema: workloads/README.md.
  fleetsim sweep run DIR [--jobs N] [--runs A-B] [--quiet]
      Run the plan's runs that are not done, N at a time (child fleetsim processes); progress on
      stderr; re-running resumes (finished runs are skipped, failed ones retried).
  fleetsim sweep status DIR
      Done, failed (with exit status and stderr tail), interrupted, running and not-run counts.
  fleetsim sweep collect DIR [--out FILE.csv]
      One row per run (parameters, seed, status, flat summary.json metrics) in DIR/results.csv,
      and mean/sd/95% CI across seeds per parameter point in DIR/results_summary.csv.
  fleetsim sweep slurm DIR [--chunk K] [--max-concurrent M] [--partition P] [--time T]
                       [--mem M] [--account A] [--submit]
      Write DIR/sweep.sbatch, a job array of ceil(runs/K) tasks (each runs `sweep run --runs`),
      and with --submit pass it to sbatch.
  fleetsim platform build|info ...
      Generate platform files from the catalogue / describe a platform (fleetsim platform --help).

Options:
  --out DIR                 output directory (created; files replaced atomically)
  --seed N                  override the scenario's seed (unsigned integer)
  --set key.path=value      override any scenario field before validation; repeatable;
                            list elements by index: --set workload.jobs.0.run_s=60
  --policy NAME             replay-swf scheduling policy: fcfs, easy, fcfs-het, easy-het, ftf
                            (default easy; the -het variants matter on several clusters)
  --estimates user|exact    replay-swf run-time estimates: the trace's requested times, or the
                            actual run times (clairvoyant); default user
  --processors N            replay-swf cluster size (default: MaxProcs, else MaxNodes, from the
                            trace header)
  --accelerators-per-host K replay-swf processors per SimGrid host (default: the largest
                            divisor of the cluster size not above 64)
  --run-id ID               run id recorded in manifest.json (default: from the scenario hash)
  --jobs N, --runs A-B      sweep run: runs at once; positions A..B (0-based) of index.csv
  --chunk K, --max-concurrent M, --partition P, --time T, --mem M, --account A, --submit
                            sweep slurm: runs per array task, array tasks at once, sbatch options
  --quiet                   no progress lines on stderr
  --no-invariants           run, replay-swf: skip the run invariants checked by default (no
                            accelerator held twice, every job and request accounted for once,
                            energy = integral of power; sim/engine/invariants.h); for benchmarks
  --help, -h                this text

Exit status: 0 success, 2 bad input (one line naming file:line:column and field), 1 internal or
I/O error (sweep run: some runs failed), 130/143 stopped by SIGINT/SIGTERM. A signal during the
simulation stops it at the next simulated instant and writes every output for [0, that instant]
(manifest.json status and summary.json outcome "interrupted"; within 20 s, else nothing but the
"interrupted" manifest is left); a signal while loading leaves only that manifest.
)";

namespace {

// Bad input (InvalidArgument, NotFound) exits 2; anything else, including I/O failures while
// writing (Unavailable, sim/core/io.h), exits 1 so that retry logic can tell them apart.
int Fail(const absl::Status& st) {
  const bool input = absl::IsInvalidArgument(st) || absl::IsNotFound(st);
  std::fprintf(stderr, "fleetsim: %s%s\n", input ? "" : "internal/io error: ",
               std::string(st.message()).c_str());
  return input ? 2 : 1;
}

int Usage(const std::string& msg) {
  std::fprintf(stderr, "fleetsim: %s (see fleetsim --help)\n", msg.c_str());
  return 2;
}

// The output files of a run, in memory (manifest excluded).
// The run's outputs in their fixed order. The accounting is computed once; jobs.csv,
// utilization.csv and power.csv (the large tables of a trace replay) are built on two worker
// threads from the start, while the main thread makes and writes the others one at a time. Each
// is a pure function of the finished run: no shared mutable state (the serving model's
// statistics cache is warm from the loop below, and only ServingSim's own outputs, made on this
// thread, read it), so the bytes do not depend on timing.
struct Outputs {
  std::shared_ptr<const metrics::Accounting> acc;
  // Declared after `acc`, so destroyed first: a pending worker (joined when the last handle to
  // its future goes) never outlives the accounting it reads.
  std::vector<OutputFile> files;
};
Outputs OutputFiles(const metrics::RunResult& r, const metrics::RunInfo& info) {
  std::vector<metrics::StreamRef> streams = info.streams;
  for (size_t i = 0; i < streams.size() && r.serving; ++i) {
    const serve::StreamStats st = r.serving->Stats(static_cast<int>(i));
    streams[i].token_model = st.token_model;
    streams[i].output_tokens = st.output_tokens;
    streams[i].completed = static_cast<double>(st.completed);
  }
  Outputs o;
  o.acc = std::make_shared<const metrics::Accounting>(metrics::Account(r, info.cost, streams));
  const metrics::Accounting& acc = *o.acc;
  auto jobs = std::make_shared<std::future<std::string>>(
      std::async(std::launch::async, [&r, &acc] { return metrics::JobsCsv(r, acc); }));
  auto tables = std::make_shared<std::future<std::pair<std::string, std::string>>>(
      std::async(std::launch::async, [&r] {
        return std::make_pair(metrics::UtilizationCsv(r), metrics::PowerCsv(r));
      }));
  // One worker builds both tables; the utilization maker (always written just before
  // power.csv) moves power.csv's text here for the next maker, so neither is copied.
  auto power = std::make_shared<std::string>();
  auto& f = o.files;
  f.push_back({"jobs.csv", [jobs] { return jobs->get(); }});
  f.push_back({"utilization.csv", [tables, power] {
                 auto t = tables->get();
                 *power = std::move(t.second);
                 return std::move(t.first);
               }});
  f.push_back({"power.csv", [power] { return std::move(*power); }});
  if (!r.power_domains.empty()) {
    f.push_back({"power_domains.csv", [&r] { return metrics::PowerDomainsCsv(r); }});
  }
  f.push_back({"accounting.csv", [&r, &acc] { return metrics::AccountingCsv(r, acc); }});
  f.push_back({"summary.json", [&r, &info, &acc] { return metrics::SummaryJson(r, info, acc); }});
  if (r.serving) {
    f.push_back({"replicas.csv", [&r, &acc] { return metrics::ReplicasCsv(r, acc); }});
    f.push_back({"serving_series.csv", [&r] { return r.serving->SeriesCsv(); }});
    f.push_back({"serving_sites.csv", [&r] { return metrics::ServingSitesCsv(r); }});
    f.push_back({"serving_latency.csv", [&r] { return r.serving->LatencyCsv(); }});
    if (r.serving_request_sample_rate > 0) {
      f.push_back({"requests.csv", [&r] { return r.serving->RequestCsv(); }});
    }
  }
  return o;
}

// Hashes every input (an unreadable input is an error before anything is simulated).
absl::Status HashInputs(const std::vector<std::string>& paths, ManifestInfo* m) {
  for (const auto& p : paths) {
    auto h = Sha256File(p);
    if (!h.ok()) return h.status();
    m->inputs.emplace_back(p, *h);
  }
  return absl::OkStatus();
}

// Writes the outputs and the manifest (sim/cli/run_output.h); returns the file names.
absl::StatusOr<std::vector<std::string>> WriteOutputs(const std::string& dir,
                                                      const metrics::RunResult& r,
                                                      const metrics::RunInfo& info,
                                                      ManifestInfo m) {
  m.simgrid_version = r.simgrid_version;
  const Outputs out = OutputFiles(r, info);
  FLEETSIM_RETURN_IF_ERROR(
      WriteRunOutputs(dir, m, out.files, r.interrupted ? "interrupted" : "complete"));
  std::vector<std::string> names;
  for (const auto& f : out.files) names.push_back(f.name);
  names.push_back("manifest.json");
  return names;
}

// From here on a SIGINT/SIGTERM stops the simulation at its next instant (signals.h, deferred
// mode); the run then writes what it simulated, marked interrupted.
void StopOnInterrupt(engine::EngineConfig* cfg) {
  SetInterruptDeferred(kInterruptGraceS);
  cfg->stop_requested = [] { return InterruptSignal() != 0; };
}

// Exit status after the outputs are written: 128 + signal if one came (even if the simulation
// had just ended: the outputs then say complete), else 0.
int ExitStatus() { return InterruptSignal() != 0 ? 128 + InterruptSignal() : 0; }

void PrintDone(const std::string& dir, const metrics::RunResult& r,
               const std::vector<std::string>& files, bool quiet) {
  if (r.interrupted) {
    std::fprintf(stderr,
                 "fleetsim: interrupted at simulated t=%.0f s: partial outputs in %s (manifest "
                 "status and summary outcome \"interrupted\")\n",
                 r.end_time_s, dir.c_str());
  }
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
  cfg.power = &s->power;
  cfg.check_fleet = [&](const platform::Fleet& f) { return metrics::CheckCostPlan(s->cost, f); };
  auto r = engine::RunSimulation(cfg, s->workload);
  if (!r.ok()) return Fail(r.status());
  std::printf("%s: ok (%zu jobs, %zu streams, %zu clusters, policy %s)\n",
              o.positional[0].c_str(), s->workload.jobs.size(), s->serving.streams.size(),
              r->fleet.clusters.size(), s->policy.c_str());
  return 0;
}

int RunCommand(const Options& o) {
  if (o.positional.size() != 1) return Usage("run needs exactly one SCENARIO.yaml");
  // --seed is one more override, so the effective-scenario hash covers it.
  std::vector<std::string> sets = o.sets;
  if (o.has_seed) sets.push_back(absl::StrCat("seed=", o.seed));
  if (!o.out_dir.empty()) {
    // A signal while loading still marks the directory interrupted (and removes an earlier
    // run's outputs), so the outcome does not depend on when the signal came.
    ManifestInfo early;
    early.command = "run";
    early.run_id = o.run_id;
    early.scenario_file = o.positional[0];
    early.overrides = sets;
    ArmInterrupt(o.out_dir, early, {});
  }
  StartSignalThread();
  auto s = scenario::LoadScenario(o.positional[0], sets);
  if (!s.ok()) return Fail(s.status());
  std::string dir = !o.out_dir.empty() ? o.out_dir
                    : !s->out_dir.empty() ? s->out_dir
                                          : absl::StrCat("results/", s->name);
  ManifestInfo m;
  m.command = "run";
  m.scenario = s->name;
  m.scenario_file = s->file;
  m.config_sha256 = s->effective_sha256;
  m.run_id = !o.run_id.empty() ? o.run_id : m.config_sha256.substr(0, 16);
  m.seed = s->seed;
  m.overrides = sets;
  auto st = HashInputs(s->inputs, &m);
  if (!st.ok()) return Fail(st);
  ArmInterrupt(dir, m, {});
  engine::EngineConfig cfg;
  cfg.platform_path = s->platform_path;
  cfg.scheduler = s->policy;
  cfg.horizon_s = s->horizon_s;
  cfg.start_date = s->start_date;
  cfg.progress = !o.quiet;
  cfg.check_invariants = o.invariants;
  cfg.seed = s->seed;
  cfg.serving = &s->serving;
  cfg.power = &s->power;
  cfg.check_fleet = [&](const platform::Fleet& f) { return metrics::CheckCostPlan(s->cost, f); };
  StopOnInterrupt(&cfg);
  auto r = engine::RunSimulation(cfg, s->workload);
  if (!r.ok()) return Fail(r.status());
  metrics::RunInfo info{s->name, s->policy, s->horizon_s, s->seed, s->cost, {}};
  for (const auto& st : s->serving.streams) {
    info.streams.push_back({st.name, st.model.name, true, 0, 0});  // results filled after the run
  }
  auto files = WriteOutputs(dir, *r, info, m);
  if (!files.ok()) return Fail(files.status());
  PrintDone(dir, *r, *files, o.quiet);
  return ExitStatus();
}

int ReplaySwfCommand(const Options& o) {
  if (o.positional.size() != 1) return Usage("replay-swf needs exactly one TRACE.swf");
  if (o.out_dir.empty()) return Usage("replay-swf needs --out DIR");
  ManifestInfo early;
  early.command = "replay-swf";
  early.run_id = o.run_id;
  early.scenario_file = o.positional[0];
  ArmInterrupt(o.out_dir, early, {});
  StartSignalThread();
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
  opt.hash_file = true;  // for the manifest
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
  // A private file (mkstemps: O_EXCL, random name), removed on every exit path including a signal.
  std::string tmp = absl::StrCat(fs::temp_directory_path().string(), "/fleetsim-swf-XXXXXX.xml");
  int fd = ::mkstemps(tmp.data(), 4);
  if (fd < 0) return Fail(IoError(tmp, "cannot create temporary platform", errno));
  ::close(fd);
  ArmInterrupt(o.out_dir, early, {tmp});
  auto st = WriteFileAtomic(tmp, xml);
  if (!st.ok()) {
    std::remove(tmp.c_str());
    return Fail(st);
  }
  ManifestInfo m;
  m.command = "replay-swf";
  m.scenario = fs::path(o.positional[0]).stem().string();
  m.scenario_file = o.positional[0];
  m.parameters = {{"policy", o.policy}, {"estimates", o.estimates},
                  {"processors", absl::StrCat(procs)},
                  {"accelerators_per_host", absl::StrCat(k)}, {"cleaning", "predictsim"}};
  m.inputs.emplace_back(o.positional[0], trace->file_sha256);
  std::string config = absl::StrCat("replay-swf\ntrace_sha256=", m.inputs[0].second, "\n");
  for (const auto& [key, v] : m.parameters) absl::StrAppend(&config, key, "=", v, "\n");
  m.config_sha256 = Sha256Hex(config);
  m.run_id = !o.run_id.empty() ? o.run_id : m.config_sha256.substr(0, 16);
  ArmInterrupt(o.out_dir, m, {tmp});
  engine::EngineConfig cfg;
  cfg.platform_path = tmp;
  cfg.scheduler = o.policy;
  cfg.progress = !o.quiet;
  StopOnInterrupt(&cfg);
  cfg.check_invariants = o.invariants;
  auto r = engine::RunSimulation(cfg, trace->workload);
  std::remove(tmp.c_str());
  if (!r.ok()) return Fail(r.status());
  metrics::RunInfo info{m.scenario, o.policy, 0, 0, metrics::CostPlan{}, {}};
  auto files = WriteOutputs(o.out_dir, *r, info, m);
  if (!files.ok()) return Fail(files.status());
  PrintDone(o.out_dir, *r, *files, o.quiet);
  return ExitStatus();
}

}  // namespace fleetsim::cli
