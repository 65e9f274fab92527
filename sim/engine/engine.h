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

#include <string>
#include <vector>

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

// One timed exchange of TimeExchanges: the fleet clusters of the ring (by name, in ring
// order), the parallel rings and the gradient bytes (exchange.h).
struct ExchangeCase {
  std::vector<std::string> clusters;
  int rings = 1;
  double bytes = 0;
};
struct ExchangeTiming {
  double exchange_s = 0;  // simulated seconds of the exchange
  double wall_s = 0;      // wall-clock seconds SimGrid took to time it
};

// Loads `platform_path` and times each case as a spanning run would (exchange.h), in order, with
// the engine's network configuration: for tests and benchmarks. With `together`, all cases start
// at the same instant and share the network, as concurrent spanning runs do (each one's own
// seconds; wall_s is the whole timing's). Errors: InvalidArgument for an unknown cluster or one
// the platform does not route to the next. Like RunSimulation, at most once per process.
absl::StatusOr<std::vector<ExchangeTiming>> TimeExchanges(const std::string& platform_path,
                                                          const std::vector<ExchangeCase>& cases,
                                                          bool together = false);

}  // namespace fleetsim::engine

#endif  // FLEETSIM_SIM_ENGINE_ENGINE_H_
