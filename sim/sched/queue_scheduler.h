// Shared machinery of queue-based training schedulers (FCFS, EASY backfilling).
//
// Keeps the wait queue (priority, then submission order) and the running requests with their *estimated* end times,
// and answers "how many accelerators of cluster c are free at time t by the estimates" the way
// the classic simulators (pyss / predictsim) do: a running job's accelerators count as free from
// its estimated end on, even before its termination event at that same instant is delivered.
// The physical free count from the ClusterView always caps that figure, so a job that outruns
// its estimate never lets the scheduler over-commit a cluster. Replicas have an infinite
// estimate: their accelerators never count as free in the future. Killed jobs go back to their
// original place in the queue. These policies start everything at pstate 0 and never preempt.
#ifndef FLEETSIM_SIM_SCHED_QUEUE_SCHEDULER_H_
#define FLEETSIM_SIM_SCHED_QUEUE_SCHEDULER_H_

#include <deque>
#include <functional>
#include <map>
#include <unordered_map>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "sim/sched/scheduler.h"

namespace fleetsim::sched {

class QueueScheduler : public Scheduler {
 public:
  // `earliest_finish`: choose among eligible clusters the one where the job finishes first by
  // its per-cluster estimate (heterogeneity-aware), instead of the first in preference order.
  explicit QueueScheduler(bool earliest_finish) : earliest_finish_(earliest_finish) {}
  void OnEvent(const Event& event, const ClusterView& view, Decisions* out) final;
  size_t queue_length() const final { return queue_.size(); }

 protected:
  struct Running {
    absl::InlinedVector<StartPart, 1> parts;  // one per cluster it holds
    // Its entries in ends_, one per part (parts[i] in ends_[parts[i].cluster]).
    absl::InlinedVector<std::multimap<double, int64_t>::iterator, 1> ends;
    double est_end_s = 0;
  };
  // Where a job starts: one cluster (parts empty), or parts of a span group.
  struct Choice {
    int cluster = -1;
    std::vector<StartPart> parts;
    double est_s = 0;
  };

  // Called after a submission was queued; return true to run the pass.
  virtual bool PassOnSubmit(const JobRequest& job, double now_s, const ClusterView& view) = 0;
  // The scheduling pass: start what the policy allows.
  virtual void Pass(double now_s, const ClusterView& view, Decisions* out) = 0;

  // Accelerators of `cluster` free at `t_s` by estimates, capped by the physical free count.
  int64_t FreeNow(int cluster, double now_s, const ClusterView& view) const;
  // First eligible cluster (preference order) where `job` fits now, or -1.
  int FitsNow(const JobRequest& job, double now_s, const ClusterView& view) const;
  // Runs larger than a cluster: for a job with span groups, the parts it could start on now,
  // taking at most free_of(c) accelerators of each cluster c: per group, its clusters by most
  // free first (fewest parts, so the least exchange) until the job is covered; among groups,
  // the first in preference order, or (heterogeneity-aware) the one with the smallest
  // ClusterView::span_estimate_s. False if no group holds it now.
  bool SpanNow(const JobRequest& job, const ClusterView& view,
               const std::function<int64_t(int)>& free_of, Choice* out) const;
  // FitsNow, else SpanNow with FreeNow: where `job` starts now; false if nowhere.
  bool ChooseNow(const JobRequest& job, double now_s, const ClusterView& view, Choice* out) const;
  // Records `job` as started on `cluster` and appends the decision.
  void Start(const JobRequest& job, int cluster, double now_s, Decisions* out);
  // The same on a choice (single cluster or parts).
  void Start(const JobRequest& job, const Choice& choice, double now_s, Decisions* out);
  // Starts queued jobs from the head while the head fits somewhere (FCFS order).
  void StartHeads(double now_s, const ClusterView& view, Decisions* out);
  // The EASY backfilling pass over the queue in its current order (see EasyScheduler).
  void EasyPass(double now_s, const ClusterView& view, Decisions* out);

