#include "sim/serve/router.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace fleetsim::serve {
namespace {

class RoundRobin : public Router {
 public:
  int Pick(const RouteRequest&, const std::vector<ReplicaLoad>&,
           const std::vector<int>& c) override {
    return c[next_++ % c.size()];
  }

 private:
  uint64_t next_ = 0;
};

// Minimizes key(load); the lowest id wins ties (deterministic).
template <typename Key>
int ArgMin(const std::vector<ReplicaLoad>& loads, const std::vector<int>& c, Key key) {
  int best = c[0];
  auto best_key = key(loads[best]);
  for (size_t i = 1; i < c.size(); ++i) {
    auto k = key(loads[c[i]]);
    if (k < best_key) {
      best_key = k;
      best = c[i];
    }
  }
  return best;
}

class ShortestQueue : public Router {
 public:
  int Pick(const RouteRequest&, const std::vector<ReplicaLoad>& l,
           const std::vector<int>& c) override {
    return ArgMin(l, c, [](const ReplicaLoad& r) { return r.queued + r.running; });
  }
};

class LeastTokens : public Router {
 public:
  int Pick(const RouteRequest&, const std::vector<ReplicaLoad>& l,
           const std::vector<int>& c) override {
    return ArgMin(l, c, [](const ReplicaLoad& r) { return r.outstanding_tokens; });
  }
};

class PowerAware : public Router {
 public:
  int Pick(const RouteRequest&, const std::vector<ReplicaLoad>& l,
           const std::vector<int>& c) override {
    return ArgMin(l, c, [](const ReplicaLoad& r) {
      return std::make_pair(-r.headroom_w, r.outstanding_tokens);
    });
  }
};

class SloAware : public Router {
 public:
  int Pick(const RouteRequest& q, const std::vector<ReplicaLoad>& l,
           const std::vector<int>& c) override {
    return ArgMin(l, c, [&](const ReplicaLoad& r) { return r.work_ahead_s + q.prefill_s; });
  }
};

class VendorSpread : public Router {
 public:
  explicit VendorSpread(double cap) : cap_(cap) {}
  int Pick(const RouteRequest&, const std::vector<ReplicaLoad>& l,
           const std::vector<int>& c) override {
    // Allowed: vendors whose share after this request stays within the cap. If no vendor
    // qualifies (e.g. one vendor only), fall back to the vendor with the lowest share.
    std::vector<int> allowed;
    for (int id : c) {
      if (static_cast<double>(count_[l[id].vendor] + 1) <=
          cap_ * static_cast<double>(total_ + 1) + 1e-9) {
        allowed.push_back(id);
      }
    }
    if (allowed.empty()) {
      int best_vendor = -1;
      int64_t best = INT64_MAX;
      for (int id : c) {
        if (count_[l[id].vendor] < best) {
          best = count_[l[id].vendor];
          best_vendor = l[id].vendor;
        }
      }
      for (int id : c) {
        if (l[id].vendor == best_vendor) allowed.push_back(id);
      }
    }
    int pick = ArgMin(l, allowed, [](const ReplicaLoad& r) { return r.queued + r.running; });
    ++count_[l[pick].vendor];
    ++total_;
    return pick;
  }

 private:
  double cap_;
  std::map<int, int64_t> count_;
  int64_t total_ = 0;
};

}  // namespace

std::unique_ptr<Router> MakeRouter(RoutingKind kind, double vendor_share_cap) {
  switch (kind) {
    case RoutingKind::kCentral:
      return nullptr;
    case RoutingKind::kRoundRobin:
      return std::make_unique<RoundRobin>();
    case RoutingKind::kJoinShortestQueue:
      return std::make_unique<ShortestQueue>();
    case RoutingKind::kLeastOutstandingTokens:
      return std::make_unique<LeastTokens>();
    case RoutingKind::kPowerAware:
      return std::make_unique<PowerAware>();
    case RoutingKind::kVendorSpread:
      return std::make_unique<VendorSpread>(vendor_share_cap);
    case RoutingKind::kSloAware:
      return std::make_unique<SloAware>();
  }
  return nullptr;
}

int DesiredReplicas(const AutoscalePolicy& p, int current, double demand_per_s,
                    double capacity_per_replica_per_s, double backlog, double drain_s) {
  if (capacity_per_replica_per_s <= 0) return std::clamp(current, p.min_replicas, p.max_replicas);
  const double need_rate = demand_per_s + (drain_s > 0 ? backlog / drain_s : 0);
  const int need = static_cast<int>(
      std::ceil(need_rate / (capacity_per_replica_per_s * p.target_utilization) - 1e-9));
  int want = need;
  if (need < current) {
    // Scale down only when the current count is clearly too many.
    const double slack = static_cast<double>(current) / std::max(1, need) - 1.0;
    if (slack <= p.scale_down_hysteresis) want = current;
  }
  return std::clamp(want, p.min_replicas, p.max_replicas);
}

ScalePlan PlanReplicas(const AutoscalePolicy& p, const std::vector<double>& capacities_per_s,
                       int pending, double new_replica_per_s, double demand_per_s,
                       double backlog, double drain_s) {
  ScalePlan plan;
  const double need =
      (demand_per_s + (drain_s > 0 ? backlog / drain_s : 0)) / p.target_utilization;
  double have = pending * new_replica_per_s;
  for (double c : capacities_per_s) have += c;
  int count = pending + static_cast<int>(capacities_per_s.size());
  if (have < need && new_replica_per_s > 0) {
    plan.add = static_cast<int>(std::ceil((need - have) / new_replica_per_s - 1e-9));
  }
  plan.add = std::max(plan.add, p.min_replicas - count);
  plan.add = std::max(0, std::min(plan.add, p.max_replicas - count));
  if (plan.add > 0 || count <= p.min_replicas) return plan;
  if (have > need * (1 + p.scale_down_hysteresis) || count > p.max_replicas) {
    for (size_t i = 0; i < capacities_per_s.size() && count > p.min_replicas; ++i) {
      if (have - capacities_per_s[i] < need && count <= p.max_replicas) continue;
      have -= capacities_per_s[i];
      --count;
      plan.drain.push_back(static_cast<int>(i));
    }
  }
  return plan;
}

}  // namespace fleetsim::serve
