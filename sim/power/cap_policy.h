// Power caps and the policies that enforce them. Plain C++ (no SimGrid, no engine): the
// controller (sim/engine/controller.h) builds a SiteState for a cap domain (a site, a cluster or
// the fleet: CapScope below; "site" in what follows stands for any domain) and applies the
// decisions; tests/power/cap_policy_test.cc drives these functions directly.
//
// A cap is a domain's facility power limit (IT x PUE) in watts. It is constant (the platform's
// `power_cap_w` site property) or a time series given in the scenario; a change takes effect at
// once. The quantity held under the cap is the site's *committed* facility power: every online
// host's power with its jobs at their pstates (exact, power/accountant.h) plus, for each inference
// replica, its accelerators' full dynamic power times its deployment's power share (a replica
// may burst to full load within a serving tick, so its committed power is its bound, not its
// mean). Measured power (the series' IT and facility columns) never exceeds committed power.
//
// Levers, combined per scenario (PowerPlan::levers):
//   admission  work starts only if the site stays under its cap (the scheduler's view shows as
//              free only the accelerators that fit under the cap);
//   dvfs       with admission, a job that does not fit at pstate 0 starts at the fastest pstate
//              that fits (the view then shows as free the accelerators that fit at the slowest
//              pstate), and an over-cap site moves running jobs to lower pstates; freed headroom
//              raises them again;
//   throttle   an over-cap site lowers its inference deployments' power share (down to
//              kMinThrottleShare), raised again when headroom returns;
//   shed       an over-cap site preempts jobs (lowest priority, then latest started first); they
//              return to the queue. Always the last resort when enforcement is on.
// Over-cap steps run in the order the levers are listed (shed last). Without a control delay the
// invariant is: after every instant, committed facility power <= max(cap, floor), where the floor
// is the site's facility power with nothing running (idle hosts; fleetsim never switches hosts
// off for power). With a delay D, a site found over its cap at t is brought under it at t + D
// (telemetry lag, as in production power managers); the overshoot is reported.
//
// Basis. By default enforcement holds *committed* power under the cap (a guarantee: no replica
// can push the site over even at full load). With `basis: measured` it acts on the site's
// measured facility power instead (the series' facility column: hosts exact, replicas at their
// mean over the last serving tick), as production power managers do from telemetry; that lets a
// site hold more servers than its cap could power at full load (power oversubscription) and is
// what throttle thresholds act on. The measured basis gives no guarantee: the run reports every
// overshoot. Admission always counts committed power (a start's future draw is not measured).
//
// Throttle thresholds (POLCA-style, Patel et al., ASPLOS'24): a list of steps, each "when the
// site's power is above `cap_fraction` x cap, throttle the deployments of priority <= max_priority
// to power share `share`". A step engages when power rises above its fraction and releases when
// power falls below (cap_fraction - release_margin) x cap; a deployment's target share is the
// lowest share among the engaged steps that cover it (1 when none). Thresholds set the shares
// below the cap; the cap itself is still enforced by Reduce, which may throttle further.
#ifndef FLEETSIM_SIM_POWER_CAP_POLICY_H_
#define FLEETSIM_SIM_POWER_CAP_POLICY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "sim/sched/scheduler.h"

