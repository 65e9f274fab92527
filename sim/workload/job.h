// Training-job specifications, as loaded from YAML or traces and validated before a run.
#ifndef FLEETSIM_SIM_WORKLOAD_JOB_H_
#define FLEETSIM_SIM_WORKLOAD_JOB_H_

#include <cstdint>
#include <string>
#include <vector>

namespace fleetsim::workload {

// One gang-scheduled training job. Times are seconds from the scenario start.
struct JobSpec {
  int64_t id = 0;              // unique within the workload
  std::string name;            // optional label
  double submit_s = 0;         // >= 0
  double run_s = 1;            // run time at nominal speed (pstate 0), > 0
  double estimate_s = 1;       // user's walltime estimate, > 0 (schedulers plan with it)
  int64_t accelerators = 1;    // gang size, >= 1
  std::vector<std::string> systems;  // system types it may run on; empty = any
  int priority = 0;
};

struct Workload {
  std::vector<JobSpec> jobs;  // sorted by (submit_s, file order); ids unique
};

}  // namespace fleetsim::workload

#endif  // FLEETSIM_SIM_WORKLOAD_JOB_H_
