// Local execution of a sweep plan: child processes of the fleetsim binary, N at a time.
#ifndef FLEETSIM_SIM_SWEEP_RUNNER_H_
#define FLEETSIM_SIM_SWEEP_RUNNER_H_

#include <cstddef>
#include <functional>
#include <string>

#include "absl/status/statusor.h"

namespace fleetsim::sweep {

struct RunnerOptions {
  int jobs = 1;        // runs at once
  std::string range;   // --runs "A-B" (0-based positions in index.csv); "" = all
  bool quiet = false;  // no progress lines
  std::string exe = "/proc/self/exe";
  std::function<int()> interrupted;  // a received SIGINT/SIGTERM, else 0 (polled)
};

// Runs every selected run that is not done: `EXE run DIR/scenarios/ID.yaml --out DIR/runs/ID
// --run-id ID --quiet`, stderr to DIR/logs/ID.stderr. A run is done when its process exited 0
// and its manifest says "complete"; its state file (sweep.h) is then replaced atomically, so
// a second call skips it. Progress (done, failed, running, pending, ETA) goes to stderr once a
// second; failed runs are listed at the end with their exit status and stderr tail.
// A run whose state says "running" on this host with a live process is skipped (another
// `sweep run` has it); a run "running" on another host is re-run, so give concurrent runners
// (Slurm array tasks) disjoint --runs ranges.
// On an interrupt the children get SIGTERM, are waited for and marked interrupted.
// Returns the exit status: 0 no run failed, 1 some failed, 128 + signal if interrupted.
absl::StatusOr<int> RunSweep(const std::string& dir, const RunnerOptions& o);

}  // namespace fleetsim::sweep

#endif  // FLEETSIM_SIM_SWEEP_RUNNER_H_
