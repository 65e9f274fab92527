#include "sim/power/cap_policy.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace fleetsim::power {

const std::vector<std::string>& LeverNames() {
  static const std::vector<std::string> kNames = {"admission", "dvfs", "throttle", "shed"};
  return kNames;
}

absl::StatusOr<Lever> LeverFromName(const std::string& name) {
  const auto& n = LeverNames();
  for (size_t i = 0; i < n.size(); ++i) {
    if (n[i] == name) return static_cast<Lever>(i);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown power lever '", name, "' (one of ", absl::StrJoin(n, ", "), ")"));
}

bool PowerPlan::Has(Lever l) const {
  return std::find(levers.begin(), levers.end(), l) != levers.end();
}

namespace {

// Jobs in the order they give way: lowest priority first, then latest started first.
std::vector<const JobTenant*> GiveWayOrder(const SiteState& site) {
  std::vector<const JobTenant*> jobs;
  for (const auto& j : site.jobs) jobs.push_back(&j);
  std::sort(jobs.begin(), jobs.end(), [](const JobTenant* a, const JobTenant* b) {
    if (a->priority != b->priority) return a->priority < b->priority;
    return a->start_seq > b->start_seq;
  });
  return jobs;
}

std::vector<const DeploymentTenant*> DeploymentOrder(const SiteState& site) {
  std::vector<const DeploymentTenant*> deps;
  for (const auto& d : site.deployments) deps.push_back(&d);
  std::stable_sort(deps.begin(), deps.end(), [](const DeploymentTenant* a,
                                                const DeploymentTenant* b) {
    return a->priority < b->priority;
  });
  return deps;
}

}  // namespace

double Reduce(const SiteState& site, const PowerPlan& plan, sched::Decisions* out) {
  double power = site.power_w;
  auto over = [&] { return power > site.cap_w; };
  if (!over()) return power;
  const auto jobs = GiveWayOrder(site);
  std::vector<int> pstate(site.jobs.size());
  for (size_t i = 0; i < site.jobs.size(); ++i) pstate[i] = site.jobs[i].pstate;
  auto index_of = [&](const JobTenant* j) { return static_cast<size_t>(j - site.jobs.data()); };

  std::vector<Lever> steps;
  for (Lever l : plan.levers) {
    if (l == Lever::kDvfs || l == Lever::kThrottle) steps.push_back(l);
  }
  steps.push_back(Lever::kShed);  // the last resort whenever enforcement is on
  for (Lever l : steps) {
    if (!over()) break;
    if (l == Lever::kThrottle) {
      for (const DeploymentTenant* d : DeploymentOrder(site)) {
        if (!over()) break;
        if (d->share <= kMinThrottleShare) continue;
        // The share that removes exactly the excess, or the floor share.
        const double need_w = power - site.cap_w;
        double share = d->share - need_w / std::max(d->full_dynamic_w, 1e-300);
        share = std::max(kMinThrottleShare, share);
        if (share >= d->share) continue;
        power -= (d->share - share) * d->full_dynamic_w;
        out->throttles.push_back({d->deployment, share});
      }
    } else if (l == Lever::kDvfs) {
      for (const JobTenant* j : jobs) {
        if (!over()) break;
        const size_t i = index_of(j);
        const int last = static_cast<int>(j->facility_w.size()) - 1;
        // The fastest pstate below the current one that removes the excess, else the slowest.
        int p = pstate[i];
        const double base = power - j->facility_w[p];
        while (p < last && base + j->facility_w[p] > site.cap_w) ++p;
        if (p == pstate[i] || !(j->facility_w[p] < j->facility_w[pstate[i]])) continue;
        power = base + j->facility_w[p];
        pstate[i] = p;
        out->pstates.push_back({j->id, p});
      }
    } else {
      for (const JobTenant* j : jobs) {
        if (!over()) break;
        const size_t i = index_of(j);
        power -= j->facility_w[pstate[i]];
        out->preemptions.push_back({j->id});
        // A pstate decided above for a job shed now is dropped: preemption wins.
        auto& ps = out->pstates;
        ps.erase(std::remove_if(ps.begin(), ps.end(),
                                [&](const sched::PstateDecision& d) { return d.job == j->id; }),
                 ps.end());
      }
    }
  }
  return power;
}

double Restore(const SiteState& site, const PowerPlan& plan, sched::Decisions* out) {
  double power = site.power_w;
  if (!(power < site.cap_w)) return power;
  // Jobs first (they hold accelerators and their lost speed is lost work), highest priority and
  // earliest started first; each goes to the fastest pstate that fits.
  auto jobs = GiveWayOrder(site);
  std::reverse(jobs.begin(), jobs.end());
  for (const JobTenant* j : jobs) {
    if (j->pstate == 0 || !j->restorable) continue;
    const double base = power - j->facility_w[j->pstate];
    int p = 0;
    while (p < j->pstate && base + j->facility_w[p] > site.cap_w) ++p;
    if (p == j->pstate) continue;
    power = base + j->facility_w[p];
    out->pstates.push_back({j->id, p});
  }
  auto deps = DeploymentOrder(site);
  std::reverse(deps.begin(), deps.end());
  for (const DeploymentTenant* d : deps) {
    if (d->share >= d->max_share) continue;
    const double room_w = site.cap_w - power;
    if (room_w <= 0) break;
    const double share =
        std::min(d->max_share, d->share + room_w / std::max(d->full_dynamic_w, 1e-300));
    if (share <= d->share) continue;
    power += (share - d->share) * d->full_dynamic_w;
    out->throttles.push_back({d->deployment, share});
  }
  (void)plan;
  return power;
}

void UpdateThresholds(double power_w, double cap_w, const PowerPlan& plan,
                      std::vector<char>* engaged) {
  engaged->resize(plan.thresholds.size(), 0);
  for (size_t k = 0; k < plan.thresholds.size(); ++k) {
    const double f = plan.thresholds[k].cap_fraction;
    if (std::isinf(cap_w)) {
      (*engaged)[k] = 0;
    } else if (power_w > f * cap_w) {
      (*engaged)[k] = 1;
    } else if (power_w < (f - plan.release_margin) * cap_w) {
      (*engaged)[k] = 0;
    }  // in the band between: as it was
  }
}

double ThresholdShare(int priority, const PowerPlan& plan, const std::vector<char>& engaged) {
  double share = 1.0;
  for (size_t k = 0; k < plan.thresholds.size() && k < engaged.size(); ++k) {
    const auto& t = plan.thresholds[k];
    if (engaged[k] && priority <= t.max_priority) share = std::min(share, t.share);
  }
  return share;
}

}  // namespace fleetsim::power
