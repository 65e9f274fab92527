#include "sim/engine/engine.h"

#include <chrono>
#include <limits>
#include <memory>
#include <simgrid/s4u.hpp>
#include <simgrid/version.h>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "sim/core/status.h"
#include "sim/engine/controller.h"
#include "sim/platform/loader.h"
#include "sim/workload/job.h"

namespace fleetsim::engine {
namespace sg = simgrid::s4u;

absl::StatusOr<RunResult> RunSimulation(const EngineConfig& config,
                                        const workload::Workload& workload) {
  std::vector<std::string> args = {"fleetsim", "--log=root.thres:critical",
                                   "--cfg=network/model:CM02"};
  for (const auto& a : config.simgrid_args) args.push_back(a);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  int argc = static_cast<int>(argv.size());
  // Never destroyed: SimGrid allows one engine per process, and tearing down a platform costs
  // about 10 us per host (1.3-1.6 s at 135k hosts) for memory the process returns at exit.
  sg::Engine& e = *new sg::Engine(&argc, argv.data());
  FLEETSIM_RETURN_IF_ERROR(platform::LoadPlatformFile(e, config.platform_path));
  auto fleet = platform::ReadFleet(e, config.platform_path, nullptr);
  if (!fleet.ok()) return fleet.status();
  {  // names a job refers to (systems, vendors, sites) must exist: reported where written
    std::vector<std::string> systems, vendors, sites;
    for (const auto& cl : fleet->clusters) {
      systems.push_back(cl.system), vendors.push_back(cl.vendor), sites.push_back(cl.site);
    }
    FLEETSIM_RETURN_IF_ERROR(
        workload::CheckJobNames(workload, systems, vendors, sites, config.platform_path));
  }
  if (config.check_fleet) FLEETSIM_RETURN_IF_ERROR(config.check_fleet(*fleet));
  auto ctl = Controller::Create(config, workload, std::move(*fleet));
  if (!ctl.ok()) return ctl.status();
  Controller& c = **ctl;
  RunResult out;
  if (config.validate_only) {
    out.fleet = c.fleet();
    return out;
  }
  // The clock: SimGrid runs up to each instant the controller names (no actor of ours lives in
  // SimGrid; anything SimGrid simulates in between, such as network transfers, completes on its
  // own clock), then the controller acts at that instant.
  const auto wall0 = std::chrono::steady_clock::now();
  double last = 0;
  for (double t = c.NextTime(); t < std::numeric_limits<double>::infinity(); t = c.NextTime()) {
    if (config.stop_requested && config.stop_requested()) {
      out.interrupted = true;  // closed below at the last instant run, like a horizon
      break;
    }
    if (t > sg::Engine::get_clock()) e.run_until(t);
    // run_until leaves SimGrid's clock exactly at t (checked on the KTH replay: 56,278 instants).
    c.RunInstant(t);
    last = t;
  }
  c.Finish(last, &out);
  out.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  int maj, min, patch;
  sg_version_get(&maj, &min, &patch);
  out.simgrid_version = absl::StrCat(maj, ".", min, ".", patch);
  return out;
}

}  // namespace fleetsim::engine
