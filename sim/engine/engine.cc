#include "sim/engine/engine.h"

#include <simgrid/plugins/energy.h>
#include <simgrid/version.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <deque>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <simgrid/s4u.hpp>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "sim/core/date.h"
#include "sim/core/status.h"
#include "sim/platform/loader.h"
#include "sim/power/model.h"
#include "sim/sched/scheduler.h"

namespace fleetsim::engine {
namespace sg = simgrid::s4u;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// True if `system` is among `allowed`, or `allowed` is empty (any system).
bool SystemAllowed(const std::vector<std::string>& allowed, const std::string& system) {
  return allowed.empty() || std::find(allowed.begin(), allowed.end(), system) != allowed.end();
}

struct HostState {
  sg::Host* host = nullptr;
  int cluster = 0;
  int cores = 1;
  int busy = 0;     // accelerators held by jobs and replicas
  int serving = 0;  // of busy, held by replicas (computing only as their load says)
  bool online = true;
  bool retiring = false;  // past its retire date: no new work, off once idle
};

struct CapacityEvent {
  double time_s;
  int cluster;
  int tranche;
  bool online;  // true: comes online; false: retires
};

struct JobRuntime {
  std::vector<std::pair<int, int>> placement;  // (host index, accelerators)
  std::vector<double> energy0_j;               // host energies at start, per placement entry
  int64_t start_seq = -1;
};

struct ReplicaRuntime {
  int deployment = 0;
  std::vector<std::pair<int, int>> placement;
  double dynamic_w = 0;  // current dynamic power added to its cluster
  bool draining = false;
  bool ended = false;
};

// Replica requests use negative scheduler ids: -(index + 1).
constexpr sched::JobId ReplicaJobId(size_t index) { return -static_cast<sched::JobId>(index) - 1; }
constexpr size_t ReplicaIndex(sched::JobId id) { return static_cast<size_t>(-id - 1); }

class Simulation : public sched::ClusterView {
 public:
  Simulation(const EngineConfig& cfg, const workload::Workload& wl) : cfg_(cfg), wl_(wl) {}

  absl::Status Setup(sg::Engine& e);
  void Controller();
  void Finish(sg::Engine& e, RunResult* out);

  // ClusterView
  int num_clusters() const override { return static_cast<int>(fleet_.clusters.size()); }
  int64_t capacity(int c) const override { return online_acc_[c]; }
  int64_t free(int c) const override { return online_acc_[c] - busy_acc_[c]; }

  platform::Fleet fleet_;
  std::vector<JobRecord> records_;

 private:
  void ApplyStart(const sched::StartDecision& d, double now);
  // Hosts for `need` accelerators of `cluster` (first fit in host order; `one_host`: the first
  // host with room for all, else first fit across hosts).
  std::vector<std::pair<int, int>> Place(int cluster, int64_t need, sched::JobId id,
                                         bool one_host = false);
  void SetHostBusy(int h, int delta, bool serving = false);
  absl::Status SetupServing();
  void RequestReplica(int deployment, double now, const char* reason);
  // Serving tick: usage -> power and energy, drained replicas -> `released`, autoscaling.
  void ServingTick(double now, std::vector<size_t>* released);
  double ClusterSlopeW(int c) const;
  double ReplicaCapacity(size_t deployment, int cluster);  // saturated requests/s of one replica
  void SetHostOnline(int h, bool online);
  void MarkDirty(int c);               // c's row is emitted at the end of this instant
  void EmitSample(int c, double now);  // appends (or replaces at the same instant) c's row
  void MaybeProgress(double now, bool force);
  void JobActor(size_t job);
  double JobEnergyJ(size_t job) const;  // its hosts' energy since its start, accelerator share

  const EngineConfig& cfg_;
  const workload::Workload& wl_;
  std::unique_ptr<sched::Scheduler> sched_;
  std::vector<HostState> hosts_;
  std::vector<std::set<int>> free_hosts_;  // per cluster: online, non-retiring hosts with free cores
  std::vector<int64_t> online_acc_, busy_acc_, serving_acc_;
  std::vector<double> power_w_;
  std::vector<std::vector<std::vector<int>>> tranche_hosts_;  // [cluster][tranche] -> host indices
  std::vector<CapacityEvent> cap_events_;
  std::vector<sched::JobRequest> requests_;
  std::vector<JobRuntime> runtime_;
  std::vector<size_t> finished_;  // job indices whose executions ended at the current instant
  sg::ConditionVariablePtr cv_;
  sg::MutexPtr mu_;
  sg::Host* controller_host_ = nullptr;
  int64_t start_seq_ = 0;
  bool started_ = false;
  std::vector<int> initially_off_;
  int64_t done_ = 0;
  absl::flat_hash_map<int64_t, size_t> id_index_;  // job id -> workload index
  std::vector<int> dirty_;  // clusters to sample at the end of this instant
  std::vector<char> is_dirty_;

