// Cost per scheduling decision of the training policies, without an engine: a saturated fleet of
// C clusters (1,024 accelerators each) and a queue held at Q waiting jobs. Each job wants 8-512
// accelerators (powers of two), may run on every cluster, and has a per-cluster estimate (a base
// time of 1-100 h times a per-cluster speed factor 0.5-2, drawn once per job and cluster), run
// time = estimate. The driver delivers events the way the engine does (release, then the
// event, then apply the starts): each job end is one kJobFinished, and every started job is
// replaced by a new submission so the queue stays at Q. It reports the mean wall time per
// OnEvent call ("decision") over `--events` events after a warm-up of Q / 4 events.
//   ./build/bench/sched_bench [--events N] [--policies easy,easy-het,ftf] [--queues 10,100,1000]
//                             [--clusters 4,16,64]
// Output: one CSV row per (policy, clusters, queue): policy,clusters,queue,events,us_per_event,
// starts_per_event. Deterministic inputs (fixed seed); times vary with machine load.
// --span-percent P: P% of the jobs want 1,024-4,096 accelerators (one to four clusters) and may
// span all clusters (one span group; the view's span estimate is 1.2 x the first part's, as
// the engine's cached exchange would give): the cost of runs larger than a cluster.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <queue>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "sim/sched/scheduler.h"