  // Inserts `job` at its place: by priority (higher first), then seq (earlier first).
  void Enqueue(const JobRequest& job);
  // Forgets a running job (ended, released or killed).
  void Forget(JobId id);

  const bool earliest_finish_;
  std::deque<JobRequest> queue_;
  // Per cluster: estimated end time -> accelerators of running jobs (multimap: ties kept).
  std::vector<std::multimap<double, int64_t>> ends_;
  std::vector<int64_t> busy_;     // per cluster: accelerators of all running jobs
  std::vector<int64_t> pending_;  // per cluster: started during this OnEvent (not yet in view)
  std::unordered_map<JobId, Running> running_;
  std::vector<int64_t> free_now_;  // scratch of EasyPass: FreeNow per cluster during backfill
  std::vector<char> in_res_;       // scratch of EasyPass: clusters of the head's reservation
};

class FcfsScheduler final : public QueueScheduler {
 public:
  explicit FcfsScheduler(bool earliest_finish) : QueueScheduler(earliest_finish) {}
  std::string name() const override { return earliest_finish_ ? "fcfs-het" : "fcfs"; }

 private:
  bool PassOnSubmit(const JobRequest&, double, const ClusterView&) override { return true; }
  void Pass(double now_s, const ClusterView& view, Decisions* out) override;
};

// EASY backfilling (Lifka 1995) as specified in ../shared/README.md: start from the head while it
// fits; if two or more jobs wait, reserve the head at the earliest time it fits by the running
// jobs' estimates, and start any later job that fits now and for its whole estimate without
// delaying that reservation. With several eligible clusters the reservation goes to the one where
// the head can start earliest; backfilling on another cluster only needs room now.
//
// easy-het (heterogeneity-aware): the head is reserved on the cluster where it would *finish*
// first (earliest start + its estimate there), and every start and backfill goes to the cluster
// where the job finishes first among those where it fits now without delaying the reservation.
class EasyScheduler final : public QueueScheduler {
 public:
  explicit EasyScheduler(bool earliest_finish) : QueueScheduler(earliest_finish) {}
  std::string name() const override { return earliest_finish_ ? "easy-het" : "easy"; }

 private:
  bool PassOnSubmit(const JobRequest& job, double now_s, const ClusterView& view) override;
  void Pass(double now_s, const ClusterView& view, Decisions* out) override;
};

// ftf: finish-time fairness over effective throughput (after Themis, Mahajan et al., NSDI 2020,
// and the throughput normalization of Gavel, Narayanan et al., OSDI 2020), without preemption.
// A waiting job's fairness ratio is rho = (now - submit + best) / best, where best is its
// shortest estimate over its eligible clusters: the run time it would have alone on the system
// that runs it fastest. 1/rho is the share of that best throughput the job would still get if
// started now, so serving the largest rho first is a greedy max-min over normalized throughput:
// a job that waits on a slow system's account, or a short job stuck behind long ones, gains
// rho quickly. Each pass orders the queue by priority, then rho (largest first), then seq, and
// runs easy-het's pass: the head is reserved on the cluster where it finishes first (so the job
// with the largest rho is never starved by backfill), and the others backfill where they finish
// first without delaying it. Cost per pass: O(Q log Q) for the ordering plus EASY's scan.
class FairScheduler final : public QueueScheduler {
 public:
  FairScheduler() : QueueScheduler(true) {}
  std::string name() const override { return "ftf"; }

 private:
  struct Keyed {
    int priority;
    double rho;
    int64_t seq;
    size_t index;  // position in queue_ (kDone once placed)
  };
  static constexpr size_t kDone = static_cast<size_t>(-1);
  bool PassOnSubmit(const JobRequest& job, double now_s, const ClusterView& view) override;
  void Pass(double now_s, const ClusterView& view, Decisions* out) override;
  std::vector<Keyed> keyed_;  // scratch of Pass
};

}  // namespace fleetsim::sched

#endif  // FLEETSIM_SIM_SCHED_QUEUE_SCHEDULER_H_
