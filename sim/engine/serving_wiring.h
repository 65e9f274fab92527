// Inference on the fleet: the engine's side of serving. Plain C++, no SimGrid.
//
// Each deployment's replicas are scheduler requests of kind kReplica for `tp` accelerators. A
// placed replica joins the serve::ServingSim pool, which the controller advances to every instant
// it processes. Every serving tick (tick_s) ServingWiring takes each replica's usage: its dynamic
// energy load_s x tp x slope (power/model.h, the same formula as jobs) is charged to its host as
// a lump, and its mean dynamic power over the tick is shown in the power series until the next
// tick; drained replicas are released; autoscaled deployments ask for replicas or drain some
// (serve::PlanReplicas) for the demand measured since the last tick (reactive) or forecast to
// the next one (predictive, serve/forecast.h).
#ifndef FLEETSIM_SIM_ENGINE_SERVING_WIRING_H_
#define FLEETSIM_SIM_ENGINE_SERVING_WIRING_H_

#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "sim/metrics/records.h"
#include "sim/placement/occupancy.h"
#include "sim/platform/fleet.h"
#include "sim/power/accountant.h"
#include "sim/serve/deployment.h"
#include "sim/serve/serving_sim.h"

namespace fleetsim::engine {

class ServingWiring {
 public:
  // Null when `plan` is null or empty. Errors name the deployment and `platform_path`.
  static absl::StatusOr<std::unique_ptr<ServingWiring>> Create(const serve::ServingPlan* plan,
                                                               uint64_t seed,
                                                               const platform::Fleet& fleet,
                                                               const std::string& platform_path);

  // A replica the wiring wants placed: index into replicas(); the controller submits it.
  struct Want {
    size_t replica = 0;
    int deployment = 0;
  };
  // Replica requests made since the last call (the initial ones first).
  std::vector<Want> TakeWants();
  const std::vector<int>& eligible(int deployment) const { return dep_clusters_[deployment]; }
  const serve::Deployment& deployment(int d) const { return plan_.deployments[d]; }
  int num_deployments() const { return static_cast<int>(plan_.deployments.size()); }

  void AdvanceTo(double now_s) { serving_->AdvanceTo(now_s); }
  double next_tick_s() const { return next_tick_s_; }
  // The scheduler placed replica `r` on `p` (accelerators of `cluster`).
  void OnPlaced(size_t r, int cluster, const placement::Placement& p, double now_s);
  // Serving tick at `now_s`: usage -> energy and shown power, drained replicas -> `released`
  // (their accelerators are still held: the caller releases them), autoscaling -> TakeWants().
  // `interval_energy_j` (per cluster, added to) receives the replicas' dynamic energy over the
  // tick just ended; the shown power is set to its mean, as the estimate for the next tick.
  void Tick(double now_s, const placement::Occupancy& occ, power::PowerAccountant& power,
            const std::vector<double>& site_cap_w, std::vector<size_t>* released,
            std::vector<double>* interval_energy_j);
  double last_tick_s() const { return last_tick_s_; }
  // Throttle: deployment `d`'s replicas on cluster `c` get the board power limit that leaves
  // `share` of their full-load dynamic power (serve::ServingSim::SetPowerShare; 1 = no limit).
  // Compute-bound phases slow with the clock that limit allows; memory-bound decode hardly
  // slows. Shares are per (deployment, cluster): a cap at one site leaves the deployment's
  // replicas elsewhere at their own share.
  void Throttle(int d, int c, double share);
  double throttle(int d, int c) const { return throttle_[d][c]; }
  const placement::Placement& placement_of(size_t r) const { return rt_[r].placement; }
  int cluster_of(size_t r) const { return records_[r].cluster; }

  // Outputs.
  std::vector<metrics::ReplicaRecord>& records() { return records_; }
  std::vector<metrics::ServingSiteSample>& site_samples() { return site_samples_; }
  std::vector<metrics::DeploymentRecord>& deployment_records() { return dep_records_; }
  const std::vector<double>& dynamic_energy_j() const { return dynamic_energy_j_; }
  std::shared_ptr<serve::ServingSim> TakeServing() { return std::move(serving_); }
  double request_sample_rate() const { return plan_.options.request_sample_rate; }

 private:
  ServingWiring(const serve::ServingPlan& plan, const platform::Fleet& fleet)
      : plan_(plan), fleet_(fleet) {}
  void Request(int deployment, double now_s, const char* reason);
  double ReplicaCapacity(size_t deployment, int cluster);  // saturated requests/s of one replica
  double SlopeW(int cluster) const;                        // per accelerator, pstate 0
  // Demand (requests/s) deployment `d` plans for at a tick at `now_s` (serve::Deployment:
  // reactive or predictive), given the rate measured since the previous tick.
  double PlannedDemand(size_t d, double now_s, double measured_per_s);

  struct Runtime {
    int deployment = 0;
    placement::Placement placement;
    double shown_w = 0;  // mean dynamic power shown in the series
    bool draining = false;
    bool ended = false;
  };
  struct Autoscale {
    int pending = 0;  // requested, not yet placed
    double last_change_s = 0;
    std::vector<double> capacity_per_s;  // per cluster, -1 = not computed yet
    std::vector<const serve::StreamSpec*> streams;  // the streams of its model
    // Predictive, slope part: rate of the streams without a known rate over the last interval
    // (< 0: not measured yet).
    double unknown_rate_prev_per_s = -1;
  };

  const serve::ServingPlan& plan_;
  const platform::Fleet& fleet_;
  std::shared_ptr<serve::ServingSim> serving_;
  std::vector<serve::SystemPerf> cluster_perf_;
  std::vector<int> cluster_site_;
  std::vector<std::vector<int>> dep_clusters_;
  std::vector<Autoscale> autoscale_;
  std::vector<std::vector<double>> throttle_;  // [deployment][cluster]
  std::vector<metrics::ReplicaRecord> records_;
  std::vector<Runtime> rt_;
  std::vector<Want> wants_;
  std::vector<size_t> live_;  // placed replicas not yet gone
  // records_ index by ServingSim replica id (ids count up from 0: a vector, one load per lookup
  // in Tick instead of a hash probe's two).
  std::vector<size_t> serve_id_index_;
  std::vector<metrics::ServingSiteSample> site_samples_;
  std::vector<metrics::DeploymentRecord> dep_records_;
  std::vector<double> dynamic_energy_j_;  // per cluster
  double next_tick_s_ = std::numeric_limits<double>::infinity(), last_tick_s_ = 0;
  int64_t tick_index_ = 0;
};

}  // namespace fleetsim::engine

#endif  // FLEETSIM_SIM_ENGINE_SERVING_WIRING_H_
