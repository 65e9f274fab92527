// The SimGrid engine: the only code (with platform/loader) that drives SimGrid.
//
// RunSimulation loads the SimGrid platform, reads the typed fleet view from it, builds the
// Controller (controller.h: the event loop in plain C++), then repeatedly asks the controller for
// its next instant, runs SimGrid up to it (Engine::run_until) and runs the instant. SimGrid keeps
// what it is for: the platform (hosts, zones, links, pstates, properties) and the clock. Jobs are
// not SimGrid activities: their ends are the controller's own end-time queue, and power and
// energy come from power::PowerAccountant, whose formula equals SimGrid's host energy plugin
// (tests/power/energy_cross_test.cc runs both on one platform).
#ifndef FLEETSIM_SIM_ENGINE_ENGINE_H_
#define FLEETSIM_SIM_ENGINE_ENGINE_H_

#include "absl/status/statusor.h"
#include "sim/engine/config.h"
#include "sim/metrics/records.h"
#include "sim/workload/job.h"

namespace fleetsim::engine {

using metrics::ClusterSample;
using metrics::JobRecord;
using metrics::JobStatus;
using metrics::RunResult;

// Runs one simulation. Input errors (platform parse errors, missing properties, jobs that fit
// no cluster, unknown systems) come back as InvalidArgument before anything is simulated.
// SimGrid allows one engine per process: call this at most once per process.
absl::StatusOr<RunResult> RunSimulation(const EngineConfig& config,
                                        const workload::Workload& workload);

}  // namespace fleetsim::engine

#endif  // FLEETSIM_SIM_ENGINE_ENGINE_H_