  // Inference (all empty without streams).

 public:
  std::unique_ptr<serve::ServingSim> serving_;

 private:
  std::vector<std::vector<int>> dep_clusters_;          // per deployment: eligible clusters
  std::vector<serve::SystemPerf> cluster_perf_;         // per cluster
  std::vector<size_t> replica_submits_;                 // replicas to submit at this instant
  std::deque<sched::JobRequest> replica_requests_;      // stable addresses for events
  std::vector<ReplicaRuntime> replica_rt_;
  std::vector<size_t> live_;       // placed replicas not yet gone (sorted at each tick)
  std::vector<int> cluster_site_;  // cluster -> index into fleet_.sites
  struct AutoscaleState {
    int pending = 0;  // requested, not yet placed
    double last_change_s = 0;
    std::vector<double> capacity_per_s;  // per cluster, -1 = not computed yet
  };
  std::vector<AutoscaleState> autoscale_;  // per deployment
  absl::flat_hash_map<int, size_t> serve_id_index_;     // ServingSim id -> replica index
  double next_tick_s_ = kInf, last_tick_s_ = 0;
  int64_t tick_index_ = 0;

 public:
  std::vector<ClusterSample> samples_;
  std::vector<int64_t> last_sample_;  // per cluster: index of its latest row in samples_
  std::vector<metrics::ReplicaRecord> replicas_;
  std::vector<metrics::ServingSiteSample> serving_sites_;
  std::vector<double> serving_energy_j_;
  int64_t events_ = 0, batches_ = 0;
  std::chrono::steady_clock::time_point wall0_;
  double last_progress_wall_ = 0;
};

absl::Status Simulation::Setup(sg::Engine& e) {
  FLEETSIM_RETURN_IF_ERROR(platform::LoadPlatformFile(e, cfg_.platform_path));
  std::vector<std::vector<std::vector<sg::Host*>>> sghosts;
  auto fleet = platform::ReadFleet(e, cfg_.platform_path, &sghosts);
  if (!fleet.ok()) return fleet.status();
  fleet_ = std::move(*fleet);
  auto sched = sched::MakeScheduler(cfg_.scheduler);
  if (!sched.ok()) return sched.status();
  sched_ = std::move(*sched);

  const int nc = num_clusters();
  online_acc_.assign(nc, 0);
  busy_acc_.assign(nc, 0);
  serving_acc_.assign(nc, 0);
  serving_energy_j_.assign(nc, 0);
  power_w_.assign(nc, 0);
  free_hosts_.resize(nc);
  tranche_hosts_.resize(nc);
  is_dirty_.assign(nc, 0);
  for (int c = 0; c < nc; ++c) {
    const auto& cl = fleet_.clusters[c];
    for (size_t t = 0; t < cl.tranches.size(); ++t) {
      const auto& tr = cl.tranches[t];
      double on_s = -kInf, off_s = kInf;
      if (tr.online_date || tr.retire_date) {
        if (cfg_.start_date.empty()) {
          return absl::InvalidArgumentError(absl::StrCat(
              cfg_.platform_path, ": cluster ", tr.zone_id,
              ": has build-out dates; the scenario must set start_date"));
        }
      }
      // A tranche date as seconds from start_date, or `dflt` when the date is absent.
      auto at = [&](const std::optional<std::string>& date, const char* prop,
                    double dflt) -> absl::StatusOr<double> {
        if (!date) return dflt;
        auto sec = SecondsBetween(cfg_.start_date, *date);
        if (!sec.ok()) {
          return absl::InvalidArgumentError(absl::StrCat(cfg_.platform_path, ": cluster ",
                                                         tr.zone_id, ": ", prop, ": ",
                                                         sec.status().message()));
        }
        return *sec;
      };
      FLEETSIM_ASSIGN_OR_RETURN(on_s, at(tr.online_date, "fleetsim.online", -kInf));
      FLEETSIM_ASSIGN_OR_RETURN(off_s, at(tr.retire_date, "fleetsim.retire", kInf));
      bool online_now = on_s <= 0 && off_s > 0;
      tranche_hosts_[c].emplace_back();
      for (sg::Host* h : sghosts[c][t]) {
        HostState hs;
        hs.host = h;
        hs.cluster = c;
        hs.cores = cl.accelerators_per_host;
        hs.online = true;
        int idx = static_cast<int>(hosts_.size());
        hosts_.push_back(hs);
        tranche_hosts_[c][t].push_back(idx);
        power_w_[c] += power::HostPowerW(cl.pstates[0], hs.cores, 0);
        online_acc_[c] += hs.cores;
        free_hosts_[c].insert(idx);
        if (!online_now) SetHostOnline(idx, false);
      }
      if (on_s > 0 && on_s < off_s) cap_events_.push_back({on_s, c, static_cast<int>(t), true});
      if (off_s > 0 && off_s < kInf) cap_events_.push_back({off_s, c, static_cast<int>(t), false});
    }
  }
  std::stable_sort(cap_events_.begin(), cap_events_.end(),
                   [](const CapacityEvent& a, const CapacityEvent& b) { return a.time_s < b.time_s; });

  // Validate the workload against the fleet before anything runs.
  std::vector<int64_t> max_acc(nc, 0);
  for (int c = 0; c < nc; ++c) max_acc[c] = fleet_.clusters[c].num_accelerators();
  requests_.resize(wl_.jobs.size());
  records_.resize(wl_.jobs.size());
  runtime_.resize(wl_.jobs.size());
  for (size_t i = 0; i < wl_.jobs.size(); ++i) {
    const auto& j = wl_.jobs[i];
    auto& r = requests_[i];
    r.id = j.id;
    r.submit_s = j.submit_s;
    r.estimate_s = j.estimate_s;
    r.accelerators = j.accelerators;
    r.priority = j.priority;
    for (int c = 0; c < nc; ++c) {
      if (SystemAllowed(j.systems, fleet_.clusters[c].system) && max_acc[c] >= j.accelerators) {
        r.eligible.push_back(c);
      }
    }
    if (r.eligible.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "job ", j.id, ": needs ", j.accelerators, " accelerators",
          j.systems.empty() ? "" : absl::StrCat(" of system ", absl::StrJoin(j.systems, "|")),
          " but no cluster of ", cfg_.platform_path, " has that many"));
    }
    if (!id_index_.emplace(j.id, i).second) {
      return absl::InvalidArgumentError(absl::StrCat("job ", j.id, ": duplicate job id"));
    }
    auto& rec = records_[i];
    rec.id = j.id;
    rec.submit_s = j.submit_s;
    rec.run_s = j.run_s;
    rec.estimate_s = j.estimate_s;
    rec.accelerators = j.accelerators;
  }

  FLEETSIM_RETURN_IF_ERROR(SetupServing());

  controller_host_ = e.get_netzone_root()->create_host("fleetsim-controller", 1.0);
  controller_host_->set_property("wattage_per_state", "0:0:0");
  controller_host_->set_property("wattage_off", "0");
  controller_host_->seal();
  cv_ = sg::ConditionVariable::create();
  mu_ = sg::Mutex::create();
  // Every cluster's state at t = 0 opens its step function.
  last_sample_.assign(nc, -1);
  for (int c = 0; c < nc; ++c) EmitSample(c, 0);
  sg::Actor::create("controller", controller_host_, [this] { Controller(); });
  return absl::OkStatus();
}

