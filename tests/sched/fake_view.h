// A ClusterView for unit tests: capacities and free counts set by hand.
#ifndef FLEETSIM_TESTS_SCHED_FAKE_VIEW_H_
#define FLEETSIM_TESTS_SCHED_FAKE_VIEW_H_

#include <limits>
#include <vector>

#include "sim/sched/scheduler.h"

namespace fleetsim::sched {

class FakeClusterView : public ClusterView {
 public:
  explicit FakeClusterView(std::vector<int64_t> capacity)
      : capacity_(capacity), free_(std::move(capacity)) {}
  int num_clusters() const override { return static_cast<int>(capacity_.size()); }
  int64_t capacity(int c) const override { return capacity_[c]; }
  int64_t free(int c) const override { return free_[c]; }
  void Take(int c, int64_t n) { free_[c] -= n; }
  void Give(int c, int64_t n) { free_[c] += n; }
  // Runs larger than a cluster: the estimate on the first part's cluster times `factor`
  // (<= 0: spanning refused, +infinity).
  double span_estimate_s(const JobRequest& job,
                         const std::vector<StartPart>& parts) const override {
    if (span_factor <= 0 || parts.empty()) return std::numeric_limits<double>::infinity();
    return EstimateOn(job, parts[0].cluster) * span_factor;
  }
  double span_factor = 1.5;
  void SetCapacity(int c, int64_t n) {
    free_[c] += n - capacity_[c];
    capacity_[c] = n;
  }

 private:
  std::vector<int64_t> capacity_;
  std::vector<int64_t> free_;
};

}  // namespace fleetsim::sched

#endif  // FLEETSIM_TESTS_SCHED_FAKE_VIEW_H_
