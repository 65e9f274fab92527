// Output files of a run, one writer each (schemas in results/README.md).
#ifndef FLEETSIM_SIM_METRICS_REPORT_H_
#define FLEETSIM_SIM_METRICS_REPORT_H_

#include <string>
#include <vector>

#include "sim/metrics/accounting.h"
#include "sim/metrics/records.h"

namespace fleetsim::metrics {

// Linear interpolation between order statistics (Hyndman-Fan type 7, numpy's default) of
// `sorted` (ascending); NaN when empty. q in [0, 1].
double Percentile(const std::vector<double>& sorted, double q);

// Bounded slowdown with the given bound: max(1, (wait + run) / max(bound, run)).
double BoundedSlowdown(double wait_s, double run_s, double bound_s);

// `a` = Account(r, ...): the cost columns.
std::string JobsCsv(const RunResult& r, const Accounting& a);
std::string UtilizationCsv(const RunResult& r);
// Per site, at every instant its power changed: IT power, PUE, facility power, cap in force.
std::string PowerCsv(const RunResult& r);
// power_domains.csv: the same per cluster or fleet cap domain (written only when there are).
std::string PowerDomainsCsv(const RunResult& r);
// One row per inference replica request (placement, drain, tokens, idle and dynamic energy).
std::string ReplicasCsv(const RunResult& r, const Accounting& a);
// Per serving tick, cluster and model: replicas, accelerators, tokens/s, load, dynamic power.
std::string ServingSitesCsv(const RunResult& r);

struct RunInfo {
  std::string scenario;
  std::string policy;
  double horizon_s = 0;
  uint64_t seed = 0;
  CostPlan cost;                   // prices and capital rates (accounting.h)
  std::vector<StreamRef> streams;  // the scenario's streams in order (names, models)
};
std::string SummaryJson(const RunResult& r, const RunInfo& info, const Accounting& a);

}  // namespace fleetsim::metrics

#endif  // FLEETSIM_SIM_METRICS_REPORT_H_