absl::Status Simulation::SetupServing() {
  const serve::ServingPlan* plan = cfg_.serving;
  if (plan == nullptr || plan->empty()) return absl::OkStatus();
  const int nc = num_clusters();
  cluster_perf_.resize(nc);
  cluster_site_.resize(nc);
  for (int c = 0; c < nc; ++c) {
    cluster_site_[c] = fleet_.FindSite(fleet_.clusters[c].site);
    const auto& cl = fleet_.clusters[c];
    serve::CatalogSystem cs{cl.system,          cl.vendor,    cl.peak_flops_bf16,
                            cl.peak_flops_fp8,  cl.peak_flops_fp4, cl.mem_bytes,
                            cl.mem_bw_bytes_per_s};
    cluster_perf_[c] = serve::ServingPerfFor(cs, nullptr);
  }
  serve::ServingOptions opt = plan->options;
  opt.seed = cfg_.seed;
  auto sim = serve::ServingSim::Create(plan->streams, opt);
  if (!sim.ok()) return sim.status();
  serving_ = std::move(*sim);
  for (size_t d = 0; d < plan->deployments.size(); ++d) {
    const auto& dep = plan->deployments[d];
    const serve::ServedModel* model = nullptr;
    for (const auto& st : plan->streams) {
      if (st.model.name == dep.model) model = &st.model;
    }
    std::vector<int> eligible;
    for (int c = 0; c < nc; ++c) {
      const auto& cl = fleet_.clusters[c];
      if (!SystemAllowed(dep.systems, cl.system) || cl.num_accelerators() < dep.tp) continue;
      if (!serve::ReplicaPerf(cluster_perf_[c], dep.tp, *model).fits()) continue;
      eligible.push_back(c);
    }
    if (eligible.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "serving.deployments[", d, "] (model ", dep.model, ", tp ", dep.tp, "): no cluster of ",
          cfg_.platform_path, dep.systems.empty() ? "" : absl::StrCat(" of system ", absl::StrJoin(dep.systems, "|")),
          " has ", dep.tp, " accelerators whose memory holds the model's weights"));
    }
    dep_clusters_.push_back(std::move(eligible));
    autoscale_.emplace_back();
    for (int i = 0; i < dep.replicas; ++i) RequestReplica(static_cast<int>(d), 0, "initial");
  }
  next_tick_s_ = plan->tick_s;
  return absl::OkStatus();
}

