#include "sim/engine/serving_wiring.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "sim/power/model.h"
#include "sim/sched/cluster_choice.h"
#include "sim/serve/forecast.h"
#include "sim/workload/job.h"

namespace fleetsim::engine {

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr size_t kNoRecord = ~size_t{0};  // serve_id_index_ entry of an id not placed here
}  // namespace

absl::StatusOr<std::unique_ptr<ServingWiring>> ServingWiring::Create(
    const serve::ServingPlan* plan, uint64_t seed, const platform::Fleet& fleet,
    const std::string& platform_path) {
  if (plan == nullptr || plan->empty()) return std::unique_ptr<ServingWiring>();
  std::unique_ptr<ServingWiring> w(new ServingWiring(*plan, fleet));
  const int nc = static_cast<int>(fleet.clusters.size());
  w->cluster_perf_.resize(nc);
  w->cluster_site_.resize(nc);
  w->dynamic_energy_j_.assign(nc, 0);
  for (int c = 0; c < nc; ++c) {
    const auto& cl = fleet.clusters[c];
    w->cluster_site_[c] = fleet.FindSite(cl.site);
    serve::CatalogSystem cs{cl.system,         cl.vendor,         cl.peak_flops_bf16,
                            cl.peak_flops_fp8, cl.peak_flops_fp4, cl.mem_bytes,
                            cl.mem_bw_bytes_per_s};
    w->cluster_perf_[c] = serve::ServingPerfFor(cs, nullptr);
  }
  serve::ServingOptions opt = plan->options;
  opt.seed = seed;
  auto sim = serve::ServingSim::Create(plan->streams, opt);
  if (!sim.ok()) return sim.status();
  w->serving_ = std::move(*sim);
  for (size_t d = 0; d < plan->deployments.size(); ++d) {
    const auto& dep = plan->deployments[d];
    const serve::ServedModel* model = nullptr;
    for (const auto& st : plan->streams) {
      if (st.model.name == dep.model) model = &st.model;
    }
    std::vector<int> eligible;
    for (int c = 0; c < nc; ++c) {
      const auto& cl = fleet.clusters[c];
      if (!workload::Allows(dep.systems, cl.system) || cl.num_accelerators() < dep.tp) continue;
      if (!serve::ReplicaPerf(w->cluster_perf_[c], dep.tp, *model).fits()) continue;
      eligible.push_back(c);
    }
    if (eligible.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "serving.deployments[", d, "] (model ", dep.model, ", tp ", dep.tp, "): no cluster of ",
          platform_path,
          dep.systems.empty() ? "" : absl::StrCat(" of system ", absl::StrJoin(dep.systems, "|")),
          " has ", dep.tp, " accelerators whose memory holds the model's weights"));
    }
    w->dep_clusters_.push_back(std::move(eligible));
    w->autoscale_.emplace_back();
    for (const auto& st : plan->streams) {
      if (st.model.name == dep.model) w->autoscale_.back().streams.push_back(&st);
    }
    w->dep_records_.push_back(metrics::DeploymentRecord{dep.model, !dep.autoscale   ? "none"
                                                                   : dep.predictive ? "predictive"
                                                                                    : "reactive"});
    w->throttle_.emplace_back(fleet.clusters.size(), 1.0);
    for (int i = 0; i < dep.replicas; ++i) w->Request(static_cast<int>(d), 0, "initial");
  }
  w->next_tick_s_ = plan->tick_s;
  return w;
}

std::vector<ServingWiring::Want> ServingWiring::TakeWants() {
  std::vector<Want> out;
  out.swap(wants_);
  return out;
}

void ServingWiring::Request(int deployment, double now_s, const char* reason) {
  const auto& dep = plan_.deployments[deployment];
  const size_t r = records_.size();
  metrics::ReplicaRecord rec;
  rec.index = static_cast<int>(r);
  rec.model = dep.model;
  rec.tp = dep.tp;
  rec.reason = reason;
  rec.request_s = now_s;
  records_.push_back(rec);
  rt_.push_back(Runtime{deployment, {}, 0, false, false});
  wants_.push_back(Want{r, deployment});
  ++autoscale_[deployment].pending;
}

