// The capacity timeline: when each tranche of hosts comes online or retires, in simulated
// seconds from the scenario's start date. Plain C++, no SimGrid. Build-out and retirement come
// from the platform's tranche dates; failures and outages will add events of their own kind.
#ifndef FLEETSIM_SIM_CAPACITY_TIMELINE_H_
#define FLEETSIM_SIM_CAPACITY_TIMELINE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "sim/platform/fleet.h"

namespace fleetsim::capacity {

struct CapacityEvent {
  double time_s = 0;
  int cluster = 0;
  int tranche = 0;
  bool online = true;  // true: comes online; false: retires (no new work, off once empty)
};

struct Timeline {
  std::vector<CapacityEvent> events;  // time order; ties in cluster, then tranche order
  // Per cluster and tranche: online at t = 0.
  std::vector<std::vector<bool>> online_at_start;
};

// `start_date` (ISO YYYY-MM-DD) is t = 0; it is required when any tranche has a date (error
// names `platform_path` and the cluster). Events at or before 0 set the initial state.
absl::StatusOr<Timeline> BuildTimeline(const platform::Fleet& fleet, const std::string& start_date,
                                       const std::string& platform_path);

}  // namespace fleetsim::capacity

#endif  // FLEETSIM_SIM_CAPACITY_TIMELINE_H_
