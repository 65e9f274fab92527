// Parameter sweeps: a sweep file -> a plan directory of resolved scenarios -> runs -> one table.
//
// Sweep file (YAML, strict: unknown keys are errors with file:line:column; schema in
// workloads/README.md "Sweeps"):
//   name: policy-load                # optional, default: file stem
//   scenario: ../default.yaml        # base scenario, relative to the sweep file
//   seeds: [1, 2, 3]                 # optional replicates: each point runs once per seed
//   axes:                            # combined as a cartesian product, first axis outermost
//     - grid: {scheduler.policy: [fcfs, easy]}        # every combination of its lists
//     - zip:  {a.b: [1, 2], c.d: [x, y]}              # lists of equal length, element-wise
//     - random: {samples: 4, seed: 7, params: {p.q: {min: 1, max: 2, integer: false, log: false}}}
//     - lhs:    {samples: 4, seed: 7, params: {...}}  # Latin hypercube over the same ranges
// Keys of grid/zip/params are `--set` paths (sim/scenario/scenario.h ApplyOverrides).
//
// Plan directory (written by WritePlan, read by everything else):
//   sweep.yaml                 copy of the sweep file
//   scenarios/<run_id>.yaml    one resolved scenario per run (overrides and seed applied)
//   index.csv                  run_id, one column per parameter, seed, scenario_sha256 (last)
//   runs/<run_id>/             a run's outputs (fleetsim run --out)
//   state/<run_id>.json        a run's state, replaced atomically: running, done, failed,
//   interrupted logs/<run_id>.stderr       a run's stderr
#ifndef FLEETSIM_SIM_SWEEP_SWEEP_H_
#define FLEETSIM_SIM_SWEEP_SWEEP_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace fleetsim::sweep {

struct PlannedRun {
  std::string run_id;  // "r0000", "r0001", ... in plan order (zero-padded to >= 4 digits)
  std::vector<std::pair<std::string, std::string>> params;  // --set path, value (plan order)
  bool has_seed = false;
  uint64_t seed = 0;
  std::string scenario_yaml;    // resolved scenario text (paths relative to scenarios/)
  std::string scenario_sha256;  // SHA-256 of scenario_yaml (== the run manifest's scenario_sha256)
};

struct Plan {
  std::string name;
  std::string sweep_file;
  std::string sweep_text;
  std::vector<std::string> param_names;  // column order of index.csv
  std::vector<PlannedRun> runs;
};

// Reads the sweep file, expands the axes and validates every run's scenario with the scenario
// loader. Errors: InvalidArgument, one line (file:line:column and field for the sweep file;
// "run r0003 (a.b=1, seed=2): <scenario error>" for a run). `out_dir` is where the plan will be
// written (the resolved scenarios' relative paths point from out_dir/scenarios/).
absl::StatusOr<Plan> MakePlan(const std::string& sweep_file, const std::string& out_dir);

// Most runs one plan may have (grid columns, axes and seeds multiplied).
inline constexpr size_t kMaxRuns = 1000000;

// MakePlan for sweep text already in memory; `sweep_file` names it in messages and anchors the
// base scenario's relative path. `max_runs` below kMaxRuns bounds the work (fuzzing).
absl::StatusOr<Plan> MakePlanFromText(const std::string& text, const std::string& sweep_file,
                                      const std::string& out_dir, size_t max_runs = kMaxRuns);

// index.csv text of a plan.
std::string IndexCsv(const Plan& plan);

// Writes the plan directory. An existing directory must be empty or hold the same plan
// (identical index.csv: re-planning is a no-op); anything else is refused (InvalidArgument).
// index.csv is written last: a directory with index.csv is a complete plan.
absl::Status WritePlan(const Plan& plan, const std::string& out_dir);

// A planned run as read back from index.csv.
struct IndexRow {
  std::string run_id;
  std::vector<std::string> values;  // parameter values, then seed ("" if none)
  std::string scenario_sha256;
};
struct Index {
  std::vector<std::string> columns;  // parameter names, then "seed"
  std::vector<IndexRow> rows;
};
absl::StatusOr<Index> ReadIndex(const std::string& dir);

// State of one run (state/<run_id>.json).
struct RunState {
  std::string status;   // "", "running", "done", "failed", "interrupted"
  int exit_status = 0;  // process exit status (128 + signal when killed)
  double wall_s = 0;
  int64_t max_rss_kb = 0;
  std::string host;
  int64_t pid = 0;
};
absl::StatusOr<RunState> ReadRunState(const std::string& dir, const std::string& run_id);
absl::Status WriteRunState(const std::string& dir, const std::string& run_id, const RunState& s);

// The last `lines` lines of logs/<run_id>.stderr ("" if none).
std::string StderrTail(const std::string& dir, const std::string& run_id, int lines);

// `fleetsim sweep status`: counts and one line per unfinished run that has a state.
absl::StatusOr<std::string> StatusReport(const std::string& dir);

// `fleetsim sweep collect`: results.csv (one row per run: run_id, parameters, seed, status, then
// every metric of summary.json flattened; schema in results/README.md) and summary.csv (one row
// per parameter point and metric: n, mean, sd, 95% CI across seeds). Returns the row count.
absl::StatusOr<size_t> Collect(const std::string& dir, const std::string& results_csv,
                               const std::string& summary_csv);

// `fleetsim sweep slurm`: the sbatch script text for a job array over the plan.
struct SlurmOptions {
  int64_t chunk = 1;           // runs per array task
  int64_t max_concurrent = 0;  // %M limit (0 = none)
  std::string partition, time, mem, account;
  std::string fleetsim_binary;  // absolute path of the binary the tasks run
};
absl::StatusOr<std::string> SlurmScript(const std::string& dir, size_t nruns,
                                        const SlurmOptions& o);

// Parses a --runs selection "A-B" or "A" (0-based positions in index.csv); empty = all.
absl::StatusOr<std::pair<size_t, size_t>> ParseRunRange(const std::string& spec, size_t nruns);

}  // namespace fleetsim::sweep

#endif  // FLEETSIM_SIM_SWEEP_SWEEP_H_