void Simulation::RequestReplica(int deployment, double now, const char* reason) {
  const auto& dep = cfg_.serving->deployments[deployment];
  const size_t r = replicas_.size();
  metrics::ReplicaRecord rec;
  rec.index = static_cast<int>(r);
  rec.model = dep.model;
  rec.tp = dep.tp;
  rec.reason = reason;
  rec.request_s = now;
  replicas_.push_back(rec);
  ReplicaRuntime rt;
  rt.deployment = deployment;
  replica_rt_.push_back(rt);
  sched::JobRequest req;
  req.id = ReplicaJobId(r);
  req.submit_s = now;
  // A replica serves until drained: plan with the rest of the horizon (or a year).
  req.estimate_s = cfg_.horizon_s > now ? cfg_.horizon_s - now : 365.0 * 86400;
  req.accelerators = dep.tp;
  req.eligible = dep_clusters_[deployment];
  req.priority = dep.priority;
  replica_requests_.push_back(std::move(req));
  replica_submits_.push_back(r);
  ++autoscale_[deployment].pending;
}

double Simulation::ReplicaCapacity(size_t deployment, int c) {
  auto& cache = autoscale_[deployment].capacity_per_s;
  if (cache.empty()) cache.assign(num_clusters(), -1);
  if (cache[c] < 0) {
    const auto& dep = cfg_.serving->deployments[deployment];
    cache[c] = serving_->ReplicaCapacityPerS(serve::ReplicaSpec{dep.model, cluster_perf_[c], dep.tp});
  }
  return cache[c];
}

double Simulation::ClusterSlopeW(int c) const {
  const auto& cl = fleet_.clusters[c];
  return (cl.pstates[0].full_w - cl.pstates[0].idle_w) / cl.accelerators_per_host;
}

