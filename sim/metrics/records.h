// What a run produced, engine-independent: job records, cluster samples, energies.
// The engine fills these; metrics/report.h turns them into the output files.
#ifndef FLEETSIM_SIM_METRICS_RECORDS_H_
#define FLEETSIM_SIM_METRICS_RECORDS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "sim/platform/fleet.h"

namespace fleetsim::metrics {

enum class JobStatus { kCompleted, kRunning, kQueued };
const char* JobStatusName(JobStatus s);

struct JobRecord {
  int64_t id = 0;
  double submit_s = 0;
  double start_s = -1;  // -1: never started
  double end_s = -1;    // -1: not ended by the horizon
  double run_s = 0;     // requested run time
  double estimate_s = 0;
  int64_t accelerators = 0;
  int cluster = -1;
  int hosts = 0;
  JobStatus status = JobStatus::kQueued;
  double energy_j = 0;  // share of its hosts' SimGrid energy while it ran (accelerator share)
};

// One row per cluster whenever its state changed at a simulated instant (a step function).
struct ClusterSample {
  double time_s = 0;
  int cluster = 0;
  int64_t busy_accelerators = 0;
  int64_t online_accelerators = 0;
  double power_w = 0;  // IT power of all the cluster's hosts (offline hosts at wattage_off)
};

struct RunResult {
  platform::Fleet fleet;
  std::vector<JobRecord> jobs;          // in workload order
  std::vector<ClusterSample> samples;   // time-ordered
  std::vector<double> cluster_energy_j; // SimGrid energy plugin, per cluster
  double end_time_s = 0;                // simulated time when the run stopped
  int64_t events = 0;                   // scheduler events delivered
  int64_t batches = 0;                  // distinct instants processed
  double wall_s = 0;
  std::string simgrid_version;
};

}  // namespace fleetsim::metrics

#endif  // FLEETSIM_SIM_METRICS_RECORDS_H_
