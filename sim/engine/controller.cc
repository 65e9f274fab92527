#include "sim/engine/controller.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "sim/core/status.h"
#include "sim/power/model.h"
#include "sim/training/memory.h"
#include "sim/training/speed.h"

namespace fleetsim::engine {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
// Relative slack of cap comparisons: float sums of watts may differ in the last bits.
constexpr double kCapTolerance = 1e-9;

// Replica requests use negative scheduler ids: -(index + 1).
constexpr sched::JobId ReplicaJobId(size_t index) { return -static_cast<sched::JobId>(index) - 1; }
constexpr size_t ReplicaIndex(sched::JobId id) { return static_cast<size_t>(-id - 1); }

[[noreturn]] void Internal(const std::string& what) {
  std::fprintf(stderr, "internal error: %s\n", what.c_str());
  std::abort();
}

}  // namespace

Controller::Controller(const EngineConfig& config, const workload::Workload& workload,
                       platform::Fleet fleet, ExchangeTimer* exchange)
    : cfg_(config), wl_(workload), fleet_(std::move(fleet)), exchange_(exchange) {}

absl::StatusOr<std::unique_ptr<Controller>> Controller::Create(const EngineConfig& config,
                                                               const workload::Workload& workload,
                                                               platform::Fleet fleet,
                                                               ExchangeTimer* exchange) {
  std::unique_ptr<Controller> c(new Controller(config, workload, std::move(fleet), exchange));
  FLEETSIM_RETURN_IF_ERROR(c->Setup());
  return c;
}

absl::Status Controller::Setup() {
  if (cfg_.make_scheduler) {
    sched_ = cfg_.make_scheduler();
  } else {
    auto s = sched::MakeScheduler(cfg_.scheduler);
    if (!s.ok()) return s.status();
    sched_ = std::move(*s);
  }
  auto tl = capacity::BuildTimeline(fleet_, cfg_.start_date, cfg_.platform_path);
  if (!tl.ok()) return tl.status();
  timeline_ = std::move(*tl);

  const int nc = num_clusters();
  std::vector<int64_t> hosts(nc);
  std::vector<int> cores(nc);
  std::vector<int> host_cluster;
  for (int c = 0; c < nc; ++c) {
    hosts[c] = fleet_.clusters[c].num_hosts();
    cores[c] = fleet_.clusters[c].accelerators_per_host;
    host_cluster.insert(host_cluster.end(), hosts[c], c);
  }
  occ_ = std::make_unique<placement::Occupancy>(hosts, cores);
  power_ = std::make_unique<power::PowerAccountant>(fleet_, host_cluster);
  if (cfg_.check_invariants) inv_ = std::make_unique<InvariantChecker>(*occ_);
  tranche_hosts_.resize(nc);
  for (int c = 0; c < nc; ++c) {
    int h = occ_->first_host(c);
    const auto& trs = fleet_.clusters[c].tranches;
    for (size_t t = 0; t < trs.size(); ++t) {
      const int end = h + static_cast<int>(trs[t].num_hosts);
      tranche_hosts_[c].emplace_back(h, end);
      if (!timeline_.online_at_start[c][t]) {
        for (int x = h; x < end; ++x) {
          occ_->SetOnline(x, false);
          power_->SetOnline(x, false, 0);
        }
      }
      h = end;
    }
  }
  cluster_site_.resize(nc);
  for (int c = 0; c < nc; ++c) cluster_site_[c] = fleet_.FindSite(fleet_.clusters[c].site);
  const int ns = static_cast<int>(fleet_.sites.size());
  // Cap domains: every site, then the clusters and the fleet the scenario gives caps to.
  for (int s = 0; s < ns; ++s) {
    Domain d;
    d.name = fleet_.sites[s].name;
    d.clusters = fleet_.sites[s].clusters;
    std::sort(d.clusters.begin(), d.clusters.end());
    d.whole_sites = {s};
    domains_.push_back(std::move(d));
    cap_w_.push_back(fleet_.sites[s].power_cap_w > 0 ? fleet_.sites[s].power_cap_w : kInf);
  }
  if (cfg_.power) plan_ = *cfg_.power;
  // The scenario's cap steps name their domains; cluster domains follow in cluster order, the
  // fleet's last.
  std::vector<int> step_domain;  // per step: site index, or -1 - cluster index, or kFleetStep
  constexpr int kFleetStep = std::numeric_limits<int>::min();
  std::vector<int> cluster_dom(nc, -1);
  bool fleet_capped = false;
  for (const auto& step : plan_.caps) {
    if (step.scope == power::CapScope::kSite) {
      const int s = fleet_.FindSite(step.site);
      if (s < 0) {
        return absl::InvalidArgumentError(absl::StrCat(step.where, ".site: no site '", step.site,
                                                       "' in ", cfg_.platform_path));
      }
      step_domain.push_back(s);
    } else if (step.scope == power::CapScope::kCluster) {
      int c = 0;
      while (c < nc && fleet_.clusters[c].name != step.site) ++c;
      if (c == nc) {
        return absl::InvalidArgumentError(absl::StrCat(step.where, ".cluster: no cluster '",
                                                       step.site, "' in ", cfg_.platform_path));
      }
      cluster_dom[c] = 0;
      step_domain.push_back(-1 - c);
    } else {
      fleet_capped = true;
      step_domain.push_back(kFleetStep);
    }
  }
  for (int c = 0; c < nc; ++c) {
    if (cluster_dom[c] < 0) continue;
    cluster_dom[c] = static_cast<int>(domains_.size());
    Domain dom;
    dom.name = fleet_.clusters[c].name;
    dom.scope = power::CapScope::kCluster;
    dom.clusters = {c};
    domains_.push_back(std::move(dom));
    cap_w_.push_back(kInf);
  }
  if (fleet_capped) {
    Domain dom;
    dom.name = "fleet";
    dom.scope = power::CapScope::kFleet;
    for (int c = 0; c < nc; ++c) dom.clusters.push_back(c);
    domains_.push_back(std::move(dom));
    cap_w_.push_back(kInf);
  }
  for (size_t i = 0; i < plan_.caps.size(); ++i) {
    const int k = step_domain[i];
    const int d = k == kFleetStep ? num_domains() - 1 : k < 0 ? cluster_dom[-1 - k] : k;
    cap_events_.push_back({plan_.caps[i].time_s, d, plan_.caps[i].cap_w});
  }
  const int nd = num_domains();
  cluster_domains_.assign(nc, {});
  in_domain_.assign(nd, std::vector<char>(nc, 0));
  for (int d = ns; d < nd; ++d) {
    // Whole sites where the domain holds all of a site's clusters, single clusters otherwise.
    auto& dom = domains_[d];
    for (int s = 0; s < ns; ++s) {
      bool all = !fleet_.sites[s].clusters.empty();
      for (int c : fleet_.sites[s].clusters) {
        all = all && std::binary_search(dom.clusters.begin(), dom.clusters.end(), c);
      }
      if (all) dom.whole_sites.push_back(s);
    }
    for (int c : dom.clusters) {
      const int s = cluster_site_[c];
      if (s < 0 || !std::count(dom.whole_sites.begin(), dom.whole_sites.end(), s)) {
        dom.part_clusters.push_back(c);
      }
    }
  }
  for (int d = 0; d < nd; ++d) {
    for (int c : domains_[d].clusters) {
      cluster_domains_[c].push_back(d);
      in_domain_[d][c] = 1;
    }
  }
  std::stable_sort(cap_events_.begin(), cap_events_.end(),
                   [](const CapEvent& a, const CapEvent& b) { return a.time_s < b.time_s; });
  // Committed facility watts per accelerator at pstate 0: its slope, plus what its host's
  // epsilon adds above idle when it is the host's first tenant (0 in the two-value form).
  acc_w_.assign(nc, 0);
  reserve_w_.assign(nc, 0);
  pending_reserve_.assign(nc, 0);
  blocked_.assign(nc, 0);
  for (int c = 0; c < nc; ++c) {
    const auto& cl = fleet_.clusters[c];
    const auto& p0 = cl.pstates[0];
    const double pue = cluster_site_[c] >= 0 ? fleet_.sites[cluster_site_[c]].pue : 1.0;
    const double step_w = std::max(0.0, p0.epsilon_w - p0.idle_w);
    acc_w_[c] = pue * (power::AcceleratorSlopeW(p0, cl.accelerators_per_host) +
                       step_w / cl.accelerators_per_host);
    reserve_w_[c] = pue * step_w;
    const auto& pl = cl.pstates.back();
    const double step_low_w = std::max(0.0, pl.epsilon_w - pl.idle_w);
    acc_w_low_.push_back(pue * (power::AcceleratorSlopeW(pl, cl.accelerators_per_host) +
                                step_low_w / cl.accelerators_per_host));
    reserve_w_low_.push_back(pue * step_low_w);
  }
  dvfs_admission_ = plan_.Has(power::Lever::kDvfs) && plan_.Has(power::Lever::kAdmission);
  site_serving_w_.assign(ns, 0);
  cluster_serving_w_.assign(nc, 0);
  dom_jobs_.assign(nd, 0);
  {
    int max_pstates = 1;
    for (const auto& cl : fleet_.clusters) {
      max_pstates = std::max(max_pstates, static_cast<int>(cl.pstates.size()));
    }
    dom_pstate_acc_.assign(nd, std::vector<int64_t>(max_pstates, 0));
  }
  dom_slowed_.assign(nd, 0);
  dom_shed_.assign(nd, 0);
  dom_dvfs_.assign(nd, 0);
  dom_throttles_.assign(nd, 0);
  enforce_at_.assign(nd, kInf);
  dom_engaged_.assign(nd, std::vector<char>(plan_.thresholds.size(), 0));
  dom_changed_.assign(nd, 0);
  pending_dom_w_.assign(nd, 0);
  dom_refusals_.assign(nd, 0);
  pending_cluster_w_.assign(nc, 0);

  // Validate the workload against the fleet before anything runs.
  requests_.resize(wl_.jobs.size());
  records_.resize(wl_.jobs.size());
  runs_.resize(wl_.jobs.size());
  run_by_cluster_.resize(wl_.jobs.size());
  span_bytes_.assign(wl_.jobs.size(), 0);
  span_steps_.assign(wl_.jobs.size(), 0);
  span_ring_.assign(wl_.jobs.size(), RingExchange{});
  span_compute_s_.assign(wl_.jobs.size(), 0);
  span_slowdown_.assign(wl_.jobs.size(), 1);
  for (size_t i = 0; i < wl_.jobs.size(); ++i) {
    const auto& j = wl_.jobs[i];
    auto& r = requests_[i];
    r.id = j.id;
    r.submit_s = j.submit_s;
    r.estimate_s = j.estimate_s;
    r.accelerators = j.accelerators;
    r.priority = j.priority;
    for (const auto& [sys, v] : j.run_s_by_system) {
      bool known = false;
      for (const auto& cl : fleet_.clusters) known = known || cl.system == sys;
      if (!known) {
        return absl::InvalidArgumentError(absl::StrCat("job ", j.id, ": run_s_by_system: no cluster of ",
                                                       cfg_.platform_path, " has system '", sys, "'"));
      }
    }
    const double flops = j.training ? training::TrainingFlops(j.training->model, j.training->work) : 0;
    std::string why_not;  // the first reason a cluster of the right kind and size was refused
    // A job that may span clusters considers clusters smaller than itself too (kept below only
    // if their span group holds it).
    const bool may_span = j.span != workload::Span::kNone && j.training && exchange_ != nullptr;
    for (int c = 0; c < nc; ++c) {
      const auto& cl = fleet_.clusters[c];
      if (!workload::Allows(j.systems, cl.system) || !workload::Allows(j.vendors, cl.vendor) ||
          !workload::Allows(j.sites, cl.site) ||
          (!may_span && cl.num_accelerators() < j.accelerators)) {
        continue;
      }
      double run_s = j.run_s, est_s = j.estimate_s;
      if (j.training) {
        // Eligibility by physics: trainable, and the training state fits (training/memory.h).
        const absl::Status ok = training::CheckEligible(cl, j.training->model, j.accelerators);
        if (!ok.ok()) {
          if (why_not.empty()) why_not = std::string(ok.message());
          continue;
        }
        run_s = training::RunSeconds(cl, j.training->model, flops, j.accelerators);
        if (!std::isfinite(run_s) || run_s <= 0) continue;
        est_s = run_s * j.training->estimate_factor;
      } else {
        for (const auto& [sys, v] : j.run_s_by_system) {
          if (sys == cl.system) {
            est_s = j.estimate_s * v / j.run_s;  // the user's margin, on this system's time
            run_s = v;
          }
        }
      }
      r.eligible.push_back(c);
      r.estimate_by_cluster_s.push_back(est_s);
      run_by_cluster_[i].push_back(run_s);
    }
    if (may_span && !r.eligible.empty()) {
      FLEETSIM_RETURN_IF_ERROR(SetupSpan(i));
    }
    if (r.eligible.empty()) {
      if (!why_not.empty()) {
        return absl::InvalidArgumentError(absl::StrCat("job ", j.id, ": no cluster of ",
                                                       cfg_.platform_path, " can run it: ", why_not));
      }
      std::string where;
      if (!j.systems.empty()) where += absl::StrCat(" of system ", absl::StrJoin(j.systems, "|"));
      if (!j.vendors.empty()) where += absl::StrCat(" of vendor ", absl::StrJoin(j.vendors, "|"));
      if (!j.sites.empty()) where += absl::StrCat(" at site ", absl::StrJoin(j.sites, "|"));
      if (j.span != workload::Span::kNone) {
        where += j.span == workload::Span::kClusters ? " (span: clusters: of one site and system)"
                                                     : " (span: sites: of one system)";
        const std::string msg = absl::StrCat(
            "job ", j.id, " needs ", j.accelerators, " accelerators", where, " but no cluster of ",
            cfg_.platform_path, " and no set of clusters joined by its links has that many");
        if (!j.span_pos.file.empty()) return InputError(j.span_pos, j.span_field, msg);
        return absl::InvalidArgumentError(msg);
      }
      return absl::InvalidArgumentError(absl::StrCat(
          "job ", j.id, ": needs ", j.accelerators, " accelerators", where,
          " but no cluster of ", cfg_.platform_path, " has that many"));
    }
    // A work-defined job plans with its estimate on its first eligible cluster until placed.
    if (j.training) r.estimate_s = r.estimate_by_cluster_s[0];
    if (!id_index_.emplace(j.id, i).second) {
      return absl::InvalidArgumentError(absl::StrCat("job ", j.id, ": duplicate job id"));
    }
    auto& rec = records_[i];
    rec.id = j.id;
    rec.submit_s = j.submit_s;
    rec.run_s = run_by_cluster_[i][0];
    rec.estimate_s = r.estimate_by_cluster_s[0];
    rec.accelerators = j.accelerators;
    if (j.training) rec.tokens = flops / (6 * j.training->model.ActiveParams());
  }
  auto sw = ServingWiring::Create(cfg_.serving, cfg_.seed, fleet_, cfg_.platform_path);
  if (!sw.ok()) return sw.status();
  serving_ = std::move(*sw);
  power_slowed_.assign(wl_.jobs.size(), 0);
  if (serving_) {
    unit_share_.assign(serving_->num_deployments(), std::vector<double>(nc, 1.0));
    unit_full_w_.assign(serving_->num_deployments(), std::vector<double>(nc, 0.0));
  }

  serving_acc_.assign(nc, 0);
  dirty_.assign(nc, 0);
  last_sample_.assign(nc, -1);
  last_site_sample_.assign(fleet_.sites.size(), -1);
  // A trace replay samples at most at every start and end instant: room for that many rows up
  // front (growing by doubling copied the samples and touched twice their pages).
  samples_.reserve(2 * wl_.jobs.size() + 16);
  site_samples_.reserve(2 * wl_.jobs.size() + 16);
  last_domain_sample_.assign(nd, -1);
  ApplyCapEvents(0);  // caps in force from the start
  caps_changed_ = false;
  // Every cluster's and site's state at t = 0 opens its step function.
  for (int c = 0; c < nc; ++c) MarkDirty(c);
  EmitSamples(0);
  wall0_ = std::chrono::steady_clock::now();
  return absl::OkStatus();
}

