// What one simulation run is given: the platform, the policy and the run's options.
#ifndef FLEETSIM_SIM_ENGINE_CONFIG_H_
#define FLEETSIM_SIM_ENGINE_CONFIG_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "sim/platform/fleet.h"
#include "sim/power/cap_policy.h"
#include "sim/sched/scheduler.h"
#include "sim/serve/deployment.h"

namespace fleetsim::engine {

struct EngineConfig {
  std::string platform_path;
  std::string scheduler;        // sched::MakeScheduler name
  // Overrides `scheduler` when set: a policy built by the caller (tests, embedding).
  std::function<std::unique_ptr<sched::Scheduler>()> make_scheduler;
  double horizon_s = 0;         // 0 = until every job has ended
  std::string start_date;       // ISO date of t = 0, for tranche online/retire dates ("" = none)
  bool progress = true;         // progress lines on stderr
  bool validate_only = false;   // load and check everything, simulate nothing
  bool check_invariants = true; // run invariants (engine/invariants.h); off: --no-invariants
  uint64_t seed = 1;            // serving randomness (arrivals, token draws)
  const serve::ServingPlan* serving = nullptr;  // inference streams; null or empty = none
  // Power caps and their enforcement; null = the platform's caps with the default levers
  // (admission and shed, no delay).
  const power::PowerPlan* power = nullptr;
  std::vector<std::string> simgrid_args;  // extra --cfg/--log arguments
  // Called with the loaded fleet before anything is simulated (also with validate_only): a
  // non-OK status (e.g. a scenario section naming a site the platform lacks) ends the run.
  std::function<absl::Status(const platform::Fleet&)> check_fleet;
  // Polled before each instant; once it returns true the run ends after the last instant
  // processed, as if that were the horizon (RunResult::interrupted, end_time_s = that instant).
  // SIGINT/SIGTERM use it to write what was simulated so far. Unset = never.
  std::function<bool()> stop_requested;
};

}  // namespace fleetsim::engine

#endif  // FLEETSIM_SIM_ENGINE_CONFIG_H_