void ServingWiring::OnPlaced(size_t r, int cluster, const placement::Placement& p, double now_s) {
  auto& rt = rt_[r];
  auto& rec = records_[r];
  rt.placement = p;
  rec.hosts = static_cast<int>(p.size());
  serve::ReplicaSpec spec{rec.model, cluster_perf_[cluster], rec.tp};
  auto id = serving_->AddReplica(spec);
  if (!id.ok()) {  // Create checked that the model fits every eligible cluster
    std::fprintf(stderr, "internal error: %s\n", std::string(id.status().message()).c_str());
    std::abort();
  }
  const double share = throttle_[rt.deployment][cluster];
  if (share != 1.0) serving_->SetPowerShare(*id, share);
  rec.serve_id = *id;
  rec.start_s = now_s;
  rec.cluster = cluster;
  live_.push_back(r);
  --autoscale_[rt.deployment].pending;
  if (static_cast<size_t>(*id) >= serve_id_index_.size()) {
    serve_id_index_.resize(static_cast<size_t>(*id) + 1, kNoRecord);
  }
  serve_id_index_[*id] = r;
}

void ServingWiring::Throttle(int d, int c, double share) {
  throttle_[d][c] = share;
  for (size_t r : live_) {
    if (rt_[r].deployment == d && records_[r].cluster == c && !rt_[r].ended) {
      serving_->SetPowerShare(records_[r].serve_id, share);
    }
  }
}

double ServingWiring::ReplicaCapacity(size_t deployment, int c) {
  auto& cache = autoscale_[deployment].capacity_per_s;
  if (cache.empty()) cache.assign(fleet_.clusters.size(), -1);
  if (cache[c] < 0) {
    const auto& dep = plan_.deployments[deployment];
    cache[c] =
        serving_->ReplicaCapacityPerS(serve::ReplicaSpec{dep.model, cluster_perf_[c], dep.tp});
  }
  return cache[c];
}

double ServingWiring::PlannedDemand(size_t d, double now_s, double measured_per_s) {
  const auto& dep = plan_.deployments[d];
  if (!dep.predictive) return measured_per_s;
  auto& as = autoscale_[d];
  const double interval_s = now_s - last_tick_s_;
  const double window_end_s = now_s + plan_.tick_s + dep.lead_s;
  // Streams whose rate is a known function of time: their peak over the window. The others:
  // the measured rate less the known streams' mean over the interval, extrapolated by slope.
  double known_peak = 0, known_mean = 0;
  bool any_unknown = false;
  for (const serve::StreamSpec* s : as.streams) {
    if (!serve::RateKnown(*s)) {
      any_unknown = true;
      continue;
    }
    known_peak += serve::PeakRate(*s, now_s, window_end_s);
    if (interval_s > 0) known_mean += serve::MeanRate(*s, last_tick_s_, now_s);
  }
  double forecast = known_peak;
  if (any_unknown) {
    const double unknown_now = std::max(0.0, measured_per_s - known_mean);
    const double prev = as.unknown_rate_prev_per_s < 0 ? unknown_now : as.unknown_rate_prev_per_s;
    forecast += serve::SlopeForecast(unknown_now, prev, interval_s, window_end_s - now_s);
    as.unknown_rate_prev_per_s = unknown_now;
  }
  return forecast * (1 + dep.headroom);
}

double ServingWiring::SlopeW(int c) const {
  const auto& cl = fleet_.clusters[c];
  return power::AcceleratorSlopeW(cl.pstates[0], cl.accelerators_per_host);
}

