#include "sim/sched/queue_scheduler.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace fleetsim::sched {

void QueueScheduler::OnEvent(const Event& event, const ClusterView& view, Decisions* out) {
  if (static_cast<int>(ends_.size()) < view.num_clusters()) {
    ends_.resize(view.num_clusters());
    busy_.resize(view.num_clusters(), 0);
  }
  pending_.assign(view.num_clusters(), 0);
  switch (event.kind) {
    case EventKind::kJobSubmitted:
      Enqueue(*event.job);
      if (PassOnSubmit(*event.job, event.time_s, view)) Pass(event.time_s, view, out);
      break;
    case EventKind::kJobFinished:
      Forget(event.job_id);
      Pass(event.time_s, view, out);
      break;
    case EventKind::kJobKilled:
      Forget(event.job_id);
      Enqueue(*event.job);
      Pass(event.time_s, view, out);
      break;
    case EventKind::kCapacityChanged:
      Pass(event.time_s, view, out);
      break;
    case EventKind::kPowerChanged:  // power-blind policies: nothing to reconsider
      break;
  }
}

void QueueScheduler::Enqueue(const JobRequest& job) {
  auto before = [&](const JobRequest& q) {  // true if `job` goes before q
    return q.priority < job.priority || (q.priority == job.priority && q.seq > job.seq);
  };
  if (queue_.empty() || !before(queue_.back())) {
    queue_.push_back(job);  // the common case: a new submission of equal priority
    return;
  }
  queue_.insert(std::find_if(queue_.begin(), queue_.end(), before), job);
}

void QueueScheduler::Forget(JobId id) {
  auto it = running_.find(id);
  if (it == running_.end()) {
    std::fprintf(stderr, "internal error: scheduler told job %lld ended, never started\n",
                 static_cast<long long>(id));
    std::abort();
  }
  busy_[it->second.cluster] -= it->second.accelerators;
  ends_[it->second.cluster].erase(end_it_[id]);
  end_it_.erase(id);
  running_.erase(it);
}

int64_t QueueScheduler::FreeNow(int cluster, double now_s, const ClusterView& view) const {
  int64_t free_est = view.capacity(cluster) - busy_[cluster];
  const auto& ends = ends_[cluster];
  for (auto it = ends.begin(); it != ends.end() && it->first <= now_s; ++it) free_est += it->second;
  return std::min(free_est, view.free(cluster) - pending_[cluster]);
}

int QueueScheduler::FitsNow(const JobRequest& job, double now_s, const ClusterView& view) const {
  int best = -1;
  for (int c : job.eligible) {
    if (FreeNow(c, now_s, view) < job.accelerators) continue;
    if (!earliest_finish_) return c;  // first fit in preference order
    if (best < 0 || EstimateOn(job, c) < EstimateOn(job, best)) best = c;
  }
  return best;
}

void QueueScheduler::Start(const JobRequest& job, int cluster, double now_s,
                           Decisions* out) {
  double est_end = now_s + EstimateOn(job, cluster);
  running_[job.id] = Running{cluster, job.accelerators, est_end};
  end_it_[job.id] = ends_[cluster].emplace(est_end, job.accelerators);
  busy_[cluster] += job.accelerators;
  pending_[cluster] += job.accelerators;
  out->starts.push_back(StartDecision{job.id, cluster, 0});
}

void QueueScheduler::StartHeads(double now_s, const ClusterView& view,
                                Decisions* out) {
  while (!queue_.empty()) {
    int c = FitsNow(queue_.front(), now_s, view);
    if (c < 0) break;
    Start(queue_.front(), c, now_s, out);
    queue_.pop_front();
  }
}

void FcfsScheduler::Pass(double now_s, const ClusterView& view, Decisions* out) {
  StartHeads(now_s, view, out);
}

bool EasyScheduler::PassOnSubmit(const JobRequest& job, double now_s, const ClusterView& view) {
  return FitsNow(job, now_s, view) >= 0;
}

void EasyScheduler::Pass(double now_s, const ClusterView& view, Decisions* out) {
  EasyPass(now_s, view, out);
}

bool FairScheduler::PassOnSubmit(const JobRequest& job, double now_s, const ClusterView& view) {
  return FitsNow(job, now_s, view) >= 0;
}

