// The schedulers alone (no engine) reproduce the external simulator's KTH-SP2 schedules job by
// job. The engine-level replay test (tests/engine) repeats this through SimGrid.
#include <map>

#include "gtest/gtest.h"
#include "sim/sched/scheduler.h"
#include "sim/workload/swf.h"
#include "tests/sched/driver.h"
#include "tests/sched/reference_replay.h"

namespace fleetsim::sched {
namespace {

using testing_util::ReadPeerStarts;
using testing_util::SharedDir;

std::map<JobId, double> Replay(const std::string& policy, workload::SwfEstimates est,
                                   double* avg_bsld) {
  workload::SwfOptions opt;
  opt.estimates = est;
  auto trace = workload::LoadSwf(SharedDir() + "/data/swf/KTH-SP2.predictsim-strongfiltered.swf", opt);
  EXPECT_TRUE(trace.ok()) << trace.status();
  auto& jobs = trace->workload.jobs;
  auto sched = *MakeScheduler(policy);
  std::vector<JobRequest> req;
  std::map<JobId, double> run;
  for (const auto& j : jobs) {
    JobRequest r;
    r.id = j.id;
    r.submit_s = j.submit_s;
    r.estimate_s = j.estimate_s;
    r.accelerators = j.accelerators;
    r.eligible = {0};
    req.push_back(r);
    run[j.id] = j.run_s;
  }
  auto start = Drive(*sched, std::move(req), std::move(run), FakeClusterView({trace->max_procs}));
  double sum = 0;
  for (const auto& j : jobs) {
    double ft = start[j.id] + j.run_s - j.submit_s;
    sum += std::max(1.0, ft / std::max(10.0, j.run_s));
  }
  *avg_bsld = sum / jobs.size();
  return start;
}

void ExpectMatch(const std::string& peer, workload::SwfEstimates est, double bsld_ref) {
  FLEETSIM_REQUIRE_SHARED("data/swf/KTH-SP2.predictsim-strongfiltered.swf",
                          "data/reference/peer-runs/" + peer);
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
