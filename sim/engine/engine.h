// The SimGrid engine: the only code that drives SimGrid.
//
// RunSimulation loads the platform, builds the typed fleet view, and runs one controller actor
// that delivers events to the Scheduler in canonical order (submissions at t in submission order,
// then terminations at t in start order) and starts each decided job as one SimGrid execution per
// host (thread count = accelerators used there) owned by a per-job actor. Job end = the end of
// those executions, so pstate changes and host failures act on jobs through SimGrid itself.
// Power: SimGrid's host energy plugin integrates energy; an accountant keeps the same linear
// model (power/model.h) per cluster to emit the utilization/power time series on change.
//
// Inference: each deployment's replicas are requests for `tp` accelerators submitted to the same
// scheduler (priority order puts them ahead of training); a placed replica joins the
// serve::ServingSim pool, which the controller advances to every instant it processes. Every
// serving tick (tick_s) the controller takes each replica's usage: its dynamic power
// tp * load * (full_w - idle_w) / cores is added to the cluster (the energy plugin sees replica
// accelerators as idle, so the two add up exactly), drained replicas release their accelerators
// to the scheduler, and autoscaled deployments submit or drain replicas (serve::PlanReplicas).
// With a horizon the controller stops there and ends every other actor; jobs still running are
// reported with status running and the energy their hosts used so far.
#ifndef FLEETSIM_SIM_ENGINE_ENGINE_H_
#define FLEETSIM_SIM_ENGINE_ENGINE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "sim/metrics/records.h"
#include "sim/platform/fleet.h"
#include "sim/serve/deployment.h"
#include "sim/workload/job.h"

namespace fleetsim::engine {

struct EngineConfig {
  std::string platform_path;
  std::string scheduler;        // sched::MakeScheduler name
  double horizon_s = 0;         // 0 = until every job has ended
  std::string start_date;       // ISO date of t = 0, for tranche online/retire dates ("" = none)
  bool progress = true;         // progress lines on stderr
  bool validate_only = false;   // load and check everything, simulate nothing
  uint64_t seed = 1;            // serving randomness (arrivals, token draws)
  const serve::ServingPlan* serving = nullptr;  // inference streams; null or empty = none
  std::vector<std::string> simgrid_args;  // extra --cfg/--log arguments
};

using metrics::JobRecord;
using metrics::JobStatus;
using metrics::ClusterSample;
using metrics::RunResult;

// Runs one simulation. Input errors (platform parse errors, missing properties, jobs that fit
// no cluster, unknown systems) come back as InvalidArgument before anything is simulated.
// SimGrid allows one engine per process: call this at most once per process.
absl::StatusOr<RunResult> RunSimulation(const EngineConfig& config,
                                        const workload::Workload& workload);

}  // namespace fleetsim::engine

#endif  // FLEETSIM_SIM_ENGINE_ENGINE_H_