void FairScheduler::Pass(double now_s, const ClusterView& view, Decisions* out) {
  // Order the queue by priority, then finish-time fairness ratio (largest first), then seq.
  // rho = (waited + best) / best, best = the job's shortest estimate over its clusters (its
  // isolated run time on the system that runs it fastest).
  keyed_.clear();
  keyed_.reserve(queue_.size());
  for (auto& j : queue_) {
    double best = std::numeric_limits<double>::infinity();
    for (int c : j.eligible) best = std::min(best, EstimateOn(j, c));
    if (j.eligible.empty()) best = j.estimate_s;
    const double rho = std::isfinite(best) && best > 0 ? (now_s - j.submit_s + best) / best : 1.0;
    keyed_.push_back({j.priority, rho, j.seq, std::move(j)});
  }
  std::sort(keyed_.begin(), keyed_.end(), [](const Keyed& a, const Keyed& b) {
    if (a.priority != b.priority) return a.priority > b.priority;
    if (a.rho != b.rho) return a.rho > b.rho;
    return a.seq < b.seq;
  });
  for (size_t i = 0; i < keyed_.size(); ++i) queue_[i] = std::move(keyed_[i].job);
  EasyPass(now_s, view, out);
}

void QueueScheduler::EasyPass(double now_s, const ClusterView& view, Decisions* out) {
  StartHeads(now_s, view, out);
  if (queue_.size() < 2) return;

  // Reserve the head: per eligible cluster, walk the estimated ends until enough is free.
  const JobRequest& head = queue_.front();
  constexpr double kNever = std::numeric_limits<double>::infinity();
  int res_cluster = -1;
  double shadow_s = kNever;
  int64_t extra = 0;  // accelerators of res_cluster free at shadow_s beyond the head's need
  for (int c : head.eligible) {
    if (view.capacity(c) < head.accelerators) continue;
    int64_t free = FreeNow(c, now_s, view);
    double when = now_s;
    for (auto it = ends_[c].begin(); free < head.accelerators && it != ends_[c].end(); ++it) {
      if (it->first <= now_s) continue;  // already counted free by FreeNow
      if (std::isinf(it->first)) break;  // replicas: held until released, never planned free
      when = it->first;
      free += it->second;
      // Include every job ending at the same instant.
      auto nx = std::next(it);
      while (nx != ends_[c].end() && nx->first == when) {
        free += nx->second;
        it = nx++;
      }
    }
    if (free < head.accelerators) continue;  // cannot fit even when all running jobs end
    // Plain EASY reserves where the head starts first; the heterogeneity-aware variant where
    // it finishes first (start + its estimate on that cluster).
    const double key = earliest_finish_ ? when + EstimateOn(head, c) : when;
    const double best_key =
        res_cluster < 0 ? kNever
                        : (earliest_finish_ ? shadow_s + EstimateOn(head, res_cluster) : shadow_s);
    if (key < best_key) {
      shadow_s = when;
      res_cluster = c;
      extra = free - head.accelerators;
    }
  }

  // Backfill the rest in queue order.
  for (auto it = std::next(queue_.begin()); it != queue_.end();) {
    const JobRequest& job = *it;
    // Clusters where it fits now without delaying the reservation: the first in preference
    // order, or (heterogeneity-aware) the one where it finishes first.
    int chosen = -1;
    for (int c : job.eligible) {
      if (FreeNow(c, now_s, view) < job.accelerators) continue;
      if (c == res_cluster) {
        const bool ends_before = now_s + EstimateOn(job, c) <= shadow_s;
        if (!ends_before && job.accelerators > extra) continue;
      }
      if (chosen < 0 || (earliest_finish_ && EstimateOn(job, c) < EstimateOn(job, chosen))) {
        chosen = c;
      }
      if (!earliest_finish_) break;
    }
    if (chosen == res_cluster && chosen >= 0 && now_s + EstimateOn(job, chosen) > shadow_s) {
      extra -= job.accelerators;
    }
    if (chosen < 0) {
      ++it;
      continue;
    }
    Start(job, chosen, now_s, out);
    it = queue_.erase(it);
  }
}

const std::vector<std::string>& SchedulerNames() {
  static const std::vector<std::string> kNames = {"fcfs", "easy", "fcfs-het", "easy-het", "ftf"};
  return kNames;
}

absl::StatusOr<std::unique_ptr<Scheduler>> MakeScheduler(const std::string& name) {
  if (name == "fcfs") return std::unique_ptr<Scheduler>(new FcfsScheduler(false));
  if (name == "easy") return std::unique_ptr<Scheduler>(new EasyScheduler(false));
  if (name == "fcfs-het") return std::unique_ptr<Scheduler>(new FcfsScheduler(true));
  if (name == "easy-het") return std::unique_ptr<Scheduler>(new EasyScheduler(true));
  if (name == "ftf") return std::unique_ptr<Scheduler>(new FairScheduler());
  return absl::InvalidArgumentError(absl::StrCat("unknown scheduling policy '", name,
                                                 "' (expected one of: ",
                                                 absl::StrJoin(SchedulerNames(), ", "), ")"));
}

}  // namespace fleetsim::sched
