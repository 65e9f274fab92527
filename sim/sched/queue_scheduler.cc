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
  const Running& r = it->second;
  for (size_t i = 0; i < r.parts.size(); ++i) {
    const StartPart& p = r.parts[i];
    busy_[p.cluster] -= p.accelerators;
    ends_[p.cluster].erase(r.ends[i]);
  }
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
  Choice c;
  c.cluster = cluster;
  c.est_s = EstimateOn(job, cluster);
  Start(job, c, now_s, out);
}

void QueueScheduler::Start(const JobRequest& job, const Choice& choice, double now_s,
                           Decisions* out) {
  const double est_end = now_s + choice.est_s;
  Running& r = running_[job.id];
  r.parts.assign(choice.parts.begin(), choice.parts.end());
  if (r.parts.empty()) r.parts.push_back({choice.cluster, job.accelerators});
  r.est_end_s = est_end;
  r.ends.clear();
  for (const StartPart& p : r.parts) {
    r.ends.push_back(ends_[p.cluster].emplace(est_end, p.accelerators));
    busy_[p.cluster] += p.accelerators;
    pending_[p.cluster] += p.accelerators;
  }
  out->starts.push_back(StartDecision{job.id, choice.cluster, 0, choice.parts});
}

bool QueueScheduler::SpanNow(const JobRequest& job, const ClusterView& view,
                             const std::function<int64_t(int)>& free_of, Choice* out) const {
  if (job.span_group.empty()) return false;
  bool found = false;
  std::vector<int> groups;
  for (int g : job.span_group) {
    if (g >= 0 && std::find(groups.begin(), groups.end(), g) == groups.end()) groups.push_back(g);
  }
  std::vector<std::pair<int64_t, int>> avail;  // (free, cluster)
  for (int g : groups) {
    avail.clear();
    int64_t total = 0;
    for (size_t i = 0; i < job.eligible.size() && i < job.span_group.size(); ++i) {
      if (job.span_group[i] != g) continue;
      const int64_t f = free_of(job.eligible[i]);
      if (f <= 0) continue;
      avail.emplace_back(f, job.eligible[i]);
      total += f;
    }
    if (total < job.accelerators || avail.size() < 2) continue;
    std::stable_sort(avail.begin(), avail.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    std::vector<StartPart> parts;
    int64_t left = job.accelerators;
    for (const auto& [f, c] : avail) {
      if (left == 0) break;
      const int64_t take = std::min(f, left);
      parts.push_back({c, take});
      left -= take;
    }
    if (parts.size() < 2) continue;  // one cluster holds it: not a span (FitsNow's case)
    const double est = view.span_estimate_s(job, parts);
    if (!std::isfinite(est)) continue;
    if (!found || (earliest_finish_ && est < out->est_s)) {
      out->cluster = parts[0].cluster;
      out->parts = std::move(parts);
      out->est_s = est;
      found = true;
      if (!earliest_finish_) break;
    }
  }
  return found;
}

bool QueueScheduler::ChooseNow(const JobRequest& job, double now_s, const ClusterView& view,
                               Choice* out) const {
  const int c = FitsNow(job, now_s, view);
  if (c >= 0) {
    out->cluster = c;
    out->parts.clear();
    out->est_s = EstimateOn(job, c);
    return true;
  }
  return SpanNow(
      job, view, [&](int x) { return FreeNow(x, now_s, view); }, out);
}

void QueueScheduler::StartHeads(double now_s, const ClusterView& view,
                                Decisions* out) {
  Choice choice;
  while (!queue_.empty()) {
    if (!ChooseNow(queue_.front(), now_s, view, &choice)) break;
    Start(queue_.front(), choice, now_s, out);
    queue_.pop_front();
  }
}

void FcfsScheduler::Pass(double now_s, const ClusterView& view, Decisions* out) {
  StartHeads(now_s, view, out);
}

bool EasyScheduler::PassOnSubmit(const JobRequest& job, double now_s, const ClusterView& view) {
  Choice choice;
  return ChooseNow(job, now_s, view, &choice);
}

void EasyScheduler::Pass(double now_s, const ClusterView& view, Decisions* out) {
  EasyPass(now_s, view, out);
}

bool FairScheduler::PassOnSubmit(const JobRequest& job, double now_s, const ClusterView& view) {
  Choice choice;
  return ChooseNow(job, now_s, view, &choice);
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
  int64_t extra = 0;  // accelerators of the reservation free at shadow_s beyond the head's need
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
  in_res_.assign(view.num_clusters(), 0);
  if (res_cluster >= 0) in_res_[res_cluster] = 1;
  if (res_cluster < 0 && !head.span_group.empty()) {
    // A head no single cluster holds: reserve it on the span group where enough accelerators
    // are free first (all the group's estimated ends merged), the group's clusters together.
    std::vector<std::pair<double, int64_t>> ends;
    int best_group = -1;
    for (size_t i = 0; i < head.span_group.size(); ++i) {
      const int g = head.span_group[i];
      if (g < 0) continue;
      bool seen = false;
      for (size_t k = 0; k < i; ++k) seen = seen || head.span_group[k] == g;
      if (seen) continue;
      ends.clear();
      int64_t free = 0, cap = 0;
      for (size_t k = i; k < head.span_group.size(); ++k) {
        if (head.span_group[k] != g) continue;
        const int c = head.eligible[k];
        cap += view.capacity(c);
        free += FreeNow(c, now_s, view);
        for (const auto& [t, a] : ends_[c]) {
          if (t > now_s && !std::isinf(t)) ends.emplace_back(t, a);
        }
      }
      if (cap < head.accelerators) continue;
      std::sort(ends.begin(), ends.end());
      double when = now_s;
      for (size_t k = 0; free < head.accelerators && k < ends.size(); ++k) {
        when = ends[k].first;
        free += ends[k].second;
        while (k + 1 < ends.size() && ends[k + 1].first == when) free += ends[++k].second;
      }
      if (free < head.accelerators || when >= shadow_s) continue;
      shadow_s = when;
      extra = free - head.accelerators;
      best_group = g;
    }
    for (size_t i = 0; best_group >= 0 && i < head.span_group.size(); ++i) {
      if (head.span_group[i] == best_group) in_res_[head.eligible[i]] = 1;
    }
  }

  // Backfill the rest in queue order. Free counts are taken once and kept up to date by hand
  // (a start lowers FreeNow by exactly its accelerators), and a job larger than every cluster's
  // free count is passed over without looking at its clusters (unless it may span): same
  // decisions, less work.
  free_now_.resize(view.num_clusters());
  int64_t max_free = 0;
  for (int c = 0; c < view.num_clusters(); ++c) {
    free_now_[c] = FreeNow(c, now_s, view);
    max_free = std::max(max_free, free_now_[c]);
  }
  Choice choice;
  for (auto it = std::next(queue_.begin()); it != queue_.end();) {
    const JobRequest& job = *it;
    if (job.accelerators > max_free && job.span_group.empty()) {
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
          return !in_res_[c] || now_s + EstimateAt(job, i) <= shadow_s ||
                 job.accelerators <= extra;
        },
        [&](size_t i) { return EstimateAt(job, i); });
    const int chosen = pick < 0 ? -1 : job.eligible[pick];
    const double chosen_est = pick < 0 ? 0 : EstimateAt(job, pick);
    if (chosen >= 0 && in_res_[chosen] && now_s + chosen_est > shadow_s) {
      extra -= job.accelerators;
    }
    bool started = false;
    if (chosen >= 0) {
      choice.cluster = chosen;
      choice.parts.clear();
      choice.est_s = chosen_est;
      started = true;
    } else if (!job.span_group.empty()) {
      // Spanning backfill keeps off the reservation's clusters altogether.
      started = SpanNow(
          job, view, [&](int c) { return in_res_[c] ? 0 : free_now_[c]; }, &choice);
    }
    if (!started) {
      ++it;
      continue;
    }
    Start(job, choice, now_s, out);
    std::vector<StartPart> taken = choice.parts;
    if (taken.empty()) taken.push_back({choice.cluster, job.accelerators});
    bool changed = false;
    for (const StartPart& p : taken) {
      changed = changed || free_now_[p.cluster] == max_free;
      free_now_[p.cluster] -= p.accelerators;
      // Under a power cap the start also takes power the other clusters of its cap domains
      // could have used: their counts are asked again (the view counts this answer's starts
      // elsewhere).
      for (int c = 0; c < view.num_clusters(); ++c) {
        if (c == p.cluster || !view.shares_power_cap(p.cluster, c)) continue;
        const int64_t f = std::min(free_now_[c], FreeNow(c, now_s, view));
        changed = changed || f != free_now_[c];
        free_now_[c] = f;
      }
    }
    if (changed) max_free = *std::max_element(free_now_.begin(), free_now_.end());
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
