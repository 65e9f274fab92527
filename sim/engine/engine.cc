#include "sim/engine/engine.h"

#include <simgrid/plugins/energy.h>
#include <simgrid/version.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <deque>
#include <limits>
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

struct HostState {
  sg::Host* host = nullptr;
  int cluster = 0;
  int cores = 1;
  int busy = 0;
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
  int64_t start_seq = -1;
};

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
  void SetHostBusy(int h, int delta);
  void SetHostOnline(int h, bool online);
  void Sample(int c, double now);
  void MaybeProgress(double now, bool force);
  void JobActor(size_t job);

  const EngineConfig& cfg_;
  const workload::Workload& wl_;
  std::unique_ptr<sched::Scheduler> sched_;
  std::vector<HostState> hosts_;
  std::vector<std::set<int>> free_hosts_;  // per cluster: online, non-retiring hosts with free cores
  std::vector<int64_t> online_acc_, busy_acc_;
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

 public:
  std::vector<ClusterSample> samples_;
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
      bool ok = j.systems.empty() ||
                std::find(j.systems.begin(), j.systems.end(), fleet_.clusters[c].system) != j.systems.end();
      if (ok && max_acc[c] >= j.accelerators) r.eligible.push_back(c);
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

  controller_host_ = e.get_netzone_root()->create_host("fleetsim-controller", 1.0);
  controller_host_->set_property("wattage_per_state", "0:0:0");
  controller_host_->set_property("wattage_off", "0");
  controller_host_->seal();
  cv_ = sg::ConditionVariable::create();
  mu_ = sg::Mutex::create();
  for (int c = 0; c < nc; ++c) Sample(c, 0);
  dirty_.clear();
  std::fill(is_dirty_.begin(), is_dirty_.end(), 0);
  sg::Actor::create("controller", controller_host_, [this] { Controller(); });
  return absl::OkStatus();
}