void Simulation::ServingTick(double now, std::vector<size_t>* released) {
  const double dt = now - last_tick_s_;
  // Per (cluster, deployment) sums for serving_sites.csv, in cluster then deployment order.
  std::map<std::pair<int, int>, metrics::ServingSiteSample> site_rows;
  for (const auto& u : serving_->TakeUsage()) {
    const size_t r = serve_id_index_.at(u.id);
    auto& rt = replica_rt_[r];
    auto& rec = replicas_[r];
    const int c = rec.cluster;
    const double slope_w = ClusterSlopeW(c) * rec.tp;
    auto& row = site_rows[{c, rt.deployment}];
    row.replicas += 1;
    row.accelerators += rec.tp;
    row.output_tokens += u.output_tokens;
    row.load_s += u.load_s;
    row.dynamic_energy_j += u.load_s * slope_w;
    rec.load_s += u.load_s;
    rec.output_tokens += u.output_tokens;
    rec.energy_j += u.load_s * slope_w;
    serving_energy_j_[c] += u.load_s * slope_w;
    const double w = u.removed || dt <= 0 ? 0.0 : u.load_s / dt * slope_w;
    power_w_[c] += w - rt.dynamic_w;
    rt.dynamic_w = w;
    MarkDirty(c);
    if (u.removed) {
      for (auto [h, k] : rt.placement) SetHostBusy(h, -k, /*serving=*/true);
      rt.ended = true;
      rec.end_s = now;
      released->push_back(r);
    }
  }
  std::sort(released->begin(), released->end());
  for (auto& [key, row] : site_rows) {
    row.time_s = now;
    row.interval_s = dt;
    row.cluster = key.first;
    row.model = cfg_.serving->deployments[key.second].model;
    serving_sites_.push_back(std::move(row));
  }

  // Live replicas (placed, not gone), in request order; drop those that just left.
  live_.erase(std::remove_if(live_.begin(), live_.end(),
                             [this](size_t r) { return replica_rt_[r].ended; }),
              live_.end());
  std::sort(live_.begin(), live_.end());

  // Power headroom for power-aware routing: the site's cap minus its facility power now.
  std::vector<double> site_w(fleet_.sites.size(), 0);
  for (size_t si = 0; si < fleet_.sites.size(); ++si) {
    for (int c : fleet_.sites[si].clusters) site_w[si] += power_w_[c] * fleet_.sites[si].pue;
  }
  const auto& deps = cfg_.serving->deployments;
  std::vector<std::vector<size_t>> active(deps.size());  // per deployment: serving, not draining
  for (size_t r : live_) {
    const int si = cluster_site_[replicas_[r].cluster];
    const double cap_w = fleet_.sites[si].power_cap_w > 0 ? fleet_.sites[si].power_cap_w : kInf;
    serving_->SetPowerHeadroom(replicas_[r].serve_id, cap_w - site_w[si]);
    if (!replica_rt_[r].draining) active[replica_rt_[r].deployment].push_back(r);
  }

  // Autoscaling: replicas requested or serving (not draining) follow PlanReplicas.
  for (size_t d = 0; d < deps.size(); ++d) {
    if (!deps[d].autoscale) continue;
    const int pending = autoscale_[d].pending;
    // Capacity-based plan: replicas may run on systems of different speed. Drain order: the
    // slowest first, the newest among equals.
    std::vector<size_t> order = active[d];
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      const double ca = ReplicaCapacity(d, replicas_[a].cluster);
      const double cb = ReplicaCapacity(d, replicas_[b].cluster);
      return ca != cb ? ca < cb : a > b;
    });
    std::vector<double> caps;
    for (size_t r : order) caps.push_back(ReplicaCapacity(d, replicas_[r].cluster));
    // Where a new replica would land now: the scheduler takes the first eligible cluster with
    // room; without room anywhere, count it at the slowest eligible system.
    double new_cap = kInf;
    for (int c : dep_clusters_[d]) new_cap = std::min(new_cap, ReplicaCapacity(d, c));
    for (int c : dep_clusters_[d]) {
      if (free(c) >= deps[d].tp) {
        new_cap = ReplicaCapacity(d, c);
        break;
      }
    }
    auto& as = autoscale_[d];
    const serve::ScalePlan plan = serve::PlanReplicas(
        deps[d].policy, caps, pending, new_cap, serving_->TakeDemandRate(deps[d].model),
        serving_->Backlog(deps[d].model), deps[d].drain_s);
    if (plan.add > 0) {
      for (int i = 0; i < plan.add; ++i) RequestReplica(static_cast<int>(d), now, "scale_up");
      as.last_change_s = now;
      continue;
    }
    // Scale down after a quiet period only (queued requests cannot be withdrawn).
    if (plan.drain.empty() || now - as.last_change_s < deps[d].cooldown_s) continue;
    as.last_change_s = now;
    for (int i : plan.drain) {
      const size_t r = order[i];
      replica_rt_[r].draining = true;
      replicas_[r].drain_s = now;
      serving_->RemoveReplica(replicas_[r].serve_id);
    }
  }
  last_tick_s_ = now;
  ++tick_index_;
  next_tick_s_ = (tick_index_ + 1) * cfg_.serving->tick_s;
}

void Simulation::SetHostBusy(int h, int delta, bool serving) {
  HostState& hs = hosts_[h];
  const auto& p = fleet_.clusters[hs.cluster].pstates[0];
  power_w_[hs.cluster] -= power::HostPowerW(p, hs.cores, hs.busy - hs.serving);
  hs.busy += delta;
  busy_acc_[hs.cluster] += delta;
  if (serving) {
    hs.serving += delta;
    serving_acc_[hs.cluster] += delta;
  }
  power_w_[hs.cluster] += power::HostPowerW(p, hs.cores, hs.busy - hs.serving);
  if (hs.online && !hs.retiring && hs.busy < hs.cores) {
    free_hosts_[hs.cluster].insert(h);
  } else {
    free_hosts_[hs.cluster].erase(h);
  }
  if (hs.retiring && hs.busy == 0) SetHostOnline(h, false);
}

void Simulation::SetHostOnline(int h, bool online) {
  HostState& hs = hosts_[h];
  if (hs.online == online) return;
  const auto& cl = fleet_.clusters[hs.cluster];
  if (online) {
    if (started_) hs.host->turn_on();
    power_w_[hs.cluster] += power::HostPowerW(cl.pstates[0], hs.cores, 0) - cl.off_w;
    online_acc_[hs.cluster] += hs.cores;
    hs.online = true;
    hs.retiring = false;
    free_hosts_[hs.cluster].insert(h);
  } else {
    // Before the simulation starts, SimGrid's energy plugin does not see state changes: hosts
    // offline at t = 0 are turned off by the controller as its first act.
    if (started_) {
      hs.host->turn_off();
    } else {
      initially_off_.push_back(h);
    }
    power_w_[hs.cluster] += cl.off_w - power::HostPowerW(cl.pstates[0], hs.cores, 0);
    // A retiring host counted as online until now; busy hosts never go offline here.
    online_acc_[hs.cluster] -= hs.cores;
    hs.online = false;
    free_hosts_[hs.cluster].erase(h);
  }
}

