// The controller: fleetsim's event loop, as plain C++ (no SimGrid). The SimGrid engine
// (engine.h) only supplies the clock: it asks NextTime(), advances SimGrid's clock there, and
// calls RunInstant(t). Tests drive a Controller directly (tests/engine/).
//
// One instant t, in order:
//   1. serving advances to t; jobs whose work ends at t are released (start order);
//   2. the serving tick at t: usage -> energy, drained replicas released, autoscaling;
//   3. build-out: tranches coming online or retiring at t;
//   4. events to the scheduler in canonical order (sched/scheduler.h), each answer applied
//      before the next event: submissions, terminations, kills, capacity, power;
//   5. power caps (power/cap_policy.h), per cap domain (sites, then capped clusters, then the
//      fleet): domains over their cap are brought under it (at once, or after the plan's
//      control delay) and degraded work is restored where headroom in all its domains allows;
//      the jobs shed are delivered as kills, then kPowerChanged if a cap, the serving power or
//      the enforcement changed anything;
//   6. one utilization row per changed cluster and one power row per changed site or other cap
//      domain; with enforcement and no delay, every domain's committed facility power is
//      checked against its cap (an internal error names the instant and the watts if above).
//
// Cost: a job start or end is O(log jobs running) for the end-time queue plus O(hosts it holds)
// in Occupancy and PowerAccountant; nothing per host of the fleet, no SimGrid activity or actor.
// Run time of a job at pstate p = remaining nominal work / speed(p); a pstate change re-times the
// remaining work exactly. Jobs have no checkpoints yet: a killed job restarts from the beginning
// (KillInfo::lost_s = done_s).
#ifndef FLEETSIM_SIM_ENGINE_CONTROLLER_H_
#define FLEETSIM_SIM_ENGINE_CONTROLLER_H_

#include <chrono>
#include <cstdint>
#include <deque>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <tuple>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/status/statusor.h"
#include "sim/capacity/timeline.h"
#include "sim/engine/config.h"
#include "sim/engine/exchange.h"
#include "sim/engine/invariants.h"
#include "sim/engine/serving_wiring.h"
#include "sim/metrics/records.h"
#include "sim/placement/occupancy.h"
#include "sim/platform/fleet.h"
#include "sim/power/accountant.h"
#include "sim/power/cap_policy.h"
#include "sim/sched/scheduler.h"
#include "sim/workload/job.h"

namespace fleetsim::engine {

class Controller : public sched::ClusterView {
 public:
  // Validates the workload and serving plan against `fleet` (errors: InvalidArgument naming the
  // job, deployment or platform) and sets every cluster's state at t = 0.
  // `exchange` times the gradient exchange of runs that span clusters (exchange.h); null = no
  // job may span (a job with `span` then runs inside one cluster, or is refused if none holds it).
  static absl::StatusOr<std::unique_ptr<Controller>> Create(const EngineConfig& config,
                                                            const workload::Workload& workload,
                                                            platform::Fleet fleet,
                                                            ExchangeTimer* exchange = nullptr);

  // The next instant with something to do; +infinity when the run is over.
  double NextTime() const;
  // Processes instant `now_s` (>= every earlier instant).
  void RunInstant(double now_s);
  // Closes the run at `end_s` (the last instant) and moves every record into `out`.
  void Finish(double end_s, metrics::RunResult* out);

  const platform::Fleet& fleet() const { return fleet_; }
  const power::PowerAccountant& power() const { return *power_; }
  const placement::Occupancy& occupancy() const { return *occ_; }
  const std::vector<metrics::JobRecord>& records() const { return records_; }

  // sched::ClusterView
  int num_clusters() const override { return static_cast<int>(fleet_.clusters.size()); }
  int64_t capacity(int c) const override { return occ_->online(c); }
  // With admission, also no more than fit under the site's cap (see the .cc for the rule).
  int64_t free(int c) const override;
  int num_pstates(int c) const override {
    return static_cast<int>(fleet_.clusters[c].pstates.size());
  }
  double pstate_speed(int c, int p) const override;
  int num_sites() const override { return static_cast<int>(fleet_.sites.size()); }
  int site_of(int c) const override { return cluster_site_[c]; }
  double site_cap_w(int s) const override { return cap_w_[s]; }
  double site_power_w(int s) const override { return CommittedW(s); }
  bool shares_power_cap(int a, int b) const override;

