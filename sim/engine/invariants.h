// Run invariants (issue 11), checked on every run unless EngineConfig::check_invariants is off
// (`--no-invariants`). The controller calls the hooks below; a violation prints one line
// "internal error: invariant violated at t=<instant> s: <what, with the numbers>" and aborts.
//
// Checked:
//   1. No accelerator is held twice: the checker keeps its own ledger of which tenant (a job,
//      or an inference replica) holds how many accelerators of which host, fed by Hold/Release.
//      On every change: a tenant holds at most one placement, a release gives back exactly what
//      was held, a host's tenants never hold more than its accelerators, only online hosts are
//      held, and Occupancy's own count for the host equals the ledger's.
//   2. Every job and request is accounted for exactly once (Finish): each job is completed,
//      running, or queued; a running job holds a placement and a completed or queued one holds
//      none; the jobs and replicas still waiting are exactly the scheduler's queue; jobs not yet
//      submitted never started. Per stream (request fidelity): arrivals = completed + dropped +
//      still in the system, and "in the system" equals the live entries of the request table.
//   3. Energy is the integral of power (Finish): per cluster, the integral over [0, end] of the
//      utilization series' power step function equals the energy the accountant integrated
//      host by host plus the serving lumps, to 1e-9 relative (summation order only).
// Cost: O(hosts of the placement) per Hold/Release (what Occupancy already pays), O(jobs +
// replicas + samples) once at Finish; measured in bench/README.md.
#ifndef FLEETSIM_SIM_ENGINE_INVARIANTS_H_
#define FLEETSIM_SIM_ENGINE_INVARIANTS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "sim/metrics/records.h"
#include "sim/placement/occupancy.h"

namespace fleetsim::engine {

class InvariantChecker {
 public:
  explicit InvariantChecker(const placement::Occupancy& occ);

  // `tenant` (job id >= 0, replica -(index + 1)) took `p`; call after Occupancy::Hold.
  void Hold(int64_t tenant, const placement::Placement& p, double now_s);
  // `tenant` gave back `p`; call after Occupancy::Release.
  void Release(int64_t tenant, const placement::Placement& p, double now_s);

  // At the end of the run, on the finished result. `queue_length`: the scheduler's queue;
  // `submitted`: jobs (in workload order) already submitted; `replica_requests`: replica
  // requests made; `hosts_energy_j[c]`: cluster c's integrated host energy (no serving lumps).
  struct End {
    double end_s = 0;
    size_t queue_length = 0;
    size_t submitted = 0;
    size_t replica_requests = 0;
  };
  void Finish(const metrics::RunResult& out, const End& end) const;

  // The message and abort of a violation (also used by tests through death tests).
  [[noreturn]] static void Violation(double now_s, const std::string& what);

 private:
  const placement::Occupancy& occ_;
  std::vector<int> held_;                                 // per host, the ledger's count
  absl::flat_hash_map<int64_t, int64_t> tenant_acc_;      // tenant -> accelerators held
};

}  // namespace fleetsim::engine

#endif  // FLEETSIM_SIM_ENGINE_INVARIANTS_H_
