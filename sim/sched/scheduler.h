// The training-job scheduler interface: plain C++, no SimGrid, no global clock.
//
// The engine feeds a Scheduler one Event at a time, in the canonical order for simultaneous
// events (all submissions at time t in submission order, then all terminations at t in the order
// the jobs were started), together with a read-only ClusterView of what is physically free right
// now. The scheduler appends StartDecisions; the engine places each started job on hosts of the
// chosen cluster (see placement.h) before the next event is delivered. A scheduler never reads
// engine state other than through the view, so unit tests drive it with a FakeClusterView.
#ifndef FLEETSIM_SIM_SCHED_SCHEDULER_H_
#define FLEETSIM_SIM_SCHED_SCHEDULER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace fleetsim::sched {

using JobId = int64_t;

// What a scheduler knows about a job. Times in seconds of simulated time.
struct JobRequest {
  JobId id = 0;
  double submit_s = 0;
  double estimate_s = 0;        // the user's run-time estimate (walltime request), > 0
  int64_t accelerators = 1;     // gang size: all must be in one cluster
  std::vector<int> eligible;    // cluster indices the job may run on, in preference order
  int priority = 0;             // higher first: queues are ordered by priority, then submission
};

// Read-only view of the clusters at the current instant.
class ClusterView {
 public:
  virtual ~ClusterView() = default;
  virtual int num_clusters() const = 0;
  // Accelerators on hosts that are online now (phases, failures).
  virtual int64_t capacity(int cluster) const = 0;
  // Accelerators online and not held by any running job right now.
  virtual int64_t free(int cluster) const = 0;
};

enum class EventKind {
  kJobSubmitted,   // job: the new job
  kJobFinished,    // job_id: a job this scheduler started has ended (completed or killed)
  kCapacityChanged // hosts came online or went away; reconsider the queue
};

struct Event {
  EventKind kind = EventKind::kJobSubmitted;
  double time_s = 0;
  const JobRequest* job = nullptr;  // kJobSubmitted only; valid for the call's duration
  JobId job_id = 0;                 // kJobFinished
};

struct StartDecision {
  JobId job = 0;
  int cluster = 0;
  int pstate = 0;
};

class Scheduler {
 public:
  virtual ~Scheduler() = default;
  virtual std::string name() const = 0;
  // Handles one event; appends jobs to start now. A job decided here is running from now on:
  // the engine guarantees it (or reports an internal error if `view` did not have room).
  virtual void OnEvent(const Event& event, const ClusterView& view,
                       std::vector<StartDecision>* starts) = 0;
  // Jobs submitted but not started, in queue order.
  virtual size_t queue_length() const = 0;
};

// Policy names accepted by MakeScheduler: "fcfs", "easy". Both keep one queue ordered by
// priority (higher first), then submission order; EASY reserves for the queue's head.
const std::vector<std::string>& SchedulerNames();
// Error (InvalidArgument, naming the policy) if unknown.
absl::StatusOr<std::unique_ptr<Scheduler>> MakeScheduler(const std::string& name);

}  // namespace fleetsim::sched

#endif  // FLEETSIM_SIM_SCHED_SCHEDULER_H_
