// Scenario specs: one fleet, one workload, one policy set, horizon, seed and outputs.
//
// LoadScenario reads the YAML (schema in workloads/README.md), applies --set overrides to the
// document before validation, resolves relative paths against the scenario file's directory,
// loads referenced traces and validates everything. Any error is one line naming
// file:line:column and the field; nothing is simulated or written before it returns OK.
#ifndef FLEETSIM_SIM_SCENARIO_SCENARIO_H_
#define FLEETSIM_SIM_SCENARIO_SCENARIO_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "sim/metrics/accounting.h"
#include "sim/power/cap_policy.h"
#include "sim/serve/deployment.h"
#include "sim/workload/job.h"

namespace fleetsim::scenario {

struct Scenario {
  std::string file;           // the scenario YAML path as given
  std::string name;           // scenario name (default: file stem)
  std::string platform_path;  // resolved
  std::string start_date;     // ISO date of t = 0, "" if none
  double horizon_s = 0;       // 0 = until every job has ended (required > 0 with streams)
  uint64_t seed = 1;
  std::string policy;         // scheduler name
  workload::Workload workload;   // training jobs
  serve::ServingPlan serving;    // inference streams (workload.streams) and their deployments
  power::PowerPlan power;        // caps and their enforcement (`power:`; default: admission, shed)
  // Prices, capital rates and the accounting period (`cost:`; defaults in accounting.h; period
  // default: calendar quarters with a start_date, else the whole run).
  metrics::CostPlan cost;
  std::string out_dir;        // resolved; "" = results/<name>
  std::vector<std::string> inputs;     // every file read (for the manifest)
  std::vector<std::string> overrides;  // the --set arguments applied
  // The scenario document after the overrides, as yaml-cpp emits it (comments and layout of
  // the file dropped), and its SHA-256: two runs with equal hashes ran the same configuration
  // (referenced files are hashed separately, in `inputs`).
  std::string effective_yaml;
  std::string effective_sha256;
};

// Applies "a.b.c=value" overrides (value parsed as YAML; list elements addressed by index,
// e.g. workload.jobs.0.run_s=10). Errors name the override.
absl::Status ApplyOverrides(const std::vector<std::string>& overrides, void* yaml_root_node);

absl::StatusOr<Scenario> LoadScenario(const std::string& path,
                                      const std::vector<std::string>& overrides);

// LoadScenario for YAML text already in memory (tests, fuzzing): `path` names it in messages
// and anchors its relative paths; the file itself is not read and need not exist.
absl::StatusOr<Scenario> LoadScenarioText(const std::string& text, const std::string& path,
                                          const std::vector<std::string>& overrides);

// The scenario document `path` with `overrides` applied, emitted as YAML meant to be saved in
// directory `dest_dir`: file references (top-level `platform` and every `path` key under
// `workload`) are rewritten relative to `dest_dir`, so the saved file loads exactly like the
// original with its overrides. Loading the result gives effective_yaml == the result.
// Does not validate (call LoadScenario for that).
absl::StatusOr<std::string> ResolvedScenarioYaml(const std::string& path,
                                                 const std::vector<std::string>& overrides,
                                                 const std::string& dest_dir);

}  // namespace fleetsim::scenario

#endif  // FLEETSIM_SIM_SCENARIO_SCENARIO_H_
