#include "sim/sched/queue_scheduler.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "sim/sched/cluster_choice.h"

namespace fleetsim::sched {
namespace {

// The estimate of `job` on its i-th eligible cluster: EstimateOn without the search.
inline double EstimateAt(const JobRequest& job, size_t i) {
  return i < job.estimate_by_cluster_s.size() ? job.estimate_by_cluster_s[i] : job.estimate_s;
}

}  // namespace

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
    case EventKind::kPowerChanged:  // a cap rose or power was freed: free() may have grown
      Pass(event.time_s, view, out);
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
  const int i = ChooseCluster(
      job.eligible, earliest_finish_,
      [&](size_t i) { return FreeNow(job.eligible[i], now_s, view) >= job.accelerators; },
      [&](size_t i) { return EstimateAt(job, i); });
  return i < 0 ? -1 : job.eligible[i];
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
  // isolated run time on the system that runs it fastest). Sorted as small keys, then permuted.
  keyed_.clear();
  keyed_.reserve(queue_.size());
  for (size_t k = 0; k < queue_.size(); ++k) {
    const JobRequest& j = queue_[k];
    double best = j.eligible.empty() ? j.estimate_s : std::numeric_limits<double>::infinity();
    for (size_t i = 0; i < j.eligible.size(); ++i) best = std::min(best, EstimateAt(j, i));
    const double rho = std::isfinite(best) && best > 0 ? (now_s - j.submit_s + best) / best : 1.0;
    keyed_.push_back({j.priority, rho, j.seq, k});
  }
  std::sort(keyed_.begin(), keyed_.end(), [](const Keyed& a, const Keyed& b) {
    if (a.priority != b.priority) return a.priority > b.priority;
    if (a.rho != b.rho) return a.rho > b.rho;
    return a.seq < b.seq;
  });
  // Permute queue_ in place, cycle by cycle: position k receives the job at keyed_[k].index.
  for (size_t start = 0; start < keyed_.size(); ++start) {
    if (keyed_[start].index == start || keyed_[start].index == kDone) continue;
    JobRequest held = std::move(queue_[start]);
    size_t k = start;
    while (keyed_[k].index != start) {
      const size_t from = keyed_[k].index;
      queue_[k] = std::move(queue_[from]);
      keyed_[k].index = kDone;
      k = from;
    }
    queue_[k] = std::move(held);
    keyed_[k].index = kDone;
  }
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

  // Backfill the rest in queue order. Free counts are taken once and kept up to date by hand
  // (a start lowers FreeNow by exactly its accelerators), and a job larger than every cluster's
  // free count is passed over without looking at its clusters: same decisions, less work.
  free_now_.resize(view.num_clusters());
  int64_t max_free = 0;
  for (int c = 0; c < view.num_clusters(); ++c) {
    free_now_[c] = FreeNow(c, now_s, view);
    max_free = std::max(max_free, free_now_[c]);
  }
  for (auto it = std::next(queue_.begin()); it != queue_.end();) {
    const JobRequest& job = *it;
    if (job.accelerators > max_free) {
      ++it;
      continue;
    }
    // Clusters where it fits now without delaying the reservation: the first in preference
    // order, or (heterogeneity-aware) the one where it finishes first.
    const int pick = ChooseCluster(
        job.eligible, earliest_finish_,
        [&](size_t i) {
          const int c = job.eligible[i];
          if (free_now_[c] < job.accelerators) return false;
          return c != res_cluster || now_s + EstimateAt(job, i) <= shadow_s ||
                 job.accelerators <= extra;
        },
        [&](size_t i) { return EstimateAt(job, i); });
    const int chosen = pick < 0 ? -1 : job.eligible[pick];
    const double chosen_est = pick < 0 ? 0 : EstimateAt(job, pick);
    if (chosen == res_cluster && chosen >= 0 && now_s + chosen_est > shadow_s) {
      extra -= job.accelerators;
    }
    if (chosen < 0) {
      ++it;
      continue;
    }
    Start(job, chosen, now_s, out);
    const bool was_max = free_now_[chosen] == max_free;
    free_now_[chosen] -= job.accelerators;
    // Under a site power cap the start also takes power the site's other clusters could have
    // used: their counts are asked again (the view counts this answer's starts elsewhere).
    bool shared = false;
    const int site = view.site_of(chosen);
    for (int c = 0; site >= 0 && c < view.num_clusters(); ++c) {
      if (c == chosen || view.site_of(c) != site) continue;
      const int64_t f = std::min(free_now_[c], FreeNow(c, now_s, view));
      shared = shared || f != free_now_[c];
      free_now_[c] = f;
    }
    if (was_max || shared) max_free = *std::max_element(free_now_.begin(), free_now_.end());
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
