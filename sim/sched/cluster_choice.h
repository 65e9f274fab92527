// The queue schedulers' rule for which eligible cluster a request that may start now goes to,
// in one place: the schedulers use it for heads and backfill (queue_scheduler.cc), and the
// autoscaler to foresee where a replica it asks for would land (engine/serving_wiring.cc).
#ifndef FLEETSIM_SIM_SCHED_CLUSTER_CHOICE_H_
#define FLEETSIM_SIM_SCHED_CLUSTER_CHOICE_H_

#include <cstddef>
#include <vector>

namespace fleetsim::sched {

// Among the `eligible` clusters (preference order) whose position i satisfies `fits(i)`: the
// first, or with `earliest_finish` the one with the smallest `estimate(i)` (the first among
// equals). Returns the position in `eligible`, -1 if none fits. Replicas have the same
// (infinite) estimate everywhere, so both variants place them on the first cluster that fits.
template <class Fits, class Estimate>
int ChooseCluster(const std::vector<int>& eligible, bool earliest_finish, Fits&& fits,
                  Estimate&& estimate) {
  int best = -1;
  double best_est = 0;
  for (size_t i = 0; i < eligible.size(); ++i) {
    if (!fits(i)) continue;
    if (!earliest_finish) return static_cast<int>(i);
    const double est = estimate(i);
    if (best < 0 || est < best_est) best = static_cast<int>(i), best_est = est;
  }
  return best;
}

}  // namespace fleetsim::sched

#endif  // FLEETSIM_SIM_SCHED_CLUSTER_CHOICE_H_
