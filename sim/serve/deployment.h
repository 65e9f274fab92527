// Serving deployments: how many replicas of which model run where, and how their count follows
// demand. A deployment turns into replica requests that the training scheduler places on the
// same accelerator pool as training jobs (the engine does the wiring; see sim/engine/engine.h).
//
// YAML (the `serving:` section of a scenario; schema in workloads/README.md):
//   serving:
//     fidelity: request            # request | aggregate
//     tick_s: 300                  # engine <-> serving sync: power samples, autoscaling
//     bin_s: 3600                  # serving time-series bin
//     aggregate_step_s: 60         # aggregate fidelity step
//     request_sample_rate: 0       # share of requests written to requests.csv
//     deployments:
//       - model: llama2-70b        # a served model name used by the workload's streams
//         systems: [gb200_nvl72]   # eligible system types; omitted = every system it fits on
//         tp: 4                    # accelerators per replica (tensor-parallel group, one host)
//         replicas: 2              # requested at t = 0
//         priority: 100            # scheduler priority of replica requests (training is 0)
//         autoscale: {min: 1, max: 16, target_utilization: 0.7, hysteresis: 0.15,
//                     drain_s: 600, cooldown_s: 1800,
//                     policy: reactive,    # reactive | predictive (sim/serve/forecast.h)
//                     lead_s: 0,           # predictive: look-ahead beyond the next tick
//                     headroom: 0}         # predictive: forecast x (1 + headroom)
#ifndef FLEETSIM_SIM_SERVE_DEPLOYMENT_H_
#define FLEETSIM_SIM_SERVE_DEPLOYMENT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "sim/core/yaml_reader.h"
#include "sim/serve/perf_model.h"
#include "sim/serve/router.h"
#include "sim/serve/serving_sim.h"
#include "sim/serve/stream_spec.h"

namespace fleetsim::serve {

struct Deployment {
  std::string model;                 // ServedModel::name
  std::vector<std::string> systems;  // eligible catalogue system types; empty = any that fits
  int tp = 1;                        // accelerators per replica, all on one host
  int replicas = 1;                  // requested at t = 0
  int priority = 100;                // scheduler priority of its replica requests
  bool autoscale = false;
  AutoscalePolicy policy;  // min/max replicas, target utilization, scale-down hysteresis
  double drain_s = 600;    // backlog is planned to drain within this time
  double cooldown_s = 1800;  // no scale-down within this time of the last scaling action
  // Demand the autoscaler plans for at a tick at t. reactive: the arrival rate measured since
  // the previous tick. predictive: the forecast peak over [t, t + tick_s + lead_s] (the replicas
  // planned now serve until the next tick; lead_s covers what else delays a replica, e.g. its
  // wait for accelerators), from the stream specs where the rate is a known function of time,
  // else from the recent slope (forecast.h), times (1 + headroom).
  bool predictive = false;
  double lead_s = 0;
  double headroom = 0;
};

struct ServingPlan {
  std::vector<StreamSpec> streams;
  std::vector<Deployment> deployments;
  ServingOptions options;  // seed is set by the engine from the scenario seed
  double tick_s = 300;     // > 0
  bool empty() const { return streams.empty(); }
};

// Parses the `serving:` mapping (calls m.Finish()). Checks that every stream's model has exactly
// one deployment and every deployment serves a model some stream uses.
absl::StatusOr<ServingPlan> ParseServingPlan(YamlMap& m, std::vector<StreamSpec> streams);

// Serving figures of one catalogue system type: peaks, HBM and bandwidth per accelerator from
// the fleet catalogue, and the calibration knob `mfu` fitted to MLPerf Llama-2-70B where the
// system (or its accelerator) has a result (see sim/serve/README.md). Systems without one take
// the mean mfu of their vendor's calibrated systems and are flagged `mfu_estimated`.
struct CatalogSystem {
  std::string system;  // catalogue name, e.g. "gb200_nvl72"
  std::string vendor;  // "NVIDIA", "AMD", ...
  double peak_flops_bf16 = 0, peak_flops_fp8 = 0, peak_flops_fp4 = 0;
  double mem_bytes = 0, mem_bw_bytes_per_s = 0;
};
SystemPerf ServingPerfFor(const CatalogSystem& c, bool* mfu_estimated);

}  // namespace fleetsim::serve

#endif  // FLEETSIM_SIM_SERVE_DEPLOYMENT_H_