  // Cap domains (power/cap_policy.h): [0, num_sites) are the sites, then the clusters given a
  // cap in the scenario, then the fleet if given one.
  int num_domains() const { return static_cast<int>(domains_.size()); }
  const std::string& domain_name(int d) const { return domains_[d].name; }
  double domain_cap_w(int d) const { return cap_w_[d]; }  // +infinity when uncapped
  double domain_power_w(int d) const { return CommittedW(d); }  // committed facility watts
  double added_power_w(int c, int64_t accelerators, int pstate) const override;
  double span_estimate_s(const sched::JobRequest& job,
                         const std::vector<sched::StartPart>& parts) const override;

  // Runs larger than a cluster: the exchange added to each step of workload job `job` on
  // `parts` (exchange.h), timed together with the exchanges of the spanning runs running now:
  // what a start there is estimated at (span_estimate_s) and starts with. Cached per set of
  // concurrent exchanges. Later starts and ends of spanning runs re-time it (RetimeSpans).
  struct SpanCost {
    double exchange_s = 0;  // per step
    double slowdown = 1;    // run time on the parts / run time on one cluster of the system
  };
  SpanCost SpanCostOf(size_t job, const std::vector<sched::StartPart>& parts) const;
  // Distinct sets of concurrent exchanges timed so far (each one SimGrid run).
  size_t exchanges_timed() const { return exchange_cache_.size(); }

 private:
  Controller(const EngineConfig& config, const workload::Workload& workload, platform::Fleet fleet,
             ExchangeTimer* exchange);
  absl::Status Setup();
  // Span groups of workload job i (sched::JobRequest::span_group) from its `span` and the
  // platform's routes; drops clusters too small alone whose group cannot hold it either.
  absl::Status SetupSpan(size_t i);
  bool Routed(int a, int b) const;  // cached ExchangeTimer::Routed
  // The ring exchange of workload job `job` on `parts` (exchange.h).
  RingExchange SpanRing(size_t job, const std::vector<sched::StartPart>& parts) const;
  // Seconds of each of `xs` when all run at once (cached per sorted set; exchange.h).
  std::vector<double> ConcurrentExchangeS(const std::vector<RingExchange>& xs) const;
  // Runs larger than a cluster, contention: if a spanning run started or stopped since the last
  // call, times the exchanges of all running spanning runs together and re-times each one's
  // remaining work at `now` with its new exchange (as a pstate change re-times it).
  void RetimeSpans(double now_s);
  void LeaveSpans(size_t job);  // a running job stopped: off spanning_ if it spans

  struct JobRun {
    placement::Placement placement;
    int pstate = 0;
    double remaining_s = 0;  // seconds of work left at last_s, at pstate 0 on its cluster
    double attempt_s = 0;    // nominal work at the start of this attempt
    double last_s = 0;       // start, or last pstate change
    double end_s = 0;
    int64_t start_seq = -1;
    // While running: (cap domain, accelerators there); inline for the usual few domains.
    absl::InlinedVector<std::pair<int, int64_t>, 3> domains;
  };
  using EndKey = std::tuple<double, int64_t, size_t>;  // end time, start seq, job