void Simulation::EmitSample(int c, double now) {
  ClusterSample s{now, c, busy_acc_[c], online_acc_[c], serving_acc_[c], power_w_[c]};
  // One row per cluster and instant: a later state at the same instant replaces the earlier.
  if (last_sample_[c] >= 0 && samples_[last_sample_[c]].time_s == now) {
    samples_[last_sample_[c]] = s;
  } else {
    last_sample_[c] = static_cast<int64_t>(samples_.size());
    samples_.push_back(s);
  }
}

void Simulation::MarkDirty(int c) {
  if (!is_dirty_[c]) {
    is_dirty_[c] = 1;
    dirty_.push_back(c);
  }
}

std::vector<std::pair<int, int>> Simulation::Place(int cluster, int64_t need, sched::JobId id,
                                                   bool one_host) {
  std::vector<std::pair<int, int>> placement;
  auto& fh = free_hosts_[cluster];
  if (one_host) {  // a tensor-parallel group: the first host with room for all of it
    for (int h : fh) {
      if (hosts_[h].cores - hosts_[h].busy >= need) return {{h, static_cast<int>(need)}};
    }
  }
  // First fit over the cluster's free hosts in index order.
  for (auto it = fh.begin(); need > 0 && it != fh.end();) {
    int h = *it++;
    int take = static_cast<int>(std::min<int64_t>(need, hosts_[h].cores - hosts_[h].busy));
    placement.emplace_back(h, take);
    need -= take;
  }
  if (need > 0) {
    std::fprintf(stderr, "internal error: scheduler started %lld on cluster %s without room\n",
                 static_cast<long long>(id), fleet_.clusters[cluster].name.c_str());
    std::abort();
  }
  return placement;
}

void Simulation::ApplyStart(const sched::StartDecision& d, double now) {
  if (d.job < 0) {  // an inference replica
    const size_t r = ReplicaIndex(d.job);
    auto& rt = replica_rt_[r];
    auto& rec = replicas_[r];
    rt.placement = Place(d.cluster, rec.tp, d.job, /*one_host=*/true);
    rec.hosts = static_cast<int>(rt.placement.size());
    for (auto [h, k] : rt.placement) SetHostBusy(h, k, /*serving=*/true);
    serve::ReplicaSpec spec{rec.model, cluster_perf_[d.cluster], rec.tp};
    auto id = serving_->AddReplica(spec);
    if (!id.ok()) {  // Setup checked that the model fits every eligible cluster
      std::fprintf(stderr, "internal error: %s\n", std::string(id.status().message()).c_str());
      std::abort();
    }
    rec.serve_id = *id;
    rec.start_s = now;
    live_.push_back(r);
    --autoscale_[rt.deployment].pending;
    rec.cluster = d.cluster;
    serve_id_index_[*id] = r;
    MarkDirty(d.cluster);
    return;
  }
  // Jobs are looked up by id through the request table (ids are unique; index = position).
  const size_t job = id_index_.at(d.job);
  auto& rt = runtime_[job];
  auto& rec = records_[job];
  rt.placement = Place(d.cluster, requests_[job].accelerators, d.job);
  for (auto [h, k] : rt.placement) SetHostBusy(h, k);
  rt.start_seq = start_seq_++;
  rec.start_s = now;
  rec.cluster = d.cluster;
  rec.hosts = static_cast<int>(rt.placement.size());
  rec.status = JobStatus::kRunning;
  MarkDirty(d.cluster);
  sg::Actor::create("job", hosts_[rt.placement[0].first].host, [this, job] { JobActor(job); });
}

