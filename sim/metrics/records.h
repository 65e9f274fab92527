// What a run produced, engine-independent: job records, cluster samples, energies.
// The engine fills these; metrics/report.h turns them into the output files.
#ifndef FLEETSIM_SIM_METRICS_RECORDS_H_
#define FLEETSIM_SIM_METRICS_RECORDS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "sim/platform/fleet.h"
#include "sim/serve/serving_sim.h"

namespace fleetsim::metrics {

enum class JobStatus { kCompleted, kRunning, kQueued };

// A stretch of time during which a job drew constant IT power (one attempt at one pstate).
struct PowerSegment {
  double start_s = 0;
  double end_s = 0;
  double power_w = 0;  // its accelerators x full_w of the pstate / accelerators per host
};
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
  double energy_j = 0;  // its accelerators x full_w / accelerators per host x time, per pstate
                        // (its own draw when power is linear in busy accelerators), all attempts
  double tokens = 0;    // work-defined jobs: tokens it trains (0 for jobs defined by time)
  std::vector<PowerSegment> segments;  // what energy_j sums, in time order (accounting.h)
  int preemptions = 0;  // times it was stopped and put back in the queue
  double lost_work_s = 0;  // nominal seconds of work lost to preemptions (not checkpointed)
  // Runs larger than a cluster (engine/exchange.h), of its last start: clusters it spans (1 =
  // one cluster), the gradient exchange added to each step, and the run-time factor it caused.
  int span_clusters = 1;
  double step_exchange_s = 0;
  double exchange_slowdown = 1;
};

// One row per cluster whenever its state changed at a simulated instant (a step function).
struct ClusterSample {
  double time_s = 0;
  int cluster = 0;
  int64_t busy_accelerators = 0;
  int64_t online_accelerators = 0;
  int64_t serving_accelerators = 0;  // of busy_accelerators, held by inference replicas
  double power_w = 0;  // IT power of all the cluster's hosts (offline hosts at wattage_off)
};

// One row per site whenever its power changed at a simulated instant (a step function).
struct SiteSample {
  double time_s = 0;
  int site = 0;
  double it_power_w = 0;        // its clusters' IT power
  double facility_power_w = 0;  // it_power_w x PUE
  double power_cap_w = 0;       // facility cap in force; 0 = uncapped
  // Committed facility power (power/cap_policy.h): the bound held under the cap.
  double committed_power_w = 0;
  int64_t jobs_running = 0;
  int64_t jobs_slowed = 0;      // running below pstate 0 because of the cap
  // [pstate]: running jobs' accelerators (inline up to 4 pstates: no allocation per row)
  absl::InlinedVector<int64_t, 4> accelerators_by_pstate;
  double serving_share = 1;     // lowest power share among the site's deployments (1 = none)
  int64_t shed_jobs = 0;        // cumulative: jobs preempted for power
  int64_t dvfs_changes = 0;     // cumulative: pstate changes for power
  int64_t throttle_changes = 0; // cumulative: deployment share changes for power
};

// A power cap domain other than a site (power/cap_policy.h): a cluster given its own cap, or the
// fleet. Its rows are RunResult::domain_samples (SiteSample::site = index in power_domains).
struct PowerDomainInfo {
  std::string name;   // the cluster's name, or "fleet"
  std::string scope;  // "cluster" | "fleet"
};

// One inference replica: a request for `tp` accelerators placed by the scheduler like a job.
struct ReplicaRecord {
  int index = 0;          // 0-based, in request order
  std::string model;
  int tp = 0;
  std::string reason;     // "initial" | "scale_up"
  double request_s = 0;
  double start_s = -1;    // -1: never placed
  double drain_s = -1;    // -1: never asked to drain
  double end_s = -1;      // -1: still serving at the end
  int cluster = -1;
  int hosts = 0;          // hosts its accelerators are on (1 unless no host had room for tp)
  int serve_id = -1;      // ServingSim replica id
  int64_t output_tokens = 0;
  double load_s = 0;      // time-integral of its load fraction
  double energy_j = 0;    // dynamic energy above idle, tp * load_s * (full_w - idle_w) / cores
};

// Inference replicas of one model on one cluster over one serving tick (time_s - interval_s,
// time_s]: the per-site view of serving (pools are per model, so this is per model, not stream).
struct ServingSiteSample {
  double time_s = 0;
  double interval_s = 0;
  int cluster = 0;
  std::string model;
  int replicas = 0;             // replicas that reported usage in the interval
  int64_t accelerators = 0;     // their accelerators
  int64_t output_tokens = 0;    // produced in the interval (service streams: requests)
  double load_s = 0;            // sum over replicas of the load-fraction integral
  double dynamic_energy_j = 0;  // energy above idle in the interval
};

// One serving deployment (serve::Deployment), in the scenario's order.
struct DeploymentRecord {
  std::string model;
  std::string autoscale;  // "none" | "reactive" | "predictive"
};

struct RunResult {
  platform::Fleet fleet;
  std::vector<JobRecord> jobs;          // in workload order
  std::vector<ClusterSample> samples;   // time-ordered
  std::vector<SiteSample> site_samples; // time-ordered
  std::vector<PowerDomainInfo> power_domains;  // cluster and fleet cap domains (none: empty)
  std::vector<SiteSample> domain_samples;      // their rows, time-ordered
  std::vector<double> cluster_energy_j; // integral of host power + serving dynamic energy
  std::vector<double> cluster_serving_energy_j;  // the serving dynamic part, per cluster
  std::vector<ReplicaRecord> replicas;  // in request order
  std::vector<ServingSiteSample> serving_sites;  // per tick, cluster and model
  std::vector<DeploymentRecord> deployments;     // serving deployments
  std::shared_ptr<const serve::ServingSim> serving;  // null without streams
  double serving_request_sample_rate = 0;  // > 0: requests.csv is written
  double end_time_s = 0;                // simulated time when the run stopped
  bool interrupted = false;             // stopped early (EngineConfig::stop_requested)
  int64_t events = 0;                   // scheduler events delivered
  int64_t batches = 0;                  // distinct instants processed
  double wall_s = 0;
  std::string simgrid_version;
};

}  // namespace fleetsim::metrics

#endif  // FLEETSIM_SIM_METRICS_RECORDS_H_