  void Deliver(const sched::Event& ev, double now_s);
  void DeliverKills(double now_s);  // kJobKilled for every job in kills_, then clears it
  void Apply(double now_s);
  // Starts `job` on `parts` (one per cluster; a single-cluster start has one part).
  void StartJob(size_t job, const std::vector<sched::StartPart>& parts, int pstate, double now_s);
  void MarkDirty(const placement::Placement& p);  // every cluster `p` holds hosts of
  void EndJob(size_t job, double now_s);  // completed: release, record
  void ChangePstate(size_t job, int pstate, double now_s);
  void Preempt(size_t job, double now_s);
  void ReleasePlacement(const placement::Placement& p, int pstate, double activity, double now_s);
  void PlaceReplica(size_t r, int cluster, double now_s);
  // Adds the job's energy since run.last_s to its record (energy_j and a segment).
  void ChargeJobEnergy(size_t job, double now_s);
  size_t JobIndex(sched::JobId id) const;
  // True if `job` completed at `now`: its end is physically done but the scheduler may not have
  // been told yet (terminations come after submissions), so a pstate change or preemption of
  // it at `now` is ignored.
  bool EndedNow(size_t job, double now) const;
  void MarkDirty(int cluster);
  // Power caps, per cap domain (power/cap_policy.h).
  double CommittedW(int domain) const;  // committed facility watts
  void UpdatePending() const;         // tallies of this answer's starts, for free()
  void ClearPending();
  // Power admission of a start of `accelerators` on cluster c adding `added_w` facility watts:
  // takes it off the pending tallies; false if it would break the site's cap (refused).
  bool Admit(int cluster, int64_t accelerators, double added_w);
  // Admit in two steps: take the start off the pending tallies, then check `added_w` (refusal
  // bookkeeping as in Admit). FitsCap: would `added_w` more keep domain d within its cap?
  // FitsAll: the same for every domain of cluster c.
  void TakePending(int cluster, int64_t accelerators);
  bool CheckAdmission(int cluster, double added_w);
  // True when some cap domain of cluster c has a finite cap now.
  bool ClusterCapped(int c) const;
  bool FitsCap(int domain, double added_w) const;
  bool FitsAll(int cluster, double added_w) const;
  void ApplyCapEvents(double now_s);
  bool EnforceCaps(double now_s);  // true if it changed anything
  power::SiteState DomainStateOf(int domain) const;
  // Facility watts job j's hosts in `domain` draw at `at_pstate` (held at its pstate now).
  double JobDomainW(size_t job, int domain, int at_pstate) const;
  // Keeps only the restore decisions in decisions_ (made for `domain`) that fit under the caps
  // of every other domain they touch; throttle raises are cut to fit.
  void FitRestoreElsewhere(int domain, std::vector<sched::ThrottleDecision>* units);
  bool Degraded(int domain) const;
  // The power enforcement acts on: committed, or measured facility power (plan_.measured_basis).
  double BasisW(int domain) const;
  // A (deployment, cluster) unit's share as the engaged thresholds of its domains allow.
  double UnitTargetShare(int d, int c) const;
  // Whether domain d's thresholds would engage or release at its power now.
  bool ThresholdsChange(int domain) const;
  void CheckCaps(double now_s) const;
  void SetShare(int deployment, double share);     // every cluster of the deployment
  void SetUnitShare(int deployment, int cluster, double share);
  void LeaveDomains(size_t job);  // a running job stopped: domain tallies
  // Replica r's committed IT watts on `cluster` at share 1 (its accelerators' full dynamic power).
  double ReplicaFullW(size_t r, int cluster) const;
  void EmitSamples(double now_s);
  void MaybeProgress(double now_s, bool force);

  const EngineConfig& cfg_;
  const workload::Workload& wl_;
  platform::Fleet fleet_;
  capacity::Timeline timeline_;
  std::unique_ptr<placement::Occupancy> occ_;
  std::unique_ptr<power::PowerAccountant> power_;
  std::unique_ptr<sched::Scheduler> sched_;
  std::unique_ptr<ServingWiring> serving_;
  std::unique_ptr<InvariantChecker> inv_;  // null with check_invariants off
  std::vector<int> cluster_site_;
  std::vector<std::vector<std::pair<int, int>>> tranche_hosts_;  // [cluster][tranche] -> [begin, end)

  std::vector<sched::JobRequest> requests_;
  std::vector<metrics::JobRecord> records_;
  std::vector<JobRun> runs_;
  std::vector<std::vector<double>> run_by_cluster_;  // per job, parallel to its eligible list
  // Runs larger than a cluster (exchange.h): per job, gradient bytes and optimizer steps.
  ExchangeTimer* exchange_ = nullptr;
  std::vector<double> span_bytes_, span_steps_;
  mutable std::map<std::vector<RingExchange>, std::vector<double>> exchange_cache_;
  // Running spanning runs (start order); per job its ring, its run time on one cluster of its
  // first part (the compute), its current slowdown; whether the set changed since RetimeSpans.
  std::vector<size_t> spanning_;
  std::vector<RingExchange> span_ring_;
  std::vector<double> span_compute_s_, span_slowdown_;
  bool spans_changed_ = false;
  mutable std::map<std::pair<int, int>, bool> routed_;
  std::set<EndKey> ends_;
  absl::flat_hash_map<int64_t, size_t> id_index_;  // job id -> workload index
  std::deque<sched::JobRequest> replica_requests_;  // by replica index (stable addresses)
  std::vector<int64_t> serving_acc_;                // per cluster
  std::vector<std::pair<size_t, sched::KillInfo>> kills_;  // to report at this instant
  sched::Decisions decisions_;

