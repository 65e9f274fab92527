// Routing policies (early binding: a request is assigned to a replica's queue on arrival) and an
// autoscaling hook. Plain C++, no simulator state: tests drive them with hand-made views.
#ifndef FLEETSIM_SIM_SERVE_ROUTER_H_
#define FLEETSIM_SIM_SERVE_ROUTER_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "sim/serve/stream_spec.h"

namespace fleetsim::serve {

// What a router may know about one replica. The simulator keeps these up to date.
struct ReplicaLoad {
  int id = 0;
  int vendor = 0;                  // small integer per vendor name (see ServingSim::VendorIndex)
  int32_t queued = 0;              // requests waiting in the replica's own queue
  int32_t running = 0;             // requests in prefill or decode
  int64_t outstanding_tokens = 0;  // prompt + output tokens of queued and running requests
  double work_ahead_s = 0;         // estimated prefill/service seconds queued ahead
  double headroom_w = 0;           // power headroom supplied by the caller (power_aware)
  bool accepting = true;           // false while draining
};

struct RouteRequest {
  int32_t prompt_tokens = 0;
  int32_t output_tokens = 0;
  double prefill_s = 0;  // estimated own prefill (or service) time
};

class Router {
 public:
  virtual ~Router() = default;
  // Picks an index into `candidates` (ids into `loads`, all accepting, non-empty).
  virtual int Pick(const RouteRequest& req, const std::vector<ReplicaLoad>& loads,
                   const std::vector<int>& candidates) = 0;
};

// kCentral has no router (returns nullptr): the pool's shared queue is used instead.
std::unique_ptr<Router> MakeRouter(RoutingKind kind, double vendor_share_cap);

// Autoscaling hook: desired replica count from recent demand.
struct AutoscalePolicy {
  double target_utilization = 0.7;  // desired load / capacity
  int min_replicas = 0;
  int max_replicas = 1 << 30;
  double scale_down_hysteresis = 0.15;  // keep `current` unless it exceeds the need by this share
};
// demand_per_s: recent arrival rate; capacity_per_replica_per_s: saturated requests/s of one
// replica; backlog: requests waiting now (drained over `drain_s`).
int DesiredReplicas(const AutoscalePolicy& p, int current, double demand_per_s,
                    double capacity_per_replica_per_s, double backlog, double drain_s);

// Capacity-based autoscaling for replicas of unequal speed (one deployment may span systems).
// Needed capacity = (demand_per_s + backlog / drain_s) / target_utilization, in saturated
// requests/s. `capacities_per_s`: each serving replica's saturated requests/s, in the order to
// drain them; `pending`: requested replicas not yet placed, each counted at new_replica_per_s
// (the capacity assumed for any replica still to be placed). Below the need: add enough new
// replicas to cover it. Above the need by more than scale_down_hysteresis: drain replicas in the
// given order while the rest still covers the need. Counts stay within [min, max] replicas.
// With equal capacities this is DesiredReplicas up to the rounding of the hysteresis test.
struct ScalePlan {
  int add = 0;
  std::vector<int> drain;  // indices into capacities_per_s
};
ScalePlan PlanReplicas(const AutoscalePolicy& p, const std::vector<double>& capacities_per_s,
                       int pending, double new_replica_per_s, double demand_per_s,
                       double backlog, double drain_s);

}  // namespace fleetsim::serve

#endif  // FLEETSIM_SIM_SERVE_ROUTER_H_