void Simulation::JobActor(size_t job) {
  auto& rt = runtime_[job];
  const auto& cl = fleet_.clusters[records_[job].cluster];
  const double flops = wl_.jobs[job].run_s * cl.pstates[0].speed_flops;
  std::vector<sg::ExecPtr> execs;
  auto& e0 = rt.energy0_j;
  execs.reserve(rt.placement.size());
  for (auto [h, k] : rt.placement) {
    sg::Host* host = hosts_[h].host;
    e0.push_back(sg_host_get_consumed_energy(host));
    auto ex = sg::this_actor::exec_init(flops)->set_host(host)->set_thread_count(k);
    ex->start();
    execs.push_back(ex);
  }
  // All executions of a gang job run at the same speed and end together: waking on the first
  // makes every job ending at this instant report in the same scheduling round.
  execs[0]->wait();
  finished_.push_back(job);
  cv_->notify_one();
  // The controller reads the job's energy when it releases it (JobEnergyJ); the actor only keeps
  // its executions alive until they end (it may be ended itself after the last instant).
  for (size_t i = 1; i < execs.size(); ++i) execs[i]->wait();
}

double Simulation::JobEnergyJ(size_t job) const {
  const auto& rt = runtime_[job];
  double e = 0;
  for (size_t i = 0; i < rt.placement.size() && i < rt.energy0_j.size(); ++i) {
    auto [h, k] = rt.placement[i];
    e += (sg_host_get_consumed_energy(hosts_[h].host) - rt.energy0_j[i]) * k / hosts_[h].cores;
  }
  return e;
}

void Simulation::MaybeProgress(double now, bool force) {
  if (!cfg_.progress) return;
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0_).count();
  if (!force && wall - last_progress_wall_ < 1.0) return;
  last_progress_wall_ = wall;
  double frac;
  if (cfg_.horizon_s > 0) {
    frac = std::min(1.0, now / cfg_.horizon_s);
  } else {
    frac = records_.empty() ? 1.0 : static_cast<double>(done_) / records_.size();
  }
  double rate = wall > 0 ? events_ / wall : 0;
  double eta = frac > 0 ? wall * (1 - frac) / frac : 0;
  std::fprintf(stderr,
               "[fleetsim] sim t=%.0f s (%.2f d) %5.1f%% | jobs done %lld/%zu | %.0f events/s | "
               "wall %.1f s | ETA %.1f s\n",
               now, now / 86400, 100 * frac, static_cast<long long>(done_), records_.size(), rate,
               wall, eta);
}

void Simulation::Controller() {
  size_t next_submit = 0, next_cap = 0;
  std::vector<sched::StartDecision> starts;
  std::unique_lock<sg::Mutex> lock(*mu_);
  started_ = true;
  for (int h : initially_off_) hosts_[h].host->turn_off();
  const bool horizon = cfg_.horizon_s > 0;
  bool first = true;
  while (true) {
    // Without a horizon, stop when no work is left: nothing to submit, nothing running, and no
    // queued job that a future tranche could make room for. With one, run to the horizon.
    bool more = horizon || next_submit < requests_.size() || done_ < start_seq_ ||
                (sched_->queue_length() > 0 && next_cap < cap_events_.size());
    if (!more) break;
    double t_next = horizon ? cfg_.horizon_s : kInf;
    if (next_submit < requests_.size()) t_next = std::min(t_next, requests_[next_submit].submit_s);
    if (next_cap < cap_events_.size()) t_next = std::min(t_next, cap_events_[next_cap].time_s);
    t_next = std::min(t_next, next_tick_s_);
    if (first && !replica_submits_.empty()) t_next = 0;  // initial replica requests
    first = false;
    if (finished_.empty()) {
      if (t_next == kInf) {
        cv_->wait(lock);
      } else {
        cv_->wait_until(lock, t_next);
      }
    }
    // Let every actor woken at this instant run first, so all executions that ended now have
    // reported before the batch is formed.
    sg::this_actor::yield();
    const double now = sg::Engine::get_clock();
    ++batches_;
    if (serving_) serving_->AdvanceTo(now);

    // 1. Physically release everything that ended now: jobs, then drained replicas.
    std::vector<size_t> ended;
    ended.swap(finished_);
    std::sort(ended.begin(), ended.end(),
              [this](size_t a, size_t b) { return runtime_[a].start_seq < runtime_[b].start_seq; });
    for (size_t j : ended) {
      records_[j].end_s = now;
      records_[j].status = JobStatus::kCompleted;
      records_[j].energy_j = JobEnergyJ(j);
      for (auto [h, k] : runtime_[j].placement) SetHostBusy(h, -k);
      MarkDirty(records_[j].cluster);
      ++done_;
    }
    std::vector<size_t> released;
    if (serving_ && (now >= next_tick_s_ || (horizon && now >= cfg_.horizon_s))) {
      ServingTick(now, &released);
    }
    // 2. Build-out: tranches coming online or retiring now.
    bool capacity_changed = false;
    for (; next_cap < cap_events_.size() && cap_events_[next_cap].time_s <= now; ++next_cap) {
      const auto& ev = cap_events_[next_cap];
      for (int h : tranche_hosts_[ev.cluster][ev.tranche]) {
        if (ev.online) {
          SetHostOnline(h, true);
        } else {
          hosts_[h].retiring = true;
          free_hosts_[ev.cluster].erase(h);
          if (hosts_[h].busy == 0) SetHostOnline(h, false);
        }
      }
      MarkDirty(ev.cluster);
      capacity_changed = true;
    }
    // 3. Events in canonical order: submissions (replica requests, then jobs), then
    //    terminations (jobs in start order, then replicas in request order).
    auto deliver = [&](const sched::Event& ev) {
      ++events_;
      sched_->OnEvent(ev, *this, &starts);
      for (const auto& d : starts) ApplyStart(d, now);
      starts.clear();
    };
    std::vector<size_t> submits;
    submits.swap(replica_submits_);
    for (size_t r : submits) {
      deliver(sched::Event{sched::EventKind::kJobSubmitted, now, &replica_requests_[r], 0});
    }
    for (; next_submit < requests_.size() && requests_[next_submit].submit_s <= now; ++next_submit) {
      deliver(sched::Event{sched::EventKind::kJobSubmitted, now, &requests_[next_submit], 0});
    }
    for (size_t j : ended) {
      deliver(sched::Event{sched::EventKind::kJobFinished, now, nullptr, records_[j].id});
    }
    for (size_t r : released) {
      deliver(sched::Event{sched::EventKind::kJobFinished, now, nullptr, ReplicaJobId(r)});
    }
    if (capacity_changed) deliver(sched::Event{sched::EventKind::kCapacityChanged, now, nullptr, 0});

    for (int c : dirty_) {
      EmitSample(c, now);
      is_dirty_[c] = 0;
    }
    dirty_.clear();
    MaybeProgress(now, false);
    if (horizon && now >= cfg_.horizon_s) break;
  }
  // Jobs still running at the horizon hold the condition variable and their executions: end
  // them so the engine stops cleanly at this instant.
  sg::Actor::kill_all();
}

