// Drives a Scheduler without an engine: a tiny event loop with exact run times and the engine's
// canonical order for simultaneous events (submissions, then terminations in start order).
#ifndef FLEETSIM_TESTS_SCHED_DRIVER_H_
#define FLEETSIM_TESTS_SCHED_DRIVER_H_

#include <map>
#include <queue>
#include <tuple>
#include <vector>

#include "sim/sched/scheduler.h"
#include "tests/sched/fake_view.h"

namespace fleetsim::sched {

// `jobs` sorted by submit_s; `run` maps job id to its actual run time. Returns id -> start time.
// `parts_out`, if given, receives the parts of every start (one part for a single cluster).
inline std::map<JobId, double> Drive(Scheduler& s, std::vector<JobRequest> jobs,
                                     std::map<JobId, double> run, FakeClusterView view,
                                     std::map<JobId, std::vector<StartPart>>* parts_out = nullptr) {
  std::map<JobId, double> start;
  std::map<JobId, std::vector<StartPart>> parts_of;
  using End = std::tuple<double, int64_t, JobId>;  // time, start seq, id
  std::priority_queue<End, std::vector<End>, std::greater<>> ends;
  int64_t seq = 0;
  size_t next = 0;
  std::map<JobId, JobRequest> by_id;
  for (auto& j : jobs) by_id[j.id] = j;
  auto apply = [&](double t, Decisions& d) {
    for (auto& x : d.starts) {
      start[x.job] = t;
      auto parts = x.parts;
      if (parts.empty()) parts.push_back({x.cluster, by_id[x.job].accelerators});
      for (const auto& p : parts) view.Take(p.cluster, p.accelerators);
      parts_of[x.job] = parts;
      if (parts_out) (*parts_out)[x.job] = parts;
      ends.emplace(t + run[x.job], seq++, x.job);
    }
    d.clear();
  };
  Decisions d;
  int64_t sub_seq = 0;
  while (next < jobs.size() || !ends.empty()) {
    double t = next < jobs.size() ? jobs[next].submit_s : 1e300;
    if (!ends.empty()) t = std::min(t, std::get<0>(ends.top()));
    std::vector<JobId> done;
    while (!ends.empty() && std::get<0>(ends.top()) == t) {
      done.push_back(std::get<2>(ends.top()));
      for (const auto& p : parts_of[done.back()]) view.Give(p.cluster, p.accelerators);
      ends.pop();
    }
    while (next < jobs.size() && jobs[next].submit_s == t) {
      jobs[next].seq = sub_seq++;
      Event e{EventKind::kJobSubmitted, t, &jobs[next], 0, {}};
      s.OnEvent(e, view, &d);
      apply(t, d);
      ++next;
    }
    for (JobId id : done) {
      Event e{EventKind::kJobFinished, t, nullptr, id, {}};
      s.OnEvent(e, view, &d);
      apply(t, d);
    }
  }
  return start;
}

}  // namespace fleetsim::sched

#endif  // FLEETSIM_TESTS_SCHED_DRIVER_H_
