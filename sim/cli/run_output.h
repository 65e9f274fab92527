// A run's output directory and its manifest (schemas in results/README.md).
//
// Protocol, so that a directory never looks complete when it is not:
//  1. Claim: the directory is created, or, if it exists, checked to be a fleetsim output
//     directory (it has a fleetsim manifest.json) or to hold none of fleetsim's output names
//     (anything else is refused: we never delete files we did not write). A manifest with
//     status "incomplete" is written first, then the known outputs of an earlier run are
//     removed (only those names; other files such as plots are left alone).
//  2. Every output is written to a temporary file, then all are fsynced, renamed into place and
//     the directory fsynced once (AtomicFileSet, sim/core/io.h).
//  3. manifest.json with its final status replaces the incomplete one, last: "complete", or
//     "interrupted" when a SIGINT/SIGTERM stopped the simulation early and the outputs hold
//     what was simulated up to then (summary.json: outcome "interrupted", end_time_s).
// A SIGINT/SIGTERM while loading (exit mode, signals.h), or a simulation that does not stop and
// write within the grace period, claims the directory with status "interrupted" and no outputs;
// during steps 1-3 it waits for step 3, so outputs are all old-and-gone or all new.
#ifndef FLEETSIM_SIM_CLI_RUN_OUTPUT_H_
#define FLEETSIM_SIM_CLI_RUN_OUTPUT_H_

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"

namespace fleetsim::cli {

// What manifest.json records. Nothing here depends on the output path, the host or the wall
// clock: two runs of one configuration get byte-identical manifests.
struct ManifestInfo {
  std::string command;        // "run" or "replay-swf"
  std::string run_id;         // --run-id, else the first 16 hex digits of config_sha256
  std::string scenario;       // scenario name (replay-swf: trace stem)
  std::string scenario_file;  // as given on the command line
  std::string config_sha256;  // effective scenario after --set/--seed (replay-swf: trace + options)
  uint64_t seed = 0;
  std::vector<std::pair<std::string, std::string>> parameters;
  std::vector<std::string> overrides;                       // --set arguments, in order
  std::vector<std::pair<std::string, std::string>> inputs;  // path as given, sha256
  std::string simgrid_version;  // runtime version once known, else the headers' version
};

// The manifest text; `status` is "complete", "incomplete" or "interrupted".
std::string ManifestJson(const ManifestInfo& m, const std::vector<std::string>& outputs,
                         const std::string& status);

// Every file name a run may write (manifest.json excluded), and names earlier versions wrote.
const std::vector<std::string>& KnownOutputNames();

// One output: its file name and what makes its text. The text is made when the file is written
// and dropped right after, so a run never holds all of its outputs in memory at once.
struct OutputFile {
  std::string name;
  std::function<std::string()> make;
};

// Steps 1-3 above: writes `files` into `dir`, in order, under the interrupt lock; the final
// manifest gets `status` ("complete" or "interrupted").
absl::Status WriteRunOutputs(const std::string& dir, const ManifestInfo& m,
                             const std::vector<OutputFile>& files, const std::string& status);

// From now until WriteRunOutputs returns, a SIGINT/SIGTERM leaves `dir` claimed with an
// "interrupted" manifest and removes `temp_files` (e.g. a generated platform) before exiting.
void ArmInterrupt(const std::string& dir, const ManifestInfo& m,
                  std::vector<std::string> temp_files);

}  // namespace fleetsim::cli

#endif  // FLEETSIM_SIM_CLI_RUN_OUTPUT_H_