  // Power caps (power/cap_policy.h).
  power::PowerPlan plan_;
  struct Domain {
    std::string name;
    power::CapScope scope = power::CapScope::kSite;
    std::vector<int> clusters;       // ascending
    std::vector<int> whole_sites;    // sites all of whose clusters it holds
    std::vector<int> part_clusters;  // its other clusters
  };
  std::vector<Domain> domains_;
  std::vector<std::vector<int>> cluster_domains_;  // per cluster: its domains, ascending
  std::vector<std::vector<char>> in_domain_;       // [domain][cluster]
  std::vector<double> cap_w_;                      // per domain: in force, +infinity uncapped
  struct CapEvent {
    double time_s;
    int domain;
    double cap_w;
  };
  std::vector<CapEvent> cap_events_;  // by time
  size_t next_cap_event_ = 0;
  std::vector<double> acc_w_;            // per cluster: facility watts one accelerator commits
  std::vector<double> reserve_w_;        // per cluster: one host's epsilon step (facility W)
  // The same at the cluster's last (slowest, lowest-power) pstate: what the view counts when
  // DVFS at admission may start work there (ViewAccW/ViewReserveW pick).
  std::vector<double> acc_w_low_, reserve_w_low_;
  bool dvfs_admission_ = false;  // admission and dvfs levers both on
  double ViewAccW(int c) const { return dvfs_admission_ ? acc_w_low_[c] : acc_w_[c]; }
  double ViewReserveW(int c) const { return dvfs_admission_ ? reserve_w_low_[c] : reserve_w_[c]; }
  std::vector<char> blocked_;            // per cluster: a start was refused at this instant
  std::vector<int64_t> dom_refusals_;    // per domain: starts refused by admission
  std::vector<size_t> refused_replicas_; // to report back at this instant
  // Per (deployment, cluster) unit: power share in force, IT watts of its replicas at share 1.
  std::vector<std::vector<double>> unit_share_, unit_full_w_;
  std::vector<double> site_serving_w_;   // per site: committed replica dynamic IT watts
  std::vector<double> cluster_serving_w_;  // the same per cluster
  uint64_t serving_version_ = 0;         // bumped whenever site_serving_w_ changes
  // CommittedW cache per domain: (PowerAccountant::version, serving_version_) it was computed at.
  mutable std::vector<std::pair<uint64_t, uint64_t>> committed_version_;
  mutable std::vector<double> committed_w_;
  // Per domain: running jobs (with a part in it), of them power-slowed.
  std::vector<int64_t> dom_jobs_, dom_slowed_;
  std::vector<std::vector<int64_t>> dom_pstate_acc_;  // [domain][pstate]: running jobs' accelerators
  std::vector<int64_t> dom_shed_, dom_dvfs_, dom_throttles_;  // per domain: enforcement actions
  std::vector<char> power_slowed_;       // per job: its pstate was lowered by enforcement
  std::vector<double> enforce_at_;       // per domain: delayed enforcement due, +inf = none
  std::vector<std::vector<char>> dom_engaged_;  // per domain: its throttle thresholds engaged
  std::vector<char> dom_changed_;        // per domain: power or cap changed at this instant
  bool caps_changed_ = false;
  bool enforcing_ = false;               // Apply is applying enforcement decisions
  int enforcing_domain_ = -1;            // the domain they are for
  // This answer's starts not yet applied (the view's free() accounts for them).
  mutable size_t pending_seen_ = 0;
  mutable std::vector<double> pending_dom_w_, pending_cluster_w_;
  mutable std::vector<char> pending_reserve_;  // per cluster: its reserve is in the tallies

  size_t next_submit_ = 0, next_cap_ = 0;
  int64_t seq_ = 0, start_seq_ = 0, running_ = 0, done_ = 0;
  bool first_ = true, stopped_ = false;

  std::vector<char> dirty_;
  std::vector<int> dirty_list_;
  std::vector<int> sample_domains_;  // EmitSamples scratch: the domains with a changed cluster
  std::vector<metrics::ClusterSample> samples_;
  std::vector<int64_t> last_sample_;
  std::vector<metrics::SiteSample> site_samples_;
  std::vector<int64_t> last_site_sample_;
  std::vector<metrics::SiteSample> domain_samples_;  // cluster and fleet domains
  std::vector<int64_t> last_domain_sample_;          // per domain
  // First rows emitted since the last serving tick (rewritten with the replicas' mean power).
  size_t tick_sample_begin_ = 0, tick_site_begin_ = 0;

  int64_t events_ = 0, batches_ = 0;
  std::chrono::steady_clock::time_point wall0_;
  double last_progress_wall_ = 0;
};

}  // namespace fleetsim::engine

#endif  // FLEETSIM_SIM_ENGINE_CONTROLLER_H_