void ServingWiring::Tick(double now_s, const placement::Occupancy& occ,
                         power::PowerAccountant& power, const std::vector<double>& site_cap_w,
                         std::vector<size_t>* released, std::vector<double>* interval_energy_j) {
  const double dt = now_s - last_tick_s_;
  // Per (cluster, deployment) sums for serving_sites.csv, in cluster then deployment order.
  std::map<std::pair<int, int>, metrics::ServingSiteSample> site_rows;
  for (const auto& u : serving_->TakeUsage()) {
    const size_t r = serve_id_index_.at(u.id);
    if (r == kNoRecord) {
      std::fprintf(stderr, "internal error: usage of unknown replica %d\n", u.id);
      std::abort();
    }
    auto& rt = rt_[r];
    auto& rec = records_[r];
    const int c = rec.cluster;
    // A throttled replica runs under a board power limit (serve::ServingSim::SetPowerShare): its
    // load is measured against its saturated rate under the limit, and its dynamic power at full
    // load is DynamicPowerShare (<= the throttle share) x the unthrottled figure.
    const double slope_w = SlopeW(c) * serving_->DynamicPowerShare(u.id);
    const double energy_j = u.load_s * slope_w * rec.tp;
    auto& row = site_rows[{c, rt.deployment}];
    row.replicas += 1;
    row.accelerators += rec.tp;
    row.output_tokens += u.output_tokens;
    row.load_s += u.load_s;
    row.dynamic_energy_j += energy_j;
    rec.load_s += u.load_s;
    rec.output_tokens += u.output_tokens;
    rec.energy_j += energy_j;
    dynamic_energy_j_[c] += energy_j;
    (*interval_energy_j)[c] += energy_j;
    // The energy goes to the replica's hosts in proportion to its accelerators there.
    for (auto [h, k] : rt.placement) power.AddEnergyJ(h, energy_j * k / rec.tp);
    const double w = u.removed || dt <= 0 ? 0.0 : energy_j / dt;
    power.AddShownPowerW(c, w - rt.shown_w);
    rt.shown_w = w;
    if (u.removed) {
      rt.ended = true;
      rec.end_s = now_s;
      released->push_back(r);
    }
  }
  std::sort(released->begin(), released->end());
  for (auto& [key, row] : site_rows) {
    row.time_s = now_s;
    row.interval_s = dt;
    row.cluster = key.first;
    row.model = plan_.deployments[key.second].model;
    site_samples_.push_back(std::move(row));
  }

  // Live replicas (placed, not gone), in request order; drop those that just left.
  live_.erase(std::remove_if(live_.begin(), live_.end(), [this](size_t r) { return rt_[r].ended; }),
              live_.end());
  std::sort(live_.begin(), live_.end());

  // Power headroom for power-aware routing: the site's cap minus its facility power now.
  const auto& deps = plan_.deployments;
  std::vector<std::vector<size_t>> active(deps.size());  // per deployment: serving, not draining
  for (size_t r : live_) {
    const int si = cluster_site_[records_[r].cluster];
    serving_->SetPowerHeadroom(records_[r].serve_id, site_cap_w[si] - power.SiteFacilityPowerW(si));
    if (!rt_[r].draining) active[rt_[r].deployment].push_back(r);
  }

  // Autoscaling: replicas requested or serving (not draining) follow PlanReplicas.
  for (size_t d = 0; d < deps.size(); ++d) {
    if (!deps[d].autoscale) continue;
    const int pending = autoscale_[d].pending;
    // Capacity-based plan: replicas may run on systems of different speed. Drain order: the
    // slowest first, the newest among equals.
    std::vector<size_t> order = active[d];
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      const double ca = ReplicaCapacity(d, records_[a].cluster);
      const double cb = ReplicaCapacity(d, records_[b].cluster);
      return ca != cb ? ca < cb : a > b;
    });
    std::vector<double> caps;
    for (size_t r : order) caps.push_back(ReplicaCapacity(d, records_[r].cluster));
    // Where a new replica would land now: the queue schedulers' rule (sched/cluster_choice.h)
    // on the free accelerators; without room anywhere, count it at the slowest eligible system.
    const auto& elig = dep_clusters_[d];
    const int fit = sched::ChooseCluster(
        elig, false, [&](size_t i) { return occ.free(elig[i]) >= deps[d].tp; },
        [](size_t) { return kInf; });
    double new_cap = kInf;
    if (fit >= 0) {
      new_cap = ReplicaCapacity(d, elig[fit]);
    } else {
      for (int c : elig) new_cap = std::min(new_cap, ReplicaCapacity(d, c));
    }
    auto& as = autoscale_[d];
    const double measured = serving_->TakeDemandRate(deps[d].model);
    const double backlog = serving_->Backlog(deps[d].model);
    const serve::ScalePlan plan =
        serve::PlanReplicas(deps[d].policy, caps, pending, new_cap,
                            PlannedDemand(d, now_s, measured), backlog, deps[d].drain_s);
    if (plan.add > 0) {
      for (int i = 0; i < plan.add; ++i) Request(static_cast<int>(d), now_s, "scale_up");
      as.last_change_s = now_s;
      continue;
    }
    // Scale down after a quiet period only (queued requests cannot be withdrawn).
    if (plan.drain.empty() || now_s - as.last_change_s < deps[d].cooldown_s) continue;
    as.last_change_s = now_s;
    for (int i : plan.drain) {
      const size_t r = order[i];
      rt_[r].draining = true;
      records_[r].drain_s = now_s;
      serving_->RemoveReplica(records_[r].serve_id);
    }
  }
  last_tick_s_ = now_s;
  ++tick_index_;
  next_tick_s_ = (tick_index_ + 1) * plan_.tick_s;
}

}  // namespace fleetsim::engine
