#include "sim/metrics/report.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "absl/strings/str_cat.h"
#include "sim/core/format.h"

namespace fleetsim::metrics {

double Percentile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return std::numeric_limits<double>::quiet_NaN();
  double pos = q * (sorted.size() - 1);
  size_t lo = static_cast<size_t>(std::floor(pos));
  size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

double BoundedSlowdown(double wait_s, double run_s, double bound_s) {
  return std::max(1.0, (wait_s + run_s) / std::max(bound_s, run_s));
}

namespace {
const platform::Cluster& ClusterOf(const RunResult& r, int c) { return r.fleet.clusters[c]; }

// Per site or cap domain, from its power series (a step function: each row holds until the
// next row of the same site or domain, or the end): time and energy above the cap in force
// (measured facility power), the same for committed power, stranded energy (cap minus measured
// draw), the cap in force over time, and the enforcement counters.
struct CapStats {
  double over_j = 0, over_s = 0, max_over_w = 0, committed_over_s = 0, stranded_j = 0;
  double capped_s = 0, cap_w_s = 0, min_cap_w = 0;
  int64_t episodes = 0, shed = 0, dvfs = 0, throttles = 0;
  bool was_over = false;
};

std::vector<CapStats> CapStatsOf(const std::vector<SiteSample>& rows, size_t n, double end_s) {
  std::vector<CapStats> stats(n);
  std::vector<const SiteSample*> prev(n, nullptr);
  auto close = [&](const SiteSample& x, double until_s) {
    auto& st = stats[x.site];
    const double dt = until_s - x.time_s;
    st.shed = x.shed_jobs, st.dvfs = x.dvfs_changes, st.throttles = x.throttle_changes;
    if (x.power_cap_w <= 0) {
      st.was_over = false;
      return;
    }
    if (dt > 0) {
      st.capped_s += dt;
      st.cap_w_s += x.power_cap_w * dt;
    }
    if (st.min_cap_w == 0 || x.power_cap_w < st.min_cap_w) st.min_cap_w = x.power_cap_w;
    const double over_w = x.facility_power_w - x.power_cap_w;
    if (over_w > 0) {
      if (dt > 0) {
        st.over_j += over_w * dt;
        st.over_s += dt;
        if (!st.was_over) ++st.episodes;
        st.was_over = true;
      }
      st.max_over_w = std::max(st.max_over_w, over_w);
    } else if (dt > 0) {
      st.was_over = false;
      st.stranded_j += -over_w * dt;
    }
    if (x.committed_power_w > x.power_cap_w && dt > 0) st.committed_over_s += dt;
  };
  for (const auto& x : rows) {
    if (prev[x.site]) close(*prev[x.site], x.time_s);
    prev[x.site] = &x;
  }
  for (const auto* x : prev) {
    if (x) close(*x, end_s);
  }
  return stats;
}

void WriteCapStats(const CapStats& st, JsonWriter& j) {
  // The cap in force (platform or power.caps steps): lowest, and mean over the capped time.
  j.Key("min_power_cap_w").Value(st.min_cap_w);
  j.Key("mean_power_cap_w").Value(st.capped_s > 0 ? st.cap_w_s / st.capped_s : 0.0);
  j.Key("capped_s").Value(st.capped_s);
  j.Key("over_cap_energy_j").Value(st.over_j);
  j.Key("over_cap_s").Value(st.over_s);
  j.Key("max_over_cap_w").Value(st.max_over_w);
  j.Key("over_cap_episodes").Value(st.episodes);
  j.Key("committed_over_cap_s").Value(st.committed_over_s);
  j.Key("stranded_energy_j").Value(st.stranded_j);
  j.Key("shed_jobs").Value(st.shed);
  j.Key("dvfs_changes").Value(st.dvfs);
  j.Key("throttle_changes").Value(st.throttles);
}

}  // namespace

std::string JobsCsv(const RunResult& r, const Accounting& a) {
  CsvWriter w({"job_id", "submit_s", "start_s", "end_s", "wait_s", "run_s", "estimate_s",
               "accelerators", "hosts", "site", "cluster", "system", "vendor", "status",
               "energy_j", "facility_energy_j", "accelerator_s", "electricity_cost_usd",
               "capex_cost_usd", "cost_usd", "preemptions", "lost_work_s", "span_clusters",
               "step_exchange_s", "exchange_slowdown"});
  w.ExpectRows(r.jobs.size());
  for (size_t i = 0; i < r.jobs.size(); ++i) {
    const auto& j = r.jobs[i];
    const Tally& t = a.jobs[i];
    w.Add(j.id).Add(j.submit_s);
    if (j.start_s >= 0) {
      w.Add(j.start_s);
    } else {
      w.Add("");
    }
    if (j.end_s >= 0) {
      w.Add(j.end_s);
    } else {
      w.Add("");
    }
    if (j.start_s >= 0) {
      w.Add(j.start_s - j.submit_s);
    } else {
      w.Add("");
    }
    w.Add(j.run_s).Add(j.estimate_s).Add(j.accelerators).Add(j.hosts);
    if (j.cluster >= 0) {
      const auto& c = ClusterOf(r, j.cluster);
      w.Add(c.site).Add(c.name).Add(c.system).Add(c.vendor);
    } else {
      w.Add("").Add("").Add("").Add("");
    }
    w.Add(JobStatusName(j.status)).Add(j.energy_j).Add(t.facility_energy_j).Add(t.accelerator_s);
    w.Add(t.electricity_usd).Add(t.capex_usd).Add(t.cost_usd());
    w.Add(j.preemptions).Add(j.lost_work_s);
    w.Add(j.span_clusters).Add(j.step_exchange_s).Add(j.exchange_slowdown);
    w.EndRow();
  }
  return w.Release();
}

namespace {

// power.csv and power_domains.csv share their columns from the cap on: cap and headroom (empty
// when uncapped), running and slowed jobs, the pstate mix (one column per pstate index of the
// fleet's deepest pstate table), the serving power share and the enforcement counts.
size_t PstateColumns(const RunResult& r) {
  size_t pstates = 1;
  for (const auto& c : r.fleet.clusters) pstates = std::max(pstates, c.pstates.size());
  return pstates;
}

void AddCapColumnNames(size_t pstates, std::vector<std::string>* cols) {
  for (const char* c : {"power_cap_w", "headroom_w", "jobs_running", "jobs_slowed"}) {
    cols->push_back(c);
  }
  for (size_t p = 0; p < pstates; ++p) cols->push_back(absl::StrCat("job_accelerators_pstate", p));
  for (const char* c : {"serving_power_share", "shed_jobs_total", "dvfs_changes_total",
                        "throttle_changes_total"}) {
    cols->push_back(c);
  }
}

// The shared columns of one row; ends the row.
void AddCapColumns(const SiteSample& s, size_t pstates, CsvWriter* w) {
  if (s.power_cap_w > 0) {
    w->Add(s.power_cap_w).Add(s.power_cap_w - s.committed_power_w);
  } else {
    w->Add("").Add("");
  }
  w->Add(s.jobs_running).Add(s.jobs_slowed);
  for (size_t p = 0; p < pstates; ++p) {
    w->Add(p < s.accelerators_by_pstate.size() ? s.accelerators_by_pstate[p] : int64_t{0});
  }
  w->Add(s.serving_share).Add(s.shed_jobs).Add(s.dvfs_changes).Add(s.throttle_changes);
  w->EndRow();
}

}  // namespace

std::string PowerCsv(const RunResult& r) {
  std::vector<std::string> cols = {"time_s",           "site",          "provider", "it_power_w",
                                   "pue",              "facility_power_w", "committed_power_w"};
  const size_t pstates = PstateColumns(r);
  AddCapColumnNames(pstates, &cols);
  CsvWriter w(cols);
  w.ExpectRows(r.site_samples.size());
  for (const auto& s : r.site_samples) {
    const auto& site = r.fleet.sites[s.site];
    w.Add(s.time_s).Add(site.name).Add(site.provider).Add(s.it_power_w).Add(site.pue)
        .Add(s.facility_power_w).Add(s.committed_power_w);
    AddCapColumns(s, pstates, &w);
  }
  return w.Release();
}

std::string PowerDomainsCsv(const RunResult& r) {
  std::vector<std::string> cols = {"time_s",           "domain",           "scope", "it_power_w",
                                   "facility_power_w", "committed_power_w"};
  const size_t pstates = PstateColumns(r);
  AddCapColumnNames(pstates, &cols);
  CsvWriter w(cols);
  w.ExpectRows(r.domain_samples.size());
  for (const auto& s : r.domain_samples) {
    const auto& d = r.power_domains[s.site];
    w.Add(s.time_s).Add(d.name).Add(d.scope).Add(s.it_power_w).Add(s.facility_power_w)
        .Add(s.committed_power_w);
    AddCapColumns(s, pstates, &w);
  }
  return w.Release();
}

std::string UtilizationCsv(const RunResult& r) {
  CsvWriter w({"time_s", "site", "cluster", "vendor", "busy_accelerators", "online_accelerators",
               "serving_accelerators", "utilization", "power_w"});
  w.ExpectRows(r.samples.size());
  for (const auto& s : r.samples) {
    const auto& c = ClusterOf(r, s.cluster);
    double u = s.online_accelerators > 0
                   ? static_cast<double>(s.busy_accelerators) / s.online_accelerators
                   : 0.0;
    w.Add(s.time_s).Add(c.site).Add(c.name).Add(c.vendor).Add(s.busy_accelerators)
        .Add(s.online_accelerators).Add(s.serving_accelerators).Add(u).Add(s.power_w);
    w.EndRow();
  }
  return w.Release();
}

std::string ReplicasCsv(const RunResult& r, const Accounting& a) {
  CsvWriter w({"replica", "model", "tp", "reason", "request_s", "start_s", "wait_s", "drain_s",
               "end_s", "site", "cluster", "system", "vendor", "hosts", "output_tokens", "load_s",
               "dynamic_energy_j", "idle_energy_j", "energy_j"});
  for (size_t i = 0; i < r.replicas.size(); ++i) {
    const auto& x = r.replicas[i];
    w.Add(static_cast<int64_t>(x.index)).Add(x.model).Add(static_cast<int64_t>(x.tp)).Add(x.reason);
    w.Add(x.request_s).Add(x.start_s).Add(x.start_s >= 0 ? x.start_s - x.request_s : -1.0);
    w.Add(x.drain_s).Add(x.end_s);
    if (x.cluster >= 0) {
      const auto& c = ClusterOf(r, x.cluster);
      w.Add(c.site).Add(c.name).Add(c.system).Add(c.vendor);
    } else {
      w.Add("").Add("").Add("").Add("");
    }
    w.Add(static_cast<int64_t>(x.hosts));
    w.Add(x.output_tokens).Add(x.load_s).Add(x.energy_j).Add(a.replica_idle_energy_j[i]);
    w.Add(x.energy_j + a.replica_idle_energy_j[i]);
    w.EndRow();
  }
  return w.Release();
}

std::string ServingSitesCsv(const RunResult& r) {
  CsvWriter w({"time_s", "interval_s", "site", "provider", "vendor", "cluster", "system", "model",
               "replicas", "accelerators", "output_tokens_per_s", "load_fraction",
               "dynamic_power_w"});
  for (const auto& x : r.serving_sites) {
    const auto& c = ClusterOf(r, x.cluster);
    const double dt = x.interval_s;
    w.Add(x.time_s).Add(dt).Add(c.site).Add(c.provider).Add(c.vendor).Add(c.name).Add(c.system);
    w.Add(x.model).Add(static_cast<int64_t>(x.replicas)).Add(x.accelerators);
    w.Add(dt > 0 ? x.output_tokens / dt : 0.0);
    w.Add(dt > 0 && x.replicas > 0 ? x.load_s / (dt * x.replicas) : 0.0);
    w.Add(dt > 0 ? x.dynamic_energy_j / dt : 0.0);
    w.EndRow();
  }
  return w.Release();
}

std::string SummaryJson(const RunResult& r, const RunInfo& info, const Accounting& a) {
  std::vector<double> waits, bsld, flow;
  int64_t completed = 0, running = 0, queued = 0;
  for (const auto& j : r.jobs) {
    if (j.status == JobStatus::kCompleted) ++completed;
    if (j.status == JobStatus::kRunning) ++running;
    if (j.status == JobStatus::kQueued) ++queued;
    if (j.start_s >= 0) waits.push_back(j.start_s - j.submit_s);
    if (j.status == JobStatus::kCompleted) {
      double run = j.end_s - j.start_s;
      bsld.push_back(BoundedSlowdown(j.start_s - j.submit_s, run, 10.0));
      flow.push_back(j.end_s - j.submit_s);
    }
  }
  auto mean = [](const std::vector<double>& v) {
    if (v.empty()) return std::numeric_limits<double>::quiet_NaN();
    double s = 0;
    for (double x : v) s += x;
    return s / v.size();
  };
  std::vector<double> sorted_waits = waits;
  std::sort(sorted_waits.begin(), sorted_waits.end());

  // Time-weighted utilization per cluster from the step function of samples.
  const size_t nc = r.fleet.clusters.size();
  std::vector<double> busy_area(nc, 0), online_area(nc, 0), energy_acc(nc, 0);
  std::vector<double> last_t(nc, 0), last_busy(nc, 0), last_online(nc, 0), last_p(nc, 0);
  std::vector<bool> seen(nc, false);
  for (const auto& s : r.samples) {
    size_t c = s.cluster;
    if (seen[c]) {
      double dt = s.time_s - last_t[c];
      busy_area[c] += last_busy[c] * dt;
      online_area[c] += last_online[c] * dt;
      energy_acc[c] += last_p[c] * dt;
    }
    seen[c] = true;
    last_t[c] = s.time_s;
    last_busy[c] = s.busy_accelerators;
    last_online[c] = s.online_accelerators;
    last_p[c] = s.power_w;
  }

  JsonWriter j;
  j.BeginObject();
  j.Key("scenario").Value(info.scenario);
  j.Key("policy").Value(info.policy);
  j.Key("seed").Value(static_cast<int64_t>(info.seed));
  j.Key("horizon_s").Value(info.horizon_s);
  j.Key("end_time_s").Value(r.end_time_s);
  // "interrupted": stopped by SIGINT/SIGTERM at end_time_s; every figure covers [0, end_time_s].
  j.Key("outcome").Value(r.interrupted ? "interrupted" : "complete");
  j.Key("jobs").BeginObject();
  j.Key("total").Value(static_cast<int64_t>(r.jobs.size()));
  j.Key("completed").Value(completed);
  j.Key("running_at_end").Value(running);
  j.Key("queued_at_end").Value(queued);
  j.Key("wait_mean_s").Value(mean(waits));
  j.Key("wait_p50_s").Value(Percentile(sorted_waits, 0.50));
  j.Key("wait_p95_s").Value(Percentile(sorted_waits, 0.95));
  j.Key("wait_p99_s").Value(Percentile(sorted_waits, 0.99));
  j.Key("wait_max_s").Value(sorted_waits.empty() ? 0.0 : sorted_waits.back());
  j.Key("flow_time_mean_s").Value(mean(flow));
  j.Key("bounded_slowdown_mean").Value(mean(bsld));
  j.Key("bounded_slowdown_bound_s").Value(10.0);
  // Work-defined jobs that completed: tokens trained and their energy per token.
  double tokens = 0, token_energy_j = 0;
  for (const auto& job : r.jobs) {
    if (job.status == JobStatus::kCompleted && job.tokens > 0) {
      tokens += job.tokens;
      token_energy_j += job.energy_j;
    }
  }
  j.Key("trained_tokens").Value(tokens);
  j.Key("energy_per_trained_token_j").Value(tokens > 0 ? token_energy_j / tokens : 0.0);
  j.EndObject();

  double tot_busy = 0, tot_online = 0;
  j.Key("clusters").BeginArray();
  for (size_t c = 0; c < nc; ++c) {
    const auto& cl = r.fleet.clusters[c];
    tot_busy += busy_area[c];
    tot_online += online_area[c];
    j.BeginObject();
    j.Key("cluster").Value(cl.name);
    j.Key("site").Value(cl.site);
    j.Key("vendor").Value(cl.vendor);
    j.Key("system").Value(cl.system);
    j.Key("accelerators").Value(cl.num_accelerators());
    j.Key("utilization").Value(online_area[c] > 0 ? busy_area[c] / online_area[c] : 0.0);
    j.Key("busy_accelerator_s").Value(busy_area[c]);
    j.Key("energy_j").Value(c < r.cluster_energy_j.size() ? r.cluster_energy_j[c] : 0.0);
    j.Key("energy_accounted_j").Value(energy_acc[c]);
    j.EndObject();
  }
  j.EndArray();
  j.Key("utilization").Value(tot_online > 0 ? tot_busy / tot_online : 0.0);

  std::map<std::string, double> site_energy;
  for (size_t c = 0; c < nc; ++c) {
    site_energy[r.fleet.clusters[c].site] += c < r.cluster_energy_j.size() ? r.cluster_energy_j[c] : 0;
  }
  // Per site (and cap domain), from the power series.
  const std::vector<CapStats> site_stats =
      CapStatsOf(r.site_samples, r.fleet.sites.size(), r.end_time_s);
  j.Key("sites").BeginArray();
  for (const auto& s : r.fleet.sites) {
    j.BeginObject();
    j.Key("site").Value(s.name);
    j.Key("provider").Value(s.provider);
    j.Key("it_energy_j").Value(site_energy[s.name]);
    j.Key("facility_energy_j").Value(site_energy[s.name] * s.pue);
    j.Key("platform_power_cap_w").Value(s.power_cap_w);
    WriteCapStats(site_stats[&s - r.fleet.sites.data()], j);
    j.EndObject();
  }
  j.EndArray();
  if (!r.power_domains.empty()) {
    // Cluster and fleet cap domains (power/cap_policy.h), with the sites' figures.
    const std::vector<CapStats> dom_stats =
        CapStatsOf(r.domain_samples, r.power_domains.size(), r.end_time_s);
    j.Key("power_domains").BeginArray();
    for (size_t d = 0; d < r.power_domains.size(); ++d) {
      j.BeginObject();
      j.Key("domain").Value(r.power_domains[d].name);
      j.Key("scope").Value(r.power_domains[d].scope);
      WriteCapStats(dom_stats[d], j);
      j.EndObject();
    }
    j.EndArray();
  }
  if (r.serving) {
    r.serving->WriteSummary(j);
    std::vector<double> replica_waits;
    int64_t placed = 0, drained = 0;
    double acc_s = 0;
    for (const auto& rep : r.replicas) {
      if (rep.start_s < 0) continue;
      ++placed;
      replica_waits.push_back(rep.start_s - rep.request_s);
      if (rep.end_s >= 0) ++drained;
      acc_s += rep.tp * ((rep.end_s >= 0 ? rep.end_s : r.end_time_s) - rep.start_s);
    }
    std::sort(replica_waits.begin(), replica_waits.end());
    double serving_energy = 0;
    for (double e : r.cluster_serving_energy_j) serving_energy += e;
    j.Key("replicas").BeginObject();
    j.Key("requested").Value(static_cast<int64_t>(r.replicas.size()));
    j.Key("placed").Value(placed);
    j.Key("drained").Value(drained);
    j.Key("wait_mean_s").Value(mean(replica_waits));
    j.Key("wait_max_s").Value(replica_waits.empty() ? 0.0 : replica_waits.back());
    j.Key("accelerator_s").Value(acc_s);
    j.Key("dynamic_energy_j").Value(serving_energy);
    // Per deployment: replica-hours held (placed until gone or the end of the run).
    j.Key("deployments").BeginArray();
    for (const auto& dep : r.deployments) {
      double replica_s = 0;
      for (const auto& rep : r.replicas) {
        if (rep.start_s < 0 || rep.model != dep.model) continue;
        replica_s += (rep.end_s >= 0 ? rep.end_s : r.end_time_s) - rep.start_s;
      }
      j.BeginObject();
      j.Key("model").Value(dep.model);
      j.Key("autoscale").Value(dep.autoscale);
      j.Key("replica_h").Value(replica_s / 3600.0);
      j.EndObject();
    }
    j.EndArray();
    j.EndObject();
  }
  WriteAccountingJson(j, r, a);
  j.Key("engine").BeginObject();
  j.Key("scheduler_events").Value(r.events);
  j.Key("instants").Value(r.batches);
  j.EndObject();
  j.EndObject();
  return j.str();
}

}  // namespace fleetsim::metrics