bool Controller::Routed(int a, int b) const {
  if (a > b) std::swap(a, b);
  auto it = routed_.find({a, b});
  if (it != routed_.end()) return it->second;
  const bool ok = exchange_->Routed(a, b) && exchange_->Routed(b, a);
  routed_.emplace(std::make_pair(a, b), ok);
  return ok;
}

absl::Status Controller::SetupSpan(size_t i) {
  const auto& j = wl_.jobs[i];
  auto& r = requests_[i];
  // Clusters of one system (and, for span: clusters, one site) that the platform routes
  // between, in preference order: each group is the set a run may span.
  std::vector<std::string> keys;
  std::vector<std::vector<int>> members;
  std::vector<int64_t> total;
  std::vector<int> group(r.eligible.size(), -1);
  for (size_t k = 0; k < r.eligible.size(); ++k) {
    const int c = r.eligible[k];
    const auto& cl = fleet_.clusters[c];
    const std::string key =
        j.span == workload::Span::kClusters ? absl::StrCat(cl.site, "\n", cl.system) : cl.system;
    for (size_t g = 0; g < keys.size() && group[k] < 0; ++g) {
      if (keys[g] != key) continue;
      bool all = true;
      for (int m : members[g]) all = all && Routed(m, c);
      if (all) group[k] = static_cast<int>(g);
    }
    if (group[k] < 0) {
      group[k] = static_cast<int>(keys.size());
      keys.push_back(key);
      members.emplace_back();
      total.push_back(0);
    }
    members[group[k]].push_back(c);
    total[group[k]] += cl.num_accelerators();
  }
  std::vector<int> eligible, span_group;
  std::vector<double> est, run;
  for (size_t k = 0; k < r.eligible.size(); ++k) {
    const int c = r.eligible[k], g = group[k];
    const bool alone = fleet_.clusters[c].num_accelerators() >= j.accelerators;
    const bool spans = members[g].size() >= 2 && total[g] >= j.accelerators;
    if (!alone && !spans) continue;
    eligible.push_back(c);
    span_group.push_back(spans ? g : -1);
    est.push_back(r.estimate_by_cluster_s[k]);
    run.push_back(run_by_cluster_[i][k]);
  }
  r.eligible = std::move(eligible);
  r.estimate_by_cluster_s = std::move(est);
  run_by_cluster_[i] = std::move(run);
  bool any = false;
  for (int g : span_group) any = any || g >= 0;
  if (any) r.span_group = std::move(span_group);
  const auto& t = *j.training;
  span_bytes_[i] = kGradientBytesPerParam * t.model.TrainableParams();
  const auto tokens = training::TrainingTokens(t.work);
  const double tok =
      tokens ? *tokens : training::TrainingFlops(t.model, t.work) / (6 * t.model.ActiveParams());
  span_steps_[i] =
      t.work.steps ? static_cast<double>(*t.work.steps) : std::max(1.0, tok / kDefaultStepTokens);
  return absl::OkStatus();
}