void Simulation::Finish(sg::Engine& e, RunResult* out) {
  out->end_time_s = sg::Engine::get_clock();
  MaybeProgress(out->end_time_s, true);
  out->cluster_energy_j.assign(num_clusters(), 0);
  for (const auto& hs : hosts_) out->cluster_energy_j[hs.cluster] += sg_host_get_consumed_energy(hs.host);
  for (int c = 0; c < num_clusters(); ++c) out->cluster_energy_j[c] += serving_energy_j_[c];
  out->cluster_serving_energy_j = serving_energy_j_;
  // Jobs still running: the accelerator share of their hosts' energy so far.
  for (size_t j = 0; j < records_.size(); ++j) {
    if (records_[j].status == JobStatus::kRunning) records_[j].energy_j = JobEnergyJ(j);
  }
  // Final sample per cluster at the end time closes every step function.
  for (int c = 0; c < num_clusters(); ++c) EmitSample(c, out->end_time_s);
  (void)e;
}

}  // namespace

absl::StatusOr<RunResult> RunSimulation(const EngineConfig& config,
                                        const workload::Workload& workload) {
  std::vector<std::string> args = {"fleetsim", "--log=root.thres:critical",
                                   "--log=host_energy.thres:critical", "--cfg=network/model:CM02",
                                   "--cfg=contexts/stack-size:256", "--cfg=contexts/guard-size:0"};
  for (const auto& a : config.simgrid_args) args.push_back(a);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  int argc = static_cast<int>(argv.size());
  sg_host_energy_plugin_init();
  sg::Engine e(&argc, argv.data());
  Simulation sim(config, workload);
  FLEETSIM_RETURN_IF_ERROR(sim.Setup(e));
  RunResult out;
  if (config.validate_only) {
    out.fleet = sim.fleet_;
    return out;
  }
  sim.wall0_ = std::chrono::steady_clock::now();
  e.run();  // the controller stops at the horizon, if any, and ends every other actor
  sim.Finish(e, &out);
  out.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - sim.wall0_).count();
  out.fleet = sim.fleet_;
  out.jobs = sim.records_;
  out.samples = std::move(sim.samples_);
  out.replicas = std::move(sim.replicas_);
  out.serving_sites = std::move(sim.serving_sites_);
  out.serving = std::move(sim.serving_);
  if (config.serving) out.serving_request_sample_rate = config.serving->options.request_sample_rate;
  out.events = sim.events_;
  out.batches = sim.batches_;
  int maj, min, patch;
  sg_version_get(&maj, &min, &patch);
  out.simgrid_version = absl::StrCat(maj, ".", min, ".", patch);
  return out;
}

}  // namespace fleetsim::engine
