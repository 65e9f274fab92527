// The schedulers alone (no engine) reproduce the external simulator's KTH-SP2 schedules job by
// job. The engine-level replay test (tests/engine) repeats this through SimGrid.
#include <map>
#include <queue>

#include "gtest/gtest.h"
#include "sim/sched/scheduler.h"
#include "sim/workload/swf.h"
#include "tests/sched/fake_view.h"
#include "tests/sched/reference_replay.h"

namespace fleetsim::sched {
namespace {

using testing_util::HaveShared;
using testing_util::ReadPeerStarts;
using testing_util::SharedDir;

std::map<long long, double> Replay(const std::string& policy, workload::SwfEstimates est,
                                   double* avg_bsld) {
  workload::SwfOptions opt;
  opt.estimates = est;
  auto trace = workload::LoadSwf(SharedDir() + "/data/swf/KTH-SP2.predictsim-strongfiltered.swf", opt);
  EXPECT_TRUE(trace.ok()) << trace.status();
  auto& jobs = trace->workload.jobs;
  auto sched = *MakeScheduler(policy);
  FakeClusterView view({trace->max_procs});
  std::vector<JobRequest> req(jobs.size());
  std::map<long long, size_t> idx;
  for (size_t i = 0; i < jobs.size(); ++i) {
    req[i] = JobRequest{jobs[i].id, jobs[i].submit_s, jobs[i].estimate_s, jobs[i].accelerators, {0}, 0};
    idx[jobs[i].id] = i;
  }
  std::map<long long, double> start;
  using End = std::tuple<double, int64_t, JobId>;
  std::priority_queue<End, std::vector<End>, std::greater<>> ends;
  int64_t seq = 0;
  size_t next = 0;
  std::vector<StartDecision> d;
  auto apply = [&](double t) {
    for (auto& x : d) {
      const auto& j = jobs[idx[x.job]];
      start[x.job] = t;
      view.Take(0, j.accelerators);
      ends.emplace(t + j.run_s, seq++, x.job);
    }
    d.clear();
  };
  while (next < jobs.size() || !ends.empty()) {
    double t = next < jobs.size() ? jobs[next].submit_s : 1e300;
    if (!ends.empty()) t = std::min(t, std::get<0>(ends.top()));
    std::vector<JobId> done;
    while (!ends.empty() && std::get<0>(ends.top()) == t) {
      done.push_back(std::get<2>(ends.top()));
      view.Give(0, jobs[idx[done.back()]].accelerators);
      ends.pop();
    }
    for (; next < jobs.size() && jobs[next].submit_s == t; ++next) {
      sched->OnEvent(Event{EventKind::kJobSubmitted, t, &req[next], 0}, view, &d);
      apply(t);
    }
    for (JobId id : done) {
      sched->OnEvent(Event{EventKind::kJobFinished, t, nullptr, id}, view, &d);
      apply(t);
    }
  }
  double sum = 0;
  for (const auto& j : jobs) {
    double ft = start[j.id] + j.run_s - j.submit_s;
    sum += std::max(1.0, ft / std::max(10.0, j.run_s));
  }
  *avg_bsld = sum / jobs.size();
  return start;
}

void ExpectMatch(const std::string& peer, workload::SwfEstimates est, double bsld_ref) {
  if (!HaveShared()) GTEST_SKIP() << "../shared/data not present: reference replay skipped";
  double bsld = 0;
  auto ours = Replay("easy", est, &bsld);
  auto theirs = ReadPeerStarts(SharedDir() + "/data/reference/peer-runs/" + peer);
  ASSERT_EQ(theirs.size(), 28481u);
  ASSERT_EQ(ours.size(), theirs.size());
  int mismatches = 0;
  long long first_bad = -1;
  for (const auto& [id, t] : theirs) {
    if (ours[id] != t) {
      if (first_bad < 0) first_bad = id;
      ++mismatches;
    }
  }
  EXPECT_EQ(mismatches, 0) << "first mismatching job id " << first_bad << ": ours "
                           << ours[first_bad] << " theirs " << theirs[first_bad];
  EXPECT_NEAR(bsld, bsld_ref, 5e-5);
}

TEST(KthReference, EasyUserEstimatesMatchesJobByJob) {
  ExpectMatch("pyss-out_KTH_easy.swf.gz", workload::SwfEstimates::kUser, 92.5765);
}

TEST(KthReference, EasyExactEstimatesMatchesJobByJob) {
  ExpectMatch("pyss-out_KTH_easy_clairvoyant.swf.gz", workload::SwfEstimates::kExact, 71.7224);
}

}  // namespace
}  // namespace fleetsim::sched