RingExchange Controller::SpanRing(size_t job, const std::vector<sched::StartPart>& parts) const {
  RingExchange x;
  x.rings = kMaxExchangeRings;
  for (const auto& p : parts) {
    x.clusters.push_back(p.cluster);
    const int64_t aph = fleet_.clusters[p.cluster].accelerators_per_host;
    x.rings = static_cast<int>(std::min<int64_t>(x.rings, (p.accelerators + aph - 1) / aph));
  }
  std::sort(x.clusters.begin(), x.clusters.end());
  x.rings = std::max(1, x.rings);
  x.bytes = span_bytes_[job];
  return x;
}

std::vector<double> Controller::ConcurrentExchangeS(const std::vector<RingExchange>& xs) const {
  // The cache key is the sorted set; answers go back in the caller's order.
  std::vector<size_t> order(xs.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return xs[a] < xs[b]; });
  std::vector<RingExchange> key;
  for (size_t i : order) key.push_back(xs[i]);
  auto it = exchange_cache_.find(key);
  if (it == exchange_cache_.end()) {
    std::vector<double> s = exchange_->ConcurrentRingAllReduceS(key);
    it = exchange_cache_.emplace(std::move(key), std::move(s)).first;
  }
  std::vector<double> out(xs.size());
  for (size_t p = 0; p < order.size(); ++p) out[order[p]] = it->second[p];
  return out;
}

Controller::SpanCost Controller::SpanCostOf(size_t job,
                                            const std::vector<sched::StartPart>& parts) const {
  SpanCost cost;
  if (parts.size() < 2 || !exchange_) return cost;
  // Timed with the exchanges of the spanning runs running now (the links as they are shared
  // now; later starts and ends re-time it: RetimeSpans).
  std::vector<RingExchange> xs = {SpanRing(job, parts)};
  for (size_t j : spanning_) {
    if (j != job) xs.push_back(span_ring_[j]);
  }
  cost.exchange_s = ConcurrentExchangeS(xs)[0];
  const auto& el = requests_[job].eligible;
  const size_t k = std::find(el.begin(), el.end(), parts[0].cluster) - el.begin();
  const double step_s = run_by_cluster_[job][k] / span_steps_[job];
  cost.slowdown = 1 + cost.exchange_s / step_s;
  return cost;
}

void Controller::LeaveSpans(size_t job) {
  const auto it = std::find(spanning_.begin(), spanning_.end(), job);
  if (it == spanning_.end()) return;
  spanning_.erase(it);
  spans_changed_ = true;
}

void Controller::RetimeSpans(double now) {
  if (!spans_changed_) return;
  spans_changed_ = false;
  if (spanning_.empty()) return;
  std::vector<RingExchange> xs;
  for (size_t j : spanning_) xs.push_back(span_ring_[j]);
  const std::vector<double> exchange_s = ConcurrentExchangeS(xs);
  for (size_t i = 0; i < spanning_.size(); ++i) {
    const size_t j = spanning_[i];
    auto& run = runs_[j];
    auto& rec = records_[j];
    const double step_s = span_compute_s_[j] / span_steps_[j];
    const double slowdown = 1 + exchange_s[i] / step_s;
    if (slowdown == span_slowdown_[j]) continue;
    // Work done so far at the old slowdown; the compute left is stretched by the new one.
    ends_.erase(EndKey{run.end_s, run.start_seq, j});
    const double speed = pstate_speed(rec.cluster, run.pstate);
    const double left = std::max(0.0, run.remaining_s - (now - run.last_s) * speed);
    ChargeJobEnergy(j, now);
    run.last_s = now;
    const double retimed = left / span_slowdown_[j] * slowdown;
    run.attempt_s += retimed - left;
    run.remaining_s = retimed;
    span_slowdown_[j] = slowdown;
    // The record: this attempt's run time at pstate 0 so far plus the rest at the current
    // sharing; at its end, exactly what it took. Its slowdown and mean exchange follow from it.
    rec.run_s = run.attempt_s;
    rec.exchange_slowdown = run.attempt_s / span_compute_s_[j];
    rec.step_exchange_s = (rec.exchange_slowdown - 1) * step_s;
    run.end_s = now + run.remaining_s / speed;
    ends_.emplace(run.end_s, run.start_seq, j);
  }
}

double Controller::span_estimate_s(const sched::JobRequest& job,
                                   const std::vector<sched::StartPart>& parts) const {
  if (job.id < 0 || job.span_group.empty() || parts.size() < 2) return kInf;
  auto it = id_index_.find(job.id);
  if (it == id_index_.end()) return kInf;
  const auto& r = requests_[it->second];
  int group = -1;
  size_t first = 0;
  int64_t sum = 0;
  for (size_t p = 0; p < parts.size(); ++p) {
    const size_t k =
        std::find(r.eligible.begin(), r.eligible.end(), parts[p].cluster) - r.eligible.begin();
    if (k == r.eligible.size() || r.span_group[k] < 0) return kInf;
    if (p == 0) group = r.span_group[k], first = k;
    if (r.span_group[k] != group || parts[p].accelerators <= 0) return kInf;
    sum += parts[p].accelerators;
  }
  if (sum != r.accelerators) return kInf;
  return r.estimate_by_cluster_s[first] * SpanCostOf(it->second, parts).slowdown;
}

double Controller::pstate_speed(int c, int p) const {
  const auto& ps = fleet_.clusters[c].pstates;
  return ps[p].speed_flops / ps[0].speed_flops;
}

double Controller::added_power_w(int c, int64_t accelerators, int pstate) const {
  const auto p = occ_->Find(c, accelerators);
  if (p.empty()) return kInf;
  return power_->AddedPowerW(p, pstate) * fleet_.sites[cluster_site_[c]].pue;
}

double Controller::NextTime() const {
  if (stopped_) return kInf;
  const bool horizon = cfg_.horizon_s > 0;
  // Without a horizon, stop when no work is left: nothing to submit, nothing running, and no
  // queued job that a future tranche could make room for. With one, run to the horizon.
  double next_enforce = kInf;
  for (double t : enforce_at_) next_enforce = std::min(next_enforce, t);
  const bool more_room = next_cap_ < timeline_.events.size() ||
                         next_cap_event_ < cap_events_.size() || next_enforce < kInf;
  const bool more = horizon || next_submit_ < requests_.size() || running_ > 0 ||
                    (sched_->queue_length() > 0 && more_room);
  if (!more) return kInf;
  double t = horizon ? cfg_.horizon_s : kInf;
  if (first_ && serving_) t = 0;  // initial replica requests
  if (next_submit_ < requests_.size()) t = std::min(t, requests_[next_submit_].submit_s);
  if (next_cap_ < timeline_.events.size()) t = std::min(t, timeline_.events[next_cap_].time_s);
  if (next_cap_event_ < cap_events_.size()) t = std::min(t, cap_events_[next_cap_event_].time_s);
  t = std::min(t, next_enforce);
  if (!ends_.empty()) t = std::min(t, std::get<0>(*ends_.begin()));
  if (serving_) t = std::min(t, serving_->next_tick_s());
  return t;
}