namespace fleetsim::power {

enum class Lever { kAdmission, kDvfs, kThrottle, kShed };

// Lever names as written in scenarios: "admission", "dvfs", "throttle", "shed".
const std::vector<std::string>& LeverNames();
absl::StatusOr<Lever> LeverFromName(const std::string& name);

// The lowest power share a throttled inference deployment is taken to.
inline constexpr double kMinThrottleShare = 0.5;

// Cap domains. A domain is a set of clusters whose committed facility power (each cluster's IT
// power x its site's PUE) is held under one cap: every site is a domain (its clusters); a cluster
// may be a domain of its own and the whole fleet may be one. A cluster belongs to its site's
// domain, its own if given a cap, and the fleet's if given a cap; every lever respects every
// domain it belongs to (admission fits all, DVFS/throttle/shed bring each one under its cap, and a
// restore in one domain never breaks another). A spanning run counts in the domains of each of
// its parts with the power of that part.
enum class CapScope { kSite, kCluster, kFleet };

// One step of a domain's cap time series (the scenario's power.caps).
struct CapStep {
  CapScope scope = CapScope::kSite;
  std::string site;  // the site's or cluster's name (empty for the fleet)
  double time_s = 0;  // takes effect at this simulated time
  double cap_w = 0;   // facility watts; +infinity = uncapped
  std::string where;  // "file:line:col: power.caps[i]" for errors found against the platform
};

// One throttle threshold (see the header comment).
struct ThrottleThreshold {
  double cap_fraction = 1;  // engages above cap_fraction x cap, in (0, 1]
  int max_priority = 0;     // deployments of priority <= this are throttled
  double share = 1;         // to this power share, in [kMinThrottleShare, 1]
};

struct PowerPlan {
  // Levers in force. Empty = caps are reported, not enforced.
  std::vector<Lever> levers = {Lever::kAdmission, Lever::kShed};
  double control_delay_s = 0;
  std::vector<CapStep> caps;  // sorted by time (stable), any sites
  bool measured_basis = false;  // enforce on measured, not committed, power (header comment)
  std::vector<ThrottleThreshold> thresholds;  // needs the throttle lever
  double release_margin = 0.05;  // of the cap: a threshold releases this far below where it engaged

  bool Has(Lever l) const;
  bool enforced() const { return !levers.empty(); }
};

// A running job at a site, as the enforcement sees it.
struct JobTenant {
  sched::JobId id = 0;
  int priority = 0;
  int64_t start_seq = 0;
  int pstate = 0;
  bool restorable = false;  // its pstate was lowered by enforcement (Restore may raise it)
  // Facility watts the job adds to its site at each pstate of its cluster (index = pstate).
  std::vector<double> facility_w;
};

// An inference deployment's replicas at a site (the controller: its replicas on one cluster).
struct DeploymentTenant {
  int deployment = 0;        // the caller's key, returned in ThrottleDecision::deployment
  int priority = 0;
  double share = 1.0;        // power share now
  double full_dynamic_w = 0; // committed facility watts of its replicas' dynamic power at share 1
  double max_share = 1.0;    // Restore raises it no further (its throttle thresholds' target)
};

struct SiteState {
  double cap_w = 0;    // in force
  double power_w = 0;  // committed facility power now
  std::vector<JobTenant> jobs;
  std::vector<DeploymentTenant> deployments;
};

// Decisions that bring `site.power_w` to at most `site.cap_w` with `plan`'s levers (dvfs,
// throttle, shed, in the plan's order; shed always last), changing as little as the levers
// allow: lower-priority work first. Returns the estimated committed power after them; above the
// cap only if even shedding every job cannot get there (the floor).
double Reduce(const SiteState& site, const PowerPlan& plan, sched::Decisions* out);

// Decisions that give headroom back (cap - power) to degraded work: raise restorable jobs'
// pstates (higher priority, then earlier started, first; as far as fits), then throttled
// deployments' shares (up to their max_share). Returns the estimated power after them (<= cap).
double Restore(const SiteState& site, const PowerPlan& plan, sched::Decisions* out);

// Which of `plan.thresholds` are engaged at power `power_w` under `cap_w`, given which were
// engaged before (`engaged`, same length as the thresholds; updated in place): a step engages
// above cap_fraction x cap and releases below (cap_fraction - release_margin) x cap.
void UpdateThresholds(double power_w, double cap_w, const PowerPlan& plan,
                      std::vector<char>* engaged);

// The power share the engaged thresholds give a deployment of `priority` (1 if none covers it).
double ThresholdShare(int priority, const PowerPlan& plan, const std::vector<char>& engaged);

}  // namespace fleetsim::power

#endif  // FLEETSIM_SIM_POWER_CAP_POLICY_H_
