// Power accounting for a whole fleet: running power and energy per host, cluster and site.
// Plain C++ (no SimGrid); the only place where watts are computed (formula: power/model.h).
//
// A host holds tenants: a tenant is `k` accelerators at pstate `p` with activity `a` (a job:
// a = 1; an inference replica: its load fraction). With tenants, an online host draws
//   (sum_t k_t * epsilon_w[p_t]) / held  +  sum_t k_t * a_t * slope[p_t]
// where held = sum_t k_t and slope[p] = (full_w[p] - epsilon_w[p]) / cores; without tenants
// idle_w[0]; offline off_w. One pstate for all tenants gives SimGrid's formula exactly.
// Energy is integrated lazily: each host keeps (energy so far, power, time of last change), so a
// change costs O(1) per host touched and reading a host's energy is O(1).
//
// Facility power of a site = its clusters' IT power x the site's PUE.
#ifndef FLEETSIM_SIM_POWER_ACCOUNTANT_H_
#define FLEETSIM_SIM_POWER_ACCOUNTANT_H_

#include <cstdint>
#include <vector>

#include "sim/platform/fleet.h"
#include "sim/placement/occupancy.h"

namespace fleetsim::power {

class PowerAccountant {
 public:
  // `host_cluster[h]` = cluster of host h; every host starts online and idle at time 0.
  PowerAccountant(const platform::Fleet& fleet, const std::vector<int>& host_cluster);

  // Tenants. `activity` in [0, 1]. Hold/Release must pair with the same (k, pstate, activity).
  void Hold(int host, int k, int pstate, double activity, double now_s);
  void Release(int host, int k, int pstate, double activity, double now_s);
  void HoldAll(const placement::Placement& p, int pstate, double activity, double now_s);
  void ReleaseAll(const placement::Placement& p, int pstate, double activity, double now_s);
  // Moves a tenant to another pstate or activity (DVFS, throttling, load changes).
  void Change(const placement::Placement& p, int old_pstate, double old_activity, int new_pstate,
              double new_activity, double now_s);
  void SetOnline(int host, bool online, double now_s);
  // Energy measured elsewhere (an inference replica's dynamic energy over a serving tick, from
  // its exact load integral), charged to `host` as a lump.
  void AddEnergyJ(int host, double energy_j);
  // Power for the time series that energy lumps stand for (replicas' dynamic power, known as a
  // mean over each serving tick): shown in cluster and site power, not integrated.
  void AddShownPowerW(int cluster, double delta_w);
  double shown_power_w(int cluster) const { return shown_w_[cluster]; }

  double host_power_w(int host) const { return hosts_[host].power_w; }
  // Changes whenever any host's power changes (for callers caching sums of it).
  uint64_t version() const { return version_; }
  double HostEnergyJ(int host, double now_s) const;
  // IT power of a cluster (its hosts plus shown replica power).
  double cluster_power_w(int cluster) const { return cluster_w_[cluster] + shown_w_[cluster]; }
  double SiteItPowerW(int site) const;
  // IT power of a cluster's hosts alone (without shown replica power), as SiteHostItPowerW.
  double cluster_host_power_w(int cluster) const { return cluster_w_[cluster]; }
  // IT power of a site's hosts alone (without shown replica power): jobs exact, replicas at
  // their epsilon share. The base of committed power (power/cap_policy.h).
  double SiteHostItPowerW(int site) const;
  // IT watts a job (activity 1) held on `p` at `held_pstate` would contribute to its hosts at
  // `at_pstate`: their power with it there minus their power without it, others unchanged.
  double TenantPowerW(const placement::Placement& p, int held_pstate, int at_pstate) const;
  double SiteFacilityPowerW(int site) const { return SiteItPowerW(site) * fleet_.sites[site].pue; }
  // IT watts that placing `p` (accelerators of one cluster) at `pstate`, activity 1, would add.
  double AddedPowerW(const placement::Placement& p, int pstate) const;

 private:
  struct Host {
    int cluster = 0;
    int cores = 1;
    bool online = true;
    int held = 0;
    double eps_sum_w = 0;  // sum_t k_t * epsilon_w[p_t]
    double dyn_w = 0;      // sum_t k_t * a_t * slope[p_t]
    double power_w = 0;
    double energy_j = 0;
    double last_s = 0;
  };
  double PowerOf(const Host& h) const;
  // The formula above, with the cluster's idle (pstate 0) and off watts given.
  static double PowerOf(const Host& h, double idle_w, double off_w);
  // Hold (sign +1) or Release (-1) of every host of a placement.
  void AddAll(const placement::Placement& pl, int sign, int pstate, double activity, double now_s);
  void Settle(Host& h, double now_s);  // integrate energy up to now_s
  void Refresh(Host& h);               // recompute power_w and the cluster total

  const platform::Fleet& fleet_;
  std::vector<Host> hosts_;
  std::vector<double> cluster_w_, shown_w_;
  uint64_t version_ = 0;
};

}  // namespace fleetsim::power

#endif  // FLEETSIM_SIM_POWER_ACCOUNTANT_H_