void Controller::RunInstant(double now) {
  first_ = false;
  ++batches_;
  std::fill(blocked_.begin(), blocked_.end(), 0);
  if (serving_) serving_->AdvanceTo(now);
  const bool at_horizon = cfg_.horizon_s > 0 && now >= cfg_.horizon_s;

  // 1. Release every job whose work ends now, in start order.
  std::vector<size_t> ended;
  while (!ends_.empty() && std::get<0>(*ends_.begin()) <= now) {
    ended.push_back(std::get<2>(*ends_.begin()));
    ends_.erase(ends_.begin());
  }
  for (size_t j : ended) EndJob(j, now);
  RetimeSpans(now);  // a spanning run that ended frees its share of the links

  // 2. Serving tick.
  std::vector<size_t> released;
  const bool ticked = serving_ && (now >= serving_->next_tick_s() || at_horizon);
  if (ticked) {
    // The replicas' power in the series since the last tick was an estimate (the mean of the
    // tick before); now that their usage over it is known, rewrite those rows with the mean.
    const int nc = num_clusters();
    std::vector<double> shown_before(nc), interval_j(nc, 0.0);
    for (int c = 0; c < nc; ++c) shown_before[c] = power_->shown_power_w(c);
    const double dt = now - serving_->last_tick_s();
    serving_->Tick(now, *occ_, *power_, cap_w_, &released, &interval_j);  // sites first
    if (dt > 0) {
      std::vector<double> delta(nc), site_delta(fleet_.sites.size(), 0.0);
      for (int c = 0; c < nc; ++c) {
        delta[c] = interval_j[c] / dt - shown_before[c];
        if (cluster_site_[c] >= 0) site_delta[cluster_site_[c]] += delta[c];
      }
      for (size_t i = tick_sample_begin_; i < samples_.size(); ++i) {
        samples_[i].power_w += delta[samples_[i].cluster];
      }
      for (size_t i = tick_site_begin_; i < site_samples_.size(); ++i) {
        auto& x = site_samples_[i];
        x.it_power_w += site_delta[x.site];
        x.facility_power_w = x.it_power_w * fleet_.sites[x.site].pue;
      }
    }
    tick_sample_begin_ = samples_.size();
    tick_site_begin_ = site_samples_.size();
    for (size_t r : released) {
      const int c = serving_->cluster_of(r);
      const auto& p = serving_->placement_of(r);
      for (auto [h, k] : p) serving_acc_[c] -= k;
      const int d = replica_requests_[r].deployment, site = cluster_site_[c];
      if (site >= 0) {
        site_serving_w_[site] -= unit_share_[d][c] * ReplicaFullW(r, c);
        cluster_serving_w_[c] -= unit_share_[d][c] * ReplicaFullW(r, c);
        ++serving_version_;
        unit_full_w_[d][c] -= ReplicaFullW(r, c);
      }
      ReleasePlacement(p, 0, 0.0, now);
      if (inv_) inv_->Release(ReplicaJobId(r), p, now);
    }
    for (int c = 0; c < num_clusters(); ++c) MarkDirty(c);  // shown serving power changed
  }

  // 3. Build-out: tranches coming online or retiring now.
  bool capacity_changed = false;
  for (; next_cap_ < timeline_.events.size() && timeline_.events[next_cap_].time_s <= now;
       ++next_cap_) {
    const auto& ev = timeline_.events[next_cap_];
    const auto [begin, end] = tranche_hosts_[ev.cluster][ev.tranche];
    for (int h = begin; h < end; ++h) {
      if (ev.online) {
        occ_->SetOnline(h, true);
        power_->SetOnline(h, true, now);
      } else {
        occ_->SetRetiring(h);
        if (occ_->held(h) == 0) {
          occ_->SetOnline(h, false);
          power_->SetOnline(h, false, now);
        }
      }
    }
    MarkDirty(ev.cluster);
    capacity_changed = true;
  }
  ApplyCapEvents(now);

  // 4. Events in canonical order.
  if (serving_) {
    for (const auto& w : serving_->TakeWants()) {
      if (replica_requests_.size() != w.replica) Internal("replica requests out of order");
      const auto& dep = serving_->deployment(w.deployment);
      sched::JobRequest req;
      req.id = ReplicaJobId(w.replica);
      req.kind = sched::RequestKind::kReplica;
      req.seq = seq_++;
      req.submit_s = now;
      req.estimate_s = kInf;
      req.accelerators = dep.tp;
      req.eligible = serving_->eligible(w.deployment);
      req.priority = dep.priority;
      req.deployment = w.deployment;
      replica_requests_.push_back(std::move(req));
      Deliver(sched::Event{sched::EventKind::kJobSubmitted, now, &replica_requests_.back(), 0, {}},
              now);
    }
  }
  for (; next_submit_ < requests_.size() && requests_[next_submit_].submit_s <= now;
       ++next_submit_) {
    requests_[next_submit_].seq = seq_++;
    Deliver(sched::Event{sched::EventKind::kJobSubmitted, now, &requests_[next_submit_], 0, {}},
            now);
  }
  for (size_t j : ended) {
    Deliver(sched::Event{sched::EventKind::kJobFinished, now, nullptr, records_[j].id, {}}, now);
  }
  for (size_t r : released) {
    Deliver(sched::Event{sched::EventKind::kJobFinished, now, nullptr, ReplicaJobId(r), {}}, now);
  }
  // Kills (preemptions decided above, or while delivering these), in the order they happened.
  DeliverKills(now);
  if (capacity_changed) {
    Deliver(sched::Event{sched::EventKind::kCapacityChanged, now, nullptr, 0, {}}, now);
  }
  // 5. Power caps: enforcement, then its kills and one kPowerChanged.
  const bool enforced = EnforceCaps(now);
  DeliverKills(now);
  if (ticked || caps_changed_ || enforced) {
    Deliver(sched::Event{sched::EventKind::kPowerChanged, now, nullptr, 0, {}}, now);
  }
  caps_changed_ = false;
  // Preemptions decided at the last events of the instant are reported before it closes.
  DeliverKills(now);

  RetimeSpans(now);  // spanning runs shed by power enforcement
  EmitSamples(now);
  CheckCaps(now);
  MaybeProgress(now, false);
  if (at_horizon) stopped_ = true;
}

void Controller::DeliverKills(double now) {
  // Delivering a kill may preempt more jobs: they are appended and delivered in this loop.
  for (size_t i = 0; i < kills_.size(); ++i) {
    const auto [j, info] = kills_[i];  // a copy: Deliver may grow kills_
    Deliver(sched::Event{sched::EventKind::kJobKilled, now, &requests_[j], records_[j].id, info},
            now);
  }
  kills_.clear();
  for (size_t i = 0; i < refused_replicas_.size(); ++i) {
    const size_t r = refused_replicas_[i];
    sched::KillInfo info;
    info.reason = sched::KillReason::kPowerRefused;
    Deliver(sched::Event{sched::EventKind::kJobKilled, now, &replica_requests_[r], ReplicaJobId(r),
                         info}, now);
  }
  refused_replicas_.clear();
}

void Controller::Deliver(const sched::Event& ev, double now) {
  ++events_;
  sched_->OnEvent(ev, *this, &decisions_);
  if (!decisions_.empty()) Apply(now);
}

void Controller::Apply(double now) {
  // Preemptions, pstate changes, throttles, starts (sched/scheduler.h).
  for (const auto& p : decisions_.preemptions) Preempt(JobIndex(p.job), now);
  for (const auto& p : decisions_.pstates) ChangePstate(JobIndex(p.job), p.pstate, now);
  for (const auto& t : decisions_.throttles) {
    if (!serving_ || t.deployment < 0 || t.deployment >= serving_->num_deployments() ||
        !(t.power_share > 0 && t.power_share <= 1)) {
      Internal(absl::StrCat("scheduler throttled deployment ", t.deployment, " to share ",
                            t.power_share));
    }
    SetShare(t.deployment, t.power_share);
  }
  UpdatePending();  // what the view counted; each start takes its own share off as it is applied
  for (const auto& d : decisions_.starts) {
    if (d.cluster < 0 || d.cluster >= num_clusters() || d.pstate < 0 ||
        d.pstate >= num_pstates(d.cluster)) {
      Internal(absl::StrCat("scheduler started ", d.job, " on cluster ", d.cluster, " pstate ",
                            d.pstate));
    }
    if (d.job < 0) {
      if (!d.parts.empty()) Internal(absl::StrCat("scheduler split replica ", d.job, " in parts"));
      PlaceReplica(ReplicaIndex(d.job), d.cluster, now);
    } else if (d.parts.empty()) {
      const size_t j = JobIndex(d.job);
      StartJob(j, {{d.cluster, requests_[j].accelerators}}, d.pstate, now);
    } else {
      // A run over several clusters: two or more distinct clusters of one span group, the
      // first being d.cluster, accelerators summing to the job's (sched/scheduler.h).
      const size_t j = JobIndex(d.job);
      const auto& r = requests_[j];
      bool ok = d.parts.size() >= 2 && d.parts[0].cluster == d.cluster;
      int group = -2;
      int64_t sum = 0;
      for (size_t p = 0; ok && p < d.parts.size(); ++p) {
        const auto& part = d.parts[p];
        const size_t k =
            std::find(r.eligible.begin(), r.eligible.end(), part.cluster) - r.eligible.begin();
        ok = k < r.eligible.size() && k < r.span_group.size() && r.span_group[k] >= 0 &&
             (group == -2 || r.span_group[k] == group) && part.accelerators > 0;
        for (size_t q = 0; ok && q < p; ++q) ok = d.parts[q].cluster != part.cluster;
        if (ok) group = r.span_group[k], sum += part.accelerators;
      }
      if (!ok || sum != r.accelerators) {
        Internal(absl::StrCat("scheduler started job ", d.job,
                              " on parts that are not one span group holding it"));
      }
      StartJob(j, d.parts, d.pstate, now);
    }
  }
  decisions_.clear();
  ClearPending();
  RetimeSpans(now);  // spanning runs started or preempted share the links anew
}

bool Controller::EndedNow(size_t job, double now) const {
  return records_[job].status == metrics::JobStatus::kCompleted && records_[job].end_s == now;
}

size_t Controller::JobIndex(sched::JobId id) const {
  auto it = id_index_.find(id);
  if (it == id_index_.end()) Internal(absl::StrCat("scheduler named unknown job ", id));
  return it->second;
}

