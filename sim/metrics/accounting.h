// Energy and cost accounting of a finished run: per training job, inference replica, stream,
// cluster, site, vendor and provider, and per calendar period and category (training,
// inference, idle), from the run's records alone (no engine, no SimGrid).
//
// Energy. Every figure is IT energy (what the hosts draw); facility energy = IT x the site's
// PUE. Attribution follows the one power model (power/model.h) per accelerator:
//   training job  k accelerators at pstate p: k x full_w[p] / accelerators_per_host, for each
//                 stretch at that pstate (JobRecord::segments, = jobs.csv energy_j)
//   replica       tp accelerators: tp x epsilon_w[0] / accelerators_per_host over the time it is
//                 placed (its idle share, charged to its deployment whatever its load) plus its
//                 dynamic energy (load x (full_w - epsilon_w), per serving tick)
//   idle          the rest of what the cluster's hosts draw (utilization.csv power_w): epsilon
//                 shares of unheld accelerators, idle and offline hosts.
// Training + inference + idle = the cluster's energy_j in summary.json (to rounding).
//
// Cost. Electricity: facility energy x the site's price in force (USD per MWh; a step function
// of time per site, CostPlan::electricity; a stretch of constant power is split exactly at
// every price step and period boundary). Capital: accelerator-hours x the cluster's rate (USD
// per accelerator-hour; per system from CostPlan::capex, else the default: all-in capital per
// facility GW x the accelerator's facility watts at full load (full_w[0] / accelerators per host
// x PUE) / the amortization period). Training jobs and replicas pay for the accelerator-hours
// they hold; online accelerators that nothing holds are idle capital. Offline (not yet built or
// retired) accelerators cost nothing.
// A serving tick's dynamic power is its mean over the tick (as in utilization.csv), so its
// electricity cost is split over price steps inside a tick at that mean.
//
// Streams share their model's inference cost and energy (replica pools are per model) in
// proportion to output tokens (service-time streams: completed requests).
#ifndef FLEETSIM_SIM_METRICS_ACCOUNTING_H_
#define FLEETSIM_SIM_METRICS_ACCOUNTING_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "sim/core/format.h"
#include "sim/metrics/records.h"
#include "sim/platform/fleet.h"

namespace fleetsim::metrics {

// One electricity price step: `site` pays `usd_per_mwh` (of facility energy) from `time_s` on.
struct PriceStep {
  std::string site;
  double time_s = 0;
  double usd_per_mwh = 0;
  std::string where;  // "file:line:col: cost.electricity[i]" for errors naming the entry
};

// Capital cost of one accelerator-hour of every cluster of `system`.
struct CapexRate {
  std::string system;
  double usd_per_accelerator_hour = 0;
  std::string where;
};

enum class PeriodKind { kRun, kSeconds, kMonth, kQuarter, kYear };

// The scenario's `cost:` section (workloads/README.md). Defaults: platforms/SOURCES.md "Cost".
struct CostPlan {
  // Price of every site before its first step in `electricity`. EIA Electric Power Monthly
  // Table 5.6.B: industrial customers, East North Central, Jan-Jul 2024: 8.10 cents/kWh.
  double default_usd_per_mwh = 81.0;
  std::vector<PriceStep> electricity;
  // All-in capital per GW of facility power: "about $50B per GW all-in", quoted industry
  // estimate (reference/HARDWARE.md, OpenAI-AMD deal row). EST: the amortization, 5 years.
  double capex_usd_per_gw = 50e9;
  double amortization_years = 5;
  std::vector<CapexRate> capex;  // per-system rates overriding the default
  PeriodKind period = PeriodKind::kRun;
  double period_s = 0;     // kSeconds only
  std::string start_date;  // ISO date of t = 0; needed by calendar periods (labels, bounds)
};

// Every site and system the plan names exists in `fleet`; else InvalidArgument naming the
// entry (file:line:col and field).
absl::Status CheckCostPlan(const CostPlan& plan, const platform::Fleet& fleet);

// Energy, accelerator time and cost of one thing or bin.
struct Tally {
  double it_energy_j = 0;
  double facility_energy_j = 0;
  double accelerator_s = 0;
  double electricity_usd = 0;
  double capex_usd = 0;
  double cost_usd() const { return electricity_usd + capex_usd; }
  void operator+=(const Tally& o);
  void operator-=(const Tally& o);
};

enum Category { kTraining = 0, kInference = 1, kIdle = 2, kNumCategories = 3 };
const char* CategoryName(int category);

struct Period {
  double start_s = 0, end_s = 0;
  std::string label;  // "2027-Q3", "2027-05", "2027", "run" or "p<index>"
};

// A stream, the model whose replica pool serves it, and what it produced.
struct StreamRef {
  std::string name;
  std::string model;
  bool token_model = true;  // false: a service-time stream (no tokens; weighed by completions)
  double output_tokens = 0;
  double completed = 0;
};

struct StreamCost {
  std::string stream, model;
  double output_tokens = 0;       // token streams; 0 for service-time streams
  double completed = 0;
  double share = 0;               // of its model's inference tally
  Tally tally;
};

struct Accounting {
  CostPlan plan;
  std::vector<double> capex_rate_usd_per_hour;  // per cluster
  std::vector<Tally> jobs;                      // per JobRecord
  std::vector<double> replica_idle_energy_j;    // per ReplicaRecord
  std::vector<Period> periods;
  // bins[(period * clusters + cluster) * kNumCategories + category]
  std::vector<Tally> bins;
  // stranded[period * sites + site]: facility J of cap minus measured facility power, while
  // capped and under the cap (the same integral as summary.json sites[].stranded_energy_j).
  std::vector<double> stranded_j;
  std::vector<StreamCost> streams;
  const Tally& Bin(int period, int cluster, int category) const;
};

// `r` must be a finished run (records closed at r.end_time_s). `plan` checked by CheckCostPlan.
// `streams`: every stream of the run with its results (serve::ServingSim::Stats).
Accounting Account(const RunResult& r, const CostPlan& plan, const std::vector<StreamRef>& streams);

// accounting.csv: one row per period, site and category (training, inference, idle, stranded).
std::string AccountingCsv(const RunResult& r, const Accounting& a);
// Appends key "accounting": {...} inside an open object (summary.json).
void WriteAccountingJson(JsonWriter& j, const RunResult& r, const Accounting& a);

}  // namespace fleetsim::metrics

#endif  // FLEETSIM_SIM_METRICS_ACCOUNTING_H_