void Simulation::SetHostBusy(int h, int delta) {
  HostState& hs = hosts_[h];
  const auto& p = fleet_.clusters[hs.cluster].pstates[0];
  power_w_[hs.cluster] -= power::HostPowerW(p, hs.cores, hs.busy);
  hs.busy += delta;
  busy_acc_[hs.cluster] += delta;
  power_w_[hs.cluster] += power::HostPowerW(p, hs.cores, hs.busy);
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

void Simulation::Sample(int c, double now) {
  if (!is_dirty_[c]) {
    is_dirty_[c] = 1;
    dirty_.push_back(c);
  }
  (void)now;
}

void Simulation::ApplyStart(const sched::StartDecision& d, double now) {
  // Jobs are looked up by id through the request table (ids are unique; index = position).
  const size_t job = id_index_.at(d.job);
  auto& rt = runtime_[job];
  auto& rec = records_[job];
  int64_t need = requests_[job].accelerators;
  auto& fh = free_hosts_[d.cluster];
  for (auto it = fh.begin(); need > 0 && it != fh.end();) {
    int h = *it++;
    int take = static_cast<int>(std::min<int64_t>(need, hosts_[h].cores - hosts_[h].busy));
    rt.placement.emplace_back(h, take);
    need -= take;
  }
  if (need > 0) {
    std::fprintf(stderr, "internal error: scheduler started job %lld on cluster %s without room\n",
                 static_cast<long long>(d.job), fleet_.clusters[d.cluster].name.c_str());
    std::abort();
  }
  for (auto [h, k] : rt.placement) SetHostBusy(h, k);
  rt.start_seq = start_seq_++;
  rec.start_s = now;
  rec.cluster = d.cluster;
  rec.hosts = static_cast<int>(rt.placement.size());
  rec.status = JobStatus::kRunning;
  Sample(d.cluster, now);
  sg::Actor::create("job", hosts_[rt.placement[0].first].host, [this, job] { JobActor(job); });
}

void Simulation::JobActor(size_t job) {
  auto& rt = runtime_[job];
  const auto& cl = fleet_.clusters[records_[job].cluster];
  const double flops = wl_.jobs[job].run_s * cl.pstates[0].speed_flops;
  std::vector<sg::ExecPtr> execs;
  std::vector<double> e0;
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
  for (size_t i = 1; i < execs.size(); ++i) execs[i]->wait();
  double e = 0;
  for (size_t i = 0; i < execs.size(); ++i) {
    auto [h, k] = rt.placement[i];
    e += (sg_host_get_consumed_energy(hosts_[h].host) - e0[i]) * k / hosts_[h].cores;
  }
  records_[job].energy_j = e;
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
  while (true) {
    // Stop when no work is left: nothing to submit, nothing running, and no queued job that a
    // future tranche could make room for. (With a horizon, run_until() stops the clock there.)
    bool more = next_submit < requests_.size() || done_ < start_seq_ ||
                (sched_->queue_length() > 0 && next_cap < cap_events_.size()) ||
                (cfg_.horizon_s > 0 && next_cap < cap_events_.size());
    if (!more) break;
    double t_next = kInf;
    if (next_submit < requests_.size()) t_next = requests_[next_submit].submit_s;
    if (next_cap < cap_events_.size()) t_next = std::min(t_next, cap_events_[next_cap].time_s);
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

    // 1. Physically release everything that ended now.
    std::vector<size_t> ended;
    ended.swap(finished_);
    std::sort(ended.begin(), ended.end(),
              [this](size_t a, size_t b) { return runtime_[a].start_seq < runtime_[b].start_seq; });
    for (size_t j : ended) {
      records_[j].end_s = now;
      records_[j].status = JobStatus::kCompleted;
      for (auto [h, k] : runtime_[j].placement) SetHostBusy(h, -k);
      Sample(records_[j].cluster, now);
      ++done_;
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
      Sample(ev.cluster, now);
      capacity_changed = true;
    }
    // 3. Events in canonical order: submissions, then terminations in start order.
    auto deliver = [&](const sched::Event& ev) {
      ++events_;
      sched_->OnEvent(ev, *this, &starts);
      for (const auto& d : starts) ApplyStart(d, now);
      starts.clear();
    };
    for (; next_submit < requests_.size() && requests_[next_submit].submit_s <= now; ++next_submit) {
      deliver(sched::Event{sched::EventKind::kJobSubmitted, now, &requests_[next_submit], 0});
    }
    for (size_t j : ended) {
      deliver(sched::Event{sched::EventKind::kJobFinished, now, nullptr, records_[j].id});
    }
    if (capacity_changed) deliver(sched::Event{sched::EventKind::kCapacityChanged, now, nullptr, 0});

    for (int c : dirty_) {
      samples_.push_back(ClusterSample{now, c, busy_acc_[c], online_acc_[c], power_w_[c]});
      is_dirty_[c] = 0;
    }
    dirty_.clear();
    MaybeProgress(now, false);
  }
}

void Simulation::Finish(sg::Engine& e, RunResult* out) {
  out->end_time_s = sg::Engine::get_clock();
  MaybeProgress(out->end_time_s, true);
  out->cluster_energy_j.assign(num_clusters(), 0);
  for (const auto& hs : hosts_) out->cluster_energy_j[hs.cluster] += sg_host_get_consumed_energy(hs.host);
  // Final sample per cluster at the end time closes every step function.
  for (int c = 0; c < num_clusters(); ++c) {
    samples_.push_back(ClusterSample{out->end_time_s, c, busy_acc_[c], online_acc_[c], power_w_[c]});
  }
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
  if (config.horizon_s > 0) {
    e.run_until(config.horizon_s);
  } else {
    e.run();
  }
  sim.Finish(e, &out);
  out.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - sim.wall0_).count();
  out.fleet = sim.fleet_;
  out.jobs = sim.records_;
  out.samples = std::move(sim.samples_);
  out.events = sim.events_;
  out.batches = sim.batches_;
  int maj, min, patch;
  sg_version_get(&maj, &min, &patch);
  out.simgrid_version = absl::StrCat(maj, ".", min, ".", patch);
  return out;
}

}  // namespace fleetsim::engine