void Controller::StartJob(size_t job, const std::vector<sched::StartPart>& parts, int pstate,
                          double now) {
  auto& run = runs_[job];
  auto& rec = records_[job];
  if (run.start_seq >= 0 && rec.status == metrics::JobStatus::kRunning) {
    Internal(absl::StrCat("scheduler started job ", rec.id, " twice"));
  }
  const int cluster = parts[0].cluster;
  run.placement.clear();
  // Where each part's hosts begin in the placement. No heap work for the usual one part: the
  // placement found is moved in, and the part's placement below is the run's own.
  absl::InlinedVector<size_t, 4> part_begin;
  for (const auto& part : parts) {
    auto p = occ_->Find(part.cluster, part.accelerators);
    if (p.empty()) {
      Internal(absl::StrCat("scheduler started ", rec.id, " on cluster ",
                            fleet_.clusters[part.cluster].name, " without room"));
    }
    part_begin.push_back(run.placement.size());
    if (parts.size() == 1) {
      run.placement = std::move(p);
    } else {
      run.placement.insert(run.placement.end(), p.begin(), p.end());
    }
  }
  part_begin.push_back(run.placement.size());
  // Power admission, part by part: each part's power counts in every cap domain of its
  // cluster, with the parts already admitted there; any refusal refuses all.
  const int asked_pstate = pstate;
  bool admitted = true;
  absl::InlinedVector<std::pair<int, double>, 4> admitted_w;  // (domain, watts of the parts so far)
  placement::Placement part_storage;
  // The added power is needed only for admission or DVFS at admission under a finite cap
  // (O(hosts) per part): with every domain of the part's cluster uncapped both accept it as is.
  const bool admitting = plan_.Has(power::Lever::kAdmission) && !enforcing_;
  for (size_t i = 0; i < parts.size(); ++i) {
    const int pc = parts[i].cluster;
    const int s = cluster_site_[pc];
    if (s < 0) continue;
    if (!ClusterCapped(pc) ||
        (!admitting && !(dvfs_admission_ && !enforcing_ && parts.size() == 1))) {
      TakePending(pc, parts[i].accelerators);
      continue;
    }
    if (parts.size() > 1) {
      part_storage.assign(run.placement.begin() + part_begin[i],
                          run.placement.begin() + part_begin[i + 1]);
    }
    const placement::Placement& sub = parts.size() == 1 ? run.placement : part_storage;
    const double pue = fleet_.sites[s].pue;
    double added_w = power_->AddedPowerW(sub, pstate) * pue;
    TakePending(pc, parts[i].accelerators);
    if (dvfs_admission_ && !enforcing_ && parts.size() == 1) {
      // DVFS at admission: a start that does not fit at the pstate asked for starts at the
      // fastest slower pstate that fits (its remaining work is timed at that speed; Restore
      // raises it when headroom returns). Spanning runs start at the pstate asked for.
      const int last = num_pstates(cluster) - 1;
      while (pstate < last && !FitsAll(pc, added_w)) {
        ++pstate;
        added_w = power_->AddedPowerW(sub, pstate) * pue;
      }
      if (!FitsAll(pc, added_w)) {
        pstate = asked_pstate;
        added_w = power_->AddedPowerW(sub, pstate) * pue;
      }
    }
    for (int d : cluster_domains_[pc]) {
      auto it = std::find_if(admitted_w.begin(), admitted_w.end(),
                             [d](const auto& x) { return x.first == d; });
      if (it == admitted_w.end()) it = admitted_w.emplace(admitted_w.end(), d, 0.0);
      it->second += added_w;
    }
  }
  for (const auto& [d, w] : admitted_w) {
    if (!admitting || FitsCap(d, w)) continue;
    // Refused (see CheckAdmission): the parts' clusters in d show no room for the instant.
    for (const auto& part : parts) {
      if (in_domain_[d][part.cluster]) blocked_[part.cluster] = 1;
    }
    ++dom_refusals_[d];
    admitted = false;
  }
  if (!admitted) {
    // Refused by power admission (rare: see Admit): back to the queue, nothing done.
    sched::KillInfo info;
    info.reason = sched::KillReason::kPowerRefused;
    info.remaining_s = run.remaining_s > 0 ? run.remaining_s : run_by_cluster_[job][0];
    run.placement.clear();
    kills_.emplace_back(job, info);
    return;
  }
  // The run counts in every domain any of its parts is in, with its accelerators there.
  run.domains.clear();
  for (const auto& part : parts) {
    for (int d : cluster_domains_[part.cluster]) {
      auto it = std::find_if(run.domains.begin(), run.domains.end(),
                             [d](const auto& x) { return x.first == d; });
      if (it == run.domains.end()) it = run.domains.emplace(run.domains.end(), d, 0);
      it->second += part.accelerators;
    }
  }
  for (const auto& [d, acc] : run.domains) ++dom_jobs_[d];
  occ_->Hold(run.placement);
  if (inv_) inv_->Hold(rec.id, run.placement, now);
  power_->HoldAll(run.placement, pstate, 1.0, now);
  run.pstate = pstate;
  if (pstate != asked_pstate) power_slowed_[job] = 1;  // slowed at admission: restorable
  for (const auto& [d, acc] : run.domains) {
    dom_pstate_acc_[d][pstate] += acc;
    if (pstate != asked_pstate) {
      ++dom_slowed_[d];
      ++dom_dvfs_[d];
    }
  }
  // Every attempt starts from the beginning (no checkpoints yet): the whole run on this cluster
  // (or these clusters, stretched by the gradient exchange between them: exchange.h).
  const auto& el = requests_[job].eligible;
  const size_t k = std::find(el.begin(), el.end(), cluster) - el.begin();
  if (k == el.size()) Internal(absl::StrCat("scheduler started ", rec.id, " on an ineligible cluster"));
  const SpanCost cost = SpanCostOf(job, parts);
  run.remaining_s = run_by_cluster_[job][k] * cost.slowdown;
  rec.run_s = run.remaining_s;
  rec.estimate_s = requests_[job].estimate_by_cluster_s[k] * cost.slowdown;
  rec.span_clusters = static_cast<int>(parts.size());
  rec.step_exchange_s = cost.exchange_s;
  rec.exchange_slowdown = cost.slowdown;
  if (parts.size() >= 2) {  // RetimeSpans re-times it and the others with it on the links
    span_ring_[job] = SpanRing(job, parts);
    span_compute_s_[job] = run_by_cluster_[job][k];
    span_slowdown_[job] = cost.slowdown;
    spanning_.push_back(job);
    spans_changed_ = true;
  }
  run.attempt_s = run.remaining_s;
  run.last_s = now;
  run.start_seq = start_seq_++;
  const double speed = pstate_speed(cluster, pstate);
  run.end_s = speed == 1.0 ? now + run.remaining_s : now + run.remaining_s / speed;
  ends_.emplace(run.end_s, run.start_seq, job);
  ++running_;
  rec.start_s = now;
  rec.cluster = cluster;
  rec.hosts = static_cast<int>(run.placement.size());
  rec.status = metrics::JobStatus::kRunning;
  MarkDirty(run.placement);
}

void Controller::MarkDirty(const placement::Placement& p) {
  for (const auto& [h, k] : p) MarkDirty(occ_->cluster_of(h));
}

void Controller::ReleasePlacement(const placement::Placement& p, int pstate, double activity,
                                  double now) {
  occ_->Release(p);
  power_->ReleaseAll(p, pstate, activity, now);
  for (auto [h, k] : p) {
    if (occ_->retiring_online() == 0) break;  // nothing retiring (the usual case): no pass
    if (occ_->retiring(h) && occ_->held(h) == 0) {
      occ_->SetOnline(h, false);
      power_->SetOnline(h, false, now);
    }
    (void)k;
  }
  MarkDirty(p);
}

void Controller::ChargeJobEnergy(size_t job, double now) {
  // Its accelerators' share of their hosts' power at full load in its pstate: with power linear
  // in busy accelerators this is the job's own draw, whatever else shares its hosts.
  const auto& run = runs_[job];
  auto& rec = records_[job];
  const auto& cl = fleet_.clusters[rec.cluster];
  const double w = static_cast<double>(requests_[job].accelerators) *
                   cl.pstates[run.pstate].full_w / cl.accelerators_per_host;
  rec.energy_j += (now - run.last_s) * w;
  if (now > run.last_s) rec.segments.push_back({run.last_s, now, w});
}

void Controller::EndJob(size_t job, double now) {
  auto& run = runs_[job];
  auto& rec = records_[job];
  rec.end_s = now;
  rec.status = metrics::JobStatus::kCompleted;
  ChargeJobEnergy(job, now);
  ReleasePlacement(run.placement, run.pstate, 1.0, now);
  if (inv_) inv_->Release(rec.id, run.placement, now);
  // Its hosts are no longer needed (rec.hosts keeps their number): freed now, a replay's ended
  // jobs held 8 bytes per host they had ever used (95 MB on CEA-Curie at 1 processor per host).
  placement::Placement().swap(run.placement);
  run.remaining_s = 0;
  --running_;
  LeaveDomains(job);
  LeaveSpans(job);
  ++done_;
}

void Controller::ChangePstate(size_t job, int pstate, double now) {
  auto& run = runs_[job];
  auto& rec = records_[job];
  if (EndedNow(job, now)) return;
  if (rec.status != metrics::JobStatus::kRunning || pstate < 0 ||
      pstate >= num_pstates(rec.cluster)) {
    Internal(absl::StrCat("scheduler set job ", rec.id, " to pstate ", pstate));
  }
  if (pstate == run.pstate) return;
  ends_.erase(EndKey{run.end_s, run.start_seq, job});
  run.remaining_s = std::max(0.0, run.remaining_s - (now - run.last_s) *
                                                        pstate_speed(rec.cluster, run.pstate));
  ChargeJobEnergy(job, now);
  run.last_s = now;
  power_->Change(run.placement, run.pstate, 1.0, pstate, 1.0, now);
  const int old_pstate = run.pstate;
  run.pstate = pstate;
  const char was_slowed = power_slowed_[job];
  power_slowed_[job] = enforcing_ ? pstate > 0 : 0;
  for (const auto& [d, acc] : run.domains) {
    dom_pstate_acc_[d][old_pstate] -= acc;
    dom_pstate_acc_[d][pstate] += acc;
    dom_slowed_[d] += power_slowed_[job] - was_slowed;
  }
  if (enforcing_ && enforcing_domain_ >= 0) ++dom_dvfs_[enforcing_domain_];
  const double speed = pstate_speed(rec.cluster, pstate);
  run.end_s = now + run.remaining_s / speed;
  ends_.emplace(run.end_s, run.start_seq, job);
  MarkDirty(run.placement);
}