namespace {

using fleetsim::sched::ClusterView;
using fleetsim::sched::Decisions;
using fleetsim::sched::Event;
using fleetsim::sched::EventKind;
using fleetsim::sched::JobId;
using fleetsim::sched::JobRequest;

class View : public ClusterView {
 public:
  View(int n, int64_t cap) : cap_(n, cap), free_(n, cap) {}
  int num_clusters() const override { return static_cast<int>(cap_.size()); }
  int64_t capacity(int c) const override { return cap_[c]; }
  int64_t free(int c) const override { return free_[c]; }
  double span_estimate_s(const JobRequest& job,
                         const std::vector<fleetsim::sched::StartPart>& parts) const override {
    return 1.2 * fleetsim::sched::EstimateOn(job, parts[0].cluster);
  }
  std::vector<int64_t> cap_, free_;
};

struct Result {
  int64_t events = 0;
  double us_per_event = 0;
  double starts_per_event = 0;
};

Result Run(const std::string& policy, int clusters, int queue, int64_t events, int span_percent) {
  auto s = *fleetsim::sched::MakeScheduler(policy);
  View view(clusters, 1024);
  std::mt19937_64 rng(12345);
  std::uniform_int_distribution<int> pow2(3, 9);
  std::uniform_real_distribution<double> base_h(1, 100), speed(0.5, 2.0);
  std::uniform_int_distribution<int> percent(0, 99), big(10, 12);
  std::vector<std::vector<fleetsim::sched::StartPart>> parts_of;
  std::vector<JobRequest> jobs;
  jobs.reserve(4 * static_cast<size_t>(queue) + 4 * events + 1024);
  auto make = [&](double t) {
    JobRequest j;
    j.id = static_cast<JobId>(jobs.size());
    j.seq = j.id;
    j.submit_s = t;
    j.accelerators = int64_t{1} << pow2(rng);
    if (span_percent > 0 && percent(rng) < span_percent) {
      j.accelerators = int64_t{1} << big(rng);
      j.span_group.assign(clusters, 0);
    }
    const double base = base_h(rng) * 3600;
    for (int c = 0; c < clusters; ++c) {
      j.eligible.push_back(c);
      j.estimate_by_cluster_s.push_back(base * speed(rng));
    }
    j.estimate_s = j.estimate_by_cluster_s[0];
    jobs.push_back(std::move(j));
    return jobs.size() - 1;
  };
  using End = std::tuple<double, JobId, int>;  // time, job, cluster (unused: parts_of)
  std::priority_queue<End, std::vector<End>, std::greater<>> ends;
  Decisions d;
  size_t waiting = 0;
  int64_t starts = 0;
  auto apply = [&](double t) {
    for (const auto& x : d.starts) {
      const JobRequest& j = jobs[x.job];
      if (parts_of.size() <= static_cast<size_t>(x.job)) parts_of.resize(x.job + 1);
      parts_of[x.job] = x.parts;
      if (x.parts.empty()) parts_of[x.job].push_back({x.cluster, j.accelerators});
      for (const auto& p : parts_of[x.job]) view.free_[p.cluster] -= p.accelerators;
      ends.emplace(t + (x.parts.empty() ? fleetsim::sched::EstimateOn(j, x.cluster)
                                        : view.span_estimate_s(j, x.parts)),
                   x.job, x.cluster);
      --waiting;
      ++starts;
    }
    const size_t n = d.starts.size();
    d.clear();
    return n;
  };
  // Fill: submit until the queue holds `queue` waiting jobs.
  double t = 0;
  while (waiting < static_cast<size_t>(queue)) {
    size_t i = make(t);
    ++waiting;
    s->OnEvent(Event{EventKind::kJobSubmitted, t, &jobs[i], 0, {}}, view, &d);
    apply(t);
  }
  const int64_t warmup = std::max(1, queue / 4);
  std::chrono::steady_clock::time_point start;
  int64_t timed = 0, timed_starts = 0;
  for (int64_t e = 0; e < warmup + events && !ends.empty(); ++e) {
    if (e == warmup) {
      start = std::chrono::steady_clock::now();
      timed_starts = starts;
    }
    auto [te, id, c] = ends.top();
    ends.pop();
    t = te;
    for (const auto& p : parts_of[id]) view.free_[p.cluster] += p.accelerators;
    (void)c;
    s->OnEvent(Event{EventKind::kJobFinished, t, nullptr, id, {}}, view, &d);
    apply(t);
    if (e >= warmup) ++timed;
    while (waiting < static_cast<size_t>(queue)) {  // keep the queue at Q
      size_t i = make(t);
      ++waiting;
      s->OnEvent(Event{EventKind::kJobSubmitted, t, &jobs[i], 0, {}}, view, &d);
      apply(t);
      if (e >= warmup) ++timed;
    }
  }
  const double sec =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  Result r;
  r.events = timed;
  r.us_per_event = timed ? 1e6 * sec / timed : 0;
  r.starts_per_event = timed ? static_cast<double>(starts - timed_starts) / timed : 0;
  return r;
}

std::vector<int> Ints(const std::string& s) {
  std::vector<int> out;
  for (auto p : absl::StrSplit(s, ',')) {
    int v = 0;
    if (!absl::SimpleAtoi(p, &v) || v <= 0) {
      std::fprintf(stderr, "not a positive integer: '%s'\n", std::string(p).c_str());
      std::exit(2);
    }
    out.push_back(v);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  int64_t events = 2000;
  std::vector<std::string> policies = {"easy", "easy-het", "fcfs-het", "ftf"};
  std::vector<int> queues = {10, 100, 1000, 10000};
  std::vector<int> clusters = {4, 16, 64};
  int span_percent = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i], v = argv[i + 1];
    if (a == "--events") {
      events = Ints(v)[0];
    } else if (a == "--policies") {
      policies = absl::StrSplit(v, ',');
    } else if (a == "--queues") {
      queues = Ints(v);
    } else if (a == "--clusters") {
      clusters = Ints(v);
    } else if (a == "--span-percent") {
      span_percent = Ints(v)[0];
    } else {
      std::fprintf(stderr, "unknown flag %s\n", a.c_str());
      return 2;
    }
  }
  std::printf("policy,clusters,queue,events,us_per_event,starts_per_event\n");
  for (const auto& p : policies) {
    if (!fleetsim::sched::MakeScheduler(p).ok()) {
      std::fprintf(stderr, "unknown policy %s\n", p.c_str());
      return 2;
    }
    for (int c : clusters) {
      for (int q : queues) {
        Result r = Run(p, c, q, events, span_percent);
        std::printf("%s,%d,%d,%lld,%.2f,%.3f\n", p.c_str(), c, q,
                    static_cast<long long>(r.events), r.us_per_event, r.starts_per_event);
        std::fflush(stdout);
      }
    }
  }
  return 0;
}
