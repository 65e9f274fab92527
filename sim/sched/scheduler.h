// The scheduler contract: plain C++, no SimGrid, no global clock.
//
// The engine feeds a Scheduler one Event at a time together with a read-only ClusterView of the
// fleet right now; the scheduler answers with Decisions, which the engine applies before it
// delivers the next event. A scheduler never reads engine state other than through the view, so
// unit tests drive it without an engine (tests/sched/).
//
// Order of simultaneous events (time t): the engine first physically releases everything that
// ended at t, applies capacity changes at t, then delivers
//   1. submissions at t (replica requests, then jobs, each in request order),
//   2. terminations at t (jobs in start order, then replicas in request order),
//   3. kills at t (jobs in start order): failures, and preemptions the scheduler decided,
//   4. one kCapacityChanged if hosts came online or went away at t,
//   5. one kPowerChanged if a cap changed at t, a serving tick changed power, or the power
//      policy changed pstates, throttles or shed jobs (its kills come first, as in 3).
// Power caps (power/cap_policy.h). With admission in force, free(c) counts only accelerators
// whose committed power fits under the cap of every cap domain of c (its site; its own and the
// fleet's when capped) at pstate 0, including the power of the starts already appended to this
// answer on *other* clusters of those domains (shares_power_cap); like occupancy,
// it does not count this answer's starts on c itself (a scheduler subtracts those, as
// QueueScheduler does). site_power_w is the committed facility power with the decisions
// applied so far; the engine may also change pstates of running jobs for power (kPowerChanged).
// free(c) is exact in the two-value power form (epsilon = idle); otherwise it reserves one
// host's epsilon step per cluster. A start beyond it is refused (kJobKilled, kPowerRefused, no
// work done) and c shows no room for the rest of the instant.
// This is the canonical order of the reference simulators for submissions and terminations.
//
// Decisions, applied by the engine in this order when OnEvent returns:
//   preemptions, pstate changes, throttles, starts.
// So a scheduler may preempt a job and start another in its place in one answer. Every decision
// must be valid for the view it was made with plus the earlier decisions of the same answer;
// the engine aborts with an internal error otherwise (a scheduler bug, never an input error).
// One exception: a pstate change or preemption of a job whose work ended at this very instant
// (its kJobFinished is still to come, after the submissions) is ignored.
//
// Work and time. A job's run_s (JobRequest::nominal_run_s, unknown to trace-replay schedulers,
// who plan with estimate_s) is its duration at pstate 0. At pstate p it progresses at
// view.pstate_speed(c, p) nominal seconds per second; a pstate change re-times the remaining
// work exactly (remaining nominal seconds / new speed). Estimates are in nominal seconds too.
//
// Replicas (inference) are requests of kind kReplica: they hold `accelerators` (one tensor-
// parallel group, placed on one host when one has room) until the engine releases them after a
// drain; estimate_s is +infinity. EASY backfilling counts their accelerators as held forever
// when it computes the head's reservation (a drain is never predicted), so a replica never
// delays a reservation it could not honour.
//
// Kills. A killed job (failure of one of its hosts, a preemption this scheduler decided, or
// shedding by the power policy when its site is over a power cap)
// comes back as a kJobKilled event with the work it did, the work lost since its last
// checkpoint and the work remaining (nominal seconds); the job is runnable again (with
// `remaining_s`, re-submitted in `requeue`) and returns to its original place in the queue: by
// priority, then original submission order (JobRequest::seq), not behind later jobs.
#ifndef FLEETSIM_SIM_SCHED_SCHEDULER_H_
#define FLEETSIM_SIM_SCHED_SCHEDULER_H_

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace fleetsim::sched {

// Job ids are the workload's (>= 0 in traces and scenarios); replica requests have ids < 0.
using JobId = int64_t;

enum class RequestKind {
  kJob,      // a training job: runs for its work, then ends by itself
  kReplica,  // an inference replica: holds its accelerators until the engine releases it
};

// What a scheduler knows about a request. Times in seconds of simulated time.
struct JobRequest {
  JobId id = 0;
  RequestKind kind = RequestKind::kJob;
  int64_t seq = 0;              // submission order over all requests (queue tie-break)
  double submit_s = 0;
  double estimate_s = 0;        // run-time estimate at pstate 0 (walltime request), > 0;
                                // +infinity for replicas
  int64_t accelerators = 1;     // gang size: all in one cluster
  std::vector<int> eligible;    // cluster indices it may run on, in preference order
  // Run-time estimate (pstate 0) on each eligible cluster, parallel to `eligible`: systems run
  // a job at different speeds. Empty = estimate_s everywhere. See EstimateOn.
  std::vector<double> estimate_by_cluster_s;
  int priority = 0;             // higher first: queues are ordered by priority, then seq
  int deployment = -1;          // replicas: index of their deployment
  // Runs larger than a cluster: parallel to `eligible`, the span group of each cluster (>= 0),
  // or empty / -1 = the job runs inside one cluster. Clusters of one group may share a run (one
  // part each, see StartDecision::parts); its estimate on a set of parts is
  // ClusterView::span_estimate_s, which adds the gradient exchange between the parts.
  std::vector<int> span_group;
};

// One part of a run that spans clusters: `accelerators` of `cluster`.
struct StartPart {
  int cluster = 0;
  int64_t accelerators = 0;
};

// The estimate of `job` on `cluster` (estimate_by_cluster_s if given, else estimate_s).
inline double EstimateOn(const JobRequest& job, int cluster) {
  for (size_t i = 0; i < job.eligible.size() && i < job.estimate_by_cluster_s.size(); ++i) {
    if (job.eligible[i] == cluster) return job.estimate_by_cluster_s[i];
  }
  return job.estimate_s;
}

// Read-only view of the fleet at the current instant.
class ClusterView {
 public:
  virtual ~ClusterView() = default;
  virtual int num_clusters() const = 0;
  // Accelerators on hosts that are online now (build-out, retirement, failures).
  virtual int64_t capacity(int cluster) const = 0;
  // Accelerators a new gang could take now: online, not retiring, not held by anything.
  virtual int64_t free(int cluster) const = 0;

  // Pstates. pstate 0 is the fastest; speed is relative to pstate 0 (1.0 at pstate 0).
  virtual int num_pstates(int cluster) const { return 1; }
  virtual double pstate_speed(int cluster, int pstate) const { return 1.0; }

  // Power. Sites group clusters; caps and power are facility watts (IT x PUE).
  virtual int num_sites() const { return 0; }
  virtual int site_of(int cluster) const { return -1; }
  // The cap in force now; +infinity when uncapped.
  virtual double site_cap_w(int site) const { return std::numeric_limits<double>::infinity(); }
  // Facility power drawn now by the site, with every decision applied so far.
  virtual double site_power_w(int site) const { return 0; }
  // True if clusters a and b share a power cap domain (their site, or a fleet-wide cap:
  // power/cap_policy.h), so that a start on one may change free() of the other.
  virtual bool shares_power_cap(int a, int b) const {
    return site_of(a) >= 0 && site_of(a) == site_of(b);
  }
  // Facility watts that starting `accelerators` on `cluster` at `pstate` would add now (exact
  // for the hosts the engine would choose); +infinity if they do not fit now.
  virtual double added_power_w(int cluster, int64_t accelerators, int pstate) const { return 0; }

  // Runs larger than a cluster. The estimate (pstate 0, nominal seconds) of `job` run on
  // `parts` (clusters of one of its span groups, each part's accelerators summing to the job's):
  // its run time there stretched by the gradient exchange between the parts. +infinity when
  // the view cannot run it so (the default: no spanning).
  virtual double span_estimate_s(const JobRequest& job, const std::vector<StartPart>& parts) const {
    return std::numeric_limits<double>::infinity();
  }
};

enum class EventKind {
  kJobSubmitted,    // job: the new request
  kJobFinished,     // job_id: a request this scheduler started has ended (completed or released)
  kJobKilled,       // job_id, job (runnable again), kill: a running job stopped by failure or
                    // preemption; it is waiting again and this scheduler must requeue it
  kCapacityChanged, // hosts came online or went away; reconsider the queue
  kPowerChanged,    // a site's cap or power changed other than by this scheduler's decisions
};

enum class KillReason {
  kPreempted,    // this scheduler's PreemptDecision
  kHostFailure,  // a host it held failed
  kPowerShed,    // the power policy shed it to bring its site under a cap (power/cap_policy.h)
  kPowerRefused, // its start was refused by power admission (no work done; see ClusterView)
};

// Work accounting of a killed job, in nominal seconds (seconds at pstate 0).
struct KillInfo {
  KillReason reason = KillReason::kPreempted;
  double done_s = 0;       // work done in the attempt that was killed
  double lost_s = 0;       // of done_s, lost because it was not checkpointed
  double remaining_s = 0;  // work left to do when it runs again
};

struct Event {
  EventKind kind = EventKind::kJobSubmitted;
  double time_s = 0;
  const JobRequest* job = nullptr;  // kJobSubmitted, kJobKilled; valid for the call's duration
  JobId job_id = 0;                 // kJobFinished, kJobKilled
  KillInfo kill;                    // kJobKilled
};

// Start a request on `cluster`; or, for a job with span groups, on `parts` (two or more clusters
// of one span group, accelerators summing to the job's; `cluster` = parts[0].cluster). Each
// part must fit in its cluster's free(), like a single-cluster start.
struct StartDecision {
  JobId job = 0;
  int cluster = 0;
  int pstate = 0;
  std::vector<StartPart> parts;  // empty = the whole job on `cluster`
};

// Move a running job to another pstate of its cluster; its remaining work is re-timed.
struct PstateDecision {
  JobId job = 0;
  int pstate = 0;
};

// Stop a running job now and put it back in the queue (it comes back as kJobKilled with
// reason kPreempted, after this answer is applied).
struct PreemptDecision {
  JobId job = 0;
};

// Limit an inference deployment's replicas to `power_share` of their full dynamic power
// (1 = unthrottled): they run at that share of their clocks, serving proportionally slower.
struct ThrottleDecision {
  int deployment = 0;
  double power_share = 1.0;
};

struct Decisions {
  std::vector<StartDecision> starts;
  std::vector<PstateDecision> pstates;
  std::vector<PreemptDecision> preemptions;
  std::vector<ThrottleDecision> throttles;

  bool empty() const {
    return starts.empty() && pstates.empty() && preemptions.empty() && throttles.empty();
  }
  void clear() {
    starts.clear();
    pstates.clear();
    preemptions.clear();
    throttles.clear();
  }
};

class Scheduler {
 public:
  virtual ~Scheduler() = default;
  virtual std::string name() const = 0;
  // Handles one event; appends decisions. A job started here is running from now on.
  virtual void OnEvent(const Event& event, const ClusterView& view, Decisions* out) = 0;
  // Requests submitted (or killed) and not started, in queue order.
  virtual size_t queue_length() const = 0;
};

// Policy names accepted by MakeScheduler: "fcfs", "easy", "fcfs-het", "easy-het", "ftf"
// (sim/sched/queue_scheduler.h). FCFS and EASY keep one queue ordered by
// priority (higher first), then submission order; EASY reserves for the queue's head.
const std::vector<std::string>& SchedulerNames();
// Error (InvalidArgument, naming the policy) if unknown.
absl::StatusOr<std::unique_ptr<Scheduler>> MakeScheduler(const std::string& name);

}  // namespace fleetsim::sched

#endif  // FLEETSIM_SIM_SCHED_SCHEDULER_H_