void Controller::Preempt(size_t job, double now) {
  auto& run = runs_[job];
  auto& rec = records_[job];
  if (EndedNow(job, now)) return;
  if (rec.status != metrics::JobStatus::kRunning) {
    Internal(absl::StrCat("scheduler preempted job ", rec.id, " which is not running"));
  }
  ends_.erase(EndKey{run.end_s, run.start_seq, job});
  const double left = std::max(
      0.0, run.remaining_s - (now - run.last_s) * pstate_speed(rec.cluster, run.pstate));
  sched::KillInfo info;
  info.reason = enforcing_ ? sched::KillReason::kPowerShed : sched::KillReason::kPreempted;
  if (enforcing_ && enforcing_domain_ >= 0) ++dom_shed_[enforcing_domain_];
  info.done_s = run.attempt_s - left;
  info.lost_s = info.done_s;  // no checkpoints yet: the attempt's work is lost
  info.remaining_s = run.attempt_s;  // the whole run again (on this cluster's time)
  ChargeJobEnergy(job, now);
  LeaveDomains(job);
  ReleasePlacement(run.placement, run.pstate, 1.0, now);
  if (inv_) inv_->Release(rec.id, run.placement, now);
  placement::Placement().swap(run.placement);  // its memory too, as at the end
  run.remaining_s = info.remaining_s;
  rec.status = metrics::JobStatus::kQueued;
  rec.preemptions += 1;
  rec.lost_work_s += info.lost_s;
  --running_;
  LeaveSpans(job);
  kills_.emplace_back(job, info);
}

void Controller::PlaceReplica(size_t r, int cluster, double now) {
  const int64_t tp = replica_requests_[r].accelerators;
  auto p = occ_->Find(cluster, tp, /*one_host=*/true);
  if (p.empty()) {
    Internal(absl::StrCat("scheduler placed replica ", r, " on cluster ",
                          fleet_.clusters[cluster].name, " without room"));
  }
  const int site = cluster_site_[cluster];
  const int d = replica_requests_[r].deployment;
  if (site >= 0) {
    // Its hosts' epsilon share (held at activity 0) plus its committed dynamic power.
    const double pue = fleet_.sites[site].pue;
    const double added_w = (power_->AddedPowerW(p, 0) - ReplicaFullW(r, cluster) +
                            unit_share_[d][cluster] * ReplicaFullW(r, cluster)) * pue;
    if (!Admit(cluster, tp, added_w)) {
      refused_replicas_.push_back(r);
      return;
    }
    site_serving_w_[site] += unit_share_[d][cluster] * ReplicaFullW(r, cluster);
    cluster_serving_w_[cluster] += unit_share_[d][cluster] * ReplicaFullW(r, cluster);
    ++serving_version_;
    unit_full_w_[d][cluster] += ReplicaFullW(r, cluster);
  }
  occ_->Hold(p);
  if (inv_) inv_->Hold(ReplicaJobId(r), p, now);
  power_->HoldAll(p, 0, 0.0, now);  // dynamic energy comes from its measured load (ticks)
  serving_acc_[cluster] += tp;
  serving_->OnPlaced(r, cluster, p, now);
  MarkDirty(cluster);
}

void Controller::MarkDirty(int c) {
  if (!dirty_[c]) {
    dirty_[c] = 1;
    dirty_list_.push_back(c);
  }
}

void Controller::EmitSamples(double now) {
  std::sort(dirty_list_.begin(), dirty_list_.end());
  std::vector<int>& sites = sample_domains_;  // scratch, reused across instants
  sites.clear();
  for (int c : dirty_list_) {
    dirty_[c] = 2;  // cleared below, after the domains that hold it are found
    metrics::ClusterSample s{now, c, occ_->held_in(c), occ_->online(c), serving_acc_[c],
                             power_->cluster_power_w(c)};
    // One row per cluster and instant: a later state at the same instant replaces the earlier.
    if (last_sample_[c] >= 0 && samples_[last_sample_[c]].time_s == now) {
      samples_[last_sample_[c]] = s;
    } else {
      last_sample_[c] = static_cast<int64_t>(samples_.size());
      samples_.push_back(s);
    }
    if (cluster_site_[c] >= 0) sites.push_back(cluster_site_[c]);
  }
  std::sort(sites.begin(), sites.end());
  sites.erase(std::unique(sites.begin(), sites.end()), sites.end());
  // The other cap domains with a changed cluster, after the sites.
  const int ns = num_sites();
  for (int d = ns; d < num_domains(); ++d) {
    for (int c : domains_[d].clusters) {
      if (dirty_[c] == 2) {
        sites.push_back(d);
        break;
      }
    }
  }
  for (int c : dirty_list_) dirty_[c] = 0;
  dirty_list_.clear();
  for (int d : sites) {
    metrics::SiteSample x;
    x.time_s = now;
    x.site = d < ns ? d : d - ns;
    if (d < ns) {
      x.it_power_w = power_->SiteItPowerW(d);
      x.facility_power_w = power_->SiteFacilityPowerW(d);
    } else {
      for (int c : domains_[d].clusters) {
        const double w = power_->cluster_power_w(c);
        x.it_power_w += w;
        if (cluster_site_[c] >= 0) x.facility_power_w += w * fleet_.sites[cluster_site_[c]].pue;
      }
    }
    x.power_cap_w = std::isinf(cap_w_[d]) ? 0 : cap_w_[d];
    x.committed_power_w = CommittedW(d);
    x.jobs_running = dom_jobs_[d];
    x.jobs_slowed = dom_slowed_[d];
    x.accelerators_by_pstate.assign(dom_pstate_acc_[d].begin(), dom_pstate_acc_[d].end());
    for (size_t k = 0; k < unit_share_.size(); ++k) {
      for (int c : domains_[d].clusters) {
        if (unit_full_w_[k][c] > 0) x.serving_share = std::min(x.serving_share, unit_share_[k][c]);
      }
    }
    x.shed_jobs = dom_shed_[d];
    x.dvfs_changes = dom_dvfs_[d];
    x.throttle_changes = dom_throttles_[d];
    auto& rows = d < ns ? site_samples_ : domain_samples_;
    auto& last = d < ns ? last_site_sample_[d] : last_domain_sample_[d];
    if (last >= 0 && rows[last].time_s == now) {
      rows[last] = std::move(x);
    } else {
      last = static_cast<int64_t>(rows.size());
      rows.push_back(std::move(x));
    }
  }
}

void Controller::MaybeProgress(double now, bool force) {
  if (!cfg_.progress) return;
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0_).count();
  if (!force && wall - last_progress_wall_ < 1.0) return;
  last_progress_wall_ = wall;
  double frac;
  if (cfg_.horizon_s > 0) {
    frac = std::min(1.0, now / cfg_.horizon_s);
  } else {
    frac = records_.empty() ? 1.0 : static_cast<double>(done_) / records_.size();
  }
  const double rate = wall > 0 ? events_ / wall : 0;
  const double eta = frac > 0 ? wall * (1 - frac) / frac : 0;
  std::fprintf(stderr,
               "[fleetsim] sim t=%.0f s (%.2f d) %5.1f%% | jobs done %lld/%zu | %.0f events/s | "
               "wall %.1f s | ETA %.1f s\n",
               now, now / 86400, 100 * frac, static_cast<long long>(done_), records_.size(), rate,
               wall, eta);
}

void Controller::Finish(double end_s, metrics::RunResult* out) {
  MaybeProgress(end_s, true);
  const int nc = num_clusters();
  out->end_time_s = end_s;
  out->cluster_energy_j.assign(nc, 0);
  for (int h = 0; h < occ_->num_hosts(); ++h) {
    out->cluster_energy_j[occ_->cluster_of(h)] += power_->HostEnergyJ(h, end_s);
  }
  out->cluster_serving_energy_j =
      serving_ ? serving_->dynamic_energy_j() : std::vector<double>(nc, 0.0);
  // Jobs still running: the accelerator share of their hosts' energy so far.
  for (size_t j = 0; j < records_.size(); ++j) {
    if (records_[j].status == metrics::JobStatus::kRunning) ChargeJobEnergy(j, end_s);
  }
  // Final rows at the end time close every step function.
  for (int c = 0; c < nc; ++c) MarkDirty(c);
  EmitSamples(end_s);
  out->fleet = fleet_;
  out->jobs = std::move(records_);
  out->samples = std::move(samples_);
  out->site_samples = std::move(site_samples_);
  for (int d = num_sites(); d < num_domains(); ++d) {
    out->power_domains.push_back(
        {domains_[d].name, domains_[d].scope == power::CapScope::kFleet ? "fleet" : "cluster"});
  }
  out->domain_samples = std::move(domain_samples_);
  if (serving_) {
    out->replicas = std::move(serving_->records());
    out->serving_sites = std::move(serving_->site_samples());
    out->deployments = std::move(serving_->deployment_records());
    out->serving_request_sample_rate = serving_->request_sample_rate();
    out->serving = serving_->TakeServing();
  }
  out->events = events_;
  out->batches = batches_;
  if (inv_) inv_->Finish(*out, {end_s, sched_->queue_length(), next_submit_, replica_requests_.size()});
}

// ---- Power caps (power/cap_policy.h), per cap domain ----

int64_t Controller::free(int c) const {
  int64_t f = occ_->free(c);
  if (!plan_.Has(power::Lever::kAdmission) || cluster_site_[c] < 0 || ViewAccW(c) <= 0) return f;
  if (!ClusterCapped(c)) return f;
  if (blocked_[c]) return 0;
  UpdatePending();
  // Per domain of c: room under its cap after what is committed, this answer's starts on its
  // other clusters (the scheduler itself subtracts its starts on c, as it does for occupancy)
  // and one host's epsilon step (a gang's last host may be partly filled).
  for (int d : cluster_domains_[c]) {
    if (std::isinf(cap_w_[d])) continue;
    const double room_w = cap_w_[d] * (1 + kCapTolerance) - CommittedW(d) -
                          (pending_dom_w_[d] - pending_cluster_w_[c]) - ViewReserveW(c);
    if (room_w <= 0) return 0;
    const double fit = std::floor(room_w / ViewAccW(c));
    if (fit < static_cast<double>(f)) f = static_cast<int64_t>(fit);
  }
  return f;
}

bool Controller::ClusterCapped(int c) const {
  for (int d : cluster_domains_[c]) {
    if (!std::isinf(cap_w_[d])) return true;
  }
  return false;
}

bool Controller::shares_power_cap(int a, int b) const {
  for (int d : cluster_domains_[a]) {
    if (in_domain_[d][b]) return true;
  }
  return false;
}

double Controller::CommittedW(int d) const {
  // Cached per domain until any host's power or any replica's committed power changes: the
  // scheduler's view asks for it once per queued job it considers.
  if (committed_version_.empty()) {
    committed_version_.assign(num_domains(), {~uint64_t{0}, 0});
    committed_w_.assign(num_domains(), 0.0);
  }
  const std::pair<uint64_t, uint64_t> v{power_->version(), serving_version_};
  if (committed_version_[d] != v) {
    // Whole sites from the site tallies, other clusters one by one; each at its site's PUE.
    double w = 0;
    for (int s : domains_[d].whole_sites) {
      w += (power_->SiteHostItPowerW(s) + site_serving_w_[s]) * fleet_.sites[s].pue;
    }
    for (int c : domains_[d].part_clusters) {
      if (cluster_site_[c] < 0) continue;
      w += (power_->cluster_host_power_w(c) + cluster_serving_w_[c]) *
           fleet_.sites[cluster_site_[c]].pue;
    }
    committed_w_[d] = w;
    committed_version_[d] = v;
  }
  return committed_w_[d];
}

double Controller::ReplicaFullW(size_t r, int c) const {
  const auto& cl = fleet_.clusters[c];
  return static_cast<double>(replica_requests_[r].accelerators) *
         power::AcceleratorSlopeW(cl.pstates[0], cl.accelerators_per_host);
}

void Controller::UpdatePending() const {
  for (; pending_seen_ < decisions_.starts.size(); ++pending_seen_) {
    const auto& d = decisions_.starts[pending_seen_];
    if (d.cluster < 0 || d.cluster >= num_clusters() || cluster_site_[d.cluster] < 0) continue;
    int64_t acc = 0;
    if (d.job < 0) {
      const size_t r = ReplicaIndex(d.job);
      if (r >= replica_requests_.size()) continue;  // Apply rejects it
      acc = replica_requests_[r].accelerators;
    } else {
      auto it = id_index_.find(d.job);
      if (it == id_index_.end()) continue;  // Apply rejects it
      acc = requests_[it->second].accelerators;
    }
    std::vector<sched::StartPart> parts = d.parts;
    if (parts.empty()) parts.push_back({d.cluster, acc});
    for (const auto& p : parts) {
      if (p.cluster < 0 || p.cluster >= num_clusters() || cluster_site_[p.cluster] < 0) continue;
      double w = static_cast<double>(p.accelerators) * ViewAccW(p.cluster);
      if (!pending_reserve_[p.cluster]) {
        pending_reserve_[p.cluster] = 1;
        w += ViewReserveW(p.cluster);
      }
      for (int dom : cluster_domains_[p.cluster]) pending_dom_w_[dom] += w;
      pending_cluster_w_[p.cluster] += w;
    }
  }
}

bool Controller::Admit(int c, int64_t accelerators, double added_w) {
  TakePending(c, accelerators);
  return CheckAdmission(c, added_w);
}

void Controller::TakePending(int c, int64_t accelerators) {
  // This start no longer pending; its cluster's reserve is covered by its actual power now.
  double est_w = static_cast<double>(accelerators) * ViewAccW(c);
  if (pending_reserve_[c]) {
    pending_reserve_[c] = 0;
    est_w += ViewReserveW(c);
  }
  for (int d : cluster_domains_[c]) pending_dom_w_[d] -= est_w;
  pending_cluster_w_[c] -= est_w;
}

bool Controller::FitsCap(int d, double added_w) const {
  if (std::isinf(cap_w_[d])) return true;
  const double after_w = CommittedW(d) + added_w + std::max(0.0, pending_dom_w_[d]);
  return after_w <= cap_w_[d] * (1 + kCapTolerance);
}

bool Controller::FitsAll(int c, double added_w) const {
  for (int d : cluster_domains_[c]) {
    if (!FitsCap(d, added_w)) return false;
  }
  return true;
}

bool Controller::CheckAdmission(int c, double added_w) {
  if (!plan_.Has(power::Lever::kAdmission) || enforcing_) return true;
  // The view's bound (per accelerator: slope plus the epsilon step spread over a host, plus one
  // host's step per cluster) holds for first-fit gangs; a start beyond it (a scheduler that
  // did not use free(), or placements fragmented by this answer's preemptions) is refused and
  // its cluster shows no room for the rest of the instant, so the scheduler cannot loop.
  bool ok = true;
  for (int d : cluster_domains_[c]) {
    if (FitsCap(d, added_w)) continue;
    ++dom_refusals_[d];
    ok = false;
  }
  if (!ok) blocked_[c] = 1;
  return ok;
}

void Controller::ClearPending() {
  if (pending_seen_ == 0) return;
  pending_seen_ = 0;
  std::fill(pending_dom_w_.begin(), pending_dom_w_.end(), 0.0);
  std::fill(pending_cluster_w_.begin(), pending_cluster_w_.end(), 0.0);
  std::fill(pending_reserve_.begin(), pending_reserve_.end(), 0);
}

void Controller::ApplyCapEvents(double now) {
  for (; next_cap_event_ < cap_events_.size() && cap_events_[next_cap_event_].time_s <= now;
       ++next_cap_event_) {
    const auto& ev = cap_events_[next_cap_event_];
    cap_w_[ev.domain] = ev.cap_w > 0 ? ev.cap_w : kInf;
    dom_changed_[ev.domain] = 1;
    caps_changed_ = true;
    for (int c : domains_[ev.domain].clusters) MarkDirty(c);
  }
}

void Controller::SetShare(int d, double share) {
  for (int c = 0; c < num_clusters(); ++c) SetUnitShare(d, c, share);
}

void Controller::SetUnitShare(int d, int c, double share) {
  const double old = unit_share_[d][c];
  if (share == old) return;
  const int s = cluster_site_[c];
  if (unit_full_w_[d][c] != 0 && s >= 0) {
    site_serving_w_[s] += (share - old) * unit_full_w_[d][c];
    cluster_serving_w_[c] += (share - old) * unit_full_w_[d][c];
    ++serving_version_;
    if (enforcing_ && enforcing_domain_ >= 0) ++dom_throttles_[enforcing_domain_];
    for (int dom : cluster_domains_[c]) dom_changed_[dom] = 1;
    MarkDirty(c);
  }
  unit_share_[d][c] = share;
  serving_->Throttle(d, c, share);
}

void Controller::LeaveDomains(size_t job) {
  auto& run = runs_[job];
  for (const auto& [d, acc] : run.domains) {
    --dom_jobs_[d];
    dom_pstate_acc_[d][run.pstate] -= acc;
    dom_slowed_[d] -= power_slowed_[job];
  }
  run.domains.clear();
  power_slowed_[job] = 0;
}

bool Controller::Degraded(int d) const {
  if (dom_slowed_[d] > 0) return true;
  for (size_t k = 0; k < unit_share_.size(); ++k) {
    for (int c : domains_[d].clusters) {
      if (unit_full_w_[k][c] > 0 &&
          unit_share_[k][c] != UnitTargetShare(static_cast<int>(k), c)) {
        return true;
      }
    }
  }
  return false;
}

double Controller::BasisW(int d) const {
  if (!plan_.measured_basis) return CommittedW(d);
  if (d < num_sites()) return power_->SiteFacilityPowerW(d);
  double w = 0;
  for (int s : domains_[d].whole_sites) w += power_->SiteFacilityPowerW(s);
  for (int c : domains_[d].part_clusters) {
    if (cluster_site_[c] >= 0) w += power_->cluster_power_w(c) * fleet_.sites[cluster_site_[c]].pue;
  }
  return w;
}

double Controller::UnitTargetShare(int d, int c) const {
  if (plan_.thresholds.empty()) return 1.0;
  const int prio = serving_->deployment(d).priority;
  double share = 1.0;
  for (int dom : cluster_domains_[c]) {
    share = std::min(share, power::ThresholdShare(prio, plan_, dom_engaged_[dom]));
  }
  return share;
}

bool Controller::ThresholdsChange(int d) const {
  if (plan_.thresholds.empty()) return false;
  std::vector<char> e = dom_engaged_[d];
  power::UpdateThresholds(BasisW(d), cap_w_[d], plan_, &e);
  return e != dom_engaged_[d];
}

double Controller::JobDomainW(size_t job, int d, int at_pstate) const {
  const auto& run = runs_[job];
  const int c0 = records_[job].cluster;
  if (records_[job].span_clusters <= 1) {  // one cluster: all its hosts are in d
    if (cluster_site_[c0] < 0) return 0;
    return power_->TenantPowerW(run.placement, run.pstate, at_pstate) *
           fleet_.sites[cluster_site_[c0]].pue;
  }
  // The run's hosts in d, by cluster (a placement lists each part's hosts together).
  double w = 0;
  placement::Placement sub;
  int sub_cluster = -1;
  auto flush = [&] {
    if (!sub.empty()) {
      w += power_->TenantPowerW(sub, run.pstate, at_pstate) *
           fleet_.sites[cluster_site_[sub_cluster]].pue;
    }
    sub.clear();
  };
  for (const auto& hk : run.placement) {
    const int c = occ_->cluster_of(hk.first);
    if (c != sub_cluster) flush(), sub_cluster = c;
    if (in_domain_[d][c] && cluster_site_[c] >= 0) sub.push_back(hk);
  }
  flush();
  return w;
}

power::SiteState Controller::DomainStateOf(int d) const {
  power::SiteState st;
  st.cap_w = cap_w_[d];
  st.power_w = BasisW(d);
  for (const auto& key : ends_) {
    const size_t j = std::get<2>(key);
    const auto& run = runs_[j];
    bool in = false;
    for (const auto& x : run.domains) in = in || x.first == d;
    if (!in) continue;
    power::JobTenant t;
    t.id = records_[j].id;
    t.priority = requests_[j].priority;
    t.start_seq = run.start_seq;
    t.pstate = run.pstate;
    t.restorable = power_slowed_[j] != 0;
    for (int p = 0; p < num_pstates(records_[j].cluster); ++p) {
      t.facility_w.push_back(JobDomainW(j, d, p));
    }
    st.jobs.push_back(std::move(t));
  }
  // Deployments: one tenant per (deployment, cluster) unit, keyed dep * clusters + cluster.
  const int nc = num_clusters();
  for (size_t k = 0; k < unit_share_.size(); ++k) {
    for (int c : domains_[d].clusters) {
      if (unit_full_w_[k][c] <= 0 || cluster_site_[c] < 0) continue;
      const int dep = static_cast<int>(k);
      st.deployments.push_back({dep * nc + c, serving_->deployment(dep).priority,
                                unit_share_[k][c],
                                unit_full_w_[k][c] * fleet_.sites[cluster_site_[c]].pue,
                                UnitTargetShare(dep, c)});
    }
  }
  return st;
}

void Controller::FitRestoreElsewhere(int d, std::vector<sched::ThrottleDecision>* units) {
  // Room under the caps of the other domains (on the plan's basis), taken as decisions are kept.
  std::vector<double> room(num_domains(), kInf);
  for (int x = 0; x < num_domains(); ++x) {
    if (x != d && !std::isinf(cap_w_[x])) room[x] = cap_w_[x] * (1 + kCapTolerance) - BasisW(x);
  }
  // A job raised in d goes to the fastest pstate, from the one decided down to just above its
  // own, that fits every other domain it is in; if none does, it stays.
  auto& ps = decisions_.pstates;
  ps.erase(std::remove_if(ps.begin(), ps.end(), [&](sched::PstateDecision& p) {
             const size_t j = JobIndex(p.job);
             const auto& run = runs_[j];
             std::vector<std::pair<int, double>> add;
             for (int at = p.pstate; at < run.pstate; ++at) {
               add.clear();
               bool fits = true;
               for (const auto& [x, acc] : run.domains) {
                 if (x == d || std::isinf(room[x])) continue;
                 const double delta = JobDomainW(j, x, at) - JobDomainW(j, x, run.pstate);
                 fits = fits && delta <= room[x];
                 add.emplace_back(x, delta);
               }
               if (!fits) continue;
               for (const auto& [x, delta] : add) room[x] -= delta;
               p.pstate = at;
               return false;
             }
             return true;
           }), ps.end());
  const int nc = num_clusters();
  for (auto& t : *units) {
    const int dep = t.deployment / nc, c = t.deployment % nc;
    const double old = unit_share_[dep][c];
    const double full = unit_full_w_[dep][c] * fleet_.sites[cluster_site_[c]].pue;
    for (int x : cluster_domains_[c]) {
      if (x == d || std::isinf(room[x]) || full <= 0) continue;
      t.power_share = std::min(t.power_share, old + std::max(0.0, room[x]) / full);
    }
    if (t.power_share <= old) continue;
    for (int x : cluster_domains_[c]) {
      if (x != d && !std::isinf(room[x])) room[x] -= (t.power_share - old) * full;
    }
  }
  units->erase(std::remove_if(units->begin(), units->end(), [&](const sched::ThrottleDecision& t) {
                 return t.power_share <= unit_share_[t.deployment / nc][t.deployment % nc];
               }), units->end());
}

bool Controller::EnforceCaps(double now) {
  if (!plan_.enforced()) return false;
  for (int c : dirty_list_) {
    for (int d : cluster_domains_[c]) dom_changed_[d] = 1;
  }
  const int nc = num_clusters();
  bool acted = false;
  // Applies decisions_ (jobs) and `units` ((deployment, cluster) shares) for domain d.
  auto apply = [&](int d, const std::vector<sched::ThrottleDecision>& units) {
    enforcing_ = true;
    enforcing_domain_ = d;
    for (const auto& t : units) SetUnitShare(t.deployment / nc, t.deployment % nc, t.power_share);
    if (!decisions_.empty()) Apply(now);
    enforcing_ = false;
    enforcing_domain_ = -1;
  };
  for (int d = 0; d < num_domains(); ++d) {
    const bool due = enforce_at_[d] <= now;
    if (!dom_changed_[d] && !due) continue;
    dom_changed_[d] = 0;
    const double cap = cap_w_[d];
    const bool over = BasisW(d) > cap * (1 + kCapTolerance);
    if (!over && !ThresholdsChange(d) && !Degraded(d)) {
      enforce_at_[d] = kInf;
      continue;
    }
    if (plan_.control_delay_s > 0 && !due) {
      // Telemetry lag: the power manager sees this state control_delay_s later.
      if (std::isinf(enforce_at_[d])) enforce_at_[d] = now + plan_.control_delay_s;
      continue;
    }
    enforce_at_[d] = kInf;
    if (!plan_.thresholds.empty()) {
      // Throttle thresholds: engage or release at the power seen now, then lower every unit
      // above the share they allow (raising is Restore's, within the caps).
      power::UpdateThresholds(BasisW(d), cap, plan_, &dom_engaged_[d]);
      std::vector<sched::ThrottleDecision> units;
      for (size_t k = 0; k < unit_share_.size(); ++k) {
        for (int c : domains_[d].clusters) {
          if (unit_full_w_[k][c] <= 0) continue;
          const double target = UnitTargetShare(static_cast<int>(k), c);
          if (unit_share_[k][c] > target) {
            units.push_back({static_cast<int>(k) * nc + c, target});
          }
        }
      }
      if (!units.empty()) {
        apply(d, units);
        acted = true;
      }
    }
    // Measured power of replicas changes only at the next tick: one round on that basis.
    const int rounds = plan_.measured_basis ? 1 : 16;
    for (int round = 0; round < rounds; ++round) {
      const bool still_over = BasisW(d) > cap * (1 + kCapTolerance);
      if (round > 0 && !still_over) break;
      const power::SiteState st = DomainStateOf(d);
      if (still_over) {
        power::Reduce(st, plan_, &decisions_);
      } else {
        power::Restore(st, plan_, &decisions_);
      }
      // Reduce and Restore name units by key: they are applied here, not by Apply.
      std::vector<sched::ThrottleDecision> units = std::move(decisions_.throttles);
      decisions_.throttles.clear();
      // A restore in d must not break another domain the work is in.
      if (!still_over) FitRestoreElsewhere(d, &units);
      if (decisions_.empty() && units.empty()) break;
      apply(d, units);
      acted = true;
      if (!still_over) break;  // one restore round
    }
    dom_changed_[d] = 0;
  }
  return acted;
}

void Controller::CheckCaps(double now) const {
  if (!plan_.enforced() || plan_.control_delay_s > 0 || plan_.measured_basis) return;
  for (int d = 0; d < num_domains(); ++d) {
    const double cap = cap_w_[d];
    const double w = CommittedW(d);
    if (!(w > cap * (1 + kCapTolerance))) continue;
    // Above the cap only at the floor: nothing left to shed or throttle.
    bool floor = dom_jobs_[d] == 0;
    if (plan_.Has(power::Lever::kThrottle)) {
      for (size_t k = 0; k < unit_share_.size(); ++k) {
        for (int c : domains_[d].clusters) {
          if (unit_full_w_[k][c] > 0 && unit_share_[k][c] > power::kMinThrottleShare) floor = false;
        }
      }
    }
    if (!floor) {
      Internal(absl::StrCat("power cap broken at t=", now, ": domain ", domains_[d].name,
                            " commits ", w, " W over its cap of ", cap, " W with ", dom_jobs_[d],
                            " jobs running"));
    }
  }
}

}  // namespace fleetsim::engine
